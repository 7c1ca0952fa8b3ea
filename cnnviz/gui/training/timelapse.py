"""Time-lapse of a training run: kept snapshots, scrubbed back through, exported as GIF or PNGs.

:class:`TimeLapse` is plain data (no Qt): it keeps a frame every ``every``
steps (the probe image's trace and the convolution kernels) and, when
``max_frames`` are kept, drops every other frame and doubles ``every``, so
memory stays bounded while the frames still cover the whole run.

:class:`TimeLapseView` scrubs through the frames. The frame's forward pass
is put into the inspector (``set_trace``), so the feature-map views show the
probe as the network saw it at that step; the frame's filters are drawn in
the time-lapse's own mosaic, so the live network and its weights are never
touched. "Back to live" puts the live trace back.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Dict, Iterator, List, Optional, Sequence, Tuple

import numpy as np
import pyqtgraph as pg
from PyQt5.QtCore import QSize, Qt, QTimer, pyqtSignal
from PyQt5.QtGui import QColor, QFont, QImage, QPainter
from PyQt5.QtWidgets import (QApplication, QComboBox, QFileDialog, QHBoxLayout, QMessageBox,
                             QProgressDialog, QPushButton, QSlider, QSpinBox, QToolButton, QVBoxLayout,
                             QWidget)

from ...gifwriter import GifWriter
from ...nn import LayerOutput
from ..widgets import colormaps as cm
from ..widgets.labels import ElidedLines
from ..widgets.lazy import CatchUpOnShow, skip_while_hidden
from ..widgets.mosaic import Mosaic

GUTTER_RGB = (128, 128, 128)     # between tiles: neither an activation 0 (black) nor a weight 0 (white)
STATUS_TIP = ("While you look back, the feature-map, pooling and probability views show the probe image as "
              "the network saw it at that step; the filters of that step are drawn here. The live network "
              "is not changed.")
FLOAT16_MAX = 60000.0            # trace values beyond this are kept as float32


# -- data ----------------------------------------------------------------------------
@dataclass(frozen=True)
class Frame:
    """What the time-lapse keeps of one snapshot.

    ``trace``: (name, kind, shape, describe, value (1, *shape)) per trace entry,
    values stored as float16 (display only, half the memory), or None.
    ``weights``: convolution kernels (F, C, KH, KW) float32 by parameter key
    ("conv1.W"); dense weights are not kept (they are big).
    """
    step: int
    epoch: int
    trace: Optional[Tuple[tuple, ...]] = None
    weights: Dict[str, np.ndarray] = field(default_factory=dict)
    stats: dict = field(default_factory=dict)

    @classmethod
    def from_snapshot(cls, snapshot) -> "Frame":
        trace = None
        if snapshot.trace is not None:
            trace = tuple((t.name, t.kind, tuple(t.shape), t.describe, _compact(t.value))
                          for t in snapshot.trace)
        weights = {k: np.array(v, np.float32) for k, v in snapshot.weights.items() if np.ndim(v) == 4}
        return cls(int(snapshot.step), int(snapshot.epoch), trace, weights, dict(snapshot.stats or {}))

    def trace_outputs(self) -> Optional[List[LayerOutput]]:
        """The trace as fresh float32 LayerOutputs, ready for ``Inspector.set_trace`` (or None)."""
        if self.trace is None:
            return None
        return [LayerOutput(name, kind, shape, value.astype(np.float32), describe)
                for name, kind, shape, describe, value in self.trace]

    def value(self, name: str) -> Optional[np.ndarray]:
        """Per-sample output of trace entry ``name`` as float32, or None."""
        for n, _, _, _, v in self.trace or ():
            if n == name:
                return v[0].astype(np.float32)
        return None

    @property
    def nbytes(self) -> int:
        n = sum(w.nbytes for w in self.weights.values())
        return n + sum(t[4].nbytes for t in self.trace or ())


def _compact(value: np.ndarray) -> np.ndarray:
    v = np.asarray(value)
    if v.size and np.all(np.isfinite(v)) and float(np.max(np.abs(v))) < FLOAT16_MAX:
        return v.astype(np.float16)
    return np.array(v, np.float32)


class TimeLapse:
    """Frames of a run, at least ``every`` steps apart, at most ``max_frames`` of them.

    When ``max_frames`` is reached every other frame is dropped and ``every``
    doubles: memory stays bounded and the frames still span the whole run.
    A snapshot whose step is lower than the last kept one starts a new
    time-lapse (a new run). No Qt here.
    """

    def __init__(self, every: int = 10, max_frames: int = 300):
        if int(every) < 1:
            raise ValueError("every must be at least 1 step")
        if int(max_frames) < 2:
            raise ValueError("a time-lapse needs room for at least 2 frames")
        self.initial_every = self.every = int(every)
        self.max_frames = int(max_frames)
        self.frames: List[Frame] = []

    def offer(self, snapshot) -> bool:
        """Keep ``snapshot`` (a training Snapshot) if its step is at least ``every`` past the
        last kept frame's (the first is always kept); returns whether it was kept."""
        step = int(snapshot.step)
        if self.frames:
            last = self.frames[-1].step
            if step < last:
                self.clear()
            elif step - last < self.every:
                return False
        self.frames.append(Frame.from_snapshot(snapshot))
        if len(self.frames) >= self.max_frames:
            self.frames = self.frames[::2]
            self.every *= 2
        return True

    def __len__(self) -> int:
        return len(self.frames)

    def clear(self) -> None:
        self.frames = []
        self.every = self.initial_every

    @property
    def nbytes(self) -> int:
        """Approximate memory held by the frames' arrays, in bytes."""
        return sum(f.nbytes for f in self.frames)


