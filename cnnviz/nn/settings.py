"""Checking a layer's settings strictly, wherever they come from (code, architecture
JSON, a model file): whole numbers, real numbers, one of a few words.

A value of the wrong kind raises ValueError naming the setting and the value,
instead of being truncated (26.9 -> 26), converted (true -> 1) or passed on.
"""
from __future__ import annotations

import math
import numbers
from typing import Sequence

import numpy as np

PAD_MODES = ("valid", "same", "full")
ROUNDINGS = ("exact", "floor")
_EXACT_FLOAT_INTS = 2 ** 53


def _is_bool(value) -> bool:
    return isinstance(value, (bool, np.bool_))


def whole(value, what: str, minimum: int = 1) -> int:
    """``value`` as an int >= ``minimum``: an int, or a float with no fractional part.

    Booleans, strings, non-integral and non-finite numbers are refused, and so
    are floats beyond 2**53 (which no longer say which whole number they mean).
    """
    if not _is_bool(value):
        if isinstance(value, numbers.Integral):
            value_int = int(value)
        elif isinstance(value, numbers.Real) and math.isfinite(value) and float(value).is_integer() \
                and abs(value) <= _EXACT_FLOAT_INTS:
            value_int = int(value)
        else:
            value_int = None
        if value_int is not None and value_int >= minimum:
            return value_int
    raise ValueError(f"{what} must be {_whole_text(minimum)}, got {value!r}")


def _whole_text(minimum: int) -> str:
    return "a positive whole number" if minimum == 1 else f"a whole number >= {minimum}"


def real(value, what: str, low: float, high: float = math.inf, low_open: bool = False,
         high_open: bool = False) -> float:
    """``value`` as a finite float in the range [low, high] (open ends on request)."""
    ok = isinstance(value, numbers.Real) and not _is_bool(value) and math.isfinite(value)
    if ok:
        v = float(value)
        ok = (v > low if low_open else v >= low) and (v < high if high_open else v <= high)
        if ok:
            return v
    left, right = "(" if low_open else "[", ")" if high_open else "]"
    span = f"> {low:g}" if high == math.inf and low_open else f"in {left}{low:g}, {high:g}{right}"
    raise ValueError(f"{what} must be a finite number {span}, got {value!r}")


def flag(value, what: str) -> bool:
    """``value`` if it is a boolean (true/false in JSON), else ValueError naming the setting."""
    if _is_bool(value):
        return bool(value)
    raise ValueError(f"{what} must be true or false, got {value!r}")


def choice(value, what: str, options: Sequence[str]) -> str:
    """``value`` if it is one of ``options`` (text), else ValueError listing them."""
    if isinstance(value, str) and value in options:
        return value
    raise ValueError(f"{what} must be one of {', '.join(repr(o) for o in options)}, got {value!r}")


def as_pair(value, what: str = "value", minimum: int = 1):
    """``(a, b)`` from a whole number or a 2-sequence of whole numbers >= ``minimum``."""
    if isinstance(value, (list, tuple)):
        if len(value) != 2:
            raise ValueError(f"{what} must be a whole number or a pair, got {value!r}")
        a, b = value
    else:
        a = b = value
    try:
        return whole(a, what, minimum), whole(b, what, minimum)
    except ValueError:
        raise ValueError(f"{what} must be {_whole_text(minimum)} or a pair of them, got {value!r}") from None


def padding_setting(padding):
    """A padding setting checked: a word of PAD_MODES, a whole number >= 0, or a pair of them.

    Returned as given (a pair as a list), ready for :func:`shapes.pads_2d`.
    """
    if isinstance(padding, str):
        return choice(padding, "padding", PAD_MODES)
    if isinstance(padding, (list, tuple)):
        return list(as_pair(padding, "padding", minimum=0))
    try:
        return whole(padding, "padding", minimum=0)
    except ValueError:
        raise ValueError(f"padding must be one of {', '.join(map(repr, PAD_MODES))}, a whole number >= 0 "
                         f"or a pair of them, got {padding!r}") from None
