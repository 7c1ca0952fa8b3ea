"""Max and average pooling over KH x KW windows.

Both are computed separably: first along the height (one pass per kernel row
offset), then along the width (one pass per kernel column offset). A max over
a window is the max over its columns of the max over its rows, and an average
likewise, so this gives the same result as a 2-D window while touching each
element KH+KW times instead of KH*KW times and never looping over pixels.
Height goes first because its taps are whole contiguous rows (fast); the
strided width taps then only see the already-reduced rows.

Max pooling records, per output, which kernel row and column won; the
backward pass routes each gradient to exactly that one input, and
:meth:`MaxPool2D.winners` reports the positions for the visualizer.
"""
from __future__ import annotations

import numpy as np

from .conv import padding_text, window_text
from .layer import Layer
from .parallel import split_run
from .settings import ROUNDINGS, as_pair, choice, padding_setting
from .window import SlidingWindow


def _taps(size_out: int, stride: int, offset: int) -> slice:
    """The input indices read by kernel offset ``offset`` for all outputs."""
    return slice(offset, offset + stride * (size_out - 1) + 1, stride)


def _real_cells(size: int, before: int, padded: int, k: int, stride: int, n_out: int) -> np.ndarray:
    """For each of ``n_out`` windows along one axis, how many of its ``k`` cells are
    real input (``size`` cells starting at ``before`` in a ``padded``-long axis)."""
    real = np.zeros(padded)
    real[before:before + size] = 1
    return sum(real[_taps(n_out, stride, off)] for off in range(k))


class _Pool2D(SlidingWindow, Layer):
    pad_value = 0.0

    def __init__(self, kernel=2, stride=None, padding="valid", name=None, rounding: str = "exact"):
        super().__init__(name)
        self.kernel = as_pair(kernel, "kernel")
        self.stride = as_pair(self.kernel if stride is None else stride, "stride")
        self.padding = padding_setting(padding)
        self.rounding = choice(rounding, "rounding", ROUNDINGS)

    def _build(self, in_shape, rng):
        return self._window_build(in_shape)

    def _padded(self, x, train):
        return super()._padded(x, train, self.pad_value)

    def _backward_buffers(self, dy):
        """(d_cols, dxp): the row-reduced and the padded input gradient for dy (N, C, OH, OW)."""
        n, c, oh = dy.shape[:3]
        return (self._buffer("d_cols", (n, c, oh, self.padded_hw[1]), True, batch_last=True),
                self._buffer("dxp", (n, c) + tuple(self.padded_hw), True, batch_last=True))

    def config(self):
        cfg = {"kernel": list(self.kernel), "stride": list(self.stride), "padding": self.padding}
        if self.rounding != "exact":
            cfg["rounding"] = self.rounding
        return cfg

    def describe(self):
        return f"{window_text(self.kernel, self.stride)} {padding_text(self.padding)}"


