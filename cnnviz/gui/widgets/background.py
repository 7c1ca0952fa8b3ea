"""Work off the UI thread, newest request first: a job that is replaced before it starts never runs.

:class:`LatestJob` owns one Python thread (started on the first request, stopped by
:meth:`LatestJob.shutdown`). :meth:`LatestJob.submit` hands it a callable; a request
that arrives while another waits replaces it (only the newest input matters), and a
running job can ask :meth:`LatestJob.superseded` between its phases to give up early.
Results come back as Qt signals, delivered on the UI thread (the emitting QObject
lives there), tagged with the request's number so that a view can drop stale ones.

Why a plain thread and not a QThread: see cnnviz.gui.training.worker (same reasons:
no event loop is needed there, and ``join`` ends it deterministically).
"""
from __future__ import annotations

import threading
import traceback
from typing import Callable, Optional

from PyQt5.QtCore import QObject, pyqtSignal


class LatestJob(QObject):
    """A worker thread running the newest submitted job.

    Signals (on the UI thread): ``result(number, value)`` for each value a job reports
    through its ``report`` argument (a job may report several times: e.g. a fast
    part first), ``failed(number, message)`` when it raises.
    """

    result = pyqtSignal(int, object)
    failed = pyqtSignal(int, str)

    def __init__(self, name: str = "background", parent: Optional[QObject] = None):
        super().__init__(parent)
        self.name = name
        self._lock = threading.Condition()
        self._pending: Optional[tuple] = None     # (number, job)
        self._number = 0                          # the newest request's number
        self._busy = False
        self._stop = False
        self._thread: Optional[threading.Thread] = None

    @property
    def latest(self) -> int:
        """The number of the newest request."""
        return self._number

    @property
    def idle(self) -> bool:
        """True when nothing runs and nothing waits."""
        with self._lock:
            return not self._busy and self._pending is None

    def submit(self, job: Callable[[Callable[[object], None], Callable[[], bool]], None]) -> int:
        """Run ``job(report, superseded)`` in the worker thread; returns the request's number.

        ``report(value)`` emits ``result(number, value)``; ``superseded()`` is True once a
        newer request was submitted. A request still waiting is dropped.
        """
        with self._lock:
            self._number += 1
            self._pending = (self._number, job)
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name=self.name, daemon=True)
                self._thread.start()
            self._lock.notify()
            return self._number

    def superseded(self, number: int) -> bool:
        """True when a newer request than ``number`` exists (or the worker is stopping)."""
        return self._stop or number != self._number

    def shutdown(self, timeout: float = 5.0) -> None:
        """Drop what waits, let a running job end, stop the thread."""
        with self._lock:
            self._stop = True
            self._pending = None
            self._lock.notify()
        if self._thread is not None:
            self._thread.join(timeout)

    def _run(self) -> None:
        while True:
            with self._lock:
                while self._pending is None and not self._stop:
                    self._lock.wait()
                if self._stop:
                    return
                (number, job), self._pending = self._pending, None
                self._busy = True
            try:
                job(lambda value, n=number: self._report(n, value), lambda n=number: self.superseded(n))
            except Exception as e:            # shown by the view that asked, never lost
                traceback.print_exc()
                self.failed.emit(number, f"{type(e).__name__}: {e}")
            finally:
                with self._lock:
                    self._busy = False

    def _report(self, number: int, value) -> None:
        if not self._stop:
            try:
                self.result.emit(number, value)
            except RuntimeError:        # the QObject was deleted without shutdown(): nobody listens
                self._stop = True
