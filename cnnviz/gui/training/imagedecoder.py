"""Image files decoded on the UI thread for the thread that loads a folder of images.

Qt's image readers make QObjects (a QBuffer, a QTextStream), and making or destroying a
QObject takes one of Qt's connection locks. A Python thread calling them holds Python's
global lock while it waits for that Qt lock; the UI thread, destroying a widget, holds
the Qt lock while it waits for Python's (to ask whether Python overrides a method): both
wait for ever. So the loading thread never calls Qt: it hands the files to a
:class:`UiThreadDecoder`, whose timer decodes them on the UI thread a few milliseconds
at a time, a little ahead of the reader, and waits in Python for each result.
"""
from __future__ import annotations

import collections
import threading
import time
from pathlib import Path
from typing import Callable, Iterable, Optional

import numpy as np
from PyQt5.QtCore import QObject, QTimer

from ..imagefile import ImageReadError, read_image

#: UI time given to decoding per timer tick (ms): the window stays responsive meanwhile
TICK_MS = 12
#: decoded images waiting for the loading thread at most (they can be large photos)
AHEAD = 32


class UiThreadDecoder(QObject):
    """Decodes image files on the UI thread for another thread's :meth:`read`.

    :meth:`start` and :meth:`stop` belong to the UI thread; :meth:`request` and
    :meth:`read` to the loading thread.
    """

    def __init__(self, read: Callable[[Path], np.ndarray] = read_image, parent: Optional[QObject] = None):
        super().__init__(parent)
        self._decode = read
        self._lock = threading.Condition()
        self._todo: collections.deque = collections.deque()
        self._wanted: Optional[Path] = None       # the file the reader waits for now
        self._queued = set()                  # paths in _todo or being decoded (a deque's "in" scans)
        self._done = {}                       # path -> (True, image) or (False, exception)
        self._open = False
        self._timer = QTimer(self)
        self._timer.setInterval(0)
        self._timer.timeout.connect(self._work)

    def start(self) -> None:
        """Begin decoding what is requested (UI thread)."""
        with self._lock:
            self._open = True
            self._forget()
        self._timer.start()

    def stop(self) -> None:
        """End: a read waiting now, or made later, fails at once (UI thread)."""
        self._timer.stop()
        with self._lock:
            self._open = False
            self._forget()
            self._lock.notify_all()

    def request(self, paths: Iterable[Path]) -> None:
        """The files about to be read, in their order: decoding starts ahead of :meth:`read`."""
        with self._lock:
            for p in map(Path, paths):
                if p not in self._queued:
                    self._queued.add(p)
                    self._todo.append(p)

    def read(self, path) -> np.ndarray:
        """The image at ``path`` as :func:`~cnnviz.gui.imagefile.read_image` returns it, decoded on
        the UI thread; raises what it raises, or ImageReadError once the decoder is stopped."""
        path = Path(path)
        with self._lock:
            if path not in self._done and path not in self._queued:
                self._queued.add(path)
                self._todo.appendleft(path)
            self._wanted = path
            while path not in self._done:
                if not self._open:
                    raise ImageReadError(f"{path.name}: the loading was stopped")
                self._lock.wait(0.2)
            self._wanted = None
            ok, value = self._done.pop(path)
            self._lock.notify_all()
        if ok:
            return value
        raise value

    def _forget(self) -> None:
        self._todo.clear()
        self._queued.clear()
        self._done.clear()

    def _work(self) -> None:
        end = time.perf_counter() + TICK_MS / 1000
        while time.perf_counter() < end:
            with self._lock:
                # far enough ahead, unless the file the reader waits for is next (a file that
                # came after the folder was first listed goes to the front of the queue)
                if not self._todo or (len(self._done) >= AHEAD and self._todo[0] != self._wanted):
                    return
                path = self._todo.popleft()       # still queued while it is decoded: not asked again
            try:
                result = (True, self._decode(path))
            except Exception as e:          # the reader's refusal goes to the thread that asked
                result = (False, e)
            with self._lock:
                self._queued.discard(path)
                if self._open:
                    self._done[path] = result
                    self._lock.notify_all()
