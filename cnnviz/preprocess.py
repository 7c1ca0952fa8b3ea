"""A drawn or loaded image -> the array a network receives, in one place.

Grayscale targets (C=1) follow the MNIST recipe:

1. to float gray in [0, 1]; alpha is composited over white (dark ink on a
   transparent canvas), or over black when that leaves nothing to see (light
   ink on a transparent canvas). :func:`flatten_alpha` makes the same
   decision for a picture to show (the app's canvas), so what the user sees
   is what the network gets;
2. the background level is the median of the border pixels; the ink is
   whichever extreme (darkest or lightest pixel) lies further from it, so
   dark-on-light images are inverted to MNIST's light-on-dark;
3. ink = distance from the background, stretched so the strongest ink is 1;
   pixels with ink >= ``INK_THRESHOLD`` form the bounding box (none -> the
   image is empty and :class:`EmptyImageError` is raised);
4. the box is scaled so its longer side is ``round(S * 20 / 28)`` px (S = the
   shorter target side, 20 for 28x28), area-averaged when shrinking and
   bilinear when enlarging;
5. it is placed so its centre of mass lands on the centre of the S x S frame,
   with sub-pixel precision (the offset is folded into the resampling); if
   that would push ink out of the frame the box is clamped to the edge.

RGB targets (C=3, e.g. CIFAR) resize the whole image, with no inversion.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Optional, Sequence, Tuple

import numpy as np

INK_THRESHOLD = 0.1    # ink (0..1 after stretching) that counts for the bounding box
MIN_CONTRAST = 0.05    # below this difference from the background nothing was drawn
MNIST_BOX = 20 / 28    # longer side of the glyph box, as a fraction of the frame

_LUMA = np.array([0.299, 0.587, 0.114], dtype=np.float32)   # ITU-R BT.601, as Qt/PIL


class PreprocessError(ValueError):
    """Base class for everything that stops an image becoming network input."""


class InvalidImageError(PreprocessError):
    """The array is not an image this module understands (shape, dtype or values)."""


class UnsupportedInputShapeError(PreprocessError):
    """The network's input shape is not (1, H, W) or (3, H, W)."""


class EmptyImageError(PreprocessError):
    """The image is (nearly) constant: nothing was drawn, so nothing is classified."""


@dataclass(frozen=True)
class PreprocessInfo:
    """What preprocessing did, for the app's "what the network receives" preview.

    ``bbox`` is ``(top, left, bottom, right)`` of the ink in source pixels
    (bottom/right exclusive; the whole image for RGB targets); ``scale`` is
    output pixels per source pixel; ``offset`` is the ``(y, x)`` position, in
    output pixels, of the scaled box's top-left corner; ``centre_of_mass`` is
    the ``(y, x)`` ink centroid of the output in pixel-index coordinates
    (``None`` for RGB); ``background`` is the gray background level in [0, 1].
    """

    bbox: Tuple[int, int, int, int]
    scale: float
    offset: Tuple[float, float]
    inverted: bool
    background: float
    centre_of_mass: Optional[Tuple[float, float]]


def preprocess(image: np.ndarray, input_shape: Sequence[int] = (1, 28, 28)) -> np.ndarray:
    """Turn ``image`` into a network input of ``input_shape``.

    ``image``: (H, W) gray, (H, W, 1), (H, W, 2) gray+alpha, (H, W, 3) RGB or
    (H, W, 4) RGBA; uint8, uint16, bool or float in [0, 1].
    Returns float32 ``input_shape`` = (C, S_h, S_w) with values in [0, 1];
    for C=1, 1 means ink and 0 background. Raises :class:`EmptyImageError`
    when nothing is drawn, :class:`InvalidImageError` for an unusable array,
    :class:`UnsupportedInputShapeError` for C other than 1 or 3.
    """
    return preprocess_with_info(image, input_shape)[0]


def preprocess_with_info(image: np.ndarray, input_shape: Sequence[int] = (1, 28, 28)
                         ) -> Tuple[np.ndarray, PreprocessInfo]:
    """Like :func:`preprocess`, also returning a :class:`PreprocessInfo`."""
    channels, out_h, out_w = _check_input_shape(input_shape)
    image = to_float_image(image)
    if channels == 3:
        return _prepare_rgb(composite_alpha(image), out_h, out_w)
    return _prepare_ink(to_gray(image), out_h, out_w)


