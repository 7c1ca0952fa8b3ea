"""Dead and lazy filters flagged in the Filters view: an outline around each one in the grid
(red: dead, orange: lazy) and a few words in the title, from the inspector's ``filter_flags``
(measured by an evaluation: see the Evaluation panel's Filters tab)."""
from __future__ import annotations

import html
from typing import List, Optional

import pyqtgraph as pg
from PyQt5.QtCore import QRectF

from ...model.filterflags import FilterFlags
from ...widgets.plotitems import outline_box

DEAD_COLOR = "#d32f2f"
LAZY_COLOR = "#f57c00"
#: kind -> (colour, its name)
COLORS = {"dead": (DEAD_COLOR, "red"), "lazy": (LAZY_COLOR, "orange")}


class HealthMarks:
    """The outlines in ``view`` (a pg.ViewBox showing a filter mosaic)."""

    def __init__(self, view: pg.ViewBox):
        self.view = view
        self.boxes: List = []

    def mark(self, flags: Optional[FilterFlags], conv: Optional[str], mode: str, geometry, focused=None) -> str:
        """Outline the dead and lazy filters of convolution ``conv`` drawn in ``mode`` ("conv",
        "rgb": a tile per filter laid out by ``geometry``; "filter": filter ``focused`` enlarged)
        and return the title's words for them (rich text, "" when there is nothing to say)."""
        layer = None if flags is None or conv is None else flags.of_layer(conv)
        tiles = []
        if layer is not None and mode in ("conv", "rgb") and geometry is not None:
            tiles = [(i, DEAD_COLOR) for i in layer.dead] + [(i, LAZY_COLOR) for i in layer.lazy]
        while len(self.boxes) < len(tiles):
            box = outline_box(DEAD_COLOR, width=2, z=15)
            self.view.addItem(box, ignoreBounds=True)
            self.boxes.append(box)
        for box, (index, color) in zip(self.boxes, tiles):
            top, left = geometry.origin(index)
            pen = box.pen()
            pen.setColor(pg.mkColor(color))
            box.setPen(pen)
            box.setRect(QRectF(left - 0.5, top - 0.5, geometry.tile_w + 1, geometry.tile_h + 1))
            box.show()
        for box in self.boxes[len(tiles):]:
            box.hide()
        if layer is None:
            return ""
        if mode == "filter" and focused is not None:
            state = "dead" if focused in layer.dead else "lazy" if focused in layer.lazy else ""
            if not state:
                return ""
            color = DEAD_COLOR if state == "dead" else LAZY_COLOR
            return (f" · <span style='color:{color}'><b>{state}</b></span>: silent on "
                    f"{100 * layer.silent_fraction[focused]:.1f}% of the images")
        if not flags.kinds(layer):
            return f" · <i>no dead or lazy filter ({html.escape(flags.measured)})</i>"
        outlined = mode in ("conv", "rgb")
        parts = [f"<span style='color:{COLORS[kind][0]}'><b>{len(found)} {kind}</b></span> "
                 f"({f'outlined {COLORS[kind][1]}: ' if outlined else ''}{meaning})"
                 for kind, found, meaning in flags.kinds(layer)]
        return f" · {', '.join(parts)}, measured {html.escape(flags.measured)}"

    def note(self, flags: Optional[FilterFlags], conv: Optional[str]) -> str:
        """The tooltip: what dead and lazy mean, when ``conv`` was judged."""
        layer = None if flags is None or conv is None else flags.of_layer(conv)
        if layer is None:
            return ""
        return (f"<p>{html.escape(flags.describe(layer))}, measured {html.escape(flags.measured)}.</p>"
                f"<p>{html.escape(flags.health.note)}</p>")
