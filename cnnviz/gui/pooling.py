"""PoolingView: one channel before and after a pooling layer, side by side.

For max pooling every output's winning input position is marked with a
square (from :meth:`MaxPool2D.winners` on the layer's input, the previous
trace entry); the pooling windows are drawn as a grid. Hovering an output
cell outlines the window it summarises; hovering an input pixel says whether
it was kept. When the selected layer is not a pool, the nearest pool is shown.
"""
from __future__ import annotations

from typing import Optional

import numpy as np
import pyqtgraph as pg
from PyQt5.QtCore import QRectF
from PyQt5.QtGui import QColor, QPen
from PyQt5.QtWidgets import (QGraphicsRectItem, QHBoxLayout, QLabel, QSpinBox, QVBoxLayout,
                             QWidget)

from . import colormaps as cm
from .featuremaps import ElidedLabel, channel_name
from .lazy import CatchUpOnShow, skip_while_hidden

POOL_KINDS = ("MaxPool2D", "AvgPool2D")
WINNER_COLOR = "#00e0ff"
GRID_COLOR = "#9a9a9a"
HOVER_COLOR = "#40ff40"


def nearest_pool(entries, index: int) -> Optional[int]:
    """Trace position of the pooling entry closest to ``index`` (earlier wins a tie), or None."""
    for d in range(len(entries)):
        for j in (index - d, index + d):
            if 0 <= j < len(entries) and entries[j][1] in POOL_KINDS:
                return j
    return None


def _box(color: str, width: int = 2) -> QGraphicsRectItem:
    box = QGraphicsRectItem()
    pen = QPen(QColor(color))
    pen.setCosmetic(True)
    pen.setWidth(width)
    box.setPen(pen)
    box.setZValue(20)
    box.hide()
    return box


