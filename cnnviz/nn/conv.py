"""Conv2D: a bank of learned filters slid over the input (im2col or FFT)."""
from __future__ import annotations

import numpy as np

from . import parallel
from .fftconv import conv2d_fft, conv2d_fft_backward, fft_grid, filter_spectra
from .im2col import cols_per_image_to_image, cols_to_image, fill_cols, fill_cols_per_image
from .init import INITS
from .layer import Layer
from .settings import ROUNDINGS, as_pair, choice, padding_setting, real, whole
from .window import SlidingWindow


def padding_text(padding) -> str:
    """A padding setting as short text: "same", "pad 2", "pad 1,2"."""
    if isinstance(padding, str):
        return padding
    if isinstance(padding, (list, tuple)):
        return f"pad {padding[0]},{padding[1]}"
    return f"pad {padding}"


def window_text(kernel, stride) -> str:
    """Kernel and stride as short text: "5x5/1", "3x2/2,1"."""
    k = f"{kernel[0]}" if kernel[0] == kernel[1] else f"{kernel[0]}x{kernel[1]}"
    s = f"{stride[0]}" if stride[0] == stride[1] else f"{stride[0]},{stride[1]}"
    return f"{kernel[0]}x{kernel[1]}/{s}" if kernel[0] == kernel[1] else f"{k}/{s}"


