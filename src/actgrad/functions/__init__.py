"""The activation definitions, one module per family; importing this package registers them all.

The import order is the registry's order (``actgrad.names()``). Only the rectifiers are registered for now: the
other families (sigmoid.py, elu.py, gelu.py, hard.py, plus.py) are written but not yet passing the whole suite
(kink-table and framework-parity tests); see the closing note of the session that added them.
"""

from .relu import *  # noqa: F403
from .relu import __all__ as _relu

__all__ = [*_relu]
