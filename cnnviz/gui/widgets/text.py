"""Short texts the views share: shapes, channel names, pixel values."""
from __future__ import annotations

import numpy as np

RGB_NAMES = ("red", "green", "blue")


def shape_text(shape) -> str:
    """(32, 28, 28) -> "32x28x28"."""
    return "x".join(str(s) for s in shape)


def channel_name(kind: str, channels: int, c: int) -> str:
    """'map 5', or 'channel 1 (green)' for an RGB input."""
    if kind == "Input":
        return f"channel {c} ({RGB_NAMES[c]})" if channels == 3 else f"channel {c}"
    return f"map {c}"


def values_text(v) -> str:
    """A pixel's value(s) in 3 digits: 0.5 -> '0.5', an RGB pixel -> '(0.482, 0.659, 0.882)'."""
    v = np.atleast_1d(v)
    return " ".join(f"{x:.3g}" for x in v) if v.size == 1 else "(" + ", ".join(f"{x:.3g}" for x in v) + ")"


def counted(n: int, word: str) -> str:
    """3, "image" -> "3 images"; 1 -> "1 image" (plurals made with an s)."""
    return f"{n:,} {word}{'' if n == 1 else 's'}"
