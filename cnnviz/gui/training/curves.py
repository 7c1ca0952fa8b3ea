"""CurvesView: loss, accuracy and learning rate of a training run, live or saved.

Three plots share the step axis: the loss of every mini-batch (faint) with its
exponential moving average (bold) and the test loss after each epoch; the
train and test accuracy after each epoch (with the mini-batch accuracy,
smoothed, as a faint guide before the first epoch ends); and the learning
rate. Dashed vertical lines mark the end of each epoch.

Built for long runs: values go into growable numpy arrays (amortised
doubling; :mod:`.curvedata`), curves are drawn with clip-to-view and peak
downsampling (:mod:`.curveplots`), and a timer coalesces the updates into at
most 5 redraws a second (1 while a run streams in).
"""
from __future__ import annotations

import math
from typing import List, Optional

import numpy as np
import pyqtgraph as pg
from PyQt5.QtCore import Qt, QTimer, pyqtSignal
from PyQt5.QtGui import QFont
from PyQt5.QtWidgets import QLabel, QSizePolicy, QVBoxLayout, QWidget

from ..widgets import theme
from ..widgets.labels import ElidedLines
from .curvedata import CurveData, accuracy_range, epoch_boundaries, epoch_column, live_axis_end, lr_axis
from .curveplots import add_crosshairs, add_curve, add_epoch_marks, add_plots, number_epochs
from .curvetext import compact_number, describe, latest_text

REDRAW_MS = 200            # at most 5 redraws a second: curves need no more, training does
LIVE_REDRAW_MS = 1000      # while a run streams in: once a second (a redraw costs the trainer ~5 ms)
MAX_EPOCH_MARKERS = 60     # more epochs than this: lines without markers
COMPACT_BELOW_PX = 190     # plots shorter than this drop the learning-rate plot

#: series colours per theme: training (blue), test (orange), learning rate (muted)
CURVE_COLORS = {
    "light": {"train": "#1f6fb4", "test": "#d9590b", "lr": "#4f8a2e", "epoch": "#a8a8a8",
              "epoch_text": "#707070"},
    "dark": {"train": "#5aa9f0", "test": "#ff9438", "lr": "#8fcf6a", "epoch": "#66666b",
             "epoch_text": "#a0a0a0"},
}


