"""Everything the window says is true of what it shows, and no setting changes by accident.

Each test drives the real window (see test_gui_training's fixture: a tiny MNIST-like data set).
"""
import numpy as np
import pytest
from PyQt5.QtCore import QPoint, QPointF, Qt
from PyQt5.QtGui import QImage, QWheelEvent
from PyQt5.QtWidgets import QApplication, QMessageBox

from cnnviz.gui.training.panel import PROBE_DRAWING, PROBE_TEST
from cnnviz.gui.training.progress import LOADING_TEXT

from test_gui_training import draw_bar, draw_shape, start_long_run, train


@pytest.fixture
def window(training_window):
    return training_window


def draw_disc(window):
    """A ring: a drawing unlike the bar (another image for the views)."""
    draw_shape(window, lambda painter: painter.drawEllipse(70, 50, 140, 180))


def prediction(window):
    return window.draw_panel.prediction.text()


def show_test_image(qtbot, window, index=0):
    t = window.training
    t.panel.probe_spin.setValue(index)
    t.panel.probe_box.setCurrentIndex(t.panel.probe_box.findData(PROBE_TEST))
    qtbot.waitUntil(lambda: window.inspector.source.kind == "test", timeout=30000)


# 1 -------------------------------------------------------------------------------------
def test_the_prediction_names_the_test_image_it_describes_and_drawing_goes_back_to_the_drawing(qtbot, window):
    show_test_image(qtbot, window)
    label = window.training.source.data.class_names[int(window.training.source.data.y_test[0])]
    assert prediction(window).startswith(f"test image #0 (a {label}): ")
    assert "not your drawing" in window.draw_panel.prediction.detail()
    assert window.panels["probabilities"].widget().source_label.isVisible()
    draw_bar(window)                                     # the user draws: the views follow the drawing
    assert window.training.panel.probe()[0] == PROBE_DRAWING
    assert window.inspector.source.is_drawing and prediction(window).startswith("prediction: ")
    np.testing.assert_array_equal(window.inspector.input, window.inspector.drawing_input)
    assert "follow your drawing again" in window.training.panel.message_label.text()
    assert not window.panels["probabilities"].widget().source_label.isVisible()


# 2 -------------------------------------------------------------------------------------
def test_scrubbing_the_time_lapse_says_so_everywhere_and_preview_and_prediction_agree(qtbot, window):
    draw_bar(window)
    t = train(qtbot, window)
    assert len(t.timelapse) >= 2
    draw_disc(window)                                    # the canvas now shows another drawing
    now_input = window.inspector.input.copy()
    tv = t.timelapse_view
    tv.show_frame(0)
    ins = window.inspector
    frame = t.timelapse.frames[0]
    assert ins.showing_past and ins.source.kind == "past" and ins.source.step == frame.step
    shown = window.draw_panel.preview.image()                       # the preview shows the past input...
    past_input = ins.trace[0].value[0]
    assert not np.allclose(past_input, now_input)
    assert (shown.width(), shown.height()) == past_input.shape[2:0:-1]
    assert prediction(window).startswith(f"step {frame.step:,} (time-lapse): ")   # ...and so does the answer
    badge = "(time-lapse)"
    views = {key: window.panels[key].widget() for key in ("featuremaps", "pooling", "strip", "probabilities")}
    assert badge in window.draw_panel.preview_title.text()
    for key in ("featuremaps", "pooling"):
        window.panels[key].raise_()                      # on screen: hidden views redraw when shown
        QApplication.processEvents()
        assert views[key].title.text().count(badge) == 1, key
    views["strip"].refresh()
    assert badge in views["strip"].hint.text() and views["strip"].hint.isVisible()
    assert badge in views["probabilities"].source_label.text()
    window.panels["filters"].raise_()
    QApplication.processEvents()
    assert "today's weights" in window.panels["filters"].widget().title.text()
    tv.back_to_live()
    assert ins.source.is_drawing and prediction(window).startswith("prediction: ")
    np.testing.assert_allclose(ins.input, now_input)
    assert "today's weights" not in window.panels["filters"].widget().title.text()


# 3 -------------------------------------------------------------------------------------
def wheel(widget, notches=-1) -> bool:
    """Turn the wheel over ``widget``; True when the widget took the event (else Qt offers a
    real, spontaneous wheel event to its parents: the panel scrolls)."""
    pos = QPointF(widget.width() / 2, widget.height() / 2)
    event = QWheelEvent(pos, QPointF(widget.mapToGlobal(pos.toPoint())), QPoint(0, 0), QPoint(0, 120 * notches),
                        Qt.NoButton, Qt.NoModifier, Qt.NoScrollPhase, False)
    QApplication.sendEvent(widget, event)
    return event.isAccepted()


