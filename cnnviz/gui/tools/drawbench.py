"""How fast the real window follows a pen (`main.py bench --draw`).

A digit is replayed on the canvas of the real main window, offscreen, as
mouse events sent at a hand's rate (default 120 per second), with the event
loop running in between exactly as in the app: the throttled live prediction
fires from its own timer. For every mouse event that changed the picture,
the latency is measured from just before the event is sent until the first
update that includes it has finished *and* the window has repainted:
preprocessing, the forward pass, every view's ``traceChanged`` handler, and
then the event loop is run until a pass delivers no more paint events.
"""
from __future__ import annotations

import json
import os
import queue
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Callable, Dict, List, Optional, Sequence, Tuple

import numpy as np
from PyQt5.QtCore import QEvent, QObject, QPointF, QSettings
from PyQt5.QtTest import QTest

from ..app.run import STARTUP_PROBE_ENV, ensure_app
from ...blas import blas_threads
from ..app.window import MainWindow
from ..model.modelchoice import ROOT, untrained_model
from .synthstroke import digit_path, mouse_event

#: stroke -> every view, p95 (ms): the targets of issue 15
TARGETS_MS = {"simple": 10.0, "deep": 20.0}


class PaintCounter(QObject):
    """Counts paint events delivered to any widget (an application-wide event filter)."""

    def __init__(self):
        super().__init__()
        self.count = 0

    def eventFilter(self, obj, event) -> bool:
        if event.type() == QEvent.Paint:
            self.count += 1
        return False


def bench_draw(presets: Sequence[str] = ("simple", "deep", "two-conv"), strokes: int = 3,
               rate_hz: float = 120.0, size: Tuple[int, int] = (1400, 900),
               layer: str = "conv1", startup: bool = True,
               report: Optional[Callable[[str], None]] = None) -> dict:
    """Replay ``strokes`` digit strokes per preset on the real window; report latencies in ms.

    Returns a JSON-able dict::

        {"rate_hz": 120, "size": [1400, 900], "layer": "conv1",
         "startup": {"process_to_window_ms": ..., "run_app_to_window_ms": ...},
         "presets": {"simple": {"latency_ms": {"p50", "p95", "max"}, "update_ms": {...},
                                "paint_ms": {...}, "ink_ms": {...}, "longest_block_ms": ...,
                                "events": n, "updates": m, "window_ms": ..., "target_ms": 10,
                                "meets_target": true}, ...}}

    ``latency_ms``: mouse event -> every view updated and repainted.
    ``update_ms``: one update's preprocess + forward + view handlers.
    ``paint_ms``: the repaint after an update. ``ink_ms``: mouse event -> the
    canvas repainted with the new ink. ``longest_block_ms``: the longest time
    the event loop was busy in one go (a stutter, if large). ``window_ms``:
    MainWindow construction -> shown and painted. The untrained preset is
    used (timings do not depend on the weights). ``report(text)`` receives a
    human-readable line per preset as it finishes.
    """
    say = report or (lambda text: None)
    app = ensure_app(offscreen=True)
    counter = PaintCounter()
    app.installEventFilter(counter)
    result: Dict = {"rate_hz": rate_hz, "size": list(size), "layer": layer, "strokes": strokes,
                    "platform": os.environ.get("QT_QPA_PLATFORM", ""), "cpus": os.cpu_count(),
                    "load_before": _load(), "blas_threads": blas_threads(), "presets": {}}
    say(f"replaying {strokes} strokes at {rate_hz:g} events/s on a {size[0]}x{size[1]} window, "
        f"layer {layer}; load average {result['load_before']} on {result['cpus']} CPUs")
    try:
        with tempfile.TemporaryDirectory() as tmp:
            for preset in presets:
                settings = QSettings(str(Path(tmp) / f"{preset}.ini"), QSettings.IniFormat)
                r = _bench_preset(app, counter, preset, settings, strokes, rate_hz, size, layer)
                result["presets"][preset] = r
                say(_summary(preset, r))
    finally:
        app.removeEventFilter(counter)
    result["load_after"] = _load()
    if startup:
        result["startup"] = s = measure_startup()
        say(f"launch: python main.py -> window shown in {s['process_to_window_ms']:.0f} ms, median of "
            f"{s['starts']} starts (run_app -> shown {s['run_app_to_window_ms']:.0f} ms; the first start, "
            f"which writes Python's bytecode caches: {s['first_start_ms']:.0f} ms)" if "error" not in s
            else f"launch: {s['error']}")
    return result


