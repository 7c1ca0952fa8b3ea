"""Stride-1 convolution as one matrix product per output row ("row bands").

im2col (nn.im2col) copies every input number KH*KW times before one large
product. For stride 1 a smaller copy does: the *bands* array of shape
(Hp, C, KW, OW, N), with ``bands[r, c, j, w, n] = xp[c, r, w + j, n]`` where
xp is the padded batch-last input (C, Hp, Wp, N). Read as a matrix of
Hp*C*KW rows, the window rows (i, c, j) of output row h are the KH*C*KW
consecutive rows starting at h*C*KW: a view, nothing copied again. So output
row h is one product ``filters (F, KH*C*KW) @ bands[h*C*KW : (h+KH)*C*KW]``
written straight into the batch-last output, and the input is copied KW
times instead of KH*KW.

The weight gradient sums one product per output row over the same bands. The
input gradient of a stride-1 convolution is itself one: the output gradient
correlated with the filters turned by 180 degrees and their channel axes
swapped, with padding K-1-P on each side; so it runs through the same code and
no col2im (which adds KH*KW overlapping windows) is needed.

Every array here is batch-last memory (see nn.layout): maps (C, H, W, N).
"""
from __future__ import annotations

from typing import Optional, Tuple

import numpy as np

from . import parallel

Pads = Tuple[Tuple[int, int], Tuple[int, int]]


def supports(kernel, stride, pads: Pads) -> bool:
    """Whether a layer with these settings can use row bands forward and backward:
    stride 1 and no side padded by more than the kernel's size minus one (the input
    gradient's padding K-1-P must not be negative)."""
    (kh, kw), ((pt, pb), (pl, pr)) = kernel, pads
    return tuple(stride) == (1, 1) and max(pt, pb) <= kh - 1 and max(pl, pr) <= kw - 1


def filter_rows(w: np.ndarray) -> np.ndarray:
    """Filters (F, C, KH, KW) as the (F, KH*C*KW) matrix whose columns follow the
    bands' row order (kernel row, channel, kernel column)."""
    f, c, kh, kw = w.shape
    return np.ascontiguousarray(w.transpose(0, 2, 1, 3)).reshape(f, kh * c * kw)


def gradient_filter_rows(w: np.ndarray) -> np.ndarray:
    """The filters that give the input gradient, in :func:`filter_rows` order: W (F, C, KH, KW)
    turned by 180 degrees with F and C swapped, (C, KH*F*KW)."""
    return filter_rows(w[:, :, ::-1, ::-1].transpose(1, 0, 2, 3))


def gradient_pads(kernel, pads: Pads) -> Pads:
    """Padding of the output gradient for the input gradient's convolution: K-1-P per side."""
    (kh, kw), ((pt, pb), (pl, pr)) = kernel, pads
    return (kh - 1 - pt, kh - 1 - pb), (kw - 1 - pl, kw - 1 - pr)


def bands_shape(x_shape_mem, kernel, pads: Pads, out_hw) -> tuple:
    """(Hp, C, KW, OW, N), the bands of a batch-last input of shape (C, H, W, N)."""
    c, h, _w, n = x_shape_mem
    return (h + pads[0][0] + pads[0][1], c, kernel[1], out_hw[1], n)


def fill_bands(x_mem: np.ndarray, kernel, pads: Pads, bands: np.ndarray, rows=None) -> np.ndarray:
    """Write the padded rows ``rows`` = (lo, hi) (all when None) of ``bands`` (Hp, C, KW, OW, N)
    from the batch-last input x_mem (C, H, W, N); padding cells become 0."""
    _c, h, w, _n = x_mem.shape
    (pt, _pb), (pl, _pr) = pads
    ow = bands.shape[3]
    lo, hi = (0, bands.shape[0]) if rows is None else rows
    a, b = max(lo, pt), min(hi, pt + h)          # padded rows that hold input rows
    if a >= b:
        bands[lo:hi] = 0
        return bands
    bands[lo:a] = 0
    bands[b:hi] = 0
    src = x_mem[:, a - pt:b - pt].transpose(1, 0, 2, 3)         # (rows, C, W, N)
    for j in range(kernel[1]):
        w_lo, w_hi = max(0, pl - j), min(ow, w + pl - j)    # output columns whose tap j is inside
        dst = bands[a:b, :, j]
        dst[:, :, :w_lo] = 0
        dst[:, :, w_hi:] = 0
        if w_lo < w_hi:
            np.copyto(dst[:, :, w_lo:w_hi], src[:, :, w_lo + j - pl:w_hi + j - pl])
    return bands


