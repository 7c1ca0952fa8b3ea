"""The Training panel's Data box at work: which folder, which files are there, loading.

:class:`DataSource` keeps the data folder (remembered in the settings), says in
the panel which of the chosen data set's files are on disk, and loads the data
set in the background (:class:`DatasetLoader`), handing it to whoever asked.
"""
from __future__ import annotations

import os
from pathlib import Path
from typing import Callable, Optional, Tuple

from PyQt5.QtCore import QObject, QSettings, pyqtSignal
from PyQt5.QtWidgets import QFileDialog

from ...data import DATA_DIR_ENV, DataError, available_datasets, dataset_files, get_info, resolve_data_dir
from ...data.imagefolder import FOLDER_IMAGE_SHAPE, scan_image_folder, split_sizes
from .dataloader import DatasetLoader
from .panel import TrainingPanel

#: QSettings key of the data folder chosen with "Local folder…"
DATA_DIR_KEY = "training/data_dir"


class DataSource(QObject):
    """Data folder, file status and loading for ``panel``'s chosen data set."""

    #: True when a load starts, False when it ends (loaded, failed or cancelled)
    loadingChanged = pyqtSignal(bool)
    #: a load failed: the message
    failed = pyqtSignal(str)

    def __init__(self, panel: TrainingPanel, settings: QSettings, parent: Optional[QObject] = None):
        super().__init__(parent)
        self.panel = panel
        self.settings = settings
        # no Qt parent: the loader's thread emits from it, so Python keeps it alive meanwhile
        self.loader = DatasetLoader()
        self.data = None                               # the data set loaded last
        self._after_load: Optional[Callable] = None   # what to do with the data set being loaded
        self._version = None                           # the files' signature of the folder being loaded
        self._read_notes = {}                          # folder -> (its files' signature, the read's notes)
        saved = settings.value(DATA_DIR_KEY)
        self.data_dir = str(saved) if saved else str(resolve_data_dir(os.environ.get(DATA_DIR_ENV)))
        panel.folderClicked.connect(self.choose_folder)
        panel.cancelLoadClicked.connect(self.loader.cancel)
        panel.datasetChanged.connect(self.refresh_files)
        panel.downloadToggled.connect(self.refresh_files)
        panel.batch_spin.valueChanged.connect(self._batch_changed)
        self.loader.progress.connect(panel.set_load_progress)
        self.loader.status.connect(self._loader_status)
        self.loader.loaded.connect(self._on_loaded)
        self.loader.failed.connect(self._on_failed)
        self.loader.cancelled.connect(self._on_cancelled)
        self.refresh_files()

    @property
    def loading(self) -> bool:
        return self.loader.is_loading()

    def set_data_dir(self, folder) -> None:
        """Use ``folder`` for data files from now on (remembered in the settings)."""
        self.data_dir = str(folder)
        self.settings.setValue(DATA_DIR_KEY, self.data_dir)
        self.refresh_files()

    def set_folders(self, folders) -> None:
        """List these folders of images (paths) as data sets too, and say again what the chosen
        one holds (its images may have changed)."""
        self.panel.set_folder_datasets(list(folders))
        self.refresh_files()

    def use_folder(self, folder: str) -> None:
        """Choose the folder of images ``folder`` as the data set to train on."""
        if self.panel.state != "idle":
            self.panel.set_message("Training is running: stop it first to train on another data set.")
            return
        self.panel.choose_dataset(folder)
        self.panel.set_message(f"\u201c{Path(folder).name}\u201d chosen: press Train. With few drawings per class, "
                               f"Start: Fine-tune a trained model learns faster than a new network.")

    def choose_folder(self) -> None:
        folder = QFileDialog.getExistingDirectory(self.panel, "Folder with data set files", self.data_dir)
        if folder:
            self.set_data_dir(folder)

    def is_folder(self) -> bool:
        """True when the chosen data set is a folder of images (not a named data set)."""
        return self.panel.dataset() not in available_datasets()

    def shape_and_classes(self) -> Tuple[Tuple[int, int, int], int]:
        """The chosen data set's image shape (C, H, W) and number of classes, without loading it.
        Raises DataError (e.g. a folder of images that is gone)."""
        name = self.panel.dataset()
        if self.is_folder():
            return FOLDER_IMAGE_SHAPE, len(scan_image_folder(name).class_names)
        info = get_info(name)
        return info.image_shape, info.num_classes

    def refresh_files(self, *_args) -> None:
        """Say which of the chosen data set's files are on disk."""
        name = self.panel.dataset()
        if self.is_folder():
            self._show_folder(name)
            return
        try:
            plan = dataset_files(name, self.data_dir)
        except DataError as e:
            self.panel.set_files_text(str(e), ok=False)
            return
        if plan.ready:
            folders = sorted({str(s.path.parent) for s in plan.files})
            self.panel.set_files_text(f"{plan.info.title}: files found in", path=", ".join(folders))
            return
        if plan.to_generate and len(plan.to_generate) == len(plan.missing):
            # nothing to fetch: Train makes them on this computer (no alarm colour)
            self.panel.set_files_text(f"{plan.info.title}: not made yet; Train makes them on this computer "
                                      f"(about a minute) in the folder below.", path=str(plan.download_dir))
            return
        missing = ", ".join(s.filename for s in plan.missing)
        count = len(plan.missing)
        them = "them" if count > 1 else "it"
        files = f"{count} files" if count > 1 else "1 file"
        folder = str(plan.download_dir)
        if self.panel.download_allowed() and all(s.downloadable for s in plan.missing):
            # not a problem yet: a first run downloads them, so no alarm colour
            self.panel.set_files_text(
                f"{plan.info.title}: not on this computer yet ({files}); Train downloads {them} "
                f"to the folder below, or choose a folder that holds {them}.", tip=f"missing: {missing}",
                path=folder)
        else:
            self.panel.set_files_text(f"{plan.info.title}: missing {missing}; put {them} in the folder "
                                      f"below or choose the folder that holds {them}.",
                                      ok=False, tip=f"missing: {missing}", path=folder)

    def _batch_changed(self, _batch: int) -> None:
        if self.is_folder():            # its note on steps per epoch follows the batch size
            self.refresh_files()

    def _show_folder(self, name: str) -> None:
        """How many classes and images a folder of images holds, and what keeps it from training."""
        try:
            scan = scan_image_folder(name)
        except DataError as e:
            self.panel.set_files_text(str(e), ok=False, path=name)
            return
        problems = scan.problems()
        # once read, the read's notes: they also name the files that could not be decoded
        read = self._read_notes.get(name)
        notes = list(read[1]) if read is not None and read[0] == scan.signature() else scan.notes()
        train, _test = split_sizes(scan.counts)
        batch = self.panel.batch_spin.value()
        # a batch as large as the whole training split makes every epoch a single step
        steps = (f"With batch {batch}, an epoch is a single step over the {train} training images; a batch "
                 f"of {max(1, train // 4)} gives four steps per epoch." if not problems and 0 < train <= batch else "")
        text = (f"{scan.root.name}: your images, {len(scan.class_names)} "
                f"class{'es' if len(scan.class_names) != 1 else ''}, {scan.total:,} image{'s' if scan.total != 1 else ''}. "
                + " ".join(problems or notes + [steps]))
        self.panel.set_files_text(text.strip(), ok=not problems, path=str(scan.root))

    def load_then(self, then: Callable) -> None:
        """Call ``then(data)`` with the chosen data set: at once when it is loaded already,
        else once it is (while loading, the newest request wins). A folder of images is read
        again when its files changed."""
        name = self.panel.dataset()
        version = None
        if self.is_folder():
            try:
                version = scan_image_folder(name).signature()
            except DataError:
                version = None             # the loader says what is wrong
        self._version = version
        data = self.loader.cached(name, self.data_dir, version)
        if data is not None:
            self.data = data
            then(data)
            return
        self._after_load = then
        if self.loader.is_loading():
            return
        self.panel.set_load_progress(0, 0)
        self.panel.set_message(f"Loading {name}…")
        self.loader.load(name, self.data_dir, download=self.panel.download_allowed(), version=version)
        self.loadingChanged.emit(True)

    def shutdown(self, timeout: float = 1.0) -> bool:
        """Cancel a load and wait for its thread; True when it has ended."""
        self.loader.cancel()
        if not self.loader.wait(timeout):
            self.loader.blockSignals(True)
            return False
        return True

    def _loader_status(self, text: str) -> None:
        self.panel.set_message(text)
        self.panel.set_load_progress(0, 0)

    def _on_loaded(self, data) -> None:
        self.data = data
        if self.is_folder():
            self._read_notes[self.panel.dataset()] = (self._version, data.notes)
        self.loadingChanged.emit(False)
        test = 0 if data.x_test is None else len(data.x_test)
        self.panel.set_message(" ".join([f"{data.name}: {len(data.x_train):,} training and {test:,} test images.",
                                         *data.notes]))
        self.refresh_files()
        then, self._after_load = self._after_load, None
        if then is not None:
            then(data)

    def _on_failed(self, message: str) -> None:
        self._after_load = None
        self.loadingChanged.emit(False)
        self.refresh_files()
        self.panel.set_message(message, error=True)
        self.failed.emit(message)

    def _on_cancelled(self) -> None:
        self._after_load = None
        self.loadingChanged.emit(False)
        self.refresh_files()
        self.panel.set_message("Loading cancelled.")
