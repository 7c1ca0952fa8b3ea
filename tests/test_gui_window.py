"""The main window: drawing drives the prediction and every view; menus, files, layout, exports."""
import numpy as np
import pytest
from PyQt5.QtCore import QMimeData, QPoint, QPointF, QSettings, Qt, QUrl
from PyQt5.QtGui import QDragEnterEvent, QDragMoveEvent, QDropEvent, QImage
from PyQt5.QtWidgets import QApplication, QDockWidget, QMessageBox

from cnnviz.gui.widgets import theme
from cnnviz.gui.app.window import MainWindow
from cnnviz.gui.model.modelchoice import untrained_model
from cnnviz.gui.model.modeltext import about_text
from cnnviz.gui.widgets.classbars import format_probability
from cnnviz.gui.tools.synthstroke import draw_digit


@pytest.fixture
def settings(tmp_path):
    return QSettings(str(tmp_path / "settings.ini"), QSettings.IniFormat)


@pytest.fixture
def window(qtbot, settings):
    w = MainWindow(untrained_model("simple"), settings)
    qtbot.addWidget(w)
    w.resize(1200, 800)
    w.show()
    qtbot.waitExposed(w)
    yield w
    theme.apply_theme("light")


@pytest.fixture
def warnings(monkeypatch):
    """QMessageBox.warning calls, recorded instead of shown (a modal box would block the test)."""
    calls = []
    monkeypatch.setattr(QMessageBox, "warning", lambda parent, title, text, *a: calls.append((title, text)))
    return calls


def probabilities(window):
    return window.panels["probabilities"].widget().values()


def test_drawing_updates_prediction_probabilities_and_preview(window):
    label = window.draw_panel.prediction
    assert label.text() == "draw a digit" and probabilities(window).sum() == 0
    draw_digit(window.canvas, "7")
    p = window.inspector.probabilities()
    assert p is not None and p.sum() == pytest.approx(1.0, abs=1e-5)
    best = int(np.argmax(p))
    assert label.text() == f"prediction: {best} ({100 * p[best]:.1f}%)"
    assert np.allclose(probabilities(window), p)
    assert window.panels["probabilities"].widget().top_index() == best
    assert window.draw_panel.preview.image() is not None
    assert "untrained" in label.detail()


def test_undo_and_clear_actions_return_to_the_prompt(window):
    draw_digit(window.canvas, "3")
    assert window.inspector.trace is not None
    window.actions["undo"].trigger()
    assert window.inspector.trace is None and window.draw_panel.prediction.text() == "draw a digit"
    assert probabilities(window).sum() == 0 and window.draw_panel.preview.image() is None
    draw_digit(window.canvas, "3")
    draw_digit(window.canvas, "1")
    window.actions["clear"].trigger()
    assert window.canvas.is_blank() and window.inspector.trace is None
    assert not window.actions["clear"].isEnabled()


@pytest.mark.parametrize("focus", ["canvas", "featuremaps", "strip"])
def test_arrow_keys_step_layers_whatever_has_focus(window, qtbot, focus):
    draw_digit(window.canvas, "7")
    window.activateWindow()
    qtbot.waitActive(window)
    target = window.canvas if focus == "canvas" else window.panels[focus].widget()
    target.setFocus()
    names = [e.name for e in window.inspector.entries()]
    window.inspector.select(names.index("conv1"))
    fmaps = window.panels["featuremaps"].widget()
    conv_shape = fmaps.image.image.shape
    qtbot.keyClick(QApplication.focusWidget() or target, Qt.Key_Right)
    assert names[window.inspector.selected] == "relu1"
    qtbot.keyClick(QApplication.focusWidget() or target, Qt.Key_Right)
    assert names[window.inspector.selected] == "pool1"
    assert fmaps.image.image.shape != conv_shape            # 12x12 maps instead of 24x24
    qtbot.keyClick(QApplication.focusWidget() or target, Qt.Key_Left)
    assert names[window.inspector.selected] == "relu1"
    assert fmaps.image.image.shape == conv_shape


