"""The Evaluation panel driven through its real widgets: evaluate in the background, the
confusion matrix and its cells, the mistakes gallery, the curves, the map, dead filters, export."""
import numpy as np
import pytest
from PyQt5.QtCore import QPointF, Qt
from PyQt5.QtGui import QImage
from PyQt5.QtTest import QTest

from cnnviz.evaluation import (class_table_csv, confusion_csv, evaluate_model, load_test_split, mistakes,
                               worked_example)
from cnnviz.gui.model.inspector import Inspector
from cnnviz.gui.model.modelchoice import untrained_model
from cnnviz.gui.views.evaluation import EvaluationPanel
from cnnviz.gui.views.evaluation.confusion import ConfusionView, percent_text
from cnnviz.gui.views.evaluation.prview import ALL
from cnnviz.gui.views.evaluation.words import with_article
from cnnviz.evaluation import ConfusionMatrix

from test_cli import run_json, write_idx_dataset

N_TEST = 60
pytestmark = pytest.mark.usefixtures("hold_widgets")


@pytest.fixture
def data_dir(tmp_path):
    write_idx_dataset(tmp_path / "data" / "mnist", n_train=20, n_test=N_TEST)
    return tmp_path / "data"


def make_panel(qtbot, data_dir, model=None):
    model = model or untrained_model("simple")
    inspector = Inspector(model.network, model.class_names, model.meta)
    panel = EvaluationPanel(inspector, lambda: (str(data_dir), False))
    qtbot.addWidget(panel)
    panel.resize(520, 640)
    panel.show()
    qtbot.waitExposed(panel)
    return panel


def evaluated(qtbot, panel):
    panel.evaluate_button.click()
    qtbot.waitUntil(lambda: panel.result is not None or bool(panel.status.text()), timeout=20000)
    assert panel.result is not None, panel.status.text()
    return panel.result


def expected(panel, data_dir):
    data = load_test_split("mnist", data_dir, download=False)
    ins = panel.inspector
    return data, evaluate_model(ins.network, data.x_test, data.y_test, ins.class_names, "mnist")


def test_evaluate_fills_the_matrix_and_a_click_on_a_cell_lists_its_images(qtbot, data_dir):
    panel = make_panel(qtbot, data_dir)
    assert panel.dataset_box.currentData() == "mnist"
    result = evaluated(qtbot, panel)
    data, ev = expected(panel, data_dir)
    np.testing.assert_array_equal(result.evaluation.confusion.counts, ev.confusion.counts)
    np.testing.assert_array_equal(panel.confusion.matrix.counts, ev.confusion.counts)
    assert f"{100 * ev.accuracy:.2f}% right" in panel.summary.text()
    assert not panel.progress.isVisible() and panel.evaluate_button.isVisible()
    # the busiest off-diagonal cell, clicked where it is drawn
    off = ev.confusion.counts * (1 - np.eye(10, dtype=int))
    t, p = np.unravel_index(np.argmax(off), off.shape)
    QTest.mouseClick(panel.confusion, Qt.LeftButton, pos=panel.confusion.cell_rect(t, p).center())
    assert panel.tabs.currentWidget() is panel.gallery
    assert panel.gallery.total == off[t, p] == panel.gallery.list.count()
    assert all(m.true_class == t and m.predicted_class == p for m in panel.gallery.shown)
    probs = [m.probability for m in panel.gallery.shown]
    assert probs == sorted(probs, reverse=True)
    panel.gallery.all_button.click()
    assert panel.gallery.total == len(mistakes(ev))


def test_a_picked_mistake_is_shown_by_the_inspector_and_named(qtbot, data_dir):
    panel = make_panel(qtbot, data_dir)
    evaluated(qtbot, panel)
    panel.show_tab("mistakes")
    first = panel.gallery.shown[0]
    item = panel.gallery.list.item(0)
    assert item.text().startswith(f"{first.true_name} → {first.predicted_name}")
    QTest.mouseClick(panel.gallery.list.viewport(), Qt.LeftButton,
                     pos=panel.gallery.list.visualItemRect(item).center())
    ins = panel.inspector
    data = load_test_split("mnist", data_dir, download=False)
    np.testing.assert_allclose(ins.input, data.x_test[first.index] / 255.0)
    assert ins.source.kind == "test" and ins.source.index == first.index and ins.source.dataset == "mnist"
    assert ins.source.text == (f"test #{first.index:,} of mnist, {with_article(first.true_name)} read as "
                               f"{first.predicted_name}")
    assert ins.prediction() == first.predicted_class        # the shown weights are the evaluated ones


