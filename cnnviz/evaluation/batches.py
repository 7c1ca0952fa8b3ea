"""Inference batches spread over the cores, one whole batch per thread.

A forward pass split layer by layer over the cores (nn.parallel) waits for
every thread at the end of every layer, and small pieces of small layers keep
the cores half idle: ``deep`` on 32 images takes ~18 ms on two cores against
~22 ms on one. When there are many batches (an evaluation), each thread
instead runs whole batches through its own copy of the network, on its own
core: two threads finish two batches in ~23 ms.
"""
from __future__ import annotations

import threading
import time
from typing import Callable, List, Optional

from ..nn import Network
from ..nn.parallel import share_work, workers

#: seconds a helper thread waits before asking again whether it may run
HELPER_PAUSE = 0.01


class Cancelled(Exception):
    """``cancel()`` returned True before every batch had run."""


def run_batches(net: Network, count: int, run_batch: Callable[[Network, int], None],
                threads: Optional[int] = None, cancel: Optional[Callable[[], bool]] = None,
                may_help: Optional[Callable[[], bool]] = None) -> None:
    """Call ``run_batch(network, i)`` once for each batch index i in 0..count-1.

    With ``threads`` > 1 (default: the engine's thread count, see
    ``nn.parallel.workers``) the calling thread and threads-1 helper threads
    take the next index in turn; the caller computes with ``net`` and each
    helper with its own ``net.copy()``, so ``run_batch`` must only read the
    network and write disjoint results (or lock). Every thread runs its
    layers on its own core. ``cancel()`` is asked before every batch, on the
    thread about to run it; True stops all threads and raises
    :class:`Cancelled`. ``may_help()``, asked by helpers before every batch,
    holds them back while it is False (the caller goes on alone). The first
    exception of any thread is raised in the caller once all have stopped.
    """
    threads = max(1, min(workers() if threads is None else int(threads), count))
    lock = threading.Lock()
    state = {"next": 0, "stop": False}
    errors: List[BaseException] = []

    def take() -> Optional[int]:
        with lock:
            if state["stop"] or state["next"] >= count:
                return None
            state["next"] += 1
            return state["next"] - 1

    def work(network: Network, helper: bool) -> None:
        before = share_work(threads == 1)
        try:
            while not state["stop"]:
                if helper and may_help is not None and not may_help():
                    with lock:
                        if state["next"] >= count:
                            return
                    time.sleep(HELPER_PAUSE)
                    continue
                if cancel is not None and cancel():
                    raise Cancelled
                index = take()
                if index is None:
                    return
                run_batch(network, index)
        except BaseException as e:          # noqa: BLE001 - handed to the caller below
            with lock:
                errors.append(e)
                state["stop"] = True
        finally:
            share_work(before)

    helpers = [threading.Thread(target=work, args=(net.copy(), True), name=f"cnnviz-batches-{i}", daemon=True)
               for i in range(1, threads)]
    for t in helpers:
        t.start()
    work(net, False)
    for t in helpers:
        t.join()
    if errors:
        raise errors[0]
