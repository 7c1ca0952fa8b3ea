"""Convolution through the FFT, as the lite OCR (the ``liteocr`` preset) computes it.

Image and kernel are zero-padded to (H+K-1, W+K-1), transformed with a 2-D
FFT, multiplied, transformed back, and the real part kept: that is the "full"
result; "valid" crops its centre. The kernel is flipped first so the result is
the same cross-correlation an im2col convolution computes (a network's
"convolution" layer correlates): the two methods are interchangeable.

The sum over input channels is one small matrix product per frequency. Spectra
are kept frequency-major and split into real and imaginary halves,
(frequencies, images, [real channels | imaginary channels]), so that each
product is a single real one: [Xr Xi] @ [[Vr, Vi], [-Vi, Vr]] = [Yr Yi]. Real
products of that size run several times faster in BLAS than complex ones.
Work stays in float32 for float32 input and in float64 for float64 input (the
gradient check), except the forward transforms, which run in double precision
(numpy 2's real-input FFT is several times slower in single precision) and are
cast back. The transforms are split over the images and threads.

The backward pass uses the same spectra. With g the output gradient placed
on the (H+K-1, W+K-1) grid, G its spectrum, X the input's and V the flipped
kernel's: the input gradient is irfft(G conj(V)) cropped to H x W, the
flipped kernel's gradient irfft(conj(X) G) cropped to KH x KW (the grid is
exactly the linear convolution's length, so nothing wraps around).
"""
from __future__ import annotations

from typing import Callable, Optional, Tuple

import numpy as np

from .parallel import split_run

Buffer = Callable[[str, tuple, np.dtype], np.ndarray]


def _fresh(name: str, shape: tuple, dtype) -> np.ndarray:
    return np.empty(shape, dtype)


def fft_grid(hw, khw) -> Tuple[int, int]:
    """The transform size (H+KH-1, W+KW-1) for maps ``hw`` and kernels ``khw``."""
    return hw[0] + khw[0] - 1, hw[1] + khw[1] - 1


