"""The Evaluation panel's Filters tab: dead and lazy filters of every conv -> ReLU, in words.

The same flags are drawn in the Filters view and counted in the network strip
(both read them from the inspector's ``filter_flags``).
"""
from __future__ import annotations

import html
from typing import Optional

from PyQt5.QtWidgets import QScrollArea, QVBoxLayout, QWidget

from ...model.filterflags import FilterFlags
from ...widgets.labels import WrapLabel


def health_html(flags: FilterFlags) -> str:
    """A paragraph per checked convolution, the count in all, and the note."""
    health = flags.health
    total = sum(layer.n_filters for layer in health.layers)
    if not health.layers:
        head = "This network has no convolution followed by a ReLU: no filter can fall silent there."
    else:
        head = (f"<b>{health.dead_count} dead and {health.lazy_count} lazy</b> of {total:,} filters in "
                f"{len(health.layers)} convolution{'s' if len(health.layers) > 1 else ''}, measured "
                f"{html.escape(flags.measured)}. The Filters view outlines them (red: dead, orange: lazy).")
    rows = [f"<li>{html.escape(flags.describe(layer))}</li>" for layer in health.layers]
    unchecked = ""
    if health.unchecked:
        unchecked = (f"<p>Not judged (no ReLU right after them, so their output is never cut to zero): "
                     f"{html.escape(', '.join(health.unchecked))}.</p>")
    return f"<p>{head}</p><ul>{''.join(rows)}</ul>{unchecked}<p><i>{html.escape(health.note)}</i></p>"


class HealthView(QScrollArea):
    """Public: ``text`` (the label), :meth:`set_flags`."""

    def __init__(self, parent: Optional[QWidget] = None):
        super().__init__(parent)
        self.setWidgetResizable(True)
        inner = QWidget()
        layout = QVBoxLayout(inner)
        self.text = WrapLabel("Evaluate to see which filters never fire.")
        layout.addWidget(self.text)
        layout.addStretch(1)
        self.setWidget(inner)

    def set_flags(self, flags: Optional[FilterFlags]) -> None:
        self.text.setText("Evaluate to see which filters never fire." if flags is None else health_html(flags))
