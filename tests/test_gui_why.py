"""Why this answer (a click on a bar picks the class), receptive fields on the input preview,
the background worker that drops stale requests, notes for students and the Help menu, and
the explain panels in the real window."""
import threading

import numpy as np
import pytest
from PyQt5.QtCore import QPoint, QPointF, Qt
from PyQt5.QtWidgets import QApplication, QTextBrowser

from cnnviz.explain import field_sizes, occlusion, receptive_field, why_this_answer
from cnnviz.gui.model.inspector import InputSource
from cnnviz.gui.views.featuremaps import FeatureMapView
from cnnviz.gui.views.probabilities import ProbabilityPanel
from cnnviz.gui.views.receptive import ReceptiveFieldOverlay
from cnnviz.gui.views.strip import NetworkStrip
from cnnviz.gui.views.why import WhyView
from cnnviz.gui.widgets.background import LatestJob
from cnnviz.gui.widgets.notes import NoteLabel, notes_shown, show_notes
from cnnviz.gui.widgets.preview import InputPreview

from test_gui_views import click, index_of, inspector_for, scene_point, show
from test_gui_window import settings, window  # noqa: F401  (fixtures: the real window)

pytestmark = pytest.mark.usefixtures("hold_widgets")


def explained(qtbot, view, class_index=None):
    """Wait for the view's result with occlusion, for ``class_index`` (None: any)."""
    def done():
        r = view.result
        return (r is not None and r.occlusion is not None and view.jobs.idle
                and (class_index is None or r.answer.class_index == class_index))
    qtbot.waitUntil(done, timeout=15000)
    return view.result


def bar_point(panel, index):
    """The widget position of the middle of bar ``index`` of a ProbabilityPanel's chart."""
    QApplication.processEvents()
    vb = panel.plot.getPlotItem().getViewBox()
    height = max(float(panel.plot.values[index]), 0.5)
    scene = vb.mapViewToScene(QPointF(index, height / 2) if panel.plot.orientation == "vertical"
                              else QPointF(height / 2, index))
    p = panel.plot.mapFromScene(scene)
    return QPoint(p.x(), p.y())


def test_why_explains_the_top_class_then_the_class_whose_bar_is_clicked(qtbot):
    ins = inspector_for("simple")
    bars = show(qtbot, ProbabilityPanel(ins), (500, 300))
    view = show(qtbot, WhyView(ins), (600, 300))
    result = explained(qtbot, view)
    top = ins.prediction()
    net, x = ins.network.copy(), ins.input
    expected = why_this_answer(net, x, class_names=ins.class_names)
    assert result.answer.class_index == top
    np.testing.assert_array_equal(result.answer.saliency.gradient, expected.saliency.gradient)
    np.testing.assert_array_equal(result.answer.gradcam.cam, expected.gradcam.cam)
    np.testing.assert_array_equal(result.occlusion.heat, occlusion(net, x, top).heat)
    assert f"“{ins.class_names[top]}”" in view.title.text() and "your drawing" in view.title.text()
    other = (top + 3) % 10
    qtbot.mouseClick(bars.plot.viewport(), Qt.LeftButton, pos=bar_point(bars, other))
    assert ins.explained_class == other and bars.picked_label.isVisible()
    result = explained(qtbot, view, other)
    assert "your pick" in view.title.text() and f"“{ins.class_names[other]}”" in view.title.text()
    np.testing.assert_array_equal(result.answer.saliency.magnitude,
                                  why_this_answer(net, x, other).saliency.magnitude)
    qtbot.mouseClick(bars.plot.viewport(), Qt.LeftButton, pos=bar_point(bars, other))   # again: the top class
    assert ins.explained_class is None and not bars.picked_label.isVisible()
    explained(qtbot, view, top)
    view.shutdown()


def test_why_says_which_image_it_explains(qtbot):
    ins = inspector_for("simple")
    view = show(qtbot, WhyView(ins), (600, 300))
    explained(qtbot, view)
    test_image = InputSource("test", "test image #4 of mnist (a 4)", "test image #4 (a 4)")
    ins.set_input(ins.input[:, ::-1].copy(), test_image)
    qtbot.waitUntil(lambda: view.result is not None and view.result.request.source is test_image, timeout=15000)
    assert "test image #4 (a 4)" in view.title.text()          # the shared badge
    ins.set_input(None)
    assert view.result is None and "Why this answer" in view.title.text()
    view.shutdown()


def test_a_request_replaced_before_it_starts_never_runs_and_late_results_are_told_apart(qtbot):
    jobs = LatestJob("test")
    ran, results = [], []
    started, gate = threading.Event(), threading.Event()
    jobs.result.connect(lambda n, v: results.append((n, v)))

    def job(name, wait=False):
        def run(report, superseded):
            if wait:
                started.set()
                gate.wait(5)
            ran.append(name)
            report(name)
            report(superseded())
        return run
    first = jobs.submit(job("first", wait=True))
    assert started.wait(5)
    jobs.submit(job("second"))
    last = jobs.submit(job("third"))
    gate.set()
    qtbot.waitUntil(lambda: len(results) == 4, timeout=5000)
    assert ran == ["first", "third"]                       # "second" was replaced while it waited
    assert results == [(first, "first"), (first, True), (last, "third"), (last, False)]
    assert jobs.latest == last
    jobs.shutdown()