class CurvesView(QWidget):
    """Loss, accuracy and learning-rate curves over training steps.

    Feed it live with :meth:`add_steps` (rows of step, loss, accuracy, lr)
    and :meth:`add_epoch` (one record per finished epoch), or show a saved run
    with :meth:`set_history`; ``data`` (a :class:`.curvedata.CurveData`) holds
    what arrived. Public items for tests: ``loss_plot``, ``acc_plot``,
    ``lr_plot`` (PlotItems), ``raw_curve``, ``smooth_curve``,
    ``test_loss_curve``, ``train_acc_curve``, ``test_acc_curve``,
    ``batch_acc_curve``, ``lr_curve`` (PlotDataItems), ``epoch_marks`` (one
    :class:`.curveplots.EpochMarks` per plot), ``epoch_labels``,
    ``readout`` (the hover text).
    """

    def __init__(self, parent: Optional[QWidget] = None):
        super().__init__(parent)
        self.data = CurveData()
        self._dirty = False
        self._epochs_dirty = False
        self.epoch_labels: List[pg.TextItem] = []
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(REDRAW_MS)
        self._timer.timeout.connect(self.flush)
        self._hovering = False
        self._empty_axes = False
        self.compact = False           # True: no learning-rate plot (a short panel)
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
        self.plots = _Plots()
        self.loss_plot, self.acc_plot, self.lr_plot = add_plots(self.plots)
        self._apply_fonts()
        self.raw_curve = add_curve(self.loss_plot)
        self.smooth_curve = add_curve(self.loss_plot)
        self.test_loss_curve = add_curve(self.loss_plot, symbol="s", symbolSize=6)
        self.batch_acc_curve = add_curve(self.acc_plot)
        self.train_acc_curve = add_curve(self.acc_plot, symbol="o", symbolSize=6)
        self.test_acc_curve = add_curve(self.acc_plot, symbol="s", symbolSize=6)
        self.lr_curve = add_curve(self.lr_plot)
        self.epoch_marks = add_epoch_marks(self._plots())
        self.loss_plot.vb.sigYRangeChanged.connect(self._place_epoch_labels)
        self.crosshairs = add_crosshairs(self._plots())
        self.plots.scene().sigMouseMoved.connect(self._hover)
        self.plots.left.connect(self._end_hover)
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
        self._legend_html = self._legend_html_for()
        self._fit_legend()

    def _legend_html_for(self) -> str:
        c = CURVE_COLORS[theme.current_theme()]
        lr = "" if self.compact else f" &nbsp;<span style='color:{c['lr']}'>&#9473;&#9473; learning rate</span>"
        return (f"<span style='color:{c['train']}'>&#9473;&#9473; training</span>"
                f" &nbsp;<span style='color:{c['test']}'>&#9632; test</span>" + lr)

    def _fit_legend(self):
        """The legend, with its explanation when the widget is wide enough to show it."""
        more = " &nbsp;&middot; markers: after each epoch &middot; faint: each batch"
        long_text = "━━ training  ■ test  ━━ learning rate  · markers: after each epoch · faint: each batch"
        fits = self.legend.fontMetrics().horizontalAdvance(long_text) + 12 < self.width()
        self.legend.setText(self._legend_html + (more if fits else ""))

    def resizeEvent(self, ev):
        super().resizeEvent(ev)
        self._fit_legend()
        self._fit_plots()

    def _fit_plots(self) -> None:
        """In a short panel the learning-rate plot goes (its value stays in the readout) so the
        loss and accuracy plots keep room for their names; it comes back when there is room."""
        compact = 0 < self.plots.height() < COMPACT_BELOW_PX
        if compact == self.compact:
            return
        self.compact = compact
        self.lr_plot.setVisible(not compact)
        self.lr_plot.setMaximumHeight(0 if compact else 16777215)
        self.plots.ci.layout.setRowStretchFactor(2, 0 if compact else 2)
        self.plots.ci.layout.setRowStretchFactor(0, 5 if compact else 6)      # two plots: equal shares
        self.acc_plot.setLabel("left", "acc %" if compact else "acc. %")
        bottom = self.acc_plot.getAxis("bottom")
        bottom.setStyle(showValues=compact)
        self.acc_plot.setLabel("bottom", "training step" if compact else None)
        if not compact:
            bottom.showLabel(False)
        self._legend_html = self._legend_html_for()
        self._fit_legend()
        if not self._hovering:
            self._show_latest()

    def _epoch_pen(self):
        return pg.mkPen(CURVE_COLORS[theme.current_theme()]["epoch"], width=1, style=Qt.DashLine)

    def _on_theme(self, _name):
        theme.recolor_plot_widget(self.plots)
        self._apply_colors()

    # -- data in --------------------------------------------------------------------
    def add_steps(self, steps: np.ndarray) -> None:
        """Append rows (step, loss, accuracy, lr), float64 shape (n, 4); accuracy in [0, 1].

        Cheap: the curves are redrawn by a timer, at most every REDRAW_MS.
        """
        rows = np.asarray(steps, dtype=np.float64).reshape(-1, 4)
        if not len(rows):
            return
        self.data.add_steps(rows)
        self._dirty = True
        self._schedule()

    def add_epoch(self, record: dict) -> None:
        """Add one finished epoch: keys epoch, step, train_loss, train_accuracy, test_loss,
        test_accuracy (may be None), seconds, samples_per_s (accuracies in [0, 1])."""
        self.data.add_epoch(record)
        self._epochs_dirty = True
        self._schedule()

    def set_history(self, history) -> None:
        """Show a saved run (a :class:`cnnviz.train.History`) instead of what is shown; a
        compacted run's values are drawn at the middle of their blocks (see CurveData.load)."""
        self.clear()
        self.data.load(history)
        self._dirty = len(self.data.steps) > 0
        self._epochs_dirty = True
        self.flush()

    def clear(self) -> None:
        """Forget everything shown."""
        self.data.clear()
        for label in self.epoch_labels:
            self.loss_plot.removeItem(label)
        self.epoch_labels = []
        self._dirty = self._epochs_dirty = True
        self._follow = True
        self._x_end = None
        self.flush()
        for p in self._plots():
            p.enableAutoRange()
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
        grow in steps (see :func:`.curvedata.live_axis_end`); otherwise every REDRAW_MS, the
        axis fitted to the data."""
        self._live = bool(live)
        self._timer.setInterval(LIVE_REDRAW_MS if live else REDRAW_MS)
        if not live:
            self._x_end = None
            if self._follow:
                self.loss_plot.enableAutoRange(x=True)

    def _follow_steps(self) -> None:
        """While live: end the step axis at the next round number past the last step."""
        steps = self.data.steps
        if not (self._live and self._follow and len(steps)):
            return
        end = live_axis_end(steps.last("step"))
        if end != self._x_end:
            self._x_end = end
            first = float(steps.view("step")[0])
            start = first if first > 0.1 * end else 0.0
            self.loss_plot.setXRange(start - 0.02 * (end - start), end, padding=0)

    def _schedule(self):
        if not self._timer.isActive():
            self._timer.start()

    # -- drawing --------------------------------------------------------------------
    def flush(self) -> None:
        """Redraw now what has arrived (the timer calls this; tests may too)."""
        self._timer.stop()
        if self._empty_axes and not self.data.is_empty():
            self._empty_axes = False
            for p in self._plots():
                p.enableAutoRange()
        if self._dirty:
            self._dirty = False
            s = self.data.steps
            x = s.view("step")
            self.raw_curve.setData(x, s.view("loss"))
            self.smooth_curve.setData(x, s.view("loss_ema"))
            self.batch_acc_curve.setData(x, s.view("acc_ema"))
            self.lr_curve.setData(x, s.view("lr"))
            self._follow_steps()
            self._lr_ticks()
            if self.data.epochs and not self._epochs_dirty:
                self._fit_accuracy_range()          # the live batch accuracy moves on
            if not self._hovering:
                self._show_latest()
        if self._epochs_dirty:
            self._epochs_dirty = False
            self._draw_epochs()
            if not self._hovering:
                self._show_latest()

    def _draw_epochs(self):
        ep = self.data.epochs
        x = np.array([e["step"] for e in ep], np.float64)
        self.train_acc_curve.setData(x, epoch_column(ep, "train_accuracy", 100))
        test_acc = epoch_column(ep, "test_accuracy", 100)
        test_loss = epoch_column(ep, "test_loss")
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
        marks, labelled = epoch_boundaries(ep)
        xs = np.array([m[0] for m in marks], np.float64)
        for item in self.epoch_marks:
            item.set_positions(xs)
        color = CURVE_COLORS[theme.current_theme()]["epoch_text"]
        self.epoch_labels = number_epochs(self.loss_plot, self.epoch_labels, labelled, color, self._tick_font)
        self._place_epoch_labels()

    def _place_epoch_labels(self):
        """Keep the epoch numbers at the top of the loss plot as it zooms and pans."""
        top = self.loss_plot.vb.viewRange()[1][1]
        for label in self.epoch_labels:
            label.setPos(label.pos().x(), top)

    def _lr_ticks(self):
        """Label the (log) lr axis with the rates used (highest, lowest, current), not a generic
        scale, in a range that leaves room for each label."""
        lo, top = self.data.lr_range
        if not len(self.data.steps) or not (0 < lo <= top < math.inf):
            self.lr_plot.getAxis("left").setTicks([[], []] if self._empty_axes else None)
            return
        levels, (y0, y1) = lr_axis(lo, top, self.data.steps.last("lr"))
        self.lr_plot.getAxis("left").setTicks([[(math.log10(v), compact_number(v)) for v in levels], []])
        self.lr_plot.setYRange(y0, y1, padding=0)

    def _fit_accuracy_range(self):
        """Zoom the accuracy plot onto the epoch results and the live batch accuracy (see
        :func:`.curvedata.accuracy_range`), unless the user has zoomed or panned."""
        fit = accuracy_range(self.data)
        if fit is None:
            self.acc_plot.enableAutoRange(y=True)
        elif self._follow:
            self.acc_plot.setYRange(*fit, padding=0)

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
        self.readout.setText(latest_text(self.data, with_lr=self.compact))

    # -- hover ----------------------------------------------------------------------
    def _hover(self, scene_pos):
        plot = next((p for p in self._plots() if p.vb.sceneBoundingRect().contains(scene_pos)), None)
        if plot is None or self.data.is_empty():
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
        """(readout text, step it is about) for the data nearest to step ``x``; ``what`` is
        'loss', 'accuracy', 'lr' or 'latest' (see :func:`.curvetext.describe`)."""
        return describe(self.data, x, what)


class _Plots(pg.GraphicsLayoutWidget):
    """The plots' widget; ``left`` when the mouse leaves it (a Python event filter here would
    see every child event of the plots: see the window's note on event overrides)."""

    left = pyqtSignal()

    def leaveEvent(self, event) -> None:
        super().leaveEvent(event)
        self.left.emit()
