"""Training in the real window: the panel, the worker, every view following, and the endings."""
import threading
import time
from dataclasses import replace

import numpy as np
import pytest
from PyQt5.QtCore import QPoint
from PyQt5.QtWidgets import QScrollArea
from PyQt5.QtGui import QImage, QPainter, QPen, QColor

from cnnviz.gui.widgets.lazy import is_hidden
from cnnviz.gui.training.panel import PROBE_TEST, START_CONTINUE
from cnnviz.modelio import load_model

from cnnviz.data import REGISTRY
from cnnviz.gui.training import controller as controller_module

from test_data_download import FileServer
from test_gui_worker import EvalGate

STEPS_PER_EPOCH = 10          # 200 training images, batch 20


@pytest.fixture
def window(training_window):
    return training_window


def draw_shape(window, paint):
    """Put a 280x280 drawing on the canvas: ``paint(painter)`` draws with a 24-px black pen."""
    img = QImage(280, 280, QImage.Format_RGB32)
    img.fill(QColor("white"))
    painter = QPainter(img)
    painter.setPen(QPen(QColor("black"), 24))
    paint(painter)
    painter.end()
    window.set_image(img)


def draw_bar(window):
    draw_shape(window, lambda painter: painter.drawLine(140, 40, 140, 240))


def train(qtbot, window, timeout=30000):
    """Press Train and wait for the run to end."""
    t = window.training
    window.training.panel.train_button.click()
    qtbot.waitUntil(lambda: t.worker is not None or t.panel.state == "idle", timeout=30000)
    assert t.worker is not None, t.panel.message_label.text()
    qtbot.waitUntil(lambda: not t.is_running() and t.panel.state == "idle", timeout=timeout)
    return t


def start_long_run(qtbot, window, epochs=300):
    t = window.training
    t.panel.epochs_spin.setValue(epochs)
    t.panel.train_button.click()
    qtbot.waitUntil(lambda: t.worker is not None and t.snapshots_applied >= 1, timeout=30000)
    return t


def test_train_updates_every_view_and_saves_the_model_with_its_history(qtbot, window, tmp_path):
    draw_bar(window)
    t = train(qtbot, window)
    worker = t.worker
    assert worker.done.reason == "completed"
    ins = window.inspector
    assert ins.network is t.run_network and ins.network is not worker.trainer.net
    for name, w in worker.trainer.net.params.items():       # the view shows the final weights
        np.testing.assert_array_equal(ins.network.params[name], w)
    assert ins.start_weights is not None
    assert not np.array_equal(ins.start_weights["conv1.W"], ins.network.params["conv1.W"])
    assert t.snapshots_applied >= 1 and ins.trace is not None
    assert len(t.curves.data.steps) == 2 * STEPS_PER_EPOCH and len(t.curves.data.epochs) == 2
    assert "Done" in t.panel.message_label.text()
    assert ins.meta["history"]["epochs"] and ins.meta["dataset"] == "mnist"

    latest = [p for p in (tmp_path / "checkpoints").glob("mnist-simple-*.npz") if not p.stem.endswith("-best")]
    best = list((tmp_path / "checkpoints").glob("mnist-simple-*-best.npz"))
    assert len(latest) == 1 and len(best) == 1              # the latest epoch, and the best one apart
    assert len(load_model(latest[0]).history["epochs"]) == 2
    epochs = t.trainer.history.epochs
    assert load_model(best[0]).test_accuracy == max(e["test_accuracy"] for e in epochs)

    path = tmp_path / "trained.npz"
    assert window.save_model(path)
    saved = load_model(path)
    assert len(saved.history["step_loss"]) == 2 * STEPS_PER_EPOCH
    assert saved.extra["recipe"]["batch"] == 20 and saved.dataset == "mnist"
    np.testing.assert_array_equal(saved.network.params["fc2.W"], ins.network.params["fc2.W"])

    window.new_preset("lenet5")
    assert len(t.curves.data.steps) == 0                         # an untrained model: no curves
    assert window.open_model(path)                          # reopened: its curves come back
    assert len(t.curves.data.steps) == 2 * STEPS_PER_EPOCH and len(t.curves.data.epochs) == 2


