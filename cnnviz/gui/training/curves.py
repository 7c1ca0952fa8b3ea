"""CurvesView: loss, accuracy and learning rate of a training run, live or saved.

Three plots share the step axis: the loss of every mini-batch (faint) with its
exponential moving average (bold) and the test loss after each epoch; the
train and test accuracy after each epoch (with the mini-batch accuracy,
smoothed, as a faint guide before the first epoch ends); and the learning
rate. Dashed vertical lines mark the end of each epoch.

Built for long runs: values go into growable numpy arrays (amortised
doubling), curves are drawn with clip-to-view and peak downsampling, and a
timer coalesces the updates into at most 5 redraws a second (1 while a run streams in).
"""
from __future__ import annotations

import math
from typing import Dict, List, Optional

import numpy as np
import pyqtgraph as pg
from PyQt5.QtCore import QEvent, QLineF, QRectF, Qt, QTimer
from PyQt5.QtGui import QFont
from PyQt5.QtWidgets import QLabel, QSizePolicy, QVBoxLayout, QWidget

from ..widgets import theme
from ..widgets.labels import ElidedLines

SMOOTH_STEPS = 30          # time constant of the moving average, in steps
REDRAW_MS = 200            # at most 5 redraws a second: curves need no more, training does
LIVE_REDRAW_MS = 1000      # while a run streams in: once a second (a redraw costs the trainer ~5 ms)
#: while live, the step axis ends at the next of these (times a power of ten) past the last step: it
#: moves now and then instead of on every redraw (each move redraws all axes, twice)
LIVE_X_STEPS = (1.0, 1.2, 1.5, 2.0, 2.5, 3.0, 4.0, 5.0, 6.0, 8.0, 10.0)
MAX_EPOCH_LINES = 30       # more epochs than this: mark every k-th one
MAX_EPOCH_MARKERS = 60     # more epochs than this: lines without markers
MAX_EPOCH_LABELS = 8       # epoch numbers written in the loss plot at most

#: series colours per theme: training (blue), test (orange), learning rate (muted)
CURVE_COLORS = {
    "light": {"train": "#1f6fb4", "test": "#d9590b", "lr": "#4f8a2e", "epoch": "#a8a8a8",
              "epoch_text": "#707070"},
    "dark": {"train": "#5aa9f0", "test": "#ff9438", "lr": "#8fcf6a", "epoch": "#66666b",
             "epoch_text": "#a0a0a0"},
}


class GrowingColumns:
    """Named float64 columns that grow by appending rows, with amortised doubling.

    ``view(name)`` is a contiguous array of the ``len(self)`` values so far
    (a view: valid until the next append that reallocates).
    """

    def __init__(self, names, capacity: int = 1024):
        self._cols: Dict[str, np.ndarray] = {n: np.empty(capacity) for n in names}
        self.n = 0

    def __len__(self) -> int:
        return self.n

    def append(self, **values: np.ndarray) -> None:
        k = len(next(iter(values.values())))
        need = self.n + k
        cap = len(next(iter(self._cols.values())))
        if need > cap:
            cap = max(need, 2 * cap)
            for name, old in self._cols.items():
                new = np.empty(cap)
                new[:self.n] = old[:self.n]
                self._cols[name] = new
        for name, v in values.items():
            self._cols[name][self.n:need] = v
        self.n = need

    def view(self, name: str) -> np.ndarray:
        return self._cols[name][:self.n]

    def last(self, name: str) -> float:
        return float(self._cols[name][self.n - 1])

    def clear(self) -> None:
        self.n = 0


class _Ema:
    """Bias-corrected exponential moving average, fed one value (or a block) at a time."""

    def __init__(self, steps: float = SMOOTH_STEPS):
        self.decay = math.exp(-1.0 / steps)
        self.clear()

    def clear(self):
        self._raw = 0.0
        self._weight = 1.0      # decay ** (steps seen); 1 - it corrects the start-up bias

    def update(self, values: np.ndarray, stride: int = 1) -> np.ndarray:
        """Smoothed value after each of ``values`` (each standing for ``stride`` steps)."""
        a = self.decay ** stride
        out = np.empty(len(values))
        raw, weight = self._raw, self._weight
        for i, v in enumerate(values.tolist()):
            if math.isfinite(v):
                raw = a * raw + (1 - a) * v
                weight *= a
            out[i] = raw / (1 - weight) if weight < 1 else math.nan
        self._raw, self._weight = raw, weight
        return out


