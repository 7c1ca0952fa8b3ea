"""Engine benchmarks: training throughput, single-image latency, peak memory, and the
same figures for PyTorch running the same networks.

Numbers, not pass/fail: the command line prints them (``python main.py bench``).
Everything runs on random data of the preset's input shape, so no data set is
needed. Each figure is the median of several timed windows, which is steadier
than a mean on a shared, noisy machine. When PyTorch is compared, its windows
alternate with cnnviz's in the same process, so a change in the machine's load
falls on both and the ratios stay meaningful.
"""
from __future__ import annotations

import statistics
import time
import tracemalloc
from typing import Callable, Dict, Iterable, List, Optional

import numpy as np

from .nn import Network, preset_spec
from .nn.loss import SoftmaxCrossEntropy
from .nn.optim import make_optimizer


def _batch(net: Network, batch: int, seed: int = 0):
    """A fixed random batch for ``net``: float32 images (batch, C, H, W) and labels (batch,)."""
    rng = np.random.default_rng(seed)
    return rng.random((batch,) + net.input_shape).astype(np.float32), rng.integers(0, net.num_classes, batch)


def _stepper(net: Network, batch: int, seed: int = 0):
    """A function doing one training step (forward, backward, Adam) on a fixed random batch."""
    x, y = _batch(net, batch, seed)
    opt = make_optimizer("adam", 0.001)
    loss = SoftmaxCrossEntropy()

    def step():
        loss.forward(net.forward(x, train=True), y)
        net.backward(loss.backward())
        opt.step(net.params, net.grads)
    return step


def interleaved_rates(steps: List[Callable[[], None]], batch: int, seconds: float = 3.0,
                      windows: int = 5) -> List[float]:
    """Samples per second of each training-step function, median over ``windows`` timed
    windows each; the functions' windows alternate, ``seconds`` in all per function."""
    per_step = []
    for step in steps:
        step()
        t0 = time.perf_counter()
        step()
        per_step.append(max(time.perf_counter() - t0, 1e-4))
    counts = [max(1, int(seconds / windows / t)) for t in per_step]
    rates: List[List[float]] = [[] for _ in steps]
    for _ in range(windows):
        for step, count, out in zip(steps, counts, rates):
            t0 = time.perf_counter()
            for _ in range(count):
                step()
            out.append(count * batch / (time.perf_counter() - t0))
    return [statistics.median(r) for r in rates]