def test_the_mouse_wheel_changes_no_setting_it_merely_passes_over(qtbot, window):
    p = window.training.panel
    window.resize(1024, 700)
    QApplication.processEvents()
    boxes = (p.optimizer_box, p.epochs_spin, p.preset_box, p.lr_spin, p.batch_spin)
    before = [b.currentIndex() if hasattr(b, "currentIndex") else b.value() for b in boxes]
    for b in boxes:
        assert not wheel(b) and not wheel(b, 1) and not wheel(b, -1)       # left to the parents
    assert before == [b.currentIndex() if hasattr(b, "currentIndex") else b.value() for b in boxes]
    p.epochs_spin.setFocus()                             # focused (clicked or tabbed): the wheel works
    QApplication.processEvents()
    value = p.epochs_spin.value()
    wheel(p.epochs_spin, 1)
    assert p.epochs_spin.value() == value + 1


# 5 -------------------------------------------------------------------------------------
def test_the_loading_line_ends_when_the_data_set_is_loaded_without_training(qtbot, window):
    p = window.training.panel
    show_test_image(qtbot, window)
    qtbot.waitUntil(lambda: p.state == "idle", timeout=30000)
    assert p.progress_label.text() != LOADING_TEXT and "Getting the data set" not in p.progress_label.text()


# 6 -------------------------------------------------------------------------------------
def test_paused_says_one_step_number(qtbot, window):
    t = start_long_run(qtbot, window)
    t.panel.pause_button.click()
    qtbot.waitUntil(lambda: t.panel.state == "paused", timeout=30000)
    step = t.worker.step_offset + t.worker.trainer.step_count
    text = t.panel.progress_label.text() + "\n" + t.panel.message_label.text()
    numbers = {int(n.replace(",", "")) for n in __import__("re").findall(r"[Ss]tep ([\d,]+)", text)}
    assert numbers == {step} and "paused" in text
    t.stop()
    qtbot.waitUntil(lambda: not t.is_running(), timeout=30000)


# 9 -------------------------------------------------------------------------------------
def test_replacing_or_quitting_with_unsaved_training_asks_first(qtbot, window, app_questions, tmp_path):
    train(qtbot, window)
    trained = window.inspector.network
    app_questions.answer = QMessageBox.Cancel
    assert not window.new_preset("lenet5")
    assert window.inspector.network is trained and "not saved" in app_questions.asked[-1][1]
    window.close()
    assert window.isVisible() and "not saved" in app_questions.asked[-1][1]
    app_questions.answer = QMessageBox.Discard
    assert window.new_preset("lenet5")
    assert window.training.panel.preset() == "lenet5"          # the panel follows the model menu
    asked = len(app_questions.asked)
    assert window.new_preset("simple") and len(app_questions.asked) == asked    # nothing to lose: no question
    assert window.training.panel.preset() == "simple"
    train(qtbot, window)                                         # Train with "New network" replaces it too
    trained = window.inspector.network
    app_questions.answer = QMessageBox.Cancel
    window.training.panel.train_button.click()
    assert window.inspector.network is trained and "start a new network" in app_questions.asked[-1][1]


def test_quitting_while_training_asks_and_ends_fast_when_confirmed(qtbot, window, app_questions):
    import time
    t = start_long_run(qtbot, window)
    app_questions.answer = QMessageBox.Cancel
    window.close()
    assert window.isVisible() and t.is_running() and "Training is running" in app_questions.asked[-1][1]
    app_questions.answer = QMessageBox.Yes
    start = time.perf_counter()
    window.close()
    assert not window.isVisible() and not t.worker.is_running()
    assert time.perf_counter() - start < 2.0


# 10 ------------------------------------------------------------------------------------
def test_the_strip_says_its_numbers_in_words(qtbot, window):
    draw_bar(window)
    strip = window.panels["strip"].widget()
    strip.refresh()
    names = [e.name for e in window.inspector.entries()]
    tip = strip.list.item(names.index("relu1")).toolTip()
    assert "values range from" in tip and "are positive" in tip and "units that fire" in tip


# 7 -------------------------------------------------------------------------------------
def test_the_brush_outline_follows_the_pointer_and_is_never_part_of_the_picture(qtbot, window, tmp_path):
    canvas = window.canvas
    r = canvas.paper_rect()
    start = QPoint(int(r.left() + r.width() * 0.3), int(r.top() + r.height() * 0.3))
    end = QPoint(int(r.left() + r.width() * 0.7), int(r.top() + r.height() * 0.7))
    qtbot.mouseMove(canvas, start)
    qtbot.mousePress(canvas, Qt.LeftButton, pos=start)
    for k in range(1, 11):
        qtbot.mouseMove(canvas, start + (end - start) * k / 10, delay=1)
    qtbot.mouseRelease(canvas, Qt.LeftButton, pos=end)
    outline = canvas.brush_outline()
    assert outline is not None and outline.contains(QPointF(end)) and not outline.contains(QPointF(start))
    window.resize(window.width() - 60, window.height() - 40)            # the paper moves: no stale outline
    QApplication.processEvents()
    assert canvas.brush_outline() is None
    qtbot.mouseMove(canvas, end)
    assert canvas.brush_outline() is not None
    path = window.export_panel("drawing", tmp_path / "drawing.png")      # exported with the pointer over it
    exported = QImage(str(path))
    canvas.leaveEvent(None)                                              # the pointer gone: the bare drawing
    QApplication.processEvents()
    bare = window.draw_panel.grab().toImage().convertToFormat(exported.format())
    assert exported.size() == bare.size() and exported == bare


