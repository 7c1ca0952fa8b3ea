"""Time-lapse frames as pictures (numpy, in the app's colours), an animated GIF or PNG files."""
from __future__ import annotations

from pathlib import Path
from typing import Callable, Iterator, List, Optional, Sequence

import numpy as np
from PyQt5.QtCore import Qt
from PyQt5.QtGui import QColor, QFont, QPainter

from ...gifwriter import GifWriter
from ..widgets import colormaps as cm
from ..widgets.mosaic import Mosaic
from ..widgets.qimage import qimage_to_rgb, rgb_to_qimage
from .timelapse import TimeLapse

GUTTER_RGB = (128, 128, 128)     # between tiles: neither an activation 0 (black) nor a weight 0 (white)
EXPORT_KINDS = (("maps", "maps"), ("filters", "filters"), ("both", "maps + filters"))
PALETTE_SAMPLE = 24             # frames the GIF palette is computed from
GIF_MAX_FRAMES = 100            # a longer time-lapse is thinned evenly for the GIF
CAPTION_PX = 26


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


def frame_pictures(timelapse: TimeLapse, what: str, layer: str, weight_key: Optional[str], channel: int = 0,
                   frames: Optional[Sequence[int]] = None) -> Iterator[np.ndarray]:
    """Kept frames rendered as (H, W, 3) uint8 pictures with a caption, all the same size,
    one at a time (a long time-lapse would not fit in memory as pictures).

    ``what``: 'maps' (the output of trace entry ``layer``), 'filters' (conv kernels
    ``weight_key``, input channel ``channel``) or 'both'. ``frames``: indices of the frames
    to render (default all). Raises ValueError (at once) when there is nothing of that kind.
    """
    kept = list(timelapse.frames)
    if not kept:
        raise ValueError("the time-lapse has no frames yet")
    if what not in [k for k, _ in EXPORT_KINDS]:
        raise ValueError(f"what must be one of {', '.join(k for k, _ in EXPORT_KINDS)}, not {what!r}")
    traced = next((f for f in kept if f.trace is not None and f.value(layer) is not None), None)
    kinds = {t.name: t.kind for t in traced.trace} if traced is not None else {}
    if what in ("maps", "both") and layer not in kinds:
        raise ValueError(f"no feature maps of {layer!r} were kept: draw or load an image before "
                         f"training, so that each frame traces it")
    if what in ("filters", "both") and (weight_key is None or weight_key not in kept[0].weights):
        raise ValueError("this network has no convolution filters to show")
    chosen = kept if frames is None else [kept[i] for i in frames]
    blank = None
    if what in ("maps", "both"):     # for frames kept before a probe image was drawn
        blank = np.full_like(maps_picture(traced.value(layer), kinds[layer]), 128)
    rgb = is_rgb_filter(timelapse, weight_key) if weight_key else False
    return _render(chosen, what, layer, kinds.get(layer), weight_key, channel, rgb, blank)


def _render(frames, what, layer, kind, weight_key, channel, rgb, blank):
    for f in frames:        # the zoom depends only on shapes: every picture has the same size
        parts, names = [], []
        if what in ("maps", "both"):
            value = f.value(layer)
            parts.append(blank if value is None else maps_picture(value, kind))
            names.append(f"{layer} maps" if value is not None else "(no probe image yet)")
        if what in ("filters", "both"):
            parts.append(filter_picture(f.weights[weight_key], channel, rgb))
            names.append(f"{layer_of(weight_key)} filters")
        yield captioned(parts, f"{' | '.join(names)} · step {f.step:,} · epoch {f.epoch}")


def export_gif(timelapse: TimeLapse, path, what: str, layer: str, weight_key: Optional[str], channel: int = 0,
               delay_ms: int = 120, max_frames: int = GIF_MAX_FRAMES,
               progress: Optional[Callable[[int, int], None]] = None) -> Path:
    """Write the frames as a looping animated GIF (see :func:`frame_pictures`).

    At most ``max_frames`` frames, evenly spread over the run (first and last
    included): a GIF is for watching, and pure-Python LZW takes ~0.05 s a frame.
    ``progress(done, total)`` is called after each frame; raising in it cancels
    (nothing is written). Returns the path.
    """
    chosen = spread(len(timelapse), max_frames)
    sample = list(frame_pictures(timelapse, what, layer, weight_key, channel,
                                 frames=[chosen[i] for i in spread(len(chosen), PALETTE_SAMPLE)]))
    with GifWriter(path, sample, loop=0) as gif:
        for i, picture in enumerate(frame_pictures(timelapse, what, layer, weight_key, channel, frames=chosen)):
            gif.add(picture, delay_ms)
            if progress is not None:
                progress(i + 1, len(chosen))
    return Path(path)


def export_pngs(timelapse: TimeLapse, folder, what: str, layer: str, weight_key: Optional[str], channel: int = 0,
                progress: Optional[Callable[[int, int], None]] = None) -> List[Path]:
    """Write one PNG per frame into ``folder`` (made if missing): frame_0001_step_000120.png, ..."""
    pictures = frame_pictures(timelapse, what, layer, weight_key, channel)
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    frames = list(timelapse.frames)
    for i, (f, pic) in enumerate(zip(frames, pictures)):
        path = folder / f"frame_{i + 1:04d}_step_{f.step:06d}.png"
        if not rgb_to_qimage(pic).save(str(path), "PNG"):
            raise OSError(f"cannot write {path}")
        paths.append(path)
        if progress is not None:
            progress(i + 1, len(frames))
    return paths


def is_rgb_filter(timelapse: TimeLapse, key: str) -> bool:
    """Whether ``key`` names the first layer's kernels of a colour (3-channel) input."""
    frames = timelapse.frames
    first = next(iter(frames[0].weights)) if frames and frames[0].weights else None
    return key == first and frames[0].weights[key].shape[1] == 3


def spread(n: int, most: int) -> List[int]:
    """Up to ``most`` indices of 0..n-1, evenly spread, first and last included."""
    if n <= most:
        return list(range(n))
    return sorted(set(np.linspace(0, n - 1, most).round().astype(int).tolist()))


def layer_of(key: str) -> str:
    """'conv1.W' -> 'conv1'; 'res1.res1_conva.W' -> 'res1.res1_conva'."""
    return key.rsplit(".", 1)[0]