def test_hovering_a_cell_lights_up_its_receptive_field_on_the_input_preview(qtbot):
    ins = inspector_for("simple")
    maps = show(qtbot, FeatureMapView(ins))
    preview = show(qtbot, InputPreview(), (200, 200))
    preview.set_input(ins.input)
    ReceptiveFieldOverlay(ins, preview, maps)
    i = index_of(ins, "pool1")
    ins.select(i)
    top, left = maps._mosaic.geometry.origin(2)
    maps.maps_widget.scene().sigMouseMoved.emit(scene_point(maps.image, left + 5, top + 7))
    assert ins.hovered_cell == (i, (2, 7, 5))
    field = receptive_field(ins.network, i, (2, 7, 5))
    np.testing.assert_array_equal(preview.field(), field.spatial)
    assert field.size == (6, 6) and preview.field_text == "6x6 of 28x28"
    maps.maps_widget.left.emit()                            # the mouse leaves the maps
    assert ins.hovered_cell is None and preview.field() is None


def test_the_strip_says_how_much_of_the_input_each_layer_sees(qtbot):
    ins = inspector_for("simple")
    strip = show(qtbot, NetworkStrip(ins), (1200, 140))
    sizes = {f.layer: f for f in field_sizes(ins.network)}
    assert "sees 5x5" in strip.list.item(index_of(ins, "conv1")).text()
    assert "sees 6x6" in strip.list.item(index_of(ins, "pool1")).text()
    assert "receptive field: all of the 28x28 input" in strip.list.item(index_of(ins, "fc1")).toolTip()
    assert sizes["pool1"].span == (6, 6)


def test_notes_for_students_take_no_space_until_shown(qtbot):
    assert not notes_shown()
    note = NoteLabel("Softmax always sums to 100 %.")
    empty = NoteLabel("")
    show(qtbot, note, (300, 80))
    show(qtbot, empty, (300, 80))
    note.hide()                                             # as laid out in a view: follows the switch
    show_notes(False)
    assert not note.isVisible()
    try:
        show_notes(True)
        assert note.isVisible() and not empty.isVisible()   # an empty note is never shown
        assert note.toPlainText() == "Softmax always sums to 100 %."
    finally:
        show_notes(False)
    assert not note.isVisible()


def test_in_the_window_a_picked_cell_opens_the_step_through_and_help_shows_notes_and_a_tour(qtbot, window):  # noqa: F811
    window.resize(1400, 900)
    from cnnviz.gui.tools.synthstroke import draw_digit
    dock = window.panels["stepthrough"]
    assert not dock.isVisible()                            # closed until a cell is picked
    draw_digit(window.canvas, "7")
    maps = window.panels["featuremaps"].widget()
    window.inspector.select(1)
    top, left = maps._mosaic.geometry.origin(3)
    click(qtbot, maps.maps_widget, scene_point(maps.image, left + 9, top + 11))
    assert maps.focused == 3 and not dock.isVisible()
    click(qtbot, maps.maps_widget, scene_point(maps.image, 12, 10))
    assert window.inspector.picked_cell == (1, (3, 10, 12))
    assert dock.isVisible() and not dock.visibleRegion().isEmpty()
    page = window.step_through.network_page
    qtbot.waitUntil(lambda: page.step is not None, timeout=5000)        # drawn as soon as it is on screen
    assert page.step.result == float(window.inspector.value(1)[3, 10, 12])
    notes = [n for n in window.findChildren(NoteLabel) if n.toPlainText()]
    assert notes and not any(n.isVisible() for n in notes)
    try:
        help_menu(window)
    finally:
        show_notes(False)


def help_menu(window):  # noqa: F811
    """Help > Notes for students shows every panel's note, and again hides them; the tour opens."""
    window.actions["notes"].trigger()
    assert notes_shown() and window.actions["notes"].isChecked()
    strip_note = window.panels["strip"].widget().findChild(NoteLabel)
    assert strip_note.isVisible() and "forward pass" in strip_note.toPlainText()
    assert window.settings.value("help/notes") in (True, "true")
    window.actions["notes"].trigger()
    assert not notes_shown() and not strip_note.isVisible()
    window.actions["tour"].trigger()
    assert window.menus.tour.isVisible() and "Step-through" in window.menus.tour.findChild(QTextBrowser).toPlainText()
    window.menus.tour.close()


def test_while_training_runs_why_follows_the_weights_of_the_snapshots(qtbot, training_window):
    from test_gui_training import draw_bar, start_long_run
    window = training_window  # noqa: F811
    window.panels["why"].raise_()            # in front (a panel behind a tab waits until it is seen)
    draw_bar(window)
    why = window.why
    t = start_long_run(qtbot, window)
    qtbot.waitUntil(lambda: why.result is not None and why.result.occlusion is not None, timeout=20000)
    first = why.result
    # a later snapshot's weights get explained (at most once a second while the run goes on)
    qtbot.waitUntil(lambda: why.result is not first and why.result.occlusion is not None, timeout=20000)
    assert t.is_running() and window.inspector.live
    assert why.result.occlusion.stride == 4                  # coarser while training: the cores are busy
    shown = why.result.request.weights
    assert any(not np.array_equal(shown[k], v) for k, v in first.request.weights.items())
    t.stop()
