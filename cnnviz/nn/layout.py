"""Batch-last memory: how the engine stores a batch of maps.

Every layer takes and returns arrays of shape (N, C, H, W), indexed as NCHW.
Behind that shape the engine keeps a batch's maps in (C, H, W, N) memory
order: ``x.transpose(1, 2, 3, 0)`` is then a C-contiguous array. The images of
a batch sit next to each other, so every shifted window, pooling tap and
per-channel statistic walks long contiguous runs, and a convolution's matrix
product writes its output in place without a transpose. For one image (N = 1)
the two orders are the same memory: a single image's maps are ordinary
C-contiguous NCHW arrays.

Layers accept any layout (a caller's NCHW batch works as well, a little slower);
these helpers let them tell and convert.
"""
from __future__ import annotations

import numpy as np


# Axis orders for arrays of 1 to 4 dimensions (np.moveaxis does the same, more slowly).
_TO_MEMORY = {n: tuple(range(1, n)) + (0,) for n in range(1, 5)}
_FROM_MEMORY = {n: (n - 1,) + tuple(range(n - 1)) for n in range(1, 5)}


def memory(x: np.ndarray) -> np.ndarray:
    """The batch-last view of x: (C, H, W, N) for maps (N, C, H, W), (D, N) for vectors (N, D)."""
    return x.transpose(_TO_MEMORY[x.ndim])


def from_memory(m: np.ndarray) -> np.ndarray:
    """The (N, ...) view of a batch-last array (C, H, W, N) or (D, N): the inverse of :func:`memory`."""
    return m.transpose(_FROM_MEMORY[m.ndim])


def is_batch_last(x: np.ndarray) -> bool:
    """True when x's batch-last view is C-contiguous."""
    return memory(x).flags.c_contiguous


def empty(shape, dtype) -> np.ndarray:
    """An uninitialised array of ``shape`` (N, ...) in batch-last memory."""
    return from_memory(np.empty(tuple(shape[1:]) + (shape[0],), dtype))


def batch_last(x: np.ndarray) -> np.ndarray:
    """x itself when it is batch-last, else a batch-last copy."""
    if is_batch_last(x):
        return x
    out = empty(x.shape, x.dtype)
    np.copyto(out, x)
    return out


def reshape(x: np.ndarray, per_sample) -> np.ndarray:
    """x (N, ...) reshaped to (N, *per_sample), keeping its memory order: a view when x
    is batch-last (the result is batch-last too) or C-contiguous."""
    n = x.shape[0]
    if is_batch_last(x):
        return from_memory(memory(x).reshape(tuple(per_sample) + (n,)))
    return x.reshape((n,) + tuple(per_sample))
