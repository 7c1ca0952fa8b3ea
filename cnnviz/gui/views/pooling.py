"""PoolingView: one channel before and after a pooling layer, side by side.

Both maps are drawn in one view, the output to the right of the input at the same size
(so an output cell covers the window it summarises), each named above it. For max pooling
every real winner (from :meth:`MaxPool2D.winners` on the layer's input, the previous trace
entry) is outlined by a thin square that leaves its value readable; windows whose values are
all equal (within floating-point noise) have no winner, and windows whose largest value is
under :data:`WEAK_FRACTION` of the map's range (border padding, faint noise) are left
unmarked too. The pooling windows are drawn as a grid. Hovering an output cell outlines the
window it summarises; hovering an input pixel says whether it was kept. When the selected
layer is not a pool, the nearest pool is shown.
"""
from __future__ import annotations

from typing import Optional

import numpy as np
import pyqtgraph as pg
from PyQt5.QtCore import QRectF, Qt
from PyQt5.QtGui import QFontMetrics
from PyQt5.QtWidgets import QLabel, QWidget

from ..widgets import colormaps as cm
from ..widgets import theme
from ..widgets.text import channel_name
from ..widgets.lazy import skip_while_hidden
from ..widgets.badge import source_badge
from ..widgets.colorbar import ColorBar
from ..widgets.labels import ElidedLines, WrapLabel
from ..widgets.layerview import NO_INPUT, NOISE_FRACTION, LayerView, nearest_entry, view_layout
from ..widgets.plotitems import fit_with_header, outline_box
from ..widgets.wheelguard import SpinBox

POOL_KINDS = ("MaxPool2D", "AvgPool2D")
WINNER_COLOR = "#00e0ff"
GRID_COLOR = "#9a9a9a"
HOVER_COLOR = "#40ff40"
#: windows whose max lies less than this fraction of the map's range above its minimum are
#: not marked: a winner of padding-level values says nothing about the drawing
WEAK_FRACTION = 0.05
GAP = 0.14                      # space between the two maps, as a fraction of the input's width


def nearest_pool(entries, index: int) -> Optional[int]:
    """Trace position of the pooling entry closest to ``index`` (earlier wins a tie), or None."""
    return nearest_entry(entries, index, POOL_KINDS)


