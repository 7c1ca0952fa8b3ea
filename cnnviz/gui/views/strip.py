"""NetworkStrip: the forward pass as a list of layers, input first, softmax last.

It reads left to right in a wide, short dock and top to bottom in a tall or narrow
one (the orientation that shows more whole entries), so the forward pass is always
read in the direction the space allows, without cutting off entries.

Each entry reads like ``conv1  Conv2D → 32x28x28`` over ``5x5/1 same · <stats>``,
with a small thumbnail (framed in a colour per kind of layer) of the picked channel's map
and a line of statistics once an input exists. Clicking an entry selects it;
Back / Forward step through the layers.
"""
from __future__ import annotations

import math
from typing import Optional

import numpy as np
from PyQt5.QtCore import QPoint, QRect, QSize, Qt, QTimer
from PyQt5.QtGui import QColor, QIcon, QImage, QPainter, QPixmap
from PyQt5.QtWidgets import (QGridLayout, QLabel, QListView, QListWidget, QListWidgetItem, QPushButton,
                             QStyledItemDelegate, QStyleOptionViewItem, QWidget)

from ...explain import field_sizes
from ..widgets import colormaps as cm
from ..widgets.text import shape_text
from ..widgets.badge import source_badge
from ..widgets.lazy import CatchUpOnShow, skip_while_hidden, throttle_while_live
from ..widgets.qimage import rgba_to_qimage
from ..widgets.layerview import NOISE_FRACTION

DRAW_HINT = "<i>Draw something: every layer's output appears here.</i>"
THUMB = 40                   # icon side, pixels
FRAME = 3                    # coloured frame around a thumbnail
LIVE_SECONDS = 0.5           # while training: thumbnails at most twice a second (they cost the trainer time)

KIND_COLORS = {
    "Input": "#707070", "Conv2D": "#e0701a", "ReLU": "#2e9e4f", "Sigmoid": "#2e9e4f", "Tanh": "#2e9e4f",
    "MaxPool2D": "#2f6fd0", "AvgPool2D": "#2f6fd0", "Dense": "#8e44ad", "Residual": "#c0392b",
    "Softmax": "#d4a017",
}
OTHER_COLOR = "#a0a0a0"      # Flatten, Dropout, anything new


def entry_text(name: str, kind: str, describe: str, shape) -> str:
    """The first line of an entry, e.g. 'conv1  Conv2D → 32x28x28' ('↳' marks a residual block's inner layer).

    The settings (``describe``) go on the second line, so a narrow dock never cuts off the shape.
    """
    if kind == "Softmax":
        return f"{name}  → {shape[0]} class probabilities"
    inner = "." in name
    return f"{'  ↳ ' if inner else ''}{name.split('.')[-1]}  {kind} → {shape_text(shape)}"


class _ThumbnailDelegate(QStyledItemDelegate):
    """Draws each entry with the thumbnail ``pixmap_of(row)`` beside its text. The thumbnails
    are not the items' icons: changing an icon makes the list lay all its entries out again
    and paint a second time."""

    def __init__(self, pixmap_of, parent=None):
        super().__init__(parent)
        self._pixmap_of = pixmap_of

    def initStyleOption(self, option, index):
        super().initStyleOption(option, index)
        pix = self._pixmap_of(index.row())
        icon = QIcon(pix)
        icon.addPixmap(pix, QIcon.Selected)        # no selection tint over the map
        option.icon = icon
        option.features |= QStyleOptionViewItem.HasDecoration
        option.decorationSize = QSize(THUMB, THUMB)