def to_float_image(image: np.ndarray) -> np.ndarray:
    """Validate ``image`` and return it as float32 in [0, 1].

    Shape (H, W) or (H, W, C) with C in 1..4 ((H, W, 1) is squeezed to (H, W));
    uint8 is divided by 255, uint16 by 65535, bool maps to 0/1, floats must
    already lie in [0, 1]. Raises :class:`InvalidImageError` otherwise.
    """
    image = np.asarray(image)
    if image.ndim == 3 and image.shape[2] == 1:
        image = image[:, :, 0]
    if image.ndim not in (2, 3) or (image.ndim == 3 and image.shape[2] not in (2, 3, 4)):
        raise InvalidImageError(
            f"expected an image of shape (H, W) or (H, W, 1..4), got shape {image.shape}")
    if image.shape[0] < 1 or image.shape[1] < 1:
        raise InvalidImageError(f"the image has no pixels (shape {image.shape})")
    if image.dtype == np.uint8:
        return np.divide(image, np.float32(255), dtype=np.float32)
    if image.dtype == np.uint16:
        return np.divide(image, np.float32(65535), dtype=np.float32)
    if image.dtype == np.bool_:
        return image.astype(np.float32)
    if not np.issubdtype(image.dtype, np.floating):
        raise InvalidImageError(
            f"unsupported pixel type {image.dtype}: use uint8, uint16, bool or float in [0, 1]")
    image = image.astype(np.float32, copy=False)
    low, high = float(image.min()), float(image.max())
    if not (np.isfinite(low) and np.isfinite(high)):
        raise InvalidImageError("the image contains NaN or infinite values")
    if low < -1e-3 or high > 1 + 1e-3:
        raise InvalidImageError(
            f"float images must hold values in [0, 1], got [{low:g}, {high:g}]"
            + (" (divide 0..255 data by 255)" if high <= 255 else ""))
    return np.clip(image, 0, 1)


def flatten_alpha(image: np.ndarray, gray: bool = False) -> np.ndarray:
    """Any loaded image as the opaque picture the network is shown, in 8 bits.

    ``image``: what :func:`preprocess` accepts ((H, W) gray, (H, W, 1..4) with
    gray+alpha, RGB or RGBA channels; uint8, uint16, bool or float in [0, 1]).
    Returns uint8 (H, W) for gray input (with or without alpha) or when
    ``gray`` is true, else uint8 (H, W, 3) RGB. Alpha is composited by the
    same decision :func:`preprocess` makes (see :func:`composite_alpha`): over
    white, or over black when over white would leave nothing to see (light ink
    on a transparent canvas). So ``preprocess(flatten_alpha(x))`` equals
    ``preprocess(x)`` up to 8-bit rounding. Raises :class:`InvalidImageError`.
    """
    image = to_float_image(image)
    if gray or image.ndim == 2 or image.shape[2] == 2:
        flat = to_gray(image)
    else:
        flat = composite_alpha(image)
    return np.round(flat * 255).astype(np.uint8)


def composite_alpha(image: np.ndarray) -> np.ndarray:
    """Drop the alpha channel of a float32 image in [0, 1] by compositing.

    (H, W, 2) -> (H, W) and (H, W, 4) -> (H, W, 3); (H, W) and (H, W, 3) pass
    through. Composites over white; if that leaves a nearly constant gray
    (luma) image while the alpha channel varies (light ink on a transparent
    canvas), over black instead. Fully transparent pixels thus become
    background whatever colour they store. The decision is taken on the luma,
    so it is the same one :func:`to_gray` takes.
    """
    if image.ndim == 2 or image.shape[2] == 3:
        return image
    if image.shape[2] == 2:
        return _composite(image[..., 0], image[..., 1])
    alpha = image[..., 3]
    background = 0.0 if _over_black(image[..., :3] @ _LUMA, alpha) else 1.0
    return image[..., :3] * alpha[..., None] + background * (1 - alpha[..., None])


def to_gray(image: np.ndarray) -> np.ndarray:
    """Gray float32 (H, W) in [0, 1] from a float32 image as :func:`to_float_image` gives.

    Luma weights 0.299 R + 0.587 G + 0.114 B (ITU-R BT.601); alpha is
    composited as in :func:`composite_alpha` (the weights sum to 1, so taking
    the luma first gives the same result, on a third of the data).
    """
    if image.ndim == 2:
        return image
    if image.shape[2] == 2:
        return _composite(image[..., 0], image[..., 1])
    gray = image[..., :3] @ _LUMA
    return gray if image.shape[2] == 3 else _composite(gray, image[..., 3])


def _over_black(gray: np.ndarray, alpha: np.ndarray) -> bool:
    """True when gray (H, W) composited over white would be nearly flat while alpha varies."""
    return np.ptp(gray * alpha + (1 - alpha)) < MIN_CONTRAST and np.ptp(alpha) >= MIN_CONTRAST


