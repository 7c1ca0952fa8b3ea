"""How many threads numpy's BLAS (OpenBLAS) uses, changed at run time.

A forward pass of one drawn digit multiplies small matrices; splitting them
over several threads gains nothing, and when the cores are busy (a training
run, another program) the BLAS threads wait for each other, and a pass of a
millisecond can take a hundred times as long. The app therefore runs
its interactive inference with one BLAS thread; code that trains in the same
process can raise the count again with :func:`set_blas_threads`.
"""
from __future__ import annotations

import ctypes
import glob
import os
from typing import Optional

import numpy as np

_SETTERS = ("scipy_openblas_set_num_threads64_", "scipy_openblas_set_num_threads",
            "openblas_set_num_threads64_", "openblas_set_num_threads")
_GETTERS = ("scipy_openblas_get_num_threads64_", "scipy_openblas_get_num_threads",
            "openblas_get_num_threads64_", "openblas_get_num_threads")
_lib = None


def _openblas():
    """numpy's bundled OpenBLAS library (ctypes), or None if numpy uses another BLAS."""
    global _lib
    if _lib is None:
        base = os.path.dirname(np.__file__)
        candidates = (glob.glob(os.path.join(base, os.pardir, "numpy.libs", "*openblas*"))
                      + glob.glob(os.path.join(base, ".libs", "*openblas*"))
                      + glob.glob(os.path.join(base, ".dylibs", "*openblas*")))
        _lib = False
        for path in candidates:
            try:
                lib = ctypes.CDLL(path)
            except OSError:
                continue
            if any(hasattr(lib, name) for name in _SETTERS):
                _lib = lib
                break
    return _lib or None


def set_blas_threads(count: int) -> bool:
    """Use ``count`` BLAS threads from now on; False if the BLAS cannot be controlled."""
    lib = _openblas()
    if lib is None:
        return False
    for name in _SETTERS:
        if hasattr(lib, name):
            getattr(lib, name)(ctypes.c_int(max(1, int(count))))
            return True
    return False


def blas_threads() -> Optional[int]:
    """The current BLAS thread count, or None if unknown."""
    lib = _openblas()
    if lib is None:
        return None
    for name in _GETTERS:
        if hasattr(lib, name):
            fn = getattr(lib, name)
            fn.restype = ctypes.c_int
            return int(fn())
    return None
