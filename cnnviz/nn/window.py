"""What convolution and pooling share: a KH x KW window slid with a stride over a padded input.

:class:`SlidingWindow` works out the output size and the padding, pads a batch,
and answers questions about the geometry (which input cells the window behind
an output cell covers), so views never redo this arithmetic.
"""
from __future__ import annotations

from typing import Tuple

import numpy as np

from . import layout
from .shapes import ShapeError, window_output_hw


class SlidingWindow:
    """Mixin for layers with ``kernel``, ``stride``, ``padding`` and ``rounding`` settings.

    After :meth:`_window_build`: ``pads`` ((top, bottom), (left, right)),
    ``out_hw`` (OH, OW) and ``padded_hw`` (H + top + bottom, W + left + right).
    """

    def _window_build(self, in_shape) -> Tuple[int, int, int]:
        """Check a (C, H, W) input shape, fix ``pads``/``out_hw``/``padded_hw``; return (C, OH, OW)."""
        if len(in_shape) != 3:
            raise ShapeError(f"{self.name}: {self.kind} needs (channels, height, width) input, got {in_shape}")
        c, h, w = in_shape
        self.out_hw, self.pads = window_output_hw((h, w), self.kernel, self.stride, self.padding,
                                                  self.rounding, where=f"layer {self.name!r} ({self.kind})")
        (pt, pb), (pl, pr) = self.pads
        self.padded_hw = (h + pt + pb, w + pl + pr)
        return (c,) + tuple(self.out_hw)

    def _padded(self, x: np.ndarray, train: bool, fill: float = 0.0) -> np.ndarray:
        """x (N, C, H, W) inside a border of ``fill``, in batch-last memory (x itself when
        there is no padding and it is batch-last already)."""
        (pt, pb), (pl, pr) = self.pads
        if pt == pb == pl == pr == 0:
            return layout.batch_last(x)
        n, c, h, w = x.shape
        xp = self._buffer("xp", (n, c) + tuple(self.padded_hw), train, fill=fill, batch_last=True)
        xp[:, :, pt:pt + h, pl:pl + w] = x
        return xp

    def _crop(self, xp: np.ndarray) -> np.ndarray:
        """The (N, C, H, W) interior of a padded batch xp (N, C, Hp, Wp): a view."""
        (pt, _), (pl, _) = self.pads
        h, w = self.in_shape[1:]
        return xp[:, :, pt:pt + h, pl:pl + w]

    def window_spans(self, axis: int) -> Tuple[np.ndarray, np.ndarray]:
        """(starts, ends) of every output row (``axis`` 0) or column (1)'s window, in the
        unpadded input's coordinates, ends exclusive. Windows reaching into the padding
        start below 0 or end past the input's size."""
        n_out, k, s, before = self.out_hw[axis], self.kernel[axis], self.stride[axis], self.pads[axis][0]
        starts = np.arange(n_out) * s - before
        return starts, starts + k

    def window_bounds(self, row: int, col: int, clip: bool = True) -> Tuple[int, int, int, int]:
        """(top, left, bottom, right) input cells of output cell (row, col)'s window, ends
        exclusive; ``clip`` cuts off the padding (else padding cells have indices < 0 or >= size)."""
        (kh, kw), (sh, sw) = self.kernel, self.stride
        top, left = row * sh - self.pads[0][0], col * sw - self.pads[1][0]
        bottom, right = top + kh, left + kw
        if clip:
            h, w = self.in_shape[1:]
            top, left, bottom, right = max(top, 0), max(left, 0), min(bottom, h), min(right, w)
        return top, left, bottom, right

    def window_reduce(self, x: np.ndarray, ufunc, fill: float) -> np.ndarray:
        """``ufunc`` (e.g. np.minimum) over each window of one map x (H, W), padding as
        ``fill``: (OH, OW). For views; a loop over the KH*KW offsets, not over pixels."""
        (kh, kw), (sh, sw), (oh, ow) = self.kernel, self.stride, self.out_hw
        (pt, pb), (pl, pr) = self.pads
        xp = np.full((x.shape[0] + pt + pb, x.shape[1] + pl + pr), fill, x.dtype)
        xp[pt:pt + x.shape[0], pl:pl + x.shape[1]] = x
        out = xp[0:sh * (oh - 1) + 1:sh, 0:sw * (ow - 1) + 1:sw].copy()
        for a in range(kh):
            for b in range(kw):
                ufunc(out, xp[a:a + sh * (oh - 1) + 1:sh, b:b + sw * (ow - 1) + 1:sw], out=out)
        return out
