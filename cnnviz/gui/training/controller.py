"""Live training in the window: panel, data loading, worker, and every view following along.

:class:`TrainingController` is the glue. It adds the "Training" panel and the
curves and time-lapse panels to the window, loads the data set in the
background, builds the run with :func:`cnnviz.train.recipe.prepare` (exactly
what ``python main.py train`` does), hands a copy of the network to a
:class:`TrainingWorker`, and applies the worker's snapshots to the inspector:
the newest one only, when the UI thread gets to it, then acknowledges it so
the worker sends the next. While a run is going the inspector's inputs (the
drawing) are routed to the worker, which traces them between steps; the UI
thread never runs the network it trains.
"""
from __future__ import annotations

import math
import os
import time
from pathlib import Path
from typing import Callable, Optional

import numpy as np
from PyQt5.QtCore import QObject, Qt, QTimer
from PyQt5.QtWidgets import QFileDialog, QMessageBox

from ...data import DATA_DIR_ENV, DataError, dataset_files, get_info, resolve_data_dir, user_cache_dir
from ...modelio import ModelFileError, default_preprocessing
from ...nn import Network, SpecError, preset_spec
from ...nn.shapes import ShapeError
from ...train.history import History
from ...train.recipe import Recipe, build_network, prepare, save_trained, with_overrides
from ..model.modelchoice import ModelChoice
from .archedit import ArchitectureDialog
from .curves import CurvesView
from .dataloader import DatasetLoader
from .panel import PROBE_TEST, START_CONTINUE, TrainingPanel
from .timelapse import TimeLapse, TimeLapseView
from .worker import TrainingWorker
from ..widgets.scroll import scrolling

#: QSettings key of the data folder chosen with "Local folder…"
DATA_DIR_KEY = "training/data_dir"
#: how long closing the window waits at most for the worker (it stops before its next step)
SHUTDOWN_SECONDS = 10.0


def default_checkpoint_dir() -> Path:
    """Where autosave checkpoints go: ``<user cache>/checkpoints``."""
    return user_cache_dir() / "checkpoints"


#: the progress line while a data set is read or downloaded
LOADING_TEXT = "Getting the data set ready: training starts when it is here."