class NetworkStrip(CatchUpOnShow, QWidget):
    """One list entry per trace position (``inspector.entries()``); the selected one highlighted.

    Public: ``list`` (QListWidget, row i = trace position i), ``hint`` (QLabel shown
    without an input), ``back_button`` / ``forward_button``, ``orientation``
    (Qt.Vertical or Qt.Horizontal, chosen from the widget's shape),
    :meth:`step_back`, :meth:`step_forward`, :meth:`refresh`.
    """

    def __init__(self, inspector, parent: Optional[QWidget] = None):
        super().__init__(parent)
        self.inspector = inspector
        self.hint = QLabel(DRAW_HINT)
        self.hint.setWordWrap(True)
        self.list = QListWidget()
        self.list.setIconSize(QSize(THUMB, THUMB))
        self.list.setTextElideMode(Qt.ElideRight)
        self.list.setWrapping(False)
        self.list.currentRowChanged.connect(self._on_row)
        self._sized_for = None                # what the entries' widths across were computed for
        self._thumbs: dict = {}              # row -> its drawn thumbnail (QPixmap)
        self._blank_thumbs: dict = {}        # kind -> the thumbnail of an entry without a value
        self.list.setItemDelegate(_ThumbnailDelegate(self._pixmap_of, self.list))
        self._stale_icons: set = set()       # rows whose thumbnail is not drawn from _icon_values yet
        self._icon_values: list = []         # per row (value, its extent) the texts describe
        self._icon_timer = QTimer(self)
        self._icon_timer.setSingleShot(True)
        self._icon_timer.setInterval(0)
        self._icon_timer.timeout.connect(self._draw_icons)
        self.list.horizontalScrollBar().valueChanged.connect(self._icon_timer.start)
        self.list.verticalScrollBar().valueChanged.connect(self._icon_timer.start)
        self.back_button = QPushButton("◀ Back")
        self.forward_button = QPushButton("Forward ▶")
        self.back_button.setToolTip("Previous layer (Left arrow)")
        self.forward_button.setToolTip("Next layer (Right arrow)")
        self.back_button.clicked.connect(self.step_back)
        self.forward_button.clicked.connect(self.step_forward)
        self.position = QLabel()
        self.position.setAlignment(Qt.AlignCenter)
        self._grid = QGridLayout(self)
        self._grid.setContentsMargins(4, 4, 4, 4)
        self.orientation = None
        self._set_orientation(Qt.Horizontal)      # as in the top dock; resizing decides
        inspector.networkChanged.connect(self._rebuild)
        inspector.traceChanged.connect(self.refresh)
        inspector.filterFlagsChanged.connect(self.refresh)
        inspector.layerSelected.connect(self._on_selected)
        inspector.channelSelected.connect(lambda _c: self.refresh())
        self._rebuild()

    # -- orientation ----------------------------------------------------------------
    def resizeEvent(self, ev):
        super().resizeEvent(ev)
        self._set_orientation(self._best_orientation())
        self._icon_timer.start()

    def _best_orientation(self):
        """The orientation in which more entries are seen whole (left to right on a tie)."""
        fm = self.list.fontMetrics()
        line = fm.lineSpacing()
        # an entry: 3 short lines beside the icon across, or 2 long lines below each other
        across_w = THUMB + 12 + fm.horizontalAdvance("conv1 → 32x28x28 ·· 0 … 2.3 · 45%")
        down_h = max(THUMB, 2 * line) + 8
        buttons = self.back_button.sizeHint()
        across = (self.width() - 2 * buttons.width() - 16) / across_w
        down = (self.height() - buttons.height() - 16) / down_h
        if self.height() < 3 * line + 30:            # too short for a column of entries
            return Qt.Horizontal
        return Qt.Horizontal if across >= min(down, 3.0) else Qt.Vertical

    def _set_orientation(self, orientation) -> None:
        """Vertical: list over the Back/Forward row. Horizontal: Back | list | Forward."""
        if orientation == self.orientation:
            return
        self.orientation = orientation
        horizontal = orientation == Qt.Horizontal
        self._sized_for = None
        for i in range(self.list.count()):           # down a column the texts' wrapping decides
            self.list.item(i).setData(Qt.SizeHintRole, None)
        self.list.setFlow(QListView.LeftToRight if horizontal else QListView.TopToBottom)
        # down a column, long lines wrap rather than end in "…" (entries then differ in height)
        self.list.setUniformItemSizes(False)
        self.list.setWordWrap(not horizontal)
        self.list.setHorizontalScrollBarPolicy(Qt.ScrollBarAsNeeded if horizontal else Qt.ScrollBarAlwaysOff)
        self.list.setVerticalScrollBarPolicy(Qt.ScrollBarAlwaysOff if horizontal else Qt.ScrollBarAsNeeded)
        # across: never so short that an entry's three lines are cut
        lines = 3 * self.list.fontMetrics().lineSpacing() + 8
        bar = self.list.style().pixelMetric(self.list.style().PM_ScrollBarExtent)
        self.list.setMinimumHeight(max(lines, THUMB + 8) + bar + 2 * self.list.frameWidth() if horizontal else 0)
        for w in (self.hint, self.list, self.back_button, self.position, self.forward_button):
            self._grid.removeWidget(w)
        if horizontal:
            self._grid.addWidget(self.hint, 0, 1)
            self._grid.addWidget(self.list, 1, 1)
            self._grid.addWidget(self.back_button, 0, 0, 2, 1)
            self._grid.addWidget(self.forward_button, 0, 2, 2, 1)
            self.position.hide()
        else:
            self._grid.addWidget(self.hint, 0, 0, 1, 3)
            self._grid.addWidget(self.list, 1, 0, 1, 3)
            self._grid.addWidget(self.back_button, 2, 0)
            self._grid.addWidget(self.position, 2, 1)
            self._grid.addWidget(self.forward_button, 2, 2)
            self.position.show()
        self._grid.setRowStretch(1, 1)
        self._grid.setColumnStretch(1, 1)
        if self.list.count():
            self.refresh()
            if self.list.currentItem() is not None:
                self.list.scrollToItem(self.list.currentItem())

    # -- public -------------------------------------------------------------------
    def step_back(self) -> None:
        """Select the previous trace entry."""
        self.inspector.step(-1)

    def step_forward(self) -> None:
        """Select the next trace entry."""
        self.inspector.step(1)

    @skip_while_hidden
    @throttle_while_live(LIVE_SECONDS)
    def refresh(self) -> None:
        """Update thumbnails and statistics from the current trace (a few ms for ~20 entries)."""
        has_trace = self.inspector.value(0) is not None
        source = self.inspector.source
        if has_trace and not source.is_drawing:       # the entries show something else: say so
            self.hint.setText(source_badge(source) + f"every entry shows {source.text}")
            self.hint.setVisible(True)
        else:
            # across the top of the window the hint would cost the window a line of height; the
            # canvas and the prediction already say "draw"
            self.hint.setText(DRAW_HINT)
            self.hint.setVisible(not has_trace and self.orientation == Qt.Vertical)
        if self.orientation == Qt.Horizontal and self._sized_for != self._size_key():
            self._size_entries_across()
        extents = [None] * len(self._entries)        # (min, max) of each value: texts and thumbnails
        for i, (name, kind, describe, shape, _) in enumerate(self._entries):
            item = self.list.item(i)
            value = self.inspector.value(i) if has_trace else None
            extents[i] = None if value is None or kind == "Softmax" else cm.extent(value)
            stats, words = self._numbers(kind, value, extents[i]) if value is not None else (self._params[i], "")
            sees = self._fields[i]
            if self.orientation == Qt.Horizontal:      # short lines: more entries fit across
                text = "\n".join(self._across_lines(i) + (stats,))
            else:
                indent = "      " if "." in name else "  "
                text = self._first_lines[i] + "\n" + indent + " · ".join(p for p in (describe, sees, stats) if p)
            item.setText(text)
            item.setToolTip("\n".join(p for p in (self._first_lines[i].strip(), describe, words or stats,
                                                   self._field_words[i]) if p))
            self._count_silent_filters(i, item)
        # Thumbnails are most of the work: those scrolled out of sight are drawn when they come
        # into it (after the list has laid out the new texts: a zero timer).
        self._icon_values = [(self.inspector.value(i), extents[i]) if has_trace else (None, None)
                             for i in range(len(self._entries))]
        self._stale_icons = set(range(len(self._entries)))
        self._draw_icons()
        if self.orientation == Qt.Vertical:     # across, the entries' widths are fixed: no row moved
            self._icon_timer.start()

    # Across the top each entry keeps one width, that of its longest line with the widest
    # statistics it will show, so the entries do not shift sideways with every stroke and the
    # list is not laid out anew from its texts each time (most of a stroke's cost here).
    # (a rarer, longer line ends in "…"; its tooltip has it whole)
    WIDE_STATS = "-0.088 … -0.088 · 100% > 0"
    WIDE_INPUT_STATS = "-0.088 … -0.088"

    def _across_lines(self, index: int) -> tuple:
        """An entry's first two lines across: 'conv1 → 30x24x24', 'Conv2D 5x5/1 pad 0 · sees 5x5'."""
        name, kind, describe, shape, _ = self._entries[index]
        return (f"{name.split('.')[-1]} → {shape_text(shape)}",
                " · ".join(p for p in (f"{kind} {describe}".strip(), self._fields[index]) if p))

    def _silent_texts(self) -> tuple:
        """Per entry, the dead/lazy filter count it appends (its width counts too)."""
        return tuple(self._silent_suffix(i) for i in range(len(self._entries)))

    def _silent_layer(self, index: int):
        """The filter flags of entry ``index``'s layer when some of its filters are dead or lazy."""
        flags = self.inspector.filter_flags
        layer = None if flags is None else flags.of_layer(self._entries[index].name)
        return layer if layer is not None and (layer.dead or layer.lazy) else None

    def _silent_suffix(self, index: int) -> str:
        """' · ⚠ 2 dead, 1 lazy' for an entry with silent filters, else ''."""
        layer = self._silent_layer(index)
        if layer is None:
            return ""
        counts = ", ".join(p for p in (f"{len(layer.dead)} dead" if layer.dead else "",
                                       f"{len(layer.lazy)} lazy" if layer.lazy else "") if p)
        return f" · ⚠ {counts}"

    def _size_key(self) -> tuple:
        """What the widths across depend on: the entries, their warnings, the font (which the
        theme and the window's style set after the strip was built)."""
        return len(self._entries), self._silent_texts(), self.list.font().key(), tuple(self.inspector.class_names or ())

    def _size_entries_across(self) -> None:
        silent = self._silent_texts()
        names = self.inspector.class_names or ["0"]
        widest_class = max(names, key=lambda n: self.list.fontMetrics().horizontalAdvance(str(n)))
        for i, entry in enumerate(self._entries):
            item = self.list.item(i)
            stats = {"Softmax": f"predicts {widest_class} (100%)",
                     "Input": self.WIDE_INPUT_STATS}.get(entry.kind, self.WIDE_STATS) + silent[i]
            item.setData(Qt.SizeHintRole, None)
            size = QSize()
            for third in (stats, self._params[i]):       # with an input, and without one
                item.setText("\n".join(self._across_lines(i) + (third,)))
                size = size.expandedTo(self.list.sizeHintForIndex(self.list.indexFromItem(item)))
            item.setSizeHint(size)
        self._sized_for = self._size_key()

    def _draw_icons(self) -> None:
        """Draw the thumbnails of the entries in (or next to) the list's view that are out of date."""
        if not self._stale_icons:
            return
        drawn = sorted(self._stale_icons & self._rows_in_view())
        for i in drawn:                                  # from the values the texts describe
            self._thumbs[i] = self._thumbnail(self._entries[i].kind, *self._icon_values[i])
            self._stale_icons.discard(i)
        if drawn:
            self.list.viewport().update()

    def thumbnail(self, row: int) -> Optional[QPixmap]:
        """The thumbnail drawn for entry ``row`` (None until it has been in view)."""
        return self._thumbs.get(row)

    def _pixmap_of(self, row: int) -> QPixmap:
        pix = self._thumbs.get(row)
        if pix is None:
            kind = self._entries[row].kind if row < len(self._entries) else ""
            pix = self._blank_thumbs.get(kind)
            if pix is None:
                pix = self._blank_thumbs[kind] = self._thumbnail(kind, None)
        return pix

    def _rows_in_view(self) -> set:
        """Rows whose entry is in the list's view - down a column one more on each side (the
        texts just set may move them a little); every row while the view is not laid out."""
        view, count = self.list.viewport().rect(), self.list.count()
        if view.isEmpty() or count == 0:
            return set(range(count))
        mid = view.center()
        if self.orientation == Qt.Horizontal:
            first, last = QPoint(view.left() + 1, mid.y()), QPoint(view.right() - 1, mid.y())
        else:
            first, last = QPoint(mid.x(), view.top() + 1), QPoint(mid.x(), view.bottom() - 1)
        lo, hi = self.list.indexAt(first).row(), self.list.indexAt(last).row()
        lo = 0 if lo < 0 else lo
        hi = count - 1 if hi < 0 else hi
        margin = 0 if self.orientation == Qt.Horizontal else 1      # across, the widths are fixed
        return set(range(max(0, lo - margin), min(count, hi + 1 + margin)))

    def _count_silent_filters(self, index: int, item: QListWidgetItem) -> None:
        """A convolution with dead or lazy filters (as an evaluation measured them) says how many
        at the end of its entry, and what that means in its tooltip."""
        layer = self._silent_layer(index)
        if layer is None:
            return
        flags = self.inspector.filter_flags
        item.setText(item.text() + self._silent_suffix(index))
        item.setToolTip(f"{item.toolTip()}\n{flags.describe(layer)}, measured {flags.measured} (a dead filter "
                        f"never fires, so the layers after it never hear from it: the Evaluation panel's "
                        f"Filters tab says more)")

    # -- building -----------------------------------------------------------------
    def _rebuild(self):
        self._entries = self.inspector.entries()
        self._first_lines = [entry_text(e.name, e.kind, e.settings, e.shape) for e in self._entries]
        self._fields, self._field_words = [], []
        for field, e in zip(field_sizes(self.inspector.network), self._entries):
            # said where it grows: after a window (conv or pool) and before the first dense layer
            grows = e.kind in ("Conv2D", "MaxPool2D", "AvgPool2D") and field.jump is not None
            self._fields.append(f"sees {field.span[0]}x{field.span[1]}" if grows else "")
            self._field_words.append(f"receptive field: {field.text.split(' · ', 1)[1]}"
                                     + (" (a cell away from the border)" if field.jump is not None else ""))
        self._params = []
        for i, e in enumerate(self._entries):
            n = e.layer.num_params() if e.layer is not None and e.kind != "Residual" else 0
            self._params.append(f"{n:,} weights" if n else "" if i in (0, len(self._entries) - 1)
                                else "no weights")
        self._sized_for = None
        self._thumbs = {}
        self.list.blockSignals(True)
        self.list.clear()
        for line in self._first_lines:
            self.list.addItem(QListWidgetItem(line))
        self.list.blockSignals(False)
        self.refresh()
        self._on_selected(self.inspector.selected)

    def _numbers(self, kind, value, value_extent):
        """(short statistics for the entry, the same in words for its tooltip); ``value_extent``
        is (min, max) of ``value`` (not used for the softmax)."""
        if kind == "Softmax":
            top = int(np.argmax(value))
            name = self.inspector.class_names[top]
            return (f"predicts {name} ({value[top]:.0%})",
                    f"the network answers {name}: its probability is {value[top]:.1%}, the largest")
        # FFT convolutions leave ~1e-7 where the exact value is 0: that is 0 here
        lo, hi = value_extent
        floor = NOISE_FRACTION * max(abs(lo), abs(hi))           # below it: noise, counted as 0
        lo, hi = (0.0 if abs(v) <= floor else v for v in (lo, hi))
        short = f"{lo:.2g} … {hi:.2g}"
        words = f"values range from {lo:.2g} to {hi:.2g}"
        if kind != "Input":
            positive = np.count_nonzero(value > floor) / value.size
            short += f" · {positive:.0%} > 0"
            words += f"; {positive:.0%} of them are positive"
            if kind == "ReLU":
                words += " (for a ReLU: the units that fire; the others output 0)"
        return short, words

    def _thumbnail(self, kind: str, value, value_extent=None) -> QPixmap:
        """A THUMB x THUMB pixmap: a frame in the kind's colour around the picked map (or bars)."""
        pix = QPixmap(THUMB, THUMB)
        pix.fill(QColor(KIND_COLORS.get(kind, OTHER_COLOR)))
        inner = QRect(FRAME, FRAME, THUMB - 2 * FRAME, THUMB - 2 * FRAME)
        painter = QPainter(pix)
        if value is None:
            painter.fillRect(inner, QColor("#202020"))
        elif kind == "Softmax":
            painter.fillRect(inner, QColor("#ffffff"))
            n = len(value)
            bw = inner.width() / n
            top = int(np.argmax(value))
            for k, p in enumerate(value):
                h = int(round(p * inner.height()))
                color = QColor("#d4a017" if k == top else "#7a7a7a")
                painter.fillRect(QRect(inner.left() + int(k * bw), inner.bottom() - h + 1,
                                       max(1, int(bw) - 1), h), color)
        else:
            painter.drawImage(inner, self._thumb_image(kind, value, value_extent))
        painter.end()
        return pix

    def _thumb_image(self, kind: str, value, value_extent) -> QImage:
        if value.ndim == 3 and kind == "Input" and value.shape[0] == 3:
            rgb = np.clip(value.transpose(1, 2, 0), 0, 1) * 255
            rgba = np.concatenate([rgb, np.full(rgb.shape[:2] + (1,), 255.0)], axis=2).astype(np.uint8)
            return rgba_to_qimage(rgba)
        cmap, levels = cm.activation_style(kind, value, value_extent)
        if value.ndim == 3:
            img = value[min(self.inspector.channel, value.shape[0] - 1)]
        else:                                     # a vector, wrapped into a square
            side = math.ceil(math.sqrt(value.size))
            img = np.full(side * side, np.nan, np.float32)
            img[:value.size] = value
            img = img.reshape(side, side)
        return rgba_to_qimage(cm.to_rgba(img, cmap, levels))

    # -- selection ----------------------------------------------------------------
    def _on_row(self, row: int):
        if row >= 0 and row != self.inspector.selected:
            self.inspector.select(row)

    def _on_selected(self, index: int):
        index = min(max(index, 0), self.list.count() - 1)
        self.list.blockSignals(True)
        self.list.setCurrentRow(index)
        self.list.blockSignals(False)
        self.list.scrollToItem(self.list.item(index))
        self.back_button.setEnabled(index > 0)
        self.forward_button.setEnabled(index < self.list.count() - 1)
        name = self._entries[index].name
        self.position.setText(f"{name} · {index + 1}/{self.list.count()}")
