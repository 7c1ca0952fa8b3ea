"""KernelPlayground: a fixed kernel (blur, sharpen, edges, ...) applied to any image, live.

No network and no training: the chosen kernel is the only filter of the
engine's Conv2D (see :mod:`cnnviz.kernels`), so the output on the right is
what one convolution layer computes. The kernel's numbers can be edited (the
menu then says "custom"); hovering a pixel outlines the window the kernel
reads on the input and reads the values under the mouse.

Colours: kernels whose weights sum to a positive number (1 for identity,
blurs, sharpen, emboss: brightness is kept) are drawn like the input (grey, or
true colour), clipped to 0..1. Zero-sum kernels (Laplacian, Sobel) give signed
answers, drawn with the signed activation map of the feature-map views (black
0, warm positive, cold negative, symmetric levels); a colour image is then
filtered in grey, one map as a CNN's single filter would give.
"""
from __future__ import annotations

from typing import Optional

import numpy as np
import pyqtgraph as pg
from PyQt5.QtCore import QRectF, Qt, pyqtSignal
from PyQt5.QtGui import QFontDatabase
from PyQt5.QtWidgets import (QComboBox, QHBoxLayout, QLabel, QPlainTextEdit, QSizePolicy, QToolButton, QVBoxLayout,
                             QWidget)

from ... import kernels as K
from ...preprocess import resize_area, to_gray
from ..widgets import colormaps as cm
from ..widgets import theme
from ..widgets.demoimage import demo_image
from ..widgets.labels import ElidedLines, WrapLabel
from ..widgets.plotitems import outline_box
from ..widgets.text import values_text
from ..widgets.wheelguard import ComboBox

MAX_SIDE = 256                  # larger images are shrunk to this longer side before filtering
CUSTOM = "custom"
CUSTOM_TEXT = ("custom: your own weights. Each output pixel is the sum of weight x pixel over the "
               "window around it.")
HOVER_COLOR = "#00e0ff"
BORDER_NAMES = {"zero": "zero padding", "edge": "repeat edges"}


