"""Conv2D: a bank of learned filters slid over the input (im2col or FFT)."""
from __future__ import annotations

import numpy as np

from . import layout, parallel, rowconv
from .fftconv import complex_spectra, conv2d_fft, conv2d_fft_backward, fft_grid, filter_spectra
from .im2col import cols_to_image, fill_cols
from .init import INITS
from .layer import Layer
from .settings import ROUNDINGS, as_pair, choice, flag, padding_setting, real, whole
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
    Parameters: ``W`` (F, C, KH, KW) and ``b`` (F,); ``bias=False`` leaves ``b``
    out (before a batch normalisation, which removes any per-channel constant).

    ``padding``: an int, a pair, ``'valid'``, ``'same'`` (TensorFlow's rule, the
    odd pixel at bottom/right) or ``'full'`` (K-1 on every side).
    ``method``: ``'im2col'`` (window columns times the filter matrix) or ``'fft'``
    (the forward pass through the FFT; stride 1, 'full' or 'valid' only); both
    compute the same numbers to float rounding.
    ``rounding='floor'`` floors a non-integer output size instead of refusing it.
    im2col's stride-1 layers (every preset's but the FFT ones; ``by_rows``) run
    batches by output rows instead (nn.rowconv: the same sums from a smaller copy
    of the input), and most of them one image by "wide rows" (``wide_for_one``,
    :meth:`_forward_one`).
    """

    type = "conv"
    kind = "Conv2D"
    METHODS = ("im2col", "fft")
    # Windows of at least this many numbers take the FFT method's backward pass through the
    # FFT too; smaller ones (a first layer's) through im2col, which is faster for them.
    FFT_BACKWARD_MIN = 65
    # Batches of at least this many images run by row bands when the layer can (``by_rows``).
    ROWS_MIN_BATCH = 2
    # One image at inference runs by wide rows (``wide_for_one``) when the padded width exceeds
    # the output's by at most 1/this of it (a 3x3 'same' layer on 14 or 28 columns does; a 5x5
    # one on 14 computes 29% unused columns and is faster through im2col).
    WIDE_WASTE_DIVISOR = 6

    def __init__(self, filters: int, kernel=3, stride=1, padding="valid", name=None,
                 init: str = "he", std: float = 0.01, method: str = "im2col",
                 rounding: str = "exact", bias: bool = True):
        super().__init__(name)
        self.bias = flag(bias, "bias")
        self.filters = whole(filters, "filters")
        self.kernel = as_pair(kernel, "kernel")
        self.stride = as_pair(stride, "stride")
        self.padding = padding_setting(padding)
        self.init = choice(init, "init", INITS)
        self.std = real(std, "std", 0.0, low_open=True)
        self.method = choice(method, "method", self.METHODS)
        self.rounding = choice(rounding, "rounding", ROUNDINGS)
        if self.method == "fft" and (self.stride != (1, 1) or self.padding not in ("full", "valid")):
            raise ValueError("the FFT method needs stride 1 and padding 'full' or 'valid'")

    def _build(self, in_shape, rng):
        c, oh, ow = self._window_build(in_shape)
        kh, kw = self.kernel
        fan_in, fan_out = c * kh * kw, self.filters * kh * kw
        self._add_param("W", (self.filters, c, kh, kw), rng, self.init, fan_in, fan_out, self.std)
        if self.bias:
            self._add_param("b", (self.filters,), rng)
        self.by_rows = self.method == "im2col" and rowconv.supports(self.kernel, self.stride, self.pads)
        # one image by rows as wide as the padded input, unless that computes many unused columns
        wp = self.padded_hw[1]
        self.wide_for_one = self.by_rows and (wp - ow) * self.WIDE_WASTE_DIVISOR <= ow
        return (self.filters, oh, ow)

    def _work(self, train):
        """The buffer callable the FFT module takes."""
        return lambda key, shape, dtype: self._buffer(key, shape, train, dtype)

    # -- forward --------------------------------------------------------------
    # im2col runs in pieces of output rows (forward, weight gradient) and of input
    # channels (input gradient), each piece copying its windows and multiplying them
    # on one core while they are still in cache: one hand-over to the threads per pass.
    def _cols(self, x, train, product=None):
        """Window columns of x in batch-last order with a final row of ones when the layer
        has a bias: (C*KH*KW + 1, OH*OW*N). The ones row lets one matrix product add the
        bias in the forward pass and sum the bias gradient in the backward pass.
        ``product(lo, hi, cols_piece)`` is called on each piece of output rows once filled."""
        k = self.in_shape[0] * self.kernel[0] * self.kernel[1]
        oh, ow = self.out_hw
        per_row = ow * x.shape[0]
        cols = self._buffer("cols", (k + self.bias, oh * per_row), train)
        xp_mem = layout.memory(self._padded(x, train))

        def part(lo, hi):
            piece = cols[:, lo * per_row:hi * per_row]
            fill_cols(xp_mem, self.kernel, self.stride, self.out_hw, piece[:k], (lo, hi))
            piece[k:] = 1.0
            if product is not None:
                product(lo, hi, piece)
        parallel.split_run(part, oh, cols.size * (1 + self.filters // 16))
        return cols

    def forward(self, x, train=False, relu=False):
        """(N, C, H, W) -> (N, F, OH, OW): each filter's correlation with x plus its bias;
        ``relu=True`` gives max(that, 0), applied to each piece while it is in cache."""
        self._x, self._spectra, self._cols_ready, self._bands_ready = (x if train else None), None, False, False
        if self._rows_for(x.shape[0]):
            return self._forward_rows(x, train, relu)
        if self.wide_for_one and x.shape[0] == 1 and not train:
            return self._forward_one(x, relu)
        if self.method == "fft":
            spectra = self._filter_spectra()
            if not train and "fft_wc" not in self._ws:          # for single images; kept until W changes
                self._ws["fft_wc"] = complex_spectra(spectra)
            out = conv2d_fft(x, self.params["W"], self.params.get("b"), self.padding, self._work(train),
                             keep=train, w_spectra=spectra, w_complex=self._ws.get("fft_wc"))
            y, self._spectra = out if train else (out, None)
            return np.maximum(y, 0, out=y) if relu else y
        f = self.filters
        wb = self.params["W"].reshape(f, -1)
        if self.bias:
            wb = np.concatenate([wb, self.params["b"][:, None]], axis=1)
        y = self._buffer("y", (x.shape[0], f) + tuple(self.out_hw), train, batch_last=True)
        y_m = layout.memory(y).reshape(f, -1)
        per_row = self.out_hw[1] * x.shape[0]

        def product(lo, hi, piece):
            out = y_m[:, lo * per_row:hi * per_row]
            np.matmul(wb, piece, out=out)
            if relu:
                np.maximum(out, 0, out=out)
        self._cols(x, train, product)
        self._cols_ready = train
        return y

    def _forward_one(self, x, relu):
        """One image at inference, stride 1: the window columns are computed over rows as
        wide as the padded input (Wp), so each kernel offset's columns are one contiguous
        slice of the flattened padded image per channel (KH*KW block copies instead of
        KH*KW*C*OH short rows); the Wp - OW extra columns of each output row are dropped."""
        (kh, kw), ((pt, pb), (pl, pr)) = self.kernel, self.pads
        c, h, w = self.in_shape
        hp, wp = h + pt + pb, w + pl + pr
        oh, ow = self.out_hw
        span = oh * wp
        flat = np.zeros((c, hp * wp + kw - 1), x.dtype)      # the last window row reads kw-1 past the end
        flat[:, :hp * wp].reshape(c, hp, wp)[:, pt:pt + h, pl:pl + w] = x[0]
        k = c * kh * kw
        cols = np.empty((k + self.bias, span), x.dtype)
        blocks = cols[:k].reshape(c, kh, kw, span)
        for i in range(kh):
            for j in range(kw):
                start = i * wp + j
                np.copyto(blocks[:, i, j], flat[:, start:start + span])
        wb = self.params["W"].reshape(self.filters, k)
        if self.bias:
            cols[k] = 1.0
            wb = np.concatenate([wb, self.params["b"][:, None]], axis=1)
        wide = (wb @ cols).reshape(self.filters, oh, wp)
        y = np.empty((1, self.filters, oh, ow), x.dtype)
        if relu:
            np.maximum(wide[:, :, :ow], 0, out=y[0])
        else:
            np.copyto(y[0], wide[:, :, :ow])
        return y

    def _rows_for(self, n: int) -> bool:
        """Whether a batch of n images runs by row bands (one image goes faster through a
        single product, by wide rows or im2col, than through a product per output row)."""
        return self.by_rows and n >= self.ROWS_MIN_BATCH

    def _bands(self, x_mem, train):
        return self._buffer("bands", rowconv.bands_shape(x_mem.shape, self.kernel, self.pads, self.out_hw), train)

    def _forward_rows(self, x, train, relu):
        x_mem = layout.memory(layout.batch_last(x))
        bands = self._bands(x_mem, train)
        y = self._buffer("y", (x.shape[0], self.filters) + tuple(self.out_hw), train, batch_last=True)
        rowconv.correlate(x_mem, rowconv.filter_rows(self.params["W"]), self.kernel, self.pads, self.out_hw,
                          bands, layout.memory(y), self.params.get("b"), relu)
        self._bands_ready = train
        return y

    # -- backward -------------------------------------------------------------
    def backward(self, dy, need_dx=True):
        """dy (N, F, OH, OW) -> dx (N, C, H, W), or None unless ``need_dx``; fills
        grads W (F, C, KH, KW) and b (F,)."""
        if self._rows_for(dy.shape[0]):
            return self._backward_rows(dy, need_dx)
        if self.method == "fft" and self.in_shape[0] * self.kernel[0] * self.kernel[1] >= self.FFT_BACKWARD_MIN:
            dw, db, dx = conv2d_fft_backward(dy, self._spectra, self.in_shape[1:], self.kernel, self.padding,
                                             need_dx, self._work(True))
            return self._store_grads(dw, db, dx)
        f, n = self.filters, dy.shape[0]
        dy_m = layout.memory(layout.batch_last(dy)).reshape(f, -1)
        per_row = self.out_hw[1] * n
        cols = self._ws["cols"] if self._cols_ready else self._cols(self._x, True)
        k = cols.shape[0] - self.bias
        work = cols.size * (1 + f // 16)

        def weight_product(lo, hi):             # output rows lo..hi: cols @ dy.T runs faster than dy @ cols.T
            span = slice(lo * per_row, hi * per_row)
            return cols[:, span] @ dy_m[:, span].T
        gwb_t = self._buffer("gwb_t", (cols.shape[0], f), True)
        parallel.split_sum(weight_product, self.out_hw[0], work, gwb_t)
        self._store_grads(gwb_t[:k].T, gwb_t[k:].sum(axis=0), None)
        if not need_dx:
            return None
        # The columns are no longer needed: their buffer takes the column gradient,
        # a piece of input channels at a time, summed into the input gradient at once.
        self._cols_ready = False
        kk = self.kernel[0] * self.kernel[1]
        w_t = self.params["W"].reshape(f, k).T
        dxp = self._buffer("dxp", (n, self.in_shape[0]) + tuple(self.padded_hw), True, batch_last=True)
        dxp_m = layout.memory(dxp)
        c = self.in_shape[0]
        groups = max(1, c // 8)                 # 8 or more channels a piece keep the product efficient

        def part(g_lo, g_hi):
            lo, hi = c * g_lo // groups, c * g_hi // groups
            dcols = cols[lo * kk:hi * kk]
            np.matmul(w_t[lo * kk:hi * kk], dy_m, out=dcols)
            cols_to_image(dcols, self.kernel, self.stride, self.out_hw, dxp_m[lo:hi])
        parallel.split_run(part, groups, work)
        return self._crop(dxp)

    def _backward_rows(self, dy, need_dx):
        f, w = self.filters, self.params["W"]
        dy_mem = layout.memory(layout.batch_last(dy))
        if self._bands_ready:
            bands = self._ws["bands"]
        else:                               # another forward ran since (a gradient check): fill them again
            x_mem = layout.memory(layout.batch_last(self._x))
            bands = rowconv.fill_bands(x_mem, self.kernel, self.pads, self._bands(x_mem, True))
        rows = rowconv.weight_gradient(dy_mem, bands, self.kernel, self._buffer("gw_rows", (f, w[0].size), True))
        db = dy_mem.reshape(f, -1).sum(axis=1) if self.bias else None
        self._store_grads(rowconv.rows_to_filters(rows, w.shape), db, None)
        if not need_dx:
            return None
        pads = rowconv.gradient_pads(self.kernel, self.pads)
        in_hw = self.in_shape[1:]
        dbands = self._buffer("dbands", rowconv.bands_shape(dy_mem.shape, self.kernel, pads, in_hw), True)
        dx = self._buffer("dx", (dy.shape[0],) + tuple(self.in_shape), True, batch_last=True)
        rowconv.correlate(dy_mem, rowconv.gradient_filter_rows(w), self.kernel, pads, in_hw, dbands,
                          layout.memory(dx))
        return dx

    def _store_grads(self, dw, db, dx):
        np.copyto(self.grads["W"], dw.reshape(self.grads["W"].shape))
        if self.bias:
            np.copyto(self.grads["b"], db)
        return dx

    def _filter_spectra(self):
        """The filters' spectra, recomputed only when the weights have changed since the
        last forward pass (inference with fixed weights transforms them once)."""
        w, ws = self.params["W"], self._ws
        seen = ws.get("fft_w_seen")
        if seen is not None and np.array_equal(seen, w):
            return ws["fft_w"]
        size = fft_grid(self.in_shape[1:], self.kernel)
        spectra = filter_spectra(w, size, lambda key, shape, dtype: self._buffer(key, shape, True, dtype))
        ws.pop("fft_wc", None)
        self._buffer("fft_w_seen", w.shape, True)[...] = w
        return spectra

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
        if not self.bias:
            cfg["bias"] = False
        return cfg

    def describe(self):
        text = f"{window_text(self.kernel, self.stride)} {padding_text(self.padding)}"
        return text + (" fft" if self.method == "fft" else "") + ("" if self.bias else " no bias")