def _freqs(size) -> int:
    return size[0] * (size[1] // 2 + 1)


def _rfft2(a: np.ndarray, size) -> np.ndarray:
    """np.fft.rfft2 of the last two axes of ``a`` zero-padded to ``size``, computed in float64."""
    return np.fft.rfft2(a.astype(np.float64, copy=False), s=size)


def _spectra(a: np.ndarray, size: Tuple[int, int], out: np.ndarray, flip: bool = False) -> np.ndarray:
    """rfft2 of every (H, W) map of ``a`` (A, B, H, W), zero-padded to ``size`` and flipped
    first when ``flip``, written split and frequency-major into ``out`` (freqs, A, 2B)."""
    n, c = a.shape[:2]
    src = a[:, :, ::-1, ::-1] if flip else a

    def part(lo, hi):
        s = _rfft2(src[lo:hi], size).reshape(hi - lo, c, -1).transpose(2, 0, 1)
        out[:, lo:hi, :c] = s.real
        out[:, lo:hi, c:] = s.imag
    split_run(part, n, out.size)
    return out


def _maps(spec: np.ndarray, size: Tuple[int, int], rows: slice, cols: slice, out: np.ndarray,
          add: Optional[np.ndarray] = None) -> np.ndarray:
    """Inverse of :func:`_spectra`: split spectra (freqs, A, 2B) -> real maps cropped to
    ``rows``, ``cols`` and written into ``out`` (A, B, h, w), plus ``add`` (B,) when given."""
    _, n, c2 = spec.shape
    c = c2 // 2
    ctype = np.result_type(spec.dtype, np.complex64)

    def part(lo, hi):
        s = np.empty((hi - lo, c, spec.shape[0]), ctype)
        s.real = spec[:, lo:hi, :c].transpose(1, 2, 0)
        s.imag = spec[:, lo:hi, c:].transpose(1, 2, 0)
        r = np.fft.irfft2(s.reshape(hi - lo, c, size[0], -1), s=size)[:, :, rows, cols]
        if add is None:
            np.copyto(out[lo:hi], r, casting="same_kind")
        else:
            np.add(r, add.reshape(1, -1, 1, 1), out=out[lo:hi], casting="same_kind")
    split_run(part, n, n * c * size[0] * size[1])
    return out


def filter_spectra(w: np.ndarray, size: Tuple[int, int], buffer: Buffer = _fresh) -> np.ndarray:
    """The flipped filters w (F, C, KH, KW) on the grid ``size`` as the real block matrix
    [[Vr, Vi], [-Vi, Vr]] of each frequency: (freqs, 2C, 2F) in w's dtype."""
    f, c = w.shape[:2]
    out = buffer("fft_w", (_freqs(size), 2 * c, 2 * f), w.dtype)
    v = _spectra(w, size, buffer("fft_v", (out.shape[0], f, 2 * c), w.dtype), flip=True)   # freqs F [Vr Vi]
    vr, vi = v[:, :, :c].transpose(0, 2, 1), v[:, :, c:].transpose(0, 2, 1)         # freqs C F
    out[:, :c, :f] = vr
    out[:, :c, f:] = vi
    np.negative(vi, out=out[:, c:, :f])
    out[:, c:, f:] = vr
    return out


def conv2d_fft(x: np.ndarray, w: np.ndarray, b: np.ndarray | None = None, mode: str = "valid",
               buffer: Buffer = _fresh, keep: bool = False, w_spectra: Optional[np.ndarray] = None,
               w_complex: Optional[np.ndarray] = None):
    """Stride-1 convolution layer output by FFT.

    x: (N, C, H, W) input; w: (F, C, KH, KW) filters; b: (F,) biases or None.
    mode ``'full'`` gives (N, F, H+KH-1, W+KW-1), ``'valid'`` (N, F, H-KH+1, W-KW+1),
    in x's dtype. ``buffer(name, shape, dtype)`` supplies work arrays (fresh ones
    by default); ``w_spectra``, when given, is :func:`filter_spectra` of ``w`` and
    ``w_complex`` :func:`complex_spectra` of that.
    With ``keep=True`` returns ``(y, (X, V))``, the input's and the filters'
    spectra that :func:`conv2d_fft_backward` needs.
    """
    if mode not in ("full", "valid"):
        raise ValueError(f"FFT convolution supports 'full' and 'valid', not {mode!r}")
    n, c, h, wd = x.shape
    f, c2, kh, kw = w.shape
    if c != c2:
        raise ValueError(f"input has {c} channels but the filters expect {c2}")
    size = fft_grid((h, wd), (kh, kw))
    vs = filter_spectra(w.astype(x.dtype, copy=False), size) if w_spectra is None else w_spectra
    if mode == "valid":
        rows, cols, out_hw = slice(kh - 1, h), slice(kw - 1, wd), (h - kh + 1, wd - kw + 1)
    else:
        rows, cols, out_hw = slice(None), slice(None), size
    y = buffer("y", (n, f) + out_hw, x.dtype)
    if not keep and n <= FEW_IMAGES:
        return _few_images(x, complex_spectra(vs) if w_complex is None else w_complex, size, rows, cols, y, b)
    xs = _spectra(x, size, buffer("fft_x", (_freqs(size), n, 2 * c), x.dtype))
    ys = np.matmul(xs, vs, out=buffer("fft_y", (_freqs(size), n, 2 * f), x.dtype))
    _maps(ys, size, rows, cols, y, b)
    return (y, (xs, vs)) if keep else y


# Batches of at most this many images (at inference) multiply complex spectra directly.
FEW_IMAGES = 4


def complex_spectra(vs: np.ndarray) -> np.ndarray:
    """The filters' spectra as complex (freqs, C, F) from :func:`filter_spectra`'s real blocks."""
    c, f = vs.shape[1] // 2, vs.shape[2] // 2
    v = np.empty((vs.shape[0], c, f), np.result_type(vs.dtype, np.complex64))
    v.real, v.imag = vs[:, :c, :f], vs[:, :c, f:]
    return v


def _few_images(x, v, size, rows, cols, out, b):
    """:func:`conv2d_fft` for a few images with complex filter spectra ``v`` (freqs, C, F):
    one complex product per frequency (the split real form pays off only for batches)."""
    n, c = x.shape[:2]
    f = v.shape[2]
    spec = _rfft2(x, size).reshape(n, c, -1).transpose(2, 0, 1)             # freqs N C
    spec = spec.astype(v.dtype, copy=False)
    # One input channel: a broadcast product, cheaper than a matrix product per frequency.
    y = spec * v if c == 1 else np.matmul(spec, v)                            # freqs N F
    maps = np.fft.irfft2(y.transpose(1, 2, 0).reshape(n, f, size[0], -1), s=size)
    np.copyto(out, maps[:, :, rows, cols], casting="same_kind")
    if b is not None:
        out += b.reshape(1, -1, 1, 1)
    return out


def conv2d_fft_backward(dy: np.ndarray, spectra, in_hw, khw, mode: str, need_dx: bool = True,
                        buffer: Buffer = _fresh):
    """Gradients of :func:`conv2d_fft` from the output gradient dy (N, F, OH, OW).

    ``spectra`` is what the forward pass returned with ``keep=True``. Returns
    ``(dW (F, C, KH, KW), db (F,), dx (N, C, H, W) or None)``; dx is computed
    only when ``need_dx``.
    """
    xs, vs = spectra
    n, f = dy.shape[:2]
    (h, wd), (kh, kw) = in_hw, khw
    c = xs.shape[2] // 2
    size = fft_grid(in_hw, khw)
    if mode == "valid":                  # place dy on the full grid, zeros around it
        g = buffer("fft_g", (n, f) + size, dy.dtype)
        g.fill(0)
        g[:, :, kh - 1:h, kw - 1:wd] = dy
    else:
        g = dy
    gs = _spectra(g, size, buffer("fft_gs", (xs.shape[0], n, 2 * f), dy.dtype))
    # [Xr Xi]^T [Gr Gi] = [[Xr'Gr, Xr'Gi], [Xi'Gr, Xi'Gi]]; conj(X)^T G is
    # (Xr'Gr + Xi'Gi) + i (Xr'Gi - Xi'Gr).
    p = np.matmul(xs.transpose(0, 2, 1), gs, out=buffer("fft_p", (xs.shape[0], 2 * c, 2 * f), dy.dtype))
    dvs = buffer("fft_dv", (xs.shape[0], c, 2 * f), dy.dtype)
    np.add(p[:, :c, :f], p[:, c:, f:], out=dvs[:, :, :f])
    np.subtract(p[:, :c, f:], p[:, c:, :f], out=dvs[:, :, f:])
    dw_t = _maps(dvs, size, slice(0, kh), slice(0, kw), buffer("fft_dw", (c, f, kh, kw), dy.dtype))
    dw = dw_t.transpose(1, 0, 2, 3)[:, :, ::-1, ::-1]
    db = dy.sum(axis=(0, 2, 3))
    if not need_dx:
        return dw, db, None
    # G conj(V)^T in split form is [Gr Gi] @ [[Vr, Vi], [-Vi, Vr]]^T.
    dxs = np.matmul(gs, vs.transpose(0, 2, 1), out=buffer("fft_dx", (xs.shape[0], n, 2 * c), dy.dtype))
    dx = _maps(dxs, size, slice(0, h), slice(0, wd), buffer("dx", (n, c, h, wd), dy.dtype))
    return dw, db, dx
