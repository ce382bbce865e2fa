"""The rectifier family: ReLU, Leaky ReLU, ReLU6 and PReLU.

Each is piecewise linear, so every value and derivative is exact. f' jumps at each kink; its value there is chosen by
the convention (PyTorch and JAX both take relu'(0) = 0; Leaky ReLU differs between them). f'' is 0 everywhere,
kinks included (the Dirac delta of the distributional derivative is not representable and no framework returns it).
"""

from __future__ import annotations

from .._activation import activation
from .._registry import ZERO, Formula, Kink, Param, Spec

__all__ = ["relu", "leaky_relu", "relu6", "prelu"]


relu = activation(
    Spec(
        name="relu",
        summary="Rectified linear unit: max(0, x).",
        f=Formula(lambda m: lambda x: m.where(x < 0, 0.0, x), r"\max(0, x)"),
        grad=Formula(
            lambda m: lambda x: m.where(x > 0, 1.0, 0.0),
            r"\begin{cases} 1 & x > 0 \\ 0 & x < 0 \end{cases}",
            kinks=(Kink(at=0.0, left=0.0, right=1.0, torch="left", jax="left"),),
        ),
        grad2=ZERO,
        reference="https://pytorch.org/docs/stable/generated/torch.nn.ReLU.html",
    )
)

leaky_relu = activation(
    Spec(
        name="leaky_relu",
        summary="Leaky ReLU: x for x >= 0, negative_slope * x below; its units never die (f' > 0 everywhere).",
        params=(Param("negative_slope", 0.01, "s, the slope for x < 0"),),
        # s == 0 is relu with the sign of s * x: no 0 * -inf = NaN at x = -inf, where the limit is 0.
        f=Formula(
            lambda m: lambda x, s: m.where(x < 0, m.where(s == 0, -s, s * x), x),
            r"\begin{cases} x & x \ge 0 \\ s x & x < 0 \end{cases}",
        ),
        grad=Formula(
            lambda m: lambda x, s: m.where(x > 0, 1.0, s),
            r"\begin{cases} 1 & x > 0 \\ s & x < 0 \end{cases}",
            kinks=(Kink(at=0.0, left=lambda s: s, right=1.0, torch="left", jax="right"),),
        ),
        grad2=ZERO,
        wrt={
            "negative_slope": Formula(
                lambda m: lambda x, s: m.where(x < 0, x, 0.0),
                r"\min(0, x)",
            )
        },
        reference="https://pytorch.org/docs/stable/generated/torch.nn.LeakyReLU.html",
    )
)

relu6 = activation(
    Spec(
        name="relu6",
        summary="ReLU capped at 6: min(max(0, x), 6).",
        f=Formula(lambda m: lambda x: m.where(x < 0, 0.0, m.where(x > 6, 6.0, x)), r"\min(\max(0, x), 6)"),
        grad=Formula(
            lambda m: lambda x: m.where((x > 0) & (x < 6), 1.0, 0.0),
            r"\begin{cases} 1 & 0 < x < 6 \\ 0 & x < 0 \text{ or } x > 6 \end{cases}",
            kinks=(
                Kink(at=0.0, left=0.0, right=1.0, torch="left", jax="left"),
                Kink(at=6.0, left=1.0, right=0.0, torch="right", jax="right"),
            ),
        ),
        grad2=ZERO,
        reference="https://pytorch.org/docs/stable/generated/torch.nn.ReLU6.html",
    )
)

prelu = activation(
    Spec(
        name="prelu",
        summary="Parametric ReLU: Leaky ReLU whose slope is a learned weight, one per channel along ``axis``.",
        params=(
            Param(
                "weight",
                0.25,
                "w, the slope for x < 0: a number, or a 1-d array of one weight per channel (or a single weight)",
                per_channel=True,
            ),
            Param("axis", 1, "the channel axis that per-channel weights run along (PyTorch: dim 1)", integer=True),
        ),
        f=Formula(
            lambda m: lambda x, w: m.where(x < 0, m.where(w == 0, -w, w * x), x),
            r"\begin{cases} x & x \ge 0 \\ w_c x & x < 0 \end{cases}",
        ),
        grad=Formula(
            lambda m: lambda x, w: m.where(x > 0, 1.0, w),
            r"\begin{cases} 1 & x > 0 \\ w_c & x < 0 \end{cases}",
            kinks=(Kink(at=0.0, left=lambda w: w, right=1.0, torch="left", jax="right"),),
        ),
        grad2=ZERO,
        wrt={"weight": Formula(lambda m: lambda x, w: m.where(x < 0, x, 0.0), r"\min(0, x)")},
        aliases=("PReLU",),
        reference="https://pytorch.org/docs/stable/generated/torch.nn.PReLU.html",
    )
)