def _composite(gray: np.ndarray, alpha: np.ndarray) -> np.ndarray:
    over_black = gray * alpha
    return over_black if _over_black(gray, alpha) else over_black + (1 - alpha)


def resize_area(image: np.ndarray, out_h: int, out_w: int) -> np.ndarray:
    """Resize a float image to (out_h, out_w), anti-aliased.

    ``image``: (H, W) or (H, W, C), float. Each axis is resampled on its own:
    area averaging (box filter with fractional pixel overlaps) when it
    shrinks, bilinear interpolation with edge clamping when it grows, a copy
    when it keeps its size. Returns float32 (out_h, out_w[, C]).
    """
    image = np.asarray(image, dtype=np.float32)
    if out_h < 1 or out_w < 1:
        raise PreprocessError(f"resize: output size must be positive, got {out_h}x{out_w}")
    if image.ndim not in (2, 3) or image.shape[0] < 1 or image.shape[1] < 1:
        raise InvalidImageError(f"resize: expected a non-empty (H, W) or (H, W, C) image, got {image.shape}")
    in_h, in_w = image.shape[:2]
    rows = _axis_weights(in_h, out_h, 0.0, float(out_h), clamp_edges=True)
    cols = _axis_weights(in_w, out_w, 0.0, float(out_w), clamp_edges=True)
    return _apply_weights(image, rows, cols)


def _check_input_shape(input_shape: Sequence[int]) -> Tuple[int, int, int]:
    try:
        shape = tuple(int(s) for s in input_shape)
    except (TypeError, ValueError):
        shape = ()
    if len(shape) != 3 or shape[0] not in (1, 3) or shape[1] < 4 or shape[2] < 4:
        raise UnsupportedInputShapeError(
            f"input shape must be (1, H, W) or (3, H, W) with H, W >= 4, got {tuple(input_shape)}")
    return shape


def _prepare_rgb(image: np.ndarray, out_h: int, out_w: int) -> Tuple[np.ndarray, PreprocessInfo]:
    if np.ptp(image) < MIN_CONTRAST:
        raise EmptyImageError("nothing drawn: the image is a single flat colour")
    if image.ndim == 2:
        image = np.repeat(image[:, :, None], 3, axis=2)
    resized = np.clip(resize_area(image, out_h, out_w), 0, 1)
    in_h, in_w = image.shape[:2]
    info = PreprocessInfo(bbox=(0, 0, in_h, in_w), scale=out_h / in_h, offset=(0.0, 0.0),
                          inverted=False, background=float(np.median(_border(image).mean(axis=1))),
                          centre_of_mass=None)
    return np.ascontiguousarray(resized.transpose(2, 0, 1)), info


def _prepare_ink(gray: np.ndarray, out_h: int, out_w: int) -> Tuple[np.ndarray, PreprocessInfo]:
    background = float(np.median(_border(gray)))
    darkest, lightest = float(gray.min()), float(gray.max())
    inverted = background - darkest > lightest - background
    contrast = background - darkest if inverted else lightest - background
    if contrast < MIN_CONTRAST:
        raise EmptyImageError(
            f"nothing drawn: the image is nearly constant (strongest ink differs from the "
            f"background by {contrast:.3f}, less than {MIN_CONTRAST})")
    # Only the ink's bounding box is converted to ink values: on a large canvas
    # most pixels are background and full-size temporaries dominate the time.
    if inverted:
        is_ink = gray <= background - INK_THRESHOLD * contrast
    else:
        is_ink = gray >= background + INK_THRESHOLD * contrast
    rows = np.flatnonzero(is_ink.any(axis=1))
    cols = np.flatnonzero(is_ink.any(axis=0))
    top, bottom, left, right = rows[0], rows[-1] + 1, cols[0], cols[-1] + 1
    glyph = gray[top:bottom, left:right]
    glyph = (background - glyph) if inverted else (glyph - background)
    glyph = np.clip(glyph * np.float32(1 / contrast), 0, 1)
    glyph_h, glyph_w = glyph.shape

    box_side = max(1, round(min(out_h, out_w) * MNIST_BOX))
    scale = box_side / max(glyph_h, glyph_w)
    box_h, box_w = glyph_h * scale, glyph_w * scale
    centre = np.array([(out_h - 1) / 2, (out_w - 1) / 2])

    # The centroid is carried through the (linear) resampling analytically,
    # then corrected once by measuring it: resampling moves it by a fraction
    # of a pixel, and one correction brings it to ~0.01 px.
    glyph_com = _centre_of_mass(glyph) + 0.5                # continuous coordinates
    offset = _clamp_offset(centre + 0.5 - glyph_com * scale, out_h, out_w, box_h, box_w)
    placed = _place(glyph, out_h, out_w, offset, box_h, box_w)
    placed_com = _centre_of_mass(placed)
    if placed_com is not None:
        offset = _clamp_offset(offset + centre - placed_com, out_h, out_w, box_h, box_w)
        placed = _place(glyph, out_h, out_w, offset, box_h, box_w)
        placed_com = _centre_of_mass(placed)
    placed = np.clip(placed, 0, 1)

    info = PreprocessInfo(
        bbox=(int(top), int(left), int(bottom), int(right)), scale=float(scale),
        offset=(float(offset[0]), float(offset[1])), inverted=bool(inverted),
        background=background,
        centre_of_mass=None if placed_com is None else (float(placed_com[0]), float(placed_com[1])))
    return placed[None], info


