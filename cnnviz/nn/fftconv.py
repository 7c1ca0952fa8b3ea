"""Convolution through the FFT, as the lite OCR of MISSION section 1 computes it.

Image and kernel are zero-padded to (H+K-1, W+K-1), transformed with a 2-D
FFT, multiplied, transformed back, and the real part kept: that is the "full"
result; "valid" crops its centre. The kernel is flipped first so the result is
the same cross-correlation an im2col convolution computes (a network's
"convolution" layer correlates): the two methods are interchangeable.
"""
from __future__ import annotations

import numpy as np


def conv2d_fft(x: np.ndarray, w: np.ndarray, b: np.ndarray | None = None, mode: str = "valid") -> np.ndarray:
    """Stride-1 convolution layer output by FFT.

    x: (N, C, H, W) input; w: (F, C, KH, KW) filters; b: (F,) biases or None.
    mode ``'full'`` gives (N, F, H+KH-1, W+KW-1), ``'valid'`` (N, F, H-KH+1, W-KW+1).
    Computed in float64 and returned in x's dtype.
    """
    if mode not in ("full", "valid"):
        raise ValueError(f"FFT convolution supports 'full' and 'valid', not {mode!r}")
    n, c, h, wd = x.shape
    f, c2, kh, kw = w.shape
    if c != c2:
        raise ValueError(f"input has {c} channels but the filters expect {c2}")
    size = (h + kh - 1, wd + kw - 1)
    xf = np.fft.rfft2(x.astype(np.float64, copy=False), s=size)              # N C Hf Wf
    wf = np.fft.rfft2(w[:, :, ::-1, ::-1].astype(np.float64), s=size)         # F C Hf Wf
    # Sum over input channels in the frequency domain: one complex product per frequency.
    yf = np.einsum("nchw,fchw->nfhw", xf, wf, optimize=True)
    y = np.fft.irfft2(yf, s=size)
    if mode == "valid":
        y = y[:, :, kh - 1:h, kw - 1:wd]
    if b is not None:
        y = y + b.reshape(1, -1, 1, 1)
    return np.ascontiguousarray(y, dtype=x.dtype)
