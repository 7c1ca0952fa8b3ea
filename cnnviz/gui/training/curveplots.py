"""The plots of the training curves: three stacked plots on one step axis, and their items.

Curves are drawn with clip-to-view and peak downsampling (one min/max pair per
pixel column), so runs of 100k steps redraw quickly.
"""
from __future__ import annotations

from typing import List, Sequence, Tuple

import numpy as np
import pyqtgraph as pg
from PyQt5.QtCore import QLineF, QRectF
from PyQt5.QtGui import QFont

from .curvetext import compact_number


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


class CompactAxis(pg.AxisItem):
    """Tick labels in the shortest form ("0.001", "3e-4") for a narrow axis."""

    def tickStrings(self, values, scale, spacing):
        return [compact_number(v * scale) for v in values]


def add_plots(layout: pg.GraphicsLayoutWidget) -> Tuple[pg.PlotItem, pg.PlotItem, pg.PlotItem]:
    """Stack the loss, accuracy (percent) and learning-rate (log) plots in ``layout``, their step
    axes linked and only the lowest one labelled; returns the three PlotItems, top first."""
    layout.ci.layout.setSpacing(0)
    layout.ci.setContentsMargins(2, 4, 6, 2)
    loss_plot = layout.addPlot(row=0, col=0)
    acc_plot = layout.addPlot(row=1, col=0)
    lr_plot = layout.addPlot(row=2, col=0, axisItems={"left": CompactAxis("left")})
    for row, stretch in ((0, 6), (1, 5), (2, 2)):
        layout.ci.layout.setRowStretchFactor(row, stretch)
    for p, label in ((loss_plot, "loss"), (acc_plot, "acc. %"), (lr_plot, "lr")):
        p.setLabel("left", label)
        p.getAxis("left").setWidth(60)           # the same width: the x axes line up
        p.getAxis("left").enableAutoSIPrefix(False)
        p.showGrid(x=False, y=True, alpha=0.2)
        p.setClipToView(True)
        p.setDownsampling(auto=True, mode="peak")
        if p is not loss_plot:
            p.setXLink(loss_plot)
        if p is not lr_plot:
            p.getAxis("bottom").setStyle(showValues=False)
    lr_plot.setLabel("bottom", "training step")
    lr_plot.getAxis("bottom").enableAutoSIPrefix(False)
    loss_plot.setLimits(yMin=0)
    acc_plot.setLimits(yMin=0, yMax=101)
    # log scale: 1e-3 and 1e-4 after a drop are as far apart as 1e-2 and 1e-3, both labelled
    lr_plot.setLogMode(y=True)
    return loss_plot, acc_plot, lr_plot


def add_curve(plot: pg.PlotItem, **kw) -> pg.PlotDataItem:
    """A PlotDataItem in ``plot`` (``kw`` as for PlotDataItem), clipped to the view and
    peak-downsampled to one min/max pair per pixel column."""
    item = pg.PlotDataItem(**kw)
    item.setClipToView(True)
    item.setDownsampling(auto=True, method="peak")
    # one min/max pair per pixel column is all a screen can show (pyqtgraph's default
    # draws five per pixel, 2-3x slower at 10k+ steps)
    item.opts["autoDownsampleFactor"] = 1.0
    plot.addItem(item)
    return item


def add_epoch_marks(plots: Sequence[pg.PlotItem]) -> List[EpochMarks]:
    """An empty :class:`EpochMarks` in each of ``plots`` (left out of their auto range)."""
    marks = []
    for p in plots:
        item = EpochMarks()
        p.addItem(item, ignoreBounds=True)
        marks.append(item)
    return marks


def add_crosshairs(plots: Sequence[pg.PlotItem]) -> List[pg.InfiniteLine]:
    """A hidden vertical line above the curves in each of ``plots``, for the hovered step."""
    lines = []
    for p in plots:
        line = pg.InfiniteLine(angle=90, movable=False)
        line.setZValue(20)
        line.hide()
        p.addItem(line, ignoreBounds=True)
        lines.append(line)
    return lines


def number_epochs(plot: pg.PlotItem, labels: List[pg.TextItem], labelled: Sequence[Tuple[float, int]],
                  color: str, font: QFont) -> List[pg.TextItem]:
    """Write the epoch numbers ``labelled`` ((step, epoch) pairs) in ``plot``: "epoch 1", "2",
    ... right-aligned at each step, at y 0 (the caller moves them to the top). ``labels``, the
    TextItems shown so far, are reused; extra ones are removed, missing ones added in ``color``
    and ``font``. Returns the TextItems now shown."""
    labels = list(labels)
    while len(labels) > len(labelled):
        plot.removeItem(labels.pop())
    for i, (step, epoch) in enumerate(labelled):
        if i == len(labels):
            label = pg.TextItem(anchor=(1, 0), color=color)
            label.setFont(font)
            plot.addItem(label, ignoreBounds=True)
            labels.append(label)
        label = labels[i]
        label.setText(f"epoch {epoch}" if i == 0 else f"{epoch}")
        label.setPos(step, 0)
    return labels