def test_a_data_set_not_on_the_computer_says_how_to_get_it(qtbot, tmp_path):
    empty = tmp_path / "nothing"
    empty.mkdir()
    panel = make_panel(qtbot, empty)
    panel.evaluate_button.click()
    qtbot.waitUntil(lambda: panel.status.isVisible(), timeout=20000)
    text = panel.status.text()
    assert "t10k-images-idx3-ubyte" in text and str(empty) in text
    assert panel.result is None and panel.evaluate_button.isVisible()


def test_cancel_ends_the_run_and_a_newer_request_wins(qtbot, data_dir):
    panel = make_panel(qtbot, data_dir)
    panel.evaluate_button.click()
    panel.cancel_button.click()
    assert "cancelled" in panel.status.text() and panel.evaluate_button.isVisible()
    assert panel.runner.wait(20)
    qtbot.wait(50)
    assert panel.result is None                   # the cancelled run's result is dropped
    delivered = []
    panel.runner.finished.connect(delivered.append)
    panel.evaluate()
    panel.inspector.set_weights(panel.inspector.network.params, step=7, rerun=False)
    panel.evaluate()                              # supersedes the first
    qtbot.waitUntil(lambda: panel.result is not None, timeout=20000)
    qtbot.wait(100)
    assert len(delivered) == 1 and delivered[0].step == 7


def test_curves_table_and_the_worked_example(qtbot, data_dir):
    panel = make_panel(qtbot, data_dir)
    result = evaluated(qtbot, panel)
    panel.show_tab("curves")
    view = panel.curves
    assert view.mode == ALL and len(view.curves) == 10
    ev = result.evaluation
    for k, c in enumerate(ev.classes):
        assert view.table.item(k, 4).text() == f"{c.ap:.4f}"
    assert view.table.item(10, 4).text() == f"mAP {ev.mean_ap:.4f}"
    view.table.cellClicked.emit(2, 0)
    assert view.mode == 2 and len(view.curves) == 1
    view.show_example()
    text = view.caption.text()
    assert "7/10" in text and "7/15" in text and "418/945" in text
    shaded = view.curves[0]
    x, y = shaded.getData()
    assert shaded.opts["fillLevel"] == 0.0
    assert np.sum((x[1:] - x[:-1]) * (y[1:] + y[:-1]) / 2) == pytest.approx(float(worked_example().ap), abs=1e-12)


def test_the_map_shows_the_test_images_and_hover_shows_one(qtbot, data_dir):
    panel = make_panel(qtbot, data_dir)
    result = evaluated(qtbot, panel)
    panel.show_tab("map")
    view = panel.map
    assert sum(len(item.getData()[0]) for item in view.points) == N_TEST
    x, y = result.embedding.points[0]
    qtbot.wait(50)
    where = view.plot.mapFromScene(view.plot.getViewBox().mapViewToScene(QPointF(x, y)))
    QTest.mouseMove(view.plot.viewport(), where)
    qtbot.waitUntil(lambda: view.hovered is not None, timeout=3000)
    assert view.readout.text().startswith(f"test #{view.hovered:,}: a ")
    assert not view.preview.pixmap().isNull()


def test_the_marker_is_the_shown_input_through_the_penultimate_layer(qtbot, data_dir):
    panel = make_panel(qtbot, data_dir)
    result = evaluated(qtbot, panel)
    panel.show_tab("map")
    ins = panel.inspector
    assert panel.map.marker_position is None                 # nothing drawn yet
    data = load_test_split("mnist", data_dir, download=False)
    for index in (3, 11):
        ins.set_input(data.x_test[index] / 255.0)            # as a drawing would
        np.testing.assert_allclose(panel.map.marker_position, result.embedding.points[
            list(result.embedding.indices).index(index)], atol=1e-4)


def test_dead_filters_are_flagged_in_the_filters_view_and_counted_in_the_strip(qtbot, data_dir):
    from cnnviz.gui.views.filters import FilterView
    from cnnviz.gui.views.strip import NetworkStrip
    model = untrained_model("simple")
    weights = dict(model.network.params)
    weights["conv1.b"] = weights["conv1.b"].copy()
    weights["conv1.b"][[0, 5]] = -1e4                  # these two filters can never fire
    model.network.set_weights(weights)
    panel = make_panel(qtbot, data_dir, model)
    ins = panel.inspector
    filters, strip = FilterView(ins), NetworkStrip(ins)
    for w in (filters, strip):
        qtbot.addWidget(w)
        w.resize(600, 400)
        w.show()
    evaluated(qtbot, panel)
    layer = ins.filter_flags.of_layer("conv1")
    assert layer.dead == (0, 5)
    ins.select(1)
    assert "2 dead" in filters.title.text() and "dead (silent on every image): filters 0, 5" in filters.title.toolTip()
    boxes = [b for b in filters.health.boxes if b.isVisible()]
    assert len(boxes) == 2
    row = [e.name for e in ins.entries()].index("conv1")
    assert strip.list.item(row).text().endswith("⚠ 2 dead")
    panel.show_tab("filters")
    assert "<b>2 dead" in panel.health.text.text()
    ins.set_network(model.network.copy(), model.class_names)          # another network: flags go
    assert ins.filter_flags is None and "dead" not in strip.list.item(row).text()


