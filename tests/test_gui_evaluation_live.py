"""The Evaluation panel in the real window: fed after each training epoch, a picked image
followed by the training run, the drawing's marker moving on the map while drawing."""
import numpy as np
import pytest
from PyQt5.QtCore import QEvent, QPointF, Qt
from PyQt5.QtTest import QTest
from PyQt5.QtWidgets import QApplication

from cnnviz.gui.tools.synthstroke import digit_path, mouse_event
from cnnviz.gui.training.panel import PROBE_DRAWING, PROBE_TEST

from html import escape

from test_gui_training import STEPS_PER_EPOCH, start_long_run, train


@pytest.fixture
def window(training_window):
    return training_window


def show_evaluation(qtbot, window):
    window.panels["evaluation"].show()
    window.panels["evaluation"].raise_()
    qtbot.waitUntil(lambda: not window.panels["evaluation"].visibleRegion().isEmpty(), timeout=3000)
    return window.evaluation


def test_every_epoch_is_evaluated_while_the_panel_is_open(qtbot, window):
    panel = show_evaluation(qtbot, window)
    epochs = []
    window.training.epochDone.connect(lambda record: epochs.append(record["epoch"]))
    train(qtbot, window)
    assert epochs == [1, 2]
    qtbot.waitUntil(lambda: panel.result is not None and "epoch 2" in panel.result.weights, timeout=30000)
    result = panel.result
    assert result.dataset == "mnist" and result.evaluation.n_images == 50
    assert f"step {result.step:,}" in result.weights and escape(result.weights) in panel.summary.text()
    assert window.inspector.filter_flags is not None


def test_a_hidden_panel_waits_and_catches_up_with_the_last_epoch(qtbot, window):
    panel = window.evaluation
    assert not window.panels["evaluation"].isVisible()          # closed until asked for
    train(qtbot, window)
    qtbot.wait(100)
    assert panel.result is None and not panel.runner.running       # nobody could see it: no evaluation
    show_evaluation(qtbot, window)
    qtbot.waitUntil(lambda: panel.result is not None, timeout=30000)
    assert panel.result.weights == f"the weights at the end of epoch 2 (step {2 * STEPS_PER_EPOCH})"


def test_a_mistake_picked_during_training_becomes_the_runs_probe(qtbot, window):
    panel = show_evaluation(qtbot, window)
    t = start_long_run(qtbot, window)
    panel.evaluate_button.click()
    qtbot.waitUntil(lambda: panel.result is not None, timeout=30000)
    panel.show_tab("mistakes")
    assert panel.gallery.list.count() > 0
    first = panel.gallery.shown[0]
    item = panel.gallery.list.item(0)
    QTest.mouseClick(panel.gallery.list.viewport(), Qt.LeftButton,
                     pos=panel.gallery.list.visualItemRect(item).center())
    ins = window.inspector
    expected = panel.result.images[first.index, 0] / 255.0

    def traced():
        trace = ins.trace
        return (trace is not None and ins.source.index == first.index
                and np.allclose(trace[0].value[0, 0], expected, atol=1e-6))
    qtbot.waitUntil(traced, timeout=20000)
    assert t.panel.probe() == (PROBE_TEST, first.index)            # the Training panel names it too
    applied = t.snapshots_applied
    qtbot.waitUntil(lambda: t.snapshots_applied >= applied + 3, timeout=20000)
    assert traced() and ins.source.label.startswith(f"test #{first.index:,} (a")
    draw_stroke(window, "1", held_at_end=False)                       # drawing takes the views back
    qtbot.waitUntil(lambda: ins.source.is_drawing, timeout=20000)
    assert t.panel.probe()[0] == PROBE_DRAWING
    t.stop()
    qtbot.waitUntil(lambda: not t.is_running(), timeout=30000)


def draw_stroke(window, digit, upto=None, held_at_end=True):
    """Press, move along ``digit``'s path (its first ``upto`` points), release unless ``held_at_end``."""
    canvas = window.canvas
    side = min(canvas.paper_size().width(), canvas.paper_size().height())
    points = [canvas.paper_to_widget(QPointF(x, y)) for x, y in digit_path(digit, side)][:upto]
    app = QApplication.instance()
    app.sendEvent(canvas, mouse_event(QEvent.MouseButtonPress, canvas, points[0], True))
    for p in points[1:]:
        app.sendEvent(canvas, mouse_event(QEvent.MouseMove, canvas, p, True))
    if not held_at_end:
        app.sendEvent(canvas, mouse_event(QEvent.MouseButtonRelease, canvas, points[-1], False))


def test_the_drawing_marker_moves_while_drawing(qtbot, window):
    panel = show_evaluation(qtbot, window)
    panel.evaluate_button.click()
    qtbot.waitUntil(lambda: panel.result is not None, timeout=30000)
    panel.show_tab("map")
    assert panel.map.marker_position is None
    draw_stroke(window, "7", upto=25)                  # the button still held: a stroke under way
    qtbot.waitUntil(lambda: panel.map.marker_position is not None, timeout=5000)
    during = panel.map.marker_position
    canvas = window.canvas
    side = min(canvas.paper_size().width(), canvas.paper_size().height())
    path = [canvas.paper_to_widget(QPointF(x, y)) for x, y in digit_path("7", side)]
    app = QApplication.instance()
    for p in path[25:]:
        app.sendEvent(canvas, mouse_event(QEvent.MouseMove, canvas, p, True))
    app.sendEvent(canvas, mouse_event(QEvent.MouseButtonRelease, canvas, path[-1], False))
    qtbot.waitUntil(lambda: not np.allclose(panel.map.marker_position, during), timeout=5000)
    assert panel.map.marker_label.toPlainText() == "★ your drawing"