def _border(image: np.ndarray) -> np.ndarray:
    """The 1-pixel frame of an (H, W[, C]) image, flattened along the frame."""
    if image.shape[0] <= 2 or image.shape[1] <= 2:
        return image.reshape(-1, *image.shape[2:])
    return np.concatenate([image[0], image[-1], image[1:-1, 0], image[1:-1, -1]])


def _centre_of_mass(image: np.ndarray) -> Optional[np.ndarray]:
    """(y, x) intensity centroid of a 2-D image in pixel-index coordinates."""
    mass = float(image.sum())
    if mass <= 0:
        return None
    ys = np.arange(image.shape[0], dtype=np.float64)
    xs = np.arange(image.shape[1], dtype=np.float64)
    return np.array([image.sum(axis=1) @ ys, image.sum(axis=0) @ xs]) / mass


def _clamp_offset(offset: np.ndarray, out_h: int, out_w: int, box_h: float, box_w: float) -> np.ndarray:
    return np.array([np.clip(offset[0], 0, out_h - box_h), np.clip(offset[1], 0, out_w - box_w)])


def _place(glyph: np.ndarray, out_h: int, out_w: int, offset: np.ndarray, box_h: float,
           box_w: float) -> np.ndarray:
    rows = _axis_weights(glyph.shape[0], out_h, float(offset[0]), box_h, clamp_edges=False)
    cols = _axis_weights(glyph.shape[1], out_w, float(offset[1]), box_w, clamp_edges=False)
    return _apply_weights(glyph, rows, cols)


def _axis_weights(n_in: int, n_out: int, start: float, length: float, clamp_edges: bool) -> np.ndarray:
    """(n_out, n_in) resampling matrix mapping input pixels onto [start, start+length).

    Input pixel j spans [j, j+1) and is mapped linearly into the output span;
    output pixel i spans [i, i+1). Shrinking (length < n_in) averages by area;
    growing interpolates bilinearly between pixel centres. Outside the mapped
    span the result is 0 unless ``clamp_edges`` extends the edge pixels (only
    meaningful when the span covers the whole output).
    """
    if length == n_in and start == 0 and n_out == n_in:
        return np.eye(n_in, dtype=np.float32)
    step = n_in / length                                   # input pixels per output pixel
    out_lo = (np.arange(n_out, dtype=np.float64) - start) * step   # output cells in input coords
    if length < n_in:
        edges = np.arange(n_in + 1, dtype=np.float64)
        overlap = (np.minimum(out_lo[:, None] + step, edges[None, 1:])
                   - np.maximum(out_lo[:, None], edges[None, :-1]))
        return (np.clip(overlap, 0, None) / step).astype(np.float32)
    source = out_lo + step / 2 - 0.5                       # output centres in input pixel indices
    if clamp_edges:
        source = np.clip(source, 0, n_in - 1)
    lower = np.floor(source)
    frac = source - lower
    weights = np.zeros((n_out, n_in + 2), dtype=np.float64)   # one guard column each side
    out_index = np.arange(n_out)
    lower_col = np.clip(lower, -1, n_in).astype(np.intp) + 1
    upper_col = np.clip(lower + 1, -1, n_in).astype(np.intp) + 1
    np.add.at(weights, (out_index, lower_col), 1 - frac)
    np.add.at(weights, (out_index, upper_col), frac)
    return weights[:, 1:-1].astype(np.float32)


def _apply_weights(image: np.ndarray, rows: np.ndarray, cols: np.ndarray) -> np.ndarray:
    if image.ndim == 2:
        return rows @ image @ cols.T
    in_h, in_w, n_channels = image.shape
    resized_rows = (rows @ image.reshape(in_h, in_w * n_channels)).reshape(-1, in_w, n_channels)
    return cols @ resized_rows