def interleaved_latencies(calls: List[Callable[[], object]], repeats: int = 200, windows: int = 5,
                          settle: float = 0.25) -> List[Dict[str, float]]:
    """p50 and p95 in ms of each function over ``repeats`` calls, in ``windows`` windows of
    back-to-back calls per function, the functions' windows alternating.

    Windows, not single calls, take turns, with ``settle`` seconds of rest before each: a
    library that runs one image on several threads (PyTorch's OpenMP) keeps them spinning
    for a while after each call, and on a machine whose virtual cores share physical ones
    those spinning threads slow down whatever runs next. Each side is timed as it runs
    when called again and again on its own, both with their caches warmed (3 calls before
    each window)."""
    times: List[List[float]] = [[] for _ in calls]
    per_window = max(1, repeats // windows)
    for _ in range(windows):
        for call, out in zip(calls, times):
            if len(calls) > 1:
                time.sleep(settle)
            for _ in range(3):
                call()
            for _ in range(per_window):
                t0 = time.perf_counter()
                call()
                out.append((time.perf_counter() - t0) * 1e3)
    result = []
    for t in times:
        t.sort()
        result.append({"p50": t[len(t) // 2], "p95": t[int(len(t) * 0.95)]})
    return result


def train_throughput(net: Network, batch: int = 100, seconds: float = 3.0, windows: int = 5) -> float:
    """Training samples per second (forward, backward, Adam step), median over windows."""
    rate = interleaved_rates([_stepper(net, batch)], batch, seconds, windows)[0]
    net.release()
    return rate


def trace_latency_ms(net: Network, repeats: int = 200, seed: int = 0) -> Dict[str, float]:
    """Single-image forward with every intermediate tensor (``Network.trace``): p50/p95 in ms."""
    x = _batch(net, 1, seed)[0]
    return interleaved_latencies([lambda: net.trace(x)], repeats)[0]


def peak_training_memory_mb(spec: dict, batch: int = 100, steps: int = 3) -> float:
    """Peak bytes numpy allocated while building the network and training ``steps`` steps, in MB."""
    tracemalloc.start()
    try:
        step = _stepper(Network(spec), batch)
        for _ in range(steps):
            step()
        return tracemalloc.get_traced_memory()[1] / 2 ** 20
    finally:
        tracemalloc.stop()


def compare_with_torch(net: Network, batch: int = 100, seconds: float = 3.0) -> dict:
    """cnnviz and PyTorch (imported here; see :mod:`cnnviz.torchref`) on the same network,
    weights and batch, their windows alternating: training samples/s, one image's latency
    (cnnviz: ``trace`` with every tensor; PyTorch: a forward pass without gradients) and
    the ratios cnnviz / PyTorch of both. Also the largest logit difference of the two."""
    from . import torchref
    model = torchref.torch_model(net)
    x, y = _batch(net, batch)
    difference = torchref.max_difference(net, model, x[:8])
    ours, theirs = interleaved_rates([_stepper(net, batch), torchref.stepper(model, x, y)], batch, seconds)
    one = x[:1]
    trace, infer = interleaved_latencies([lambda: net.trace(one), torchref.inferrer(model, one)])
    net.release()
    return {
        "cnnviz": {"train_samples_per_s": round(ours, 1), "trace_ms_p50": round(trace["p50"], 3),
                   "trace_ms_p95": round(trace["p95"], 3)},
        "torch": {"train_samples_per_s": round(theirs, 1), "infer_ms_p50": round(infer["p50"], 3),
                  "infer_ms_p95": round(infer["p95"], 3)},
        "train_speed_ratio": round(ours / theirs, 3),
        "latency_ratio": round(trace["p50"] / infer["p50"], 3),
        "max_logit_difference": difference,
    }


def bench_presets(presets: Iterable[str], input_shape=(1, 28, 28), classes: int = 10, batch: int = 100,
                  seconds: float = 3.0, progress: Optional[callable] = None) -> Dict[str, dict]:
    """All three figures for each preset: {preset: {train_samples_per_s, trace_ms_p50, ...}}."""
    results = {}
    for name in presets:
        if progress:
            progress(name)
        spec = preset_spec(name, input_shape, classes)
        net = Network(spec)
        lat = trace_latency_ms(net)
        results[name] = {
            "params": net.num_params(),
            "train_samples_per_s": round(train_throughput(net, batch, seconds), 1),
            "trace_ms_p50": round(lat["p50"], 3),
            "trace_ms_p95": round(lat["p95"], 3),
            "peak_memory_mb": round(peak_training_memory_mb(spec, batch), 1),
        }
    return results


def machine_info() -> dict:
    """Where the figures were measured: core count, Python and numpy versions."""
    import os
    import platform
    return {"cpus": os.cpu_count(), "python": platform.python_version(), "numpy": np.__version__}


def compare_presets(presets: Iterable[str], seconds: float = 3.0, report: Callable[[str], None] = print,
                    input_shape=(1, 28, 28), classes: int = 10, batch: int = 100) -> dict:
    """:func:`compare_with_torch` for each preset, a table line each through ``report``;
    returns {"presets": {name: figures}, "torch": version, ...}. Raises ImportError
    when PyTorch is not installed."""
    from . import torchref
    if not torchref.available():
        raise ImportError("--compare-torch needs PyTorch, which is not installed here "
                          "(cnnviz itself never needs it)")
    report(f"{'preset':<12} {'train samples/s':>23} {'ratio':>6}   {'one image ms (p50)':>21} {'ratio':>6}")
    report(f"{'':<12} {'cnnviz':>11} {'torch':>11} {'':>6}   {'cnnviz':>10} {'torch':>10}")
    rows = {}
    for name in presets:
        net = Network(preset_spec(name, input_shape, classes))
        r = compare_with_torch(net, batch, seconds)
        rows[name] = {"params": net.num_params(), **r}
        c, t = r["cnnviz"], r["torch"]
        report(f"{name:<12} {c['train_samples_per_s']:>11,.0f} {t['train_samples_per_s']:>11,.0f} "
               f"{r['train_speed_ratio']:>6.2f}   {c['trace_ms_p50']:>10.3f} {t['infer_ms_p50']:>10.3f} "
               f"{r['latency_ratio']:>6.2f}")
    report("ratios are cnnviz / PyTorch, measured alternately in this process: samples/s above 1 and "
           "latency below 1 mean cnnviz is faster")
    return {"presets": rows, "batch": batch, "optimizer": "adam", "dtype": "float32",
            "torch": torchref.version(), "torch_threads": torchref.threads(), "machine": machine_info()}
