"""FilterView: the learned weights of the selected layer as small images.

- Conv2D, W (F, C, KH, KW): one column of kernels per filter, one row per
  input channel (at most :data:`MAX_CHANNELS` rows, fewer when the rows would make the
  kernels too small to see (under :data:`MIN_WEIGHT_PX` per weight); a spin box picks them),
  columns wrapped into a grid; a 3-channel first layer can be shown as RGB
  composites instead.
- Dense right after a Flatten, W (C*H*W, units): one unit's incoming weights
  reshaped to the maps it reads (a unit spin box picks it).
- Other Dense: the weight matrix, one row per output unit.
- Layers without weights: the nearest layer with weights is shown, and said so.

A click on a conv filter enlarges it: its kernels for every input channel, one tile each
(and picks its channel, so the feature maps follow); a click on it goes back to the grid.

Weights use a symmetric blue-white-red map (levels +-max|W|), so white is 0.

"compare with start" (once a training run has kept ``inspector.start_weights``)
draws the same layer's weights at step 0 left of the current ones (above them
in a tall view), on one colour scale for both, or each on its own ("own
scales": weights often start far smaller than they end): MISSION section 2's
noise-before / edges-after picture. The step-0 mosaic is only refilled when
what it shows changes, not on every ``weightsChanged``.
"""
from __future__ import annotations

import math
from typing import Optional

import numpy as np
import pyqtgraph as pg
from PyQt5.QtCore import QRectF, Qt
from PyQt5.QtGui import QColor, QFontMetrics
from PyQt5.QtWidgets import QCheckBox, QComboBox, QHBoxLayout, QLabel, QPushButton, QSpinBox, QWidget

from ..widgets import colormaps as cm
from ..widgets import theme
from .featuremaps import MAP_BACKGROUND, shape_text
from ..widgets.mosaic import Mosaic, MosaicGeometry, grid_shape
from ..widgets.lazy import skip_while_hidden, throttle_while_live
from ..widgets.viewkit import ColorBar, ElidedLabel, LayerView, WrapLabel, backdrop, nearest_entry, outline_box, view_layout

RGB_BACKGROUND = "#202020"   # composites are grey at 0, so their gutters must not be
MAX_CHANNELS = 4        # input-channel rows shown at once for a wide conv layer
LIVE_SECONDS = 0.2      # while training: redrawn at most 5 times a second (weights change slowly)
MIN_WEIGHT_PX = 3.0     # fewer rows rather than weights drawn smaller than this (screen pixels)
WEIGHTED_KINDS = ("Conv2D", "Dense")


def has_weights(kind: str) -> bool:
    return kind in WEIGHTED_KINDS


def nearest_weighted(entries, index: int) -> Optional[int]:
    """Trace position of the closest Conv2D/Dense entry to ``index`` (earlier wins a tie), or None."""
    return nearest_entry(entries, index, WEIGHTED_KINDS)


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


