"""One evaluation at a time, in a background thread: load the test split (unless given),
run the model over it, and draw from the pass everything the panel shows.

:class:`EvaluationRunner` lives on the UI thread; its thread reports through
queued signals. A new :meth:`~EvaluationRunner.submit` while a job runs cancels
that job (it ends before its next batch) and runs the new one after it: the
newest request wins and a stale result is never delivered. The network of a
job is the job's own copy, so training or a new model meanwhile cannot touch it.
"""
from __future__ import annotations

import contextlib
import os
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Optional, Tuple

import numpy as np
from PyQt5.QtCore import QObject, pyqtSignal

from ....data import DataError, Dataset, DownloadCancelled
from ....evaluation import (Embedding, Evaluation, EvaluationCancelled, EvaluationError, FilterHealth, PRCurve,
                            class_curves, embed, evaluate_model, filter_health, load_test_split)
from ....nn import Network

#: least time between two progress reports (s): the bar needs no more, the UI thread gets its rest
PROGRESS_INTERVAL = 0.05
#: for this long after the UI was busy for the user (s), the job keeps to one core ...
UI_BUSY_SECONDS = 0.25
#: ... and waits before a batch for a pause in the UI's work, in steps of this long (s) ...
PAUSE = 0.005
#: ... this long at most per batch (s), so an evaluation always goes on
MAX_WAIT = 0.05
#: how much lower the evaluation thread's CPU priority is than the UI thread's (nice steps)
NICE = 10
#: images per batch in the window: a batch is a burst of work the UI thread may have to wait for
BATCH = 16


@dataclass(frozen=True)
class EvaluationJob:
    """What to evaluate: ``network`` (a copy the job owns) with ``class_names`` on the test
    split of data set ``dataset``, from ``data`` when given (a training run's), else loaded
    from ``data_dir`` (downloading missing files if ``download``). ``weights`` says in
    words which weights these are ("the weights of step 1,200"); ``step`` is their
    training step (None: not from a run)."""
    network: Network
    class_names: Tuple[str, ...]
    dataset: str
    weights: str
    step: Optional[int] = None
    data_dir: str = ""
    download: bool = False
    data: Optional[Dataset] = None


@dataclass(frozen=True)
class EvaluationResult:
    """A finished evaluation and what is drawn from it.

    ``images``: the test images, uint8 (N, C, H, W) as in the data files (the
    gallery's thumbnails, the inputs a pick sends to the inspector);
    ``embedding``: None when too few images or no features were kept;
    ``embedding_note``: why not, in words.
    """
    dataset: str
    weights: str
    step: Optional[int]
    evaluation: Evaluation
    curves: Tuple[PRCurve, ...]
    health: FilterHealth
    embedding: Optional[Embedding]
    embedding_note: str
    images: np.ndarray


def run_job(job: EvaluationJob, data: Dataset, progress=None, cancel=None, batch: int = BATCH,
            may_help=None) -> EvaluationResult:
    """Evaluate ``job`` on ``data``'s test split in batches of ``batch`` images, on the calling
    thread and (while ``may_help()`` says so) on helpers for the other cores (see
    ``evaluation.run_batches``); raises EvaluationError (model and data do not fit) or
    EvaluationCancelled."""
    if data.x_test is None or data.y_test is None:
        raise EvaluationError(f"{data.name} has no test split")
    ev = evaluate_model(job.network, data.x_test, data.y_test, job.class_names, data.name, batch=batch,
                        progress=progress, cancel=cancel, may_help=may_help)
    embedding, note = None, ""
    try:
        embedding = embed(ev)
    except ValueError as e:
        note = f"No map: {e}."
    return EvaluationResult(dataset=data.name, weights=job.weights, step=job.step, evaluation=ev,
                            curves=class_curves(ev), health=filter_health(ev), embedding=embedding,
                            embedding_note=note, images=data.x_test)


def _lower_priority() -> None:
    """Give the calling thread a lower CPU priority than the UI's (Linux: a thread has its own
    nice value), so the UI thread gets a busy core first; nothing where that is not possible."""
    with contextlib.suppress(AttributeError, OSError):     # no such call here: the default priority
        os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), min(19, os.getpriority(os.PRIO_PROCESS, 0)
                                                                        + NICE))


