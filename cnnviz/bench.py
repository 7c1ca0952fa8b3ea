"""Engine benchmarks: training throughput, single-image latency, peak memory.

Numbers, not pass/fail: the command line prints them (``python main.py bench``).
Everything runs on random data of the preset's input shape, so no data set is
needed. Each figure is the median of several timed windows, which is steadier
than a mean on a shared, noisy machine.
"""
from __future__ import annotations

import statistics
import time
import tracemalloc
from typing import Dict, Iterable, Optional

import numpy as np

from .nn import Network, preset_spec
from .nn.loss import SoftmaxCrossEntropy
from .nn.optim import make_optimizer


def _stepper(net: Network, batch: int, seed: int = 0):
    """A function doing one training step (forward, backward, Adam) on a fixed random batch."""
    rng = np.random.default_rng(seed)
    x = rng.random((batch,) + net.input_shape).astype(np.float32)
    y = rng.integers(0, net.num_classes, batch)
    opt = make_optimizer("adam", 0.001)
    loss = SoftmaxCrossEntropy()

    def step():
        loss.forward(net.forward(x, train=True), y)
        net.backward(loss.backward())
        opt.step(net.params, net.grads)
    return step


def train_throughput(net: Network, batch: int = 100, seconds: float = 3.0, windows: int = 5) -> float:
    """Training samples per second (forward, backward, Adam step), median over windows."""
    step = _stepper(net, batch)
    t0 = time.perf_counter()
    step()
    step()
    per_step = max((time.perf_counter() - t0) / 2, 1e-4)
    steps_per_window = max(1, int(seconds / windows / per_step))
    rates = []
    for _ in range(windows):
        t0 = time.perf_counter()
        for _ in range(steps_per_window):
            step()
        rates.append(steps_per_window * batch / (time.perf_counter() - t0))
    net.release()
    return statistics.median(rates)


def trace_latency_ms(net: Network, repeats: int = 200, seed: int = 0) -> Dict[str, float]:
    """Single-image forward with every intermediate tensor (``Network.trace``): p50/p95 in ms."""
    x = np.random.default_rng(seed).random((1,) + net.input_shape).astype(np.float32)
    for _ in range(5):
        net.trace(x)
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        net.trace(x)
        times.append((time.perf_counter() - t0) * 1e3)
    times.sort()
    return {"p50": times[len(times) // 2], "p95": times[int(len(times) * 0.95)]}


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
