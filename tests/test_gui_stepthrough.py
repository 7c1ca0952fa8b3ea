"""The step-through: a click on a cell of an enlarged map shows how the engine computed it,
every number the engine's own; play / step / scrub; every other layer kind; the toy with the
seed's worked examples; the backward pass and "teach it this drawing" on a copy."""
import numpy as np
import pytest
from PyQt5.QtCore import Qt

from cnnviz.explain import backward_pass, step_through, sweep
from cnnviz.gui.model.inspector import Inspector
from cnnviz.gui.views.featuremaps import FeatureMapView
from cnnviz.gui.views.stepthrough import BACKWARD, StepThroughView
from cnnviz.gui.views.stepthrough.steptext import brief, stored
from cnnviz.gui.views.stepthrough.toypage import ToyPage
from cnnviz.nn import Network, preset_spec

from test_gui_views import CLASSES, click, drawn_seven, index_of, inspector_for, scene_point, show

pytestmark = pytest.mark.usefixtures("hold_widgets")      # a page's view must outlive the test


def click_map_cell(qtbot, view, row, col):
    """Click cell (row, col) of the feature maps view's enlarged map."""
    click(qtbot, view.maps_widget, scene_point(view.image, col, row))


def forward_page(qtbot, ins, size=(900, 700)):
    return show(qtbot, StepThroughView(ins), size).network_page


