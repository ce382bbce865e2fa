"""Activations as ``jax.custom_jvp`` functions whose derivatives are actgrad's explicit ones.

``actgrad.jax.relu(x, kink="right")`` evaluates f with actgrad; its JVP uses actgrad's f' with the chosen kink
convention, whose own JVP uses f'' -- so ``jax.grad``, ``jax.jacfwd``, ``jax.hessian`` and ``jax.jit`` all see the
exact derivatives and the convention (``jax.test_util.check_grads`` passes to order 2 away from kinks). Parameters
are keywords and constants to differentiation.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

import jax

from ._registry import get, names


@functools.cache
def _function(name: str) -> Callable[..., jax.Array]:
    act = get(name)

    def apply(x: Any, *, kink: str = "torch", **params: Any) -> jax.Array:
        act.spec.bind(params)  # parameter errors now, not inside a trace
        act.grad(jax.numpy.zeros(0), kink=kink, **params)  # an unknown kink convention too

        @jax.custom_jvp
        def f(x: Any) -> Any:
            return act(x, **params)

        @jax.custom_jvp
        def df(x: Any) -> Any:
            return act.grad(x, kink=kink, **params)

        @f.defjvp
        def _f_jvp(primals: Any, tangents: Any) -> Any:
            (x,), (t,) = primals, tangents
            return f(x), df(x) * t

        @df.defjvp
        def _df_jvp(primals: Any, tangents: Any) -> Any:
            (x,), (t,) = primals, tangents
            return df(x), act.grad2(x, kink=kink, **params) * t

        return f(x)  # type: ignore[no-any-return]

    apply.__name__ = apply.__qualname__ = act.name
    apply.__doc__ = f"{act.name} as a jax.custom_jvp with actgrad's derivatives.\n\n{type(act).__doc__}"
    return apply


def __getattr__(name: str) -> Callable[..., jax.Array]:
    try:
        return _function(get(name).name)
    except KeyError as exc:
        raise AttributeError(exc.args[0]) from None


def __dir__() -> list[str]:
    return list(names())