def test_continue_training_counts_on_from_the_history(qtbot, window):
    train(qtbot, window)
    first = window.inspector.network
    window.training.panel.start_box.setCurrentIndex(window.training.panel.start_box.findData(START_CONTINUE))
    window.training.panel.epochs_spin.setValue(1)
    t = train(qtbot, window)
    assert window.inspector.network is first
    assert t.worker.step_offset == 2 * STEPS_PER_EPOCH
    assert len(window.inspector.meta["history"]["step_loss"]) == 3 * STEPS_PER_EPOCH
    assert t.curves.data.steps.last("step") == 3 * STEPS_PER_EPOCH


def test_while_training_the_drawing_is_traced_by_the_worker_not_the_ui(qtbot, window):
    t = start_long_run(qtbot, window)
    ins = window.inspector
    calls = []
    original = ins.network.trace
    ins.network.trace = lambda x: calls.append(threading.get_ident()) or original(x)
    draw_bar(window)
    shown = ins.input
    assert shown is not None or ins.trace is None
    qtbot.waitUntil(lambda: ins.trace is not None and ins.trace[0].value[0].max() > 0.5
                    and t._pending is None and t.worker._probe_sent == t.worker.probe_id, timeout=30000)
    assert calls == []                                      # no forward pass on the UI thread
    window.training.stop()
    qtbot.waitUntil(lambda: not t.is_running(), timeout=30000)


def test_pause_holds_training_lets_the_ui_compute_and_resume_goes_on(qtbot, window):
    t = start_long_run(qtbot, window)
    t.panel.pause_button.click()
    qtbot.waitUntil(lambda: t.panel.state == "paused", timeout=30000)
    assert t.panel.pause_button.text() == "Resume"
    held = t.worker.trainer.step_count
    for name, w in t.worker.trainer.net.params.items():      # paused: the views show those exact weights
        np.testing.assert_array_equal(window.inspector.network.params[name], w)
    draw_bar(window)                                         # computed at once, on the UI's own copy
    assert window.inspector.trace is not None and window.inspector.trace[0].value[0].max() > 0.5
    qtbot.wait(200)
    assert t.worker.trainer.step_count == held
    t.panel.pause_button.click()
    qtbot.waitUntil(lambda: t.worker.trainer.step_count > held + 2, timeout=30000)
    t.panel.stop_button.click()
    qtbot.waitUntil(lambda: not t.is_running() and t.panel.state == "idle", timeout=30000)
    assert t.worker.done.reason == "stopped"
    assert "Stopped" in t.panel.message_label.text()
    for name, w in t.worker.trainer.net.params.items():      # stop keeps the weights trained so far
        np.testing.assert_array_equal(window.inspector.network.params[name], w)


def test_views_out_of_sight_wait_while_training_and_catch_up_when_shown(qtbot, window):
    draw_bar(window)
    pooling = window.panels["pooling"].widget()
    assert is_hidden(pooling)                                # behind the Filters tab (moved off screen)
    before = pooling.input_image.image.copy()
    t = start_long_run(qtbot, window)
    assert window.inspector.live
    qtbot.waitUntil(lambda: t.snapshots_applied >= 5, timeout=30000)
    t.panel.pause_button.click()
    qtbot.waitUntil(lambda: t.panel.state == "paused", timeout=30000)
    assert not window.inspector.live
    np.testing.assert_array_equal(pooling.input_image.image, before)     # no redraw while out of sight
    window.panels["pooling"].raise_()

    def caught_up():
        if pooling.pool_index is None:
            return False
        shown = window.inspector.value(pooling.pool_index - 1)[pooling.channel]
        return np.array_equal(pooling.input_image.image, shown)
    qtbot.waitUntil(caught_up, timeout=5000)                  # the current trace as soon as it is shown
    t.stop()
    qtbot.waitUntil(lambda: not t.is_running(), timeout=30000)


def test_learning_rate_edited_in_the_panel_reaches_the_running_worker(qtbot, window):
    t = start_long_run(qtbot, window)
    t.panel.lr_spin.setValue(0.02)
    qtbot.waitUntil(lambda: t.worker.trainer.opt.lr == 0.02, timeout=30000)
    qtbot.waitUntil(lambda: t.curves.data.steps.last("lr") == 0.02, timeout=30000)
    t.stop()
    qtbot.waitUntil(lambda: not t.is_running(), timeout=30000)


