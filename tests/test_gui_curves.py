"""CurvesView: fed by a real (tiny) training run, a saved History, and a 100k-step run."""
import math

import numpy as np
import pytest
from PyQt5.QtCore import QPointF
from PyQt5.QtGui import QFontMetrics
from PyQt5.QtWidgets import QApplication

from cnnviz.gui.widgets import theme
from cnnviz.gui.training.curvedata import GrowingColumns
from cnnviz.gui.training.curves import CURVE_COLORS, CurvesView
from cnnviz.gui.training.curvetext import compact_number
from cnnviz.nn import Network
from cnnviz.nn.optim import make_optimizer
from cnnviz.train import History, TrainConfig, Trainer

from synthetic import TINY_NET, bars


pytestmark = pytest.mark.usefixtures("hold_widgets")


@pytest.fixture(scope="module")
def run():
    """A real training run: (step rows (n, 4), epoch records, its History). 3 epochs of 15 steps."""
    x, y = bars(300, seed=1)
    tx, ty = bars(100, seed=2)
    tr = Trainer(Network(TINY_NET, seed=0), make_optimizer("adam", 0.01), x, y, tx, ty,
                 TrainConfig(epochs=3, batch_size=20, seed=0))
    rows, epochs = [], []
    for ev in tr.steps():
        if ev.kind == "step":
            rows.append((ev.step, ev.loss, ev.accuracy, ev.lr))
        elif ev.kind == "epoch":
            epochs.append(dict(tr.history.epochs[-1]))
    return np.array(rows, np.float64), epochs, tr.history


def make_view(qtbot, size=(700, 350)):
    v = CurvesView()
    qtbot.addWidget(v)
    v.resize(*size)
    v.show()
    qtbot.waitExposed(v)
    return v


def feed(view, rows, epochs, chunk=4):
    """Send rows a few at a time and each epoch record once its last step was sent, like a run."""
    pending = list(epochs)
    for i in range(0, len(rows), chunk):
        view.add_steps(rows[i:i + chunk])
        while pending and pending[0]["step"] <= rows[min(i + chunk, len(rows)) - 1, 0]:
            view.add_epoch(pending.pop(0))


def data(item):
    """(x, y) a PlotDataItem was given (empty arrays when none); getData() would return
    what is on screen, clipped to the view."""
    x, y = item.getOriginalDataset()
    return (np.empty(0), np.empty(0)) if x is None else (x, y)


def xs(item) -> np.ndarray:
    return data(item)[0]


def reference_ema(values, steps=30):
    a, raw, w, out = math.exp(-1 / steps), 0.0, 1.0, []
    for v in values:
        raw, w = a * raw + (1 - a) * v, w * a
        out.append(raw / (1 - w))
    return np.array(out)


def test_live_feed_draws_loss_smoothed_loss_accuracies_and_epoch_marks(qtbot, run):
    rows, epochs, _ = run
    v = make_view(qtbot)
    feed(v, rows, epochs)
    v.flush()
    x, loss = data(v.raw_curve)
    np.testing.assert_array_equal(x, rows[:, 0])
    np.testing.assert_array_equal(loss, rows[:, 1])
    # the incremental moving average equals the one computed over the whole series at once
    np.testing.assert_allclose(data(v.smooth_curve)[1], reference_ema(rows[:, 1]), rtol=1e-12)
    assert data(v.smooth_curve)[1][0] == pytest.approx(rows[0, 1])      # no start-up bias
    ex, eacc = data(v.train_acc_curve)
    np.testing.assert_array_equal(ex, [15, 30, 45])
    np.testing.assert_allclose(eacc, [100 * e["train_accuracy"] for e in epochs])
    np.testing.assert_allclose(data(v.test_acc_curve)[1], [100 * e["test_accuracy"] for e in epochs])
    np.testing.assert_allclose(data(v.test_loss_curve)[1], [e["test_loss"] for e in epochs])
    np.testing.assert_array_equal(data(v.lr_curve)[1], rows[:, 3])
    QApplication.processEvents()                      # the linked plots follow the loss plot's range
    assert len(v.train_acc_curve.getData()[0]) == 3   # ... so all three epochs are on screen
    for marks in v.epoch_marks:
        np.testing.assert_array_equal(marks.positions, [15, 30, 45])
    assert [l.toPlainText() for l in v.epoch_labels] == ["epoch 1", "2", "3"]
    text = v.readout.text()
    assert text.startswith("step 45, epoch 3 · loss ")
    assert text.split("\n")[1].startswith("after epoch 3: train")
    assert f"test {100 * epochs[-1]['test_accuracy']:.2f}%" in text
    # the accuracy plot zooms onto the epoch results, not 0..100
    lo, hi = v.acc_plot.vb.viewRange()[1]
    accs = [100 * e[k] for e in epochs for k in ("train_accuracy", "test_accuracy")]
    assert lo <= min(accs) and hi >= max(accs) and lo > 0


