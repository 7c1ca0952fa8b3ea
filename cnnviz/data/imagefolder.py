"""A data set kept as image files, one folder per class: ``<root>/<class>/<file>.png``.

This is the layout torchvision's ImageFolder reads, so a folder made by
another program (or by hand) is read the same way as one collected in the app.
A class is a sub-folder of the root (its name is the class name); its images
are the image files anywhere inside it. Hidden files and folders (a leading
dot) are passed over; other files are skipped and listed, never fatal.

The data layer decodes no image format itself: :func:`load_image_folder`
takes a ``reader`` (path -> uint8 (H, W), (H, W, 3) or (H, W, 4) array, raising
for a file it cannot decode). The app and the command line pass
:func:`cnnviz.gui.imagefile.read_image` (Qt's decoders). Every image then goes
through the canvas's own preprocessing (:func:`cnnviz.preprocess.preprocess`),
so other sizes and colours become what a drawing becomes.
"""
from __future__ import annotations

import os
import unicodedata
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Dict, Iterable, List, Optional, Sequence, Tuple

import numpy as np

from ..preprocess import EmptyImageError, preprocess
from .dataset import Dataset
from .download import Cancel, Progress
from .errors import DataError, DownloadCancelled
from .registry import REGISTRY, SPLITS

IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".bmp", ".gif", ".pgm", ".ppm", ".pbm", ".tif", ".tiff", ".webp")
#: what every image of an image folder becomes: a 28x28 grey network input, like a drawing
FOLDER_IMAGE_SHAPE = (1, 28, 28)
#: a class needs this many images: one to train on and one to test with
MIN_EXAMPLES = 2
#: fewer images than this in a class earn a note: the network will mostly guess
FEW_EXAMPLES = 10
#: more classes than this earn a note
MANY_CLASSES = 100
#: more sub-folders than this are refused (most likely not a data set at all)
MAX_CLASSES = 1000
TEST_FRACTION = 0.2

Reader = Callable[[Path], np.ndarray]


class FolderError(DataError):
    """An image folder that cannot be read or trained on; the message says why and what to do."""


@dataclass(frozen=True)
class Skipped:
    """A file that is not part of the data set, and why (shown to the user)."""
    path: Path
    reason: str


@dataclass
class FolderScan:
    """What an image folder holds, found without opening any image.

    ``files`` maps each class name (sorted, Unicode NFC) to its image files
    (sorted); ``skipped`` lists the files passed over.
    """
    root: Path
    files: Dict[str, List[Path]]
    skipped: List[Skipped] = field(default_factory=list)

    @property
    def class_names(self) -> Tuple[str, ...]:
        return tuple(self.files)

    @property
    def counts(self) -> Dict[str, int]:
        return {name: len(paths) for name, paths in self.files.items()}

    @property
    def total(self) -> int:
        return sum(len(paths) for paths in self.files.values())

    def problems(self) -> List[str]:
        """Why the folder cannot be trained on yet, a sentence each (empty: it can)."""
        names = self.class_names
        if not names:
            return [f"{self.root} holds no class folders: a data set needs one sub-folder per class "
                    f"with that class's images in it."]
        out = []
        if len(names) == 1:
            out.append(f"A network learns to tell classes apart: add a second class (there is only "
                       f"\"{names[0]}\").")
        if len(names) > MAX_CLASSES:
            out.append(f"{self.root} has {len(names):,} sub-folders; cnnviz trains at most {MAX_CLASSES:,} "
                       f"classes. Is it the right folder?")
        short = [n for n in names if len(self.files[n]) < MIN_EXAMPLES]
        if short:
            out.append(f"{_counted(short, self.counts)}: every class needs at least {MIN_EXAMPLES} (one to "
                       f"train on, one to test with); {FEW_EXAMPLES} or more make a useful start.")
        return out

    def notes(self) -> List[str]:
        """What the user should know before training on it, a sentence each (see :func:`folder_notes`)."""
        return folder_notes(self.counts, self.skipped)

    def signature(self) -> Tuple[Tuple[str, int, int], ...]:
        """(path, size, modification time) of every image: equal signatures, equal data set."""
        out = []
        for paths in self.files.values():
            for p in paths:
                try:
                    st = p.stat()
                except OSError:
                    continue
                out.append((str(p), st.st_size, st.st_mtime_ns))
        return tuple(out)


