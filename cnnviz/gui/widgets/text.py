"""Short texts the views share: shapes, channel names."""
from __future__ import annotations

RGB_NAMES = ("red", "green", "blue")


def shape_text(shape) -> str:
    """(32, 28, 28) -> "32x28x28"."""
    return "x".join(str(s) for s in shape)


def channel_name(kind: str, channels: int, c: int) -> str:
    """'map 5', or 'channel 1 (green)' for an RGB input."""
    if kind == "Input":
        return f"channel {c} ({RGB_NAMES[c]})" if channels == 3 else f"channel {c}"
    return f"map {c}"