def test_layer_actions_move_the_selection_and_the_views(window):
    draw_digit(window.canvas, "7")
    window.inspector.select(0)
    filters = window.panels["filters"].widget()
    seen = []
    for _ in range(window.inspector.num_entries() + 2):
        seen.append(window.inspector.selected)
        window.actions["next_layer"].trigger()
    assert seen[:window.inspector.num_entries()] == list(range(window.inspector.num_entries()))
    assert window.inspector.selected == window.inspector.num_entries() - 1   # stops at softmax
    window.actions["prev_layer"].trigger()
    assert window.inspector.selected == window.inspector.num_entries() - 2
    assert filters.isVisibleTo(window)


def test_damaged_image_shows_an_error_and_keeps_the_drawing(window, tmp_path, warnings):
    draw_digit(window.canvas, "7")
    before = window.inspector.probabilities().copy()
    bad = tmp_path / "broken.png"
    bad.write_bytes(b"\x89PNG\r\n\x1a\n" + b"not really a png" * 20)
    assert window.open_image(bad) is False
    assert len(warnings) == 1 and "broken.png" in warnings[0][1]
    assert warnings[0][1] in window.statusBar().currentMessage()
    assert len(window.canvas.strokes()) == 1
    assert np.array_equal(window.inspector.probabilities(), before)


def test_open_image_and_drop_a_file_classify_it(window, tmp_path, qtbot, warnings):
    img = QImage(64, 64, QImage.Format_RGB32)
    img.fill(Qt.white)
    for y in range(12, 52):
        for x in range(28, 36):
            img.setPixel(x, y, 0xff000000)
    path = tmp_path / "one.png"
    assert img.save(str(path))
    assert window.open_image(path) is True
    assert not window.canvas.is_blank() and window.inspector.trace is not None
    window.canvas.clear()
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(path))])
    at = window.canvas.rect().center()
    for kind in (QDragEnterEvent, QDragMoveEvent, QDropEvent):     # what a real drag delivers
        event = kind(at, Qt.CopyAction, mime, Qt.LeftButton, Qt.NoModifier)
        QApplication.sendEvent(window.canvas, event)
        assert event.isAccepted()
    assert window.inspector.trace is not None and not warnings


def light_ink_on_transparent(path, side=300):
    """A PNG of a white '7' drawn on a fully transparent background (as exported by many
    drawing programs for dark themes)."""
    from PyQt5.QtGui import QPainter, QPen
    img = QImage(side, side, QImage.Format_ARGB32)
    img.fill(Qt.transparent)
    p = QPainter(img)
    p.setRenderHint(QPainter.Antialiasing)
    p.setPen(QPen(Qt.white, side / 12, Qt.SolidLine, Qt.RoundCap, Qt.RoundJoin))
    p.drawLine(int(side * 0.25), int(side * 0.2), int(side * 0.75), int(side * 0.2))
    p.drawLine(int(side * 0.75), int(side * 0.2), int(side * 0.4), int(side * 0.85))
    p.end()
    assert img.save(str(path))
    return path


def test_light_ink_on_transparent_gives_the_prediction_of_predict(window, tmp_path, warnings):
    from cnnviz.gui.imagefile import read_image
    from cnnviz.nn.loss import softmax
    from cnnviz.preprocess import preprocess
    path = light_ink_on_transparent(tmp_path / "white-seven.png")
    net = window.inspector.network
    expected = softmax(net.forward(preprocess(read_image(path), net.input_shape)[None]))[0]
    assert window.open_image(path) is True and not warnings
    p = window.inspector.probabilities()
    assert p is not None, "the app found the image empty"
    np.testing.assert_allclose(p, expected, atol=1e-4)
    assert window.draw_panel.prediction.text().startswith(f"prediction: {int(np.argmax(expected))} ")
    # shown as the user drew it: dark ink on light paper (the network reads light on dark)
    canvas = window.canvas
    shown = canvas.grab().toImage()
    ink = canvas.paper_to_widget(QPointF(150, 60))                 # on the top bar of the 7
    paper = canvas.paper_to_widget(QPointF(40, 250))
    assert shown.pixelColor(int(ink.x()), int(ink.y())).value() < 80
    assert shown.pixelColor(int(paper.x()), int(paper.y())).value() > 200
    # strokes drawn on it are shown dark too, and read like the image's ink
    before = canvas.to_array().copy()
    draw_digit(canvas, "1")
    assert canvas.to_array().max() == 255 and (canvas.to_array() > before).any()
    canvas.undo()
    canvas.undo()
    assert canvas.is_blank()


