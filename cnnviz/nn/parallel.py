"""Splitting big array work over the cores.

numpy runs copies and ufuncs on one core but releases the GIL while it does,
so a large copy or sum split into slices on a few threads runs on all cores.
Matrix products are split the same way (:func:`matmul`): the engine runs its
BLAS single-threaded and cuts each product into pieces itself. Every split is
one hand-over to the threads and one wait; a multi-threaded BLAS instead
synchronises its threads inside every product, and when another program keeps
a core busy each of those waits can last a scheduler time slice.
"""
from __future__ import annotations

import itertools
import os
import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Callable

import numpy as np
from threadpoolctl import threadpool_limits

_lock = threading.Lock()
_local = threading.local()      # .alone: this thread runs its splits itself (see share_work)
_pool = None
_blas_single = False
MIN_WORK = 1 << 20     # elements below which splitting costs more than it gains
CHUNKS_PER_THREAD = 4
SUM_PIECES = 8         # the ranges a split sum always adds up (see split_sum)


def workers() -> int:
    """Threads used: $CNNVIZ_THREADS, else the number of cores (at least 1)."""
    try:
        return max(1, int(os.environ.get("CNNVIZ_THREADS", "")))
    except ValueError:
        return _CORES


_CORES = max(1, os.cpu_count() or 1)       # asked once: os.cpu_count() reads the system each time


def _executor() -> ThreadPoolExecutor:
    global _pool
    with _lock:
        if _pool is None:
            _pool = ThreadPoolExecutor(max_workers=workers(), thread_name_prefix="cnnviz-split")
        return _pool


def _single_threaded_blas() -> None:
    """Limit numpy's BLAS to one thread, once: from then on the engine splits products itself."""
    global _blas_single
    if not _blas_single:
        with _lock:
            threadpool_limits(1, user_api="blas")
            _blas_single = True


def share_work(shared: bool) -> bool:
    """Whether the splits this thread makes from now on go to the helper threads (True, the
    default) or are all run by this thread (False): a background job (the app's evaluation)
    that must leave the other cores to the thread the user waits on. Returns the old setting."""
    before = not getattr(_local, "alone", False)
    _local.alone = not shared
    return before


def split_run(fn: Callable[[int, int], None], n: int, work: int) -> None:
    """Call ``fn(lo, hi)`` on disjoint ranges covering 0..n, in parallel when ``work``
    (elements touched) is large enough; ``fn`` must write disjoint outputs.

    The range is cut into a few more pieces than threads and every thread
    (this one included) takes the next piece until none is left, so a core
    that is busy with something else (the app's UI thread) holds up at most
    one small piece instead of half of the work.
    """
    _single_threaded_blas()
    threads = min(workers(), n) if work >= MIN_WORK and not getattr(_local, "alone", False) else 1
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


def matmul(a: np.ndarray, b: np.ndarray, out: np.ndarray) -> np.ndarray:
    """np.matmul(a, b, out=out) for 2-D a (M, K), b (K, P), out (M, P), split over the
    cores along the longer side of out (each piece one single-threaded BLAS product)."""
    m, p = out.shape
    work = m * p * a.shape[1] // 16        # a product's flops cost about this many copied elements
    if p >= m:
        def part(lo, hi):
            np.matmul(a, b[:, lo:hi], out=out[:, lo:hi])
        split_run(part, p, work)
    else:
        def part(lo, hi):
            np.matmul(a[lo:hi], b, out=out[lo:hi])
        split_run(part, m, work)
    return out


def split_sum(fn: Callable[[int, int], np.ndarray], n: int, work: int, out: np.ndarray) -> np.ndarray:
    """out = the sum of ``fn(lo, hi)`` (arrays of out's shape) over disjoint ranges covering
    0..n, computed as :func:`split_run` does.

    The ranges are always the same :data:`SUM_PIECES` (or n) and their results are added in
    their order, whatever the number of threads and whichever thread finishes first: floating
    point sums depend on their order, and a seeded training run must repeat to the last bit
    from one run to the next."""
    pieces = min(n, SUM_PIECES)
    bounds = [n * i // pieces for i in range(pieces + 1)]
    parts = [None] * pieces

    def run(lo, hi):
        for i in range(lo, hi):
            parts[i] = fn(bounds[i], bounds[i + 1])
    split_run(run, pieces, work)
    np.copyto(out, parts[0])
    for p in parts[1:]:
        out += p
    return out