def test_closing_the_window_mid_training_ends_the_worker(qtbot, window):
    t = start_long_run(qtbot, window)
    worker = t.worker
    window.close()
    assert not worker.is_running() and worker.thread is not None and not worker.thread.is_alive()
    assert worker.done.reason == "stopped"


def gated_evaluation(monkeypatch):
    """Make the next run's end-of-epoch evaluation long (one image per batch: 250 batches)
    and hold it at its first batch until a stop is asked for; returns the gates (one per run)."""
    gates = []
    original = controller_module.prepare

    def prepare(*args, **kwargs):
        trainer = original(*args, **kwargs)
        trainer.cfg.eval_batch = 1
        gates.append(EvalGate(trainer))
        return trainer
    monkeypatch.setattr(controller_module, "prepare", prepare)
    return gates


def test_closing_the_window_during_the_end_of_epoch_evaluation_stops_the_worker_at_once(
        qtbot, window, monkeypatch, tmp_path):
    gates = gated_evaluation(monkeypatch)
    t = window.training
    t.panel.train_button.click()
    qtbot.waitUntil(lambda: bool(gates) and gates[0].evaluating.is_set(), timeout=30000)
    worker = t.worker
    window.close()
    assert not worker.thread.is_alive()             # close returned with the thread ended...
    assert gates[0].batches <= 3                    # ... within a batch of the evaluation, not 250
    assert worker.done.reason == "stopped"
    assert not (tmp_path / "checkpoints").exists() or not list((tmp_path / "checkpoints").iterdir())


def test_stop_during_the_end_of_epoch_evaluation_ends_the_run_at_once(qtbot, window, monkeypatch):
    gates = gated_evaluation(monkeypatch)
    t = window.training
    t.panel.train_button.click()
    qtbot.waitUntil(lambda: bool(gates) and gates[0].evaluating.is_set(), timeout=30000)
    t.panel.stop_button.click()
    qtbot.waitUntil(lambda: t.panel.state == "idle", timeout=30000)
    assert gates[0].batches <= 3 and t.worker.done.reason == "stopped"
    assert "Stopped" in t.panel.message_label.text()
    for name, w in t.worker.trainer.net.params.items():      # the weights of the last step are shown
        np.testing.assert_array_equal(window.inspector.network.params[name], w)


class SlowServer(FileServer):
    """Sends each file in 8 KB pieces 20 ms apart: a download that takes seconds."""

    def respond(self, handler):
        body = self.files.get(handler.path.lstrip("/"))
        if body is None:
            handler.send_error(404)
            return
        handler.send_response(200)
        handler.send_header("Content-Length", str(len(body)))
        handler.end_headers()
        try:
            for i in range(0, len(body), 8192):
                handler.wfile.write(body[i:i + 8192])
                handler.wfile.flush()
                time.sleep(0.02)
        except OSError:                               # the client hung up: cancelled
            pass


def test_a_download_shows_progress_and_cancel_at_the_top_and_cancel_stops_it(qtbot, window, tmp_path,
                                                                             monkeypatch):
    mnist = REGISTRY["mnist"]
    server = SlowServer()
    for f in mnist.download_files("train") + mnist.download_files("test"):
        server.files[f"mnist/{f.filename}"] = bytes(1_000_000)
    monkeypatch.setitem(REGISTRY, "mnist", replace(mnist, mirrors=(server.url("mnist/"),)))
    try:
        t, p = window.training, window.training.panel
        t.set_data_dir(tmp_path / "empty")
        before = window.inspector.network
        p.train_button.click()
        qtbot.waitUntil(lambda: p.load_bar.maximum() > 0 and p.load_bar.value() > 0, timeout=20000)
        assert p.state == "loading" and "Downloading train-images-idx3-ubyte.gz" in p.message_label.text()
        # progress and Cancel are on screen, up with the run controls (not in the settings below)
        settings = p.findChild(QScrollArea)
        for w in (p.load_bar, p.cancel_button, p.message_label):
            assert w.isVisible() and not w.visibleRegion().isEmpty()
            assert w.mapTo(p, QPoint(0, w.height())).y() <= settings.y()
        assert p.cancel_button.isEnabled()
        p.cancel_button.click()
        qtbot.waitUntil(lambda: p.state == "idle", timeout=20000)
        assert p.message_label.text() == "Loading cancelled." and not p.load_row.isVisible()
        assert t.worker is None and window.inspector.network is before
        assert not (tmp_path / "empty" / "mnist" / "train-images-idx3-ubyte.gz").exists()
        assert t.source.loader.wait(5)
        assert p.train_button.isEnabled()
    finally:
        server.close()


