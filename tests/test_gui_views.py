"""The layer views: mosaic helper, colour maps, network strip, feature maps, filters, pooling.

Every test builds a real (untrained) network, runs a drawn digit through it
and checks what the views show: image shapes and levels on the ImageItems,
label text, what a hover or a click reports.
"""
import dataclasses
import gzip

import numpy as np
import pytest
from PyQt5.QtCore import QPoint, QPointF, Qt
from PyQt5.QtWidgets import QApplication

from cnnviz.gui.widgets import colormaps as cm
from cnnviz.gui.views.featuremaps import FeatureMapView
from cnnviz.gui.views.filters import MAX_CHANNELS, FilterView
from cnnviz.gui.model.inspector import Inspector
from cnnviz.gui.widgets.mosaic import Mosaic, grid_shape, tile
from cnnviz.gui.views.pooling import WEAK_FRACTION, PoolingView
from cnnviz.gui.views.strip import NetworkStrip
from cnnviz.nn import Network, preset_spec

CLASSES = [str(i) for i in range(10)]


def drawn_seven(shape=(1, 28, 28)) -> np.ndarray:
    """A '7' drawn with thick strokes, values in [0, 1], repeated over the channels."""
    c, h, w = shape
    img = np.zeros((h, w), np.float32)
    img[h // 5:h // 5 + 3, w // 4:3 * w // 4] = 1.0
    for r in range(h // 5, 4 * h // 5):
        col = 3 * w // 4 - (r - h // 5) // 2
        img[r, max(col - 2, 0):col + 1] = 1.0
    return np.repeat(img[None], c, axis=0)


def inspector_for(preset="simple", shape=(1, 28, 28), with_input=True, **options) -> Inspector:
    net = Network(preset_spec(preset, shape, 10, **options), seed=3)
    ins = Inspector(net, CLASSES)
    if with_input:
        ins.set_input(drawn_seven(shape))
    return ins


def index_of(ins, name) -> int:
    return [e.name for e in ins.entries()].index(name)


def show(qtbot, widget, size=(700, 500)):
    qtbot.addWidget(widget)
    widget.resize(*size)
    widget.show()
    qtbot.waitExposed(widget)
    return widget


def scene_point(item, x, y) -> QPointF:
    """Scene position of image pixel (x, y)'s centre (after pending layout and view-range updates)."""
    QApplication.processEvents()
    return item.mapToScene(QPointF(x + 0.5, y + 0.5))


def click(qtbot, graphics_view, scene_pos):
    pos = graphics_view.mapFromScene(scene_pos)
    qtbot.mouseClick(graphics_view.viewport(), Qt.LeftButton, pos=QPoint(pos.x(), pos.y()))


# -- mosaic and colour maps ---------------------------------------------------------
def test_tile_places_maps_with_nan_gaps_and_locates_pixels():
    maps = np.arange(5 * 2 * 3, dtype=np.float32).reshape(5, 2, 3)
    img, g = tile(maps, cols=3)
    assert img.shape == g.shape == (5, 11)
    assert (g.rows, g.cols) == (2, 3)
    np.testing.assert_array_equal(img[0:2, 4:7], maps[1])
    np.testing.assert_array_equal(img[3:5, 4:7], maps[4])
    assert np.isnan(img[2]).all() and np.isnan(img[:, 3]).all()       # gutters
    assert np.isnan(img[3:, 8:]).all()                                  # unused sixth tile
    assert g.locate(4, 6) == (4, 1, 2)
    assert g.locate(2, 0) is None and g.locate(3, 9) is None and g.locate(-1, 0) is None
    assert g.origin(4) == (3, 4)


def test_mosaic_reuses_its_buffer_and_supports_rgb_tiles():
    m = Mosaic(4, 3, 3, cols=2, extra=(3,))
    a = m.fill(np.ones((4, 3, 3, 3), np.float32))
    b = m.fill(np.zeros((4, 3, 3, 3), np.float32))
    assert a.shape == (7, 7, 3) and np.shares_memory(a, b)
    with pytest.raises(ValueError):
        m.fill(np.zeros((3, 3, 3, 3)))


def test_grid_shape_follows_the_view_aspect():
    assert grid_shape(30, 24, 24, 1, aspect=1.0) in ((5, 6), (6, 5))
    wide_rows, wide_cols = grid_shape(32, 28, 28, 1, aspect=3.0)
    tall_rows, tall_cols = grid_shape(32, 28, 28, 1, aspect=0.33)
    assert wide_cols > wide_rows and tall_rows > tall_cols


def test_colormaps_symmetric_levels_and_styles(qtbot):
    import pyqtgraph as pg
    item = pg.ImageItem()
    w = np.array([[-0.2, 0.05], [0.1, 0.0]], np.float32)
    assert cm.apply_symmetric(item, w) == pytest.approx((-0.2, 0.2))     # 0.2 is already round
    assert tuple(item.getLevels()) == pytest.approx((-0.2, 0.2))
    assert cm.symmetric_range(np.array([0.031, -0.047])) == pytest.approx((-0.05, 0.05))
    assert cm.symmetric_range(np.zeros(3)) == (-1.0, 1.0)
    cmap, levels = cm.activation_style("ReLU", np.array([0.0, 2.0]))
    assert cmap is cm.ACTIVATION and levels == (0.0, 2.0)
    cmap, levels = cm.activation_style("Conv2D", np.array([-3.0, 1.0]))
    assert cmap is cm.SIGNED_ACTIVATION and levels == (-3.0, 3.0)
    assert cm.activation_style("ReLU", np.array([-0.5, 0.2]))[1] == (-0.5, 0.5)     # negatives: signed
    assert cm.activation_style("Sigmoid", np.array([0.42, 0.61]))[1] == pytest.approx((0.4, 0.64))    # its own span
    assert cm.activation_style("Input", np.array([0.1, 0.7]))[1] == (0.0, 1.0)
    assert cm.activation_style("ReLU", np.zeros(0))[1] == (0.0, 1.0)
    for kind, v in (("ReLU", np.array([0.0, 2.0])), ("Conv2D", np.array([-3.0, 1.0])),
                    ("Sigmoid", np.array([0.42, 0.61])), ("Input", np.array([-0.2, 1.4]))):
        assert cm.activation_style(kind, v, cm.extent(v)) == cm.activation_style(kind, v)   # a known extent
    # The diverging activation map is black at 0 and its top half is the sequential map.
    lut = cm.SIGNED_ACTIVATION.getLookupTable(nPts=257, alpha=False)
    assert lut[128].max() < 10
    rgba = cm.to_rgba(np.array([[np.nan, 1.0]]), cm.ACTIVATION, (0, 1))
    assert rgba[0, 0, 3] == 0 and rgba[0, 1, 3] == 255


def test_colorbar_ticks_never_overlap_and_keep_the_ends(qtbot):
    import pyqtgraph as pg
    from PyQt5.QtGui import QFontMetrics
    from cnnviz.gui.widgets.colorbar import ColorBar, tick_values
    assert tick_values(-0.04, 0.04, 5) == pytest.approx([-0.04, -0.02, 0, 0.02, 0.04])
    assert tick_values(0, 1.2, 4) == pytest.approx([0, 0.4, 0.8, 1.2])
    assert tick_values(-2.5, 2.5, 4) == pytest.approx([-2.5, 0, 2.5])          # 0 always a tick
    widget = pg.GraphicsLayoutWidget()
    bar = ColorBar(cm.WEIGHTS)
    widget.addItem(bar)
    bar.setLevels((-0.04, 0.04))
    text = QFontMetrics(bar.axis.font()).height()
    for height in (60, 110, 400):
        show(qtbot, widget, (120, height))
        QApplication.processEvents()
        ticks = [v for v, _ in bar.axis._tickLevels[0]]
        length = bar.axis.geometry().height()
        spacing = length * (ticks[1] - ticks[0]) / 0.08
        assert ticks[0] == pytest.approx(-0.04) and ticks[-1] == pytest.approx(0.04)
        assert spacing >= 1.3 * text, (height, ticks)
    assert len(ticks) >= 5                                              # a tall bar gets more
    drawn = bar.axis.picture
    assert drawn is not None
    bar.setLevels((-0.04, 0.04))                      # the same levels (a stroke that kept them)
    assert bar.axis.picture is drawn                  # the axis is not drawn again
    bar.setLevels((-0.08, 0.08))
    QApplication.processEvents()
    assert [v for v, _ in bar.axis._tickLevels[0]][-1] == pytest.approx(0.08)


def test_class_chart_long_names_lie_on_their_side_and_labels_stay_inside(qtbot):
    from cnnviz.gui.views.probabilities import ProbabilityPanel
    fashion = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag",
               "Ankle boot"]
    for names, orientation in ((CLASSES, "vertical"), (fashion, "horizontal")):
        ins = Inspector(Network(preset_spec("simple", classes=len(names)), seed=3), names)
        panel = show(qtbot, ProbabilityPanel(ins), (313, 230))
        chart = panel.plot
        ins.set_input(drawn_seven())
        for top in (0, len(names) - 1):                                   # the winner at either end
            p = np.full(len(names), 0.01)
            p[top] = 1 - 0.01 * (len(names) - 1)
            ins.trace[-1].value[0] = p
            ins.traceChanged.emit()
            QApplication.processEvents()
            assert chart.orientation == orientation and chart.label_step == 1
            vb = chart.getPlotItem().getViewBox()
            margin = chart.top_text.textItem.document().documentMargin()        # around the glyphs
            label = chart.top_text.mapRectToScene(chart.top_text.boundingRect()).adjusted(
                margin, margin, -margin, -margin)
            assert vb.sceneBoundingRect().contains(label), (names[top], label, vb.sceneBoundingRect())
            assert chart.top_text.toPlainText() == "90.0%" or chart.top_text.toPlainText() == "91.0%"
        category = chart.getPlotItem().getAxis("bottom" if orientation == "vertical" else "left")
        value = chart.getPlotItem().getAxis("left" if orientation == "vertical" else "bottom")
        assert [s for _, s in category._tickLevels[0]] == names             # every name written
        assert (0.0, "0%") in value._tickLevels[0] and (1.0, "100%") in value._tickLevels[0]
        # the winner's colour is far from the others' (not orange beside yellow-orange)
        brushes = chart.bars.opts["brushes"]
        top_c, other_c = brushes[top].color(), brushes[0].color()
        assert abs(top_c.hslHue() - other_c.hslHue()) > 90 or abs(top_c.lightness() - other_c.lightness()) > 60


def test_class_chart_writes_every_kth_name_but_always_the_winner(qtbot):
    from cnnviz.gui.widgets.classbars import ClassBarChart
    chart = show(qtbot, ClassBarChart(), (200, 150))
    names = [f"class {i}" for i in range(40)]
    chart.set_classes(names)
    p = np.zeros(40)
    p[13] = 1.0
    chart.set_values(p)
    QApplication.processEvents()
    assert chart.label_step > 1
    axis = chart.getPlotItem().getAxis("bottom" if chart.orientation == "vertical" else "left")
    shown = [i for i, _ in axis._tickLevels[0]]
    assert 13 in shown and all(abs(i - 13) >= chart.label_step for i in shown if i != 13)
    vb = chart.getPlotItem().getViewBox()
    at = vb.mapViewToScene(QPointF(13, 0.5) if chart.orientation == "vertical" else QPointF(0.5, 13))
    assert chart.index_at(at) == 13                                   # the hover names every bar


def test_wrapped_titles_keep_the_height_of_their_text(qtbot):
    ins = inspector_for("simple")
    view = show(qtbot, FilterView(ins), (330, 260))
    ins.select(index_of(ins, "relu1"))                    # the longest title: "relu1 (ReLU) has no weights..."
    QApplication.processEvents()
    t = view.title
    t.setMinimumHeight(0)
    needed = t.heightForWidth(t.width())
    t._fitted = (-1, None)
    t._fit()
    QApplication.processEvents()
    assert t.height() >= needed > 2 * t.fontMetrics().lineSpacing()
    assert view.plot_widget.height() >= 80


# -- network strip ------------------------------------------------------------------
def test_strip_lists_the_forward_pass_and_selects_by_click_and_step(qtbot):
    ins = inspector_for("simple")
    strip = show(qtbot, NetworkStrip(ins), (380, 560))
    entries = ins.entries()
    assert strip.list.count() == len(entries)
    texts = [strip.list.item(i).text() for i in range(strip.list.count())]
    assert texts[0].startswith("input  Input → 1x28x28")
    assert texts[1].startswith("conv1  Conv2D → 30x24x24") and "5x5/1 pad 0" in texts[1]
    assert "% > 0" in texts[2]                                        # a statistic once traced
    assert texts[-1].startswith("softmax") and "predicts" in texts[-1]
    assert not strip.hint.isVisible()

    rect = strip.list.visualItemRect(strip.list.item(3))
    qtbot.mouseClick(strip.list.viewport(), Qt.LeftButton, pos=rect.center())
    assert ins.selected == 3 and strip.list.currentRow() == 3
    strip.step_forward()
    assert ins.selected == 4
    qtbot.mouseClick(strip.back_button, Qt.LeftButton)
    qtbot.mouseClick(strip.back_button, Qt.LeftButton)
    assert ins.selected == 2 and strip.list.currentRow() == 2
    ins.select(0)
    assert not strip.back_button.isEnabled()


def test_strip_reads_left_to_right_in_a_wide_dock(qtbot):
    from PyQt5.QtWidgets import QListView
    ins = inspector_for("simple")
    strip = show(qtbot, NetworkStrip(ins), (1200, 140))
    assert strip.orientation == Qt.Horizontal and strip.list.flow() == QListView.LeftToRight
    assert strip.list.item(1).text().split("\n")[:2] == ["conv1 → 30x24x24", "Conv2D 5x5/1 pad 0 · sees 5x5"]
    first, last = (strip.list.visualItemRect(strip.list.item(i)) for i in (0, 1))
    assert last.left() >= first.right() and last.top() == first.top()
    strip.resize(380, 560)
    QApplication.processEvents()
    assert strip.orientation == Qt.Vertical and strip.list.flow() == QListView.TopToBottom


def test_strip_without_input_and_after_a_network_switch(qtbot):
    ins = inspector_for("simple", with_input=False)
    strip = show(qtbot, NetworkStrip(ins), (380, 560))
    assert strip.hint.isVisible() and "Draw something" in strip.hint.text()
    assert "780 weights" in strip.list.item(1).text()                  # 30 * 25 + 30 biases
    ins.set_network(Network(preset_spec("resnet-mini"), seed=0), CLASSES)
    assert strip.list.count() == len(ins.entries())
    inner = strip.list.item(index_of(ins, "res1.res1_conva")).text()
    assert inner.startswith("  ↳ res1_conva  Conv2D")



def test_strip_entries_across_keep_their_places_while_the_input_changes(qtbot):
    """Across the top, an entry's width does not follow its numbers: the entries stay where
    they are stroke after stroke, and each has room for its lines."""
    ins = inspector_for("simple", with_input=False)
    strip = show(qtbot, NetworkStrip(ins), (1400, 140))
    assert strip.orientation == Qt.Horizontal
    rects = lambda: [strip.list.visualItemRect(strip.list.item(i)) for i in range(strip.list.count())]
    empty = rects()
    seen = []
    for scale in (1.0, 0.3, 1e-3):
        ins.set_input(drawn_seven() * scale)
        QApplication.processEvents()
        seen.append(rects())
    assert all(r == empty for r in seen)
    fm = strip.list.fontMetrics()
    for i, rect in enumerate(empty):
        lines = strip.list.item(i).text().split("\n")
        widest = max(fm.horizontalAdvance(line) for line in lines[:2])   # name and settings
        assert rect.width() >= widest + 40, (lines, rect)


def test_strip_thumbnails_out_of_view_are_drawn_when_scrolled_to(qtbot):
    """Only the thumbnails in (or next to) the strip's view are drawn at each update; one
    scrolled into view is then drawn from the same trace its text describes."""
    from PyQt5.QtGui import QColor
    ins = inspector_for("deep", with_input=False)
    strip = show(qtbot, NetworkStrip(ins), (1000, 140))
    last = strip.list.count() - 1                                   # the softmax entry, far right
    assert strip.orientation == Qt.Horizontal
    assert strip.thumbnail(last) is None                            # never in view: not drawn
    ins.set_input(drawn_seven())
    QApplication.processEvents()
    assert strip.thumbnail(last) is None
    assert strip.thumbnail(1) is not None                           # in view: drawn
    strip.list.scrollToItem(strip.list.item(last))
    qtbot.waitUntil(lambda: strip.thumbnail(last) is not None, timeout=2000)
    image = strip.thumbnail(last).toImage()
    gold = QColor("#d4a017").rgb()                                  # the answer's bar
    assert any(image.pixel(x, y) == gold for x in range(40) for y in range(40))
    top = int(np.argmax(ins.value(last)))
    assert f"predicts {CLASSES[top]}" in strip.list.item(last).text()

# -- feature maps -------------------------------------------------------------------
def test_feature_maps_mosaic_levels_and_hover(qtbot):
    ins = inspector_for("simple")
    view = show(qtbot, FeatureMapView(ins))
    ins.select(1)
    conv = ins.value(1)                                               # (30, 24, 24)
    g = view._mosaic.geometry
    assert view.image.image.shape == g.shape and g.count == 30 and (g.tile_h, g.tile_w) == (24, 24)
    m = cm.nice_ceil(np.abs(conv).max())
    assert tuple(view.image.getLevels()) == pytest.approx((-m, m))    # signed: symmetric, round
    assert view.colorbar.colorMap() is cm.SIGNED_ACTIVATION
    assert "30 maps of 24x24" in view.title.text()

    top, left = g.origin(5)
    view.maps_widget.scene().sigMouseMoved.emit(scene_point(view.image, left + 4, top + 3))
    text = view.readout.text()
    assert "map 5" in text and "row 3, col 4" in text and f"{conv[5, 3, 4]:.4g}" in text

    ins.step(1)                                                       # ReLU: non-negative map
    relu = ins.value(2)
    assert view.colorbar.colorMap() is cm.ACTIVATION
    assert tuple(view.image.getLevels()) == pytest.approx((0, cm.nice_ceil(relu.max())))


def test_feature_maps_click_enlarges_and_follows_the_channel(qtbot):
    ins = inspector_for("simple")
    view = show(qtbot, FeatureMapView(ins))
    ins.select(1)
    top, left = view._mosaic.geometry.origin(7)
    click(qtbot, view.maps_widget, scene_point(view.image, left + 10, top + 10))
    assert view.focused == 7 and ins.channel == 7
    assert view.image.image.shape == (24, 24)
    np.testing.assert_array_equal(view.image.image, ins.value(1)[7])
    assert view.back_button.isVisible() and "map 7" in view.title.text()
    ins.step(2)                                                       # pool1: same 30 channels
    assert view.focused == 7 and view.image.image.shape == (12, 12)
    qtbot.mouseClick(view.back_button, Qt.LeftButton)
    assert view.focused is None and view.image.image.shape == view._mosaic.geometry.shape


def test_feature_maps_per_map_levels(qtbot):
    ins = inspector_for("simple")
    view = show(qtbot, FeatureMapView(ins))
    ins.select(2)
    view.set_levels_mode("per-map")
    img = view.image.image
    assert tuple(view.image.getLevels()) == (0.0, 1.0)
    assert np.nanmax(img) == pytest.approx(1.0)
    assert view.levels_box.currentData() == "per-map"


def test_feature_maps_flat_layers_input_and_no_input(qtbot):
    ins = inspector_for("simple")
    view = show(qtbot, FeatureMapView(ins))
    ins.select(len(ins.entries()) - 1)                               # softmax: the class chart
    assert view.stack.currentWidget() is view.classes
    probs = ins.probabilities()
    assert f"predicts <b>{int(np.argmax(probs))}</b>" in view.title.text()
    np.testing.assert_allclose(view.classes.bars.opts["height"], probs)
    assert view.classes.top_index() == int(np.argmax(probs))
    QApplication.processEvents()
    cvb = view.classes.getPlotItem().getViewBox()
    view.classes.scene().sigMouseMoved.emit(cvb.mapViewToScene(QPointF(3, 0.05)))
    assert view.readout.text().startswith("class 3") and f"{probs[3]:.2%}" in view.readout.text()

    ins.select(index_of(ins, "flatten"))                             # 4320 values: step curves
    QApplication.processEvents()
    assert view.stack.currentWidget() is view.bars_widget
    assert view.curve.isVisible() and view.neg_curve.isVisible() and not view.bars.isVisible()
    vb = view.plot.getViewBox()
    view.bars_widget.scene().sigMouseMoved.emit(vb.mapViewToScene(QPointF(145, 0)))
    assert "= map 1, row 0, col 1 of pool1" in view.readout.text()

    ins.select(0)                                                     # the network input, grey
    assert view.colorbar.colorMap() is cm.INPUT
    np.testing.assert_array_equal(view.image.image, drawn_seven()[0])
    ins.set_input(None)
    assert "draw something" in view.readout.text() and view.image.image.max() == 0


def test_feature_maps_network_switch_residual_and_rgb(qtbot):
    ins = inspector_for("simple")
    view = show(qtbot, FeatureMapView(ins))
    ins.select(1)
    ins.set_network(Network(preset_spec("resnet-mini"), seed=0), CLASSES)
    ins.set_input(drawn_seven())
    ins.select(index_of(ins, "res1.res1_convb"))
    assert view._mosaic.geometry.count == 16 and "res1.res1_convb" in view.title.text()
    ins.select(index_of(ins, "res1"))                                 # F(x) + x
    np.testing.assert_array_equal(view.image.image, view._mosaic.fill(ins.value(index_of(ins, "res1"))))

    rgb = inspector_for("simple", (3, 32, 32))
    view2 = show(qtbot, FeatureMapView(rgb))
    rgb.select(0)
    assert view2._mosaic.geometry.count == 3
    top, left = view2._mosaic.geometry.origin(1)
    view2.maps_widget.scene().sigMouseMoved.emit(scene_point(view2.image, left, top))
    assert "channel 1 (green)" in view2.readout.text()


# -- filters ------------------------------------------------------------------------
def test_filters_conv_symmetric_levels_hover_and_live_weights(qtbot):
    ins = inspector_for("simple")
    view = show(qtbot, FilterView(ins))
    ins.select(1)
    W = ins.network.layer("conv1").params["W"]                        # (30, 1, 5, 5)
    raw = float(np.abs(W).max())
    m = cm.nice_ceil(raw)
    assert view.mode == "conv" and view.image.image.shape == view.geometry.shape
    assert view.geometry.count == 30 and view.geometry.tile_h == 5
    assert tuple(view.image.getLevels()) == pytest.approx((-m, m))
    assert view.colorbar.colorMap() is cm.WEIGHTS
    top, left = view.geometry.origin(4)
    view.plot_widget.scene().sigMouseMoved.emit(scene_point(view.image, left + 2, top + 1))
    assert view.readout.text().startswith("conv1 · filter 4 · input channel 0 · row 1, col 2")
    assert f"{W[4, 0, 1, 2]:.4g}" in view.readout.text()

    weights = ins.network.get_weights()
    weights["conv1.W"] = weights["conv1.W"] * 3
    ins.set_weights(weights)                                          # a training snapshot
    m3 = cm.nice_ceil(3 * raw)
    assert tuple(view.image.getLevels()) == pytest.approx((-m3, m3), rel=1e-5)

    # a click picks the filter's channel and enlarges it: one tile per input channel
    click(qtbot, view.plot_widget, scene_point(view.image, left + 2, top + 1))
    assert ins.channel == 4 and view.focused == 4 and view.mode == "filter"
    assert view.back_button.isVisible() and "filter 4" in view.title.text()
    np.testing.assert_array_equal(view.image.image, ins.network.layer("conv1").params["W"][4, 0])
    view.plot_widget.scene().sigMouseMoved.emit(scene_point(view.image, 3, 2))
    assert view.readout.text().startswith("conv1 · filter 4 · input channel 0 · row 2, col 3")
    click(qtbot, view.plot_widget, scene_point(view.image, 3, 2))     # a click on it: back to all
    assert view.focused is None and view.mode == "conv" and view.pick_box.isVisible()


def test_filters_wide_conv_caps_input_channels(qtbot):
    ins = inspector_for("two-conv")
    view = show(qtbot, FilterView(ins))
    ins.select(index_of(ins, "conv2"))                                # W (64, 32, 5, 5)
    g = view.geometry
    assert g.count == 64 and g.tile_h == MAX_CHANNELS * 6 - 1
    assert f"a row per input channel (0–{MAX_CHANNELS - 1} of 32)" in view.title.text()
    assert view.channel_row.isVisible()
    view.channel_spin.setValue(10)
    assert "(10–13 of 32)" in view.title.text()
    top, left = g.origin(2)
    view.plot_widget.scene().sigMouseMoved.emit(scene_point(view.image, left + 1, top + 6 + 2))
    assert "filter 2 · input channel 11 · row 2, col 1" in view.readout.text()


def test_filters_dense_units_matrix_and_layers_without_weights(qtbot):
    ins = inspector_for("simple")
    view = show(qtbot, FilterView(ins))
    ins.select(index_of(ins, "fc1"))                                  # W (4320, 100) after pool1 30x12x12
    W = ins.network.layer("fc1").params["W"]
    assert view.mode == "unit" and view.geometry.count == 30 and view.geometry.tile_h == 12
    view.unit_spin.setValue(7)
    np.testing.assert_array_equal(view.image.image[:12, :12], W[:144, 7].reshape(12, 12))
    assert "unit 7" in view.title.text()

    ins.select(index_of(ins, "fc2"))                                  # W (100, 10)
    assert view.mode == "matrix" and view.image.image.shape == (10, 100)

    ins.select(index_of(ins, "pool1"))
    assert view.title.text().startswith("pool1 (MaxPool2D) has no weights · nearest: ")
    assert "<b>conv1</b></a>" in view.title.text() and view.shown_index == 1


def test_filters_rgb_first_layer(qtbot):
    ins = inspector_for("simple", (3, 32, 32))
    view = show(qtbot, FilterView(ins))
    ins.select(1)
    assert view.mode == "rgb" and view.rgb_image.isVisible() and not view.image.isVisible()
    assert view.rgb_image.image.shape[2] == 3
    W = ins.network.layer("conv1").params["W"]
    expected = 0.5 + W[0, :, 0, 0] / (2 * cm.nice_ceil(np.abs(W).max()))
    np.testing.assert_allclose(view.rgb_image.image[0, 0], expected, rtol=1e-5)
    view.rgb_box.setCurrentIndex(1)
    assert view.mode == "conv" and view.geometry.tile_h == 3 * 6 - 1


# -- pooling ------------------------------------------------------------------------
def test_pooling_marks_max_winners(qtbot):
    ins = inspector_for("simple")
    view = show(qtbot, PoolingView(ins))
    p = index_of(ins, "pool1")
    ins.select(p)
    ins.select_channel(4)
    x, y = ins.value(p - 1)[4], ins.value(p)[4]                       # (24, 24) -> (12, 12)
    np.testing.assert_array_equal(view.input_image.image, x)
    np.testing.assert_array_equal(view.output_image.image, y)
    assert view.channel_spin.value() == 4
    assert view.in_label.toPlainText().startswith("relu1") and view.out_label.toPlainText().startswith("pool1")
    xs, ys = view.winners.getData()
    rows, cols = (ys - 0.5).astype(int), (xs - 0.5).astype(int)
    # every marked input is the max of its 2x2 window; windows of equal values and windows
    # whose max is under 5% of the map's range (padding-level values) are not marked
    assert np.array_equal(x[rows, cols], y[rows // 2, cols // 2])
    windows = x.reshape(12, 2, 12, 2).transpose(0, 2, 1, 3).reshape(12, 12, 4)
    flat = np.ptp(windows, axis=2) <= 1e-4 * np.abs(x).max()
    weak = y - x.min() < WEAK_FRACTION * np.ptp(x)
    assert len(xs) == np.count_nonzero(~flat & ~weak) > 0
    # the output, right of the input, at the input's size: a cell covers its window
    out = view.output_image.mapRectToParent(view.output_image.boundingRect())
    assert out.left() > 24 and out.width() == pytest.approx(24) and out.height() == pytest.approx(24)

    i, j = rows[0] // 2, cols[0] // 2
    view.plot_widget.scene().sigMouseMoved.emit(scene_point(view.output_image, j, i))
    text = view.readout.text()
    assert f"output row {i}, col {j}" in text and f"won by row {rows[0]}, col {cols[0]}" in text
    view.plot_widget.scene().sigMouseMoved.emit(scene_point(view.input_image, cols[0], rows[0]))
    assert f"kept: the max of output row {i}, col {j}" in view.readout.text()


def noisy_trace(ins, index, noise=1e-7, seed=0):
    """The inspector's trace with ±noise where the output at ``index`` (a ReLU before a 2x2/2
    pool at index + 1) is exactly 0 - what FFT convolutions leave - and the pool recomputed."""
    trace = [dataclasses.replace(e, value=e.value.copy()) for e in ins.trace]
    x = trace[index].value
    zeros = x == 0
    x[zeros] = noise * np.random.default_rng(seed).choice([-1.0, 1.0], size=int(zeros.sum()))
    n, c, h, w = x.shape
    trace[index + 1].value[...] = x.reshape(n, c, h // 2, 2, w // 2, 2).max(axis=(3, 5))
    return trace


def test_pooling_and_strip_ignore_floating_point_noise(qtbot):
    ins = inspector_for("simple")
    p = index_of(ins, "pool1")
    view = show(qtbot, PoolingView(ins))
    strip = show(qtbot, NetworkStrip(ins), (380, 560))
    ins.select(p)
    clean = len(view.winners.getData()[0])
    clean_stats = strip.list.item(p - 1).text()
    assert "% > 0" in clean_stats
    ins.set_trace(noisy_trace(ins, p - 1))
    assert np.count_nonzero(ins.value(p - 1) > 0) > np.count_nonzero(ins.trace[p - 1].value > 1e-6)
    assert len(view.winners.getData()[0]) == clean                   # no winners of noise
    assert strip.list.item(p - 1).text() == clean_stats              # "% > 0" not inflated


def test_pooling_leaves_faint_windows_unmarked(qtbot):
    ins = inspector_for("simple")
    p = index_of(ins, "pool1")
    trace = [dataclasses.replace(e, value=e.value.copy()) for e in ins.trace]
    x = trace[p - 1].value[0, 0]
    x[...] = 0
    x[4:8, 4:8] = 0.5 + np.arange(16).reshape(4, 4) / 30             # a stroke: 4 windows
    x[16, 16] = 0.01                                                  # padding-level: 1% of the max
    trace[p].value[0, 0] = x.reshape(12, 2, 12, 2).max(axis=(1, 3))
    view = show(qtbot, PoolingView(ins))
    ins.select(p)
    ins.select_channel(0)
    ins.set_trace(trace)
    xs, ys = view.winners.getData()
    assert len(xs) == 4 and set(ys - 0.5) <= {4, 5, 6, 7}
    view.plot_widget.scene().sigMouseMoved.emit(scene_point(view.output_image, 8, 8))
    assert "won by row 16, col 16" in view.readout.text() and "faint" in view.readout.text()
    view.plot_widget.scene().sigMouseMoved.emit(scene_point(view.output_image, 0, 0))
    assert "all equal: no real winner" in view.readout.text()


def test_pooling_nearest_pool_avg_windows_and_no_input(qtbot):
    ins = inspector_for("lenet5")
    view = show(qtbot, PoolingView(ins))
    ins.select(1)                                                     # conv1: nearest pool is pool1
    assert view.pool_index == index_of(ins, "pool1")
    assert "(nearest to conv1)" in view.title.text() and "averages" in view.title.text()
    assert view.in_label.toPlainText() == "sigmoid1 map 0 · 28x28"
    assert view.out_label.toPlainText() == "pool1 map 0 · 14x14"
    assert not view.winners.isVisible()
    gx, gy = view.windows.getData()
    assert len(gx) == 2 * (15 + 15)                                   # 15 lines each way on 28x28, 2x2/2
    # sigmoid outputs never come near 0: the colours span their own range
    x = ins.value(index_of(ins, "sigmoid1"))[0]
    lo, hi = view.input_image.levels
    assert 0 < lo <= x.min() and x.max() <= hi < 1

    ins.set_input(None)
    assert "draw something" in view.readout.text()
    assert view.input_image.image.shape == (28, 28)

    spec = {"name": "flat", "input_shape": [1, 8, 8],
            "layers": [{"type": "conv", "filters": 2, "kernel": 3}, {"type": "flatten"},
                       {"type": "dense", "units": 10}]}
    ins.set_network(Network(spec), CLASSES)
    assert view.pool_index is None and "no pooling layer" in view.title.text()


def test_views_follow_a_network_switch_and_rgb_input_together(qtbot):
    ins = inspector_for("simple", (3, 32, 32))
    views = [show(qtbot, cls(ins), (350, 300)) for cls in (NetworkStrip, FeatureMapView, FilterView, PoolingView)]
    for i in range(len(ins.entries())):
        ins.select(i)
    ins.select(5)
    ins.set_network(Network(preset_spec("two-conv"), seed=0), CLASSES)  # input no longer fits: cleared
    assert ins.trace is None
    ins.set_input(drawn_seven())
    strip, fm, fv, pv = views
    assert strip.list.count() == len(ins.entries())
    name = ins.entries()[ins.selected].name
    assert name in fm.title.text()
    assert pv.pool_index is not None and fv.shown_index is not None


def test_real_mnist_digit_through_two_conv(qtbot, shared_datasets):
    with gzip.open(shared_datasets / "mnist" / "t10k-images-idx3-ubyte.gz") as f:
        digit = np.frombuffer(f.read(16 + 784), np.uint8, offset=16).reshape(1, 28, 28) / 255.0
    ins = inspector_for("two-conv", with_input=False)
    ins.set_input(digit.astype(np.float32))
    view = show(qtbot, FeatureMapView(ins))
    ins.select(1)
    assert view._mosaic.geometry.count == 32
    assert view.image.image.shape == view._mosaic.geometry.shape