class MaxPool2D(_Pool2D):
    """Max over each window. Padding ('same', ints) counts as -inf, never as a winner."""

    type = "maxpool"
    kind = "MaxPool2D"
    pad_value = -np.inf

    @staticmethod
    def _max_along(src, axis, n_out, stride, k, best, arg, beats):
        """Max over ``k`` strided taps of ``src`` along ``axis`` (2 = H, 3 = W) into
        ``best``, and the winning tap into ``arg`` (``beats`` is scratch).

        Branch-free: a masked copy with an unpredictable mask is ten times slower
        than these element-wise ops. Taps come in increasing order, so "the winner
        becomes ``off`` where ``off`` beats the best so far" is max(arg, off * beats).
        """
        def tap(off):
            idx = [slice(None)] * 4
            idx[axis] = _taps(n_out, stride, off)
            return src[tuple(idx)]

        if k == 1:
            np.copyto(best, tap(0))
            arg.fill(0)
            return
        np.greater(tap(1), tap(0), out=beats)
        np.copyto(arg, beats.view(np.uint8))
        np.maximum(tap(0), tap(1), out=best)
        for off in range(2, k):
            v = tap(off)
            np.greater(v, best, out=beats)
            np.maximum(best, v, out=best)
            np.maximum(arg, beats.view(np.uint8) * np.uint8(off), out=arg)

    def _forward(self, x, train):
        xp = self._padded(x, train)
        n, c = x.shape[:2]
        (kh, kw), (sh, sw), (oh, ow) = self.kernel, self.stride, self.out_hw
        wp = self.padded_hw[1]
        buf = lambda key, shape, dtype=None: self._buffer(key, shape, train, dtype, batch_last=True)
        cols, arg_h, beats_h = buf("cols", (n, c, oh, wp)), buf("arg_h", (n, c, oh, wp), np.uint8), \
            buf("beats_h", (n, c, oh, wp), bool)
        y, arg_w, beats_w = buf("y", (n, c, oh, ow)), buf("arg_w", (n, c, oh, ow), np.uint8), \
            buf("beats_w", (n, c, oh, ow), bool)

        def part(lo, hi):                 # channels lo..hi: rows first (contiguous), then columns
            ch = lambda a: a[:, lo:hi]
            self._max_along(ch(xp), 2, oh, sh, kh, ch(cols), ch(arg_h), ch(beats_h))
            self._max_along(ch(cols), 3, ow, sw, kw, ch(y), ch(arg_w), ch(beats_w))
        split_run(part, c, xp.size)
        return y, arg_h, arg_w

    def forward(self, x, train=False):
        """(N, C, H, W) -> (N, C, OH, OW): the largest value of each window."""
        if not train:
            return self._max_only(x)
        y, arg_h, arg_w = self._forward(x, train)
        self._arg_h, self._arg_w = arg_h, arg_w
        return y

    def _max_only(self, x):
        """Inference: the maxima alone, rows then columns, without recording the winners."""
        xp = self._padded(x, False)
        (kh, kw), (sh, sw), (oh, ow) = self.kernel, self.stride, self.out_hw
        rows = xp[:, :, _taps(oh, sh, 0)]
        for off in range(1, kh):
            rows = np.maximum(rows, xp[:, :, _taps(oh, sh, off)])
        y = rows[:, :, :, _taps(ow, sw, 0)]
        for off in range(1, kw):
            y = np.maximum(y, rows[:, :, :, _taps(ow, sw, off)])
        return np.array(y) if kw == 1 else y

    def backward(self, dy, need_dx=True):
        """dy (N, C, OH, OW) -> dx (N, C, H, W): each gradient goes to its window's winner."""
        if not need_dx:
            return None
        (kh, kw), (sh, sw), (oh, ow) = self.kernel, self.stride, self.out_hw
        buf = lambda key, shape, dtype=None: self._buffer(key, shape, True, dtype, batch_last=True)
        d_cols, dxp = self._backward_buffers(dy)
        mask_w, tmp_w = buf("mask_w", dy.shape, bool), buf("tmp_w", dy.shape)
        mask_h, tmp_h = buf("mask_h", d_cols.shape, bool), buf("tmp_h", d_cols.shape)
        arg_w, arg_h = self._arg_w, self._arg_h

        def part(lo, hi):                 # channels lo..hi
            ch = lambda a: a[:, lo:hi]
            self._spread(ch(dy), ch(arg_w), ch(d_cols), 3, ow, sw, kw, ch(mask_w), ch(tmp_w))
            self._spread(ch(d_cols), ch(arg_h), ch(dxp), 2, oh, sh, kh, ch(mask_h), ch(tmp_h))
        split_run(part, dy.shape[1], dxp.size)
        return self._crop(dxp)

    @staticmethod
    def _spread(grad, arg, dst, axis, n_out, stride, k, mask, tmp):
        """Send each gradient to the tap that won along ``axis`` (mask and tmp are scratch)."""
        covers_all = stride == k and n_out * stride == dst.shape[axis]
        if not covers_all:
            dst.fill(0)
        for off in range(k):
            idx = [slice(None)] * 4
            idx[axis] = _taps(n_out, stride, off)
            view = dst[tuple(idx)]
            np.equal(arg, off, out=mask)
            if covers_all:                       # windows tile the input: plain assignment
                np.multiply(grad, mask, out=view)
            else:                                # windows overlap or leave gaps: accumulate
                np.multiply(grad, mask, out=tmp)
                view += tmp

    def winners(self, x: np.ndarray) -> np.ndarray:
        """For each output, the input position that won its max.

        x: (N, C, H, W). Returns int64 (N, C, OH, OW, 2) of (row, col) in x's
        unpadded coordinates. Does not disturb a training step's caches.
        """
        _, arg_h, arg_w = self._forward(x, False)
        (sh, sw), (oh, ow) = self.stride, self.out_hw
        (pt, _), (pl, _) = self.pads
        cols_p = np.arange(ow) * sw + arg_w.astype(np.intp)               # N C OH OW, padded columns
        rows_p = np.arange(oh)[:, None] * sh + np.take_along_axis(arg_h, cols_p, axis=3)
        return np.stack([rows_p - pt, cols_p - pl], axis=-1).astype(np.int64)

    def winner(self, x: np.ndarray, row: int, col: int) -> tuple:
        """(row, col) in x (H, W) - one map - of the cell that won output cell (row, col)'s max.

        Ties go where :meth:`winners` sends them: the leftmost column holding the
        maximum, the top cell of it (rows are reduced first, then columns).
        """
        top, left, bottom, right = self.window_bounds(row, col)
        window = x[top:bottom, left:right].T
        c, r = np.unravel_index(int(np.argmax(window)), window.shape)
        return top + int(r), left + int(c)


