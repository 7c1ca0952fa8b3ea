"""FilterView: the learned weights of the selected layer as small images.

- Conv2D, W (F, C, KH, KW): one column of kernels per filter, one row per input
  channel (at most :data:`MAX_CHANNELS` rows, fewer when the rows would make the
  kernels too small to see (under :data:`MIN_WEIGHT_PX` per weight); a spin box picks
  them), columns wrapped into a grid; a 3-channel first layer can be shown as RGB
  composites instead.
- Dense right after a Flatten, W (C*H*W, units): one unit's incoming weights reshaped
  to the maps it reads (a unit spin box picks it).
- Other Dense: the weight matrix, one row per output unit.
- Layers without weights: the nearest layer with weights is shown, and said so.

A click on a conv filter enlarges it (and picks its channel, so the feature maps
follow); a click on it goes back to the grid. Weights use a symmetric blue-white-red
map (levels +-max|W|), so white is 0. "compare with start" draws the same layer's
weights at step 0 of the training run beside them (see :mod:`.compare`): the
noise-before / edges-after picture of first-layer filters.
"""
from __future__ import annotations

from typing import Optional

import numpy as np
import pyqtgraph as pg
from PyQt5.QtCore import QRectF, Qt
from PyQt5.QtGui import QColor
from PyQt5.QtWidgets import QCheckBox, QHBoxLayout, QLabel, QPushButton, QWidget

from ...widgets import colormaps as cm
from ...widgets.badge import badge_html
from ...widgets.colorbar import ColorBar
from ...widgets.labels import ElidedLabel, WrapLabel
from ...widgets.layerview import LayerView, nearest_entry, view_layout
from ...widgets.lazy import skip_while_hidden, throttle_while_live
from ...widgets.mosaic import Mosaic, grid_shape
from ...widgets.plotitems import backdrop, outline_box
from ...widgets.text import shape_text
from .compare import StartComparison, movement_text
from .health import HealthMarks
from .renderers import ConvGrid, Matrix, OneFilter, Renderer, RgbGrid, UnitMaps, conv_rows, maps_before
from ...widgets.wheelguard import ComboBox, SpinBox

RGB_BACKGROUND = "#202020"   # composites are grey at 0, so their gutters must not be
MAX_CHANNELS = 4        # input-channel rows shown at once for a wide conv layer
LIVE_SECONDS = 0.2      # while training: redrawn at most 5 times a second (weights change slowly)
MIN_WEIGHT_PX = 3.0     # fewer rows rather than weights drawn smaller than this (screen pixels)
WEIGHTED_KINDS = ("Conv2D", "Dense")


