"""How a value the engine stored relates to the same computation done exactly.

The engine computes in float32 and adds with BLAS, whose order of additions is
its own; a sum recomputed in another order can differ in the last bits. So a
step-through never recomputes the result it shows: it shows the engine's stored
float32 value, next to the exact sum of the numbers it lists (each product of
two float32 numbers is exact in float64, and ``math.fsum`` adds them with a
single rounding at the end). :class:`Rounding` says how the two relate and
whether float32 rounding explains the difference.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np


def unit_roundoff(dtype) -> float:
    """Half the gap between 1 and the next number of ``dtype``: 2**-24 for float32."""
    return float(np.finfo(dtype).eps) / 2


def sum_tolerance(terms: int, magnitude: float, dtype=np.float32) -> float:
    """The most rounding can move a sum of ``terms`` products computed in ``dtype``, in any
    order, away from the exact sum: gamma(terms + 1) * ``magnitude`` (the sum of the terms'
    absolute values), with gamma(n) = n u / (1 - n u)."""
    nu = (terms + 1) * unit_roundoff(dtype)
    return nu / (1 - nu) * magnitude


def frozen(a, dtype=None) -> np.ndarray:
    """A read-only copy of ``a`` (for the arrays a frozen result carries)."""
    out = np.array(a, dtype=dtype, copy=True)
    out.flags.writeable = False
    return out


def number_text(value: float, dtype=np.float32) -> str:
    """``value`` with just the digits that identify it in ``dtype`` (float32: up to 9)."""
    v = float(value)
    if not math.isfinite(v):
        return str(v)
    if v == int(v) and abs(v) < 1e7:
        return str(int(v))
    x = np.dtype(dtype).type(v)
    if 1e-4 <= abs(v) < 1e7:
        return np.format_float_positional(x, unique=True, trim="-")
    return np.format_float_scientific(x, unique=True, trim="-")


@dataclass(frozen=True)
class Rounding:
    """The engine's stored value next to the exact computation of what a step-through lists.

    ``stored``: the engine's value, exactly (a float32 widened to a Python float);
    ``exact``: the computation in exact arithmetic, rounded once to float64;
    ``difference``: stored - exact; ``tolerance``: the most the engine's rounding can
    account for; ``nearest``: stored is the float32 nearest to ``exact``;
    ``explained``: |difference| <= tolerance (False means the stored value was not
    computed from these numbers, e.g. other weights); ``text``: one sentence saying so.
    """
    stored: float
    exact: float
    difference: float
    tolerance: float
    nearest: bool
    explained: bool
    text: str


def compare(stored, exact: float, tolerance: float, what: str = "the exact sum",
            dtype=np.float32) -> Rounding:
    """A :class:`Rounding` for the engine's ``stored`` value against ``exact`` (float64)."""
    stored_f = float(stored)
    exact = float(exact)
    difference = stored_f - exact
    nearest = np.dtype(dtype).type(exact) == np.dtype(dtype).type(stored_f)
    explained = abs(difference) <= tolerance
    s, e = number_text(stored_f, dtype), f"{exact:.10g}"
    name = np.dtype(dtype).name
    if difference == 0:
        text = f"The stored value {s} equals {what}: nothing was rounded."
    elif nearest:
        text = (f"The stored {name} value {s} is {what} ({e}) rounded to the nearest {name} "
                f"(a {name} keeps about {7 if name == 'float32' else 16} significant digits).")
    elif explained:
        text = (f"The engine added in {name} in its own order, so its stored value {s} differs from "
                f"{what} ({e}) by {difference:.2g}: {name} rounding (it can reach {tolerance:.2g} here).")
    else:
        text = (f"The stored value {s} differs from {what} ({e}) by {difference:.3g}, more than "
                f"{name} rounding can ({tolerance:.2g}): it was computed from other numbers "
                f"(other weights or another input).")
    return Rounding(stored_f, exact, difference, float(tolerance), bool(nearest), bool(explained), text)