# 8 -------------------------------------------------------------------------------------
@pytest.mark.parametrize("size", [(1366, 768), (1024, 700)])
def test_small_screens_keep_the_settings_and_the_curves_readable(qtbot, window, size):
    from PyQt5.QtWidgets import QScrollArea
    window.docks.arrange_default()
    window.resize(*size)
    QApplication.processEvents()
    window.docks.size_default()
    QApplication.processEvents()
    p = window.training.panel
    settings = p.findChild(QScrollArea)
    # not a ~100 px peephole (the tab bar under Training, Collect and Why takes ~30 px of it)
    assert settings.viewport().height() >= 200
    folder = p.folder_button
    assert folder.width() >= folder.fontMetrics().horizontalAdvance(folder.text()) + 4   # "Local folder…" whole
    curves = window.training.curves
    plots = [curves.loss_plot, curves.acc_plot] + ([] if curves.compact else [curves.lr_plot])
    from PyQt5.QtGui import QFontMetrics
    spans = []                                                   # each plot's name, centred on its plot
    for plot in plots:
        axis = plot.getAxis("left")
        text = QFontMetrics(axis.label.font()).horizontalAdvance(axis.labelText)
        centre = plot.vb.mapRectToScene(plot.vb.boundingRect()).center().y()
        spans.append((centre - text / 2, centre + text / 2))
    for (_, upper_end), (lower_start, _) in zip(spans, spans[1:]):
        assert upper_end + 2 <= lower_start, spans                # the names never run into each other
    pooling = window.panels["pooling"].widget()
    assert pooling.readout.lines == 2                              # hover texts have two lines


def test_a_data_set_made_on_this_computer_is_not_called_missing(qtbot, window, tmp_path):
    t = window.training
    t.set_data_dir(tmp_path / "empty")
    t.panel.dataset_box.setCurrentIndex(t.panel.dataset_box.findData("letters"))
    text = t.panel.files_label.text()
    assert "not made yet" in text and "Train makes them" in text and "missing" not in text
    assert not t.panel.files_label.property("problem")


def test_a_batch_norm_network_shows_its_learned_statistics_too(qtbot, window):
    p = window.training.panel
    p.preset_box.setCurrentIndex(p.preset_box.findData("bn-conv"))
    draw_bar(window)
    t = train(qtbot, window)
    ins, net = window.inspector, t.worker.trainer.net
    assert net.state and set(ins.network.state) == set(net.state)
    for key, value in net.state.items():                      # the running mean and variance arrived
        np.testing.assert_array_equal(ins.network.state[key], value)
    assert not np.allclose(ins.network.state["bn1.var"], 1.0)
    np.testing.assert_allclose(ins.trace[-1].value, net.trace(ins.input[None])[-1].value, rtol=1e-5, atol=1e-6)


# 4 -------------------------------------------------------------------------------------
def test_a_learning_rate_too_high_stops_the_run_with_the_last_good_weights_in_words(qtbot, window, tmp_path):
    p = window.training.panel
    p.preset_box.setCurrentIndex(p.preset_box.findData("simple"))
    p.optimizer_box.setCurrentIndex(p.optimizer_box.findData("sgd"))
    p.lr_spin.setValue(0.05)
    t = start_long_run(qtbot, window, epochs=40)
    qtbot.waitUntil(lambda: len(t.curves.data.epochs) >= 2, timeout=60000)     # good epochs first
    p.lr_spin.setValue(500.0)                                                  # then far too high
    # the worker ends first; the window handles its end in a queued slot after that
    qtbot.waitUntil(lambda: not t.is_running() and t.panel.state == "idle", timeout=60000)
    done = t.worker.done
    assert done.reason == "diverged" and done.restored_step is not None
    text = p.message_label.text()
    assert "learning rate" in text and "last good" in text and "Train" in text
    assert window.error_box is not None and window.error_box.isVisible()
    for name, w in t.worker.trainer.net.params.items():        # the window shows the weights put back
        np.testing.assert_array_equal(window.inspector.network.params[name], w)
        assert np.isfinite(w).all()
    assert p.start_mode() == "continue"                        # going on starts from them
    latest = t.worker.checkpoint_path
    best = latest.with_name(f"{latest.stem}-best.npz")
    from cnnviz.modelio import load_model
    best_acc = load_model(best).test_accuracy
    assert best_acc >= max(e["test_accuracy"] for e in t.trainer.history.epochs) - 1e-12
    window.error_box.close()
