"""Live training in the window: starting a run, following it, ending it.

:class:`TrainingController` builds the run with :func:`cnnviz.train.recipe.prepare`
(exactly what ``python main.py train`` does), hands a copy of the network to a
:class:`TrainingWorker`, and applies the worker's snapshots to the inspector:
the newest one only, when the UI thread gets to it, then acknowledges it so the
worker sends the next. It talks to the rest of the window only through the
inspector (the model of what is shown) and its own signals: the window lays
out its widgets (:attr:`panel`, :attr:`curves`, :attr:`timelapse_view`) and
listens to :attr:`stateChanged`, :attr:`statusMessage` and :attr:`errorRaised`.
"""
from __future__ import annotations

import time
from dataclasses import replace
from pathlib import Path
from typing import Callable, Optional, Tuple

from PyQt5.QtCore import QObject, QSettings, QTimer, pyqtSignal

from ...data import DataError, user_cache_dir
from ...nn import Network, SpecError
from ...nn.shapes import ShapeError
from ...train.history import History
from ...train.recipe import RECIPES, Recipe, prepare, save_trained
from ..model.inspector import Inspector
from .archedit import edit_panel_layers
from .curves import CurvesView
from .datasource import DataSource
from .panel import START_CONTINUE, START_FINETUNE, START_NEW, TrainingPanel
from .probe import Probe
from .runsetup import continue_current, finetuned, new_network, recipe_of, run_meta
from .progress import LOADING_TEXT, RunProgress, unsaved_text
from .timelapse import TimeLapse
from .timelapse_view import TimeLapseView
from .worker import TrainingWorker

#: how long closing the window waits at most for the worker (it stops before its next step)
SHUTDOWN_SECONDS = 10.0
#: the states a run goes through (:attr:`TrainingController.state`)
IDLE, LOADING, RUNNING, PAUSED = "idle", "loading", "running", "paused"


def _always(_doing: str) -> bool:
    return True


def default_checkpoint_dir() -> Path:
    """Where autosave checkpoints go: ``<user cache>/checkpoints``."""
    return user_cache_dir() / "checkpoints"


