"""Views that do not redraw while they are hidden (e.g. a dock behind another tab).

During training every snapshot asks every view to redraw; a view the user
cannot see only notes that it is out of date and catches up when it is shown.
A widget that is not inside a shown window (a test's lone widget, an export)
always redraws.
"""
from __future__ import annotations

import functools


def skip_while_hidden(refresh):
    """Decorate a view's ``refresh(self)``: defer it while the view is hidden in a shown window.

    Arguments (a signal's value when it is connected directly) are ignored.
    """
    @functools.wraps(refresh)
    def wrapper(self, *_args):
        if self.window().isVisible() and not self.isVisible():
            self._refresh_pending = True
            return None
        self._refresh_pending = False
        return refresh(self)
    return wrapper


class CatchUpOnShow:
    """Mixin for a QWidget whose refresh uses :func:`skip_while_hidden`: redraw when shown."""

    _refresh_pending = False

    def showEvent(self, event):
        super().showEvent(event)
        if self._refresh_pending:
            self.refresh()
