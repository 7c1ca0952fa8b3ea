"""FeatureMapView: every channel of the selected layer, as one mosaic image.

Maps are tiled into a single ImageItem (see :mod:`.mosaic`) with a colour bar;
hovering reads channel, position and value under the mouse (and tells the
inspector which cell it is over: its receptive field is drawn on the input); a
click enlarges one map (and picks it as the inspector's channel, so the pooling
view and a step to the next layer follow it); a click on a cell of the enlarged
map (or of a layer's only map) picks that cell to be stepped through. Flat layers
(dense, flatten, softmax) are drawn as bars; a click on one picks its unit.
"""
from __future__ import annotations

from typing import Optional

import numpy as np
import pyqtgraph as pg
from PyQt5.QtCore import QRectF, Qt
from PyQt5.QtWidgets import QHBoxLayout, QPushButton, QStackedWidget, QWidget

from ..widgets import colormaps as cm
from ..widgets.mosaic import Mosaic, grid_shape
from ..widgets.lazy import skip_while_hidden
from ..widgets.classbars import ClassBarChart
from ..widgets.text import channel_name, shape_text
from ..widgets.badge import source_badge
from ..widgets.colorbar import ColorBar
from ..widgets.labels import ElidedLabel, WrapLabel
from ..widgets.layerview import LayerView, NO_INPUT, view_layout
from ..widgets.plotitems import LeavingLayoutWidget, backdrop, outline_box
from ..widgets.wheelguard import ComboBox

BAR_LIMIT = 160                 # more values than this are drawn as filled step curves
POSITIVE, NEGATIVE = "#d0542a", "#2a7fd0"   # flat layers: warm above 0, cold below (as the maps)
PICKED = "#39ff6a"                          # the cell picked for the step-through


