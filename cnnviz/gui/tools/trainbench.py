"""How well the real window trains (`main.py bench --gui`).

The real main window runs offscreen with a digit drawn on its canvas; its
Training panel trains the ``simple`` preset on MNIST from the data folder
for N seconds, exactly as a user's Train press does (worker thread,
snapshots applied to every view, curves fed). Around it, a plain
:class:`cnnviz.train.Trainer` loop with no UI trains the same recipe for
N/2 seconds before and N/2 seconds after (so a change in the machine's load
during the run affects both sides alike). Both throughputs are measured the
same way: samples per second of wall time between consecutive steps of an
epoch (the end-of-epoch evaluation is left out of both).

While the window trains, a QTimer due every 10 ms on the UI thread records
how late it fires: that is how long a click or a pen movement would wait.
"""
from __future__ import annotations

import os
import resource
import time
from typing import Callable, Optional

import numpy as np
from PyQt5.QtCore import QEvent, QEventLoop, QPointF, QTimer

from .toolwindow import tool_window
from ...data import load_dataset, resolve_data_dir
from ...train.recipe import Recipe, prepare
from ..app.run import ensure_app
from ...blas import set_blas_threads
from ..model.modelchoice import untrained_model
from .synthstroke import digit_path, mouse_event
from .uitimer import LatenessTimer
from ..training.worker import IDLE_BLAS_THREADS, training_blas_threads, training_switch_interval

TARGETS = {"in_app_vs_headless": 0.95, "timer_p99_ms": 50.0, "snapshots_per_s": 10.0}