class TrainingController(QObject):
    """Owns the training panel, the data source and the current run.

    Public state for tests and the bench: ``state``, ``worker`` (the current or
    last run), ``trainer``, ``data``, ``snapshots_applied``, ``last_error``.
    """

    #: IDLE, LOADING, RUNNING or PAUSED
    stateChanged = pyqtSignal(str)
    #: a line for the window's status bar, and how long to show it (ms)
    statusMessage = pyqtSignal(str, int)
    #: a run failed or diverged: title and message, for a box that does not block
    errorRaised = pyqtSignal(str, str)
    #: an epoch ended: its record (as the worker's ``epochDone``), once the curves have it
    epochDone = pyqtSignal(object)

    def __init__(self, inspector: Inspector, settings: QSettings, checkpoint_dir: Optional[Path] = None,
                 parent: Optional[QObject] = None, may_drop_training: Callable[[str], bool] = None):
        super().__init__(parent)
        self.inspector = inspector
        #: asked before a new network replaces unsaved training ("start a new network"): True to go on
        self.may_drop_training = may_drop_training or _always
        self.checkpoint_dir = Path(checkpoint_dir) if checkpoint_dir is not None else default_checkpoint_dir()
        self.panel = TrainingPanel()
        self.source = DataSource(self.panel, settings, self)
        self.curves = CurvesView()
        self.timelapse = TimeLapse()
        self.timelapse_view = TimeLapseView(self.timelapse, inspector)
        self.probe = Probe(inspector, self.panel, self._running_worker, self.is_paused, self._run_data,
                           self.source.load_then, self._note)
        self.state = IDLE
        self.worker: Optional[TrainingWorker] = None
        self.trainer = None
        self.data = None
        self.recipe: Optional[Recipe] = None
        self.progress: Optional[RunProgress] = None
        self.run_network: Optional[Network] = None    # the inspector's network the last run trained
        self.snapshots_applied = 0
        self.unsaved = False                           # the shown model holds training not saved to a file
        self.autosaved: Optional[Tuple[str, int]] = None   # the run's newest autosave: (path, its step)
        self._epoch_step = 0                           # the step of the newest epoch record
        self.blas_threads: Optional[int] = None         # None: the worker's default
        self.last_error: Optional[str] = None
        self.arch_dialog = None                        # the open "Edit layers…" dialog
        self._pending = None                           # newest snapshot not yet shown
        self._switching = False                        # the controller itself changes the network
        self._worker_blocked = False                   # the worker said "paused" and waits for resume
        self._idle_line = TrainingPanel.IDLE_TEXT       # the progress line while no run goes on
        p = self.panel
        p.trainClicked.connect(self.train)
        p.quickStartClicked.connect(self.quick_start)
        p.pauseClicked.connect(self.toggle_pause)
        p.stopClicked.connect(self.stop)
        p.editLayersClicked.connect(self.edit_layers)
        p.lrEdited.connect(self.set_lr)
        p.probeChanged.connect(self.probe.update)
        self.source.loadingChanged.connect(self._on_loading)
        self.source.failed.connect(self._on_load_failed)
        inspector.networkChanged.connect(self._on_network)
        inspector.set_input_router(self.probe.route)
        self._on_network()                  # the model the window opened with: its saved curves

    # -- state -------------------------------------------------------------------------
    def is_running(self) -> bool:
        """True from Train until the worker has finished (paused counts as running)."""
        w = self.worker
        return w is not None and w.done is None and w.error is None and w.thread is not None

    def is_paused(self) -> bool:
        """True while the worker waits, paused, between two steps."""
        return self.is_running() and self._worker_blocked

    def _running_worker(self) -> Optional[TrainingWorker]:
        return self.worker if self.is_running() else None

    def _run_data(self):
        return self.data

    def _note(self, text: str) -> None:
        self.panel.set_message(text)
        self.statusMessage.emit(text, 8000)

    def _set_state(self, state: str) -> None:
        self.state = state
        self.panel.set_state(state)
        # while snapshots stream in, costly views and the curves redraw less often: every
        # millisecond the UI thread holds the GIL is taken from the training thread
        self.inspector.set_live(state == RUNNING)
        self.curves.set_live(state == RUNNING)
        self.stateChanged.emit(state)

    def set_data_dir(self, folder) -> None:
        """Use ``folder`` for data files from now on (remembered in the settings)."""
        self.source.set_data_dir(folder)

    def _on_loading(self, loading: bool) -> None:
        if loading:
            self._set_state(LOADING)
            self.panel.set_progress(LOADING_TEXT, 0.0)        # not the last run's "stopped" line
        elif not self.is_running():
            self._set_state(IDLE)
            self.panel.set_progress(self._idle_line)      # the loading line ends with the loading

    def _on_load_failed(self, message: str) -> None:
        self.statusMessage.emit(message.splitlines()[0], 15000)

    # -- starting ------------------------------------------------------------------------
    def train(self) -> None:
        """Train: load the data set if needed, then start a new or continued run."""
        if self.is_running():
            return
        if self.panel.start_mode() != START_CONTINUE and not self.may_drop_training("start a new network"):
            return
        self.panel.set_message("")
        self.source.load_then(self._start)

    def quick_start(self) -> None:
        """The 'fast' recipe on MNIST in a new network: fill the panel with it and train."""
        self.panel.set_recipe(replace(RECIPES["fast"], dataset="mnist"))
        self.panel.set_start_mode(START_NEW)
        self.panel.set_custom_spec(None)
        self.train()

    def _start(self, data) -> bool:
        recipe = self.panel.recipe()
        mode = self.panel.start_mode()
        try:
            if mode == START_CONTINUE:
                history, offset = continue_current(self.inspector, data)
                if self.run_network is not self.inspector.network:
                    self.curves.set_history(history)
            else:
                self._switching = True
                try:
                    if mode == START_FINETUNE:
                        history, offset, recipe = finetuned(self.inspector, data, recipe)
                    else:
                        history, offset = new_network(self.inspector, data, recipe, self.panel.custom_spec)
                finally:
                    self._switching = False
                self.curves.clear()
                self._reset_timelapse()
            network = self.inspector.network.copy()     # the worker's own network
            trainer = prepare(recipe, data, network=network, history=history)
        except (ValueError, SpecError, ShapeError) as e:
            self.panel.set_message(str(e), error=True)
            return False
        self.data, self.recipe, self.trainer = data, recipe, trainer
        self.run_network = self.inspector.network
        self.progress = RunProgress(len(trainer.x), recipe.batch, recipe.epochs, offset)
        self.autosaved = None
        path = self.checkpoint_dir / f"{data.name}-{recipe.arch}-{time.strftime('%Y%m%d-%H%M%S')}.npz"
        self.worker = worker = TrainingWorker(trainer, data, recipe, offset, path, self.blas_threads)
        worker.stepsReady.connect(self._on_steps)
        worker.epochDone.connect(self._on_epoch)
        worker.snapshotReady.connect(self._on_snapshot)
        worker.statusChanged.connect(self._on_status)
        worker.checkpointSaved.connect(self._on_checkpoint)
        worker.saveDone.connect(self._on_saved)
        worker.finished.connect(self._on_finished)
        worker.failed.connect(self._on_failed)
        self._pending = None
        self._worker_blocked = False
        self.probe.send(worker)
        self._set_state(RUNNING)
        self.panel.set_progress(self.progress.starting_text(), 0.0)
        self.statusMessage.emit(f"Training {recipe.arch} on {data.name}; autosaving each epoch to {path}", 15000)
        worker.start()
        return True

    # -- controls ----------------------------------------------------------------------------
    def toggle_pause(self) -> None:
        """Pause a running run, or resume a paused one."""
        if not self.is_running():
            return
        if self.worker.paused:
            self._worker_blocked = False
            self._set_state(RUNNING)
            self.worker.resume()
            self._show_progress(" — resuming…")
        else:
            self.worker.pause()
            self._show_progress(" — pausing…")

    def stop(self) -> None:
        """End the run before its next step; the weights trained so far stay shown."""
        if self.is_running():
            self.worker.stop()
            self.panel.set_message("Stopping…")

    def set_lr(self, lr: float) -> None:
        if self.is_running():
            self.worker.set_lr(lr)
            self.panel.set_message(f"Learning rate {lr:g} from the next step.")

    def shutdown(self, timeout: float = SHUTDOWN_SECONDS) -> bool:
        """Stop the worker and the data loader and wait for them (the window is closing).

        The worker ends before its next step (or batch of the end-of-epoch evaluation), so
        this returns within a step; True when both threads have ended. Should one still run
        after ``timeout`` (a step far slower than any preset's), its signals are cut off: it
        may finish its step, but it reaches nothing of the window, which is being destroyed.
        """
        worker = self.worker
        ok = True
        if worker is not None and worker.is_running():
            worker.stop()
            ok = worker.wait(timeout)
            if not ok:
                worker.blockSignals(True)
        ok = self.source.shutdown() and ok
        self.inspector.set_input_router(None)
        self.inspector.set_live(False)
        return ok

    def edit_layers(self) -> None:
        """Open the layer editor on the preset (or the last edit) for the chosen data set's
        images and classes; OK makes "New network" train the edited architecture."""
        try:
            shape, classes = self.source.shape_and_classes()
        except DataError as e:
            self.panel.set_message(str(e), error=True)
            return
        self.arch_dialog = edit_panel_layers(self.panel, shape, classes)

    # -- what the worker sends -----------------------------------------------------------
    def _on_steps(self, rows) -> None:
        self.curves.add_steps(rows)
        if self.progress.advance(int(rows[-1, 0])):
            self._show_progress()

    def _show_progress(self, suffix: Optional[str] = None) -> None:
        if suffix is not None:
            self.progress.set_suffix(suffix)
        self.panel.set_progress(self.progress.text(), self.progress.fraction)

    def _on_epoch(self, record: dict) -> None:
        self._epoch_step = int(record.get("step", 0))
        self.curves.add_epoch(record)
        test = record.get("test_accuracy")
        self.panel.set_message(f"Epoch {record['epoch']}: train accuracy {100 * record['train_accuracy']:.1f}%"
                               + (f", test {100 * test:.1f}%" if test is not None else "") + ".")
        self.epochDone.emit(record)

    def _on_snapshot(self, snapshot) -> None:
        # Keep only the newest; show it once the events already queued have been handled.
        first = self._pending is None
        self._pending = snapshot
        if first:
            QTimer.singleShot(0, self.apply_pending)

    def apply_pending(self) -> None:
        """Show the newest snapshot (if any) in every view, then let the worker send the next."""
        snap, self._pending = self._pending, None
        if snap is None or self.worker is None:
            return
        if self.inspector.network is self.run_network:
            meta = self.inspector.meta
            if meta.get("untrained") and snap.step > self.worker.step_offset:
                self.inspector.set_meta({"dataset": self.data.name, "training": True, "preset": self.recipe.arch},
                                        path="")
            # a trace of a probe no longer shown is dropped
            current = snap.probe_id == self.probe.probe_id
            self.inspector.show_snapshot(snap.weights, snap.step, snap.trace if current else None,
                                         self.probe.source, dict(snap.state))
            self.snapshots_applied += 1
            if self.timelapse.offer(snap):
                self.timelapse_view.refresh()
        QTimer.singleShot(0, self.worker.ack)        # after the repaint the views just asked for

    def _on_status(self, status: str, step: int) -> None:
        if not self.is_running():
            return
        self.apply_pending()
        self._worker_blocked = status == "paused" and self.worker.paused
        self.progress.step = step
        self._set_state(PAUSED if self._worker_blocked else RUNNING)
        self._show_progress(" — paused" if self._worker_blocked else "")
        if self._worker_blocked:
            self.panel.set_message("Paused. Draw to see what the network makes of it now.")
            if self.probe.follows_drawing():
                self.inspector.show_drawing()
        else:
            self.panel.set_message("")

    def _on_checkpoint(self, latest: str, best: str) -> None:
        self.autosaved = (latest, self._epoch_step)     # written right after that epoch's record
        text = f"Autosaved the epoch to {latest}"
        if best:
            text += f"; it is the best so far (test accuracy), also kept in {Path(best).name}"
        self.statusMessage.emit(text, 10000)

    def _on_saved(self, path: str, error: str) -> None:
        if error:
            self.panel.set_message(f"Cannot save {path}: {error}", error=True)
            self.statusMessage.emit(error, 15000)
        else:
            self.unsaved = False                       # until the run ends with more steps
            self.inspector.set_meta(self.inspector.meta, path=path)
            self.statusMessage.emit(f"Saved model to {path} (training goes on).", 8000)

    def _on_finished(self, done) -> None:
        worker = self.worker
        self.apply_pending()
        worker.wait(5.0)
        self._end_run()
        self.progress.step = worker.step_offset + done.step
        self.progress.set_suffix("")
        self._idle_line = self.progress.final_text(done.epoch, done.reason)
        self.panel.set_progress(self._idle_line, self.progress.fraction)
        if done.reason == "diverged":
            # the trainer has put back the last good weights: offer to go on from them
            self.panel.set_start_mode(START_CONTINUE)
            self._show_error("Training diverged", done.message + " To go on from there, set a lower learning "
                             "rate and press Train ('Continue this model' is chosen).")
        elif done.reason == "stopped":
            self.panel.set_message(f"Stopped after step {self.progress.step:,}: the weights trained so far are "
                                   f"shown; Save keeps them.")
        else:
            last = self.trainer.history.epochs[-1] if self.trainer.history.epochs else {}
            acc = last.get("test_accuracy")
            self.panel.set_message(f"Done: {done.message}"
                                   + (f"; test accuracy {100 * acc:.2f}%." if acc is not None else "."))

    def _on_failed(self, error: str) -> None:
        self.worker.wait(5.0)
        self._end_run()
        self._show_error("Training failed", error.strip().splitlines()[-1])

    def _end_run(self) -> None:
        """Back to idle: the inspector computes on the UI thread again, with the run's meta data."""
        trainer = self.trainer
        self._set_state(IDLE)
        if self.inspector.network is self.run_network:
            self.inspector.set_meta(run_meta(trainer, self.data, self.recipe), path="")
            self.unsaved = self.unsaved or trainer.step_count > 0
            if self.probe.follows_drawing():
                self.inspector.show_drawing()

    def unsaved_words(self, doing: str) -> str:
        """What ``doing`` (e.g. "quit") now would lose of the shown model's unsaved training, given
        the run's autosave (see :func:`.progress.unsaved_text`)."""
        return unsaved_text(doing, self.autosaved, None if self.is_running() else self.progress.step)

    def _show_error(self, title: str, message: str) -> None:
        self.last_error = message
        self.panel.set_message(message, error=True)
        self.statusMessage.emit(message, 20000)
        self.errorRaised.emit(title, message)

    # -- saving and opening --------------------------------------------------------------------
    def owns_save(self) -> bool:
        """True when Save should write the run's model (the shown network is the run's)."""
        return self.trainer is not None and self.inspector.network is self.run_network

    def save(self, path) -> bool:
        """Save the run's network, history and recipe to ``path``.

        While the worker runs it saves between two steps (``saveDone`` reports);
        paused or finished, the trainer is idle and the file is written here.
        Raises ModelFileError or OSError when the file cannot be written.
        """
        if self.is_running() and not self._worker_blocked:
            self.worker.request_save(path)
            self.panel.set_message(f"Saving to {path} after the current step…")
            return True
        save_trained(path, self.trainer, self.data, self.recipe, command="cnnviz app")
        self.unsaved = self.is_running()
        self.inspector.set_meta(self.inspector.meta, path=str(path))
        self.statusMessage.emit(f"Saved model to {path}.", 6000)
        return True

    def _on_network(self) -> None:
        """Another model is shown (opened, new preset): show its saved curves, if any, and the
        settings it was trained with."""
        if self._switching:
            return
        self.run_network = None
        self.unsaved = False
        self.autosaved = None
        meta = self.inspector.meta
        history = History.from_dict(meta.get("history"))
        if history.step_loss or history.epochs:
            self.curves.set_history(history)
        else:
            self.curves.clear()
        self._reset_timelapse()
        recipe = recipe_of(meta)
        if recipe is not None:
            self.panel.set_recipe(recipe)
        elif meta.get("preset"):                      # an untrained preset: the panel trains that one
            self.panel.set_preset(str(meta["preset"]))

    def _reset_timelapse(self) -> None:
        self.timelapse.clear()
        self.timelapse_view.refresh()

