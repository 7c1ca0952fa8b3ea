"""Views that do not redraw while nobody can see them, and redraw less often while training.

During training every snapshot asks every view to redraw; a view the user
cannot see only notes that it is out of date and catches up when it is shown.
"Cannot see" includes a dock behind another tab: Qt keeps such a dock
"visible" but moves it off screen, so what counts is the widget's visible
region. A widget that is not inside a shown window (a test's lone widget, an
export) always redraws.

:func:`throttle_while_live` lets a view that is costly and changes little
from one snapshot to the next (the network strip's thumbnails) redraw at most
every so often while ``inspector.live`` is set (a training run is sending
snapshots); the last request is never lost, a timer makes it.
"""
from __future__ import annotations

import functools
import time

from PyQt5.QtCore import QTimer
from PyQt5.QtWidgets import QDockWidget


def is_hidden(widget) -> bool:
    """True when ``widget`` is in a shown window but not on screen (hidden, or a dock behind a tab)."""
    if not widget.window().isVisible():
        return False
    return not widget.isVisible() or widget.visibleRegion().isEmpty()


def skip_while_hidden(refresh):
    """Decorate a view's ``refresh(self)``: defer it while the view is hidden in a shown window.

    Arguments (a signal's value when it is connected directly) are ignored.
    """
    @functools.wraps(refresh)
    def wrapper(self, *_args):
        if is_hidden(self):
            self._refresh_pending = True
            _watch_dock(self)
            return None
        self._refresh_pending = False
        return refresh(self)
    return wrapper


def throttle_while_live(seconds: float):
    """Decorate a view's ``refresh(self)``: while ``self.inspector.live`` is true, run it at most
    every ``seconds`` (a call in between is made later by a timer); otherwise at once."""
    def decorate(refresh):
        @functools.wraps(refresh)
        def wrapper(self, *_args):
            timer = getattr(self, "_live_timer", None)
            now = time.perf_counter()
            wait = getattr(self, "_live_last", -1e9) + seconds - now
            if getattr(self.inspector, "live", False) and wait > 0:
                if timer is None:
                    timer = self._live_timer = QTimer(self)
                    timer.setSingleShot(True)
                    # a bound method, not a lambda holding self (a cycle that let the garbage
                    # collector delete a closed window in the middle of this refresh: a crash)
                    timer.timeout.connect(self.refresh)
                if not timer.isActive():
                    timer.start(int(wait * 1000) + 1)
                return None
            if timer is not None:
                timer.stop()
            self._live_last = now
            return refresh(self)
        return wrapper
    return decorate


class CatchUpOnShow:
    """Mixin for a QWidget whose refresh uses :func:`skip_while_hidden`: redraw when shown."""

    _refresh_pending = False

    def showEvent(self, event):
        super().showEvent(event)
        self.catch_up()

    def resizeEvent(self, event):
        super().resizeEvent(event)
        if self._refresh_pending:           # e.g. a dock squeezed to nothing is opened again
            QTimer.singleShot(0, self.catch_up)

    def catch_up(self) -> None:
        """Redraw if a refresh was skipped while hidden (and the view can be seen now)."""
        if self._refresh_pending and not is_hidden(self):
            self.refresh()

    def _dock_shown(self, shown: bool) -> None:
        # queued: the dock is moved on screen after it says it is visible
        if shown:
            QTimer.singleShot(0, self.catch_up)


def _watch_dock(view) -> None:
    """Catch up when the dock holding ``view`` comes to the front (its tab is picked): the
    view gets no show event then, as Qt never hid it."""
    if getattr(view, "_dock_watched", False):
        return
    view._dock_watched = True
    parent = view.parentWidget()
    while parent is not None and not isinstance(parent, QDockWidget):
        parent = parent.parentWidget()
    if parent is not None:
        # a bound method, not a lambda holding the view: Qt drops the connection when the
        # view is deleted (a dock emitting while its window is torn down otherwise reached
        # a deleted view and crashed)
        parent.visibilityChanged.connect(view._dock_shown)