def test_updates_are_coalesced_by_a_timer(qtbot, run):
    rows, _, _ = run
    v = make_view(qtbot)
    for i in range(10):
        v.add_steps(rows[i:i + 1])
    assert len(xs(v.raw_curve)) == 0 and len(v.data.steps) == 10        # stored, not drawn yet
    qtbot.waitUntil(lambda: len(xs(v.raw_curve)) == 10)


def test_hover_reads_step_loss_and_epoch_accuracy(qtbot, run):
    rows, epochs, _ = run
    v = make_view(qtbot)
    feed(v, rows, epochs)
    v.flush()
    QApplication.processEvents()
    vb = v.loss_plot.vb
    scene = vb.mapViewToScene(QPointF(20.2, float(np.mean(vb.viewRange()[1]))))
    qtbot.mouseMove(v.plots.viewport(), v.plots.mapFromScene(scene))
    qtbot.waitUntil(lambda: v.readout.text().startswith("step 20,"))
    text = v.readout.text()
    assert f"loss {rows[19, 1]:.3g}" in text and "epoch 2" in text
    assert all(line.isVisible() and line.value() == 20 for line in v.crosshairs)
    # over the accuracy plot: the nearest epoch's results
    avb = v.acc_plot.vb
    y = float(np.mean(avb.viewRange()[1]))
    qtbot.mouseMove(v.plots.viewport(), v.plots.mapFromScene(avb.mapViewToScene(QPointF(31, y))))
    qtbot.waitUntil(lambda: v.readout.text().startswith("after epoch 2 (step 30)"))
    assert f"train {100 * epochs[1]['train_accuracy']:.2f}%" in v.readout.text()
    # leaving the plots shows the latest values again
    v._end_hover()
    assert v.readout.text().startswith("step 45, epoch 3 · loss") and not v.crosshairs[0].isVisible()


def test_saved_history_with_compaction_is_drawn_at_block_centres(qtbot, run):
    _, epochs, history = run
    compact = History.from_dict(history.to_dict(max_steps=12))      # 45 steps -> blocks of 4
    assert compact.step_stride == 4
    v = make_view(qtbot)
    v.set_history(compact)
    x, loss = data(v.raw_curve)
    np.testing.assert_array_equal(x[:3], [2.5, 6.5, 10.5])
    assert loss[0] == pytest.approx(np.mean(history.step_loss[:4]))
    assert v.describe(6.4)[0].startswith("steps 5–8 (mean), epoch 1")
    np.testing.assert_array_equal(data(v.train_acc_curve)[0], [15, 30, 45])
    # a second history replaces the first
    v.set_history(history)
    assert len(data(v.raw_curve)[0]) == 45 and v.data.stride == 1


def test_missing_test_set_and_learning_rate_change(qtbot, run):
    rows, epochs, _ = run
    rows = rows.copy()
    rows[20:, 3] = 0.003
    no_test = [dict(e, test_accuracy=None, test_loss=None) for e in epochs]
    v = make_view(qtbot, (400, 250))
    feed(v, rows, no_test)
    v.flush()
    assert len(xs(v.test_acc_curve)) == 0 and len(xs(v.test_loss_curve)) == 0
    assert "test" not in v.readout.text().split("after epoch")[1]
    ticks = [t[1] for t in v.lr_plot.getAxis("left")._tickLevels[0]]
    assert ticks == ["0.01", "0.003"]            # the rates used, not a generic scale
    assert compact_number(0.0003) == "3e-4" and compact_number(2.5e-5) == "2.5e-5"


def test_while_live_the_step_axis_grows_now_and_then_and_fits_again_after(qtbot, run):
    rows, epochs, _ = run
    v = make_view(qtbot)
    v.set_live(True)
    ends = []
    for i in range(0, len(rows), 3):
        v.add_steps(rows[i:i + 3])
        v.flush()
        ends.append(v.loss_plot.vb.viewRange()[0][1])
        assert ends[-1] >= rows[min(i + 3, len(rows)) - 1, 0]          # the newest step is in view
    assert ends == sorted(ends) and len(set(ends)) <= len(ends) - 7    # 15 redraws, 8 axis changes at most
    assert set(ends) <= {m * 10 ** k for m in (1, 1.2, 1.5, 2, 2.5, 3, 4, 5, 6, 8) for k in (1, 2)}
    v.set_live(False)
    v.flush()
    QApplication.processEvents()
    assert v.loss_plot.vb.viewRange()[0][1] < 50                      # fitted to the 45 steps again


def test_the_latest_values_fit_in_a_narrow_readout(qtbot, run):
    rows, epochs, _ = run
    v = make_view(qtbot, (540, 270))                 # the curves dock at 1400x900
    feed(v, rows * [1000, 1, 1, 1], [dict(e, step=e["step"] * 1000) for e in epochs])   # long step numbers
    v.flush()
    fm = v.readout.fontMetrics()
    lines = v.readout.text().split("\n")
    assert len(lines) == 2 and lines[0].startswith("step 45,000, epoch 3 · loss ")
    assert all(fm.horizontalAdvance(line) <= v.readout.contentsRect().width() for line in lines)


