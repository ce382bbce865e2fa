"""actgrad: neural-network activation functions with exact derivatives, fast on NumPy, usable everywhere.

>>> import actgrad as ag
>>> ag.relu.grad([-1.0, 0.0, 2.0], kink="right")
array([0., 1., 1.])
"""

from __future__ import annotations

from . import math
from ._activation import Activation
from ._define import define
from ._registry import CONVENTIONS, Kink, get, names
from .diagnostics import GradCheck, check_grad, dead_fraction, dead_units
from .functions import *  # noqa: F403
from .functions import __all__ as _functions_all

__version__ = "0.1.0"

__all__ = [
    "CONVENTIONS",
    "Activation",
    "GradCheck",
    "Kink",
    "check_grad",
    "dead_fraction",
    "dead_units",
    "define",
    "get",
    "math",
    "names",
    *_functions_all,
]