def correlate(x_mem: np.ndarray, rows_w: np.ndarray, kernel, pads: Pads, out_hw, bands: np.ndarray,
              y_mem: np.ndarray, bias: Optional[np.ndarray] = None, relu: bool = False) -> np.ndarray:
    """Stride-1 cross-correlation of a batch-last input x_mem (C, H, W, N) with filters
    ``rows_w`` (F, KH*C*KW) (see :func:`filter_rows`), plus ``bias`` (F,) when given, then
    max(., 0) when ``relu``: written into y_mem (F, OH, OW, N), C-contiguous, and returned.
    ``bands`` (see :func:`bands_shape`) is filled on the way and can serve the weight
    gradient afterwards."""
    f, k = rows_w.shape
    kh = kernel[0]
    ck = k // kh                      # bands rows per padded row: C*KW
    oh, ow = out_hw
    n = x_mem.shape[-1]
    parallel.split_run(lambda lo, hi: fill_bands(x_mem, kernel, pads, bands, (lo, hi)), bands.shape[0],
                       bands.size)
    flat = bands.reshape(-1, ow * n)
    y_rows = y_mem.reshape(f, oh, ow * n)
    b = None if bias is None else bias.reshape(f, 1, 1)

    def part(lo, hi):
        for r in range(lo, hi):
            np.matmul(rows_w, flat[r * ck:r * ck + k], out=y_rows[:, r])
        piece = y_rows[:, lo:hi]
        if b is not None:
            piece += b
        if relu:
            np.maximum(piece, 0, out=piece)
    # the work in copied elements: each output number is written once and costs about one
    # copy per 16 multiply-adds (a first layer's K of 9 or 25 is still a large pass to share)
    parallel.split_run(part, oh, y_mem.size * (1 + k // 16))
    return y_mem


def weight_gradient(dy_mem: np.ndarray, bands: np.ndarray, kernel, out: np.ndarray) -> np.ndarray:
    """d loss / d filters in :func:`filter_rows` order, (F, KH*C*KW), into ``out``, from the output
    gradient dy_mem (F, OH, OW, N) (any strides with unit steps along OW*N) and the forward
    pass's ``bands``."""
    f, oh, ow, n = dy_mem.shape
    k = out.shape[1]
    ck = k // kernel[0]
    flat = bands.reshape(-1, ow * n)
    dy_rows = dy_mem.reshape(f, oh, ow * n)

    def part(lo, hi):
        acc = np.zeros((k, f), out.dtype)
        tmp = np.empty((k, f), out.dtype)
        for r in range(lo, hi):          # (window rows, OW*N) @ (OW*N, F): faster than dy @ bands.T
            np.matmul(flat[r * ck:r * ck + k], dy_rows[:, r].T, out=tmp)
            acc += tmp
        return acc
    acc = parallel.split_sum(part, oh, dy_mem.size * (1 + k // 16), np.empty((k, f), out.dtype))
    np.copyto(out, acc.T)
    return out


def rows_to_filters(rows: np.ndarray, shape) -> np.ndarray:
    """The inverse of :func:`filter_rows`: (F, KH*C*KW) -> (F, C, KH, KW) (a copy)."""
    f, c, kh, kw = shape
    return np.ascontiguousarray(rows.reshape(f, kh, c, kw).transpose(0, 2, 1, 3))
