"""im2col / col2im: sliding windows as the columns of a matrix.

Internally the columns are kept "channel-major": an array of shape
``(C*KH*KW, N*OH*OW)`` so that a convolution is one matrix product
``W.reshape(F, -1) @ cols`` and the weight gradient another. The textbook
layout ``(N*OH*OW, C*KH*KW)`` (a (1,3,7,7) input and a 5x5 window give (9, 75))
is exactly its transpose, which :func:`im2col` returns.

When a window holds few numbers (a first layer: C*KH*KW = 25 for one channel
and a 5x5 kernel) a per-image layout ``(N, C*KH*KW, OH*OW)`` is used instead:
then ``W @ cols`` is already (N, F, OH*OW), i.e. NCHW, and no transposes are
needed (:func:`fill_cols_per_image`, :func:`cols_per_image_to_image`).

The copies loop over the KH*KW window offsets (25 for a 5x5 kernel), never over
pixels, images or channels: each offset moves one strided block at once.
"""
from __future__ import annotations

import numpy as np

from .parallel import split_run
from .shapes import as_pair, window_output_hw


def pad_nchw(x: np.ndarray, pads, value=0.0, out: np.ndarray | None = None) -> np.ndarray:
    """Pad an (N, C, H, W) array spatially by ((top, bottom), (left, right)).

    Returns ``x`` itself when there is nothing to pad. ``out``, when given, is a
    buffer of the padded shape whose border is assumed to hold ``value`` already.
    """
    (pt, pb), (pl, pr) = pads
    if pt == pb == pl == pr == 0:
        return x
    n, c, h, w = x.shape
    if out is None:
        out = np.full((n, c, h + pt + pb, w + pl + pr), value, dtype=x.dtype)
    out[:, :, pt:pt + h, pl:pl + w] = x
    return out


def window_view(xp: np.ndarray, kernel, stride, out_hw) -> np.ndarray:
    """Read-only strided view (N, C, OH, OW, KH, KW) of the windows of a padded input."""
    kh, kw = kernel
    sh, sw = stride
    oh, ow = out_hw
    v = np.lib.stride_tricks.sliding_window_view(xp, (kh, kw), axis=(2, 3))
    return v[:, :, :(oh - 1) * sh + 1:sh, :(ow - 1) * sw + 1:sw]


def fill_cols(xp: np.ndarray, kernel, stride, out_hw, cols: np.ndarray) -> np.ndarray:
    """Write the windows of padded ``xp`` (N, C, Hp, Wp) into ``cols`` (C*KH*KW, N*OH*OW)."""
    n, c = xp.shape[:2]
    kh, kw = kernel
    oh, ow = out_hw
    v = window_view(xp, kernel, stride, out_hw)           # N C OH OW KH KW
    dst = cols.reshape(c, kh, kw, n, oh, ow)
    src = v.transpose(1, 4, 5, 0, 2, 3)

    def part(lo, hi):
        np.copyto(dst[lo:hi], src[lo:hi])
    split_run(part, c, cols.size)
    return cols


def fill_cols_per_image(xp: np.ndarray, kernel, stride, out_hw, cols: np.ndarray) -> np.ndarray:
    """Write the windows of padded ``xp`` (N, C, Hp, Wp) into ``cols`` (N, C*KH*KW, OH*OW)."""
    n, c = xp.shape[:2]
    kh, kw = kernel
    oh, ow = out_hw
    v = window_view(xp, kernel, stride, out_hw)           # N C OH OW KH KW
    np.copyto(cols.reshape(n, c, kh, kw, oh, ow), v.transpose(0, 1, 4, 5, 2, 3))
    return cols


def cols_per_image_to_image(cols: np.ndarray, x_shape, kernel, stride, out_hw, pads,
                            out: np.ndarray | None = None) -> np.ndarray:
    """col2im for the per-image layout: (N, C*KH*KW, OH*OW) -> (N, C, H, W), overlaps summed."""
    n, c, h, w = x_shape
    kh, kw = kernel
    sh, sw = stride
    oh, ow = out_hw
    (pt, pb), (pl, pr) = pads
    if out is None:
        out = np.zeros((n, c, h + pt + pb, w + pl + pr), dtype=cols.dtype)
    else:
        out.fill(0)
    c6 = cols.reshape(n, c, kh, kw, oh, ow)
    for i in range(kh):
        for j in range(kw):
            out[:, :, i:i + sh * (oh - 1) + 1:sh, j:j + sw * (ow - 1) + 1:sw] += c6[:, :, i, j]
    return out[:, :, pt:pt + h, pl:pl + w]


def cols_to_image(cols: np.ndarray, x_shape, kernel, stride, out_hw, pads,
                  out: np.ndarray | None = None) -> np.ndarray:
    """col2im: sum the window columns (C*KH*KW, N*OH*OW) back into an (N, C, H, W) image.

    Where windows overlap their contributions add, which is what the gradient of
    im2col is. Padding is cut off at the end. ``out`` is an optional padded buffer.
    """
    n, c, h, w = x_shape
    kh, kw = kernel
    sh, sw = stride
    oh, ow = out_hw
    (pt, pb), (pl, pr) = pads
    hp, wp = h + pt + pb, w + pl + pr
    if out is None:
        out = np.empty((n, c, hp, wp), dtype=cols.dtype)
    c6 = cols.reshape(c, kh, kw, n, oh, ow)

    def part(lo, hi):                    # channels lo..hi
        o = out[:, lo:hi]
        o.fill(0)
        for i in range(kh):
            for j in range(kw):
                o[:, :, i:i + sh * (oh - 1) + 1:sh, j:j + sw * (ow - 1) + 1:sw] += \
                    c6[lo:hi, i, j].transpose(1, 0, 2, 3)
    split_run(part, c, cols.size)
    return out[:, :, pt:pt + h, pl:pl + w]


def im2col(x: np.ndarray, kernel, stride=1, padding=0, rounding: str = "exact") -> np.ndarray:
    """Textbook im2col: (N, C, H, W) -> (N*OH*OW, C*KH*KW), one window per row.

    Rows are ordered by image, then output row, then output column; columns by
    channel, then kernel row, then kernel column. A (1, 3, 7, 7) input with a
    5x5 window, stride 1, no padding gives (9, 75); ten such images give (90, 75).
    """
    kernel, stride = as_pair(kernel, "kernel"), as_pair(stride, "stride")
    n, c, h, w = x.shape
    (oh, ow), pads = window_output_hw((h, w), kernel, stride, padding, rounding, "im2col")
    cols = np.empty((c * kernel[0] * kernel[1], n * oh * ow), dtype=x.dtype)
    fill_cols(pad_nchw(x, pads), kernel, stride, (oh, ow), cols)
    return cols.T


def col2im(col: np.ndarray, x_shape, kernel, stride=1, padding=0, rounding: str = "exact") -> np.ndarray:
    """Textbook col2im, the adjoint of :func:`im2col`: (N*OH*OW, C*KH*KW) -> (N, C, H, W)."""
    kernel, stride = as_pair(kernel, "kernel"), as_pair(stride, "stride")
    n, c, h, w = x_shape
    out_hw, pads = window_output_hw((h, w), kernel, stride, padding, rounding, "col2im")
    return cols_to_image(np.ascontiguousarray(col.T), x_shape, kernel, stride, out_hw, pads)