def test_paste_image_from_clipboard(window):
    img = QImage(40, 40, QImage.Format_RGB32)
    img.fill(Qt.black)
    for y in range(8, 32):
        img.setPixel(20, y, 0xffffffff)
        img.setPixel(21, y, 0xffffffff)
    QApplication.clipboard().setImage(img)
    assert window.paste() is True
    assert window.inspector.input is not None
    QApplication.clipboard().clear()
    window.canvas.clear()
    assert window.paste() is False and "no image" in window.statusBar().currentMessage()


def test_damaged_model_file_keeps_the_current_model_working(window, tmp_path, warnings):
    network = window.inspector.network
    bad = tmp_path / "damaged.npz"
    bad.write_bytes(b"PK\x03\x04" + bytes(range(256)) * 4)
    assert window.open_model(bad) is False
    assert len(warnings) == 1 and "damaged.npz" in warnings[0][1]
    assert window.inspector.network is network
    draw_digit(window.canvas, "7")                         # still classifying
    assert window.draw_panel.prediction.text().startswith("prediction:")


def test_save_then_reopen_model_gives_the_same_predictions(window, tmp_path, warnings):
    window.new_preset("two-conv")
    draw_digit(window.canvas, "3")
    before = window.inspector.probabilities().copy()
    path = tmp_path / "model.npz"
    assert window.save_model(path) is True and path.stat().st_size > 0
    window.new_preset("simple")
    assert window.inspector.network.name == "simple"
    assert window.open_model(path) is True and not warnings
    assert window.inspector.network.name == "two-conv"
    assert window.inspector.model_path == str(path)
    np.testing.assert_allclose(window.inspector.probabilities(), before, rtol=1e-5, atol=1e-7)
    assert "model.npz" in window.status_model.text() or "Untrained" in window.status_model.text()


def test_new_untrained_preset_from_the_menu(window, qtbot):
    draw_digit(window.canvas, "7")
    window.actions["preset:lenet5"].trigger()
    net = window.inspector.network
    assert net.name == "lenet5" and "untrained" in window.windowTitle()
    qtbot.waitUntil(lambda: window.inspector.trace is not None)
    assert len(window.inspector.trace) == window.inspector.num_entries()
    text = about_text(net, window.inspector.class_names, window.inspector.meta, window.inspector.model_path)
    assert net.summary() in text and "random initial weights" in text


def test_theme_switch_recolours_plots_and_is_remembered(window, settings):
    plot = window.panels["probabilities"].widget().plot
    window.set_theme("dark")
    assert plot.backgroundBrush().color().name() == theme.colors("dark")["plot_bg"]
    assert QApplication.palette().window().color().name() == theme.colors("dark")["window"]
    assert settings.value("theme") == "dark" and window.actions["theme_dark"].isChecked()
    window.set_theme("light")
    assert plot.backgroundBrush().color().name() == theme.colors("light")["plot_bg"]


def test_layout_is_remembered_and_can_be_reset(qtbot, window, settings):
    pooling = window.panels["pooling"]
    window.removeDockWidget(pooling)
    window.addDockWidget(Qt.LeftDockWidgetArea, pooling)
    pooling.show()
    window.close()                                         # saves geometry and dock state
    again = MainWindow(untrained_model("simple"), settings)
    qtbot.addWidget(again)
    assert again.dockWidgetArea(again.panels["pooling"]) == Qt.LeftDockWidgetArea
    again.actions["reset_layout"].trigger()
    assert again.dockWidgetArea(again.panels["pooling"]) == Qt.RightDockWidgetArea
    assert again.dockWidgetArea(again.panels["strip"]) == Qt.TopDockWidgetArea