class EpochMarks(pg.GraphicsObject):
    """Vertical lines at x positions, spanning the view's height: one item for all epochs
    (dozens of InfiniteLines would each be re-laid out on every redraw)."""

    def __init__(self):
        super().__init__()
        self.positions = np.empty(0)
        self._pen = pg.mkPen("#999999")
        self.setZValue(-5)

    def set_positions(self, xs: np.ndarray) -> None:
        self.prepareGeometryChange()
        self.positions = np.asarray(xs, np.float64)
        self.update()

    def setPen(self, pen) -> None:
        self._pen = pg.mkPen(pen)
        self._pen.setCosmetic(True)
        self.update()

    def viewRangeChanged(self):
        self.prepareGeometryChange()

    def boundingRect(self) -> QRectF:
        vb = self.getViewBox()
        if vb is None or not len(self.positions):
            return QRectF()
        (_, _), (y0, y1) = vb.viewRange()
        x0, x1 = float(self.positions.min()), float(self.positions.max())
        return QRectF(x0, y0, max(x1 - x0, 1e-9), y1 - y0)

    def paint(self, painter, *_):
        vb = self.getViewBox()
        if vb is None or not len(self.positions):
            return
        (_, _), (y0, y1) = vb.viewRange()
        painter.setPen(self._pen)
        painter.drawLines([QLineF(x, y0, x, y1) for x in self.positions.tolist()])


class _CompactAxis(pg.AxisItem):
    """Tick labels in the shortest form ("0.001", "3e-4") for a narrow axis."""

    def tickStrings(self, values, scale, spacing):
        return [compact_number(v * scale) for v in values]


def compact_number(v: float) -> str:
    """0.001 -> '0.001', 0.0003 -> '3e-4', 2.5e-05 -> '2.5e-5', 0 -> '0'."""
    if v != 0 and abs(v) < 0.001:
        mantissa, exp = f"{v:.1e}".split("e")
        return f"{mantissa.rstrip('0').rstrip('.')}e{int(exp)}"
    return f"{v:.2g}"


