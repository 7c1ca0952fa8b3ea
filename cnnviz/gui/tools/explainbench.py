"""What the explain views add in the real window (part of `main.py bench --explain`).

The real main window, offscreen, with the shipped model and a digit drawn by mouse events:

- a click on a cell -> the step-through drawn: ``inspector.pick_cell`` (what a click on a
  map does) until every repaint it caused is over, for a cell of each kind of layer;
- a hovered cell -> its receptive field drawn on the input preview;
- Why this answer: the UI thread's share of a new input (packing the request, once the
  input has stopped changing for QUIET_MS) and how long until the background thread's
  saliency + Grad-CAM, then occlusion, are shown.

Medians and 95th percentiles in milliseconds.
"""
from __future__ import annotations

import time
from typing import Callable, Dict, List

import numpy as np

from .toolwindow import tool_window
from ..app.run import ensure_app
from ..app.window import MainWindow
from ..model.modelchoice import startup_model
from ..views.why.view import QUIET_MS
from .drawbench import PaintCounter, flush_paints
from .synthstroke import draw_digit

#: the budget of a click on a cell until the step-through is drawn (ms)
CLICK_BUDGET_MS = 30.0
CELLS = (("conv1", (3, 14, 14)), ("conv4", (10, 7, 7)), ("pool2", (5, 3, 3)), ("relu4", (5, 7, 7)),
         ("fc1", (17,)), ("fc2", (7,)), ("softmax", (7,)))


def _stats(values: List[float]) -> Dict[str, float]:
    v = np.asarray(values)
    return {"p50": round(float(np.percentile(v, 50)), 2), "p95": round(float(np.percentile(v, 95)), 2)}


#: the longest a measurement waits for a result (s): a view that never answers is an error, not a hang
WAIT_SECONDS = 60.0

def bench_explain_views(report: Callable[[str], None] = print, repeats: int = 20,
                        size=(1400, 900)) -> dict:
    """Time the explain views in the real window; one line per figure through ``report``."""
    app = ensure_app(offscreen=True)
    counter = PaintCounter()
    app.installEventFilter(counter)
    model, _note = startup_model()
    try:
        with tool_window(model, size) as (window, _folder):
            draw_digit(window.canvas, "7")
            flush_paints(app, counter)
            return _measure(app, counter, window, repeats, report)
    finally:
        app.removeEventFilter(counter)


def _timed(app, counter, action: Callable[[], None]) -> float:
    t = time.perf_counter()
    action()
    flush_paints(app, counter)
    return (time.perf_counter() - t) * 1000


def _measure(app, counter, window: MainWindow, repeats: int, report) -> dict:
    ins = window.inspector
    names = [e.name for e in ins.entries()]
    cells = [(names.index(n), c) for n, c in CELLS if n in names]
    ins.pick_cell(*cells[0])                          # opens the step-through, as the first click does
    flush_paints(app, counter)
    deadline = time.perf_counter() + WAIT_SECONDS
    while not window.why.jobs.idle and time.perf_counter() < deadline:   # the drawing's explanation: not measured
        app.processEvents()
        time.sleep(0.005)
    report(f"explain views in the window ({model_text(window)}); ms p50 / p95 over {repeats} runs")
    clicks = {}
    for index, cell in cells:
        other = (index, tuple(max(0, c - 1) for c in cell))
        times = []
        for r in range(repeats):                    # alternate two cells: every click changes the view
            times.append(_timed(app, counter, lambda r=r: ins.pick_cell(*((index, cell) if r % 2 else other))))
        clicks[names[index]] = _stats(times)
        report(f"  click {names[index]:<8} -> step-through drawn  {clicks[names[index]]['p50']:8.2f} "
               f"{clicks[names[index]]['p95']:8.2f}")
    worst = max(s["p50"] for s in clicks.values())
    report(f"  click -> drawn: worst p50 {worst:.1f} ms, {'within' if worst <= CLICK_BUDGET_MS else 'OVER'} "
           f"the {CLICK_BUDGET_MS:g} ms target")
    i = names.index("conv4") if "conv4" in names else 1
    hover = _stats([_timed(app, counter, lambda r=r: ins.hover_cell(i, (r % 8, r % 7, 3))) for r in range(repeats)])
    ins.hover_cell(None)
    report(f"  hover a cell -> receptive field drawn        {hover['p50']:8.2f} {hover['p95']:8.2f}")
    window.panels["why"].raise_()        # in front (on a small screen a tab beside the step-through)
    flush_paints(app, counter)
    why = _why_latency(app, counter, window, max(3, repeats // 5))
    report(f"  why: UI thread per new input (the request)   {why['request']['p50']:8.2f} {why['request']['p95']:8.2f}")
    report(f"  why: new input -> saliency + Grad-CAM shown  {why['saliency']['p50']:8.2f} {why['saliency']['p95']:8.2f}"
           f"  (of which {QUIET_MS} ms waiting for the input to stop changing)")
    report(f"  why: new input -> occlusion shown            {why['occlusion']['p50']:8.2f} {why['occlusion']['p95']:8.2f}")
    return {"click_ms": clicks, "click_budget_ms": CLICK_BUDGET_MS, "hover_ms": hover, "why_ms": why}


def _why_latency(app, counter, window: MainWindow, repeats: int) -> dict:
    """The UI thread's cost of asking for an explanation, and from a new input until each result is shown."""
    why, ins = window.why, window.inspector
    x = ins.input.copy()

    def wait(shifted, with_occlusion: bool) -> float:
        deadline = time.perf_counter() + WAIT_SECONDS
        while time.perf_counter() < deadline:
            r = why.result
            if r is not None and np.array_equal(r.request.x, shifted) and (r.occlusion is not None
                                                                           or not with_occlusion):
                flush_paints(app, counter)
                return time.perf_counter()
            app.processEvents()
            time.sleep(0.0005)
        raise RuntimeError(f"no explanation of the new input after {WAIT_SECONDS:g} s: is the Why panel on screen?")

    request, saliency, occ = [], [], []
    for r in range(repeats):
        t = time.perf_counter()
        why.make_job()                               # what a new input costs the UI thread, once quiet
        request.append((time.perf_counter() - t) * 1000)
        shifted = np.roll(x, r % 3 - 1, axis=2)
        t = time.perf_counter()
        ins.set_input(shifted)                       # a new input: the trace, every view, the request
        saliency.append((wait(shifted, False) - t) * 1000)
        occ.append((wait(shifted, True) - t) * 1000)
    return {"request": _stats(request), "saliency": _stats(saliency), "occlusion": _stats(occ)}


def model_text(window: MainWindow) -> str:
    meta = window.inspector.meta
    return f"{window.inspector.network.name}" + (f", trained on {meta['dataset']}" if meta.get("dataset") else "")