@pytest.mark.parametrize("size", [(1024, 640), (1400, 900), (1920, 1080)])
def test_default_layout_fits_every_size(qtbot, settings, size):
    from PyQt5.QtWidgets import QPushButton, QTabBar
    w = MainWindow(untrained_model("simple"), settings)
    qtbot.addWidget(w)
    w.resize(*size)
    w.show()
    qtbot.waitExposed(w)
    draw_digit(w.canvas, "7")
    QApplication.processEvents()
    assert (w.width(), w.height()) == size                  # nothing forces the window larger
    on_screen = [d for d in w.panels.values() if d.isVisible() and not d.visibleRegion().isEmpty()]
    for dock in on_screen:                                   # no panel squeezed below what it needs
        need = dock.minimumSizeHint()
        assert dock.width() >= need.width() and dock.height() >= need.height(), dock.objectName()
    maps, filters = w.panels["featuremaps"], w.panels["filters"]
    assert maps.width() >= 0.33 * size[0]                    # the layer views get a real share
    assert filters.height() >= 0.4 * (maps.height() + filters.height())
    for bar in w.findChildren(QTabBar):                      # "Filters", not "Fi…"
        if bar.parent() is w and bar.isVisible():
            assert bar.elideMode() == Qt.ElideNone and not bar.usesScrollButtons()
            assert bar.width() >= bar.sizeHint().width() - 2
    for button in w.panels["training"].findChildren(QPushButton):
        if button.isVisible():                               # "Train", not "Trai"
            assert button.width() >= button.fontMetrics().horizontalAdvance(button.text()) + 4, button.text()
    label = w.draw_panel.prediction
    text, font = label._fitting_main()
    from PyQt5.QtGui import QFontMetrics
    assert QFontMetrics(font).horizontalAdvance(text) <= label.width()


def test_growing_the_window_gives_room_to_the_views_too(window):
    window.resize(1400, 900)
    QApplication.processEvents()
    maps, probs = window.panels["featuremaps"], window.panels["probabilities"]
    before = (maps.width(), probs.height(), window.canvas.width())
    window.resize(1920, 1080)
    QApplication.processEvents()
    assert maps.width() >= 1.25 * before[0]
    assert probs.height() >= 1.1 * before[1]
    assert window.canvas.width() <= 1.6 * before[2]


def test_status_messages_are_cut_before_the_model_label(window):
    bar = window.statusBar()
    long = "Untrained 'resnet-mini' network: random filters, guesses for answers. " * 3
    bar.showMessage(long, 5000)
    shown = bar.shown_message()
    assert shown.endswith("…") and len(shown) < len(long)
    room = bar.message_rect()
    assert room.right() + 8 < window.status_model.x()
    assert bar.fontMetrics().horizontalAdvance(shown) <= room.width()
    assert bar.toolTip() == long                            # the whole message on hover
    bar.showMessage("Saved.", 5000)
    assert bar.shown_message() == "Saved." and bar.toolTip() == ""


def test_add_panel_for_later_views(window):
    from PyQt5.QtWidgets import QLabel
    dock = window.add_panel("training", "Training", QLabel("loss curves"), Qt.BottomDockWidgetArea,
                            tabify_with="probabilities")
    assert isinstance(dock, QDockWidget) and dock.objectName() == "dock-training"
    assert "export:training" in window.actions
    window.removeDockWidget(dock)
    window.addDockWidget(Qt.TopDockWidgetArea, dock)
    window.reset_layout()
    assert window.dockWidgetArea(dock) == Qt.BottomDockWidgetArea
    assert dock in window.tabifiedDockWidgets(window.panels["probabilities"])