def folder_notes(counts: Dict[str, int], skipped: Sequence[Skipped]) -> List[str]:
    """Notes on an image folder with ``counts`` images per class and ``skipped`` files: classes
    with few examples, very many classes, the files skipped."""
    out = []
    few = [n for n, k in counts.items() if MIN_EXAMPLES <= k < FEW_EXAMPLES]
    if few:
        out.append(f"Few examples: {_counted(few, counts)}. With fewer than {FEW_EXAMPLES} per class "
                   f"the test accuracy rests on one or two images.")
    if len(counts) > MANY_CLASSES:
        out.append(f"{len(counts):,} classes: the probability chart names every few bars (hover one "
                   f"for its class), and each class needs its own examples.")
    if skipped:
        out.append(skipped_text(skipped))
    return out


def is_image_folder(name) -> bool:
    """True when ``name`` (a data set argument) means an image folder: not a registered
    data set's name, and an existing folder."""
    if isinstance(name, str) and name.strip().lower() in REGISTRY:
        return False
    return isinstance(name, (str, os.PathLike)) and Path(name).expanduser().is_dir()


def skipped_text(skipped: Sequence[Skipped], most: int = 5) -> str:
    """'2 files skipped: notes.txt (not an image file), a.png (corrupt)' (the first ``most``)."""
    shown = "; ".join(f"{s.path.parent.name}/{s.path.name} ({s.reason})" for s in skipped[:most])
    more = f"; and {len(skipped) - most} more" if len(skipped) > most else ""
    return f"{len(skipped)} file{'s' if len(skipped) != 1 else ''} skipped: {shown}{more}."


def _counted(names: Sequence[str], counts: Dict[str, int], most: int = 6) -> str:
    """'"dog" has 1 example, "ㄱ" has none' for the first ``most`` names."""
    def one(n):
        k = counts[n]
        return f"\"{n}\" has " + ("none" if k == 0 else f"{k} example{'s' if k != 1 else ''}")
    text = ", ".join(one(n) for n in names[:most])
    return text + (f" and {len(names) - most} more classes have too few" if len(names) > most else "")


def scan_image_folder(root) -> FolderScan:
    """The classes and image files under ``root`` (nothing is decoded).

    Raises FolderError when ``root`` is missing, not a folder or cannot be listed.
    """
    root = Path(root).expanduser()
    if not root.exists():
        raise FolderError(f"The folder {root} does not exist.")
    if not root.is_dir():
        raise FolderError(f"{root} is a file, not a folder: choose the folder that holds one sub-folder per class.")
    skipped: List[Skipped] = []
    try:
        entries = sorted(os.scandir(root), key=lambda e: e.name)
    except OSError as e:
        raise FolderError(f"Cannot read the folder {root}: {e.strerror or e}.") from None
    classes: Dict[str, List[Path]] = {}
    for entry in entries:
        if entry.name.startswith("."):
            continue
        path = Path(entry.path)
        if entry.is_dir():
            classes[unicodedata.normalize("NFC", entry.name)] = _images_in(path, skipped)
        else:
            skipped.append(Skipped(path, "not in a class folder"))
    return FolderScan(root, dict(sorted(classes.items())), skipped)


def _images_in(folder: Path, skipped: List[Skipped]) -> List[Path]:
    """The image files anywhere under ``folder`` (sorted); other files go to ``skipped``."""
    found = []

    def unreadable(error: OSError) -> None:
        skipped.append(Skipped(Path(error.filename or folder), f"cannot be read: {error.strerror or error}"))
    for here, dirs, files in os.walk(folder, onerror=unreadable):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        for name in sorted(files):
            if name.startswith("."):
                continue
            path = Path(here) / name
            if path.suffix.lower() in IMAGE_SUFFIXES:
                found.append(path)
            else:
                skipped.append(Skipped(path, "not an image file"))
    return found


def tested_count(n: int, test_fraction: float = TEST_FRACTION) -> int:
    """How many of a class's ``n`` images the split tests: at least one and at most n - 1
    (none of a class of one)."""
    return 0 if n < 2 else min(n - 1, max(1, int(round(n * test_fraction))))


def split_sizes(counts: Dict[str, int], test_fraction: float = TEST_FRACTION) -> Tuple[int, int]:
    """(training images, test images) the split makes of classes of these sizes."""
    test = sum(tested_count(n, test_fraction) for n in counts.values())
    return sum(counts.values()) - test, test