class PoolingView(CatchUpOnShow, QWidget):
    """A pooling layer's input and output maps for one channel, with max winners or avg windows marked.

    Public: ``channel_spin``, ``input_image`` and ``output_image`` (ImageItems),
    ``winners`` (ScatterPlotItem of winning positions, x = col + 0.5,
    y = row + 0.5), ``windows`` (the window grid), ``colorbar``, ``title``,
    ``readout``, :attr:`pool_index` (trace position shown, or None),
    :meth:`set_channel`, :meth:`refresh`.
    """

    def __init__(self, inspector, parent: Optional[QWidget] = None):
        super().__init__(parent)
        self.inspector = inspector
        self.pool_index: Optional[int] = None
        self.channel = 0
        self._entries = inspector.entries()
        self._fit_key = None
        self._win = None              # (OH, OW, 2) winners of the shown channel, or None
        self._kept_by = None          # (H, W) flat output index that kept each input, -1 if none
        self._cmap = None
        self._build_ui()
        inspector.networkChanged.connect(self._on_network)
        inspector.traceChanged.connect(self.refresh)
        inspector.layerSelected.connect(lambda _i: self.refresh())
        inspector.channelSelected.connect(self.set_channel)
        self.refresh()

    def _build_ui(self):
        self.title = QLabel()
        self.title.setWordWrap(True)
        self.title.linkActivated.connect(lambda href: self.inspector.select(int(href)))
        self.readout = ElidedLabel()
        self.channel_spin = QSpinBox()
        self.channel_spin.setToolTip("Which channel to compare (a click on a feature map picks it too)")
        self.channel_spin.valueChanged.connect(self.inspector.select_channel)
        self.channel_of = QLabel()

        # a QLabel, not LabelItems: a LabelItem's text width is a hard minimum of the plot layout
        self.maps_label = ElidedLabel()
        self.plot_widget = pg.GraphicsLayoutWidget()
        self.in_view = self.plot_widget.addViewBox(row=0, col=0, lockAspect=True, invertY=True, enableMenu=False)
        self.out_view = self.plot_widget.addViewBox(row=0, col=1, lockAspect=True, invertY=True, enableMenu=False)
        self.input_image = pg.ImageItem(axisOrder="row-major")
        self.output_image = pg.ImageItem(axisOrder="row-major")
        self.in_view.addItem(self.input_image)
        self.out_view.addItem(self.output_image)
        self.windows = pg.PlotCurveItem(pen=pg.mkPen(GRID_COLOR, width=1), connect="pairs")
        self.out_grid = pg.PlotCurveItem(pen=pg.mkPen(GRID_COLOR, width=1), connect="pairs")
        self.in_view.addItem(self.windows, ignoreBounds=True)
        self.out_view.addItem(self.out_grid, ignoreBounds=True)
        self.winners = pg.ScatterPlotItem(pxMode=False, symbol="s", size=0.8,
                                          pen=pg.mkPen(WINNER_COLOR, width=2), brush=None)
        self.in_view.addItem(self.winners)
        self.in_box, self.in_cell, self.out_box = _box(HOVER_COLOR), _box(WINNER_COLOR), _box(HOVER_COLOR)
        self.in_view.addItem(self.in_box, ignoreBounds=True)
        self.in_view.addItem(self.in_cell, ignoreBounds=True)
        self.out_view.addItem(self.out_box, ignoreBounds=True)
        self.colorbar = pg.ColorBarItem(interactive=False, width=14, colorMap=cm.ACTIVATION, colorMapMenu=False)
        self.colorbar.axis.setWidth(60)
        self.colorbar.setImageItem([self.input_image, self.output_image])
        self.plot_widget.addItem(self.colorbar, row=0, col=2)
        self.plot_widget.scene().sigMouseMoved.connect(self._hover)

        controls = QHBoxLayout()
        controls.addWidget(QLabel("channel"))
        controls.addWidget(self.channel_spin)
        controls.addWidget(self.channel_of)
        controls.addSpacing(12)
        controls.addWidget(self.maps_label, 1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self.title)
        layout.addLayout(controls)
        layout.addWidget(self.plot_widget, 1)
        layout.addWidget(self.readout)

    # -- public -------------------------------------------------------------------
    def set_channel(self, channel: int) -> None:
        """Show channel ``channel`` (clamped to the pool's channels)."""
        self.channel = max(0, int(channel))
        self.refresh()

    # -- signals ------------------------------------------------------------------
    def _on_network(self):
        self._entries = self.inspector.entries()
        self.pool_index = None
        self.refresh()

    # -- drawing ------------------------------------------------------------------
    @skip_while_hidden
    def refresh(self) -> None:
        """Redraw from the inspector's selection, channel and trace."""
        sel = min(max(self.inspector.selected, 0), len(self._entries) - 1)
        idx = nearest_pool(self._entries, sel)
        self.pool_index = idx
        if idx is None:
            self.title.setText("This network has no pooling layer.")
            self.plot_widget.hide()
            self.channel_spin.setEnabled(False)
            return
        self.plot_widget.show()
        self.channel_spin.setEnabled(True)
        name, kind, describe, (c, oh, ow) = self._entries[idx]
        in_name, in_kind, _, (_, h, w) = self._entries[idx - 1]
        layer = self.inspector.layer_at(idx)
        ch = min(self.channel, c - 1)
        self.channel_spin.blockSignals(True)
        self.channel_spin.setRange(0, c - 1)
        self.channel_spin.setValue(ch)
        self.channel_spin.blockSignals(False)
        self.channel_of.setText(f"of {c}")

        x_all, y_all = self.inspector.value(idx - 1), self.inspector.value(idx)
        if x_all is None or y_all is None:
            x, y = np.zeros((h, w), np.float32), np.zeros((oh, ow), np.float32)
            cmap, levels = cm.ACTIVATION, (0.0, 1.0)
        else:
            x, y = x_all[ch], y_all[ch]
            cmap, levels = cm.activation_style(in_kind, x)
        self.input_image.setImage(x, autoLevels=False, levels=levels)
        self.output_image.setImage(y, autoLevels=False, levels=levels)
        if cmap is not self._cmap:
            self._cmap = cmap
            self.colorbar.setColorMap(cmap)
        self.colorbar.setLevels(levels)

        self._win = self._kept_by = None
        if kind == "MaxPool2D" and x_all is not None:
            self._win = layer.winners(x_all[None, ch:ch + 1])[0, 0]             # (OH, OW, 2)
            self._flat = self._flat_windows(layer, x, y)
            real = ~self._flat.ravel()          # a window of equal values has no real winner: unmarked
            self._kept_by = np.full((h, w), -1, np.int64)
            rows, cols = self._win[..., 0].ravel()[real], self._win[..., 1].ravel()[real]
            self._kept_by[rows, cols] = np.arange(oh * ow)[real]
            self.winners.setData(x=cols + 0.5, y=rows + 0.5)
            self.winners.show()
        else:
            self.winners.hide()

        fit = (idx, h, w, oh, ow)
        if fit != self._fit_key:
            self._fit_key = fit
            self._draw_grids(layer, h, w, oh, ow)
            self.in_view.setRange(QRectF(0, 0, w, h), padding=0.02)
            self.out_view.setRange(QRectF(0, 0, ow, oh), padding=0.02)
            for box in (self.in_box, self.in_cell, self.out_box):
                box.hide()
            self.readout.setText("")
        cname = channel_name(in_kind, c, ch)
        self.maps_label.setText(f"left: {in_name} {cname} ({h}x{w}) → right: {name} "
                                f"{channel_name(kind, c, ch)} ({oh}x{ow})")

        if kind == "MaxPool2D":
            what = (f"keeps the largest value of each window "
                    f"(<span style='color:{WINNER_COLOR}'>□</span> = the winner)")
        else:
            what = "averages each window (grid lines)"
        shown = f"<b>{name}</b>"
        if idx != sel:
            shown = f"<a href='{idx}'><b>{name}</b></a> (the pool nearest {self._entries[sel][0]})"
        head = f"{shown} · {kind} {describe} · {what}"
        if x_all is None:
            head += "<br><i>Draw something to see what pooling keeps.</i>"
            self.readout.setText("no input yet")
        elif self.readout.text() in ("", "no input yet"):
            self.readout.setText("hover a cell to see its window")
        self.title.setText(head)

    def _draw_grids(self, layer, h, w, oh, ow):
        """Window boundaries on the input (stride grid plus the last window's end) and cell lines on the output."""
        (kh, kw), (sh, sw) = layer.kernel, layer.stride
        (pt, _), (pl, _) = layer.pads

        def bounds(n_out, s, k, p, size):
            starts = np.arange(n_out) * s - p
            return np.unique(np.clip(np.concatenate([starts, starts + k]), 0, size))

        self.windows.setData(*_grid_lines(bounds(oh, sh, kh, pt, h), bounds(ow, sw, kw, pl, w), h, w))
        self.out_grid.setData(*_grid_lines(np.arange(oh + 1), np.arange(ow + 1), oh, ow))

    @staticmethod
    def _flat_windows(layer, x, y):
        """(OH, OW) bool: windows whose values are all equal (e.g. all 0 after a ReLU)."""
        (kh, kw), (sh, sw) = layer.kernel, layer.stride
        (pt, pb), (pl, pr) = layer.pads
        oh, ow = y.shape
        xp = np.full((x.shape[0] + pt + pb, x.shape[1] + pl + pr), np.inf, x.dtype)
        xp[pt:pt + x.shape[0], pl:pl + x.shape[1]] = x          # padding never counts as a minimum
        low = np.full((oh, ow), np.inf, x.dtype)
        for a in range(kh):
            for b in range(kw):
                np.minimum(low, xp[a:a + sh * (oh - 1) + 1:sh, b:b + sw * (ow - 1) + 1:sw], out=low)
        return low == y

    def _window(self, i, j):
        """(top, left, bottom, right) input rows/cols (exclusive ends) of output cell (i, j), clipped."""
        layer = self.inspector.layer_at(self.pool_index)
        (kh, kw), (sh, sw) = layer.kernel, layer.stride
        (pt, _), (pl, _) = layer.pads
        h, w = self._entries[self.pool_index - 1][3][1:]
        t, l = i * sh - pt, j * sw - pl
        return max(t, 0), max(l, 0), min(t + kh, h), min(l + kw, w)

    # -- mouse --------------------------------------------------------------------
    def _hover(self, scene_pos):
        if self.pool_index is None:
            return
        for box in (self.in_box, self.in_cell, self.out_box):
            box.hide()
        name, kind, _, (c, oh, ow) = self._entries[self.pool_index]
        in_name, _, _, (_, h, w) = self._entries[self.pool_index - 1]
        x_all, y_all = self.inspector.value(self.pool_index - 1), self.inspector.value(self.pool_index)
        ch = min(self.channel, c - 1)
        p = self.output_image.mapFromScene(scene_pos)
        if self.out_view.sceneBoundingRect().contains(scene_pos) and 0 <= p.y() < oh and 0 <= p.x() < ow:
            i, j = int(p.y()), int(p.x())
            t, l, b, r = self._window(i, j)
            self.out_box.setRect(QRectF(j, i, 1, 1))
            self.in_box.setRect(QRectF(l, t, r - l, b - t))
            self.out_box.show()
            self.in_box.show()
            text = f"{name} output row {i}, col {j}"
            if y_all is not None:
                text += f" = {y_all[ch, i, j]:.4g}"
            op = "max" if kind == "MaxPool2D" else "mean"
            text += f" · {op} of input rows {t}–{b - 1}, cols {l}–{r - 1}"
            if self._win is not None and self._flat[i, j]:
                text += " · all equal: no real winner"
            elif self._win is not None:
                wr, wc = self._win[i, j]
                self.in_cell.setRect(QRectF(wc, wr, 1, 1))
                self.in_cell.show()
                text += f" · won by row {wr}, col {wc}"
            self.readout.setText(text)
            return
        p = self.input_image.mapFromScene(scene_pos)
        if self.in_view.sceneBoundingRect().contains(scene_pos) and 0 <= p.y() < h and 0 <= p.x() < w:
            r, k = int(p.y()), int(p.x())
            self.in_box.setRect(QRectF(k, r, 1, 1))
            self.in_box.show()
            text = f"{in_name} row {r}, col {k}"
            if x_all is not None:
                text += f" = {x_all[ch, r, k]:.4g}"
            if self._kept_by is not None:
                o = self._kept_by[r, k]
                if o >= 0:
                    i, j = divmod(int(o), ow)
                    self.out_box.setRect(QRectF(j, i, 1, 1))
                    self.out_box.show()
                    text += f" · kept: the max of output row {i}, col {j}"
                else:
                    text += " · not kept (not larger than the rest of its window)"
            self.readout.setText(text)


def _grid_lines(ys, xs, h, w):
    """x, y arrays for PlotCurveItem(connect='pairs'): horizontal lines at ``ys``, vertical at ``xs``."""
    hx = np.repeat([[0, w]], len(ys), axis=0).ravel()
    hy = np.repeat(ys, 2)
    vx = np.repeat(xs, 2)
    vy = np.repeat([[0, h]], len(xs), axis=0).ravel()
    return np.concatenate([hx, vx]).astype(float), np.concatenate([hy, vy]).astype(float)