def test_a_diverging_run_shows_the_error_and_finite_weights(qtbot, window):
    p = window.training.panel
    p.optimizer_box.setCurrentIndex(p.optimizer_box.findData("sgd"))
    p.lr_spin.setValue(1e30)
    t = train(qtbot, window)
    assert t.worker.done.reason == "diverged"
    assert "diverged" in p.message_label.text() and "learning rate" in p.message_label.text()
    assert window.error_box is not None and window.error_box.isVisible()
    assert "diverged" in window.statusBar().currentMessage()
    assert all(np.isfinite(w).all() for w in window.inspector.network.params.values())
    window.error_box.close()


def test_a_missing_data_set_shows_the_data_message_and_keeps_the_model(qtbot, window, tmp_path):
    before = window.inspector.network
    t = window.training
    t.set_data_dir(tmp_path / "empty")
    assert "not on this computer yet" in t.panel.files_label.text()
    assert not t.panel.files_label.property("problem")
    t.panel.download_check.setChecked(False)
    assert "missing" in t.panel.files_label.text() and t.panel.files_label.property("problem")
    t.panel.train_button.click()
    qtbot.waitUntil(lambda: t.panel.state == "idle" and bool(t.panel.message_label.text()), timeout=30000)
    assert "not found" in t.panel.message_label.text() and "Downloading is switched off" in \
        t.panel.message_label.text()
    assert window.inspector.network is before and t.worker is None


def test_probe_a_test_image_instead_of_the_drawing(qtbot, window):
    t = window.training
    t.panel.probe_box.setCurrentIndex(t.panel.probe_box.findData(PROBE_TEST))
    t.panel.probe_spin.setValue(3)
    qtbot.waitUntil(lambda: t.panel.state == "idle" and window.inspector.input is not None, timeout=30000)
    expected = t.source.data.x_test[3, 0] / 255.0
    np.testing.assert_allclose(window.inspector.input[0], expected)
    assert window.inspector.source.kind == "test"
    train(qtbot, window)                                     # the run traces the test image
    np.testing.assert_allclose(window.inspector.trace[0].value[0, 0], expected, atol=1e-6)
    assert window.inspector.source.kind == "test"


def test_edit_layers_trains_the_edited_architecture(qtbot, window):
    t = window.training
    t.panel.edit_button.click()
    dialog = t.arch_dialog
    assert dialog is not None and dialog.isVisible()
    spec = dialog.spec()
    spec["name"] = "narrow"
    spec["layers"][0]["filters"] = 6
    from cnnviz.gui.training.archedit import format_spec
    dialog.editor.setPlainText(format_spec(spec))
    assert dialog.check()
    dialog.accept()
    assert t.panel.custom_spec["name"] == "narrow"
    t.panel.epochs_spin.setValue(1)
    train(qtbot, window)
    assert window.inspector.network.name == "narrow"
    assert window.inspector.network.params["conv1.W"].shape[0] == 6
    assert t.worker.done.reason == "completed"


def test_quick_start_trains_the_fast_recipe_with_its_schedule(qtbot, window):
    t = window.training
    t.panel.quick_button.click()
    qtbot.waitUntil(lambda: t.worker is not None, timeout=30000)
    recipe = t.worker.recipe
    assert recipe.arch == "bn-conv" and recipe.schedule == "one-cycle" and recipe.label_smoothing == 0.1
    assert recipe.augment and recipe.epochs == 4 and recipe.dataset == "mnist"
    assert not t.panel.lr_spin.isEnabled()              # the schedule sets the rate: no typing over it
    qtbot.waitUntil(lambda: not t.is_running() and t.panel.state == "idle", timeout=60000)
    assert t.worker.done.reason == "completed" and window.inspector.network.name == "bn-conv"
    lrs = t.curves.data.steps.view("lr")
    assert lrs.max() > 5 * lrs[0] and lrs[-1] < lrs.max() / 5    # up, then down: one cycle
    assert t.panel.lr_spin.isEnabled()