# -- pictures (numpy, for the view and the exports) --------------------------------------
def _scale_for(width: int, height: int, target: int = 480, most: int = 16) -> int:
    """Integer zoom that makes a ``width`` x ``height`` mosaic about ``target`` pixels on its long side."""
    return int(max(1, min(most, target // max(width, height, 1))))


def _to_rgb(mosaic: np.ndarray, cmap, levels) -> np.ndarray:
    """uint8 (H, W, 3) of a float mosaic under a colour map; NaN gutters grey."""
    rgba = cm.to_rgba(mosaic, cmap, levels)
    rgb = rgba[..., :3].copy()
    rgb[np.isnan(mosaic)] = GUTTER_RGB
    return rgb


def filter_picture(W: np.ndarray, channel: int = 0, rgb: bool = False, zoom: Optional[int] = None
                   ) -> np.ndarray:
    """uint8 (H, W, 3) mosaic of a conv layer's kernels W (F, C, KH, KW): input channel
    ``channel`` of each filter in the weights map (white 0, blue -, red +, levels +-max|W|), or with
    ``rgb`` (C == 3) one colour composite per filter (grey is 0)."""
    f, c, kh, kw = W.shape
    if rgb and c == 3:
        _, hi = cm.symmetric_range(W)
        comp = np.clip(0.5 + W.transpose(0, 2, 3, 1) / (2 * hi), 0, 1)
        mosaic = Mosaic(f, kh, kw, gap=1, aspect=1.6, extra=(3,), fill_value=np.nan).fill(comp)
        nan = np.isnan(mosaic[..., 0])
        img = (np.nan_to_num(mosaic) * 255 + 0.5).astype(np.uint8)
        img[nan] = GUTTER_RGB
    else:
        k = W[:, min(max(channel, 0), c - 1)]
        mosaic = Mosaic(f, kh, kw, gap=1, aspect=1.6).fill(k)
        img = _to_rgb(mosaic, cm.WEIGHTS, cm.symmetric_range(k))
    z = zoom or _scale_for(img.shape[1], img.shape[0])
    return np.repeat(np.repeat(img, z, 0), z, 1)


def maps_picture(value: np.ndarray, kind: str, zoom: Optional[int] = None) -> np.ndarray:
    """uint8 (H, W, 3) mosaic of one layer's output for one image: maps (C, H, W), or a flat
    vector (N,) as a row of cells, in the app's activation colours (see colormaps)."""
    v = np.asarray(value, np.float32)
    if v.ndim == 1:
        v = v[:, None, None]
    elif v.ndim == 2:
        v = v[None]
    cmap, levels = cm.activation_style(kind, v)
    c, h, w = v.shape
    aspect = 1.6 if h > 1 else max(1.0, c / 2.0)
    mosaic = Mosaic(c, h, w, gap=1, aspect=aspect).fill(v)
    img = _to_rgb(mosaic, cmap, levels)
    z = zoom or _scale_for(img.shape[1], img.shape[0], most=24 if h > 1 else 40)
    return np.repeat(np.repeat(img, z, 0), z, 1)

# -- the view ---------------------------------------------------------------------------
EXPORT_KINDS = (("maps", "maps"), ("filters", "filters"), ("both", "maps + filters"))
PALETTE_SAMPLE = 24             # frames the GIF palette is computed from
GIF_MAX_FRAMES = 100            # a longer time-lapse is thinned evenly for the GIF
PLAY_MS = 150                    # one frame every 150 ms while playing
CAPTION_PX = 26


def rgb_to_qimage(img: np.ndarray) -> QImage:
    """A QImage (owning its pixels) of an (H, W, 3) uint8 array."""
    img = np.ascontiguousarray(img)
    h, w, _ = img.shape
    return QImage(img.data, w, h, 3 * w, QImage.Format_RGB888).copy()


def qimage_to_rgb(image: QImage) -> np.ndarray:
    """(H, W, 3) uint8 copy of a QImage."""
    image = image.convertToFormat(QImage.Format_RGB888)
    raw = np.frombuffer(image.constBits().asstring(image.sizeInBytes()), np.uint8)
    rows = raw.reshape(image.height(), image.bytesPerLine())[:, :image.width() * 3]
    return rows.reshape(image.height(), image.width(), 3).copy()


def captioned(parts: Sequence[np.ndarray], caption: str, gap: int = 8) -> np.ndarray:
    """Pictures side by side (tops aligned) under a one-line caption, on white: (H, W, 3) uint8."""
    h = max(p.shape[0] for p in parts)
    w = sum(p.shape[1] for p in parts) + gap * (len(parts) + 1)
    canvas = np.full((h + CAPTION_PX + gap, max(w, 200), 3), 255, np.uint8)
    x = gap
    for p in parts:
        canvas[CAPTION_PX:CAPTION_PX + p.shape[0], x:x + p.shape[1]] = p
        x += p.shape[1] + gap
    image = rgb_to_qimage(canvas)
    painter = QPainter(image)
    font = QFont()
    font.setPixelSize(15)
    painter.setFont(font)
    painter.setPen(QColor("#202020"))
    painter.drawText(gap, 0, image.width() - 2 * gap, CAPTION_PX, Qt.AlignVCenter | Qt.AlignLeft, caption)
    painter.end()
    return qimage_to_rgb(image)


class TimeLapseView(CatchUpOnShow, QWidget):
    """Scrub through a :class:`TimeLapse`: a slider, play/pause, "Back to live", the frame's
    filters, and exports (animated GIF, PNG sequence).

    While ``scrubbing`` the inspector shows the chosen frame's trace (its feature maps,
    pooling and probabilities views follow). A trace pushed to the inspector meanwhile
    (training goes on) is kept as the live one and the frame is shown again; a controller
    can avoid that double work by not pushing traces while ``scrubbing`` is True
    (``scrubbingChanged(bool)`` says when it changes). The live weights are never touched:
    the frame's filters are drawn here. "Back to live" shows the live trace and runs the
    live input again (``inspector.set_input``: the weights may have moved on meanwhile).
    Call :meth:`refresh` after new frames.
    """

    scrubbingChanged = pyqtSignal(bool)

    def __init__(self, timelapse: TimeLapse, inspector, parent: Optional[QWidget] = None):
        super().__init__(parent)
        self.timelapse = timelapse
        self.inspector = inspector
        self.scrubbing = False
        self.index: Optional[int] = None        # frame shown while scrubbing
        self._shown_step = 0
        self._live_trace = self._live_input = None
        self._own_trace = None
        self._play = QTimer(self)
        self._play.setInterval(PLAY_MS)
        self._play.timeout.connect(self._next_frame)
        self._build_ui()
        inspector.traceChanged.connect(self._on_trace)
        inspector.networkChanged.connect(self._on_network)
        inspector.layerSelected.connect(self._on_layer)
        self.refresh()

    def _build_ui(self):
        self.play_button = QToolButton()
        self.play_button.setText("▶")
        self.play_button.setToolTip("Play the time-lapse (the views show each kept step in turn)")
        self.play_button.clicked.connect(self.toggle_play)
        self.slider = QSlider(Qt.Horizontal)
        self.slider.setToolTip("Drag to look back: the views show the network as it was at that step")
        self.slider.valueChanged.connect(self._on_slider)
        self.live_button = QPushButton("Back to live")
        self.live_button.setToolTip("Show the network as it is now again")
        self.live_button.clicked.connect(self.back_to_live)
        self.status = ElidedLines(1)              # one line: it must not push the buttons out of view
        self.layer_box = QComboBox()
        self.layer_box.setToolTip("Whose filters to show (and export)")
        self.layer_box.currentIndexChanged.connect(self._draw_filters)
        self.channel_spin = QSpinBox()
        self.channel_spin.setPrefix("in ")
        self.channel_spin.setToolTip("Which input channel of each filter to show")
        self.channel_spin.valueChanged.connect(self._draw_filters)
        self.picture = _Picture()
        self.view = self.picture.addViewBox(lockAspect=True, invertY=True, enableMenu=False)
        self.image = pg.ImageItem(axisOrder="row-major")
        self.view.addItem(self.image)
        self.what_box = QComboBox()
        for key, text in EXPORT_KINDS:
            self.what_box.addItem(text, key)
        self.what_box.setToolTip("What to export: the feature maps of the layer selected in the network, "
                                 "the filters chosen here, or both side by side")
        for box in (self.layer_box, self.what_box):      # narrow docks: combos may shrink
            box.setSizeAdjustPolicy(QComboBox.AdjustToMinimumContentsLengthWithIcon)
            box.setMinimumContentsLength(6)
        self.gif_button = QToolButton()          # tool buttons: narrower than push buttons
        self.gif_button.setText("GIF…")
        self.gif_button.setToolTip(f"Save the time-lapse as a looping animated GIF (at most {GIF_MAX_FRAMES} "
                                   f"frames, evenly spread over the run)")
        self.gif_button.clicked.connect(self._ask_gif)
        self.png_button = QToolButton()
        self.png_button.setText("PNGs…")
        self.png_button.setToolTip("Save one PNG file per kept frame, into a folder")
        self.png_button.clicked.connect(self._ask_pngs)

        top = QHBoxLayout()
        top.addWidget(self.play_button)
        top.addWidget(self.slider, 1)
        top.addWidget(self.live_button)
        bottom = QHBoxLayout()
        bottom.addWidget(self.layer_box)
        bottom.addWidget(self.channel_spin)
        bottom.addStretch(1)
        bottom.addWidget(self.what_box)
        bottom.addWidget(self.gif_button)
        bottom.addWidget(self.png_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.setSpacing(3)
        layout.addLayout(top)
        layout.addWidget(self.status)
        layout.addWidget(self.picture, 1)
        layout.addLayout(bottom)

    # -- public -------------------------------------------------------------------------
    @skip_while_hidden
    def refresh(self) -> None:
        """Take in new (or dropped) frames: slider range, layer list, and the latest filters
        (deferred while the panel is behind another tab)."""
        n = len(self.timelapse)
        if self.scrubbing and self.index is not None:
            if not n:
                self.back_to_live()
                return
            # frames may have been thinned out: stay on the kept frame nearest to the one shown
            steps = np.array([f.step for f in self.timelapse.frames])
            self.index = int(np.argmin(np.abs(steps - self._shown_step)))
        self.slider.blockSignals(True)
        self.slider.setRange(0, max(n - 1, 0))
        self.slider.setValue(self.index if self.scrubbing and self.index is not None else max(n - 1, 0))
        self.slider.blockSignals(False)
        for w in (self.slider, self.play_button, self.gif_button, self.png_button, self.what_box):
            w.setEnabled(n > 0)
        self.live_button.setEnabled(self.scrubbing)
        self._fill_layers()
        self._draw_filters()
        self._show_status()

    def show_frame(self, index: int) -> None:
        """Show frame ``index``: its trace in the inspector and its filters here."""
        n = len(self.timelapse)
        if not n:
            return
        index = int(np.clip(index, 0, n - 1))
        frame = self.timelapse.frames[index]
        if not self.scrubbing:
            self._live_trace, self._live_input = self.inspector.trace, self.inspector.input
            self.scrubbing = True
            self.live_button.setEnabled(True)
            self.scrubbingChanged.emit(True)
        self.index = index
        self._shown_step = frame.step
        if self.slider.value() != index:
            self.slider.blockSignals(True)
            self.slider.setValue(index)
            self.slider.blockSignals(False)
        trace = frame.trace_outputs() if self._fits(frame) else None
        if trace is not None:
            self._own_trace = trace
            self.inspector.set_trace(trace)
        self._draw_filters()
        self._show_status()

    def back_to_live(self) -> None:
        """Stop scrubbing and show the live trace again."""
        self._play.stop()
        self.play_button.setText("▶")
        if not self.scrubbing:
            return
        self.scrubbing = False
        self.index = None
        live, self._live_trace, self._own_trace = self._live_trace, None, None
        self.inspector.set_trace(live)
        if self._live_input is None:
            self.inspector.input = None             # the frames' probe image was shown meanwhile
        else:
            # training may have gone on while we looked back: show the input through today's weights
            self.inspector.set_input(self._live_input)
        self._live_input = None
        self.refresh()
        self.scrubbingChanged.emit(False)

    def toggle_play(self) -> None:
        """Play from the shown frame (from the first when at the end), or pause."""
        if self._play.isActive():
            self._play.stop()
            self.play_button.setText("▶")
            return
        n = len(self.timelapse)
        if n < 2:
            return
        start = self.index if self.index is not None and self.index < n - 1 else 0
        self.show_frame(start)
        self.play_button.setText("❚❚")
        self._play.start()

    def frame_pictures(self, what: str = "maps", layer: Optional[str] = None,
                       weight_key: Optional[str] = None, frames: Optional[Sequence[int]] = None
                       ) -> Iterator[np.ndarray]:
        """Kept frames rendered as (H, W, 3) uint8 pictures with a caption, all the same size,
        one at a time (a long time-lapse would not fit in memory as pictures).

        ``what``: 'maps' (the output of trace entry ``layer``, default the inspector's
        selected layer), 'filters' (conv kernels ``weight_key``, default the chosen one)
        or 'both'. ``frames``: indices of the frames to render (default all). Raises
        ValueError (at once) when there is nothing of that kind to show.
        """
        kept = list(self.timelapse.frames)
        if not kept:
            raise ValueError("the time-lapse has no frames yet")
        if what not in [k for k, _ in EXPORT_KINDS]:
            raise ValueError(f"what must be one of {', '.join(k for k, _ in EXPORT_KINDS)}, not {what!r}")
        layer = layer or self.inspector.entries()[self.inspector.selected][0]
        weight_key = weight_key or self.layer_box.currentData()
        traced = next((f for f in kept if f.trace is not None and f.value(layer) is not None), None)
        kinds = {t[0]: t[1] for t in traced.trace} if traced is not None else {}
        if what in ("maps", "both") and layer not in kinds:
            raise ValueError(f"no feature maps of {layer!r} were kept: draw or load an image before "
                             f"training, so that each frame traces it")
        if what in ("filters", "both") and (weight_key is None or weight_key not in kept[0].weights):
            raise ValueError("this network has no convolution filters to show")
        chosen = kept if frames is None else [kept[i] for i in frames]
        blank = None
        if what in ("maps", "both"):     # for frames kept before a probe image was drawn
            blank = np.full_like(maps_picture(traced.value(layer), kinds[layer]), 128)
        return self._render(chosen, what, layer, kinds.get(layer), weight_key, self.channel_spin.value(), blank)

    def _render(self, frames, what, layer, kind, weight_key, channel, blank):
        rgb = self._rgb_filters(weight_key) if weight_key else False
        for f in frames:        # the zoom depends only on shapes: every picture has the same size
            parts, names = [], []
            if what in ("maps", "both"):
                value = f.value(layer)
                parts.append(blank if value is None else maps_picture(value, kind))
                names.append(f"{layer} maps" if value is not None else "(no probe image yet)")
            if what in ("filters", "both"):
                parts.append(filter_picture(f.weights[weight_key], channel, rgb))
                names.append(f"{_layer_of(weight_key)} filters")
            yield captioned(parts, f"{' | '.join(names)} · step {f.step:,} · epoch {f.epoch}")

    def export_gif(self, path, what: str = "maps", delay_ms: int = 120, max_frames: int = GIF_MAX_FRAMES,
                   progress: Optional[Callable[[int, int], None]] = None, **kw) -> Path:
        """Write the frames as a looping animated GIF; ``kw`` as for :meth:`frame_pictures`.

        At most ``max_frames`` frames, evenly spread over the run (first and last
        included): a GIF is for watching, and pure-Python LZW takes ~0.05 s a frame.
        ``progress(done, total)`` is called after each frame; raising in it cancels
        (nothing is written). Returns the path.
        """
        chosen = _spread(len(self.timelapse), max_frames)
        sample = list(self.frame_pictures(what, frames=[chosen[i] for i in _spread(len(chosen), PALETTE_SAMPLE)],
                                          **kw))
        with GifWriter(path, sample, loop=0) as gif:
            for i, picture in enumerate(self.frame_pictures(what, frames=chosen, **kw)):
                gif.add(picture, delay_ms)
                if progress is not None:
                    progress(i + 1, len(chosen))
        return Path(path)

    def export_pngs(self, folder, what: str = "maps", progress: Optional[Callable[[int, int], None]] = None,
                    **kw) -> List[Path]:
        """Write one PNG per frame into ``folder`` (made if missing): frame_0001_step_000120.png, ..."""
        pictures = self.frame_pictures(what, **kw)
        folder = Path(folder)
        folder.mkdir(parents=True, exist_ok=True)
        paths = []
        frames = list(self.timelapse.frames)
        for i, (f, pic) in enumerate(zip(frames, pictures)):
            path = folder / f"frame_{i + 1:04d}_step_{f.step:06d}.png"
            if not rgb_to_qimage(pic).save(str(path), "PNG"):
                raise OSError(f"cannot write {path}")
            paths.append(path)
            if progress is not None:
                progress(i + 1, len(frames))
        return paths

    # -- inside -------------------------------------------------------------------------
    def _fits(self, frame: Frame) -> bool:
        """Whether the frame's trace belongs to the inspector's network (same entries, same shapes)."""
        if frame.trace is None:
            return False
        entries = self.inspector.entries()
        return len(entries) == len(frame.trace) and all(
            e[0] == t[0] and tuple(e[3]) == tuple(t[2]) for e, t in zip(entries, frame.trace))

    def _on_slider(self, value: int):
        if len(self.timelapse):
            self.show_frame(value)

    def _next_frame(self):
        if self.index is None or self.index >= len(self.timelapse) - 1:
            self._play.stop()
            self.play_button.setText("▶")
            return
        self.show_frame(self.index + 1)

    def _on_trace(self):
        # training goes on while we look back: keep the newest live trace, show our frame again
        if self.scrubbing and self._own_trace is not None and self.inspector.trace is not self._own_trace:
            self._live_trace = self.inspector.trace
            self.inspector.set_trace(self._own_trace)

    def _on_network(self):
        # frames of another network cannot be shown over this one; its live trace is recomputed
        self._play.stop()
        if self.scrubbing:
            self.scrubbing = False
            self.index = None
            self._live_trace = self._own_trace = self._live_input = None
            self.scrubbingChanged.emit(False)
        self.refresh()

    def _on_layer(self, index: int):
        name, kind = self.inspector.entries()[index][:2]
        if kind == "Conv2D":
            i = self.layer_box.findData(f"{name}.W")
            if i >= 0:
                self.layer_box.setCurrentIndex(i)
        self._show_status()

    def _fill_layers(self):
        frames = self.timelapse.frames
        keys = list(frames[-1].weights) if frames else []
        if keys == [self.layer_box.itemData(i) for i in range(self.layer_box.count())]:
            return
        current = self.layer_box.currentData()
        self.layer_box.blockSignals(True)
        self.layer_box.clear()
        for k in keys:
            self.layer_box.addItem(f"{_layer_of(k)} filters", k)
        if current in keys:
            self.layer_box.setCurrentIndex(keys.index(current))
        self.layer_box.blockSignals(False)

    def _rgb_filters(self, key: str) -> bool:
        frames = self.timelapse.frames
        first = next(iter(frames[0].weights)) if frames and frames[0].weights else None
        return key == first and frames[0].weights[key].shape[1] == 3

    def _draw_filters(self):
        frames = self.timelapse.frames
        key = self.layer_box.currentData()
        frame = None
        if frames:
            frame = frames[self.index] if self.scrubbing and self.index is not None else frames[-1]
        if frame is None or key not in frame.weights:
            self.image.clear()
            self.channel_spin.hide()
            return
        W = frame.weights[key]
        rgb = self._rgb_filters(key)
        many = W.shape[1] > 1 and not rgb
        self.channel_spin.setVisible(many)
        self.channel_spin.blockSignals(True)
        self.channel_spin.setRange(0, W.shape[1] - 1)
        self.channel_spin.blockSignals(False)
        img = filter_picture(W, self.channel_spin.value(), rgb, zoom=1)
        shape_changed = self.image.image is None or self.image.image.shape != img.shape
        self.image.setImage(img, levels=(0, 255))
        if shape_changed:
            self.view.autoRange(padding=0.02)

    def _show_status(self):
        n = len(self.timelapse)
        tl = self.timelapse
        if not n:
            self.status.setText(f"No frames yet: training keeps one every {tl.every} steps.")
        elif self.scrubbing and self.index is not None:
            f = tl.frames[self.index]
            note = "" if self._fits(f) else " · no feature maps kept (no probe image)"
            self.status.setText(f"step {f.step:,}, epoch {f.epoch} · frame {self.index + 1} of {n}{note}")
        else:
            self.status.setText(f"live · {n} frames, steps {tl.frames[0].step:,}–{tl.frames[-1].step:,} "
                                f"(every {tl.every}) · drag to look back")
        self.status.setToolTip(f"{self.status.text()}\n\n{STATUS_TIP}\n\nFrames kept: {n}, using "
                               f"{tl.nbytes / 1e6:.1f} MB.")

    def _ask_gif(self):
        what = self.what_box.currentData()
        path, _ = QFileDialog.getSaveFileName(self, "Save the time-lapse as an animated GIF",
                                              f"timelapse-{what}.gif", "GIF images (*.gif)")
        if path:
            self._run_export(lambda progress: self.export_gif(path, what, progress=progress),
                             f"Saved {path}")

    def _ask_pngs(self):
        what = self.what_box.currentData()
        folder = QFileDialog.getExistingDirectory(self, "Folder for the time-lapse PNG files")
        if folder:
            self._run_export(lambda progress: self.export_pngs(folder, what, progress=progress),
                             f"Saved {len(self.timelapse)} PNGs to {folder}")

    def _run_export(self, job, done: str):
        """Run an export with a cancellable progress dialog; errors are shown, not raised."""
        dialog = QProgressDialog("Rendering the time-lapse…", "Cancel", 0, 0, self)
        dialog.setWindowTitle("Time-lapse export")
        dialog.setWindowModality(Qt.WindowModal)
        dialog.setMinimumDuration(300)

        def progress(i, n):
            dialog.setMaximum(n)
            dialog.setValue(i)
            QApplication.processEvents()
            if dialog.wasCanceled():
                raise _Cancelled()
        try:
            job(progress)
        except _Cancelled:
            self.status.setText("Export cancelled: nothing was written.")
            return
        except (ValueError, OSError) as e:
            QMessageBox.warning(self, "Time-lapse export", str(e))
            return
        finally:
            dialog.close()
        self.status.setText(done)


class _Cancelled(Exception):
    pass


class _Picture(pg.GraphicsLayoutWidget):
    """The filter picture; it asks for little room (in a scroll area the panel is as tall as
    its preferred height) and grows with the panel."""

    def sizeHint(self) -> QSize:
        return QSize(320, 120)


def _spread(n: int, most: int) -> List[int]:
    """Up to ``most`` indices of 0..n-1, evenly spread, first and last included."""
    if n <= most:
        return list(range(n))
    return sorted(set(np.linspace(0, n - 1, most).round().astype(int).tolist()))


def _layer_of(key: str) -> str:
    """'conv1.W' -> 'conv1'; 'res1.res1_conva.W' -> 'res1.res1_conva'."""
    return key.rsplit(".", 1)[0]
