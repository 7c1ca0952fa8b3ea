"""Loading (and if needed downloading) a data set in a background thread.

:class:`DatasetLoader` runs :func:`cnnviz.data.load_dataset` in a daemon
thread and reports through queued Qt signals; :meth:`DatasetLoader.cancel`
stops a download between chunks. The last loaded data set is kept, so a
second run on the same data starts at once.
"""
from __future__ import annotations

import threading
from pathlib import Path
from typing import Optional

from PyQt5.QtCore import QObject, pyqtSignal

from ...data import DataError, DownloadCancelled, load_dataset
from ...data.imagefolder import is_image_folder, scan_image_folder
from .imagedecoder import UiThreadDecoder


class DatasetLoader(QObject):
    """One load at a time; ``loaded`` carries the Dataset, ``failed`` the data module's message."""

    #: bytes done, bytes in all (0 when unknown) of the current download
    progress = pyqtSignal(int, int)
    #: what is happening, e.g. "Downloading train-images-idx3-ubyte.gz (1 of 4)"
    status = pyqtSignal(str)
    loaded = pyqtSignal(object)
    failed = pyqtSignal(str)
    cancelled = pyqtSignal()
    #: the thread's result (kind, key, payload), handled on the UI thread by _deliver
    _outcome = pyqtSignal(str, object, object)

    def __init__(self, parent: Optional[QObject] = None):
        super().__init__(parent)
        self.thread: Optional[threading.Thread] = None
        self._cancel = threading.Event()
        self._cache = None           # ((name, folder), Dataset), only touched on the UI thread
        self._loading = False
        self.decoder = UiThreadDecoder(parent=self)     # a folder's images, decoded on the UI thread
        self._outcome.connect(self._deliver)

    def cached(self, name: str, data_dir, version=None) -> Optional[object]:
        """The data set if it was loaded from the same folder (and ``version`` of its files, for
        a folder of images that may have changed) before, else None."""
        if self._cache is not None and self._cache[0] == (name, str(Path(data_dir)), version):
            return self._cache[1]
        return None

    def remember(self, name: str, data_dir, data, version=None) -> None:
        """Keep ``data``, loaded elsewhere from ``data_dir``, as if this loader had loaded it."""
        self._cache = ((name, str(Path(data_dir)), version), data)

    def is_loading(self) -> bool:
        """True from :meth:`load` until ``loaded``, ``failed`` or ``cancelled`` has been delivered."""
        return self._loading

    def _deliver(self, kind: str, key, payload) -> None:
        # The cache and the flag change here, on the UI thread, right before the news goes out.
        self._loading = False
        self.decoder.stop()
        if kind == "loaded":
            self._cache = (key, payload)
            self.loaded.emit(payload)
        elif kind == "failed":
            self.failed.emit(payload)
        else:
            self.cancelled.emit()

    def load(self, name: str, data_dir, download: bool = True, version=None) -> None:
        """Start loading ``name`` from ``data_dir`` (downloading missing files if ``download``);
        ``name`` may be a folder of images (``version``: its files' signature, see cached)."""
        if self.is_loading():
            raise RuntimeError("a data set is already loading")
        self._cancel.clear()
        self._loading = True
        key = (name, str(Path(data_dir)), version)
        if is_image_folder(name):
            self.decoder.start()
        self.thread = threading.Thread(target=self._run, args=(key, download), name="cnnviz-data", daemon=True)
        self.thread.start()

    def cancel(self) -> None:
        self._cancel.set()
        self.decoder.stop()         # a thread waiting for an image goes on (and ends) at once

    def wait(self, timeout: Optional[float] = None) -> bool:
        """Join the loading thread; True when it has ended."""
        if self.thread is not None:
            self.thread.join(timeout)
        return self.thread is None or not self.thread.is_alive()

    def _run(self, key, download: bool) -> None:
        name, folder, _version = key
        if not is_image_folder(name):     # a folder of images: load_dataset announces its reading
            self.status.emit(f"Loading {name} from {folder}…")
        try:
            if is_image_folder(name):        # decoding starts ahead of the reading
                self.decoder.request(p for paths in scan_image_folder(name).files.values() for p in paths)
            data = load_dataset(name, folder, download=download,
                                progress=lambda done, total: self.progress.emit(int(done), int(total or 0)),
                                cancel=self._cancel.is_set, status=self.status.emit, image_reader=self.decoder.read)
        except DownloadCancelled:
            self._outcome.emit("cancelled", key, None)
            return
        except DataError as e:
            self._outcome.emit("failed", key, str(e))
            return
        except Exception as e:      # an unreadable file must not kill the thread silently
            self._outcome.emit("failed", key, f"{name}: {type(e).__name__}: {e}")
            return
        self._outcome.emit("cancelled" if self._cancel.is_set() else "loaded", key, data)
