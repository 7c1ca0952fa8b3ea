"""The training worker: a thread that owns the network while it trains.

Why a plain Python thread and not a QThread: the loop never returns to an
event loop while it runs (it pulls events from :meth:`Trainer.steps` until
the run ends), so a QThread's event loop would sit unused. Its outputs are Qt
signals of :class:`TrainingWorker`, a QObject living on the UI thread: Qt
delivers a signal emitted from another thread as a queued call on the UI
thread. Its inputs (pause, resume, stop, learning rate, probe, save request,
snapshot acknowledgement) are thread-safe setters that the loop reads between
steps. ``threading.Thread.join`` ends it deterministically on close, and a
thread left stuck in a long evaluation can never abort the process the way a
QThread destroyed while running does.

Rates are bounded on the worker side, so the UI's queue never fills up:

- step rows ``(step, loss, accuracy, lr)`` are batched into one array at most
  every :attr:`TrainingWorker.step_interval` seconds (5 a second; the curves
  redraw from them once a second while a run goes on);
- a :class:`Snapshot` (weight copies plus the probe's forward pass) is made
  only when the UI has acknowledged the previous one (:meth:`ack`) and at
  most every :attr:`snapshot_interval` seconds (18 a second at most, about
  15 in practice while steps run; none come while an epoch is evaluated, so
  over a whole run with MNIST about 11 a second; showing one is the UI
  thread's largest cost, and the GIL it holds meanwhile is time taken from
  the training); a new probe skips the wait for the interval (not for the
  acknowledgement). Pausing and every ending send one more snapshot
  unconditionally: the exact weights the run stopped at.

While it trains the worker lowers the interpreter's switch interval (see
:data:`TRAIN_SWITCH_INTERVAL`), so the UI thread's Python work delays each
of its numpy calls by far less.
"""
from __future__ import annotations

import os
import sys
import threading
import time
import traceback
from pathlib import Path
from typing import List, Optional

import numpy as np
from PyQt5.QtCore import QObject, pyqtSignal

from ...modelio import ModelFileError
from ...train.recipe import Recipe, save_trained
from ...train.checkpoints import Checkpoints
from ...train.trainer import Trainer
from ...blas import set_blas_threads
from .snapshot import Snapshot, make_snapshot

#: environment override of the BLAS thread count used while training
TRAIN_BLAS_ENV = "CNNVIZ_TRAIN_BLAS_THREADS"
#: BLAS threads for the app's interactive work, restored when a run ends (see cnnviz.blas)
IDLE_BLAS_THREADS = 1
#: environment override of the interpreter's switch interval (seconds) while a run goes on
SWITCH_ENV = "CNNVIZ_TRAIN_SWITCH_INTERVAL"
#: the switch interval while training: the UI thread's Python work (redrawing the views) holds
#: the GIL, and with Python's default of 5 ms the worker, back from a numpy call that released
#: the GIL, waits up to 5 ms for it each time; at 0.5 ms it gets it back ten times sooner
TRAIN_SWITCH_INTERVAL = 0.0005


def training_switch_interval() -> float:
    """The switch interval the worker sets while it trains: $CNNVIZ_TRAIN_SWITCH_INTERVAL, else 0.5 ms."""
    try:
        return max(1e-5, float(os.environ.get(SWITCH_ENV, "")))
    except ValueError:
        return TRAIN_SWITCH_INTERVAL


def training_blas_threads() -> int:
    """BLAS threads the worker trains with: $CNNVIZ_TRAIN_BLAS_THREADS, else 1.

    One thread: the presets' matrices are small, so a second BLAS thread gains
    little, and when another process keeps a core busy the BLAS threads wait
    for each other; the UI thread needs a core too (``main.py bench --gui``
    compares the settings on the machine at hand).
    """
    try:
        return max(1, int(os.environ.get(TRAIN_BLAS_ENV, "")))
    except ValueError:
        return 1