class PoolingView(LayerView):
    """A pooling layer's input and output maps for one channel, with max winners or avg windows marked.

    Public: ``channel_spin``, ``view`` (the ViewBox holding both maps), ``input_image`` and
    ``output_image`` (ImageItems; the output image is placed right of the input, so read
    its pixels with ``mapFromScene``),
    ``winners`` (ScatterPlotItem of the marked winning positions, x = col + 0.5,
    y = row + 0.5), ``windows`` (the window grid), ``in_label`` / ``out_label`` (the maps'
    names), ``colorbar``, ``title``, ``readout``, :attr:`pool_index` (trace position shown,
    or None), :meth:`set_channel`, :meth:`refresh`.
    """

    def __init__(self, inspector, parent: Optional[QWidget] = None):
        super().__init__(inspector, parent)
        self.pool_index: Optional[int] = None
        self.channel = 0
        self._win = None              # (OH, OW, 2) winners of the shown channel, or None
        self._flat = None             # (OH, OW) windows without a real winner
        self._weak = None             # (OH, OW) windows too weak to mark
        self._kept_by = None          # (H, W) flat output index that kept each input, -1 if none
        self._cmap = None
        self._label_texts = ("", "", "", "")     # (in long, out long, in short, out short)
        self._build_ui()
        inspector.networkChanged.connect(self._on_network)
        inspector.traceChanged.connect(self.refresh)
        inspector.layerSelected.connect(lambda _i: self.refresh())
        inspector.channelSelected.connect(self.set_channel)
        theme.theme_signals().changed.connect(self._color_labels)
        self.refresh()

    def _build_ui(self):
        self.title = WrapLabel()
        self.title.linkActivated.connect(lambda href: self.inspector.select(int(href)))
        self.readout = ElidedLines(2, wrap=True)        # hover texts are long: two lines
        self.channel_spin = SpinBox()
        self.channel_spin.setToolTip("Which channel to compare (a click on a feature map picks it too)")
        self.channel_spin.valueChanged.connect(self.inspector.select_channel)
        self.channel_of = QLabel()

        self.plot_widget = pg.GraphicsLayoutWidget()
        self.view = self.plot_widget.addViewBox(row=0, col=0, lockAspect=True, invertY=True, enableMenu=False)
        self.input_image = pg.ImageItem(axisOrder="row-major")
        self.output_image = pg.ImageItem(axisOrder="row-major")
        self.view.addItem(self.input_image)
        self.view.addItem(self.output_image)
        self.windows = pg.PlotCurveItem(pen=pg.mkPen(GRID_COLOR, width=1), connect="pairs")
        self.view.addItem(self.windows, ignoreBounds=True)
        # the output's cell lines and hover box live in the output image's pixel coordinates
        self.out_grid = pg.PlotCurveItem(pen=pg.mkPen(GRID_COLOR, width=1), connect="pairs")
        self.out_grid.setParentItem(self.output_image)
        self.winners = pg.ScatterPlotItem(pxMode=False, symbol="s", size=0.74,
                                          pen=pg.mkPen(WINNER_COLOR, width=1.5), brush=None)
        self.winners.setZValue(15)
        self.view.addItem(self.winners)
        self.in_box, self.in_cell = outline_box(HOVER_COLOR), outline_box(WINNER_COLOR)
        self.view.addItem(self.in_box, ignoreBounds=True)
        self.view.addItem(self.in_cell, ignoreBounds=True)
        self.out_box = outline_box(HOVER_COLOR)
        self.out_box.setParentItem(self.output_image)
        self.in_label, self.out_label = pg.TextItem(anchor=(0, 1)), pg.TextItem(anchor=(0, 1))
        self.arrow = pg.TextItem("→", anchor=(0.5, 0.5))
        for item in (self.in_label, self.out_label, self.arrow):
            self.view.addItem(item, ignoreBounds=True)
        self._color_labels()
        self.colorbar = ColorBar(cm.ACTIVATION)
        self.colorbar.setImageItem([self.input_image, self.output_image])
        self.plot_widget.addItem(self.colorbar, row=0, col=1)
        self.plot_widget.scene().sigMouseMoved.connect(self._hover)
        self.view.sigResized.connect(self._fit)

        view_layout(self, self.title, self.plot_widget, self.readout,
                    bottom=(QLabel("channel"), self.channel_spin, self.channel_of))

    def _color_labels(self, _theme: str = ""):
        fg = theme.colors()["plot_fg"]
        for item in (self.in_label, self.out_label, self.arrow):
            item.setColor(fg)

    # -- public -------------------------------------------------------------------
    def set_channel(self, channel: int) -> None:
        """Show channel ``channel`` (clamped to the pool's channels)."""
        self.channel = max(0, int(channel))
        self.refresh()

    # -- signals ------------------------------------------------------------------
    def _forget_layer(self):
        self.pool_index = None

    # -- drawing ------------------------------------------------------------------
    @skip_while_hidden
    def refresh(self) -> None:
        """Redraw from the inspector's selection, channel and trace."""
        sel = self.selected_index()
        idx = nearest_pool(self._entries, sel)
        self.pool_index = idx
        if idx is None:
            self.title.setText("This network has no pooling layer.")
            self.plot_widget.hide()
            self.channel_spin.setEnabled(False)
            return
        self.plot_widget.show()
        self.channel_spin.setEnabled(True)
        entry, before = self._entries[idx], self._entries[idx - 1]
        name, kind, describe, (c, oh, ow), layer = entry
        in_name, in_kind, (_, h, w) = before.name, before.kind, before.shape
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

        self._win = self._kept_by = self._flat = self._weak = None
        if kind == "MaxPool2D" and x_all is not None:
            self._win = layer.winners(x_all[None, ch:ch + 1])[0, 0]             # (OH, OW, 2)
            self._flat, self._weak = self._unmarked_windows(layer, x, y)
            kept = ~self._flat.ravel()                 # a window of equal values has no real winner
            marked = kept & ~self._weak.ravel()
            self._kept_by = np.full((h, w), -1, np.int64)
            rows, cols = self._win[..., 0].ravel(), self._win[..., 1].ravel()
            self._kept_by[rows[kept], cols[kept]] = np.arange(oh * ow)[kept]
            self.winners.setData(x=cols[marked] + 0.5, y=rows[marked] + 0.5)
            self.winners.show()
        else:
            self.winners.hide()

        fit = (idx, h, w, oh, ow)
        if fit != self._fit_key:
            self._fit_key = fit
            self._draw_grids(layer, h, w, oh, ow)
            gap = max(2.0, GAP * w)
            self.output_image.setRect(QRectF(w + gap, 0, w, h))
            self.arrow.setPos(w + gap / 2, h / 2)
            for box in (self.in_box, self.in_cell, self.out_box):
                box.hide()
            self.readout.setText("")
        cname, oname = channel_name(in_kind, c, ch), channel_name(kind, c, ch)
        self._label_texts = (f"{in_name} {cname} · {h}x{w}", f"{name} {oname} · {oh}x{ow}",
                             f"{in_name} {cname}", f"{name} {oname}")
        self._fit()

        if kind == "MaxPool2D":
            what = f"keeps each window's largest value (<span style='color:{WINNER_COLOR}'>□</span> = winner)"
        else:
            what = "averages each window (grid lines)"
        shown = f"<b>{name}</b>"
        if idx != sel:
            shown = f"<a href='{idx}'><b>{name}</b></a> (nearest to {self._entries[sel].name})"
        head = f"{shown} · {kind} {describe} · {what}"
        if x_all is None:
            self.readout.setText(NO_INPUT)
        elif self.readout.text() in ("", NO_INPUT):
            self.readout.setText("hover a cell to see its window")
        self.title.setText(("" if x_all is None else source_badge(self.inspector.source)) + head)

    def _fit(self):
        """Both maps as large as the view allows, with a line for their names above them;
        the names shortened when the maps are narrow."""
        if self.pool_index is None or self.input_image.image is None:
            return
        h, w = self.input_image.image.shape
        out = self.output_image.mapRectToParent(self.output_image.boundingRect())
        fm = QFontMetrics(self.in_label.textItem.font())
        top, px = fit_with_header(self.view, QRectF(-0.5, 0, out.right() + 1, h), fm.height() + 6)
        room_in, room_out = (out.left() - 0.3) * px - 4, (w + 0.8) * px
        long_in, long_out, short_in, short_out = self._label_texts
        fits = fm.horizontalAdvance(long_in) <= room_in and fm.horizontalAdvance(long_out) <= room_out
        self.in_label.setText(long_in if fits else fm.elidedText(short_in, Qt.ElideRight, int(room_in)))
        self.out_label.setText(long_out if fits else fm.elidedText(short_out, Qt.ElideRight, int(room_out)))
        self.in_label.setPos(-0.3, -0.15 * top)
        self.out_label.setPos(out.left() - 0.3, -0.15 * top)

    def _draw_grids(self, layer, h, w, oh, ow):
        """Window boundaries on the input (stride grid plus the last window's end) and cell lines on the output."""
        def bounds(axis, size):
            starts, ends = layer.window_spans(axis)
            return np.unique(np.clip(np.concatenate([starts, ends]), 0, size))

        self.windows.setData(*_grid_lines(bounds(0, h), bounds(1, w), h, w))
        self.out_grid.setData(*_grid_lines(np.arange(oh + 1), np.arange(ow + 1), oh, ow))

    @staticmethod
    def _unmarked_windows(layer, x, y):
        """(flat, weak), each (OH, OW) bool: windows whose values are all equal within the
        map's floating-point noise (e.g. all 0 after a ReLU: no real winner), and windows
        whose max lies under :data:`WEAK_FRACTION` of the map's range above its minimum."""
        low = layer.window_reduce(x, np.minimum, np.inf)        # padding never counts as a minimum
        lo, hi = float(x.min()), float(x.max())
        span = hi - lo
        flat = (y - low) <= NOISE_FRACTION * max(span, abs(hi), abs(lo))
        weak = (y - lo) < WEAK_FRACTION * span
        return flat, weak & ~flat

    # -- mouse --------------------------------------------------------------------
    _FAINT = f" (faint: under {WEAK_FRACTION:.0%} of the map's range, so not marked)"

    def _hover(self, scene_pos):
        if self.pool_index is None:
            return
        for box in (self.in_box, self.in_cell, self.out_box):
            box.hide()
        name, kind, _, (c, oh, ow), _ = self._entries[self.pool_index]
        in_name, (_, h, w) = self._entries[self.pool_index - 1].name, self._entries[self.pool_index - 1].shape
        x_all, y_all = self.inspector.value(self.pool_index - 1), self.inspector.value(self.pool_index)
        ch = min(self.channel, c - 1)
        inside = self.view.sceneBoundingRect().contains(scene_pos)
        p = self.output_image.mapFromScene(scene_pos)
        if inside and 0 <= p.y() < oh and 0 <= p.x() < ow:
            i, j = int(p.y()), int(p.x())
            t, l, b, r = self._entries[self.pool_index].layer.window_bounds(i, j)
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
                text += f" · won by row {wr}, col {wc}" + (self._FAINT if self._weak[i, j] else "")
            self.readout.setText(text)
            return
        p = self.input_image.mapFromScene(scene_pos)
        if inside and 0 <= p.y() < h and 0 <= p.x() < w:
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
                    text += self._FAINT if self._weak[i, j] else ""
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
