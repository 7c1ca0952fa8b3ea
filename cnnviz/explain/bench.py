"""``python main.py bench --explain``: what the explain views cost on one drawing.

Times the computations behind a click on a cell (step-through, receptive field),
saliency + Grad-CAM, occlusion and one backward pass, on the shipped digits model
(the ``deep`` preset with random weights when the file is missing) and a drawn 7.
Medians and 95th percentiles of repeated runs, in milliseconds.
"""
from __future__ import annotations

import time
from typing import Callable, Dict, Optional

import numpy as np

from ..nn import Network, preset_spec
from .backward import backward_pass
from .occlusion import occlusion
from .receptive import receptive_field
from .stepthrough import step_through
from .why import why_this_answer

BUDGET_MS = {"click": 30.0, "saliency + grad-cam": 20.0, "occlusion": 300.0}


def drawn_seven(side: int = 28) -> np.ndarray:
    """A synthetic (1, side, side) "7" in [0, 1] on black: a top bar and a slanted stroke."""
    img = np.zeros((side, side), np.float32)
    s = side / 28
    img[int(6 * s):int(9 * s), int(6 * s):int(22 * s)] = 1.0
    for r in range(int(8 * s), int(24 * s)):
        c = int(21 * s) - (r - int(8 * s)) // 2
        img[r, max(c - 1, 0):c + 2] = 1.0
    return img[None]


def _timed(fn: Callable[[], object], repeats: int) -> Dict[str, float]:
    fn()
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t0) * 1e3)
    times.sort()
    return {"p50": times[len(times) // 2], "p95": times[min(int(len(times) * 0.95), len(times) - 1)]}


def _model():
    from ..modelio import ModelFileError, load_model
    from ..shipped import model_path
    try:
        loaded = load_model(model_path("digits"))
        return loaded.network, "shipped digits model (deep)"
    except (ModelFileError, OSError):
        return Network(preset_spec("deep")), "deep preset, random weights (the shipped model was not found)"


def bench_explain(report: Callable[[str], None] = print, repeats: int = 30, network: Optional[Network] = None) -> dict:
    """Time each explain computation; print one line each through ``report``; return the figures.

    ``network``: measure this one instead of the shipped model (its input must be square).
    """
    net, what = (network, f"{network.name} network") if network is not None else _model()
    x = drawn_seven(net.input_shape[1])
    trace = net.trace(x[None])
    names = [t.name for t in trace]
    report(f"explain costs on one drawing, {what}; ms p50 / p95 over {repeats} runs")
    rows = {"trace (context)": _timed(lambda: net.trace(x[None]), repeats)}
    clicks = {}
    for name, cell in (("conv1", (3, 14, 14)), ("conv4", (10, 7, 7)), ("pool2", (5, 3, 3)), ("relu4", (5, 7, 7)),
                       ("fc1", (17,)), ("fc2", (7,)), ("softmax", (7,))):
        if name in names:
            i = names.index(name)
            clicks[name] = _timed(lambda: (step_through(trace, i, cell), receptive_field(net, i, cell)), repeats)
            rows[f"click {name}: step-through + receptive field"] = clicks[name]
    rows["saliency + grad-cam"] = _timed(lambda: why_this_answer(net, x), repeats)
    rows["occlusion (6x6 patch, stride 2, batched)"] = _timed(lambda: occlusion(net, x), max(1, repeats // 6))
    rows["backward pass (all layers' gradients)"] = _timed(lambda: backward_pass(net, x, 3), repeats)
    for label, r in rows.items():
        report(f"  {label:<48} {r['p50']:8.2f} {r['p95']:8.2f}")
    worst_click = max(clicks.values(), key=lambda r: r["p50"]) if clicks else None
    checks = {"click": worst_click, "saliency + grad-cam": rows["saliency + grad-cam"],
              "occlusion": rows["occlusion (6x6 patch, stride 2, batched)"]}
    for label, budget in BUDGET_MS.items():
        if checks[label] is not None:
            verdict = "within" if checks[label]["p50"] <= budget else "OVER"
            report(f"  {label}: p50 {checks[label]['p50']:.1f} ms, {verdict} the {budget:g} ms target")
    return {"model": what, "repeats": repeats, "ms": rows, "targets_ms": BUDGET_MS}
