"""One colour per class, the same in the precision-recall curves and the embedding map."""
from __future__ import annotations

import colorsys
import html
from typing import List, Sequence

from PyQt5.QtGui import QColor

#: ten well-separated colours (Tableau 10); more classes get evenly spread hues after them
BASE = ("#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f",
        "#bcbd22", "#17becf")


def class_colors(count: int) -> List[QColor]:
    """``count`` distinct colours, class k's at position k."""
    if count <= len(BASE):
        return [QColor(c) for c in BASE[:count]]
    colors = [QColor(c) for c in BASE]
    extra = count - len(BASE)
    for i in range(extra):
        r, g, b = colorsys.hls_to_rgb((i / extra + 0.03) % 1.0, 0.45 if i % 2 else 0.6, 0.75)
        colors.append(QColor(int(r * 255), int(g * 255), int(b * 255)))
    return colors


def color_chips(names: Sequence[str], colors: Sequence[QColor]) -> str:
    """Rich text naming each class after a dot of its colour: "● 0  ● 1 …"."""
    return "  ".join(f"<span style='color:{c.name()}'>●</span>&nbsp;{html.escape(str(n))}"
                     for n, c in zip(names, colors))