class KernelPlayground(QWidget):
    """Pick or type a kernel and see it applied to an image by the engine's convolution.

    ``toyRequested(kernel)``: the user asked to see this kernel's numbers at work on a tiny
    image (the step-through's toy).

    Public: :meth:`set_image`, :meth:`set_kernel` (a name of :data:`cnnviz.kernels.KERNELS`),
    :meth:`set_kernel_text`, :meth:`set_border`; state ``kernel`` (float32 (K, K)),
    ``kernel_name`` (a KERNELS name or "custom"), ``signed``, ``border``, ``source``
    (the float image filtered, (H, W) or (H, W, 3)), ``output`` (raw values, (H, W) or
    (H, W, 3)); widgets ``kernel_box``, ``kernel_edit``, ``error_label``,
    ``border_box``, ``explanation``, ``input_item``, ``output_item``, ``colorbar``,
    ``images_label``, ``readout``.
    """

    toyRequested = pyqtSignal(object)

    def __init__(self, parent: Optional[QWidget] = None):
        super().__init__(parent)
        self.kernel_name = "sharpen"
        self.kernel = K.KERNELS[self.kernel_name].weights
        self.signed = False
        self.border = "zero"
        self.source: Optional[np.ndarray] = None
        self.output: Optional[np.ndarray] = None
        self._filtered: Optional[np.ndarray] = None     # what the kernel read (grey for signed on RGB)
        self._fit_key = None
        self._hover = None                               # (row, col) under the mouse
        self._build_ui()
        theme.theme_signals().changed.connect(self._style_error)
        self._show_kernel()
        self.set_image(demo_image())

    # -- construction -----------------------------------------------------------
    def _build_ui(self):
        self.kernel_box = ComboBox()
        self.kernel_box.addItems(list(K.KERNELS) + [CUSTOM])
        self.kernel_box.setSizeAdjustPolicy(QComboBox.AdjustToMinimumContentsLengthWithIcon)
        self.kernel_box.setMinimumContentsLength(8)
        self.kernel_box.setToolTip("A classic fixed kernel; editing its numbers makes it 'custom'")
        # activated, not currentTextChanged: picking the shown kernel again restores its numbers.
        # Slots are bound methods, never lambdas holding self: such a reference cycle leaves the
        # widget to the garbage collector, which may then delete it in the middle of a paint.
        self.kernel_box.activated[str].connect(self._on_kernel_box)
        self.border_box = ComboBox()
        for key, text in BORDER_NAMES.items():
            self.border_box.addItem(text, key)
        self.border_box.setSizeAdjustPolicy(QComboBox.AdjustToMinimumContentsLengthWithIcon)
        self.border_box.setMinimumContentsLength(8)
        self.border_box.setToolTip("What the kernel reads outside the image: zeros, as a CNN's 'same' "
                                   "padding does\n(a bright image then gets a frame of edges), or "
                                   "copies of the edge pixels (no frame)")
        self.border_box.currentIndexChanged.connect(self._on_border_box)
        self.explanation = WrapLabel()
        self.explanation.setTextFormat(Qt.PlainText)

        self.kernel_edit = QPlainTextEdit()
        font = QFontDatabase.systemFont(QFontDatabase.FixedFont)
        self.kernel_edit.setFont(font)
        self.kernel_edit.setLineWrapMode(QPlainTextEdit.NoWrap)
        self.kernel_edit.setTabChangesFocus(True)
        self.kernel_edit.setToolTip("The kernel's weights, one row per line (or rows separated by ';').\n"
                                    "Odd square sizes up to 7x7; fractions like 1/9 and a leading\n"
                                    "factor like '1/16 *' are understood. Edits apply at once.")
        self.kernel_edit.setSizePolicy(QSizePolicy.Fixed, QSizePolicy.Maximum)
        self.kernel_edit.textChanged.connect(self._on_text)
        self.error_label = WrapLabel()
        self.error_label.setTextFormat(Qt.PlainText)
        self.error_label.hide()
        self._style_error()

        # a QLabel, not LabelItems: a LabelItem's text width is a hard minimum of the plot layout
        self.images_label = WrapLabel()
        self.plot_widget = pg.GraphicsLayoutWidget()
        self.plot_widget.setMinimumSize(120, 60)
        self.in_view = self.plot_widget.addViewBox(row=0, col=0, lockAspect=True, invertY=True, enableMenu=False)
        self.out_view = self.plot_widget.addViewBox(row=0, col=1, lockAspect=True, invertY=True, enableMenu=False)
        self.out_view.setXLink(self.in_view)        # zoom and pan one, the other follows
        self.out_view.setYLink(self.in_view)
        self.in_view.sigResized.connect(self._fit)
        self.input_item = pg.ImageItem(axisOrder="row-major")
        self.output_item = pg.ImageItem(axisOrder="row-major")
        self.in_view.addItem(self.input_item)
        self.out_view.addItem(self.output_item)
        self.window_box = outline_box(HOVER_COLOR, z=10)
        self.in_pixel_box = outline_box(HOVER_COLOR, width=1, z=10)
        self.out_box = outline_box(HOVER_COLOR, z=10)
        self.in_view.addItem(self.window_box, ignoreBounds=True)
        self.in_view.addItem(self.in_pixel_box, ignoreBounds=True)
        self.out_view.addItem(self.out_box, ignoreBounds=True)
        # the bar only shows colours; levels and lookup tables are set on the images directly,
        # because an RGB output must not receive a lookup table
        self.colorbar = pg.ColorBarItem(interactive=False, width=12, colorMap=cm.INPUT, colorMapMenu=False)
        self.colorbar.axis.setWidth(40)
        self.colorbar.setToolTip("Signed output: black is 0. The scale is +-max|value| away from the "
                                 "image border\n(with zero padding the border's own 'edge' may be "
                                 "brighter and is drawn saturated).")
        self.plot_widget.addItem(self.colorbar, row=0, col=2)
        self.plot_widget.scene().sigMouseMoved.connect(self._on_mouse)
        self.readout = ElidedLines(2, wrap=True)        # hover texts are long: two lines

        top = QHBoxLayout()
        top.addWidget(QLabel("Kernel"))
        top.addWidget(self.kernel_box, 1)
        top.addWidget(self.border_box, 1)
        self.toy_button = QToolButton()
        self.toy_button.setText("Toy ▸")
        self.toy_button.setToolTip("See this kernel's numbers at work on a tiny image you can edit "
                                   "(Step-through › Toy): every product and sum")
        self.toy_button.clicked.connect(self._to_toy)
        top.addWidget(self.toy_button)
        self.left = QWidget()
        self.left.setSizePolicy(QSizePolicy.Fixed, QSizePolicy.Preferred)
        left = QVBoxLayout(self.left)
        left.setContentsMargins(0, 0, 0, 0)
        left.addWidget(self.kernel_edit)
        left.addStretch(1)
        right = QVBoxLayout()
        right.setContentsMargins(0, 0, 0, 0)
        right.setSpacing(2)
        right.addWidget(self.images_label)
        right.addWidget(self.plot_widget, 1)
        middle = QHBoxLayout()
        middle.addWidget(self.left)
        middle.addLayout(right, 1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addLayout(top)
        layout.addWidget(self.explanation)
        layout.addWidget(self.error_label)
        layout.addLayout(middle, 1)
        layout.addWidget(self.readout)

    def _to_toy(self):
        self.toyRequested.emit(self.kernel.copy())

    def _style_error(self, _theme: str = ""):
        self.error_label.setStyleSheet(f"color: {theme.colors()['warning']};")

    # -- public -------------------------------------------------------------------
    def set_image(self, image: np.ndarray) -> None:
        """Filter ``image``: (H, W) gray or (H, W, 3/4) colour, uint8 or float in [0, 1], any size.

        Images with a side over :data:`MAX_SIDE` px are shrunk (area averaging) so the
        longer side is MAX_SIDE. Raises ``ValueError`` for an array that is not an image.
        """
        img = K.as_image(image)
        h, w = img.shape[:2]
        if max(h, w) > MAX_SIDE:
            scale = MAX_SIDE / max(h, w)
            img = np.clip(resize_area(img, max(1, round(h * scale)), max(1, round(w * scale))), 0, 1)
        self.source = np.ascontiguousarray(img, dtype=np.float32)
        self._apply()

    def set_kernel(self, name: str) -> None:
        """Use the named kernel of :data:`cnnviz.kernels.KERNELS` (its numbers fill the editor)."""
        if name not in K.KERNELS:
            raise ValueError(f"unknown kernel {name!r}; choose from {', '.join(K.KERNELS)}")
        self._on_kernel_box(name)

    def set_kernel_text(self, text: str) -> None:
        """Type ``text`` into the kernel editor (as a user would): parsed and applied, or an error shown."""
        self.kernel_edit.setPlainText(text)         # -> _on_text

    def set_border(self, border: str) -> None:
        """'zero' (zero padding, as a CNN) or 'edge' (the edge pixels repeated outwards)."""
        if border not in K.BORDERS:
            raise ValueError(f"border must be one of {K.BORDERS}, not {border!r}")
        self.border = border
        i = self.border_box.findData(border)
        if self.border_box.currentIndex() != i:
            self.border_box.setCurrentIndex(i)
        self._apply()

    def _on_border_box(self, index: int):
        self.set_border(self.border_box.itemData(index))

    # -- kernel choice --------------------------------------------------------------
    def _on_kernel_box(self, name: str):
        if name == CUSTOM:
            self.kernel_name = CUSTOM
            self._show_kernel(fill_editor=False)
            return
        self.kernel_name = name
        self.kernel = K.KERNELS[name].weights
        self._show_kernel()
        self._apply()

    def _show_kernel(self, fill_editor: bool = True):
        if fill_editor:
            self.kernel_edit.blockSignals(True)
            self.kernel_edit.setPlainText(K.kernel_to_text(self.kernel))
            self.kernel_edit.blockSignals(False)
            self._show_error(False)
            self._size_editor()
        text = CUSTOM_TEXT if self.kernel_name == CUSTOM else K.KERNELS[self.kernel_name].description
        self.explanation.setText(text)
        if self.kernel_box.currentText() != self.kernel_name:
            self.kernel_box.blockSignals(True)
            self.kernel_box.setCurrentText(self.kernel_name)
            self.kernel_box.blockSignals(False)

    def _size_editor(self):
        """Make the editor just big enough for the kernel's text (the images get the rest)."""
        lines = self.kernel_edit.toPlainText().split("\n")
        fm = self.kernel_edit.fontMetrics()
        chars = max(8, max(len(line) for line in lines) + 1)   # + 1: room for the cursor
        frame = 2 * self.kernel_edit.frameWidth() + 2 * int(self.kernel_edit.document().documentMargin())
        width = fm.horizontalAdvance("0" * min(chars, 24)) + frame + 2
        line = max(fm.lineSpacing() + 1,
                   int(np.ceil(self.kernel_edit.blockBoundingRect(self.kernel_edit.document().firstBlock()).height())))
        height = line * max(3, min(len(lines), 9)) + frame + 2
        self.kernel_edit.setFixedWidth(width)
        self.kernel_edit.setMaximumHeight(height)          # a cramped dock may shrink it (it scrolls)
        self.kernel_edit.setMinimumHeight(min(height, line * 3 + frame + 2))
        self.left.setFixedWidth(width)

    def _show_error(self, shown: bool):
        # the error takes the explanation's place: a small dock has no room for both
        self.error_label.setVisible(shown)
        self.explanation.setVisible(not shown)

    def _on_text(self):
        self._size_editor()
        try:
            kernel = K.kernel_from_text(self.kernel_edit.toPlainText())
        except K.KernelTextError as error:
            self.error_label.setText(f"Not used: {error}. (The output shows the last good kernel.)")
            self._show_error(True)
            return
        self._show_error(False)
        self.kernel_name = K.kernel_name(kernel) or CUSTOM
        self.kernel = kernel
        self._show_kernel(fill_editor=False)
        self._apply()

    # -- drawing ------------------------------------------------------------------
    def _apply(self):
        if self.source is None:
            return
        self.signed = K.output_is_signed(self.kernel)
        src = self.source
        filtered = to_gray(src) if self.signed and src.ndim == 3 else src
        out = K.apply_kernel(filtered, self.kernel, self.border)
        self._filtered, self.output = filtered, out
        self._draw()

    def _draw(self):
        src, out = self.source, self.output
        h, w = src.shape[:2]
        grey_lut = cm.INPUT.getLookupTable(nPts=256)
        if src.ndim == 2:
            self.input_item.setImage(src, autoLevels=False, levels=(0.0, 1.0), lut=grey_lut)
        else:
            self.input_item.setImage(src, autoLevels=False, levels=(0.0, 1.0), lut=None)
        if self.signed:
            levels = cm.symmetric_range(self._interior(out))
            cmap = cm.SIGNED_ACTIVATION
        else:
            levels, cmap = (0.0, 1.0), cm.INPUT
        lut = None if out.ndim == 3 else cmap.getLookupTable(nPts=256)
        display = out if self.signed else np.clip(out, 0.0, 1.0)
        self.output_item.setImage(display, autoLevels=False, levels=levels, lut=lut)
        self.colorbar.setColorMap(cmap)
        self.colorbar.setLevels(levels)
        self.colorbar.setVisible(self.signed)

        if (h, w) != self._fit_key:
            self._fit_key = (h, w)
            self._hover = None
            self._fit()
        k = self.kernel.shape[0]
        out_text = "output"
        if self.signed:
            out_text += " of the grey image" if src.ndim == 3 else ""
        else:
            outside = float(np.mean((out < -1e-6) | (out > 1 + 1e-6)))
            if outside > 0:
                share = f"{outside:.0%}" if outside >= 0.005 else "<1%"
                out_text += f" ({share} clipped to 0..1)"
        self.images_label.setText(f"input {h}x{w} ⊛ {k}x{k} kernel → {out_text}")
        self._update_hover()

    def _interior(self, out: np.ndarray) -> np.ndarray:
        """``out`` without the border ring where the kernel reads padding (if enough is left).

        With zero padding a bright image meets black there and the "edge" found would set
        the colour scale, leaving the picture's own edges dim.
        """
        kh, kw = self.kernel.shape[0] // 2, self.kernel.shape[1] // 2
        if self.border == "zero" and out.shape[0] > 4 * kh and out.shape[1] > 4 * kw and kh + kw:
            return out[kh:out.shape[0] - kh, kw:out.shape[1] - kw]
        return out

    def _fit(self):
        """Show the whole image (the views are linked, so both are fitted)."""
        if self.source is not None:
            h, w = self.source.shape[:2]
            self.in_view.setRange(QRectF(0, 0, w, h), padding=0.02)

    # -- mouse --------------------------------------------------------------------
    def _on_mouse(self, scene_pos):
        if self.source is None:
            return
        for view, item in ((self.in_view, self.input_item), (self.out_view, self.output_item)):
            if view.sceneBoundingRect().contains(scene_pos):
                p = item.mapFromScene(scene_pos)
                r, c = int(np.floor(p.y())), int(np.floor(p.x()))
                h, w = self.source.shape[:2]
                self._hover = (r, c) if 0 <= r < h and 0 <= c < w else None
                self._update_hover()
                return

    def _update_hover(self):
        boxes = (self.window_box, self.in_pixel_box, self.out_box)
        if self._hover is None or self.source is None:
            for box in boxes:
                box.hide()
            self.readout.setText("hover a pixel: the window the kernel reads, and the values")
            return
        r, c = self._hover
        k = self.kernel.shape[0]
        half = k // 2
        self.window_box.setRect(QRectF(c - half, r - half, k, k))
        self.in_pixel_box.setRect(QRectF(c, r, 1, 1))
        self.out_box.setRect(QRectF(c, r, 1, 1))
        for box in boxes:
            box.show()
        text = f"row {r}, col {c} · input {values_text(self.source[r, c])}"
        if self._filtered.ndim != self.source.ndim:
            text += f" (grey {self._filtered[r, c]:.3g})"
        text += f" · output {values_text(self.output[r, c])} = Σ weight × input in the {k}x{k} box"
        self.readout.setText(text)
