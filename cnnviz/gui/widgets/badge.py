"""The badge every view puts first in its title when it shows something other than the drawing.

While the time-lapse shows the past, or the views follow a test image, each view that shows
it says so in the same place (the start of its title) and the same style (:func:`badge_html`).
"""
from __future__ import annotations

#: badge colours by what is shown instead of the drawing (background, text)
BADGE_COLORS = {"past": ("#ffd54f", "#202020"), "test": ("#90caf9", "#202020"), "now": ("#c8e6c9", "#202020")}


def badge_html(kind: str, label: str) -> str:
    """A coloured badge (rich text) naming what is shown, then a space; "" for the drawing."""
    if kind not in BADGE_COLORS or not label:
        return ""
    bg, fg = BADGE_COLORS[kind]
    return f"<span style='background:{bg}; color:{fg};'>&nbsp;{label}&nbsp;</span> "


def source_badge(source) -> str:
    """The badge for an inspector's :class:`InputSource` (its ``kind`` and ``label``)."""
    return badge_html(source.kind, source.label)