class Conv2D(SlidingWindow, Layer):
    """Convolution (cross-correlation, as every CNN library computes it).

    Input (N, C, H, W) -> output (N, F, OH, OW) with OH = (H + 2P - KH)/S + 1.
    Parameters: ``W`` (F, C, KH, KW) and ``b`` (F,).

    ``padding``: an int, a pair, ``'valid'``, ``'same'`` (TensorFlow's rule, the
    odd pixel at bottom/right) or ``'full'`` (K-1 on every side).
    ``method='fft'`` computes the forward pass with the FFT (stride 1, 'full'
    or 'valid' only); gradients always come from im2col.
    ``rounding='floor'`` floors a non-integer output size instead of refusing it.
    """

    type = "conv"
    kind = "Conv2D"

    def __init__(self, filters: int, kernel=3, stride=1, padding="valid", name=None,
                 init: str = "he", std: float = 0.01, method: str = "im2col",
                 rounding: str = "exact"):
        super().__init__(name)
        self.filters = whole(filters, "filters")
        self.kernel = as_pair(kernel, "kernel")
        self.stride = as_pair(stride, "stride")
        self.padding = padding_setting(padding)
        self.init = choice(init, "init", INITS)
        self.std = real(std, "std", 0.0, low_open=True)
        self.method = choice(method, "method", ("im2col", "fft"))
        self.rounding = choice(rounding, "rounding", ROUNDINGS)
        if self.method == "fft" and (self.stride != (1, 1) or self.padding not in ("full", "valid")):
            raise ValueError("the FFT method needs stride 1 and padding 'full' or 'valid'")

    def _build(self, in_shape, rng):
        c, oh, ow = self._window_build(in_shape)
        kh, kw = self.kernel
        fan_in, fan_out = c * kh * kw, self.filters * kh * kw
        self._add_param("W", (self.filters, c, kh, kw), rng, self.init, fan_in, fan_out, self.std)
        self._add_param("b", (self.filters,), rng)
        return (self.filters, oh, ow)

    # -- forward --------------------------------------------------------------
    # Windows of at most this many numbers use the per-image column layout (see im2col).
    PER_IMAGE_MAX = 64

    def _cols(self, x, train):
        """Window columns with a final row of ones.

        (C*KH*KW + 1, N*OH*OW), or per image (N, C*KH*KW + 1, OH*OW) for small
        windows. The ones row lets one matrix product add the bias in the
        forward pass and sum the bias gradient in the backward pass.
        """
        n = x.shape[0]
        c = self.in_shape[0]
        oh, ow = self.out_hw
        k = c * self.kernel[0] * self.kernel[1]
        xp = self._padded(x, train)
        if self.per_image:
            cols = self._buffer("cols", (n, k + 1, oh * ow), train)
            cols[:, k] = 1.0
            fill_cols_per_image(xp, self.kernel, self.stride, self.out_hw, cols[:, :k])
        else:
            cols = self._buffer("cols", (k + 1, n * oh * ow), train)
            cols[k] = 1.0
            fill_cols(xp, self.kernel, self.stride, self.out_hw, cols[:k])
        return cols

    @property
    def per_image(self) -> bool:
        return self.in_shape[0] * self.kernel[0] * self.kernel[1] <= self.PER_IMAGE_MAX

    def forward(self, x, train=False):
        """(N, C, H, W) -> (N, F, OH, OW): each filter's correlation with x plus its bias."""
        n = x.shape[0]
        oh, ow = self.out_hw
        f = self.filters
        if self.method == "fft":
            buffer = lambda key, shape, dtype: self._buffer(key, shape, train, dtype)
            y, spectra = conv2d_fft(x, self.params["W"], self.params["b"], self.padding, buffer, keep=True,
                                    w_spectra=self._filter_spectra())
            if train:
                self._x, self._spectra = x, spectra
                self._cols_ready = False
            return y
        cols = self._cols(x, train)
        wb = self._buffer("wb", (f, cols.shape[-2]), train)
        np.copyto(wb[:, :-1], self.params["W"].reshape(f, -1))
        wb[:, -1] = self.params["b"]
        if self.per_image:
            y = self._buffer("y", (n, f, oh, ow), train)
            np.matmul(wb, cols, out=y.reshape(n, f, oh * ow))
        else:
            out = self._buffer("out_fnp", (f, n * oh * ow), train)
            np.matmul(wb, cols, out=out)
            if n == 1:
                y = out.reshape(1, f, oh, ow)
            else:
                y = self._buffer("y", (n, f, oh, ow), train)
                parallel.copyto(y.reshape(n, f, oh * ow), out.reshape(f, n, oh * ow).transpose(1, 0, 2))
        if train:
            self._x = x
            self._cols_ready = True
        return y

    # -- backward -------------------------------------------------------------
    def backward(self, dy, need_dx=True):
        """dy (N, F, OH, OW) -> dx (N, C, H, W), or None unless ``need_dx``; fills
        grads W (F, C, KH, KW) and b (F,)."""
        if self.method == "fft" and not self.per_image:
            return self._fft_backward(dy, need_dx)
        n = dy.shape[0]
        f = self.filters
        oh, ow = self.out_hw
        cols = self._ws["cols"] if self._cols_ready else self._cols(self._x, True)
        k = cols.shape[-2] - 1
        w2 = self.params["W"].reshape(f, k)
        if self.per_image:
            g = self._buffer("gwb_n", (n, f, k + 1), True)
            np.matmul(dy.reshape(n, f, oh * ow), cols.transpose(0, 2, 1), out=g)
            gwb = g.sum(axis=0)
        else:
            dy_f = self._buffer("dy_fnp", (f, n * oh * ow), True)
            parallel.copyto(dy_f.reshape(f, n, oh * ow), dy.reshape(n, f, oh * ow).transpose(1, 0, 2))
            # cols @ dy_f.T (then transposed) runs faster in BLAS than dy_f @ cols.T.
            gwb_t = self._buffer("gwb_t", (k + 1, f), True)
            np.matmul(cols, dy_f.T, out=gwb_t)
            gwb = gwb_t.T
        np.copyto(self.grads["W"].reshape(f, k), gwb[:, :k])
        np.copyto(self.grads["b"], gwb[:, k])
        if not need_dx:
            return None
        # The columns are no longer needed: their buffer takes the column gradient.
        self._cols_ready = False
        c, h, w = self.in_shape
        dxp = self._buffer("dxp", (n, c) + tuple(self.padded_hw), True)
        if self.per_image:
            dcols = cols[:, :k]
            np.matmul(w2.T, dy.reshape(n, f, oh * ow), out=dcols)
            return cols_per_image_to_image(dcols, (n, c, h, w), self.kernel, self.stride, self.out_hw,
                                           self.pads, out=dxp)
        dcols = cols[:k]
        np.matmul(w2.T, dy_f, out=dcols)
        return cols_to_image(dcols, (n, c, h, w), self.kernel, self.stride, self.out_hw, self.pads, out=dxp)

    def _filter_spectra(self):
        """The filters' spectra, recomputed only when the weights have changed since the
        last forward pass (inference with fixed weights transforms them once)."""
        w, ws = self.params["W"], self._ws
        seen = ws.get("fft_w_seen")
        if seen is not None and np.array_equal(seen, w):
            return ws["fft_w"]
        size = fft_grid(self.in_shape[1:], self.kernel)
        spectra = filter_spectra(w, size, lambda key, shape, dtype: self._buffer(key, shape, True, dtype))
        self._buffer("fft_w_seen", w.shape, True)[...] = w
        return spectra

    def _fft_backward(self, dy, need_dx):
        """Backward from the forward pass's spectra: no window columns are built."""
        buffer = lambda key, shape, dtype: self._buffer(key, shape, True, dtype)
        dw, db, dx = conv2d_fft_backward(dy, self._spectra, self.in_shape[1:], self.kernel, self.padding,
                                         need_dx, buffer)
        np.copyto(self.grads["W"], dw)
        np.copyto(self.grads["b"], db)
        return dx

    # -- describing -----------------------------------------------------------
    def config(self):
        cfg = {"filters": self.filters, "kernel": list(self.kernel), "stride": list(self.stride),
               "padding": self.padding, "init": self.init}
        if self.init == "normal":
            cfg["std"] = self.std
        if self.method != "im2col":
            cfg["method"] = self.method
        if self.rounding != "exact":
            cfg["rounding"] = self.rounding
        return cfg

    def describe(self):
        text = f"{window_text(self.kernel, self.stride)} {padding_text(self.padding)}"
        return text + (" fft" if self.method == "fft" else "")