class TrainingController(QObject):
    """Owns the training panel, the data loader and the current run of ``window``.

    ``checkpoint_dir`` defaults to :func:`default_checkpoint_dir`. Public
    state for tests and the bench: ``worker`` (the current or last run),
    ``trainer``, ``data``, ``snapshots_applied``, ``last_error``.
    """

    def __init__(self, window, checkpoint_dir: Optional[Path] = None):
        super().__init__(window)
        self.window = window
        self.inspector = window.inspector
        self.settings = window.settings
        self.checkpoint_dir = Path(checkpoint_dir) if checkpoint_dir is not None else default_checkpoint_dir()
        self.panel = TrainingPanel()
        # No Qt parents for objects a thread emits from: Python keeps them alive while the
        # thread runs, so the window's destruction can never delete one under it.
        self.loader = DatasetLoader()
        self.worker: Optional[TrainingWorker] = None
        self.trainer = None
        self.data = None
        self.recipe: Optional[Recipe] = None
        self.run_network: Optional[Network] = None    # the inspector's network the last run trained
        self.snapshots_applied = 0
        self.blas_threads: Optional[int] = None         # None: the worker's default
        self.last_error: Optional[str] = None
        self.error_box: Optional[QMessageBox] = None
        self.arch_dialog = None                        # the open "Edit layers…" dialog
        self._pending = None                           # newest snapshot not yet shown
        self._probe_id = -1
        self._switching = False                        # the controller itself changes the network
        self._after_load: Optional[Callable] = None   # what to do with the data set being loaded
        self._loading = False
        self._rate = (0.0, 0)                          # (time, run step) of the last progress line
        self._speed = 0.0
        self._steps_per_epoch = 1
        self._worker_blocked = False                   # the worker said "paused" and waits for resume
        saved = self.settings.value(DATA_DIR_KEY)
        self.data_dir = str(saved) if saved else str(resolve_data_dir(os.environ.get(DATA_DIR_ENV)))

        self.curves = CurvesView()
        self.timelapse = TimeLapse()
        self.timelapse_view = TimeLapseView(self.timelapse, self.inspector)
        self._connect()
        self.refresh_files()

    # -- set-up ----------------------------------------------------------------------
    def install(self) -> None:
        """Add the Training panel (left), the curves (bottom) and the time-lapse (a tab by the filters)."""
        w = self.window
        w.add_panel("training", "Training", self.panel, Qt.LeftDockWidgetArea)
        w.add_panel("curves", "Training curves", self.curves, Qt.BottomDockWidgetArea)
        # beside the filters: it scrubs back through them (the bottom row has no height to spare)
        w.add_panel("timelapse", "Time-lapse", scrolling(self.timelapse_view), Qt.RightDockWidgetArea,
                    tabify_with="pooling")
        self._on_network()                  # the model the window opened with: its saved curves

    def _connect(self) -> None:
        p = self.panel
        p.trainClicked.connect(self.train)
        p.pauseClicked.connect(self.toggle_pause)
        p.stopClicked.connect(self.stop)
        p.saveClicked.connect(lambda: self.window.save_model())
        p.folderClicked.connect(self.choose_folder)
        p.cancelLoadClicked.connect(self.loader.cancel)
        p.editLayersClicked.connect(self.edit_layers)
        p.lrEdited.connect(self.set_lr)
        p.probeChanged.connect(self.update_probe)
        p.datasetChanged.connect(lambda _name: self.refresh_files())
        p.download_check.toggled.connect(lambda _on: self.refresh_files())
        self.loader.progress.connect(p.set_load_progress)
        self.loader.status.connect(self._loader_status)
        self.loader.loaded.connect(self._on_loaded)
        self.loader.failed.connect(self._on_load_failed)
        self.loader.cancelled.connect(self._on_load_cancelled)
        self.inspector.networkChanged.connect(self._on_network)
        self.inspector.input_router = self._route_input

    # -- state -------------------------------------------------------------------------
    def is_running(self) -> bool:
        """True from Train until the worker has finished (paused counts as running)."""
        return self.worker is not None and self.worker.done is None and self.worker.error is None \
            and self.worker.thread is not None

    def is_paused(self) -> bool:
        """True while the worker waits, paused, between two steps."""
        return self.is_running() and self._worker_blocked

    def _set_state(self, state: str) -> None:
        self.panel.set_state(state)
        # while snapshots stream in, costly views and the curves redraw less often: every
        # millisecond the UI thread holds the GIL is taken from the training thread
        self.inspector.live = state == "running"
        self.curves.set_live(state == "running")
        busy = state != "idle"
        for key, action in self.window.actions.items():
            if key == "open_model" or key.startswith("preset:"):
                action.setEnabled(not busy)

    # -- data ----------------------------------------------------------------------------
    def set_data_dir(self, folder) -> None:
        """Use ``folder`` for data files from now on (remembered in the settings)."""
        self.data_dir = str(folder)
        self.settings.setValue(DATA_DIR_KEY, self.data_dir)
        self.refresh_files()

    def choose_folder(self) -> None:
        folder = QFileDialog.getExistingDirectory(self.window, "Folder with data set files", self.data_dir)
        if folder:
            self.set_data_dir(folder)

    def refresh_files(self) -> None:
        """Say which of the chosen data set's files are on disk."""
        name = self.panel.dataset()
        try:
            plan = dataset_files(name, self.data_dir)
        except DataError as e:
            self.panel.set_files_text(str(e), ok=False)
            return
        if plan.ready:
            folders = sorted({str(s.path.parent) for s in plan.files})
            self.panel.set_files_text(f"{plan.info.title}: files found in", path=", ".join(folders))
        else:
            missing = ", ".join(s.filename for s in plan.missing)
            count = len(plan.missing)
            them = "them" if count > 1 else "it"
            files = f"{count} files" if count > 1 else "1 file"
            folder = str(plan.download_dir)
            if self.panel.download_check.isChecked() and all(s.downloadable for s in plan.missing):
                # Not a problem yet: a first run downloads them, so no alarm colour.
                self.panel.set_files_text(
                    f"{plan.info.title}: not on this computer yet ({files}); Train downloads {them} "
                    f"to the folder below, or choose a folder that holds {them}.", tip=f"missing: {missing}",
                    path=folder)
            else:
                self.panel.set_files_text(f"{plan.info.title}: missing {missing}; put {them} in the folder "
                                          f"below or choose the folder that holds {them}.",
                                          ok=False, tip=f"missing: {missing}", path=folder)

    def _load_then(self, then: Callable) -> None:
        name = self.panel.dataset()
        data = self.loader.cached(name, self.data_dir)
        if data is not None:
            then(data)
            return
        self._after_load = then                   # while loading: the newest request wins
        if self._loading:
            return
        self._loading = True
        self._set_state("loading")
        self.panel.set_load_progress(0, 0)
        self.panel.set_progress(LOADING_TEXT, 0.0)        # not the last run's "stopped" line
        self.panel.set_message(f"Loading {name}…")
        self.loader.load(name, self.data_dir, download=self.panel.download_check.isChecked())

    def _loader_status(self, text: str) -> None:
        self.panel.set_message(text)
        self.panel.set_load_progress(0, 0)

    def _on_loaded(self, data) -> None:
        self._loading = False
        self._set_state("idle")
        self.panel.set_message(f"{data.name}: {len(data.x_train):,} training and "
                               f"{0 if data.x_test is None else len(data.x_test):,} test images.")
        self.refresh_files()
        then, self._after_load = self._after_load, None
        if then is not None:
            then(data)

    def _on_load_failed(self, message: str) -> None:
        self._loading = False
        self._after_load = None
        self._set_state("idle")
        self.refresh_files()
        self.panel.set_message(message, error=True)
        self.window.statusBar().showMessage(message.splitlines()[0], 15000)

    def _on_load_cancelled(self) -> None:
        self._loading = False
        self._after_load = None
        self._set_state("idle")
        self.refresh_files()
        self.panel.set_message("Loading cancelled.")

    # -- starting ------------------------------------------------------------------------
    def train(self) -> None:
        """Train: load the data set if needed, then start a new or continued run."""
        if self.is_running():
            return
        self.panel.set_message("")
        self._load_then(self._start)

    def _start(self, data) -> bool:
        recipe = self.panel.recipe()
        try:
            if self.panel.start_mode() == START_CONTINUE:
                history, offset = self._continue_current(data, recipe)
            else:
                history, offset = self._new_network(data, recipe)
            network = self.inspector.network.copy()     # the worker's own network
            trainer = prepare(recipe, data, network=network, history=history)
        except (ValueError, SpecError, ShapeError) as e:
            self.panel.set_message(str(e), error=True)
            return False
        self.data, self.recipe, self.trainer = data, recipe, trainer
        self.run_network = self.inspector.network
        self._steps_per_epoch = math.ceil(len(trainer.x) / recipe.batch)
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
        self._rate, self._speed = (time.perf_counter(), 0), 0.0
        self._send_probe()
        self._set_state("running")
        self.panel.set_progress(f"Starting: {len(trainer.x):,} images, {self._steps_per_epoch:,} steps "
                                f"per epoch…", 0.0)
        self.window.statusBar().showMessage(f"Training {recipe.arch} on {data.name}; autosaving each "
                                            f"epoch to {path}", 15000)
        worker.start()
        return True

    def _new_network(self, data, recipe: Recipe):
        spec = self.panel.custom_spec
        if spec is not None:
            spec = with_overrides(dict(spec, input_shape=list(data.image_shape)), recipe.init, recipe.dropout)
            net = Network(spec, seed=recipe.seed)
            if net.num_classes != len(data.class_names):
                raise ValueError(f"the edited network has {net.num_classes} outputs; {data.name} has "
                                 f"{len(data.class_names)} classes")
        else:
            net = build_network(recipe, data.image_shape, len(data.class_names))
        meta = {"untrained": True, "preset": recipe.arch, "seed": recipe.seed, "dataset": data.name}
        self._switching = True
        try:
            self.window.set_model(ModelChoice(net, list(data.class_names), meta, ""))
        finally:
            self._switching = False
        self.inspector.start_weights = net.get_weights()
        self.inspector.weightsChanged.emit()
        self.curves.clear()
        self._reset_timelapse()
        return History(), 0

    def _continue_current(self, data, recipe: Recipe):
        net = self.inspector.network
        if tuple(net.input_shape) != tuple(data.image_shape) or net.num_classes != len(data.class_names):
            shape = "x".join(map(str, net.input_shape))
            want = "x".join(map(str, data.image_shape))
            raise ValueError(f"This model takes {shape} images and gives {net.num_classes} classes; {data.name} "
                             f"has {want} images and {len(data.class_names)} classes. Choose 'New network'.")
        history = History.from_dict(self.inspector.meta.get("history"))
        if self.inspector.start_weights is None:
            self.inspector.start_weights = net.get_weights()
        if self.run_network is not net:
            self.curves.set_history(history)
        return history, history.steps_done()

    # -- controls ----------------------------------------------------------------------------
    def toggle_pause(self) -> None:
        """Pause a running run, or resume a paused one."""
        if not self.is_running():
            return
        if self.worker.paused:
            self._worker_blocked = False
            self._set_state("running")
            self.worker.resume()
        else:
            self.worker.pause()
            self.panel.set_progress(self.panel.progress_label.text() + " — pausing…")

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
        self.loader.cancel()
        worker = self.worker
        ok = True
        if worker is not None and worker.is_running():
            worker.stop()
            ok = worker.wait(timeout)
            if not ok:
                worker.blockSignals(True)
        if not self.loader.wait(1.0):
            self.loader.blockSignals(True)
            ok = False
        self.inspector.input_router = None
        self.inspector.live = False
        return ok

    def edit_layers(self) -> None:
        """Open the layer editor on the preset (or the last edit) for the chosen data set's
        images and classes; OK makes "New network" train the edited architecture."""
        info = get_info(self.panel.dataset())
        spec = self.panel.custom_spec or preset_spec(self.panel.preset_box.currentData(), info.image_shape,
                                                     info.num_classes)
        dialog = ArchitectureDialog(spec, self.window, input_shape=info.image_shape, classes=info.num_classes)
        dialog.setWindowModality(Qt.WindowModal)
        dialog.accepted.connect(lambda: self._layers_edited(dialog.spec()))
        dialog.setAttribute(Qt.WA_DeleteOnClose)
        self.arch_dialog = dialog
        dialog.open()

    def _layers_edited(self, spec: dict) -> None:
        self.panel.set_custom_spec(spec)
        self.panel.set_message(f"'New network' trains the edited architecture '{spec.get('name', 'custom')}' "
                               f"({len(spec.get('layers', []))} layers); pick a preset to go back.")

    # -- the probe -------------------------------------------------------------------------
    def _route_input(self, x) -> bool:
        """Inspector.input_router: where a new input (the drawing) goes. True: handled here."""
        mode, _ = self.panel.probe()
        if mode == PROBE_TEST:
            return True                   # the chosen test image stays shown
        if not self.is_running():
            return False
        self._probe_id = self.worker.set_probe(x)
        if self._worker_blocked:
            return False                  # the worker is blocked: the UI's copy computes
        if x is None:
            self.inspector.set_trace(None)
        return True

    def _test_image(self, data, index: int) -> Optional[np.ndarray]:
        if data is None or data.x_test is None or not len(data.x_test):
            return None
        x = data.x_test[min(index, len(data.x_test) - 1)].astype(np.float32) / 255.0
        return x if tuple(x.shape) == tuple(self.inspector.network.input_shape) else None

    def _send_probe(self) -> None:
        mode, index = self.panel.probe()
        x = self._test_image(self.data, index) if mode == PROBE_TEST else self.inspector.input
        self._probe_id = self.worker.set_probe(x)

    def update_probe(self) -> None:
        """The panel's probe choice changed: show the drawing or test image #N."""
        mode, index = self.panel.probe()
        if mode != PROBE_TEST:
            self.window.predictor.update_now()        # the drawing again, through the router
            return
        if self.is_running():
            x = self._test_image(self.data, index)
            self._probe_id = self.worker.set_probe(x)
            if self._worker_blocked and x is not None:
                self.inspector.set_input(x, route=False)
            return
        self._load_then(self._show_test_image)

    def _show_test_image(self, data) -> None:
        self.data = data
        mode, index = self.panel.probe()
        if mode != PROBE_TEST:
            return
        x = self._test_image(data, index)
        if x is None:
            self.panel.set_message(f"{data.name}'s images do not fit this network's input "
                                   f"{self.inspector.network.input_shape}.", error=True)
            return
        label = data.class_names[int(data.y_test[min(index, len(data.y_test) - 1)])]
        self.panel.set_message(f"Test image #{index} of {data.name} (label {label}).")
        self.inspector.set_input(x, route=False)

    # -- what the worker sends -----------------------------------------------------------
    def _on_steps(self, rows: np.ndarray) -> None:
        self.curves.add_steps(rows)
        self._show_progress(int(rows[-1, 0]))

    def _show_progress(self, step: int) -> None:
        now = time.perf_counter()
        t0, s0 = self._rate
        if now - t0 < 0.5:
            return                # a new text relays the dock out: twice a second is plenty
        run_step = step - self.worker.step_offset
        spe = self._steps_per_epoch
        epoch = (run_step - 1) // spe + 1
        batch = (run_step - 1) % spe + 1
        rate = (run_step - s0) * self.recipe.batch / (now - t0)
        self._speed = rate if self._speed == 0 else 0.6 * self._speed + 0.4 * rate
        self._rate = (now, run_step)
        total = spe * self.recipe.epochs
        eta = ""
        if self._speed > 0:
            eta = " · ETA " + _duration((total - run_step) * self.recipe.batch / self._speed)
        self.panel.set_progress(f"Step {step:,} · epoch {epoch}/{self.recipe.epochs} ({batch}/{spe})\n"
                                f"{self._speed:,.0f} samples/s{eta}", run_step / total)

    def _on_epoch(self, record: dict) -> None:
        self.curves.add_epoch(record)
        test = record.get("test_accuracy")
        self.panel.set_message(f"Epoch {record['epoch']}: train accuracy {100 * record['train_accuracy']:.1f}%"
                               + (f", test {100 * test:.1f}%" if test is not None else "") + ".")

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
            if self.inspector.meta.get("untrained") and snap.step > self.worker.step_offset:
                self.inspector.meta = {"dataset": self.data.name, "training": True, "preset": self.recipe.arch}
                self.window._show_model()
            scrubbing = self.timelapse_view.scrubbing
            self.inspector.show_snapshot(snap.weights, snap.trace,
                                         keep_trace=scrubbing or snap.probe_id != self._probe_id)
            self.snapshots_applied += 1
            if self.timelapse.offer(snap):
                self.timelapse_view.refresh()
        worker = self.worker
        QTimer.singleShot(0, worker.ack)        # after the repaint the views just asked for

    def _on_status(self, status: str, step: int) -> None:
        if not self.is_running():
            return
        self.apply_pending()
        self._worker_blocked = status == "paused" and self.worker.paused
        self._set_state("paused" if self._worker_blocked else "running")
        text = self.panel.progress_label.text().replace(" — pausing…", "").replace(" — paused", "")
        self.panel.set_progress(text + (" — paused" if self._worker_blocked else ""))
        if self._worker_blocked:
            self.panel.set_message(f"Paused at step {step:,}. Draw to see what the network makes of it now.")
            if self.panel.probe()[0] != PROBE_TEST:
                self.window.predictor.update_now()
        else:
            self.panel.set_message("")

    def _on_checkpoint(self, path: str) -> None:
        self.window.statusBar().showMessage(f"Autosaved epoch checkpoint to {path}", 10000)

    def _on_saved(self, path: str, error: str) -> None:
        if error:
            self.panel.set_message(f"Cannot save {path}: {error}", error=True)
            self.window.statusBar().showMessage(error, 15000)
        else:
            self.window.statusBar().showMessage(f"Saved model to {path} (training goes on).", 8000)

    def _on_finished(self, done) -> None:
        worker = self.worker
        self.apply_pending()
        worker.wait(5.0)
        self._end_run()
        run_steps = done.step
        total = self._steps_per_epoch * self.recipe.epochs
        self.panel.set_progress(f"Step {worker.step_offset + run_steps:,} · epoch {max(done.epoch, 1)}/"
                                f"{self.recipe.epochs} · {done.reason}", run_steps / max(total, 1))
        if done.reason == "diverged":
            self._show_error("Training diverged", done.message)
        elif done.reason == "stopped":
            self.panel.set_message(f"Stopped after step {done.step:,}: the weights trained so far are shown; "
                                   f"Save keeps them.")
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
        self._set_state("idle")
        if self.inspector.network is self.run_network:
            last = trainer.history.epochs[-1] if trainer.history.epochs else {}
            meta = {"history": trainer.history.to_dict(), "dataset": self.data.name,
                    "test_accuracy": last.get("test_accuracy"), "command": "cnnviz app",
                    "preprocessing": default_preprocessing(trainer.net.input_shape),
                    "extra": {"recipe": self.recipe.to_dict(), "train_images": int(len(trainer.x))}}
            self.inspector.meta = meta
            self.window.model_source = ""
            self.window._show_model()
            if self.panel.probe()[0] != PROBE_TEST:
                self.window.predictor.update_now()

    def _show_error(self, title: str, message: str) -> None:
        """Non-modal: the panel, the status bar and a message box that does not block."""
        self.last_error = message
        self.panel.set_message(message, error=True)
        self.window.statusBar().showMessage(message, 20000)
        box = QMessageBox(QMessageBox.Warning, title, message, QMessageBox.Ok, self.window)
        box.setModal(False)
        box.setAttribute(Qt.WA_DeleteOnClose)
        box.show()
        self.error_box = box

    # -- saving and opening --------------------------------------------------------------------
    def owns_save(self) -> bool:
        """True when Save should write the run's model (the shown network is the run's)."""
        return self.trainer is not None and self.inspector.network is self.run_network

    def save(self, path) -> bool:
        """Save the run's network, history and recipe to ``path``.

        While the worker runs it saves between two steps (``saveDone`` reports);
        paused or finished, the trainer is idle and the file is written here.
        """
        if self.is_running() and not self._worker_blocked:
            self.worker.request_save(path)
            self.panel.set_message(f"Saving to {path} after the current step…")
            return True
        try:
            save_trained(path, self.trainer, self.data, self.recipe, command="cnnviz app")
        except (ModelFileError, OSError) as e:
            self.window.show_error("Cannot save model", str(e))
            return False
        self.window.model_source = str(path)
        self.window._show_model()
        self.window.statusBar().showMessage(f"Saved model to {path}.", 6000)
        return True

    def _on_network(self) -> None:
        """Another model is shown (opened, new preset): show its saved curves, if any."""
        if self._switching:
            return
        self.run_network = None
        history = History.from_dict(self.inspector.meta.get("history"))
        if history.step_loss or history.epochs:
            self.curves.set_history(history)
        else:
            self.curves.clear()
        self._reset_timelapse()
        recipe = (self.inspector.meta.get("extra") or {}).get("recipe")
        if isinstance(recipe, dict):
            try:
                self.panel.set_recipe(Recipe(**{k: v for k, v in recipe.items()
                                                 if k in Recipe.__dataclass_fields__}))
            except (TypeError, ValueError):
                pass

    def _reset_timelapse(self) -> None:
        self.timelapse.clear()
        self.timelapse_view.refresh()


def _duration(seconds: float) -> str:
    seconds = max(0, int(round(seconds)))
    if seconds < 60:
        return f"{seconds} s"
    if seconds < 3600:
        return f"{seconds // 60} min {seconds % 60:02d} s"
    return f"{seconds // 3600} h {seconds % 3600 // 60:02d} min"
