"""How much memory an architecture implies, and the guard that refuses absurd ones.

A file of a few hundred bytes can describe a network whose weights, layer
outputs or convolution work arrays would not fit in any computer. Everything
here is worked out from shapes alone (``Network(..., allocate=False)``), before
a single array is made:

- parameters: every trainable number;
- work per image: what inference on one image keeps at once, in numbers (float32):
  every layer output (the app keeps them all to show them) plus the largest
  work array one layer makes (a convolution's window columns, a padded input,
  the FFT spectra);
- fixed work: what does not grow with the batch (the FFT convolution's filter spectra).

:func:`check_architecture` refuses an architecture over :data:`MAX_PARAMETERS`
or whose one image needs over :data:`MAX_WORK_PER_IMAGE`; :func:`batch_that_fits`
picks an inference batch size that stays within a memory budget.
"""
from __future__ import annotations

import math

import numpy as np

from ..nn.conv import Conv2D
from ..nn.fftconv import fft_grid
from ..nn.network import Network
from ..nn.pool import AvgPool2D, MaxPool2D
from ..nn.residual import walk_layers
from .errors import Invalid

MAX_PARAMETERS = 1 << 27         # numbers an architecture may allocate (512 MB as float32)
MAX_WORK_PER_IMAGE = 1 << 26     # numbers inference on one image may need at once (256 MB as float32)
MAX_FIXED_WORK = 1 << 27         # numbers of batch-independent work (FFT filter spectra)
BYTES_PER_NUMBER = 4             # float32
#: the memory an inference batch may take when no budget is given
DEFAULT_BATCH_BUDGET = 512 << 20

# Errors building a network from a (possibly hostile) architecture can raise.
BUILD_ERRORS = (ValueError, TypeError, KeyError, OverflowError, RecursionError, MemoryError)


def _layer_work(layer) -> tuple:
    """(numbers per image, fixed numbers) one layer's inference needs beyond its output."""
    if isinstance(layer, Conv2D):
        c, h, w = layer.in_shape
        (pt, pb), (pl, pr) = layer.pads
        padded = c * (h + pt + pb) * (w + pl + pr)
        f = layer.filters
        if layer.method == "fft":
            gh, gw = fft_grid((h, w), layer.kernel)
            freqs = gh * (gw // 2 + 1)
            # input and output spectra, the complex inverse and its float64 result
            per_image = freqs * (2 * c + 4 * f) + 2 * f * gh * gw
            return per_image, 3 * freqs * 2 * c * f
        oh, ow = layer.out_hw
        columns = (c * layer.kernel[0] * layer.kernel[1] + 1) * oh * ow
        return padded + columns + f * oh * ow, 0
    if isinstance(layer, (MaxPool2D, AvgPool2D)):
        c = layer.in_shape[0]
        ph, pw = layer.padded_hw
        return c * ph * pw + c * layer.out_hw[0] * pw, 0
    return 0, 0


def inference_work(network: Network) -> tuple:
    """(numbers per image, fixed numbers) inference with ``network`` needs (see module doc).

    ``network`` may be unallocated (``allocate=False``); nothing is allocated here.
    """
    layers = list(walk_layers(network.layers))
    outputs = math.prod(network.input_shape) + sum(math.prod(l.out_shape) for l in layers)
    works = [_layer_work(l) for l in layers]
    return outputs + max(w[0] for w in works), sum(w[1] for w in works)


def batch_that_fits(network: Network, wanted: int, budget: int = DEFAULT_BATCH_BUDGET) -> int:
    """The largest inference batch up to ``wanted`` whose work fits ``budget`` bytes (at least 1)."""
    per_image, fixed = inference_work(network)
    room = budget - fixed * BYTES_PER_NUMBER
    return max(1, min(int(wanted), room // max(1, per_image * BYTES_PER_NUMBER)))


def check_architecture(arch: dict) -> Network:
    """Refuse an architecture that does not build or whose memory would be absurd, before
    anything is allocated; returns the unallocated sizing network.

    The engine works out every shape without allocating (``allocate=False``),
    so a spec it refuses is reported here, before a real build could allocate
    the layers in front of the failing one. Raises :class:`Invalid`.
    """
    try:
        sizing = Network(arch, allocate=False)
    except BUILD_ERRORS as e:
        # SpecError and ShapeError are ValueErrors; their text names the layer.
        raise Invalid(f"its architecture does not build: {e}") from None
    params = sizing.num_params()
    if params > MAX_PARAMETERS:
        raise Invalid(f"its architecture has about {params:,} parameters (limit {MAX_PARAMETERS:,}); "
                      f"refusing to build it")
    per_image, fixed = inference_work(sizing)
    if per_image > MAX_WORK_PER_IMAGE:
        raise Invalid(f"its architecture needs {per_image:,} numbers ({_gib(per_image)}) to classify one "
                      f"image (limit {MAX_WORK_PER_IMAGE:,}); refusing to build it")
    if fixed > MAX_FIXED_WORK:
        raise Invalid(f"its FFT convolutions need {fixed:,} numbers ({_gib(fixed)}) of filter spectra "
                      f"(limit {MAX_FIXED_WORK:,}); refusing to build it")
    return sizing


def build_checked(arch: dict) -> Network:
    """The float32 network of an architecture that passes :func:`check_architecture`."""
    check_architecture(arch)
    try:
        return Network(arch, dtype=np.float32)
    except BUILD_ERRORS as e:
        raise Invalid(f"its architecture does not build: {e}") from None


def _gib(numbers: int) -> str:
    gib = numbers * BYTES_PER_NUMBER / 2 ** 30
    return f"{gib:,.1f} GiB" if gib >= 0.1 else f"{numbers * BYTES_PER_NUMBER / 2 ** 20:,.0f} MiB"