# -- forward: a convolution cell -------------------------------------------------------
def test_a_click_on_a_cell_of_an_enlarged_map_steps_through_it_with_the_engines_numbers(qtbot):
    ins = inspector_for("two-conv")                      # 5x5 "same": a border cell reads padding
    maps = show(qtbot, FeatureMapView(ins))
    page = forward_page(qtbot, ins)
    i = index_of(ins, "conv2")
    ins.select(i)
    top, left = maps._mosaic.geometry.origin(6)
    click(qtbot, maps.maps_widget, scene_point(maps.image, left + 3, top + 3))
    assert maps.focused == 6 and ins.picked_cell is None          # the first click enlarges
    click_map_cell(qtbot, maps, 0, 1)
    assert ins.picked_cell == (i, (6, 0, 1)) and maps.pick_box.isVisible()
    step = page.step
    trace = ins.trace
    y, x = trace[i].value[0], trace[i - 1].value[0]
    c = page.channel
    assert c == int(np.argmax(np.abs(step.channel_sums)))      # the channel that adds most, first
    a, b, p = page.display.grids
    # the window on the input: rows -2..2, cols -1..3 (2 rows and 1 column of padding)
    assert step.window == (-2, -1, 3, 4)
    np.testing.assert_array_equal(a.values[2:, 1:], x[c, 0:3, 0:4])
    assert a.padding[:2].all() and a.padding[:, 0].all() and not a.padding[2:, 1:].any()
    assert (a.values[a.padding] == 0).all()
    np.testing.assert_array_equal(b.values, ins.network.layer("conv2").params["W"][6, c])
    np.testing.assert_array_equal(p.values, a.values.astype(np.float64) * b.values.astype(np.float64))
    # the stored value, bit for bit, in the title and at the end of the sums
    assert step.result == float(y[6, 0, 1])
    assert stored(y[6, 0, 1]) in page.title and f"<b>{stored(y[6, 0, 1])}</b>" in page.display.text.text()
    assert stored(step.bias) in page.display.text.text()
    # the channel sums: one per input channel, the picked one marked; a click shows another channel
    sums = page.display.sums_grid
    np.testing.assert_array_equal(sums.values.ravel()[:x.shape[0]], step.channel_sums)
    per_row = sums.values.shape[1]
    sums.cellClicked.emit(3 // per_row, 3 % per_row)
    assert page.channel == 3
    np.testing.assert_array_equal(page.display.grids[0].values[2:, 1:], x[3, 0:3, 0:4])
    assert "OH = (14 + 2·2 − 5)/1 + 1 = 14" in page.display.formula.text()


def test_the_sweep_plays_steps_and_scrubs_over_the_whole_map_with_its_stride(qtbot):
    ins = inspector_for("simple")
    page = forward_page(qtbot, ins)
    i = index_of(ins, "pool1")                            # 2x2, stride 2: 12x12 outputs
    ins.pick_cell(i, (4, 0, 0))
    bar = page.sweep
    assert bar.count == 144 and bar.position == 0 and "stride 2" in bar.label.text()
    qtbot.mouseClick(bar.forward_button, Qt.LeftButton)
    assert ins.picked_cell == (i, (4, 0, 1)) and page.step.window == (0, 2, 2, 4)
    bar.slider.setValue(13)                                # scrub: row 1, col 1
    assert ins.picked_cell == (i, (4, 1, 1)) and page.step.window == (2, 2, 4, 4)
    assert page.in_map.boxes[0][:4] == (2, 2, 4, 4)
    qtbot.mouseClick(bar.play_button, Qt.LeftButton)
    qtbot.waitUntil(lambda: bar.position >= 16, timeout=5000)
    qtbot.mouseClick(bar.play_button, Qt.LeftButton)
    assert not bar.playing
    r, k = divmod(bar.position, 12)
    assert ins.picked_cell == (i, (4, r, k))
    sw = sweep(ins.trace, i)
    assert tuple(sw.windows[bar.position]) == page.step.window


# -- forward: the other layer kinds ----------------------------------------------------------
def test_pooling_activation_dense_and_softmax_cells_show_the_stored_numbers(qtbot):
    ins = inspector_for("simple")
    page = forward_page(qtbot, ins)
    trace, display = ins.trace, page.display
    pool = index_of(ins, "pool1")
    ins.pick_cell(pool, (2, 5, 6))
    step = page.step
    window, shares = display.grids[0], display.grids[1]
    assert window.marks[step.winner_offset] and window.marks.sum() == 1
    assert shares.text_at(*step.winner_offset) == "1" and shares.values.sum() == 1
    assert step.result == float(trace[pool].value[0][2, 5, 6]) == float(window.values.max())

    relu = index_of(ins, "relu1")
    ins.pick_cell(relu, (3, 10, 10))
    text = display.text.text()
    assert "max(0, x)" in text and stored(trace[relu - 1].value[0][3, 10, 10]) in text
    assert stored(trace[relu].value[0][3, 10, 10]) in text

    fc = index_of(ins, "fc2")
    ins.pick_cell(fc, (7,))
    assert page.step.unit == 7 and f"<b>{stored(trace[fc].value[0][7])}</b>" in display.text.text()
    for x, w in zip(page.step.x, page.step.weights):          # a table's values in 4 digits
        assert brief(x) in display.text.text() and brief(w) in display.text.text()

    soft = index_of(ins, "softmax")
    ins.pick_cell(soft, (3,))
    probs = trace[soft].value[0]
    table = display.text.text()
    for k in range(10):                                    # the bars' numbers, derived
        assert brief(probs[k]) in table and brief(trace[soft - 1].value[0][k]) in table
        assert f"{100 * float(probs[k]):.1f}%" in table
    assert page.step.reproduced


def test_residual_flatten_and_input_cells_say_where_their_value_comes_from(qtbot):
    net = Network(preset_spec("resnet-mini"), seed=1)
    ins = Inspector(net, CLASSES)
    ins.set_input(drawn_seven())
    page = forward_page(qtbot, ins)
    res = index_of(ins, "res1")
    ins.pick_cell(res, (1, 4, 5))
    text = page.display.text.text()
    assert "F(x)" in text and stored(ins.value(res)[1, 4, 5]) in text
    ins.pick_cell(0, (0, 9, 9))
    assert "input pixel" in page.display.text.text()
    flat = index_of(ins, "flatten")
    ins.pick_cell(flat, (100,))
    assert "unchanged from" in page.display.text.text()


def test_a_click_on_a_bar_of_a_dense_layer_picks_its_unit(qtbot):
    ins = inspector_for("simple")
    maps = show(qtbot, FeatureMapView(ins))
    fc = index_of(ins, "fc2")
    ins.select(fc)
    vb = maps.plot.getViewBox()
    from PyQt5.QtCore import QPointF
    from PyQt5.QtWidgets import QApplication
    QApplication.processEvents()
    click(qtbot, maps.bars_widget, vb.mapViewToScene(QPointF(4, 0)))
    assert ins.picked_cell == (fc, (4,))
    assert step_through(ins.trace, fc, (4,)).result == float(ins.value(fc)[4])


# -- the toy ----------------------------------------------------------------------------------
def test_the_toy_shows_the_seeds_worked_examples_computed_by_the_engine(qtbot):
    toy = show(qtbot, ToyPage(), (900, 900))
    toy.load_example("valid")
    np.testing.assert_array_equal(toy.map_grids[0].values, [[12, 16], [24, 28]])
    assert not toy.padded_grid.padding.any()
    toy.load_example("same")
    np.testing.assert_array_equal(toy.map_grids[0].values, [[12, 16, 9], [24, 28, 15], [15, 17, 9]])
    pad = toy.padded_grid.padding
    assert pad[3].all() and pad[:, 3].all() and not pad[:3, :3].any()      # bottom and right only
    assert toy.im2col_grid.values.shape == (9, 4)
    toy.pick(0, 2, 2)                                                    # the corner: 9 = 9 + 0 + 0 + 0
    assert toy.padded_grid.highlight == (2, 2, 4, 4) and toy.im2col_grid.highlight == (8, 0, 9, 4)
    np.testing.assert_array_equal(toy.im2col_grid.values[8], [9, 0, 0, 0])
    assert toy.display.step.result == 9 and "9" in toy.title
    toy.load_example("three filters")
    same = np.array([[12, 16, 9], [24, 28, 15], [15, 17, 9]])
    for grid, factor in zip(toy.map_grids, (1, 10, -1)):
        assert grid.isVisible()
        np.testing.assert_array_equal(grid.values, factor * same)
    toy.load_example("max-pool")
    np.testing.assert_array_equal(toy.map_grids[0].values, [[4, 3], [2, 1]])
    marks = toy.padded_grid.marks
    assert marks[:2, :2].all() and marks.sum() == 4 and not toy.im2col_grid.isVisible()


def test_editing_the_toy_recomputes_and_a_bad_number_keeps_the_last_good_toy(qtbot):
    toy = show(qtbot, ToyPage(), (900, 900))
    toy.load_example("valid")
    toy.image_edit.item(0, 0).setText("11")                # 12 -> 22
    np.testing.assert_array_equal(toy.map_grids[0].values, [[22, 16], [24, 28]])
    assert toy.example_box.currentData() == ""             # "your own numbers"
    toy.kernel_edits[0].item(1, 1).setText("-1")           # even kernels are fine here
    np.testing.assert_array_equal(toy.map_grids[0].values, [[12, 4], [8, 10]])
    toy.image_edit.item(2, 2).setText("nine")
    assert toy.error.isVisible() and "row 3, col 3 of the image" in toy.error.text()
    np.testing.assert_array_equal(toy.map_grids[0].values, [[12, 4], [8, 10]])
    toy.image_edit.item(2, 2).setText("9")
    assert not toy.error.isVisible()
    toy.padding_box.setCurrentText("same")
    toy.stride_spin.setValue(2)                            # 3x3, 2x2 kernel, stride 2, same: 2x2 output
    assert toy.toy.maps.shape == (1, 2, 2) and "OH = (3 + 0 + 1 − 2)/2 + 1 = 2" in toy.info.text()
    toy.map_grids[0].cellClicked.emit(1, 1)
    assert toy.picked == (0, 1, 1) and toy.display.step.result == float(toy.toy.maps[0, 1, 1])


# -- the backward pass and teaching ----------------------------------------------------------------
def test_the_backward_page_shows_the_engines_gradients_and_teaching_changes_only_a_copy(qtbot):
    ins = inspector_for("simple")
    view = show(qtbot, StepThroughView(ins), (900, 800))
    view.set_mode(BACKWARD)
    page = view.backward_page
    page.label_box.setCurrentIndex(page.label_box.findData(3))
    page.label_box.activated.emit(page.label_box.currentIndex())
    qtbot.waitUntil(lambda: page.result is not None and page.result.label == 3, timeout=10000)
    expected = backward_pass(ins.network.copy(), ins.input, 3)
    np.testing.assert_array_equal(page.result.dlogits, expected.dlogits)
    ins.select(len(ins.entries()) - 1)                     # the softmax: p - target per class
    table = page.pictures.table
    np.testing.assert_array_equal(table.values[2], expected.dlogits)
    assert "“3”" in view.title.text() and "loss" in view.title.text()
    ins.select(index_of(ins, "relu1"))
    ins.select_channel(4)
    assert "gate" in page.pictures.captions[1].text()
    before_weights = ins.network.get_weights()
    before_probs = ins.probabilities().copy()
    qtbot.mouseClick(page.teach_box.teach_button, Qt.LeftButton)
    qtbot.waitUntil(lambda: page.taught is not None, timeout=10000)
    after = page.teach_box.after.values
    assert after[3] > before_probs[3]                      # the copy leans towards "3"
    for k, w in ins.network.get_weights().items():        # the model shown is untouched
        np.testing.assert_array_equal(w, before_weights[k])
    np.testing.assert_array_equal(ins.probabilities(), before_probs)
    np.testing.assert_allclose(page.teach_box.before.values, before_probs)
    assert "“3”" in page.teach_box.summary.text() and page.teach_box.undo_button.isEnabled()
    qtbot.mouseClick(page.teach_box.undo_button, Qt.LeftButton)
    assert page.taught is None and not page.teach_box.after.values.any()
    view.shutdown()


def test_the_kernels_panel_sends_its_kernel_to_the_toy(qtbot):
    from cnnviz.gui.views.kernels import KernelPlayground
    from cnnviz.gui.views.stepthrough import TOY
    from cnnviz.kernels import KERNELS
    ins = inspector_for("simple")
    view = show(qtbot, StepThroughView(ins), (900, 900))
    kernels = show(qtbot, KernelPlayground(), (700, 400))
    kernels.toyRequested.connect(view.show_kernel)
    kernels.set_kernel("sobel x" if "sobel x" in KERNELS else next(iter(KERNELS)))
    qtbot.mouseClick(kernels.toy_button, Qt.LeftButton)
    toy = view.toy_page
    assert view.mode == TOY and toy.toy.kernels.shape == (1,) + kernels.kernel.shape
    np.testing.assert_array_equal(toy.toy.kernels[0], kernels.kernel)
    assert toy.toy.image.shape[0] >= kernels.kernel.shape[0] and toy.padding_box.currentText() == "same"