class CurvesView(QWidget):
    """Loss, accuracy and learning-rate curves over training steps.

    Feed it live with :meth:`add_steps` (rows of step, loss, accuracy, lr)
    and :meth:`add_epoch` (one record per finished epoch), or show a saved run
    with :meth:`set_history`. Public items for tests: ``loss_plot``,
    ``acc_plot``, ``lr_plot`` (PlotItems), ``raw_curve``, ``smooth_curve``,
    ``test_loss_curve``, ``train_acc_curve``, ``test_acc_curve``,
    ``batch_acc_curve``, ``lr_curve`` (PlotDataItems), ``epoch_marks`` (one
    :class:`EpochMarks` per plot), ``epoch_labels``,
    ``readout`` (the hover text).
    """

    def __init__(self, parent: Optional[QWidget] = None):
        super().__init__(parent)
        self.steps = GrowingColumns(("step", "loss", "loss_ema", "acc", "acc_ema", "lr"))
        self.epochs: List[dict] = []
        self.stride = 1
        self._lr_range = (math.inf, -math.inf)      # lowest and highest learning rate seen
        self._loss_ema, self._acc_ema = _Ema(), _Ema()
        self._dirty = False
        self._epochs_dirty = False
        self.epoch_labels: List[pg.TextItem] = []
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(REDRAW_MS)
        self._timer.timeout.connect(self.flush)
        self._hovering = False
        self._empty_axes = False
        self._build_ui()
        self._apply_colors()
        theme.theme_signals().changed.connect(self._on_theme)
        self._show_empty_axes()
        self._show_latest()

    # -- construction ---------------------------------------------------------------
    def _build_ui(self):
        self.legend = QLabel()
        self.legend.setToolTip("Colours mean the same in every plot: blue is training, orange the "
                               "test set, green the learning rate. Markers are the evaluations after "
                               "each epoch; dashed lines mark where an epoch ends.")
        self.legend.setSizePolicy(QSizePolicy.Ignored, QSizePolicy.Preferred)    # clip, never widen
        self.readout = ElidedLines(2)
        self.readout.setToolTip("The latest values; hover the curves to read them at any step")
        self.plots = pg.GraphicsLayoutWidget()
        self.plots.ci.layout.setSpacing(0)
        self.plots.ci.setContentsMargins(2, 4, 6, 2)
        self.loss_plot = self.plots.addPlot(row=0, col=0)
        self.acc_plot = self.plots.addPlot(row=1, col=0)
        self.lr_plot = self.plots.addPlot(row=2, col=0, axisItems={"left": _CompactAxis("left")})
        for row, stretch in ((0, 6), (1, 5), (2, 2)):
            self.plots.ci.layout.setRowStretchFactor(row, stretch)
        for p, label in ((self.loss_plot, "loss"), (self.acc_plot, "acc. %"), (self.lr_plot, "lr")):
            p.setLabel("left", label)
            p.getAxis("left").setWidth(60)           # the same width: the x axes line up
            p.getAxis("left").enableAutoSIPrefix(False)
            p.showGrid(x=False, y=True, alpha=0.2)
            p.setClipToView(True)
            p.setDownsampling(auto=True, mode="peak")
            if p is not self.loss_plot:
                p.setXLink(self.loss_plot)
            if p is not self.lr_plot:
                p.getAxis("bottom").setStyle(showValues=False)
        self.lr_plot.setLabel("bottom", "training step")
        self.lr_plot.getAxis("bottom").enableAutoSIPrefix(False)
        self.loss_plot.setLimits(yMin=0)
        self.acc_plot.setLimits(yMin=0, yMax=101)
        # log scale: 1e-3 and 1e-4 after a drop are as far apart as 1e-2 and 1e-3, both labelled
        self.lr_plot.setLogMode(y=True)
        self._apply_fonts()

        def curve(plot, **kw):
            item = pg.PlotDataItem(**kw)
            item.setClipToView(True)
            item.setDownsampling(auto=True, method="peak")
            # one min/max pair per pixel column is all a screen can show (pyqtgraph's default
            # draws five per pixel, 2-3x slower at 10k+ steps)
            item.opts["autoDownsampleFactor"] = 1.0
            plot.addItem(item)
            return item

        self.raw_curve = curve(self.loss_plot)
        self.smooth_curve = curve(self.loss_plot)
        self.test_loss_curve = curve(self.loss_plot, symbol="s", symbolSize=6)
        self.batch_acc_curve = curve(self.acc_plot)
        self.train_acc_curve = curve(self.acc_plot, symbol="o", symbolSize=6)
        self.test_acc_curve = curve(self.acc_plot, symbol="s", symbolSize=6)
        self.lr_curve = curve(self.lr_plot)
        self.epoch_marks = []
        for p in self._plots():
            marks = EpochMarks()
            p.addItem(marks, ignoreBounds=True)
            self.epoch_marks.append(marks)
        self.loss_plot.vb.sigYRangeChanged.connect(self._place_epoch_labels)
        self.crosshairs = []
        for p in self._plots():
            line = pg.InfiniteLine(angle=90, movable=False)
            line.setZValue(20)
            line.hide()
            p.addItem(line, ignoreBounds=True)
            self.crosshairs.append(line)
        self.plots.scene().sigMouseMoved.connect(self._hover)
        self.plots.installEventFilter(self)
        self._follow = True            # False once the user zooms or pans: leave their view alone
        self._live = False
        self._x_end = None             # where the step axis ends while live
        for p in self._plots():
            p.vb.sigRangeChangedManually.connect(self._on_manual_range)
            p.autoBtn.clicked.connect(self._on_auto_button)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(2, 2, 2, 2)
        layout.setSpacing(1)
        layout.addWidget(self.legend)
        layout.addWidget(self.plots, 1)
        layout.addWidget(self.readout)

    def _apply_fonts(self):
        tick = QFont(self.font())
        tick.setPointSizeF(max(7.0, self.font().pointSizeF() * 0.8))
        self._tick_font = tick
        for p in self._plots():
            for name in ("left", "bottom"):
                axis = p.getAxis(name)
                axis.setTickFont(tick)
                axis.label.setFont(tick)

    def _apply_colors(self):
        name = theme.current_theme()
        c = CURVE_COLORS[name]
        train, test = pg.mkColor(c["train"]), pg.mkColor(c["test"])
        faint = pg.mkColor(c["train"])
        faint.setAlpha(80 if name == "light" else 100)
        self.raw_curve.setPen(pg.mkPen(faint, width=1))
        self.smooth_curve.setPen(pg.mkPen(train, width=2))
        self.test_loss_curve.setPen(pg.mkPen(test, width=1.5))
        guide = pg.mkColor(c["train"])
        guide.setAlpha(130)
        self.batch_acc_curve.setPen(pg.mkPen(guide, width=1, style=Qt.DashLine))
        self.train_acc_curve.setPen(pg.mkPen(train, width=2))
        self.test_acc_curve.setPen(pg.mkPen(test, width=2))
        for item, color in ((self.test_loss_curve, test), (self.train_acc_curve, train),
                            (self.test_acc_curve, test)):
            item.setSymbolBrush(color)
            item.setSymbolPen(pg.mkPen(color))
        self.lr_curve.setPen(pg.mkPen(c["lr"], width=1.5))
        fg = theme.colors(name)["plot_fg"]
        for line in self.crosshairs:
            line.setPen(pg.mkPen(fg, width=1, style=Qt.DotLine))
        for marks in self.epoch_marks:
            marks.setPen(self._epoch_pen())
        for label in self.epoch_labels:
            label.setColor(c["epoch_text"])
        self._legend_html = (
            f"<span style='color:{c['train']}'>&#9473;&#9473; training</span>"
            f" &nbsp;<span style='color:{c['test']}'>&#9632; test</span>"
            f" &nbsp;<span style='color:{c['lr']}'>&#9473;&#9473; learning rate</span>")
        self._fit_legend()

    def _fit_legend(self):
        """The legend, with its explanation when the widget is wide enough to show it."""
        more = " &nbsp;&middot; markers: after each epoch &middot; faint: each batch"
        long_text = "━━ training  ■ test  ━━ learning rate  · markers: after each epoch · faint: each batch"
        fits = self.legend.fontMetrics().horizontalAdvance(long_text) + 12 < self.width()
        self.legend.setText(self._legend_html + (more if fits else ""))

    def resizeEvent(self, ev):
        super().resizeEvent(ev)
        self._fit_legend()

    def _epoch_pen(self):
        return pg.mkPen(CURVE_COLORS[theme.current_theme()]["epoch"], width=1, style=Qt.DashLine)

    def _on_theme(self, _name):
        theme.recolor_plot_widget(self.plots)
        self._apply_colors()

    def eventFilter(self, obj, event):
        if obj is self.plots and event.type() == QEvent.Leave:
            self._end_hover()
        return False

    # -- data in --------------------------------------------------------------------
    def add_steps(self, steps: np.ndarray) -> None:
        """Append rows (step, loss, accuracy, lr), float64 shape (n, 4); accuracy in [0, 1].

        Cheap: the curves are redrawn by a timer, at most every REDRAW_MS.
        """
        rows = np.asarray(steps, dtype=np.float64).reshape(-1, 4)
        if not len(rows):
            return
        self._append(rows[:, 0], rows[:, 1], rows[:, 2], rows[:, 3], 1)
        self._schedule()

    def _append(self, step, loss, acc, lr, stride):
        lo, hi = self._lr_range
        self._lr_range = (min(lo, float(np.min(lr))), max(hi, float(np.max(lr))))
        self.steps.append(step=step, loss=loss, loss_ema=self._loss_ema.update(loss, stride),
                          acc=acc * 100, acc_ema=self._acc_ema.update(acc * 100, stride), lr=lr)
        self._dirty = True

    def add_epoch(self, record: dict) -> None:
        """Add one finished epoch: keys epoch, step, train_loss, train_accuracy, test_loss,
        test_accuracy (may be None), seconds, samples_per_s (accuracies in [0, 1])."""
        self.epochs.append(dict(record))
        self._epochs_dirty = True
        self._schedule()

    def set_history(self, history) -> None:
        """Show a saved run (a :class:`cnnviz.train.History`) instead of what is shown.

        With ``history.step_stride`` k > 1 each stored value is the mean of k
        steps; it is drawn at the middle of its block.
        """
        self.clear()
        k = max(1, int(getattr(history, "step_stride", 1) or 1))
        n = len(history.step_loss)
        self.stride = k
        if n:
            step = np.arange(n) * k + (k + 1) / 2
            self._append(step, np.asarray(history.step_loss, np.float64),
                         np.asarray(history.step_acc, np.float64),
                         np.asarray(history.step_lr, np.float64), k)
        for e in history.epochs:
            self.epochs.append(dict(e))
        self._epochs_dirty = True
        self.flush()

    def clear(self) -> None:
        """Forget everything shown."""
        self.steps.clear()
        self.epochs = []
        self.stride = 1
        self._lr_range = (math.inf, -math.inf)
        self._loss_ema.clear()
        self._acc_ema.clear()
        for label in self.epoch_labels:
            self.loss_plot.removeItem(label)
        self.epoch_labels = []
        self._dirty = self._epochs_dirty = True
        self._follow = True
        self._x_end = None
        self.flush()
        for p in self._plots():
            p.enableAutoRange()
        if not len(self.steps) and not self.epochs:
            self._show_empty_axes()

    def _show_empty_axes(self):
        """Nothing to show: plain axes (no data would leave the previous run's ranges)."""
        self._empty_axes = True
        self.loss_plot.setXRange(0, 100, padding=0)
        self.loss_plot.setYRange(0, 2.5, padding=0)
        self.acc_plot.setYRange(0, 100, padding=0)
        self.lr_plot.setYRange(-4, -2, padding=0)
        self.lr_plot.getAxis("left").setTicks([[], []])

    def set_live(self, live: bool) -> None:
        """Live (a run streams in): redraw at most every LIVE_REDRAW_MS and let the step axis
        grow in steps (see LIVE_X_STEPS); otherwise every REDRAW_MS, the axis fitted to the data."""
        self._live = bool(live)
        self._timer.setInterval(LIVE_REDRAW_MS if live else REDRAW_MS)
        if not live:
            self._x_end = None
            if self._follow:
                self.loss_plot.enableAutoRange(x=True)

    def _follow_steps(self) -> None:
        """While live: end the step axis at the next round number past the last step."""
        if not (self._live and self._follow and len(self.steps)):
            return
        last = self.steps.last("step")
        power = 10.0 ** math.floor(math.log10(max(last * 1.05, 10.0)))
        end = next(m * power for m in LIVE_X_STEPS if m * power >= last * 1.05)
        if end != self._x_end:
            self._x_end = end
            first = float(self.steps.view("step")[0])
            start = first if first > 0.1 * end else 0.0
            self.loss_plot.setXRange(start - 0.02 * (end - start), end, padding=0)

    def _schedule(self):
        if not self._timer.isActive():
            self._timer.start()

    # -- drawing --------------------------------------------------------------------
    def flush(self) -> None:
        """Redraw now what has arrived (the timer calls this; tests may too)."""
        self._timer.stop()
        if self._empty_axes and (len(self.steps) or self.epochs):
            self._empty_axes = False
            for p in self._plots():
                p.enableAutoRange()
        if self._dirty:
            self._dirty = False
            s = self.steps
            x = s.view("step")
            self.raw_curve.setData(x, s.view("loss"))
            self.smooth_curve.setData(x, s.view("loss_ema"))
            self.batch_acc_curve.setData(x, s.view("acc_ema"))
            self.lr_curve.setData(x, s.view("lr"))
            self._follow_steps()
            self._lr_ticks()
            if self.epochs and not self._epochs_dirty:
                self._fit_accuracy_range()          # the live batch accuracy moves on
            if not self._hovering:
                self._show_latest()
        if self._epochs_dirty:
            self._epochs_dirty = False
            self._draw_epochs()
            if not self._hovering:
                self._show_latest()

    def _draw_epochs(self):
        ep = self.epochs
        x = np.array([e["step"] for e in ep], np.float64)
        self.train_acc_curve.setData(x, _column(ep, "train_accuracy", 100))
        test_acc = _column(ep, "test_accuracy", 100)
        test_loss = _column(ep, "test_loss")
        has_test = bool(np.isfinite(test_acc).any())
        self.test_acc_curve.setData(x if has_test else [], test_acc if has_test else [])
        has_test_loss = bool(np.isfinite(test_loss).any())
        self.test_loss_curve.setData(x if has_test_loss else [], test_loss if has_test_loss else [])
        self._fit_accuracy_range()
        dense = len(ep) > MAX_EPOCH_MARKERS        # markers would merge into a thick bar
        for item, symbol in ((self.train_acc_curve, "o"), (self.test_acc_curve, "s"), (self.test_loss_curve, "s")):
            item.setSymbol(None if dense else symbol)
        # epoch boundaries: a dashed line at the last step of every (k-th) epoch, numbered in the
        # loss plot (numbers thinned out so they never crowd)
        every = max(1, math.ceil(len(ep) / MAX_EPOCH_LINES))
        marks = [(e["step"], e["epoch"]) for i, e in enumerate(ep) if (i + 1) % every == 0]
        xs = np.array([m[0] for m in marks], np.float64)
        for item in self.epoch_marks:
            item.set_positions(xs)
        label_every = max(1, math.ceil(len(marks) / MAX_EPOCH_LABELS))
        labelled = [(s, e) for i, (s, e) in enumerate(marks) if (i + 1) % label_every == 0]
        while len(self.epoch_labels) > len(labelled):
            self.loss_plot.removeItem(self.epoch_labels.pop())
        color = CURVE_COLORS[theme.current_theme()]["epoch_text"]
        for i, (step, epoch) in enumerate(labelled):
            if i == len(self.epoch_labels):
                label = pg.TextItem(anchor=(1, 0), color=color)
                label.setFont(self._tick_font)
                self.loss_plot.addItem(label, ignoreBounds=True)
                self.epoch_labels.append(label)
            label = self.epoch_labels[i]
            label.setText(f"epoch {epoch}" if i == 0 else f"{epoch}")
            label.setPos(step, 0)
        self._place_epoch_labels()

    def _place_epoch_labels(self):
        """Keep the epoch numbers at the top of the loss plot as it zooms and pans."""
        top = self.loss_plot.vb.viewRange()[1][1]
        for label in self.epoch_labels:
            label.setPos(label.pos().x(), top)

    def _lr_ticks(self):
        """Label the (log) lr axis with the rates used (highest, lowest, current), not a generic
        scale, in a range that leaves room for each label."""
        lo, top = self._lr_range
        if not len(self.steps) or not (0 < lo <= top < math.inf):
            self.lr_plot.getAxis("left").setTicks([[], []] if self._empty_axes else None)
            return
        a, b = math.log10(lo), math.log10(top)
        pad = max(0.4, 0.35 * (b - a))         # about half a label's height above and below
        levels = []
        for v in (top, lo, self.steps.last("lr")):
            if v > 0 and math.isfinite(v) and all(abs(math.log10(v) - math.log10(u)) > 0.15 * (b - a + 2 * pad)
                                                  for u in levels):
                levels.append(v)
        self.lr_plot.getAxis("left").setTicks([[(math.log10(v), compact_number(v)) for v in levels], []])
        self.lr_plot.setYRange(a - pad, b + pad, padding=0)

    def _fit_accuracy_range(self):
        """Zoom the accuracy plot onto the epoch results (97% vs 99% must be visible) and the
        smoothed batch accuracy since the last of them (the live line stays in view); the batch
        accuracy of earlier epochs, which starts near chance, may run below."""
        vals = np.concatenate([_column(self.epochs, "train_accuracy", 100),
                               _column(self.epochs, "test_accuracy", 100)])
        if len(vals) and len(self.steps):
            since = np.searchsorted(self.steps.view("step"), self.epochs[-1]["step"], side="right")
            vals = np.concatenate([vals, self.steps.view("acc_ema")[since:]])
        vals = vals[np.isfinite(vals)]
        if not len(vals):
            self.acc_plot.enableAutoRange(y=True)
        elif self._follow:
            lo, hi = float(vals.min()), float(vals.max())
            pad = max(1.0, 0.2 * (hi - lo))
            self.acc_plot.setYRange(max(0.0, lo - pad), min(101.0, hi + pad), padding=0)

    def _on_manual_range(self, *_):
        self._follow = False

    def _on_auto_button(self, *_):
        self._follow = True
        self._x_end = None
        self._follow_steps()
        self._fit_accuracy_range()

    def _plots(self):
        return self.loss_plot, self.acc_plot, self.lr_plot

    def _show_latest(self):
        """The readout when the mouse is not over the curves: the newest values."""
        if not len(self.steps) and not self.epochs:
            self.readout.setText("No training yet: press Train and the curves grow here.")
        else:
            last = self.steps.last("step") if len(self.steps) else self.epochs[-1]["step"]
            self.readout.setText(self.describe(last, "latest")[0])

    # -- hover ----------------------------------------------------------------------
    def _hover(self, scene_pos):
        plot = next((p for p in self._plots() if p.vb.sceneBoundingRect().contains(scene_pos)), None)
        if plot is None or (not len(self.steps) and not self.epochs):
            self._end_hover()
            return
        self._hovering = True
        x = plot.vb.mapSceneToView(scene_pos).x()
        what = {id(self.loss_plot): "loss", id(self.acc_plot): "accuracy"}.get(id(plot), "lr")
        text, at = self.describe(x, what)
        for line in self.crosshairs:
            line.setValue(at)
            line.show()
        self.readout.setText(text)

    def _end_hover(self):
        if self._hovering:
            self._hovering = False
            for line in self.crosshairs:
                line.hide()
            self._show_latest()

    def describe(self, x: float, what: str = "loss"):
        """(readout text, step it is about) for the data nearest to step ``x``.

        ``what``: 'loss' (step, epoch, loss and its average, the last test loss),
        'accuracy' (the nearest epoch's train and test accuracy), 'lr', or
        'latest' (step, epoch and smoothed loss, then the last epoch's accuracies).
        The text has at most two lines (the readout shows both).
        """
        if what == "accuracy" and self.epochs:
            e = min(self.epochs, key=lambda r: abs(r["step"] - x))
            text = f"after epoch {e['epoch']} (step {e['step']:,}): " + _accuracies(e)
            if len(self.steps):
                i = self._nearest(e["step"])
                text += f"\nbatch accuracy (smoothed) {self.steps.view('acc_ema')[i]:.1f}%"
            return text, float(e["step"])
        if not len(self.steps):
            return self.describe(x, "accuracy")
        s = self.steps
        i = self._nearest(x)
        at = float(s.view("step")[i])
        head = f"step {at:,.0f}"
        if self.stride > 1:
            lo = at - (self.stride - 1) / 2
            head = f"steps {lo:,.0f}–{lo + self.stride - 1:,.0f} (mean)"
        head += f", epoch {1 + sum(1 for e in self.epochs if e['step'] < at)}"
        if what == "lr":
            return f"{head} · learning rate {s.view('lr')[i]:.3g}", at
        done = [e for e in self.epochs if e["step"] <= at + self.stride / 2]
        if what == "latest":
            # where the run is and how it goes, then how good it was at the last evaluation
            text = f"{head} · loss {s.view('loss_ema')[i]:.3g} (smoothed)"
            if done:
                text += f"\nafter epoch {done[-1]['epoch']}: {_accuracies(done[-1])}"
            return text, at
        text = f"{head} · loss {s.view('loss')[i]:.3g} (smoothed {s.view('loss_ema')[i]:.3g})"
        if not done:
            text += f"\nbatch accuracy {s.view('acc')[i]:.0f}%"
        elif done[-1].get("test_loss") is not None:
            text += f"\ntest loss {done[-1]['test_loss']:.3g} after epoch {done[-1]['epoch']}"
        return text, at

    def _nearest(self, x: float) -> int:
        steps = self.steps.view("step")
        i = int(np.clip(np.searchsorted(steps, x), 0, len(steps) - 1))
        return i - 1 if i > 0 and abs(steps[i - 1] - x) <= abs(steps[i] - x) else i


def _accuracies(e: dict) -> str:
    text = f"train {_pct(e.get('train_accuracy'))}"
    return text + (f", test {_pct(e['test_accuracy'])}" if e.get("test_accuracy") is not None else "")


def _column(records: List[dict], key: str, scale: float = 1.0) -> np.ndarray:
    """records[i][key] * scale as float64, NaN where missing or None."""
    return np.array([np.nan if r.get(key) is None else float(r[key]) * scale for r in records], np.float64)


def _pct(v) -> str:
    return "–" if v is None else f"{100 * float(v):.2f}%"
