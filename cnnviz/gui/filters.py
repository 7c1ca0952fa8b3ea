"""FilterView: the learned weights of the selected layer as small images.

- Conv2D, W (F, C, KH, KW): one column of kernels per filter, one row per
  input channel (at most :data:`MAX_CHANNELS` rows, chosen with a spin box),
  columns wrapped into a grid; a 3-channel first layer can be shown as RGB
  composites instead.
- Dense right after a Flatten, W (C*H*W, units): one unit's incoming weights
  reshaped to the maps it reads (a unit spin box picks it).
- Other Dense: the weight matrix, one row per output unit.
- Layers without weights: the nearest layer with weights is shown, and said so.

Weights use a symmetric blue-white-red map (levels +-max|W|), so white is 0.
"""
from __future__ import annotations

from typing import Optional

import numpy as np
import pyqtgraph as pg
from PyQt5.QtCore import QRectF, Qt
from PyQt5.QtGui import QColor, QPen
from PyQt5.QtWidgets import (QComboBox, QGraphicsRectItem, QHBoxLayout, QLabel, QSpinBox, QVBoxLayout,
                             QWidget)

from . import colormaps as cm
from .featuremaps import MAP_BACKGROUND, ElidedLabel, shape_text
from .mosaic import Mosaic, MosaicGeometry, grid_shape

RGB_BACKGROUND = "#202020"   # composites are grey at 0, so their gutters must not be
MAX_CHANNELS = 4        # input-channel rows shown at once for a wide conv layer


def has_weights(kind: str) -> bool:
    return kind in ("Conv2D", "Dense")


def nearest_weighted(entries, index: int) -> Optional[int]:
    """Trace position of the closest Conv2D/Dense entry to ``index`` (earlier wins a tie), or None."""
    for d in range(len(entries)):
        for j in (index - d, index + d):
            if 0 <= j < len(entries) and has_weights(entries[j][1]):
                return j
    return None


def maps_before(entries, index: int):
    """(trace position, (C, H, W)) of the maps a Dense at ``index`` reads through a Flatten, or None."""
    d_in = None
    j = index - 1
    while j >= 0:
        name, kind, _, shape = entries[j]
        if len(shape) == 3:
            return (j, tuple(shape)) if d_in is not None and int(np.prod(shape)) == d_in else None
        if kind == "Dense":
            return None
        d_in = shape[0]
        j -= 1
    return None


