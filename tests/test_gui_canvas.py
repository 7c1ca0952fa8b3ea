"""The drawing surface: mouse/pen strokes, undo, clear, images, and the live prediction."""
import numpy as np
import pytest
from PyQt5.QtCore import QEvent, QPoint, QPointF, Qt
from PyQt5.QtGui import QImage, QTabletEvent
from PyQt5.QtWidgets import QApplication

from cnnviz.gui.widgets.canvas import DrawingCanvas
from cnnviz.gui.widgets.paper import PAPER_SIDE
from cnnviz.gui.model.inspector import Inspector
from cnnviz.gui.model.livepredict import LivePredictor
from cnnviz.gui.model.modelchoice import untrained_model
from cnnviz.gui.widgets.preview import InputPreview
from cnnviz.gui.widgets.qimage import input_to_qimage
from cnnviz.gui.tools.synthstroke import digit_path, draw_with_mouse, mouse_event


@pytest.fixture
def canvas(qtbot):
    c = DrawingCanvas()
    qtbot.addWidget(c)
    c.resize(300, 300)
    c.show()
    qtbot.waitExposed(c)
    return c


def ink_pixels(canvas) -> int:
    return int((canvas.to_array() < 128).sum())


def test_blank_canvas_is_white_and_blank(canvas):
    arr = canvas.to_array()
    assert arr.shape == (PAPER_SIDE, PAPER_SIDE) and arr.dtype == np.uint8
    assert arr.min() == 255          # the "Draw here" hint is only on screen, never in the picture
    assert canvas.is_blank() and not canvas.can_undo()


def test_mouse_stroke_draws_ink_where_the_mouse_went(canvas, qtbot):
    finals = []
    canvas.contentChanged.connect(finals.append)
    draw_with_mouse(canvas, [(40, 140), (140, 140), (240, 140)])
    assert finals[-1] is True and False in finals      # live updates, then the finished stroke
    assert len(canvas.strokes()) == 1 and not canvas.is_blank()
    arr = canvas.to_array()
    assert arr[140, 60:220].max() < 64                  # the line is inked along its path
    assert arr[40, :].min() == 255 and arr[240, :].min() == 255
    # round caps: the ink reaches past the end points by about half the brush width
    assert arr[140, 40 - int(canvas.brush_size() / 2) + 3] < 128
    assert arr[140, 12] == 255


def test_mouse_move_without_button_does_not_draw(canvas):
    QApplication.sendEvent(canvas, mouse_event(QEvent.MouseMove, canvas, QPointF(100, 100), held=False))
    assert canvas.is_blank()


def test_brush_size_changes_the_stroke_width(canvas):
    canvas.set_brush_size(8)
    draw_with_mouse(canvas, [(40, 100), (240, 100)])
    thin = ink_pixels(canvas)
    canvas.clear()
    canvas.set_brush_size(40)
    draw_with_mouse(canvas, [(40, 100), (240, 100)])
    assert ink_pixels(canvas) > 3 * thin


def test_undo_per_stroke_and_clear_is_undoable(canvas):
    draw_with_mouse(canvas, [(50, 50), (200, 60)])
    one = canvas.to_array()
    draw_with_mouse(canvas, [(60, 200), (220, 210)])
    assert len(canvas.strokes()) == 2
    assert canvas.undo() is True
    assert len(canvas.strokes()) == 1 and np.array_equal(canvas.to_array(), one)
    canvas.clear()
    assert canvas.is_blank()
    assert canvas.undo() is True                         # clear taken back
    assert np.array_equal(canvas.to_array(), one)
    assert canvas.undo() and canvas.is_blank()
    assert canvas.undo() is False


