"""Work off the UI thread, newest request first: a job that is replaced before it starts never runs.

:class:`LatestJob` owns one Python thread (started on the first request, stopped by
:meth:`LatestJob.shutdown`). :meth:`LatestJob.submit` hands it a callable; a request
that arrives while another waits replaces it (only the newest input matters), and a
running job can ask :meth:`LatestJob.superseded` between its phases to give up early.
Results come back as Qt signals, delivered on the UI thread (the emitting QObject
lives there), tagged with the request's number so that a view can drop stale ones.

:meth:`LatestJob.submit_when_quiet` waits until requests stop coming for a while before
it even builds one: while a user draws, nothing runs beside the drawing (two cores are
shared by the pen, the views and a training run).

Why a plain thread and not a QThread: see cnnviz.gui.training.worker (same reasons:
no event loop is needed there, and ``join`` ends it deterministically).
"""
from __future__ import annotations

import threading
import traceback
from typing import Callable, Optional

from PyQt5.QtCore import QObject, QTimer, pyqtSignal


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
        self._make: Optional[Callable[[], Optional[Callable]]] = None
        self._quiet = QTimer(self)
        self._quiet.setSingleShot(True)
        self._quiet.timeout.connect(self._submit_made)

    @property
    def latest(self) -> int:
        """The number of the newest request."""
        return self._number

    @property
    def idle(self) -> bool:
        """True when nothing runs and nothing waits (for the thread, or for quiet)."""
        with self._lock:
            return not self._busy and self._pending is None and not self._quiet.isActive()

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

    def submit_when_quiet(self, make_job: Callable[[], Optional[Callable]], quiet_ms: int) -> None:
        """Call ``make_job()`` once no new call came for ``quiet_ms`` ms (on the UI thread, so it
        may read what is shown then) and :meth:`submit` the job it returns (None: nothing to do)."""
        self._make = make_job
        self._quiet.start(int(quiet_ms))

    @property
    def waiting(self) -> bool:
        """True while a request waits for quiet."""
        return self._quiet.isActive()

    def _submit_made(self) -> None:
        make, self._make = self._make, None
        job = make() if make is not None else None
        if job is not None:
            self.submit(job)

    def superseded(self, number: int) -> bool:
        """True when a newer request than ``number`` exists (or the worker is stopping)."""
        return self._stop or number != self._number

    def shutdown(self, timeout: float = 5.0) -> None:
        """Drop what waits, let a running job end, stop the thread."""
        self._quiet.stop()
        self._make = None
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