def test_the_accuracy_plot_keeps_the_live_batch_accuracy_in_view(qtbot, run):
    rows, epochs, _ = run
    v = make_view(qtbot)
    first = [dict(epochs[0], train_accuracy=0.5, test_accuracy=0.5)]      # epoch 1 far below the batches
    feed(v, rows[:30], first)
    v.flush()
    lo, hi = v.acc_plot.vb.viewRange()[1]
    live = v.data.steps.view("acc_ema")[15:]
    assert lo <= 50 <= hi and lo <= live.min() and live.max() <= hi


def _tick_rows(v, plot):
    """(label, pixel distance to the plot's top, to its bottom) of each tick of ``plot``'s left axis."""
    vb = plot.vb
    rect = vb.sceneBoundingRect()
    out = []
    for value, label in plot.getAxis("left")._tickLevels[0]:
        y = vb.mapViewToScene(QPointF(0, value)).y()
        out.append((label, y - rect.top(), rect.bottom() - y))
    return out


def test_a_learning_rate_drop_labels_both_rates_readably(qtbot, run):
    rows, epochs, _ = run
    rows = rows.copy()
    rows[:, 3] = 1e-3
    rows[25:, 3] = 1e-4
    v = make_view(qtbot, (540, 270))
    feed(v, rows, epochs)
    v.flush()
    QApplication.processEvents()
    ticks = _tick_rows(v, v.lr_plot)
    assert sorted(t[0] for t in ticks) == ["0.001", "1e-4"]
    half = QFontMetrics(v.lr_plot.getAxis("left").style["tickFont"]).height() / 2
    for label, to_top, to_bottom in ticks:
        assert to_top >= half and to_bottom >= half, (label, to_top, to_bottom)     # not cut off: drawn
    far = abs(ticks[0][1] - ticks[1][1])
    assert far >= 2 * half                                                           # not overlapping


def test_clear_and_theme_colours(qtbot, run):
    rows, epochs, _ = run
    v = make_view(qtbot)
    feed(v, rows, epochs)
    v.flush()
    v.clear()
    assert len(xs(v.raw_curve)) == 0 and len(xs(v.train_acc_curve)) == 0
    assert len(v.epoch_marks[0].positions) == 0 and not v.epoch_labels
    assert v.readout.text().startswith("No training yet")
    # the cleared plots forget the old run's ranges and show no lr labels
    assert v.loss_plot.vb.viewRange()[0] == pytest.approx([0, 100])     # the run had 45 steps
    assert v.lr_plot.getAxis("left")._tickLevels == [[], []]
    feed(v, rows[:20], [])
    v.flush()
    assert rows[19][0] <= v.loss_plot.vb.viewRange()[0][1] < 40        # fitted to the data again
    try:
        theme.apply_theme("dark", force=True)
        assert v.smooth_curve.opts["pen"].color().name() == CURVE_COLORS["dark"]["train"]
        assert CURVE_COLORS["dark"]["test"] in v.legend.text()
    finally:
        theme.apply_theme("light", force=True)
    assert v.smooth_curve.opts["pen"].color().name() == CURVE_COLORS["light"]["train"]


def test_a_100k_step_run_is_stored_in_arrays_and_drawn_downsampled(qtbot):
    v = make_view(qtbot)
    n, per_epoch = 100_000, 600
    steps = np.arange(1, n + 1, dtype=np.float64)
    rng = np.random.default_rng(0)
    loss = 2.3 * np.exp(-steps / 5000) + 0.1 * rng.random(n)
    rows = np.column_stack([steps, loss, np.clip(1 - loss / 2.5, 0, 1), np.full(n, 1e-3)])
    for i in range(0, n, 50):
        v.add_steps(rows[i:i + 50])
        if (i + 50) % per_epoch == 0:
            k = (i + 50) // per_epoch
            v.add_epoch(dict(epoch=k, step=k * per_epoch, train_loss=0.1, train_accuracy=0.9,
                             test_loss=0.2, test_accuracy=0.88, seconds=1.0, samples_per_s=1e4))
    v.flush()
    x, y = data(v.raw_curve)
    assert len(x) == n and x[-1] == n and y[-1] == loss[-1]
    assert v.data.steps._cols["loss"].size < 4 * n                  # amortised doubling, not per-row growth
    v.plots.grab()                                            # paint once
    drawn = v.raw_curve.curve.getData()[0]
    assert 0 < len(drawn) < 5000                              # peak-downsampled to the pixel width
    assert len(v.epoch_marks[0].positions) <= 30              # every k-th of 166 epochs is marked
    assert v.train_acc_curve.opts["symbol"] is None           # too many epochs for markers
    assert v.readout.text().startswith("step 100,000, epoch 167")


def test_growing_columns_keep_values_across_reallocation():
    g = GrowingColumns(("a", "b"), capacity=2)
    for k in range(5):
        g.append(a=np.arange(3) + 3 * k, b=np.ones(3))
    np.testing.assert_array_equal(g.view("a"), np.arange(15))
    assert g.view("a").flags["C_CONTIGUOUS"] and g.last("a") == 14
    g.clear()
    assert len(g) == 0 and len(g.view("b")) == 0