def _summary(preset: str, r: dict) -> str:
    lat, up, paint, ink = r["latency_ms"], r["update_ms"], r["paint_ms"], r["ink_ms"]
    target = (f" (target {r['target_ms']:g}: {'met' if r['meets_target'] else 'MISSED'})"
              if "target_ms" in r else "")
    return (f"{preset:<10} stroke -> views p50 {lat['p50']} ms, p95 {lat['p95']} ms{target}; "
            f"update p50 {up['p50']} ms, repaint p50 {paint['p50']} ms, ink p95 {ink['p95']} ms, "
            f"window shown in {r['window_ms']:.0f} ms")


def _load() -> Optional[float]:
    """The 1-minute load average: other programs' work inflates every number here."""
    try:
        return round(os.getloadavg()[0], 2)
    except (AttributeError, OSError):
        return None


def _bench_preset(app, counter, preset, settings, strokes, rate_hz, size, layer) -> dict:
    t0 = time.perf_counter()
    window = MainWindow(untrained_model(preset), settings)
    window.resize(*size)
    window.show()
    QTest.qWaitForWindowExposed(window, 2000)
    flush_paints(app, counter)
    window_ms = (time.perf_counter() - t0) * 1000
    try:
        names = [e.name for e in window.inspector.entries()]
        window.inspector.select(names.index(layer) if layer in names else 1)
        flush_paints(app, counter)
        sent: List[Tuple[int, float]] = []          # (canvas revision the event made, send time)
        ink: List[float] = []
        done: List[Tuple[int, float, float, float]] = []   # (revision, start, end, painted)
        blocks: List[float] = []
        canvas, predictor = window.canvas, window.predictor
        seen = len(predictor.history)
        period = 1.0 / rate_hz
        digits = "7301"
        for s in range(strokes):
            canvas.clear()
            flush_paints(app, counter)
            seen = len(predictor.history)
            side = min(canvas.paper_size().width(), canvas.paper_size().height())
            path = digit_path(digits[s % len(digits)], side)
            positions = [canvas.paper_to_widget(QPointF(x, y)) for x, y in path]
            events = ([(QEvent.MouseButtonPress, positions[0], True)]
                      + [(QEvent.MouseMove, p, True) for p in positions[1:]]
                      + [(QEvent.MouseButtonRelease, positions[-1], False)])
            next_time = time.perf_counter()
            for kind, pos, held in events:
                while True:                      # the event loop runs until the hand moves again
                    seen = _run_once(app, counter, predictor, seen, done, blocks)
                    if time.perf_counter() >= next_time:
                        break
                    time.sleep(0.0003)
                before = canvas.revision
                t_send = time.perf_counter()
                app.sendEvent(canvas, mouse_event(kind, canvas, pos, held))
                if canvas.revision != before:
                    sent.append((canvas.revision, t_send))
                    ink.append(_ink_time(app, counter, canvas, t_send, blocks))
                next_time = t_send + period
            deadline = time.perf_counter() + 2.0
            while (predictor.pending() or predictor.shown_revision < canvas.revision) \
                    and time.perf_counter() < deadline:
                seen = _run_once(app, counter, predictor, seen, done, blocks)
            seen = _run_once(app, counter, predictor, seen, done, blocks)
        latencies = _latencies(sent, done)
        views = _view_costs(app, window)
    finally:
        window.discard_and_close()
        window.deleteLater()
        app.processEvents()
    result = {
        "latency_ms": _stats(latencies), "update_ms": _stats([(e - s) * 1000 for _, s, e, _ in done]),
        "paint_ms": _stats([(p - e) * 1000 for _, _, e, p in done]), "ink_ms": _stats(ink),
        "longest_block_ms": round(max(blocks, default=0.0), 2), "events": len(sent), "updates": len(done),
        "window_ms": round(window_ms, 1), "views_ms": views,
    }
    if preset in TARGETS_MS:
        result["target_ms"] = TARGETS_MS[preset]
        result["meets_target"] = bool(latencies) and result["latency_ms"]["p95"] <= TARGETS_MS[preset]
    return result


def _view_costs(app, window: MainWindow, repeat: int = 10) -> dict:
    """Per panel: p50 ms of its ``refresh()`` (its traceChanged work) and of a forced repaint."""
    out = {}
    for key, dock in window.panels.items():
        view = dock.widget()
        refresh = getattr(view, "refresh", None)
        if refresh is None or not dock.isVisible():
            continue
        r, p = [], []
        for _ in range(repeat):
            t = time.perf_counter()
            refresh()
            app.sendPostedEvents()
            t1 = time.perf_counter()
            dock.repaint()
            t2 = time.perf_counter()
            r.append((t1 - t) * 1000)
            p.append((t2 - t1) * 1000)
        out[key] = {"refresh": round(float(np.median(r)), 2), "repaint": round(float(np.median(p)), 2)}
    return out