def bench_gui(seconds: float = 20.0, data_dir=None, report: Optional[Callable[[str], None]] = None,
              preset: str = "simple", blas_threads: Optional[int] = None, size=(1400, 900),
              headless_seconds: Optional[float] = None) -> dict:
    """Train ``preset`` on MNIST in the real window for ``seconds``; compare with a headless loop.

    The headless loop runs ``headless_seconds`` (default ``seconds``) in all,
    half before and half after the window's run. The process's resident
    memory is sampled about 40 times while the window trains
    (``rss_mb["samples"]``: [seconds since Train, MB]), which is how a long
    run (``seconds=1200``) shows whether memory stays flat: ``start`` is
    taken before the window opens and the data set loads, so growth is
    judged from ``warm`` (30 s after Train, or half-way through a shorter
    run) to ``last`` (``growth_mb_per_min``, given for a minute or more).

    Returns a JSON-able dict::

        {"in_app_samples_per_s", "headless_samples_per_s", "ratio",
         "timer_lateness_ms": {"p50", "p99", "max", "n"}, "snapshots_per_s",
         "snapshots_per_s_while_stepping", "evaluation_seconds", "ui_thread_cpu_share",
         "ui_cpu_ms_per_snapshot", "worker_cpu_share",
         "rss_mb": {"start", "warm", "warm_at_s", "last", "growth_mb_per_min", "end", "peak", "samples"},
         "steps": {...}, "blas_threads", "train_switch_interval_s",
         "cpus", "load_before", "load_after", "targets", "meets_targets", ...}

    ``snapshots_per_s`` counts the whole run; during the end-of-epoch
    evaluation (a third of the time with the 22,699-image MNIST subset) the
    weights do not change and no snapshot comes, which
    ``snapshots_per_s_while_stepping`` leaves out.

    ``blas_threads`` defaults to what the app's worker uses
    (:func:`cnnviz.gui.training.worker.training_blas_threads`); the headless
    loop uses the same count. Raises :class:`cnnviz.data.DataError` when
    MNIST is not in ``data_dir``.
    """
    say = report or (lambda text: None)
    threads = training_blas_threads() if blas_threads is None else int(blas_threads)
    headless_seconds = seconds if headless_seconds is None else float(headless_seconds)
    folder = str(resolve_data_dir(data_dir))
    rss_start = _rss_mb()
    app = ensure_app(offscreen=True)
    data = load_dataset("mnist", folder, download=False)
    recipe = Recipe(arch=preset, dataset="mnist", epochs=1000)
    result = {"preset": preset, "seconds": seconds, "headless_seconds": headless_seconds, "data_dir": folder, "cpus": os.cpu_count(),
              "blas_threads": threads, "train_switch_interval_s": training_switch_interval(),
              "load_before": _load(), "targets": TARGETS}
    say(f"{preset} on MNIST ({len(data.x_train):,} training images), {seconds:g} s in the window and "
        f"{headless_seconds:g} s headless, {threads} BLAS thread(s); load average {result['load_before']} "
        f"on {result['cpus']} CPUs")

    first = _headless(recipe, data, headless_seconds / 2, threads)
    app_part = _in_app(app, recipe, data, folder, seconds, threads, size)
    second = _headless(recipe, data, headless_seconds / 2, threads)
    steps = first["steps"] + second["steps"]
    headless = steps * recipe.batch / max(first["seconds"] + second["seconds"], 1e-9)
    in_app = app_part.pop("samples_per_s")
    result.update(app_part)
    result.update({
        "in_app_samples_per_s": round(in_app, 1), "headless_samples_per_s": round(headless, 1),
        "headless_parts_samples_per_s": [round(p["steps"] * recipe.batch / max(p["seconds"], 1e-9), 1)
                                         for p in (first, second)],
        "ratio": round(in_app / headless, 3) if headless else None,
        "headless_cpu_share": round((first["cpu_share"] + second["cpu_share"]) / 2, 3),
        "load_after": _load(),
    })
    result["steps"]["headless"] = steps
    samples = result.pop("rss_samples")
    result["rss_mb"] = {"start": rss_start, **_warm_rss(samples, seconds), "end": _rss_mb(), "peak": _peak_rss_mb(),
                        "samples": samples}
    lat = result["timer_lateness_ms"]
    result["meets_targets"] = {
        "in_app_vs_headless": result["ratio"] is not None and result["ratio"] >= TARGETS["in_app_vs_headless"],
        "timer_p99_ms": lat["p99"] is not None and lat["p99"] < TARGETS["timer_p99_ms"],
        "snapshots_per_s": result["snapshots_per_s"] >= TARGETS["snapshots_per_s"],
    }
    say(f"in the app {in_app:,.0f} samples/s, headless {headless:,.0f} samples/s: "
        f"{100 * (result['ratio'] or 0):.0f}% (target {100 * TARGETS['in_app_vs_headless']:.0f}%)")
    say(f"10 ms UI timer late by p50 {lat['p50']} ms, p99 {lat['p99']} ms, max {lat['max']} ms "
        f"(target p99 < {TARGETS['timer_p99_ms']:g}); {result['snapshots_per_s']:.1f} snapshots shown per "
        f"second (target {TARGETS['snapshots_per_s']:g}), {result['snapshots_per_s_while_stepping']:.1f} leaving out "
        f"the {result['evaluation_seconds']:.1f} s of end-of-epoch evaluation; UI thread "
        f"{result['ui_cpu_ms_per_snapshot']:.1f} ms CPU per snapshot")
    rss = result["rss_mb"]
    if samples:
        say("memory (RSS) while training, MB at seconds since Train: "
            + ", ".join(f"{mb:.0f} @ {t:.0f} s" for t, mb in samples[::max(1, len(samples) // 8)] + samples[-1:]))
    warm = ""
    if rss.get("warm") is not None:
        growth = rss["growth_mb_per_min"]
        warm = (f"{rss['warm']:.0f} MB {rss['warm_at_s']:.0f} s after Train (warmed up), last sample "
                f"{rss['last']:.0f} MB" + (f": {growth:+.2f} MB/min; " if growth is not None else "; "))
    say(f"memory (RSS) {rss_start:.0f} MB before the window opened; {warm}"
        f"{rss['end']:.0f} MB at the end; load average {result['load_after']}")
    return result


def _warm_rss(samples, seconds: float) -> dict:
    """The baseline to judge growth by: the RSS once warmed up (30 s after Train, or half-way
    through a shorter run), the last sample, and the growth per minute between them."""
    at = min(30.0, seconds / 2)
    warm = next(((t, mb) for t, mb in samples if t >= at), None)
    if warm is None:
        return {"warm": None, "warm_at_s": None, "last": None, "growth_mb_per_min": None}
    t1, last = samples[-1]
    # over less than a minute the allocator's and the collector's ups and downs swamp any trend
    rate = round((last - warm[1]) / (t1 - warm[0]) * 60, 3) if t1 - warm[0] >= 60 else None
    return {"warm": warm[1], "warm_at_s": warm[0], "last": last, "growth_mb_per_min": rate}


def _headless(recipe: Recipe, data, seconds: float, threads: int) -> dict:
    """A plain Trainer loop for ``seconds``: steps done and their timed wall seconds."""
    set_blas_threads(threads)
    try:
        trainer = prepare(recipe, data)
        timed, steps, last, epoch = 0.0, 0, None, None
        t0, cpu0 = time.perf_counter(), time.thread_time()
        end = time.perf_counter() + seconds
        for event in trainer.steps():
            now = time.perf_counter()
            if event.kind != "step":
                last = None
                continue
            if last is not None and event.epoch == epoch:
                timed += now - last
                steps += 1
            if now >= end:
                break
            last, epoch = time.perf_counter(), event.epoch
    finally:
        set_blas_threads(IDLE_BLAS_THREADS)
    return {"steps": steps, "seconds": timed,
            "cpu_share": (time.thread_time() - cpu0) / max(time.perf_counter() - t0, 1e-9)}


def _in_app(app, recipe: Recipe, data, folder: str, seconds: float, threads: int, size) -> dict:
    with tool_window(untrained_model(recipe.arch), size) as (window, tmp):
        _draw_digit(app, window, "3")
        training = window.training
        training.checkpoint_dir = tmp / "checkpoints"
        training.set_data_dir(folder)
        training.source.loader.remember("mnist", folder, data)
        training.panel.set_recipe(recipe)
        timer = LatenessTimer()
        rss_samples = []
        rss_timer = QTimer()
        rss_timer.setInterval(max(1000, int(seconds * 1000 / 40)))
        rss_timer.timeout.connect(lambda: rss_samples.append([round(time.perf_counter() - t0, 1), _rss_mb()]))
        training.blas_threads = threads
        training.train()
        worker = training.worker
        if worker is None:
            raise RuntimeError(f"training did not start: {training.panel.message_label.text()}")
        applied0 = training.snapshots_applied
        t0, cpu0 = time.perf_counter(), time.thread_time()
        timer.start()
        rss_timer.start()
        _run_loop(seconds)
        timer.stop()
        rss_timer.stop()
        elapsed = time.perf_counter() - t0
        ui_cpu = time.thread_time() - cpu0
        applied = training.snapshots_applied - applied0
        evaluating = worker.eval_seconds        # no snapshots come while an epoch is evaluated
        training.stop()
        deadline = time.perf_counter() + 30
        while worker.is_running() and time.perf_counter() < deadline:
            _run_loop(0.05)
        _run_loop(0.1)
        rate = worker.steps_timed * recipe.batch / max(worker.step_seconds, 1e-9)
        return {"samples_per_s": rate,
                "timer_lateness_ms": _stats(timer.late),
                "snapshots_per_s": round(applied / elapsed, 2),
                "snapshots_per_s_while_stepping": round(applied / max(elapsed - evaluating, 1e-9), 2),
                "evaluation_seconds": round(evaluating, 2),
                "snapshots_sent": worker.snapshots_sent,
                "rss_samples": rss_samples,
                "ui_thread_cpu_share": round(ui_cpu / elapsed, 3),
                "ui_cpu_ms_per_snapshot": round(1000 * ui_cpu / max(applied, 1), 2),
                "worker_cpu_share": round(worker.cpu_seconds / max(time.perf_counter() - t0, 1e-9), 3),
                "steps": {"in_app": worker.steps_timed, "in_app_total": worker.trainer.step_count},
                "window_ended_cleanly": not worker.is_running()}


def _run_loop(seconds: float) -> None:
    """Run the Qt event loop for ``seconds``, as app.exec_() would."""
    loop = QEventLoop()
    QTimer.singleShot(int(seconds * 1000), loop.quit)
    loop.exec_()


def _draw_digit(app, window, digit: str) -> None:
    canvas = window.canvas
    side = min(canvas.paper_size().width(), canvas.paper_size().height())
    points = [canvas.paper_to_widget(QPointF(x, y)) for x, y in digit_path(digit, side)]
    app.sendEvent(canvas, mouse_event(QEvent.MouseButtonPress, canvas, points[0], True))
    for p in points[1:]:
        app.sendEvent(canvas, mouse_event(QEvent.MouseMove, canvas, p, True))
    app.sendEvent(canvas, mouse_event(QEvent.MouseButtonRelease, canvas, points[-1], False))
    _run_loop(0.2)


def _stats(values) -> dict:
    if not values:
        return {"p50": None, "p99": None, "max": None, "n": 0}
    v = np.asarray(values)
    return {"p50": round(float(np.percentile(v, 50)), 2), "p99": round(float(np.percentile(v, 99)), 2),
            "max": round(float(v.max()), 2), "n": int(v.size)}


def _rss_mb() -> float:
    try:
        with open("/proc/self/statm") as f:
            return round(int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2 ** 20, 1)
    except (OSError, ValueError, IndexError):
        return _peak_rss_mb()


def _peak_rss_mb() -> float:
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return round(peak / 2 ** 20 if os.uname().sysname == "Darwin" else peak / 1024, 1)


def _load():
    try:
        return round(os.getloadavg()[0], 2)
    except (AttributeError, OSError):
        return None