class AvgPool2D(_Pool2D):
    """Mean over each window. Padded cells are left out of the mean (TensorFlow's rule)."""

    type = "avgpool"
    kind = "AvgPool2D"

    def _build(self, in_shape, rng):
        out = super()._build(in_shape, rng)
        if self._allocate:
            # How many real (unpadded) cells each window holds: rows times columns.
            (oh, ow), (sh, sw), (kh, kw) = self.out_hw, self.stride, self.kernel
            rows = _real_cells(in_shape[1], self.pads[0][0], self.padded_hw[0], kh, sh, oh)
            cols = _real_cells(in_shape[2], self.pads[1][0], self.padded_hw[1], kw, sw, ow)
            self.count = np.outer(rows, cols).astype(self.dtype)
            self.inv_count = (1.0 / self.count).astype(self.dtype)
        return out

    def _sum(self, xp, train):
        (kh, kw), (sh, sw), (oh, ow) = self.kernel, self.stride, self.out_hw
        n, c = xp.shape[:2]
        cols = self._buffer("cols", (n, c, oh, xp.shape[3]), train, dtype=xp.dtype, batch_last=True)
        np.copyto(cols, xp[:, :, _taps(oh, sh, 0)])
        for off in range(1, kh):
            cols += xp[:, :, _taps(oh, sh, off)]
        y = self._buffer("sum", (n, c, oh, ow), train, dtype=xp.dtype, batch_last=True)
        np.copyto(y, cols[:, :, :, _taps(ow, sw, 0)])
        for off in range(1, kw):
            y += cols[:, :, :, _taps(ow, sw, off)]
        return y

    def forward(self, x, train=False):
        """(N, C, H, W) -> (N, C, OH, OW): the mean of each window's real (unpadded) cells."""
        y = self._sum(self._padded(x, train), train)
        y *= self.inv_count
        return y

    def backward(self, dy, need_dx=True):
        """dy (N, C, OH, OW) -> dx (N, C, H, W): each gradient shared evenly by its window's cells."""
        if not need_dx:
            return None
        (kh, kw), (sh, sw), (oh, ow) = self.kernel, self.stride, self.out_hw
        g = self._like("g", dy, True)
        np.multiply(dy, self.inv_count, out=g)
        d_cols, dxp = self._backward_buffers(dy)
        d_cols.fill(0)
        for off in range(kw):
            d_cols[:, :, :, _taps(ow, sw, off)] += g
        dxp.fill(0)
        for off in range(kh):
            dxp[:, :, _taps(oh, sh, off)] += d_cols
        return self._crop(dxp)
