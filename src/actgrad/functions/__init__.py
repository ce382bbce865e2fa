"""The activation definitions, one module per family; importing this package registers them all."""

from .relu import *  # noqa: F403
from .relu import __all__ as _relu_all

__all__ = [*_relu_all]