class FilterView(LayerView):
    """Weights of the selected (or nearest weighted) layer, refreshed on ``weightsChanged``.

    Public: ``focused`` (the enlarged filter or None, see :meth:`focus_filter` /
    :meth:`show_grid`), ``channel_spin`` (first input channel shown), ``unit_spin`` (dense unit),
    ``rgb_box`` ('RGB composite' / 'per channel'), ``compare_box`` ('compare with start'),
    ``own_scale_box``, ``image``, ``rgb_image``, ``start_image`` (the step-0 weights while
    comparing), ``start_label`` / ``now_label``, ``colorbar``, ``title``, ``readout``,
    :attr:`shown_index` (trace position whose weights are drawn, or None), :attr:`mode`
    (the renderer's: 'conv', 'rgb', 'filter', 'unit', 'matrix' or 'none'), :attr:`comparing`.
    """

    def __init__(self, inspector, parent: Optional[QWidget] = None):
        super().__init__(inspector, parent)
        self.shown_index: Optional[int] = None
        self.renderer: Optional[Renderer] = None
        self.comparing = False              # the step-0 weights are drawn beside the current ones
        self._picked = False                # outline a filter only once a channel was picked
        self._mosaic: Optional[Mosaic] = None
        self._past_noted = False            # the title says the other views show the past
        self._build_ui()
        inspector.networkChanged.connect(self._on_network)
        inspector.weightsChanged.connect(self.refresh)
        inspector.layerSelected.connect(self.refresh)
        inspector.traceChanged.connect(self._on_trace)
        inspector.channelSelected.connect(self._on_channel)
        inspector.filterFlagsChanged.connect(self.refresh)
        self.refresh()

    @property
    def mode(self) -> str:
        return "none" if self.renderer is None else self.renderer.mode

    @property
    def geometry(self):
        """The shown mosaic's MosaicGeometry (None for a matrix or without weights)."""
        return None if self.renderer is None else self.renderer.geometry

    def _build_ui(self):
        self.title = WrapLabel()
        self.title.linkActivated.connect(self._select_link)
        self.readout = ElidedLabel()
        self.channel_spin = SpinBox()
        self.channel_spin.setToolTip(f"The first of the (at most {MAX_CHANNELS}) input channels shown as rows; "
                                     f"a small view shows fewer, a click on a filter shows all of its own")
        self.channel_spin.valueChanged.connect(self.refresh)
        self.unit_spin = SpinBox()
        self.unit_spin.setToolTip("Which unit's incoming weights to show")
        self.unit_spin.valueChanged.connect(self.refresh)
        self.rgb_box = ComboBox()
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
        self.frame = backdrop(cm.MAP_BACKGROUND)
        self.view.addItem(self.frame)
        self.image = pg.ImageItem(axisOrder="row-major")
        self.rgb_image = pg.ImageItem(axisOrder="row-major")
        self.view.addItem(self.image)
        self.view.addItem(self.rgb_image)
        self.compare = StartComparison(self.view, self.font())
        self.start_image, self.start_label, self.now_label = (self.compare.image, self.compare.start_label,
                                                              self.compare.now_label)
        self.pick_box = outline_box("#00c000", z=10)
        self.pick_box.setToolTip("the picked channel: this filter makes that map")
        self.view.addItem(self.pick_box, ignoreBounds=True)
        self.health = HealthMarks(self.view)
        self.colorbar = ColorBar(cm.WEIGHTS)
        self.colorbar.setImageItem(self.image)
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
            W = self._weights()
            if 0 <= index < W.shape[0]:
                self.focused = int(index)
                self.refresh()

    # -- signals ------------------------------------------------------------------
    def _forget_layer(self):
        self.shown_index = None
        self.renderer = None

    def _on_trace(self) -> None:
        if self.inspector.showing_past != self._past_noted:     # the title says whether it is the past
            self.refresh()

    def _select_link(self, href: str) -> None:
        self.inspector.select(int(href))

    def _on_channel(self, _channel):
        self._picked = True
        self._update_pick_box()

    def _on_resized(self):
        if self.comparing:
            self._fit_key = None            # the labels' room depends on the zoom
            self.refresh()
            return
        r = self.renderer
        g = None if r is None else r.geometry
        if g is None or self.mode == "matrix":
            return
        regrid = grid_shape(g.count, g.tile_h, g.tile_w, g.gap, self._aspect()) != (g.rows, g.cols)
        if self.mode == "conv":
            regrid = regrid or self._channel_rows(self._weights().shape) != r.rows
        if regrid:
            self._mosaic = None
            self.refresh()

    def _weights(self) -> np.ndarray:
        return self._entries[self.shown_index].layer.params["W"]

    # -- drawing ------------------------------------------------------------------
    @skip_while_hidden
    @throttle_while_live(LIVE_SECONDS)
    def refresh(self) -> None:
        """Redraw the weights (cheap: one mosaic fill; called on every training snapshot)."""
        sel = self.selected_index()
        target = nearest_entry(self._entries, sel, WEIGHTED_KINDS)
        if target != self.shown_index:
            self.shown_index = target
            self.renderer = None            # it drew another layer
            self.focused = None
            for spin in (self.channel_spin, self.unit_spin):
                spin.blockSignals(True)
                spin.setValue(0)
                spin.blockSignals(False)
        for w in (self.channel_row, self.unit_row, self.rgb_row):
            w.hide()
        W0 = self._start_weights(target)
        self.comparing = W0 is not None
        if target is None:
            self.renderer = None
            for item in (self.image, self.rgb_image, self.pick_box):
                item.hide()
            self.compare.show(None, None)
            self.health.mark(None, None, self.mode, None)
            self.title.setText("This network has no layer with weights.")
            return
        entry = self._entries[target]
        W = entry.layer.params["W"]
        if entry.kind != "Conv2D" or (self.focused is not None and self.focused >= W.shape[0]):
            self.focused = None
        self.renderer, head = self._choose_renderer(entry, target, W, W0)
        self._draw(W, W0)
        self.back_button.setVisible(self.focused is not None)
        self.own_scale_box.setVisible(self.comparing)
        if self.comparing:
            self.compare.label(self.inspector.weights_step)
            own = ", each side on its own colour scale" if self.own_scale_box.isChecked() else ""
            head += (f" · <i>largest |w|: {_max_abs(W0):.2g} at the start, {_max_abs(W):.2g} now{own}; "
                     f"{movement_text(W, W0, entry.kind == 'Conv2D')}</i>")
        if target != sel:
            link = f"<a href='{target}'><b>{entry.name}</b></a>"
            selected = self._entries[sel]
            head = (f"{selected.name} ({selected.kind}) has no weights · nearest: "
                    + head.replace(f"<b>{entry.name}</b>", link, 1))
        if self.inspector.showing_past:
            # the other views show a time-lapse frame; these weights are not that frame's
            head = badge_html("now", "today's weights, not the time-lapse frame's") + head
        self._past_noted = self.inspector.showing_past
        flags = self.inspector.filter_flags
        head += self.health.mark(flags, entry.name, self.mode, self.geometry, self.focused)
        self.title.setToolTip(self.health.note(flags, entry.name))
        self.title.setText(head)
        self._update_pick_box()

    def _choose_renderer(self, entry, target: int, W: np.ndarray, W0: Optional[np.ndarray]):
        """The renderer for the shown layer and the settings, and the title's words for it."""
        name = entry.name
        if self.focused is not None:
            f, c, kh, kw = W.shape
            what = "channel (red, green, blue)" if c == 3 and target == 1 else "channel"
            return OneFilter(self.focused), (f"<b>{name}</b> · <b>filter {self.focused}</b> "
                                             f"{shape_text((c, kh, kw))} enlarged: a kernel per input {what} · "
                                             f"click it to go back")
        if entry.kind == "Conv2D":
            f, c, kh, kw = W.shape
            head = f"<b>{name}</b> · {f} filters {shape_text((c, kh, kw))}"
            if c == 3 and target == 1:
                self.rgb_row.show()
                if self.rgb_box.currentIndex() == 0:
                    hi = self.compare.levels(W, W0, self.own_scale_box.isChecked())[0][1]
                    return RgbGrid(hi), head + " in colour · click one to enlarge it"
            rows = self._channel_rows(W.shape)
            if c > rows:
                self.channel_row.show()
                self.channel_spin.setRange(0, c - rows)
            c0 = min(self.channel_spin.value(), max(0, c - rows))
            if c == 1:
                return ConvGrid(c0, rows), head + " · red positive, blue negative · click one to enlarge it"
            if rows == 1:
                return ConvGrid(c0, rows), head + (f" · a tile per filter, for input channel {c0} of {c} · "
                                                   f"click one to enlarge it")
            span = f"{c0}–{c0 + rows - 1}" + (f" of {c}" if rows < c else "")
            return ConvGrid(c0, rows), head + (f" · a column per filter, a row per input channel ({span}) · "
                                               f"click one to enlarge it")
        d_in, units = W.shape
        src = maps_before(self._entries, target)
        if src is None:
            return Matrix(), f"<b>{name}</b> · weights {d_in}→{units}: a row per output unit, a column per input"
        j, (c, h, w) = src
        self.unit_row.show()
        self.unit_spin.setRange(0, units - 1)
        u = self.unit_spin.value()
        source = self._entries[j].name
        return UnitMaps(u, (c, h, w), source), (f"<b>{name}</b> · {d_in}→{units} · unit {u}'s weights on the "
                                                f"{c} maps of {h}x{w} it reads ({source})")

    def _levels(self, W, W0=None):
        if isinstance(self.renderer, UnitMaps):
            u = self.renderer.unit
            W, W0 = W[:, u], None if W0 is None else W0[:, u]
        return self.compare.levels(W, W0, self.own_scale_box.isChecked())

    def _draw(self, W: np.ndarray, W0: Optional[np.ndarray]) -> None:
        """Draw the renderer's picture of W (and of W0 beside it) and fit the view when its shape changed."""
        r = self.renderer
        img = r.picture(W, self._mosaic_for)
        levels, start_levels = self._levels(W, W0)
        start = None
        if W0 is not None and isinstance(r, Matrix):
            start = W0.T
        elif W0 is not None:
            self.compare.layout_like(r.geometry, self._mosaic.extra)
            start_renderer = RgbGrid(start_levels[1]) if r.rgb else r
            key = (r.mode, id(W0), getattr(r, "first", None), getattr(r, "index", None), getattr(r, "unit", None),
                   start_levels[1] if r.rgb else None, r.geometry)
            start = self.compare.picture(key, self.inspector.start_weights,
                                         lambda mosaic_for: start_renderer.picture(W0, mosaic_for))
        if r.rgb:
            levels = start_levels = (0.0, 1.0)
        item, other = (self.rgb_image, self.image) if r.rgb else (self.image, self.rgb_image)
        other.hide()
        item.show()
        item.setImage(img, autoLevels=False, levels=levels)
        self.colorbar.setVisible(not r.rgb)
        if not r.rgb:
            self.colorbar.setLevels(levels)
        self.compare.show(start, levels if start_levels is None else start_levels)
        h, w = img.shape[:2]
        side = self._side_by_side()
        key = (self.shown_index, r.mode, img.shape[:2], start is not None, side)
        if key == self._fit_key:
            return
        self._fit_key = key
        self.view.setAspectLocked(r.aspect_locked)
        self.frame.setRect(QRectF(-1, -1, w + 2, h + 2))
        self.frame.setBrush(QColor(RGB_BACKGROUND if r.rgb else cm.MAP_BACKGROUND))
        rect = QRectF(-1, -1, w + 2, h + 2) if start is None else self.compare.place(w, h, side, r.rgb)
        self.view.setRange(rect, padding=0.01)
        self.readout.setText("hover a weight")
        self.readout.setToolTip("The mouse wheel zooms, dragging pans")

    def _start_weights(self, target) -> Optional[np.ndarray]:
        """The step-0 W of the layer at trace position ``target`` while comparing, else None.

        Also keeps the check box's state in step with what is available.
        """
        start = self.inspector.start_weights
        W0 = None
        if start is not None and target is not None:
            W0 = start.get(f"{self._entries[target].name}.W")
            if W0 is not None and W0.shape != self._entries[target].layer.params["W"].shape:
                W0 = None
        self.compare_box.setEnabled(W0 is not None)
        self.compare_box.setToolTip(
            "Show this layer's weights at the start of training (step 0) beside the current ones, "
            "on one colour scale" if W0 is not None else
            "Available once training has started: the weights at step 0 are kept then")
        return W0 if self.compare_box.isChecked() else None

    def _view_aspect(self) -> float:
        w, h = self.view.width(), self.view.height()
        return w / h if w > 10 and h > 10 else 1.4

    def _aspect(self) -> float:
        """Width/height available to one picture (half the view's width or height while comparing)."""
        a = self._view_aspect()
        if not self.comparing:
            return a
        return a / 2 if self._side_by_side() else a * 2

    def _side_by_side(self) -> bool:
        """While comparing: start left of now in a wide view, above it in a tall one."""
        return self._view_aspect() >= 1.0

    def _mosaic_for(self, count, th, tw, gap, extra=()) -> Mosaic:
        g = self._mosaic.geometry if self._mosaic is not None else None
        if g is None or (g.count, g.tile_h, g.tile_w, g.gap) != (count, th, tw, gap) \
                or self._mosaic.extra != extra \
                or grid_shape(count, th, tw, gap, self._aspect()) != (g.rows, g.cols):
            self._mosaic = Mosaic(count, th, tw, gap=gap, aspect=self._aspect(), extra=extra)
        return self._mosaic

    def _channel_rows(self, shape) -> int:
        """How many input-channel rows a conv layer of weights ``shape`` gets (see :func:`conv_rows`)."""
        vw, vh = self.view.width(), self.view.height()
        if self.comparing:
            vw, vh = (vw / 2, vh) if self._side_by_side() else (vw, vh / 2)
        return conv_rows(shape, vw, vh, MAX_CHANNELS, MIN_WEIGHT_PX)

    def _update_pick_box(self):
        """Outline the filter that makes the inspector's picked channel."""
        g = None if self.renderer is None else self.renderer.geometry
        ch = self.inspector.channel
        if not self._picked or self.mode not in ("conv", "rgb") or g is None or ch >= g.count:
            self.pick_box.hide()
            return
        top, left = g.origin(ch)
        self.pick_box.setRect(QRectF(left - 0.5, top - 0.5, g.tile_w + 1, g.tile_h + 1))
        self.pick_box.show()

    # -- mouse --------------------------------------------------------------------
    def _locate(self, scene_pos, start=False):
        """The weight index under the mouse in the current picture (or, with ``start``, the
        step-0 one while comparing), or None."""
        r = self.renderer
        if r is None or (start and not self.comparing):
            return None
        item = self.start_image if start else self.rgb_image if r.rgb else self.image
        p = item.mapFromScene(scene_pos)
        return r.locate(p.y(), p.x())

    def _hover(self, scene_pos):
        if self.renderer is None:
            return
        name = self._entries[self.shown_index].name
        loc, W = self._locate(scene_pos), self._weights()
        if loc is None:
            loc = self._locate(scene_pos, start=True)
            if loc is None:
                return
            W, name = self.inspector.start_weights[f"{name}.W"], f"{name} at step 0"
        self.readout.setText(f"{name} · {self.renderer.weight_text(W, loc)}")

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


def _row(label: str, widget: QWidget) -> QWidget:
    box = QWidget()
    row = QHBoxLayout(box)
    row.setContentsMargins(0, 0, 0, 0)
    row.addWidget(QLabel(label))
    row.addWidget(widget)
    box.hide()
    return box