class FeatureMapView(LayerView):
    """All maps of the inspector's selected layer in one mosaic, with hover readout and click-to-enlarge.

    Public: ``levels_mode`` ('shared' or 'per-map', see :meth:`set_levels_mode`),
    ``focused`` (enlarged channel or None, see :meth:`focus_channel` / :meth:`show_grid`),
    ``image`` (the ImageItem), ``colorbar``, ``readout`` and ``title`` (QLabels),
    :meth:`refresh`.
    """

    def __init__(self, inspector, parent: Optional[QWidget] = None):
        super().__init__(inspector, parent)
        self.levels_mode = "shared"
        self._index = -1                       # trace position shown
        self._mosaic: Optional[Mosaic] = None
        self._cmap = None
        self._build_ui()
        inspector.networkChanged.connect(self._on_network)
        inspector.traceChanged.connect(self.refresh)
        inspector.layerSelected.connect(self._on_layer)
        inspector.channelSelected.connect(self._on_channel)
        inspector.cellPicked.connect(self._show_pick)
        self.refresh()

    # -- construction -----------------------------------------------------------
    def _build_ui(self):
        self.title = WrapLabel()
        self.levels_box = ComboBox()
        self.levels_box.addItem("colours: shared", "shared")
        self.levels_box.addItem("colours: per map", "per-map")
        self.levels_box.setToolTip("Shared: colours compare across maps. Per map: every map uses its "
                                   "full colour range, so weak maps become visible.")
        self.levels_box.currentIndexChanged.connect(
            lambda i: self.set_levels_mode(self.levels_box.itemData(i)))
        self.back_button = QPushButton("◀ All maps")
        self.back_button.setToolTip("Back to the grid of all maps")
        self.back_button.clicked.connect(self.show_grid)
        self.back_button.hide()
        self.readout = ElidedLabel()

        # maps page: one ViewBox with one ImageItem, and a colour bar
        self.maps_widget = LeavingLayoutWidget()
        self.maps_widget.left.connect(self._mouse_left)
        self.view = self.maps_widget.addViewBox(row=0, col=0, lockAspect=True, invertY=True, enableMenu=False)
        self.frame = backdrop(cm.MAP_BACKGROUND)     # shows through the mosaic's NaN gutters
        self.view.addItem(self.frame)
        self.image = pg.ImageItem(axisOrder="row-major")
        self.view.addItem(self.image)
        self.hover_box = outline_box("#00e0ff", z=10)
        self.view.addItem(self.hover_box, ignoreBounds=True)
        self.pick_box = outline_box(PICKED, z=11)          # the cell the step-through shows
        self.view.addItem(self.pick_box, ignoreBounds=True)
        self.colorbar = ColorBar(cm.ACTIVATION)
        self.colorbar.setImageItem(self.image)
        self.maps_widget.addItem(self.colorbar, row=0, col=1)
        self.maps_widget.scene().sigMouseMoved.connect(self._hover_maps)
        self.maps_widget.scene().sigMouseClicked.connect(self._click_maps)
        self.view.sigResized.connect(self._on_resized)

        # bars page: flat layers
        self.bars_widget = LeavingLayoutWidget()
        self.bars_widget.left.connect(self._mouse_left)
        self.plot = self.bars_widget.addPlot(row=0, col=0)
        self.plot.setMenuEnabled(False)
        self.plot.showGrid(y=True, alpha=0.3)
        for axis in ("left", "bottom"):
            self.plot.getAxis(axis).enableAutoSIPrefix(False)   # "value (x0.001)" would sit on the ticks
        self.bars = pg.BarGraphItem(x=[0], height=[0], width=0.8)
        # many values: one filled step curve for the positive part, one for the negative
        self.curve = pg.PlotDataItem(stepMode="center", fillLevel=0, pen=pg.mkPen(POSITIVE),
                                     brush=pg.mkBrush(POSITIVE + "a0"))
        self.neg_curve = pg.PlotDataItem(stepMode="center", fillLevel=0, pen=pg.mkPen(NEGATIVE),
                                         brush=pg.mkBrush(NEGATIVE + "a0"))
        self.plot.addItem(self.bars)
        self.plot.addItem(self.curve)
        self.plot.addItem(self.neg_curve)
        self.bars_widget.scene().sigMouseMoved.connect(self._hover_bars)
        self.bars_widget.scene().sigMouseClicked.connect(self._click_bars)
        self._pos_brush, self._neg_brush = pg.mkBrush(POSITIVE), pg.mkBrush(NEGATIVE)

        # classes page: the softmax, drawn like the Probabilities panel
        self.classes = ClassBarChart()
        self.classes.scene().sigMouseMoved.connect(self._hover_classes)
        self.classes.scene().sigMouseClicked.connect(self._click_classes)

        self.stack = QStackedWidget()
        self.stack.addWidget(self.maps_widget)
        self.stack.addWidget(self.bars_widget)
        self.stack.addWidget(self.classes)

        self.levels_row = QWidget()
        row = QHBoxLayout(self.levels_row)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.levels_box)
        view_layout(self, self.title, self.stack, self.readout, bottom=(self.back_button, self.levels_row))

    # -- public -------------------------------------------------------------------
    def set_levels_mode(self, mode: str) -> None:
        """'shared': one colour scale for the layer; 'per-map': each map normalised to its own max|value|."""
        if mode not in ("shared", "per-map"):
            raise ValueError(f"levels mode must be 'shared' or 'per-map', not {mode!r}")
        self.levels_mode = mode
        i = self.levels_box.findData(mode)
        if self.levels_box.currentIndex() != i:
            self.levels_box.setCurrentIndex(i)
        self.refresh()

    def focus_channel(self, channel: int) -> None:
        """Enlarge map ``channel`` of the shown layer (ignored for flat layers)."""
        shape = self._entries[self._index].shape
        if len(shape) == 3 and 0 <= channel < shape[0]:
            self.focused = int(channel)
            self.refresh()

    # -- signals ------------------------------------------------------------------
    def _forget_layer(self):
        self._index = -1

    def _on_layer(self, index: int):
        self.inspector.hover_cell(None)          # the mouse is over another layer's maps now
        old = self._entries[self._index].shape if 0 <= self._index < len(self._entries) else None
        new = self._entries[min(index, len(self._entries) - 1)].shape
        # Keep following one enlarged map while the channel count stays (conv -> relu -> pool).
        if self.focused is not None and (old is None or len(new) != 3 or new[0] != old[0]):
            self.focused = None
        self.refresh()

    def _on_channel(self, channel: int):
        if self.focused is not None and channel != self.focused:
            self.focus_channel(channel)

    def _on_resized(self):
        if self._mosaic is None or self.focused is not None:
            return
        g = self._mosaic.geometry
        if grid_shape(g.count, g.tile_h, g.tile_w, g.gap, self._aspect()) != (g.rows, g.cols):
            self.refresh()

    # -- drawing ------------------------------------------------------------------
    @skip_while_hidden
    def refresh(self) -> None:
        """Redraw the selected layer from the inspector's current trace (or its structure)."""
        self._index = self.selected_index()
        entry = self._entries[self._index]
        value = self.inspector.value(self._index)
        if len(entry.shape) == 3:
            self._show_maps(entry.name, entry.kind, entry.settings, entry.shape, value)
        else:
            self._show_bars(entry.name, entry.kind, entry.settings, entry.shape, value)

    def _aspect(self) -> float:
        w, h = self.view.width(), self.view.height()
        return w / h if w > 10 and h > 10 else 1.4

    def _show_maps(self, name, kind, describe, shape, value):
        self.stack.setCurrentWidget(self.maps_widget)
        c, h, w = shape
        if self.focused is not None and self.focused >= c:
            self.focused = None
        if value is None:
            cmap = cm.INPUT if kind == "Input" else cm.ACTIVATION
            data, levels = np.zeros(shape, np.float32), (0.0, 1.0)
        else:
            cmap, levels = cm.activation_style(kind, value)
            data = value
            if self.levels_mode == "per-map":
                data, levels = self._per_map(value, cmap is cm.SIGNED_ACTIVATION)
        if self.focused is None:
            key = (c, h, w)
            g = self._mosaic.geometry if self._mosaic is not None else None
            if g is None or (g.count, g.tile_h, g.tile_w) != key or \
                    grid_shape(c, h, w, 1, self._aspect()) != (g.rows, g.cols):
                self._mosaic = Mosaic(c, h, w, aspect=self._aspect())
            img = self._mosaic.fill(data)
        else:
            img = data[self.focused]
        self.image.setImage(img, autoLevels=False, levels=levels)
        if cmap is not self._cmap:
            self._cmap = cmap
            self.colorbar.setColorMap(cmap)
        self.colorbar.setLevels(levels)
        fit = (self._index, shape, self.focused, img.shape)
        if fit != self._fit_key:
            self._fit_key = fit
            rect = QRectF(-1, -1, img.shape[1] + 2, img.shape[0] + 2)     # a gutter around the edge too
            self.frame.setRect(rect)
            self.view.setRange(rect, padding=0.01)
            self._mouse_left()                # another picture under the mouse: nothing hovered yet
            self.readout.setText("")
        self._show_pick()
        self.back_button.setVisible(self.focused is not None)
        self.levels_row.show()
        self.levels_box.setEnabled(value is not None)
        head = f"<b>{name}</b> · {kind} {describe}".rstrip() + " → "
        if self.focused is not None:
            head += (f"{shape_text(shape)} · <b>{channel_name(kind, c, self.focused)}</b> enlarged · click a cell to "
                     f"step through it")
        else:
            noun = ("channel" if kind == "Input" else "map") + ("s" if c > 1 else "")
            head += f"{c} {noun} of {h}x{w}" + (" · click one to enlarge it" if c > 1 and value is not None else "")
        if value is None:
            self.readout.setText(NO_INPUT)
        elif self.readout.text() in ("", NO_INPUT):
            self.readout.setText("hover a map")
        self.title.setText(("" if value is None else source_badge(self.inspector.source)) + head)

    @staticmethod
    def _per_map(value, signed):
        c = value.shape[0]
        flat = value.reshape(c, -1)
        m = np.abs(flat).max(axis=1) if signed else np.maximum(flat.max(axis=1), 0)
        m[m == 0] = 1.0
        return value / m[:, None, None], ((-1.0, 1.0) if signed else (0.0, 1.0))

    def _show_bars(self, name, kind, describe, shape, value):
        self.focused = None
        self.back_button.hide()
        self.levels_row.hide()
        self._mosaic = None
        n = shape[0]
        vals = np.zeros(n, np.float32) if value is None else value
        fit = (self._index, shape)
        fit_changed = fit != self._fit_key
        self._fit_key = fit
        if kind == "Softmax":
            self.stack.setCurrentWidget(self.classes)
            names = [str(c) for c in self.inspector.class_names]
            if names != self.classes.names:
                self.classes.set_classes(names)
            self.classes.set_values(None if value is None or len(value) != len(names) else value)
        else:
            self.stack.setCurrentWidget(self.bars_widget)
            self._draw_values(vals, n, fit_changed)
        head = f"<b>{name}</b> · {kind} {describe} → {n} {'classes' if kind == 'Softmax' else 'values'}"
        if value is None:
            self.readout.setText(NO_INPUT)
        else:
            if kind == "Softmax":
                top = int(np.argmax(vals))
                head += f" · predicts <b>{self.inspector.class_names[top]}</b> ({vals[top]:.0%})"
            if fit_changed or self.readout.text() == NO_INPUT:
                self.readout.setText("hover a bar to read its value")
        self.title.setText(("" if value is None else source_badge(self.inspector.source)) + head)

    def _draw_values(self, vals, n, fit_changed):
        """A flat layer's values: a bar each (warm positive, cold negative), or two filled
        step curves (the positive and the negative parts) when there are many."""
        x = np.arange(n)
        if n <= BAR_LIMIT:
            self.curve.hide()
            self.neg_curve.hide()
            self.bars.show()
            brushes = [self._pos_brush if v >= 0 else self._neg_brush for v in vals]
            self.bars.setOpts(x=x, height=vals, width=0.8, brushes=brushes)
        else:
            self.bars.hide()
            self.curve.show()
            self.neg_curve.show()
            edges = np.arange(n + 1) - 0.5
            self.curve.setData(edges, np.maximum(vals, 0))
            self.neg_curve.setData(edges, np.minimum(vals, 0))
        if fit_changed:
            self.plot.setXRange(-0.5, n - 0.5, padding=0.01)
            self.plot.getAxis("bottom").setTicks(None)
            self.plot.setLabel("bottom", "unit")
            self.plot.enableAutoRange(axis="y")
            self.plot.setLabel("left", "value")

    # -- mouse --------------------------------------------------------------------
    def _locate(self, scene_pos):
        """(channel, row, col) under a scene position on the maps page, or None."""
        if self.stack.currentWidget() is not self.maps_widget or self.image.image is None:
            return None
        shape = self._entries[self._index].shape
        if len(shape) != 3:
            return None
        p = self.image.mapFromScene(scene_pos)
        y, x = p.y(), p.x()
        if self.focused is not None:
            if 0 <= y < shape[1] and 0 <= x < shape[2]:
                return self.focused, int(y), int(x)
            return None
        return None if self._mosaic is None else self._mosaic.geometry.locate(y, x)

    def _hover_maps(self, scene_pos):
        loc = self._locate(scene_pos)
        name, kind, _, shape, _ = self._entries[self._index]
        if loc is None:
            self.hover_box.hide()
            self.inspector.hover_cell(None)
            return
        self.inspector.hover_cell(self._index, loc)
        c, r, k = loc
        if self.focused is None:
            top, left = self._mosaic.geometry.origin(c)
            self.hover_box.setRect(QRectF(left, top, shape[2], shape[1]))
        else:
            self.hover_box.setRect(QRectF(k, r, 1, 1))
        self.hover_box.show()
        value = self.inspector.value(self._index)
        text = f"{name} · {channel_name(kind, shape[0], c)} · row {r}, col {k}"
        self.readout.setText(text + ("" if value is None else f" · value {value[c, r, k]:.4g}"))

    def _click_maps(self, ev):
        if ev.button() != Qt.LeftButton or ev.double():     # a double click's first click already acted
            return
        loc = self._locate(ev.scenePos())
        if loc is None:
            return
        if self.focused is None and self._mosaic is not None and self._mosaic.geometry.count > 1:
            self.focused = loc[0]
            self.inspector.select_channel(loc[0])
            self.refresh()
        elif self.inspector.value(self._index) is not None:
            self.inspector.pick_cell(self._index, loc)

    def _mouse_left(self):
        self.hover_box.hide()
        self.inspector.hover_cell(None)

    def _show_pick(self):
        """Outline the picked cell when it is in the shown maps."""
        ref = self.inspector.picked_cell
        shape = self._entries[self._index].shape if 0 <= self._index < len(self._entries) else ()
        if ref is None or ref.index != self._index or len(shape) != 3 or self.image.image is None:
            self.pick_box.hide()
            return
        c, r, k = ref.cell
        if self.focused is None and self._mosaic is not None:
            top, left = self._mosaic.geometry.origin(c)
        elif self.focused == c:
            top, left = 0, 0
        else:
            self.pick_box.hide()
            return
        self.pick_box.setRect(QRectF(left + k, top + r, 1, 1))
        self.pick_box.show()

    def _bar_at(self, scene_pos):
        """The unit of the flat layer's bar under a scene position, or None."""
        vb = self.plot.getViewBox()
        if self.stack.currentWidget() is not self.bars_widget or not vb.sceneBoundingRect().contains(scene_pos):
            return None
        i = int(round(vb.mapSceneToView(scene_pos).x()))
        return i if 0 <= i < self._entries[self._index].shape[0] else None

    def _click_bars(self, ev):
        i = self._bar_at(ev.scenePos())
        if ev.button() == Qt.LeftButton and i is not None and self.inspector.value(self._index) is not None:
            self.inspector.pick_cell(self._index, (i,))

    def _click_classes(self, ev):
        i = self.classes.index_at(ev.scenePos())
        if ev.button() == Qt.LeftButton and i is not None and self.inspector.value(self._index) is not None:
            self.inspector.pick_cell(self._index, (i,))

    def _hover_bars(self, scene_pos):
        i = self._bar_at(scene_pos)
        if i is None:
            return
        name = self._entries[self._index].name
        self.inspector.hover_cell(self._index, (i,))
        value = self.inspector.value(self._index)
        text = f"{name} · unit {i}" + self._flat_origin(i)
        text += "" if value is None else f" · value {value[i]:.4g}"
        self.readout.setText(text)

    def _hover_classes(self, scene_pos):
        if self.stack.currentWidget() is not self.classes:
            return
        i = self.classes.index_at(scene_pos)
        self.classes.set_hovered(i)
        if i is None:
            return
        value = self.inspector.value(self._index)
        text = f"class {self.inspector.class_names[i]}"
        text += "" if value is None else f" · probability {value[i]:.2%}"
        self.readout.setText(text)

    def _flat_origin(self, i: int) -> str:
        """For a Flatten output: which map, row and col value ``i`` came from."""
        name, kind, _, shape, _ = self._entries[self._index]
        if kind != "Flatten" or self._index == 0:
            return ""
        prev = self._entries[self._index - 1].shape
        if len(prev) != 3 or int(np.prod(prev)) != shape[0]:
            return ""
        c, r, k = np.unravel_index(i, prev)
        return f" (= map {c}, row {r}, col {k} of {self._entries[self._index - 1].name})"
