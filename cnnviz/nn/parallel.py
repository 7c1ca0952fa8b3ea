"""Splitting big element-wise array work over the cores.

numpy runs copies and ufuncs on one core but releases the GIL while it does,
so a large copy or sum split into slices on a few threads runs on all cores
(BLAS products already do). Used for the im2col/col2im copies, which are most
of a convolution's time that is not matrix products.
"""
from __future__ import annotations

import os
import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Callable

import numpy as np

_lock = threading.Lock()
_pool = None
MIN_WORK = 1 << 20     # elements below which splitting costs more than it gains


def workers() -> int:
    """Threads used: $CNNVIZ_THREADS, else the number of cores (at least 1)."""
    try:
        return max(1, int(os.environ.get("CNNVIZ_THREADS", "")))
    except ValueError:
        return max(1, os.cpu_count() or 1)


def _executor() -> ThreadPoolExecutor:
    global _pool
    with _lock:
        if _pool is None:
            _pool = ThreadPoolExecutor(max_workers=workers(), thread_name_prefix="cnnviz-split")
        return _pool


def split_run(fn: Callable[[int, int], None], n: int, work: int) -> None:
    """Call ``fn(lo, hi)`` on disjoint ranges covering 0..n, in parallel when ``work``
    (elements touched) is large enough; ``fn`` must write disjoint outputs."""
    parts = min(workers(), n) if work >= MIN_WORK else 1
    if parts <= 1:
        fn(0, n)
        return
    bounds = [n * i // parts for i in range(parts + 1)]
    futures = [_executor().submit(fn, bounds[i], bounds[i + 1]) for i in range(1, parts)]
    fn(bounds[0], bounds[1])          # this thread does the first share
    for f in futures:
        f.result()


def copyto(dst, src) -> None:
    """np.copyto(dst, src) for same-shape arrays, split along the first axis."""
    def part(lo, hi):
        np.copyto(dst[lo:hi], src[lo:hi])
    split_run(part, dst.shape[0], dst.size)
