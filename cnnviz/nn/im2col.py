"""im2col / col2im: sliding windows as the columns of a matrix.

The engine keeps the columns "channel-major" and batch-last: an array of shape
``(C*KH*KW, OH*OW*N)`` whose rows are ordered by channel, kernel row, kernel
column, and whose columns by output row, output column, image (see
nn.layout). A convolution is then one matrix product ``W.reshape(F, -1) @ cols``
whose (F, OH*OW*N) result already is the output in batch-last memory, and the
weight gradient another product; nothing is transposed.

The textbook layout ``(N*OH*OW, C*KH*KW)`` (a (1,3,7,7) input and a 5x5 window
give (9, 75)) is what :func:`im2col` returns.

The copies loop over the KH*KW window offsets (25 for a 5x5 kernel), never over
pixels, images or channels: each offset moves one strided block at once, whose
innermost runs are whole rows of images (OW*N numbers at stride 1). The layer
(nn.conv) cuts the work into pieces of output rows or channels for the cores.
"""
from __future__ import annotations

import numpy as np

from . import layout
from .shapes import as_pair, window_output_hw


def _taps(start: int, count: int, stride: int) -> slice:
    return slice(start, start + stride * (count - 1) + 1, stride)


def fill_cols(xp_mem: np.ndarray, kernel, stride, out_hw, cols: np.ndarray, rows=None) -> np.ndarray:
    """Write the windows of a padded batch-last input ``xp_mem`` (C, Hp, Wp, N) into
    ``cols`` (C*KH*KW, OH*OW*N); with ``rows`` = (lo, hi), only output rows lo..hi-1,
    into ``cols`` of shape (C*KH*KW, (hi-lo)*OW*N)."""
    c, n = xp_mem.shape[0], xp_mem.shape[-1]
    (kh, kw), (sh, sw), (oh, ow) = kernel, stride, out_hw
    lo, hi = (0, oh) if rows is None else rows
    dst = cols.reshape(c, kh, kw, hi - lo, ow, n)
    for i in range(kh):
        for j in range(kw):
            np.copyto(dst[:, i, j], xp_mem[:, _taps(i + sh * lo, hi - lo, sh), _taps(j, ow, sw)])
    return cols


def cols_to_image(cols: np.ndarray, kernel, stride, out_hw, out_mem: np.ndarray) -> np.ndarray:
    """col2im: sum the window columns (C*KH*KW, OH*OW*N) back into the padded batch-last
    image ``out_mem`` (C, Hp, Wp, N), overwriting it (any channel range: C is taken from
    ``out_mem``). Where windows overlap their contributions add, which is what the
    gradient of im2col is."""
    c, n = out_mem.shape[0], out_mem.shape[-1]
    (kh, kw), (sh, sw), (oh, ow) = kernel, stride, out_hw
    c6 = cols.reshape(c, kh, kw, oh, ow, n)
    out_mem.fill(0)
    for i in range(kh):
        for j in range(kw):
            out_mem[:, _taps(i, oh, sh), _taps(j, ow, sw)] += c6[:, i, j]
    return out_mem


def im2col(x: np.ndarray, kernel, stride=1, padding=0, rounding: str = "exact") -> np.ndarray:
    """Textbook im2col: (N, C, H, W) -> (N*OH*OW, C*KH*KW), one window per row.

    Rows are ordered by image, then output row, then output column; columns by
    channel, then kernel row, then kernel column. A (1, 3, 7, 7) input with a
    5x5 window, stride 1, no padding gives (9, 75); ten such images give (90, 75).
    """
    kernel, stride = as_pair(kernel, "kernel"), as_pair(stride, "stride")
    n, c, h, w = x.shape
    (oh, ow), ((pt, pb), (pl, pr)) = window_output_hw((h, w), kernel, stride, padding, rounding, "im2col")
    xp = layout.empty((n, c, h + pt + pb, w + pl + pr), x.dtype)
    xp.fill(0)
    xp[:, :, pt:pt + h, pl:pl + w] = x
    cols = np.empty((c * kernel[0] * kernel[1], oh * ow * n), dtype=x.dtype)
    fill_cols(layout.memory(xp), kernel, stride, (oh, ow), cols)
    return cols.reshape(-1, oh, ow, n).transpose(3, 1, 2, 0).reshape(n * oh * ow, -1)


def col2im(col: np.ndarray, x_shape, kernel, stride=1, padding=0, rounding: str = "exact") -> np.ndarray:
    """Textbook col2im, the adjoint of :func:`im2col`: (N*OH*OW, C*KH*KW) -> (N, C, H, W)."""
    kernel, stride = as_pair(kernel, "kernel"), as_pair(stride, "stride")
    n, c, h, w = x_shape
    (oh, ow), ((pt, pb), (pl, pr)) = window_output_hw((h, w), kernel, stride, padding, rounding, "col2im")
    cols = np.ascontiguousarray(col.reshape(n, oh, ow, -1).transpose(3, 1, 2, 0)).reshape(-1, oh * ow * n)
    out = np.empty((c, h + pt + pb, w + pl + pr, n), dtype=col.dtype)
    cols_to_image(cols, kernel, stride, (oh, ow), out)
    return np.ascontiguousarray(layout.from_memory(out)[:, :, pt:pt + h, pl:pl + w])
