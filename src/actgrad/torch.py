"""Activations as PyTorch autograd functions whose backward is actgrad's explicit derivative.

``actgrad.torch.relu(t, kink="right")`` evaluates f with actgrad and, in the backward pass, uses actgrad's f' with the
chosen kink convention (so ``kink="right"`` gives relu'(0) = 1); double backward uses f''. Parameters are keywords
and are constants to autograd (no gradient flows to them). ``torch.autograd.gradcheck`` and ``gradgradcheck`` pass
in float64 away from kinks.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

import torch

from ._activation import Activation
from ._registry import get, names


class _Backward(torch.autograd.Function):
    """g * f'(x), differentiable once more: d/dg = f'(x), d/dx = g f''(x)."""

    @staticmethod
    def forward(ctx: Any, g: torch.Tensor, x: torch.Tensor, act: Activation, kink: str, params: dict) -> Any:
        ctx.save_for_backward(g, x)
        ctx.act, ctx.kink, ctx.params = act, kink, params
        return act.backward(g, x, kink=kink, **params)

    @staticmethod
    def backward(ctx: Any, gg: torch.Tensor) -> Any:
        g, x = ctx.saved_tensors
        act, kink, params = ctx.act, ctx.kink, ctx.params
        dg = act.backward(gg, x, kink=kink, **params) if ctx.needs_input_grad[0] else None
        dx = gg * g * act.grad2(x, kink=kink, **params) if ctx.needs_input_grad[1] else None
        return dg, dx, None, None, None


class _Apply(torch.autograd.Function):
    """f(x), with actgrad's f' in the backward pass."""

    @staticmethod
    def forward(ctx: Any, x: torch.Tensor, act: Activation, kink: str, params: dict) -> Any:
        ctx.save_for_backward(x)
        ctx.act, ctx.kink, ctx.params = act, kink, params
        return act(x, **params)

    @staticmethod
    def backward(ctx: Any, g: torch.Tensor) -> Any:
        (x,) = ctx.saved_tensors
        return _Backward.apply(g, x, ctx.act, ctx.kink, ctx.params), None, None, None


@functools.cache
def _function(name: str) -> Callable[..., torch.Tensor]:
    act = get(name)

    def apply(x: torch.Tensor, *, kink: str = "torch", **params: Any) -> torch.Tensor:
        if not isinstance(x, torch.Tensor):
            raise TypeError(f"actgrad.torch.{act.name}: expected a torch.Tensor, got {type(x).__name__}")
        act.spec.bind(params)  # parameter errors now, not in the backward pass
        act.grad(x[:0], kink=kink, **params)  # an unknown kink convention too
        return _Apply.apply(x, act, kink, params)  # type: ignore[no-any-return]

    apply.__name__ = apply.__qualname__ = act.name
    apply.__doc__ = f"{act.name} as a torch.autograd.Function with actgrad's derivatives.\n\n{type(act).__doc__}"
    return apply


def __getattr__(name: str) -> Callable[..., torch.Tensor]:
    try:
        return _function(get(name).name)
    except KeyError as exc:
        raise AttributeError(exc.args[0]) from None


def __dir__() -> list[str]:
    return list(names())
