"""The activation definitions, one module per family; importing this package registers them all.

The import order is the registry's order (``actgrad.names()``), hence not sorted.
"""

# ruff: noqa: I001

from .relu import *  # noqa: F403
from .relu import __all__ as _relu
from .sigmoid import *  # noqa: F403
from .sigmoid import __all__ as _sigmoid
from .gelu import *  # noqa: F403
from .gelu import __all__ as _gelu
from .elu import *  # noqa: F403
from .elu import __all__ as _elu
from .hard import *  # noqa: F403
from .hard import __all__ as _hard
from .plus import *  # noqa: F403
from .plus import __all__ as _plus

__all__ = [*_relu, *_sigmoid, *_gelu, *_elu, *_hard, *_plus]
