"""The on-disk cache of compiled kernels: numba's cache files, keyed by what a kernel computes.

numba's own cache (``cache=True``) keys a closure by pickling its cell contents; our loops close over dispatchers,
which pickle with a per-process id, so that key would never match in another process. Here a kernel of a built-in
activation is keyed by its kind (unary, backward, pair), the names of its formulas (``gelu:1:tanh`` is f' of
``gelu(approximate="tanh")``), a hash of actgrad's own source files, and numba's usual signature and CPU key; numba's
index also records its version. Each kernel has index and data files of its own, named by hashes of the key, so that
processes compiling on one cold cache at once (a Dask cluster's workers) never hand each other the wrong code
(:class:`_Index`). Formulas of user activations (``actgrad.define``) have no name and are not cached.

Where the files go is numba's choice: ``NUMBA_CACHE_DIR`` when set, else ``__pycache__`` next to the package when
it is writable, else a per-user directory. No cache problem reaches the caller: when a directory is unwritable or a
file is corrupt or truncated, the kernel compiles as if there were no cache and one :class:`CacheWarning` per
process says why.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

from numba.core.caching import FunctionCache, IndexDataCacheFile
from numba.core.runtime import rtsys

from ._registry import Formula, Spec

#: The name of every built-in formula (shared formula objects, such as a zero f'', keep the first name given).
_NAMES: dict[Formula, str] = {}
_warned = False


class CacheWarning(RuntimeWarning):
    """The kernel cache could not be read or written; kernels compile in memory instead (slower start-up only)."""


def name_formulas(spec: Spec) -> None:
    """Give every formula of a built-in spec its cache name (``name:order[:variant]``, order 0, 1, 2 or a
    parameter)."""
    for order in (0, 1, 2, *spec.wrt):
        chosen = spec.wrt[order] if isinstance(order, str) else (spec.f, spec.grad, spec.grad2)[order]
        variants = chosen.items() if not isinstance(chosen, Formula) else [(None, chosen)]
        for variant, formula in variants:
            _NAMES.setdefault(formula, f"{spec.name}:{order}" + (f":{variant}" if variant else ""))


def kernel_key(kind: str, formulas: tuple[Formula, ...]) -> str | None:
    """The cache key of a kernel over these formulas, or None when one of them has no name."""
    names = [_NAMES.get(f) for f in formulas]
    if None in names:
        return None
    return f"{kind}({'+'.join(names)})@{_source_hash()}"  # type: ignore[arg-type]


@functools.cache
def _source_hash() -> str:
    """A hash of actgrad's Python sources: an edited formula, kernel or math function invalidates every entry."""
    root = Path(__file__).resolve().parent
    digest = hashlib.sha256()
    for path in sorted(root.rglob("*.py")):
        digest.update(str(path.relative_to(root)).encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()[:16]


def digest(text: str) -> str:
    """16 hex digits of the SHA-256 of ``text``: names for files and compiled functions."""
    return hashlib.sha256(text.encode()).hexdigest()[:16]


class _Index(IndexDataCacheFile):
    """numba's index of a kernel's compiled signatures and their data files, safe for processes that save at once.

    numba names a new entry's data file by the first number no entry of the index holds: two processes that each
    loaded the index and then saved a new entry (Dask workers, a multiprocessing pool, all compiling on a cold
    cache) chose the same file, the last index written kept one process's entry and the last data file the other's
    code, and the next process ran the wrong kernel. Here the file is named by a hash of the entry's key and written
    before the index names it: concurrent saves can only drop each other's index entries (a later cache miss)."""

    def save(self, key: Any, data: Any) -> None:
        name = f"{self._index_name.removesuffix('.nbi')}.{digest(repr(key))}.nbc"
        self._save_data(name, data)
        overloads = self._load_index()
        overloads[key] = name
        self._save_index(overloads)


class _KeyedCache(FunctionCache):
    """numba's function cache with our key, an index file of its own per key (so kernels never share one), and
    with every failure turned into a cache miss."""

    def __init__(self, py_func: Callable[..., Any], key: str) -> None:
        self._key = key
        super().__init__(py_func)
        self._cache_file = _Index(
            cache_path=self._cache_path,
            filename_base=f"{self._impl.filename_base}-{digest(key)}",
            source_stamp=self._impl.locator.get_source_stamp(),
        )

    def _index_key(self, sig: Any, codegen: Any) -> tuple[Any, ...]:
        return (sig, codegen.magic_tuple(), self._key)

    def load_overload(self, sig: Any, target_context: Any) -> Any:
        """The cached kernel for ``sig``, or None. numba's own method first refreshes the target context: it imports
        and registers every implementation numba has (scipy.linalg included, for its BLAS check), 0.4 s of a fresh
        process's first call, which only compiling needs (numba's compiler refreshes the context itself before it
        compiles anything). Loading machine code needs only the NRT runtime, whose functions the kernels' wrappers
        call to unbox arrays."""
        try:
            rtsys.initialize(target_context)
            with self._guard_against_spurious_io_errors():
                return self._load_overload(sig, target_context)
        except Exception as exc:  # a corrupt, truncated or unreadable file: compile instead
            _warn_once(f"could not read the kernel cache ({type(exc).__name__}: {exc})")
            with contextlib.suppress(Exception):
                self.flush()  # an empty index, so that this compilation's save starts the cache afresh
            return None

    def save_overload(self, sig: Any, data: Any) -> None:
        try:
            super().save_overload(sig, data)
        except Exception as exc:  # an unwritable directory, a full disk
            _warn_once(f"could not write the kernel cache ({type(exc).__name__}: {exc})")


def enable(dispatcher: Any, key: str | None) -> None:
    """Cache ``dispatcher``'s compiled code on disk under ``key`` (nothing when ``key`` is None)."""
    if key is None:
        return
    try:
        dispatcher._cache = _KeyedCache(dispatcher.py_func, key)
    except Exception as exc:  # no usable cache directory at all
        _warn_once(f"no usable kernel cache directory ({type(exc).__name__}: {exc})")


def _warn_once(message: str) -> None:
    global _warned
    if _warned:
        return
    _warned = True
    # Under -W error the warning is raised: a cache problem must still not fail the call.
    with contextlib.suppress(Warning):
        warnings.warn(f"actgrad: {message}; kernels compile in memory instead", CacheWarning, stacklevel=2)
