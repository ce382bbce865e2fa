"""PyTorch and JAX counterparts of every activation, for benchmarks/run.py.

PyTorch: the aten kernel that ``torch.nn.functional`` and autograd run on the CPU, called through
``torch.ops.aten`` in its ``out=`` overload where it has one (``.out``, or ``.grad_input`` for backward kernels),
else allocating. Activations that PyTorch builds from several ops (softsign, tanhshrink) are timed as a user meets
them: ``torch.nn.functional.<name>`` forward, and for backward ``torch.autograd.grad`` through the graph recorded
outside the timed call. PyTorch has no op for f' alone: "grad" runs the backward kernel with g = 1.

JAX: ``jax.jit`` of ``jax.nn.<fn>`` (forward), of ``jax.vmap(jax.grad(fn))`` (grad) and of the VJP (backward), on
arrays already on the device, waiting with ``block_until_ready``. float64 needs ``jax_enable_x64``, which
:func:`load_jax` turns on for the process.

Each builder returns ``(role, label, call)`` or None where the library has no counterpart: role ``torch_out``
writes into the given output buffer; ``torch`` and ``jax`` allocate.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping
from typing import Any

__all__ = ["jax_peer", "load_jax", "load_torch", "torch_peer"]

Params = Mapping[str, Any]
Peer = tuple[str, str, Callable[[], Any]]

#: SELU's constants, as PyTorch and JAX define them.
SELU_ALPHA = 1.6732632423543772848170429916717
SELU_SCALE = 1.0507009873554804934193349852946


def load_torch(threads: int) -> Any | None:
    try:
        import torch
    except ImportError:
        return None
    torch.set_num_threads(threads)
    return torch


def load_jax() -> Any | None:
    try:
        import jax
    except ImportError:
        return None
    jax.config.update("jax_enable_x64", True)
    return jax


# --------------------------------------------------------------------------------------------------------------
# PyTorch

#: Forward kernels: name -> (aten op, its scalar arguments after the input).
TORCH_FORWARD: dict[str, tuple[str, Callable[[Params], tuple[Any, ...]]]] = {
    "relu": ("relu", lambda p: ()),
    "leaky_relu": ("leaky_relu", lambda p: (p["negative_slope"],)),
    "relu6": ("hardtanh", lambda p: (0.0, 6.0)),
    # One weight: PReLU is leaky_relu (torch's _prelu_kernel has no out= and allocates).
    "prelu": ("leaky_relu", lambda p: (p["weight"],)),
    "sigmoid": ("sigmoid", lambda p: ()),
    "tanh": ("tanh", lambda p: ()),
    "softplus": ("softplus", lambda p: (p["beta"], 20.0)),
    "log_sigmoid": ("log_sigmoid", lambda p: ()),
    "silu": ("silu", lambda p: ()),
    "mish": ("mish", lambda p: ()),
    "elu": ("elu", lambda p: (p["alpha"],)),
    "selu": ("elu", lambda p: (SELU_ALPHA, SELU_SCALE)),  # what torch.selu runs
    "celu": ("celu", lambda p: (p["alpha"],)),
    "gelu": ("gelu", lambda p: ()),
    "hard_sigmoid": ("hardsigmoid", lambda p: ()),
    "hard_swish": ("hardswish", lambda p: ()),
    "hard_tanh": ("hardtanh", lambda p: (p["min_val"], p["max_val"])),
    "hard_shrink": ("hardshrink", lambda p: (p["lambd"],)),
    "soft_shrink": ("softshrink", lambda p: (p["lambd"],)),
    "threshold": ("threshold", lambda p: (p["threshold"], p["value"])),
}


def _log_sigmoid_buffer(x: Any) -> Any:
    import torch

    return torch.ops.aten.log_sigmoid_forward(x)[1]


#: Backward kernels (g * f'): name -> (aten op, its arguments from (g, x, params), what precedes the timed call).
TORCH_BACKWARD: dict[str, tuple[str, Callable[[Any, Any, Params], tuple[Any, ...]], str]] = {
    "relu": ("threshold_backward", lambda g, x, p: (g, x, 0.0), ""),
    "leaky_relu": ("leaky_relu_backward", lambda g, x, p: (g, x, p["negative_slope"], False), ""),
    "relu6": ("hardtanh_backward", lambda g, x, p: (g, x, 0.0, 6.0), ""),
    "prelu": ("leaky_relu_backward", lambda g, x, p: (g, x, p["weight"], False), ""),
    "sigmoid": ("sigmoid_backward", lambda g, x, p: (g, x.sigmoid()), "takes y = f(x), computed untimed"),
    "tanh": ("tanh_backward", lambda g, x, p: (g, x.tanh()), "takes y = f(x), computed untimed"),
    "softplus": ("softplus_backward", lambda g, x, p: (g, x, p["beta"], 20.0), ""),
    "log_sigmoid": (
        "log_sigmoid_backward",
        lambda g, x, p: (g, x, _log_sigmoid_buffer(x)),
        "takes log_sigmoid_forward's buffer, computed untimed",
    ),
    "silu": ("silu_backward", lambda g, x, p: (g, x), ""),
    "mish": ("mish_backward", lambda g, x, p: (g, x), ""),
    "elu": ("elu_backward", lambda g, x, p: (g, p["alpha"], 1.0, 1.0, False, x), ""),
    "selu": ("elu_backward", lambda g, x, p: (g, SELU_ALPHA, SELU_SCALE, 1.0, False, x), ""),
    "celu": ("elu_backward", lambda g, x, p: (g, p["alpha"], 1.0, 1.0 / p["alpha"], False, x), ""),
    "gelu": ("gelu_backward", lambda g, x, p: (g, x), ""),
    "hard_sigmoid": ("hardsigmoid_backward", lambda g, x, p: (g, x), ""),
    "hard_swish": ("hardswish_backward", lambda g, x, p: (g, x), ""),
    "hard_tanh": ("hardtanh_backward", lambda g, x, p: (g, x, p["min_val"], p["max_val"]), ""),
    "hard_shrink": ("hardshrink_backward", lambda g, x, p: (g, x, p["lambd"]), ""),
    "soft_shrink": ("softshrink_backward", lambda g, x, p: (g, x, p["lambd"]), ""),
    "threshold": ("threshold_backward", lambda g, x, p: (g, x, p["threshold"]), ""),
}

#: Activations PyTorch composes from several ops: torch.nn.functional.<name>, differentiated by autograd.
TORCH_COMPOSITE = ("softsign", "tanhshrink")


def _out_overload(packet: Any) -> str | None:
    """The name of an aten op's overload that writes into a given tensor (also its keyword), or None."""
    return next((o for o in ("out", "grad_input") if o in packet.overloads()), None)


