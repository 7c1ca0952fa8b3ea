"""Random distortions of training images, so hand-drawn input is recognised.

Each image in a batch gets its own random affine map (shift, rotation about
the image centre, scale) applied with bilinear sampling, and single-channel
images also a random stroke-thickness change (a 3x3 grey dilation or
erosion, blended in). Everything is vectorised over the batch.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Optional, Tuple, Union

import numpy as np

from .nn.parallel import split_run

DEFAULT_THICKNESS_RANGE = (-0.5, 1.0)   # erosion wipes out 1-2 px strokes, so it is milder
_CHUNK_PIXELS = 32768                   # values per chunk of a batch (see Augmenter.apply)
_WORK_PER_PIXEL = 40                    # array operations per value, for splitting over the cores


class AugmentError(ValueError):
    """Bad augmentation settings, or a batch that is not (N, C, H, W) floats."""


@dataclass(frozen=True)
class AugmentParams:
    """One draw of random parameters for a batch of N images.

    ``shift``: float32 (N, 2), (dy, dx) in pixels, positive = down / right.
    ``angle``: float32 (N,), degrees, positive = counter-clockwise on screen.
    ``scale``: float32 (N,), > 1 enlarges about the image centre.
    ``thickness``: float32 (N,) in [-1, 1]; t > 0 blends fraction t of a 3x3
    dilation in (thicker strokes), t < 0 fraction -t of an erosion.
    """

    shift: np.ndarray
    angle: np.ndarray
    scale: np.ndarray
    thickness: np.ndarray


class Augmenter:
    """Random per-image affine + thickness augmentation of (N, C, H, W) batches.

    ``shift``: largest shift in pixels (uniform in [-shift, shift] per axis);
    ``rotate``: largest rotation in degrees (uniform in [-rotate, rotate]);
    ``scale``: (low, high) range of the uniform scale factor; ``thickness``:
    True for the default blend range :data:`DEFAULT_THICKNESS_RANGE`, False
    for none, or a (low, high) range within [-1, 1] (see :class:`AugmentParams`);
    ``border``: ``"zero"`` fills uncovered pixels with 0 (background of ink
    images), ``"edge"`` repeats the nearest edge pixel (photos). ``seed`` or
    ``rng`` (a numpy Generator, not both) makes the draws reproducible.
    """

    def __init__(self, shift: float = 2.0, rotate: float = 12.0,
                 scale: Tuple[float, float] = (0.85, 1.15),
                 thickness: Union[bool, Tuple[float, float]] = True, border: str = "zero",
                 seed: Optional[int] = None, rng: Optional[np.random.Generator] = None):
        if shift < 0 or rotate < 0:
            raise AugmentError(f"shift and rotate must be >= 0, got shift={shift}, rotate={rotate}")
        scale_low, scale_high = (float(s) for s in scale)
        if not 0 < scale_low <= scale_high:
            raise AugmentError(f"scale must be a range 0 < low <= high, got {scale}")
        if thickness is True:
            thickness = DEFAULT_THICKNESS_RANGE
        elif thickness is False:
            thickness = (0.0, 0.0)
        thick_low, thick_high = (float(t) for t in thickness)
        if not -1 <= thick_low <= thick_high <= 1:
            raise AugmentError(f"thickness must be a bool or a range within [-1, 1], got {thickness}")
        if border not in ("zero", "edge"):
            raise AugmentError(f"border must be 'zero' or 'edge', got {border!r}")
        if seed is not None and rng is not None:
            raise AugmentError("give a seed or a random generator, not both")
        self.shift = float(shift)
        self.rotate = float(rotate)
        self.scale = (scale_low, scale_high)
        self.thickness = (thick_low, thick_high)
        self.border = border
        self.rng = rng if rng is not None else np.random.default_rng(seed)

    def __call__(self, batch: np.ndarray) -> np.ndarray:
        """A new float32 (N, C, H, W) batch, each image randomly distorted; ``batch`` is untouched."""
        batch = _check_batch(batch)
        return self.apply(batch, self.draw(batch.shape[0]))

    def draw(self, n: int) -> AugmentParams:
        """Draw random parameters for ``n`` images (advances the generator)."""
        uniform = self.rng.uniform
        return AugmentParams(
            shift=uniform(-self.shift, self.shift, size=(n, 2)).astype(np.float32),
            angle=uniform(-self.rotate, self.rotate, size=n).astype(np.float32),
            scale=uniform(*self.scale, size=n).astype(np.float32),
            thickness=uniform(*self.thickness, size=n).astype(np.float32))

    def apply(self, batch: np.ndarray, params: AugmentParams) -> np.ndarray:
        """Apply given parameters to float (N, C, H, W) ``batch``; returns a new float32 batch.

        The thickness change (single-channel batches only: on colour images a
        per-channel max/min would invent colours) comes first, then the affine map.
        """
        batch = _check_batch(batch)
        n = batch.shape[0]
        if any(len(values) != n for values in (params.shift, params.angle, params.scale, params.thickness)):
            raise AugmentError(f"the parameters were drawn for a different batch size than {n}")
        result = np.empty(batch.shape, dtype=np.float32)
        # Chunks bound the size of the temporaries: large ones are returned to
        # the OS on every free, and the page faults of re-allocating them cost
        # more than the arithmetic. The chunks are shared out over the cores.
        per_chunk = max(1, _CHUNK_PIXELS // int(np.prod(batch.shape[1:])))

        def chunks(lo, hi):
            for start in range(lo * per_chunk, min(n, hi * per_chunk), per_chunk):
                part = slice(start, start + per_chunk)
                images = batch[part]
                if batch.shape[1] == 1 and np.any(params.thickness[part] != 0):
                    images = change_thickness(images, params.thickness[part])
                result[part] = affine_bilinear(images, params.shift[part], params.angle[part],
                                               params.scale[part], self.border)
        split_run(chunks, -(-n // per_chunk), batch.size * _WORK_PER_PIXEL)
        return result


def affine_bilinear(batch: np.ndarray, shift: np.ndarray, angle: np.ndarray, scale: np.ndarray,
                    border: str = "zero") -> np.ndarray:
    """Shift, rotate and scale each image of float (N, C, H, W) ``batch`` about its centre.

    ``shift`` (N, 2) pixels (dy, dx), ``angle`` (N,) degrees counter-clockwise
    on screen, ``scale`` (N,) factors. Each output pixel is sampled bilinearly
    at its inverse-mapped position; outside the image it reads 0
    (``border="zero"``) or the nearest edge pixel (``"edge"``). Returns float32
    (N, C, H, W).
    """
    if border not in ("zero", "edge"):
        raise AugmentError(f"border must be 'zero' or 'edge', got {border!r}")
    n, channels, height, width = batch.shape
    centre_y, centre_x = (height - 1) / 2, (width - 1) / 2
    radians = np.deg2rad(np.asarray(angle, dtype=np.float32))[:, None, None]
    inverse_scale = 1 / np.asarray(scale, dtype=np.float32)[:, None, None]
    cos, sin = np.cos(radians) * inverse_scale, np.sin(radians) * inverse_scale
    shift = np.asarray(shift, dtype=np.float32)
    rel_y = np.arange(height, dtype=np.float32)[None, :, None] - centre_y - shift[:, 0, None, None]
    rel_x = np.arange(width, dtype=np.float32)[None, None, :] - centre_x - shift[:, 1, None, None]
    # In-place arithmetic below: every full-size temporary costs page faults
    # that dominate the run time of an otherwise ~1 ms function.
    if border == "zero":
        # One pixel of zeros around each image; clamping into it reads 0 outside.
        images = np.zeros((n, channels, height + 2, width + 2), dtype=np.float32)
        images[:, :, 1:-1, 1:-1] = batch
        margin, low, high_y, high_x = 1, 0, height + 1, width + 1
    else:
        images = np.ascontiguousarray(batch, dtype=np.float32)
        margin, low, high_y, high_x = 0, 0, height - 1, width - 1
    rows, cols = images.shape[2:]
    # Inverse map: rotate the output offset by -angle, divide by the scale.
    source_y = rel_x * sin + rel_y * cos                      # (N, H, W)
    source_y += centre_y + margin
    np.clip(source_y, low, high_y, out=source_y)
    source_x = rel_x * cos - rel_y * sin
    source_x += centre_x + margin
    np.clip(source_x, low, high_x, out=source_x)
    y0 = np.floor(source_y)
    np.minimum(y0, rows - 2, out=y0)                          # keeps y0 + 1 inside
    x0 = np.floor(source_x)
    np.minimum(x0, cols - 2, out=x0)
    wy = np.subtract(source_y, y0, out=source_y)[:, None]
    wx = np.subtract(source_x, x0, out=source_x)[:, None]

    # Flat index of each sample's top-left neighbour; the other three are read
    # through the same indices from the flat array shifted by 1, cols, cols+1.
    y0 *= cols
    y0 += x0
    top_left = y0.astype(np.intp)
    del y0, x0
    top_left += (np.arange(n) * (channels * rows * cols)).reshape(n, 1, 1)
    top_left = top_left[:, None]
    if channels > 1:
        top_left = top_left + (np.arange(channels) * (rows * cols)).reshape(1, channels, 1, 1)
    flat = images.reshape(-1)
    # top = lerp(top-left, top-right, wx); bottom likewise; answer = lerp(top, bottom, wy).
    top = flat.take(top_left)
    step = flat[1:].take(top_left)
    step -= top
    step *= wx
    top += step
    bottom = flat[cols:].take(top_left, out=step)
    step = flat[cols + 1:].take(top_left)
    step -= bottom
    step *= wx
    bottom += step
    bottom -= top
    bottom *= wy
    top += bottom
    return top


def change_thickness(batch: np.ndarray, amount: np.ndarray) -> np.ndarray:
    """Thicken or thin the strokes of float (N, C, H, W) ink images (ink = high values).

    ``amount`` (N,) in [-1, 1]: a > 0 blends fraction a of the 3x3 grey
    dilation (max of the 9 shifted copies) into the image, a < 0 fraction -a
    of the 3x3 erosion (min). Out-of-image neighbours are ignored. Returns a
    new float32 batch.
    """
    weight = np.asarray(amount, dtype=np.float32).reshape(-1, 1, 1, 1)
    # Erosion is a dilation of the negated image, negated back: one pass serves both.
    sign = np.where(weight < 0, np.float32(-1), np.float32(1))
    signed = batch * sign
    target = _dilate_3x3(signed)
    target *= sign
    return (batch + np.abs(weight) * (target - batch)).astype(np.float32, copy=False)


def _dilate_3x3(images: np.ndarray) -> np.ndarray:
    """3x3 maximum filter over the last two axes (separable: rows, then columns)."""
    by_rows = images.copy()
    np.maximum(by_rows[..., 1:, :], images[..., :-1, :], out=by_rows[..., 1:, :])
    np.maximum(by_rows[..., :-1, :], images[..., 1:, :], out=by_rows[..., :-1, :])
    result = by_rows.copy()
    np.maximum(result[..., 1:], by_rows[..., :-1], out=result[..., 1:])
    np.maximum(result[..., :-1], by_rows[..., 1:], out=result[..., :-1])
    return result


def _check_batch(batch: np.ndarray) -> np.ndarray:
    batch = np.asarray(batch)
    if batch.ndim != 4 or batch.shape[0] < 1 or batch.shape[1] < 1 or min(batch.shape[2:]) < 2:
        raise AugmentError(f"expected a batch of shape (N, C, H, W) with H, W >= 2, got {batch.shape}")
    if not np.issubdtype(batch.dtype, np.floating):
        raise AugmentError(f"expected float images in [0, 1], got dtype {batch.dtype}")
    return batch.astype(np.float32, copy=False)
