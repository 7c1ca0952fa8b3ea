"""Splitting big element-wise array work over the cores.

numpy runs copies and ufuncs on one core but releases the GIL while it does,
so a large copy or sum split into slices on a few threads runs on all cores
(BLAS products already do). Used for the im2col/col2im copies, which are most
of a convolution's time that is not matrix products.
"""
from __future__ import annotations

import itertools
import os
import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Callable

import numpy as np

_lock = threading.Lock()
_pool = None
MIN_WORK = 1 << 20     # elements below which splitting costs more than it gains
CHUNKS_PER_THREAD = 4


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
    (elements touched) is large enough; ``fn`` must write disjoint outputs.

    The range is cut into a few more pieces than threads and every thread
    (this one included) takes the next piece until none is left, so a core
    that is busy with something else (the app's UI thread) holds up at most
    one small piece instead of half of the work.
    """
    threads = min(workers(), n) if work >= MIN_WORK else 1
    if threads <= 1:
        fn(0, n)
        return
    pieces = min(n, CHUNKS_PER_THREAD * threads)
    bounds = [n * i // pieces for i in range(pieces + 1)]
    counter = itertools.count()

    def drain():
        for i in iter(counter.__next__, None):      # next() on a count is atomic under the GIL
            if i >= pieces:
                return
            fn(bounds[i], bounds[i + 1])
    futures = [_executor().submit(drain) for _ in range(threads - 1)]
    drain()
    for f in futures:
        f.result()


def copyto(dst, src) -> None:
    """np.copyto(dst, src) for same-shape arrays, split along the first axis."""
    def part(lo, hi):
        np.copyto(dst[lo:hi], src[lo:hi])
    split_run(part, dst.shape[0], dst.size)