def _aten_call(torch: Any, op: str, args: tuple[Any, ...], out: Any, label: str) -> Peer:
    packet = getattr(torch.ops.aten, op)
    overload = _out_overload(packet)
    if overload is None:
        return "torch", f"aten.{op}{label}", functools.partial(packet.default, *args)
    kernel = getattr(packet, overload)
    return "torch_out", f"aten.{op}.{overload}{label}", functools.partial(kernel, *args, **{overload: out})


def torch_peer(torch: Any, name: str, op: str, x: Any, g: Any, out: Any, params: Params) -> Peer | None:
    """PyTorch's kernel for one case, on tensors sharing the NumPy arrays' memory."""
    t, tg, to = (torch.from_numpy(a) for a in (x, g, out))
    if op == "grad":
        tg, ones = torch.ones_like(t), ", g = 1"
    else:
        ones = ""
    if name in TORCH_COMPOSITE:
        fn = getattr(torch.nn.functional, name)
        if op == "forward":
            return "torch", f"F.{name}(t)", functools.partial(fn, t)
        leaf = t.detach().requires_grad_()
        y = fn(leaf)
        label = f"autograd.grad(F.{name}(t), t, g){ones}, graph recorded untimed"
        return "torch", label, lambda: torch.autograd.grad(y, leaf, tg, retain_graph=True)[0]
    if op == "forward":
        if name not in TORCH_FORWARD:
            return None
        aten, scalars = TORCH_FORWARD[name]
        return _aten_call(torch, aten, (t, *scalars(params)), to, "")
    if name not in TORCH_BACKWARD:
        return None
    aten, arguments, note = TORCH_BACKWARD[name]
    return _aten_call(torch, aten, arguments(tg, t, params), to, ones + (f" ({note})" if note else ""))


# --------------------------------------------------------------------------------------------------------------
# JAX

#: name -> (jax.nn function, its keyword arguments). JAX's softplus has beta = 1 and hard_tanh the range [-1, 1]:
#: the defaults, which are what run.py times.
JAX: dict[str, tuple[str, Callable[[Params], dict[str, Any]]]] = {
    "relu": ("relu", lambda p: {}),
    "leaky_relu": ("leaky_relu", lambda p: {"negative_slope": p["negative_slope"]}),
    "relu6": ("relu6", lambda p: {}),
    "prelu": ("leaky_relu", lambda p: {"negative_slope": p["weight"]}),
    "sigmoid": ("sigmoid", lambda p: {}),
    "tanh": ("tanh", lambda p: {}),
    "softplus": ("softplus", lambda p: {}),
    "log_sigmoid": ("log_sigmoid", lambda p: {}),
    "silu": ("silu", lambda p: {}),
    "softsign": ("soft_sign", lambda p: {}),
    "mish": ("mish", lambda p: {}),
    "elu": ("elu", lambda p: {"alpha": p["alpha"]}),
    "selu": ("selu", lambda p: {}),
    "celu": ("celu", lambda p: {"alpha": p["alpha"]}),
    "gelu": ("gelu", lambda p: {"approximate": False}),
    "hard_sigmoid": ("hard_sigmoid", lambda p: {}),
    "hard_swish": ("hard_swish", lambda p: {}),
    "hard_tanh": ("hard_tanh", lambda p: {}),
    "squareplus": ("squareplus", lambda p: {"b": p["b"]}),
    "sparse_plus": ("sparse_plus", lambda p: {}),
    "sparse_sigmoid": ("sparse_sigmoid", lambda p: {}),
}


@functools.cache
def _jitted(jax: Any, name: str, op: str, kwargs: tuple[tuple[str, Any], ...]) -> tuple[str, Callable[..., Any]]:
    """(label, jitted function) for one activation and op; jax.jit then compiles once per shape and dtype."""
    attr = JAX[name][0]
    fn = functools.partial(getattr(jax.nn, attr), **dict(kwargs))
    if op == "forward":
        return f"jit(jax.nn.{attr})", jax.jit(fn)
    if op == "grad":
        return f"jit(vmap(grad(jax.nn.{attr})))", jax.jit(jax.vmap(jax.grad(fn)))
    return f"jit(vjp(jax.nn.{attr}))", jax.jit(lambda g, x: jax.vjp(fn, x)[1](g)[0])


def jax_peer(jax: Any, name: str, op: str, x: Any, g: Any, params: Params) -> Peer | None:
    """JAX's jitted function for one case, on copies of the arrays already on the device."""
    if name not in JAX:
        return None
    label, fn = _jitted(jax, name, op, tuple(sorted(JAX[name][1](params).items())))
    args = (jax.device_put(g), jax.device_put(x)) if op == "backward" else (jax.device_put(x),)
    return "jax", label, lambda: fn(*args).block_until_ready()