def _run_once(app, counter, predictor, seen, done, blocks) -> int:
    """One event-loop pass; if updates happened, run on until their repaint is over."""
    t = time.perf_counter()
    app.processEvents()
    blocks.append((time.perf_counter() - t) * 1000)
    history = predictor.history
    if len(history) > seen:
        painted = flush_paints(app, counter, blocks)
        for revision, start, end in list(history)[seen:]:
            done.append((revision, start, end, max(painted, end)))
        seen = len(history)
    return seen


def flush_paints(app, counter, blocks: Optional[list] = None) -> float:
    """Run the event loop until a pass delivers no paint event; the time the last paint pass ended."""
    last = time.perf_counter()
    for _ in range(20):
        before = counter.count
        t = time.perf_counter()
        app.processEvents()
        now = time.perf_counter()
        if blocks is not None:
            blocks.append((now - t) * 1000)
        if counter.count == before:
            break
        last = now
    return last


def _ink_time(app, counter, canvas, t_send: float, blocks: list) -> float:
    """ms from sending a mouse event until the canvas has painted the ink it added."""
    # the ink is painted by the next pass over the event loop; a prediction update that
    # becomes due at the same time would be counted here too, which is what a user sees
    before = counter.count
    t = time.perf_counter()
    app.sendPostedEvents()
    app.processEvents()
    end = time.perf_counter()
    blocks.append((end - t) * 1000)
    return (end - t_send) * 1000 if counter.count > before else 0.0


def _latencies(sent: List[Tuple[int, float]], done: List[Tuple[int, float, float, float]]) -> List[float]:
    out = []
    done = sorted(done, key=lambda d: d[1])
    for revision, t_send in sent:
        first = next((d for d in done if d[0] >= revision and d[1] >= t_send), None)
        if first is not None:
            out.append((first[3] - t_send) * 1000)
    return out


def _stats(values: List[float]) -> dict:
    if not values:
        return {"p50": None, "p95": None, "max": None, "n": 0}
    v = np.asarray(values)
    return {"p50": round(float(np.percentile(v, 50)), 2), "p95": round(float(np.percentile(v, 95)), 2),
            "max": round(float(v.max()), 2), "n": int(v.size)}


def measure_startup(timeout: float = 30.0, starts: int = 3) -> dict:
    """Start ``python main.py`` in a new process (offscreen) ``starts`` times, the first unmeasured,
    and time each until its window is shown; the median of the measured starts.

    Python may write its bytecode caches, as it does for a user (this machine's
    environment sets PYTHONDONTWRITEBYTECODE, which made every start compile
    cnnviz's modules anew, about 0.25 s more): the first start writes them, as a
    user's first start after installing does. ``process_to_window_ms`` runs from
    just before the process is started to the moment it reports its window shown
    and painted (Python start-up and imports included); ``run_app_to_window_ms``
    from :func:`run_app`'s start; ``first_start_ms`` is the unmeasured first start.
    """
    runs = [_one_start(timeout) for _ in range(max(2, starts))]
    failed = next((r for r in runs if "error" in r), None)
    if failed is not None:
        return failed
    measured = runs[1:]
    return {key: float(np.median([r[key] for r in measured])) for key in ("process_to_window_ms",
                                                                          "run_app_to_window_ms")} | {
        "first_start_ms": runs[0]["process_to_window_ms"], "starts": len(measured)}


def _one_start(timeout: float) -> dict:
    env = dict(os.environ, **{STARTUP_PROBE_ENV: "1", "QT_QPA_PLATFORM": "offscreen"})
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    with tempfile.TemporaryDirectory() as home:
        env["XDG_CONFIG_HOME"] = home            # the probe must not read or touch saved settings
        t0 = time.perf_counter()
        proc = subprocess.Popen([sys.executable, "-m", "cnnviz"], env=env, cwd=str(ROOT),
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        lines: "queue.Queue" = queue.Queue()

        def read():
            for text in proc.stdout:
                lines.put((time.perf_counter(), text))
            lines.put((time.perf_counter(), None))     # the process closed its output

        threading.Thread(target=read, daemon=True).start()
        shown, line = None, None
        try:
            while line is None:       # the probe prints one JSON line once its window is shown
                shown, text = lines.get(timeout=max(0.1, t0 + timeout - time.perf_counter()))
                if text is None:
                    break
                if text.startswith("{"):
                    line = text
            _, err = proc.communicate(timeout=timeout)
        except (queue.Empty, subprocess.TimeoutExpired):
            proc.kill()
            proc.communicate()
            return {"error": f"the app did not show a window within {timeout:.0f} s"}
    if line is None:
        return {"error": f"the app exited with code {proc.returncode} before showing a window: "
                         f"{err.strip()[-400:]}"}
    probe = json.loads(line)
    return {"process_to_window_ms": round((shown - t0) * 1000, 1),
            "run_app_to_window_ms": probe["run_app_to_shown_ms"]}
