"""The output-size rule OH = (H + 2P - K)/S + 1 written out with a layer's own numbers."""
from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from typing import Optional, Tuple

from ..nn.settings import ROUNDINGS, as_pair, choice, padding_setting
from ..nn.shapes import pads_2d


@dataclass(frozen=True)
class AxisSize:
    """One axis of the rule. ``value`` is (size + before + after - kernel)/stride + 1 exactly;
    ``result`` the layer's output length (``value`` when whole, floored under
    ``rounding='floor'``, None when the setting is impossible); ``unused`` the input
    rows (or columns) at the end that no window reaches when floored."""
    axis: str                 # "H" or "W"
    size: int                 # input length, cells
    pad_before: int           # padding cells before (top or left)
    pad_after: int            # padding cells after (bottom or right)
    kernel: int
    stride: int
    value: Fraction
    result: Optional[int]
    unused: int
    text: str                 # "OH = (28 + 2·0 − 5)/1 + 1 = 24"


@dataclass(frozen=True)
class SizeFormula:
    """Both axes of the rule and what they mean together; ``possible`` is False when a
    setting gives no valid output (a non-whole size that may not be floored, or a window
    larger than the padded input), and ``statement`` then says so plainly."""
    rows: AxisSize
    cols: AxisSize
    possible: bool
    out_hw: Optional[Tuple[int, int]]
    statement: str

    @property
    def text(self) -> str:
        """The two formulas and the statement, one per line."""
        return "\n".join((self.rows.text, self.cols.text, self.statement))


def _fmt(v: Fraction) -> str:
    return str(v.numerator) if v.denominator == 1 else f"{float(v):g}"


def axis_size(axis: str, size: int, before: int, after: int, kernel: int, stride: int,
              rounding: str = "exact") -> AxisSize:
    """The rule along one axis, with its text; never raises for an impossible setting."""
    span = size + before + after - kernel
    value = Fraction(span, stride) + 1
    pad = f"2·{before}" if before == after else f"{before} + {after}"
    text = f"O{axis} = ({size} + {pad} − {kernel})/{stride} + 1 = {_fmt(value)}"
    unused = 0
    if span < 0:
        result = None
        text += f": the {kernel}-wide window does not fit in {size + before + after} cells"
    elif value.denominator == 1:
        result = int(value)
    elif rounding == "floor":
        result, unused = span // stride + 1, span % stride
        text += (f", not a whole number: floored to {result} (the last {unused} "
                 f"{'rows' if axis == 'H' else 'columns'} of the padded input fit no window)")
    else:
        result = None
        text += ", not a whole number: no layer can have this size"
    return AxisSize(axis, size, before, after, kernel, stride, value, result, unused, text)


def _formula(rows: AxisSize, cols: AxisSize) -> SizeFormula:
    possible = rows.result is not None and cols.result is not None
    if possible:
        statement = f"Output {rows.result}x{cols.result} per map."
        if rows.pad_before != rows.pad_after or cols.pad_before != cols.pad_after:
            statement += " The odd padding cell goes at the bottom and the right (SAME padding)."
    else:
        statement = ("This setting is impossible: the output size must be a whole number of at "
                     "least 1. Change the padding, the stride or the kernel size.")
    out = (rows.result, cols.result) if possible else None
    return SizeFormula(rows, cols, possible, out, statement)


def size_formula(layer) -> SizeFormula:
    """The rule for a built conv or pool layer (anything with kernel, stride, pads, rounding)."""
    (pt, pb), (pl, pr) = layer.pads
    h, w = layer.in_shape[1:]
    return _formula(axis_size("H", h, pt, pb, layer.kernel[0], layer.stride[0], layer.rounding),
                    axis_size("W", w, pl, pr, layer.kernel[1], layer.stride[1], layer.rounding))


def size_formula_for(in_hw, kernel, stride=1, padding=0, rounding: str = "exact") -> SizeFormula:
    """The rule for a setting not (yet) in a network, e.g. while a user edits one:
    ``in_hw`` (H, W), ``kernel`` and ``stride`` ints or pairs, ``padding`` as a layer takes
    it (int, pair, 'valid', 'same', 'full'). Bad values raise ValueError naming them."""
    kernel, stride = as_pair(kernel, "kernel"), as_pair(stride, "stride")
    in_hw = as_pair(in_hw, "input size")
    choice(rounding, "rounding", ROUNDINGS)
    (pt, pb), (pl, pr) = pads_2d(in_hw, kernel, stride, padding_setting(padding))
    return _formula(axis_size("H", in_hw[0], pt, pb, kernel[0], stride[0], rounding),
                    axis_size("W", in_hw[1], pl, pr, kernel[1], stride[1], rounding))
