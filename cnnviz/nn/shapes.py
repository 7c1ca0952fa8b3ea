"""Output-size arithmetic for convolution and pooling windows.

The rule is OH = (H + 2P - K) / S + 1. When it is not a positive integer the
shape is impossible and a :class:`ShapeError` names the layer and the numbers,
unless the architecture asks to floor it (as AlexNet's 224 -> 55 does).
"""
from __future__ import annotations

from typing import Tuple, Union

from .settings import PAD_MODES, ROUNDINGS, as_pair, choice, whole

Pair = Tuple[int, int]
Padding = Union[int, str, Tuple[int, int]]


class ShapeError(ValueError):
    """An architecture asks for a tensor shape that cannot exist."""


def axis_padding(size: int, kernel: int, stride: int, padding) -> Tuple[int, int]:
    """Padding (before, after) along one axis, in pixels.

    ``padding`` is an int (the same on both sides), ``'valid'`` (none),
    ``'same'`` (TensorFlow's rule: output ceil(size/stride); when the total pad
    is odd the extra pixel goes after, i.e. bottom/right) or ``'full'``
    (kernel-1 on both sides, output size+kernel-1 at stride 1).
    """
    if isinstance(padding, str):
        if padding == "valid":
            return 0, 0
        if padding == "same":
            out = -(-size // stride)
            total = max((out - 1) * stride + kernel - size, 0)
            return total // 2, total - total // 2
        if padding == "full":
            return kernel - 1, kernel - 1
        raise ValueError(f"padding must be a whole number or one of {PAD_MODES}, got {padding!r}")
    pad = whole(padding, "padding", minimum=0)
    return pad, pad


def pads_2d(hw: Pair, kernel: Pair, stride: Pair, padding) -> Tuple[Pair, Pair]:
    """((top, bottom), (left, right)) padding for an input of spatial size ``hw``."""
    if isinstance(padding, (list, tuple)):
        ph, pw = as_pair(padding, "padding", minimum=0)
    else:
        ph = pw = padding
    return (axis_padding(hw[0], kernel[0], stride[0], ph),
            axis_padding(hw[1], kernel[1], stride[1], pw))


def output_size(size: int, kernel: int, stride: int, pad_total: int,
                rounding: str = "exact", where: str = "", axis: str = "H") -> int:
    """Output length along one axis: ``(size + pad_total - kernel) / stride + 1``.

    ``rounding='exact'`` refuses a non-integer or non-positive result with a
    ShapeError naming ``where`` and the numbers; ``'floor'`` floors it (the
    last rows/columns that do not fill a window are then not used).
    """
    choice(rounding, "rounding", ROUNDINGS)
    span = size + pad_total - kernel
    label = f"{where}: " if where else ""
    formula = (f"({axis}={size} + {pad_total} padding - kernel {kernel}) / stride {stride} + 1"
               f" = {span / stride + 1:g}")
    if span < 0:
        raise ShapeError(f"{label}the {kernel}-wide window does not fit: {formula}")
    if span % stride != 0:
        if rounding == "floor":
            return span // stride + 1
        raise ShapeError(f"{label}output size is not a whole number: {formula}. "
                         f"Change the padding or stride, or let the layer floor it.")
    return span // stride + 1


def window_output_hw(hw: Pair, kernel: Pair, stride: Pair, padding,
                     rounding: str = "exact", where: str = "") -> Tuple[Pair, Tuple[Pair, Pair]]:
    """Spatial output size and paddings of a sliding window layer.

    Returns ``((OH, OW), ((top, bottom), (left, right)))``.
    """
    (pt, pb), (pl, pr) = pads_2d(hw, kernel, stride, padding)
    oh = output_size(hw[0], kernel[0], stride[0], pt + pb, rounding, where, "H")
    ow = output_size(hw[1], kernel[1], stride[1], pl + pr, rounding, where, "W")
    return (oh, ow), ((pt, pb), (pl, pr))