def stratified_split(labels: np.ndarray, keys: Sequence[str], test_fraction: float = TEST_FRACTION,
                     seed: int = 0) -> Tuple[np.ndarray, np.ndarray]:
    """Indices (train, test) that keep every class's share in both splits.

    labels: (N,) ints; keys: N strings naming the images (their paths). Of a
    class with n >= 2 images, ``min(n - 1, max(1, round(n * test_fraction)))``
    go to the test split, so each class has at least one image on either side;
    a class with one image is trained on only. Which images are tested is
    decided by a hash of ``seed`` and the key, so the split is the same on
    every run and adding an image moves few others.
    """
    labels = np.asarray(labels)
    rank = np.array([zlib.crc32(f"{seed}:{k}".encode("utf-8")) for k in keys], dtype=np.int64)
    test = []
    for c in np.unique(labels):
        members = np.flatnonzero(labels == c)
        k = tested_count(len(members), test_fraction)
        test.extend(members[np.argsort(rank[members], kind="stable")[:k]])
    test_idx = np.sort(np.asarray(test, dtype=np.int64))
    train_idx = np.setdiff1d(np.arange(len(labels)), test_idx)
    return train_idx, test_idx


def read_examples(scan: FolderScan, reader: Reader, input_shape: Sequence[int] = FOLDER_IMAGE_SHAPE,
                  progress: Optional[Progress] = None, cancel: Optional[Cancel] = None
                  ) -> Tuple[np.ndarray, np.ndarray, List[str], List[Skipped]]:
    """Every image of ``scan`` read by ``reader`` and preprocessed to ``input_shape``.

    Returns images uint8 (N, C, H, W), labels int64 (N,) (indices into the
    scan's classes), the images' paths relative to the root, and the files
    that could not be used (unreadable, or blank: nothing drawn).
    ``progress(done_bytes, total_bytes)`` follows the files read; a true
    ``cancel()`` raises DownloadCancelled.
    """
    jobs = [(label, path) for label, paths in enumerate(scan.files.values()) for path in paths]
    sizes = [_size(p) for _, p in jobs]
    total, done = sum(sizes), 0
    images, labels, keys, skipped = [], [], [], []
    for (label, path), size in zip(jobs, sizes):
        if cancel is not None and cancel():
            raise DownloadCancelled(f"reading {scan.root} was cancelled")
        try:
            x = preprocess(reader(path), input_shape)
        except EmptyImageError:
            skipped.append(Skipped(path, "blank: nothing drawn"))
        except Exception as e:       # any decoder's or preprocessing's refusal: the file is skipped
            skipped.append(Skipped(path, _reason(e, path)))
        else:
            images.append(np.round(x * 255).astype(np.uint8))
            labels.append(label)
            keys.append(path.relative_to(scan.root).as_posix())
        done += size
        if progress is not None:
            progress(done, total)
    shape = (0, *input_shape)
    x = np.stack(images) if images else np.zeros(shape, np.uint8)
    return x, np.asarray(labels, dtype=np.int64), keys, skipped


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0


def _reason(error: Exception, path: Path) -> str:
    """A decoder's message without the path it repeats ("cannot read image <path>: corrupt")."""
    text = str(error) or type(error).__name__
    head = f"{path}: "
    return text.split(head, 1)[1] if head in text else text


def load_image_folder(root, reader: Reader, input_shape: Sequence[int] = FOLDER_IMAGE_SHAPE,
                      test_fraction: float = TEST_FRACTION, seed: int = 0, splits: Iterable[str] = SPLITS,
                      progress: Optional[Progress] = None, cancel: Optional[Cancel] = None) -> Dataset:
    """The image folder ``root`` as a Dataset named after the folder, split per class.

    Class names are the sub-folders' names, sorted. Unreadable and blank
    images are skipped and named in ``Dataset.notes``, with the scan's notes
    (few examples, many classes, other files). Raises FolderError when the
    folder cannot be trained on (see :meth:`FolderScan.problems`; checked again
    after reading, since skipped files may leave a class too few images).
    """
    scan = scan_image_folder(root)
    problems = scan.problems()
    if problems:
        raise FolderError(" ".join(problems))
    x, y, keys, unusable = read_examples(scan, reader, input_shape, progress, cancel)
    counts = {name: int(np.sum(y == i)) for i, name in enumerate(scan.class_names)}
    short = [n for n, k in counts.items() if k < MIN_EXAMPLES]
    if short:
        raise FolderError(f"{_counted(short, counts)} that could be read: every class needs at least "
                          f"{MIN_EXAMPLES}. " + (skipped_text(unusable) if unusable else ""))
    train, test = stratified_split(y, keys, test_fraction, seed)
    wanted = set(splits)
    notes = folder_notes(counts, scan.skipped + unusable)
    pick = (lambda idx, split: (x[idx], y[idx]) if split in wanted else (None, None))
    (x_train, y_train), (x_test, y_test) = pick(train, "train"), pick(test, "test")
    return Dataset(name=scan.root.name, x_train=x_train, y_train=y_train, x_test=x_test, y_test=y_test,
                   class_names=scan.class_names, image_shape=tuple(input_shape), source=str(scan.root),
                   splits=tuple(s for s in SPLITS if s in wanted), notes=tuple(notes))