class TrainingWorker(QObject):
    """Runs ``trainer`` in its own thread and reports through signals.

    ``data`` and ``recipe`` are what :func:`cnnviz.train.recipe.save_trained`
    needs for checkpoints and saves. ``step_offset`` is added to step numbers
    (a continued run counts on from its history). ``checkpoint_path``: where
    the autosave is written after every epoch (atomically), or None.
    """

    #: rows (step, loss, accuracy, lr), float64 (n, 4)
    stepsReady = pyqtSignal(object)
    #: one epoch's record: epoch, step, train_loss, train_accuracy, test_loss, test_accuracy, seconds, samples_per_s
    epochDone = pyqtSignal(object)
    #: a Snapshot; the receiver calls :meth:`ack` once it has shown it
    snapshotReady = pyqtSignal(object)
    #: "paused" or "resumed", and the step
    statusChanged = pyqtSignal(str, int)
    #: an autosave was written: the latest checkpoint's path, and the best one's ("" when this
    #: epoch did not beat the best so far)
    checkpointSaved = pyqtSignal(str, str)
    #: a requested save finished: path, and "" or the error message
    saveDone = pyqtSignal(str, str)
    #: the run ended: the trainer's DoneEvent
    finished = pyqtSignal(object)
    #: the run crashed: the error text (the weights stay as they were at the last step)
    failed = pyqtSignal(str)

    step_interval = 0.2
    snapshot_interval = 0.055

    def __init__(self, trainer: Trainer, data, recipe: Recipe, step_offset: int = 0,
                 checkpoint_path: Optional[Path] = None, blas_threads: Optional[int] = None,
                 parent: Optional[QObject] = None):
        super().__init__(parent)
        self.trainer = trainer
        self.data = data
        self.recipe = recipe
        self.step_offset = int(step_offset)
        self.checkpoint_path = None if checkpoint_path is None else Path(checkpoint_path)
        self.checkpoints = None if checkpoint_path is None else Checkpoints(self.checkpoint_path,
                                                                           self._save_checkpoint)
        self.blas_threads = training_blas_threads() if blas_threads is None else max(1, int(blas_threads))
        self.thread: Optional[threading.Thread] = None
        self.done = None                      # the DoneEvent, once the run has ended
        self.error: Optional[str] = None
        self.snapshots_sent = 0
        self.step_seconds = 0.0               # wall time between consecutive steps of an epoch
        self.steps_timed = 0
        self.eval_seconds = 0.0               # wall time from an epoch's last step to its EpochEvent
        self.cpu_seconds = 0.0                # CPU time of the thread (set when it ends)
        self._lock = threading.Lock()
        self._ack = threading.Event()
        self._ack.set()
        self._probe: Optional[np.ndarray] = None
        self._probe_id = 0
        self._probe_sent = -1
        self._save_path: Optional[str] = None

    # -- control (UI thread) ------------------------------------------------------
    def start(self) -> None:
        """Start training in a new thread."""
        if self.thread is not None:
            raise RuntimeError("a TrainingWorker runs once")
        self.thread = threading.Thread(target=self._run, name="cnnviz-training", daemon=True)
        self.thread.start()

    def is_running(self) -> bool:
        return self.thread is not None and self.thread.is_alive()

    def pause(self) -> None:
        self.trainer.pause()

    def resume(self) -> None:
        self.trainer.resume()

    def stop(self) -> None:
        """Ask the run to end before its next step (the trained weights are kept)."""
        self.trainer.stop()

    @property
    def paused(self) -> bool:
        return self.trainer.paused

    def set_lr(self, lr: float) -> None:
        """Change the learning rate; it takes effect before the next step."""
        self.trainer.set_lr(lr)

    def wait(self, timeout: Optional[float] = None) -> bool:
        """Join the thread; True when it has ended."""
        if self.thread is not None:
            self.thread.join(timeout)
        return not self.is_running()

    def set_probe(self, x: Optional[np.ndarray]) -> int:
        """Trace ``x`` (C, H, W) in the next snapshots (None: no trace); returns its probe id."""
        x = None if x is None else np.array(x, dtype=np.float32, copy=True)
        with self._lock:
            self._probe_id += 1
            self._probe = x
            return self._probe_id

    @property
    def probe_id(self) -> int:
        with self._lock:
            return self._probe_id

    def ack(self) -> None:
        """The UI has shown the last snapshot: the worker may send the next one."""
        self._ack.set()

    def request_save(self, path) -> None:
        """Save the network, history and recipe to ``path`` between two steps (then ``saveDone``)."""
        with self._lock:
            self._save_path = str(path)

    # -- the thread --------------------------------------------------------------
    def _run(self) -> None:
        cpu0 = time.thread_time()
        set_blas_threads(self.blas_threads)
        switch = sys.getswitchinterval()
        sys.setswitchinterval(min(switch, training_switch_interval()))
        rows: List[tuple] = []
        last_rows = last_snap = time.perf_counter()
        last_step_time, last_epoch = None, None
        try:
            for event in self.trainer.steps():
                now = time.perf_counter()
                kind = event.kind
                if kind == "step":
                    if last_step_time is not None and event.epoch == last_epoch:
                        self.step_seconds += now - last_step_time
                        self.steps_timed += 1
                    rows.append((self.step_offset + event.step, event.loss, event.accuracy, event.lr))
                    if now - last_rows >= self.step_interval:
                        self._flush(rows)
                        last_rows = now
                    if self._ack.is_set() and (now - last_snap >= self.snapshot_interval or self._probe_changed()):
                        self._snapshot(event)
                        last_snap = now
                    self._save_if_asked()
                    last_step_time, last_epoch = time.perf_counter(), event.epoch
                    continue
                self._flush(rows)
                if kind == "epoch" and last_step_time is not None:
                    self.eval_seconds += now - last_step_time
                last_step_time = None
                if kind == "epoch":
                    self.epochDone.emit(dict(self.trainer.history.epochs[-1]))
                    if not self.trainer.stopping:      # stopping: end now, not after a file write
                        self._checkpoint()
                elif kind == "status":
                    if event.status == "paused":
                        self._snapshot(None)
                        self._save_if_asked()
                    self.statusChanged.emit(event.status, self.step_offset + event.step)
                elif kind == "done":
                    self._snapshot(None)
                    self._save_if_asked()
                    self.done = event
                    self.finished.emit(event)
        except Exception:   # a crash must reach the UI, never kill the thread silently
            self.error = traceback.format_exc()
            self.failed.emit(self.error)
        finally:
            set_blas_threads(IDLE_BLAS_THREADS)
            sys.setswitchinterval(switch)
            self.cpu_seconds = time.thread_time() - cpu0

    def _flush(self, rows: List[tuple]) -> None:
        if rows:
            self.stepsReady.emit(np.array(rows, dtype=np.float64))
            rows.clear()

    def _probe_changed(self) -> bool:
        with self._lock:
            return self._probe_id != self._probe_sent

    def _snapshot(self, event) -> None:
        """Send the weights (and the probe's trace). ``event`` None: forced, stats of the last step."""
        with self._lock:
            probe, probe_id = self._probe, self._probe_id
        stats = {}
        if event is not None:
            stats = {"loss": event.loss, "accuracy": event.accuracy, "lr": event.lr,
                     "samples_per_s": event.samples_per_s, "batch": event.batch, "batches": event.batches}
        step = self.step_offset + self.trainer.step_count
        snap: Snapshot = make_snapshot(self.trainer.net, step, self.trainer.epoch, probe, probe_id, stats)
        self._probe_sent = probe_id
        self._ack.clear()
        self.snapshots_sent += 1
        self.snapshotReady.emit(snap)

    def _save_if_asked(self) -> None:
        with self._lock:
            path, self._save_path = self._save_path, None
        if path is None:
            return
        try:
            save_trained(path, self.trainer, self.data, self.recipe, command="cnnviz app")
        except (ModelFileError, OSError) as e:
            self.saveDone.emit(path, str(e))
        else:
            self.saveDone.emit(path, "")

    def _checkpoint(self) -> None:
        """After an epoch: the latest weights to ``checkpoint_path``, and to its ``-best`` file
        when this epoch's test accuracy beats every earlier one (a worse epoch never replaces it)."""
        if self.checkpoints is None:
            return
        record = self.trainer.history.epochs[-1] if self.trainer.history.epochs else {}
        try:
            self.checkpoint_path.parent.mkdir(parents=True, exist_ok=True)
            written = self.checkpoints.after_epoch(int(record.get("epoch", 0)), record.get("test_accuracy"))
        except (ModelFileError, OSError) as e:
            self.saveDone.emit(str(self.checkpoint_path), f"autosave failed: {e}")
        else:
            self.checkpointSaved.emit(str(written.latest), "" if written.best is None else str(written.best))

    def _save_checkpoint(self, path) -> None:
        save_trained(path, self.trainer, self.data, self.recipe, command="cnnviz app (autosave)",
                     extra={"checkpoint": True})