def test_export_window_and_panel_to_png(window, tmp_path):
    draw_digit(window.canvas, "7")
    out = window.export_window(tmp_path / "win.png")
    img = QImage(str(out))
    assert (img.width(), img.height()) == (window.width(), window.height())
    out = window.export_panel("featuremaps", tmp_path / "maps")
    assert out.suffix == ".png" and QImage(str(out)).width() == window.panels["featuremaps"].width()
    draw_area = QImage(str(window.export_panel("drawing", tmp_path / "draw.png")))
    # the drawn 7 is in the exported picture: black ink where the stroke's corner is
    canvas = window.canvas
    corner = max(canvas.strokes()[0].points, key=lambda p: p[0] - p[1])   # top right of the 7
    at = canvas.mapTo(window.draw_panel, canvas.paper_to_widget(QPointF(corner[0], corner[1])).toPoint())
    assert draw_area.pixelColor(at).value() < 40
    assert draw_area.pixelColor(canvas.mapTo(window.draw_panel, QPoint(canvas.width() // 2, 8))).value() > 200


def test_hovering_a_bar_reads_its_probability(window):
    draw_digit(window.canvas, "7")
    panel = window.panels["probabilities"].widget()
    p = window.inspector.probabilities()
    vb = panel.plot.getPlotItem().getViewBox()

    def at(i, v):                   # bars stand up in a wide panel and lie down in a narrow one
        return QPointF(i, v) if panel.plot.orientation == "vertical" else QPointF(v, i)
    panel._hover(vb.mapViewToScene(at(4, 0.05)))
    assert panel._hovered == 4
    assert panel.hover_text(4) == f"4: {format_probability(float(p[4]))}"
    panel._hover(vb.mapViewToScene(at(4.5, 0.05)))       # between two bars
    assert panel._hovered is None


def test_switching_to_fewer_classes_never_reads_a_stale_softmax(window, qtbot):
    from cnnviz.gui.model.modelchoice import ModelChoice
    from cnnviz.nn import Network, preset_spec
    letters = [chr(ord("A") + i) for i in range(26)]
    draw_digit(window.canvas, "7")
    window.set_model(ModelChoice(Network(preset_spec("simple", classes=26)), letters, {"untrained": True}))
    assert window.draw_panel.prediction.text().split()[1] in letters
    window.set_model(untrained_model("simple"))                # back to 10 digits
    assert window.draw_panel.prediction.text().split()[1] in "0123456789"
    assert len(probabilities(window)) == 10


def test_screenshots_are_written_with_the_expected_sizes(tmp_path):
    from cnnviz.gui.tools.screenshot import screenshot_report, take_screenshots
    paths = take_screenshots(tmp_path, size=(1100, 760), digit="3", themes=("light",))
    names = {p.name for p in paths}
    assert {"window.png", "panel-drawing.png", "panel-featuremaps.png", "panel-probabilities.png"} <= names
    for p in paths:
        img = QImage(str(p))
        assert not img.isNull() and p.stat().st_size > 1000
    assert (QImage(str(tmp_path / "window.png")).width(), QImage(str(tmp_path / "window.png")).height()) \
        == (1100, 760)
    report = screenshot_report(tmp_path / "r", size=(1050, 740), themes=("dark",))
    assert report["layer"] == "conv1" and report["label"].startswith("prediction:")
    assert [(f["width"], f["height"]) for f in report["files"] if f["path"].endswith("window.png")] \
        == [(1050, 740)]
    assert theme.current_theme() == "light"                 # the app's theme is left as it was


def test_draw_bench_reports_latencies(tmp_path):
    from cnnviz.gui.tools.drawbench import bench_draw
    report = bench_draw(presets=("simple",), strokes=1, size=(900, 640), startup=False)
    simple = report["presets"]["simple"]
    assert simple["events"] > 20 and simple["updates"] >= 1
    assert simple["latency_ms"]["n"] == simple["events"]      # every event reached the views
    assert 0 < simple["latency_ms"]["p50"] <= simple["latency_ms"]["p95"]
    assert set(simple["views_ms"]) >= {"featuremaps", "probabilities"}