def test_tablet_pen_pressure_sets_the_width(canvas):
    def pen(kind, x, y, pressure):
        pos = QPointF(canvas.paper_to_widget(QPointF(x, y)))
        ev = QTabletEvent(kind, pos, QPointF(canvas.mapToGlobal(pos.toPoint())), QTabletEvent.Stylus,
                          QTabletEvent.Pen, pressure, 0, 0, 0.0, 0.0, 0, Qt.NoModifier, 1,
                          Qt.LeftButton, Qt.LeftButton if kind != QEvent.TabletRelease else Qt.NoButton)
        QApplication.sendEvent(canvas, ev)
        return ev.isAccepted()

    def stroke(y, pressure):
        assert pen(QEvent.TabletPress, 40, y, pressure)
        for x in range(50, 241, 10):
            pen(QEvent.TabletMove, x, y, pressure)
        pen(QEvent.TabletRelease, 240, y, pressure)

    stroke(80, 0.1)
    light = ink_pixels(canvas)
    stroke(200, 1.0)
    heavy = ink_pixels(canvas) - light
    assert len(canvas.strokes()) == 2
    assert canvas.strokes()[0].points[1][2] == pytest.approx(0.1)
    assert heavy > 1.8 * light


def test_image_becomes_the_paper_and_is_undoable(canvas):
    img = QImage(28, 28, QImage.Format_Grayscale8)
    img.fill(0)                                          # an MNIST-like black image
    canvas.set_image(img)
    arr = canvas.to_array()
    assert not canvas.is_blank() and arr.shape[0] >= PAPER_SIDE and arr.max() == 0
    draw_with_mouse(canvas, [(50, 50), (150, 150)])      # ink is white on dark paper
    assert canvas.to_array().max() == 255
    canvas.undo()
    canvas.undo()
    assert canvas.is_blank()


def test_live_prediction_follows_the_canvas(canvas, qtbot):
    model = untrained_model("simple")
    inspector = Inspector(model.network, model.class_names, model.meta)
    predictor = LivePredictor(canvas, inspector)
    assert inspector.input is None
    draw_with_mouse(canvas, digit_path("7"))
    assert predictor.shown_revision == canvas.revision   # the release updates at once
    assert inspector.input.shape == (1, 28, 28) and inspector.trace is not None
    assert inspector.input.max() == pytest.approx(1.0) and predictor.info.inverted
    canvas.clear()
    assert inspector.input is None and inspector.trace is None


def test_live_updates_while_drawing_are_throttled_not_lost(canvas, qtbot):
    model = untrained_model("simple")
    inspector = Inspector(model.network, model.class_names, model.meta)
    predictor = LivePredictor(canvas, inspector)
    path = [canvas.paper_to_widget(QPointF(x, y)) for x, y in digit_path("3")]
    QApplication.sendEvent(canvas, mouse_event(QEvent.MouseButtonPress, canvas, path[0], True))
    for p in path[1:40]:
        QApplication.sendEvent(canvas, mouse_event(QEvent.MouseMove, canvas, p, True))
    assert canvas.is_drawing() and predictor.pending()   # coalesced into one timer
    qtbot.waitUntil(lambda: predictor.shown_revision == canvas.revision, timeout=2000)
    assert inspector.trace is not None and len(predictor.history) < 40


def test_preview_shows_input_pixels_nearest_neighbour(qtbot):
    x = np.zeros((1, 28, 28), np.float32)
    x[0, 3, 5] = 1.0
    img = input_to_qimage(x)
    assert (img.width(), img.height()) == (28, 28) and QImage(img).pixelColor(5, 3).value() == 255
    preview = InputPreview()
    qtbot.addWidget(preview)
    preview.resize(200, 200)
    preview.set_input(x)
    shot = preview.grab().toImage()
    r = preview.target_rect()
    cell = r.width() / 28
    assert cell == int(cell) and cell >= 6                # whole pixels per input pixel
    inside = QPoint(int(r.left() + 5 * cell + cell / 2), int(r.top() + 3 * cell + cell / 2))
    assert shot.pixelColor(inside).value() == 255
    assert shot.pixelColor(QPoint(int(r.left() + 7 * cell + 2), int(r.top() + 3 * cell + 2))).value() < 60
    rgb = input_to_qimage(np.random.default_rng(0).random((3, 32, 32), dtype=np.float32))
    assert rgb.format() == QImage.Format_RGB888