class FilterView(LayerView):
    """Weights of the selected (or nearest weighted) layer, refreshed on ``weightsChanged``.

    Public: ``focused`` (the enlarged filter or None, see :meth:`focus_filter` /
    :meth:`show_grid`), ``channel_spin`` (first input channel shown), ``unit_spin`` (dense unit),
    ``rgb_box`` ('RGB composite' / 'per channel'), ``compare_box`` ('compare with
    start'), ``own_scale_box``, ``image``, ``rgb_image``, ``start_image`` (the step-0
    weights while comparing), ``start_label`` / ``now_label``,
    ``colorbar``, ``title``, ``readout``, :attr:`shown_index` (trace position
    whose weights are drawn, or None), :attr:`comparing`, :meth:`refresh`.

    The "now" label names the step when the inspector has a ``weights_step``
    attribute (an int, set before the weights are shown).
    """

    def __init__(self, inspector, parent: Optional[QWidget] = None):
        super().__init__(inspector, parent)     # ``focused``: the enlarged filter (mode 'filter')
        self.shown_index: Optional[int] = None
        self.mode = "none"                  # 'conv', 'rgb', 'filter', 'unit', 'matrix' or 'none'
        self._picked = False                # outline a filter only once a channel was picked
        self._geometry: Optional[MosaicGeometry] = None
        self._mosaic: Optional[Mosaic] = None
        self.comparing = False              # the step-0 weights are drawn beside the current ones
        self._mosaic_px = 1e9               # on-screen width of one mosaic while comparing
        self._start_mosaic: Optional[Mosaic] = None
        self._start_key = None              # what the step-0 image shows; refilled only when it changes
        self._start_owner = None            # the step-0 weights the key's id refers to
        self._build_ui()
        inspector.networkChanged.connect(self._on_network)
        inspector.weightsChanged.connect(self.refresh)
        inspector.layerSelected.connect(self._on_layer)
        inspector.channelSelected.connect(self._on_channel)
        self.refresh()

    def _build_ui(self):
        self.title = WrapLabel()
        self.title.linkActivated.connect(lambda href: self.inspector.select(int(href)))
        self.readout = ElidedLabel()
        self.channel_spin = QSpinBox()
        self.channel_spin.setToolTip(f"The first of the (at most {MAX_CHANNELS}) input channels shown as rows; "
                                     f"a small view shows fewer, a click on a filter shows all of its own")
        self.channel_spin.valueChanged.connect(self.refresh)
        self.unit_spin = QSpinBox()
        self.unit_spin.setToolTip("Which unit's incoming weights to show")
        self.unit_spin.valueChanged.connect(self.refresh)
        self.rgb_box = QComboBox()
        self.rgb_box.addItems(["RGB composite", "per channel"])
        self.rgb_box.setToolTip("RGB composite: a filter's three kernels as one colour picture - grey is 0, "
                                "red means it weighs the red channel up, cyan down (scaled by the largest |w|).\n"
                                "Per channel: a row per colour, on the blue-white-red weight scale.")
        self.rgb_box.currentIndexChanged.connect(self.refresh)
        self.channel_row, self.unit_row, self.rgb_row = (
            _row("input channels from", self.channel_spin), _row("unit", self.unit_spin),
            _row("show", self.rgb_box))
        self.compare_box = QCheckBox("compare with start")
        self.compare_box.toggled.connect(self.refresh)
        self.own_scale_box = QCheckBox("own scales")
        self.own_scale_box.setToolTip("Colour each side by its own largest |w| (weights often start much "
                                      "smaller than they end: on one scale the start looks blank)")
        self.own_scale_box.toggled.connect(self.refresh)
        self.own_scale_box.hide()
        self.back_button = QPushButton("◀ All filters")
        self.back_button.setToolTip("Back to the grid of all filters")
        self.back_button.clicked.connect(self.show_grid)
        self.back_button.hide()

        self.plot_widget = pg.GraphicsLayoutWidget()
        self.view = self.plot_widget.addViewBox(row=0, col=0, lockAspect=True, invertY=True, enableMenu=False)
        self.frame = backdrop(MAP_BACKGROUND)
        self.view.addItem(self.frame)
        self.image = pg.ImageItem(axisOrder="row-major")
        self.rgb_image = pg.ImageItem(axisOrder="row-major")
        self.view.addItem(self.image)
        self.view.addItem(self.rgb_image)
        # the step-0 weights: their own backdrop and image, placed left of the current ones
        self.start_frame = backdrop(MAP_BACKGROUND)
        self.start_image = pg.ImageItem(axisOrder="row-major")
        self.start_label = pg.TextItem("start (step 0)", anchor=(0, 1))
        self.now_label = pg.TextItem("now", anchor=(0, 1))
        for item in (self.start_frame, self.start_image, self.start_label, self.now_label):
            self.view.addItem(item, ignoreBounds=True)
            item.hide()
        self.pick_box = outline_box("#00c000", z=10)
        self.pick_box.setToolTip("the picked channel: this filter makes that map")
        self.view.addItem(self.pick_box, ignoreBounds=True)
        self.colorbar = ColorBar(cm.WEIGHTS)
        self.colorbar.setImageItem(self.image)
        # the step-0 image gets the same colour map but its levels from _show (with "own
        # scales" they differ, and a linked colour bar would follow them)
        self.start_image.setColorMap(cm.WEIGHTS)
        self.plot_widget.addItem(self.colorbar, row=0, col=1)
        self.plot_widget.scene().sigMouseMoved.connect(self._hover)
        self.plot_widget.scene().sigMouseClicked.connect(self._click)
        self.view.sigResized.connect(self._on_resized)

        view_layout(self, self.title, self.plot_widget, self.readout,
                    top=(self.back_button, self.channel_row, self.unit_row, self.rgb_row),
                    bottom=(self.compare_box, self.own_scale_box))

    # -- public -------------------------------------------------------------------
    def focus_filter(self, index: int) -> None:
        """Enlarge conv filter ``index`` of the shown layer: its kernels, one per input channel."""
        if self.mode in ("conv", "rgb", "filter") and self.shown_index is not None:
            W = self.inspector.layer_at(self.shown_index).params["W"]
            if 0 <= index < W.shape[0]:
                self.focused = int(index)
                self.refresh()

    # -- signals ------------------------------------------------------------------
    def _forget_layer(self):
        self.shown_index = None

    def _on_channel(self, _channel):
        self._picked = True
        self._update_pick_box()

    def _on_layer(self, _index):
        self.refresh()

    def _on_resized(self):
        if self.comparing:
            self._fit_key = None            # the labels' room depends on the zoom
            self.refresh()
            return
        g = self._geometry
        if g is None or self.mode == "matrix":
            return
        regrid = grid_shape(g.count, g.tile_h, g.tile_w, g.gap, self._aspect()) != (g.rows, g.cols)
        if self.mode == "conv":
            W = self.inspector.layer_at(self.shown_index).params["W"]
            regrid = regrid or self._channel_rows(W.shape) != self._channels[1]
        if regrid:
            self._mosaic = None
            self.refresh()

    # -- drawing ------------------------------------------------------------------
    @skip_while_hidden
    @throttle_while_live(LIVE_SECONDS)
    def refresh(self) -> None:
        """Redraw the weights (cheap: one mosaic fill; called on every training snapshot)."""
        sel = self.selected_index()
        target = nearest_weighted(self._entries, sel)
        if target != self.shown_index:
            self.shown_index = target
            self.focused = None
            self._reset_controls()
        for w in (self.channel_row, self.unit_row, self.rgb_row):
            w.hide()
        start = self._start_weights(target)
        self.comparing = start is not None
        if target is None:
            self.mode = "none"
            self.image.hide()
            self.rgb_image.hide()
            self.pick_box.hide()
            self._show_start(None, None)
            self.title.setText("This network has no layer with weights.")
            return
        name, kind, describe, _ = self._entries[target]
        layer = self.inspector.layer_at(target)
        W = layer.params["W"]
        if kind != "Conv2D" or (self.focused is not None and self.focused >= W.shape[0]):
            self.focused = None
        if self.focused is not None:
            head = self._show_filter(name, W, start)
        elif kind == "Conv2D":
            head = self._show_conv(name, W, start)
        else:
            head = self._show_dense(name, target, W, start)
        self.back_button.setVisible(self.focused is not None)
        self.own_scale_box.setVisible(self.comparing)
        if self.comparing:
            self._label_compare()
            own = ", each side on its own colour scale" if self.own_scale_box.isChecked() else ""
            head += f" · <i>largest |w|: {_max_abs(start):.2g} at the start, {_max_abs(W):.2g} now{own}</i>"
        sname, skind = self._entries[sel][:2]
        if target != sel:
            link = f"<a href='{target}'><b>{name}</b></a>"
            head = f"{sname} ({skind}) has no weights · nearest: " + head.replace(f"<b>{name}</b>", link, 1)
        self.title.setText(head)
        self._update_pick_box()

    def _reset_controls(self):
        for spin in (self.channel_spin, self.unit_spin):
            spin.blockSignals(True)
            spin.setValue(0)
            spin.blockSignals(False)

    def _show(self, img, levels, rgb=False, aspect_locked=True, start=None, start_levels=None):
        """Put ``img`` in the (scalar or RGB) image item and fit the view when its geometry changed.

        ``start``: the step-0 picture of the same weights (same shape), drawn to the left with
        ``start_levels`` (default ``levels``), or None.
        """
        item, other = (self.rgb_image, self.image) if rgb else (self.image, self.rgb_image)
        other.hide()
        item.show()
        item.setImage(img, autoLevels=False, levels=levels)
        self.colorbar.setVisible(not rgb)
        if not rgb:
            self.colorbar.setLevels(levels)
        self._show_start(start, levels if start_levels is None else start_levels)
        h, w = img.shape[:2]
        side = self._side_by_side()
        key = (self.shown_index, self.mode, img.shape[:2], start is not None, side)
        if key != self._fit_key:
            self._fit_key = key
            self.view.setAspectLocked(aspect_locked)
            self.frame.setRect(QRectF(-1, -1, w + 2, h + 2))
            self.frame.setBrush(QColor(RGB_BACKGROUND if rgb else MAP_BACKGROUND))
            if start is None:
                self.view.setRange(QRectF(-1, -1, w + 2, h + 2), padding=0.01)
            else:
                # the step-0 mosaic goes left of (or above) the current one, which stays at the origin
                top = self._label_room(w, h, side)      # room above a mosaic for its label
                gap = self._compare_gap(w) if side else int(math.ceil(top)) + self._compare_gap(h)
                x0, y0 = (-w - gap, 0) if side else (0, -h - gap)
                self.start_frame.setRect(QRectF(x0 - 1, y0 - 1, w + 2, h + 2))
                self.start_frame.setBrush(QColor(RGB_BACKGROUND if rgb else MAP_BACKGROUND))
                self.start_image.setPos(x0, y0)
                self.start_label.setPos(x0 - 1, y0 - 1)
                self.now_label.setPos(-1, -1)
                self.view.setRange(QRectF(min(x0, 0) - 1, y0 - 1 - top, w - min(x0, 0) + 2, h - y0 + 2 + top),
                                   padding=0.01)
            self.readout.setText("hover a weight")
            self.readout.setToolTip("The mouse wheel zooms, dragging pans")

    def _label_room(self, w: int, h: int, side: bool) -> float:
        """Data units above a mosaic that hold a label line of fixed pixel height at the
        zoom the two mosaics will be shown at."""
        px = QFontMetrics(self.font()).height() + 4
        vw, vh = max(self.view.width(), 20.0), max(self.view.height(), 20.0)
        top = 2.0
        for _ in range(4):          # the zoom depends on the room, the room on the zoom
            gap = self._compare_gap(w) if side else top + self._compare_gap(h)
            width = 2 * w + gap + 2 if side else w + 2
            height = h + 2 + top if side else 2 * h + gap + 2 + top
            per_px = max(width / vw, height / vh) if self.view.state["aspectLocked"] else height / vh
            top = px * per_px
        self._mosaic_px = w / per_px          # on-screen width of one mosaic
        return top

    def _label_compare(self):
        """'start (step 0)' / 'now (step N)', or just 'start' / 'now' when the mosaics are narrow."""
        step = getattr(self.inspector, "weights_step", None)
        start, now = "start (step 0)", "now" if step is None else f"now (step {step:,})"
        fm = QFontMetrics(self.font())
        if max(fm.horizontalAdvance(start), fm.horizontalAdvance(now)) > self._mosaic_px:
            start, now = "start", "now"
        self.start_label.setText(start)
        self.now_label.setText(now)

    @staticmethod
    def _compare_gap(w: int) -> int:
        """Pixels between the step-0 mosaic and the current one."""
        return max(3, int(round(0.06 * w)))

    def _show_start(self, start, levels):
        items = (self.start_frame, self.start_image, self.start_label, self.now_label)
        if start is None:
            for item in items:
                item.hide()
            return
        if start is not self.start_image.image:
            self.start_image.setImage(start, autoLevels=False, levels=levels)
        else:
            self.start_image.setLevels(levels)
        fg = QColor(theme.colors()["plot_fg"])
        self.start_label.setColor(fg)
        self.now_label.setColor(fg)
        for item in items:
            item.show()

    def _start_weights(self, target) -> Optional[np.ndarray]:
        """The step-0 W of the layer at trace position ``target`` while comparing, else None.

        Also keeps the check box's state in step with what is available.
        """
        start = getattr(self.inspector, "start_weights", None)
        W0 = None
        if start is not None and target is not None:
            W0 = start.get(f"{self._entries[target][0]}.W")
            if W0 is not None and W0.shape != self.inspector.layer_at(target).params["W"].shape:
                W0 = None
        self.compare_box.setEnabled(W0 is not None)
        self.compare_box.setToolTip(
            "Show this layer's weights at the start of training (step 0) beside the current ones, "
            "on one colour scale" if W0 is not None else
            "Available once training has started: the weights at step 0 are kept then")
        return W0 if self.compare_box.isChecked() else None

    def _levels(self, W: np.ndarray, W0: Optional[np.ndarray]):
        """(levels of the current weights, levels of the step-0 ones): symmetric, shared by both
        unless 'own scales' is ticked."""
        now = cm.symmetric_range(W)
        if W0 is None:
            return now, None
        start = cm.symmetric_range(W0)
        if self.own_scale_box.isChecked():
            return now, start
        shared = (min(now[0], start[0]), max(now[1], start[1]))
        return shared, shared

    def _start_picture(self, key, arrays: np.ndarray) -> np.ndarray:
        """The step-0 mosaic of ``arrays`` (laid out like the current one); refilled only when
        ``key`` (what it shows, with the id of the step-0 weights) changed since the last call."""
        g = self._geometry
        if key == self._start_key and self.start_image.image is not None:
            return self.start_image.image
        # keep the step-0 weights alive so that their id in the key stays theirs
        self._start_owner = self.inspector.start_weights
        m = self._start_mosaic
        if m is None or m.geometry != g or m.extra != self._mosaic.extra:
            m = self._start_mosaic = Mosaic(g.count, g.tile_h, g.tile_w, cols=g.cols, gap=g.gap,
                                            extra=self._mosaic.extra)
        self._start_key = key
        return m.fill(arrays).copy()

    def _view_aspect(self) -> float:
        w, h = self.view.width(), self.view.height()
        return w / h if w > 10 and h > 10 else 1.4

    def _aspect(self) -> float:
        """Width/height available to one mosaic (half the view's width or height while comparing)."""
        a = self._view_aspect()
        if not self.comparing:
            return a
        return a / 2 if self._side_by_side() else a * 2

    def _side_by_side(self) -> bool:
        """While comparing: start left of now in a wide view, above it in a tall one."""
        return self._view_aspect() >= 1.0

    def _mosaic_for(self, count, th, tw, gap, extra=()):
        g = self._mosaic.geometry if self._mosaic is not None else None
        if g is None or (g.count, g.tile_h, g.tile_w, g.gap) != (count, th, tw, gap) \
                or self._mosaic.extra != extra \
                or grid_shape(count, th, tw, gap, self._aspect()) != (g.rows, g.cols):
            self._mosaic = Mosaic(count, th, tw, gap=gap, aspect=self._aspect(), extra=extra)
        self._geometry = self._mosaic.geometry
        return self._mosaic

    def _show_conv(self, name, W, W0=None):
        f, c, kh, kw = W.shape
        (lo, hi), start_levels = self._levels(W, W0)
        first = self.shown_index == 1           # reads the network input
        if c == 3 and first:
            self.rgb_row.show()
        if c == 3 and first and self.rgb_box.currentIndex() == 0:
            self.mode = "rgb"
            self._channels = (0, 3)
            rgb = 0.5 + W.transpose(0, 2, 3, 1) / (2 * hi)          # (F, KH, KW, 3) in [0, 1]
            img = self._mosaic_for(f, kh, kw, 1, (3,)).fill(rgb)
            start = None
            if W0 is not None:        # the composite depends on its scale
                hi0 = start_levels[1]
                start = self._start_picture(("rgb", id(W0), hi0, self._geometry),
                                            0.5 + W0.transpose(0, 2, 3, 1) / (2 * hi0))
            self._show(img, (0.0, 1.0), rgb=True, start=start)
            return f"<b>{name}</b> · {f} filters {shape_text((c, kh, kw))} in colour · click one to enlarge it"
        self.mode = "conv"
        cs = self._channel_rows(W.shape)
        if c > cs:
            self.channel_row.show()
            self.channel_spin.setRange(0, c - cs)
        c0 = min(self.channel_spin.value(), max(0, c - cs))
        self._channels = (c0, cs)
        gap = 1 if cs == 1 else 2
        img = self._mosaic_for(f, cs * (kh + 1) - 1, kw, gap).fill(_kernel_strips(W, c0, cs))
        start = None
        if W0 is not None:
            start = self._start_picture(("conv", id(W0), c0, self._geometry), _kernel_strips(W0, c0, cs))
        self._show(img, (lo, hi), start=start, start_levels=start_levels)
        head = f"<b>{name}</b> · {f} filters {shape_text((c, kh, kw))}"
        if c == 1:
            return head + " · red positive, blue negative · click one to enlarge it"
        if cs == 1:
            return head + f" · a tile per filter, for input channel {c0} of {c} · click one to enlarge it"
        rows = f"{c0}–{c0 + cs - 1}" + (f" of {c}" if cs < c else "")
        return head + f" · a column per filter, a row per input channel ({rows}) · click one to enlarge it"

    def _channel_rows(self, shape) -> int:
        """How many input-channel rows a conv layer of weights ``shape`` gets: up to
        :data:`MAX_CHANNELS`, as many as keep every weight at least :data:`MIN_WEIGHT_PX` on screen."""
        f, c, kh, kw = shape
        most = min(c, MAX_CHANNELS)
        vw, vh = self.view.width(), self.view.height()
        if vw < 20 or vh < 20:                      # not laid out yet
            return most
        if self.comparing:
            vw, vh = (vw / 2, vh) if self._side_by_side() else (vw, vh / 2)
        for cs in range(most, 0, -1):
            gap = 1 if cs == 1 else 2
            th = cs * (kh + 1) - 1
            rows, cols = grid_shape(f, th, kw, gap, vw / vh)
            px = min(vw / (cols * (kw + gap) + 2), vh / (rows * (th + gap) + 2))
            if px >= MIN_WEIGHT_PX:
                return cs
        return 1

    def _show_filter(self, name, W, W0=None):
        """The enlarged filter: its kernel for every input channel, one tile each, on the
        colour scale of the whole layer."""
        fi = self.focused
        f, c, kh, kw = W.shape
        (lo, hi), start_levels = self._levels(W, W0)
        self.mode = "filter"
        self._channels = (0, c)
        img = self._mosaic_for(c, kh, kw, 1).fill(W[fi])
        start = None
        if W0 is not None:
            start = self._start_picture(("filter", id(W0), fi, self._geometry), W0[fi])
        self._show(img, (lo, hi), start=start, start_levels=start_levels)
        what = "channel (red, green, blue)" if c == 3 and self.shown_index == 1 else "channel"
        return (f"<b>{name}</b> · <b>filter {fi}</b> {shape_text((c, kh, kw))} enlarged: a kernel per input "
                f"{what} · click it to go back")

    def _show_dense(self, name, index, W, W0=None):
        d_in, units = W.shape
        src = maps_before(self._entries, index)
        if src is not None:
            self.mode = "unit"
            j, (c, h, w) = src
            self.unit_row.show()
            self.unit_spin.setRange(0, units - 1)
            u = self.unit_spin.value()
            col = W[:, u]
            levels, start_levels = self._levels(col, None if W0 is None else W0[:, u])
            img = self._mosaic_for(c, h, w, 1).fill(col.reshape(c, h, w))
            start = None
            if W0 is not None:
                start = self._start_picture(("unit", id(W0), u, self._geometry), W0[:, u].reshape(c, h, w))
            self._show(img, levels, start=start, start_levels=start_levels)
            self._source = self._entries[j][0]
            return (f"<b>{name}</b> · {d_in}→{units} · unit {u}'s weights on the {c} maps of "
                    f"{h}x{w} it reads ({self._source})")
        self.mode = "matrix"
        levels, start_levels = self._levels(W, W0)
        self._show(W.T, levels, aspect_locked=False, start=None if W0 is None else W0.T,
                   start_levels=start_levels)
        return f"<b>{name}</b> · weights {d_in}→{units}: a row per output unit, a column per input"

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
    def _locate(self, scene_pos, start=False):
        """What is under the mouse: a tuple whose form depends on ``mode``, or None.

        ``start``: in the step-0 image (while comparing) instead of the current one.
        """
        if self.mode == "none" or (start and not self.comparing):
            return None
        item = self.start_image if start else self.rgb_image if self.mode == "rgb" else self.image
        p = item.mapFromScene(scene_pos)
        y, x = p.y(), p.x()
        if self.mode == "matrix":
            units, d_in = item.image.shape
            return (int(y), int(x)) if 0 <= y < units and 0 <= x < d_in else None
        loc = self._geometry.locate(y, x)
        if loc is not None and self.mode == "filter":
            return (self.focused,) + loc
        if loc is None or self.mode != "conv":
            return loc
        f, r, k = loc
        kh = self.inspector.layer_at(self.shown_index).params["W"].shape[2]
        ci, kr = divmod(r, kh + 1)
        return None if kr == kh else (f, self._channels[0] + ci, kr, k)

    def _hover(self, scene_pos):
        loc = self._locate(scene_pos)
        name = self._entries[self.shown_index][0] if self.shown_index is not None else ""
        W = self.inspector.layer_at(self.shown_index).params["W"] if loc is not None else None
        if loc is None:
            loc = self._locate(scene_pos, start=True)
            if loc is None:
                return
            W = self.inspector.start_weights[f"{name}.W"]
            name = f"{name} at step 0"
        if self.mode in ("conv", "filter"):
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
        if ev.button() != Qt.LeftButton or ev.double() or self.mode not in ("conv", "rgb", "filter"):
            return
        loc = self._locate(ev.scenePos()) or self._locate(ev.scenePos(), start=True)
        if loc is None:
            return
        if self.mode == "filter":
            self.show_grid()
            return
        self.inspector.select_channel(loc[0])
        self.focus_filter(loc[0])


def _max_abs(a: np.ndarray) -> float:
    return float(np.max(np.abs(a))) if np.size(a) else 0.0


def _kernel_strips(W: np.ndarray, c0: int, cs: int) -> np.ndarray:
    """Input channels c0..c0+cs-1 of each filter of W (F, C, KH, KW) stacked into one tall tile
    per filter, a NaN row between kernels: (F, cs * (KH + 1) - 1, KW)."""
    f, _, kh, kw = W.shape
    strips = np.full((f, cs, kh + 1, kw), np.nan, np.float32)
    strips[:, :, :kh] = W[:, c0:c0 + cs]
    return strips.reshape(f, cs * (kh + 1), kw)[:, :-1]


def _row(label: str, widget: QWidget) -> QWidget:
    box = QWidget()
    row = QHBoxLayout(box)
    row.setContentsMargins(0, 0, 0, 0)
    row.addWidget(QLabel(label))
    row.addWidget(widget)
    box.hide()
    return box