class FilterView(QWidget):
    """Weights of the selected (or nearest weighted) layer, refreshed on ``weightsChanged``.

    Public: ``channel_spin`` (first input channel shown), ``unit_spin`` (dense unit),
    ``rgb_box`` ('RGB composite' / 'per channel'), ``image``, ``rgb_image``,
    ``colorbar``, ``title``, ``readout``, :attr:`shown_index` (trace position
    whose weights are drawn, or None), :meth:`refresh`.
    """

    def __init__(self, inspector, parent: Optional[QWidget] = None):
        super().__init__(parent)
        self.inspector = inspector
        self.shown_index: Optional[int] = None
        self.mode = "none"                  # 'conv', 'rgb', 'unit', 'matrix' or 'none'
        self._picked = False                # outline a filter only once a channel was picked
        self._entries = inspector.entries()
        self._geometry: Optional[MosaicGeometry] = None
        self._mosaic: Optional[Mosaic] = None
        self._fit_key = None
        self._build_ui()
        inspector.networkChanged.connect(self._on_network)
        inspector.weightsChanged.connect(self.refresh)
        inspector.layerSelected.connect(self._on_layer)
        inspector.channelSelected.connect(self._on_channel)
        self.refresh()

    def _build_ui(self):
        self.title = QLabel()
        self.title.setWordWrap(True)
        self.title.linkActivated.connect(lambda href: self.inspector.select(int(href)))
        self.readout = ElidedLabel()
        self.channel_spin = QSpinBox()
        self.channel_spin.setToolTip(f"The first of the (at most {MAX_CHANNELS}) input channels shown as rows")
        self.channel_spin.valueChanged.connect(self.refresh)
        self.unit_spin = QSpinBox()
        self.unit_spin.setToolTip("Which unit's incoming weights to show")
        self.unit_spin.valueChanged.connect(self.refresh)
        self.rgb_box = QComboBox()
        self.rgb_box.addItems(["RGB composite", "per channel"])
        self.rgb_box.currentIndexChanged.connect(self.refresh)
        self.channel_row, self.unit_row, self.rgb_row = (
            _row("input channels from", self.channel_spin), _row("unit", self.unit_spin),
            _row("show", self.rgb_box))

        self.plot_widget = pg.GraphicsLayoutWidget()
        self.view = self.plot_widget.addViewBox(row=0, col=0, lockAspect=True, invertY=True, enableMenu=False)
        self.frame = QGraphicsRectItem()
        self.frame.setBrush(QColor(MAP_BACKGROUND))
        self.frame.setPen(QPen(Qt.NoPen))
        self.frame.setZValue(-1)
        self.view.addItem(self.frame)
        self.image = pg.ImageItem(axisOrder="row-major")
        self.rgb_image = pg.ImageItem(axisOrder="row-major")
        self.view.addItem(self.image)
        self.view.addItem(self.rgb_image)
        self.pick_box = QGraphicsRectItem()
        pen = QPen(QColor("#00c000"))
        pen.setCosmetic(True)
        pen.setWidth(2)
        self.pick_box.setPen(pen)
        self.pick_box.setZValue(10)
        self.pick_box.setToolTip("the picked channel: this filter makes that map")
        self.view.addItem(self.pick_box, ignoreBounds=True)
        self.colorbar = pg.ColorBarItem(interactive=False, width=14, colorMap=cm.WEIGHTS, colorMapMenu=False)
        self.colorbar.axis.setWidth(60)          # room for tick labels like "-0.015"
        self.colorbar.setImageItem(self.image)
        self.plot_widget.addItem(self.colorbar, row=0, col=1)
        self.plot_widget.scene().sigMouseMoved.connect(self._hover)
        self.plot_widget.scene().sigMouseClicked.connect(self._click)
        self.view.sigResized.connect(self._on_resized)

        controls = QHBoxLayout()
        for w in (self.channel_row, self.unit_row, self.rgb_row):
            controls.addWidget(w)
        controls.addStretch(1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self.title)
        layout.addLayout(controls)
        layout.addWidget(self.plot_widget, 1)
        layout.addWidget(self.readout)

    # -- signals ------------------------------------------------------------------
    def _on_network(self):
        self._entries = self.inspector.entries()
        self.shown_index = None
        self.refresh()

    def _on_channel(self, _channel):
        self._picked = True
        self._update_pick_box()

    def _on_layer(self, _index):
        self.refresh()

    def _on_resized(self):
        g = self._geometry
        if g is not None and self.mode != "matrix" and \
                grid_shape(g.count, g.tile_h, g.tile_w, g.gap, self._aspect()) != (g.rows, g.cols):
            self._mosaic = None
            self.refresh()

    # -- drawing ------------------------------------------------------------------
    def refresh(self) -> None:
        """Redraw the weights (cheap: one mosaic fill; called on every training snapshot)."""
        sel = min(max(self.inspector.selected, 0), len(self._entries) - 1)
        target = nearest_weighted(self._entries, sel)
        if target != self.shown_index:
            self.shown_index = target
            self._reset_controls()
        for w in (self.channel_row, self.unit_row, self.rgb_row):
            w.hide()
        if target is None:
            self.mode = "none"
            self.image.hide()
            self.rgb_image.hide()
            self.pick_box.hide()
            self.title.setText("This network has no layer with weights.")
            return
        name, kind, describe, _ = self._entries[target]
        layer = self.inspector.layer_at(target)
        W = layer.params["W"]
        if kind == "Conv2D":
            head = self._show_conv(name, W)
        else:
            head = self._show_dense(name, target, W)
        sname, skind = self._entries[sel][:2]
        if target != sel:
            head = (f"no weights in {skind} ({sname}) · showing <a href='{target}'>{name}</a>, "
                    f"the nearest layer with weights<br>") + head
        self.title.setText(head)
        self._update_pick_box()

    def _reset_controls(self):
        for spin in (self.channel_spin, self.unit_spin):
            spin.blockSignals(True)
            spin.setValue(0)
            spin.blockSignals(False)

    def _show(self, img, levels, rgb=False, aspect_locked=True):
        """Put ``img`` in the (scalar or RGB) image item and fit the view when its geometry changed."""
        item, other = (self.rgb_image, self.image) if rgb else (self.image, self.rgb_image)
        other.hide()
        item.show()
        item.setImage(img, autoLevels=False, levels=levels)
        self.colorbar.setVisible(not rgb)
        if not rgb:
            self.colorbar.setLevels(levels)
        key = (self.shown_index, self.mode, img.shape[:2])
        if key != self._fit_key:
            self._fit_key = key
            self.view.setAspectLocked(aspect_locked)
            h, w = img.shape[:2]
            self.frame.setRect(QRectF(-1, -1, w + 2, h + 2))
            self.view.setRange(QRectF(-1, -1, w + 2, h + 2), padding=0.01)
            self.frame.setBrush(QColor(RGB_BACKGROUND if rgb else MAP_BACKGROUND))
            self.readout.setText("hover a weight to read it · wheel zooms, drag pans")

    def _aspect(self) -> float:
        w, h = self.view.width(), self.view.height()
        return w / h if w > 10 and h > 10 else 1.4

    def _mosaic_for(self, count, th, tw, gap, extra=()):
        g = self._mosaic.geometry if self._mosaic is not None else None
        if g is None or (g.count, g.tile_h, g.tile_w, g.gap) != (count, th, tw, gap) \
                or self._mosaic.extra != extra \
                or grid_shape(count, th, tw, gap, self._aspect()) != (g.rows, g.cols):
            self._mosaic = Mosaic(count, th, tw, gap=gap, aspect=self._aspect(), extra=extra)
        self._geometry = self._mosaic.geometry
        return self._mosaic

    def _show_conv(self, name, W):
        f, c, kh, kw = W.shape
        lo, hi = cm.symmetric_range(W)
        first = self.shown_index == 1           # reads the network input
        if c == 3 and first:
            self.rgb_row.show()
        if c == 3 and first and self.rgb_box.currentIndex() == 0:
            self.mode = "rgb"
            self._channels = (0, 3)
            rgb = 0.5 + W.transpose(0, 2, 3, 1) / (2 * hi)          # (F, KH, KW, 3) in [0, 1]
            img = self._mosaic_for(f, kh, kw, 1, (3,)).fill(rgb)
            self._show(img, (0.0, 1.0), rgb=True)
            return (f"<b>{name}</b> · {f} filters {shape_text((c, kh, kw))} · RGB composite: grey is 0, "
                    f"a red pixel weighs the red channel positively (scaled by max|W| = {hi:.3g})")
        self.mode = "conv"
        if c > MAX_CHANNELS:
            self.channel_row.show()
            self.channel_spin.setRange(0, c - MAX_CHANNELS)
        c0 = min(self.channel_spin.value(), max(0, c - MAX_CHANNELS))
        cs = min(c, MAX_CHANNELS)
        self._channels = (c0, cs)
        strips = np.full((f, cs, kh + 1, kw), np.nan, np.float32)   # a 1-px gap under every kernel
        strips[:, :, :kh] = W[:, c0:c0 + cs]
        strips = strips.reshape(f, cs * (kh + 1), kw)[:, :-1]
        gap = 1 if cs == 1 else 2
        img = self._mosaic_for(f, cs * (kh + 1) - 1, kw, gap).fill(strips)
        self._show(img, (lo, hi))
        head = f"<b>{name}</b> · {f} filters {shape_text((c, kh, kw))}"
        if c == 1:
            return head + " · white is 0, blue negative, red positive"
        rows = f"input channels {c0}–{c0 + cs - 1}" + (f" of {c}" if cs < c else "")
        return head + f" · a column per filter, a row per input channel ({rows})"

    def _show_dense(self, name, index, W):
        d_in, units = W.shape
        src = maps_before(self._entries, index)
        if src is not None:
            self.mode = "unit"
            j, (c, h, w) = src
            self.unit_row.show()
            self.unit_spin.setRange(0, units - 1)
            u = self.unit_spin.value()
            col = W[:, u]
            levels = cm.symmetric_range(col)
            img = self._mosaic_for(c, h, w, 1).fill(col.reshape(c, h, w))
            self._show(img, levels)
            self._source = self._entries[j][0]
            return (f"<b>{name}</b> · {d_in}→{units} · unit {u}'s incoming weights, laid out as "
                    f"the {c} maps of {h}x{w} it reads ({self._source})")
        self.mode = "matrix"
        levels = cm.symmetric_range(W)
        self._show(W.T, levels, aspect_locked=False)
        return (f"<b>{name}</b> · weight matrix {d_in}→{units}: a row per output unit, "
                f"a column per input")

    def _update_pick_box(self):
        """Outline the filter that makes the inspector's picked channel."""
        g = self._geometry
        ch = self.inspector.channel
        if not self._picked or self.mode not in ("conv", "rgb") or g is None or ch >= g.count:
            self.pick_box.hide()
            return
        top, left = g.origin(ch)
        self.pick_box.setRect(QRectF(left - 0.5, top - 0.5, g.tile_w + 1, g.tile_h + 1))
        self.pick_box.show()

    # -- mouse --------------------------------------------------------------------
    def _locate(self, scene_pos):
        """What is under the mouse: a tuple whose form depends on ``mode``, or None."""
        if self.mode == "none":
            return None
        item = self.rgb_image if self.mode == "rgb" else self.image
        p = item.mapFromScene(scene_pos)
        y, x = p.y(), p.x()
        if self.mode == "matrix":
            units, d_in = item.image.shape
            return (int(y), int(x)) if 0 <= y < units and 0 <= x < d_in else None
        loc = self._geometry.locate(y, x)
        if loc is None or self.mode != "conv":
            return loc
        f, r, k = loc
        kh = self.inspector.layer_at(self.shown_index).params["W"].shape[2]
        ci, kr = divmod(r, kh + 1)
        return None if kr == kh else (f, self._channels[0] + ci, kr, k)

    def _hover(self, scene_pos):
        loc = self._locate(scene_pos)
        if loc is None:
            return
        name = self._entries[self.shown_index][0]
        W = self.inspector.layer_at(self.shown_index).params["W"]
        if self.mode == "conv":
            f, c, r, k = loc
            text = f"{name} · filter {f} · input channel {c} · row {r}, col {k} · w = {W[f, c, r, k]:.4g}"
        elif self.mode == "rgb":
            f, r, k = loc
            w = ", ".join(f"{v:.3g}" for v in W[f, :, r, k])
            text = f"{name} · filter {f} · row {r}, col {k} · w (R, G, B) = ({w})"
        elif self.mode == "unit":
            c, r, k = loc
            u = self.unit_spin.value()
            _, h, wd = self._geometry.count, self._geometry.tile_h, self._geometry.tile_w
            i = (c * h + r) * wd + k
            text = f"{name} · unit {u} ← {self._source} map {c}, row {r}, col {k} · w = {W[i, u]:.4g}"
        else:
            u, i = loc
            text = f"{name} · unit {u} ← input {i} · w = {W[i, u]:.4g}"
        self.readout.setText(text)

    def _click(self, ev):
        if ev.button() != Qt.LeftButton or ev.double() or self.mode not in ("conv", "rgb"):
            return
        loc = self._locate(ev.scenePos())
        if loc is not None:
            self.inspector.select_channel(loc[0])


def _row(label: str, widget: QWidget) -> QWidget:
    box = QWidget()
    row = QHBoxLayout(box)
    row.setContentsMargins(0, 0, 0, 0)
    row.addWidget(QLabel(label))
    row.addWidget(widget)
    box.hide()
    return box