class EvaluationRunner(QObject):
    """Runs :class:`EvaluationJob` s one at a time off the UI thread.

    Signals (on the UI thread): ``progress(text, done, total)`` (total 0: not known),
    ``finished(EvaluationResult)``, ``failed(message, about_data)`` (``about_data``: the
    data layer's message, e.g. when the data set is not on the computer), ``cancelled()``.
    Public: :attr:`running`.
    """

    progress = pyqtSignal(str, int, int)
    finished = pyqtSignal(object)
    failed = pyqtSignal(str, bool)
    cancelled = pyqtSignal()
    #: the thread's outcome (generation, kind, payload), handled on the UI thread
    _outcome = pyqtSignal(int, str, object)
    _report = pyqtSignal(int, str, int, int)

    def __init__(self, parent: Optional[QObject] = None):
        super().__init__(parent)
        self.thread: Optional[threading.Thread] = None
        self._cancel = threading.Event()
        self._ui_busy = -1e9                 # when the UI thread was last busy for the user (perf_counter)
        self._generation = 0
        self._queued: Optional[EvaluationJob] = None
        self._cache: Optional[Tuple[tuple, Dataset]] = None    # ((name, folder), test split); the thread's
        self._outcome.connect(self._deliver)
        self._report.connect(self._relay)

    @property
    def running(self) -> bool:
        """True while a job runs or waits for the cancelled one to end."""
        return (self.thread is not None and self.thread.is_alive()) or self._queued is not None

    def submit(self, job: EvaluationJob) -> None:
        """Run ``job`` now, or, while another runs, cancel that one and run this after it."""
        self._generation += 1
        if self.thread is not None and self.thread.is_alive():
            self._queued = job
            self._cancel.set()
            return
        self._start(job)

    def cancel(self) -> None:
        """Stop the running job before its next batch (``cancelled`` follows) and drop a queued one."""
        self._queued = None
        self._generation += 1
        if self.thread is not None and self.thread.is_alive():
            self._cancel.set()
            self.cancelled.emit()

    def wait(self, timeout: Optional[float] = None) -> bool:
        """Join the thread; True when it has ended."""
        if self.thread is not None:
            self.thread.join(timeout)
        return self.thread is None or not self.thread.is_alive()

    def shutdown(self, timeout: float = 5.0) -> bool:
        """Cancel and wait (the window is closing); True when the thread has ended."""
        self.cancel()
        ok = self.wait(timeout)
        if not ok:
            self.blockSignals(True)
        return ok

    def note_ui_busy(self) -> None:
        """The UI thread is busy for the user (drawing): for a moment the job leaves it room."""
        self._ui_busy = time.perf_counter()

    def _pace(self) -> bool:
        """Asked before every batch: True to cancel. While the user keeps the UI thread busy
        (drawing), the job gives way: it waits for a pause in the UI's work (:data:`MAX_WAIT`
        at most) before each batch, and :meth:`_may_help` keeps it to one core."""
        waited = 0.0
        while self._ui_busy_now() and waited < MAX_WAIT and not self._cancel.is_set():
            time.sleep(PAUSE)
            waited += PAUSE
        return self._cancel.is_set()

    def _may_help(self) -> bool:
        """Whether the job's helpers may run batches on the other cores: not while the UI was
        busy for the user in the last :data:`UI_BUSY_SECONDS` (each of their batches would make
        a stroke's update wait for a core)."""
        return not self._ui_busy_now(UI_BUSY_SECONDS)

    def _ui_busy_now(self, within: float = PAUSE * 4) -> bool:
        return time.perf_counter() - self._ui_busy < within

    def _start(self, job: EvaluationJob) -> None:
        self._cancel.clear()
        generation = self._generation
        self.thread = threading.Thread(target=self._run, args=(job, generation), name="cnnviz-evaluation",
                                       daemon=True)
        self.thread.start()

    # -- the thread -------------------------------------------------------------------
    def _run(self, job: EvaluationJob, generation: int) -> None:
        last = [0.0]

        def report(text: str, done: int, total: int, force: bool = False) -> None:
            now = time.perf_counter()
            if force or now - last[0] >= PROGRESS_INTERVAL:
                last[0] = now
                self._report.emit(generation, text, int(done), int(total))

        _lower_priority()
        try:
            data = job.data if job.data is not None else self._test_split(job, report)
            n = 0 if data.x_test is None else len(data.x_test)
            report(f"Evaluating on {n:,} {data.name} test images…", 0, n, force=True)
            result = run_job(job, data, lambda done, total: report(
                f"Evaluating on {total:,} {data.name} test images…", done, total), self._pace,
                may_help=self._may_help)
        except (EvaluationCancelled, DownloadCancelled):
            self._outcome.emit(generation, "cancelled", None)
        except DataError as e:
            self._outcome.emit(generation, "failed data", str(e))
        except EvaluationError as e:
            self._outcome.emit(generation, "failed", str(e))
        except Exception as e:      # a crash must reach the panel, never end the thread silently
            self._outcome.emit(generation, "failed", f"The evaluation failed: {type(e).__name__}: {e}")
        else:
            self._outcome.emit(generation, "finished", result)

    def _test_split(self, job: EvaluationJob, report) -> Dataset:
        key = (job.dataset, str(Path(job.data_dir)))
        cached = self._cache
        if cached is not None and cached[0] == key:
            return cached[1]
        report(f"Loading the {job.dataset} test split from {job.data_dir}…", 0, 0, force=True)
        data = load_test_split(job.dataset, job.data_dir, download=job.download, cancel=self._cancel.is_set,
                               progress=lambda done, total: report(f"Loading the {job.dataset} test split…",
                                                                   done, total or 0),
                               status=lambda text: report(text, 0, 0, force=True))
        self._cache = (key, data)
        return data

    # -- back on the UI thread ---------------------------------------------------------
    def _relay(self, generation: int, text: str, done: int, total: int) -> None:
        if generation == self._generation:
            self.progress.emit(text, done, total)

    def _deliver(self, generation: int, kind: str, payload) -> None:
        queued, self._queued = self._queued, None
        if queued is not None:
            self._start(queued)
            return
        if generation != self._generation:
            return                          # cancelled by the user (said so then) or superseded
        if kind == "finished":
            self.finished.emit(payload)
        elif kind.startswith("failed"):
            self.failed.emit(payload, kind == "failed data")
        else:
            self.cancelled.emit()