def test_export_writes_the_pictures_and_the_tables(qtbot, data_dir, tmp_path):
    panel = make_panel(qtbot, data_dir)
    result = evaluated(qtbot, panel)
    for kind in ("confusion.png", "curves.png", "map.png"):
        path = panel.export(kind, tmp_path / kind)
        assert not QImage(str(path)).isNull()
    assert (panel.export("confusion.csv", tmp_path / "c.csv").read_text()
            == confusion_csv(result.evaluation))
    assert panel.export("table.csv", tmp_path / "t.csv").read_text() == class_table_csv(result.evaluation)


def test_the_panel_and_eval_json_give_the_same_numbers(qtbot, data_dir, tmp_path, capsys):
    from cnnviz.modelio import save_model
    model = untrained_model("simple")
    path = tmp_path / "m.npz"
    save_model(path, model.network, model.class_names)
    code, report = run_json(capsys, ["eval", "--model", str(path), "--data-dir", str(data_dir)])
    assert code == 0
    panel = make_panel(qtbot, data_dir, model)
    result = evaluated(qtbot, panel)
    mine = result.evaluation.report()
    for key in ("accuracy", "mAP", "macro", "classes", "confusion_matrix", "n_samples"):
        assert mine[key] == report[key], key
    panel.show_tab("curves")
    for k, row in enumerate(report["classes"]):
        assert panel.curves.table.item(k, 1).text() == f"{row['precision']:.4f}"


def test_any_class_names(qtbot, data_dir):
    names = ["cat", "dog", "bird", "fish", "frog", "horse", "ship", "truck", "plane", "car"]
    panel = make_panel(qtbot, data_dir, untrained_model("simple", class_names=names))
    evaluated(qtbot, panel)
    assert panel.confusion.matrix.class_names == tuple(names)
    assert "by position" in panel.summary.text()            # mnist names its classes 0..9
    letters = [chr(65 + i) for i in range(26)]
    view = ConfusionView()
    qtbot.addWidget(view)
    view.resize(300, 300)
    counts = np.random.default_rng(0).integers(0, 30, (26, 26)) + np.diag(np.full(26, 500))
    view.set_matrix(ConfusionMatrix.from_counts(counts, letters))
    view.show()
    assert not view.grab().isNull()
    assert view.cell_at(view.cell_rect(25, 7).center()) == (25, 7)
    assert "true Z, predicted H" in view.cell_text(25, 7)


def test_row_shares_never_round_to_a_whole_row():
    assert percent_text(99.69) == "99.7%" and percent_text(99.97) == ">99.9%" and percent_text(100.0) == "100%"
    assert percent_text(0.04) == "<0.1%" and percent_text(0) == "0%" and percent_text(12.4) == "12%"


def test_a_new_map_keeps_the_orientation_of_the_last_one():
    from dataclasses import replace
    from cnnviz.evaluation import Embedding, fit_pca
    from cnnviz.gui.views.evaluation.words import aligned
    features = np.random.default_rng(0).normal(size=(60, 6)) * [5, 3, 1, 1, 1, 1]
    projection = fit_pca(features, "relu3")
    labels = np.zeros(60, np.int64)
    last = Embedding(projection, ("a",), np.arange(60), labels, projection.transform(features))
    turned = replace(projection, components=projection.components * [[-1.0], [1.0]])
    new = Embedding(turned, ("a",), np.arange(60), labels, turned.transform(features))
    out = aligned(new, last)
    np.testing.assert_allclose(out.points, last.points)
    np.testing.assert_allclose(out.projection.transform(features), last.points)      # the marker agrees too
    assert aligned(new, None) is new


def test_class_names_take_the_article_they_are_said_with():
    said = [with_article(n) for n in ("7", "8", "11", "E", "U", "Trouser", "Ankle boot")]
    assert said == ["a 7", "an 8", "an 11", "an E", "a U", "a Trouser", "an Ankle boot"]
