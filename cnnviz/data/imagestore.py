"""Editing an image-folder data set on disk, every change undoable.

:class:`ImageFolderStore` adds, renames and removes classes (folders) and
adds, deletes and moves examples (PNG files) of the folder layout
:mod:`.imagefolder` reads. Each change is done completely or not at all (a
failure raises :class:`StoreError` and leaves the folder as it was) and is
pushed on an undo stack; what a deletion removed (the files' bytes) is kept
in memory so :meth:`ImageFolderStore.undo` can put it back.
"""
from __future__ import annotations

import os
import re
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, List, Optional, Sequence, Tuple

import numpy as np

from .classnames import check_class_name
from .errors import DataError
from .imagefolder import FolderScan, scan_image_folder
from .pngwrite import encode_png

#: changes that can be undone, newest last
UNDO_LIMIT = 100
_NUMBERED = re.compile(r"^(\d+)\.png$", re.IGNORECASE)


class StoreError(DataError):
    """A change to the folder that could not be made; nothing was changed."""


@dataclass
class _Change:
    """One undoable change: what it was (for "Undo <text>") and how to take it back."""
    text: str
    undo: Callable[[], None]
    paths: List[Path] = field(default_factory=list)


def _os_problem(error: OSError, doing: str, where: Path) -> StoreError:
    if isinstance(error, PermissionError):
        why = "permission denied: this folder is not writable. Choose a data folder you can write to"
    elif getattr(error, "errno", None) == 28:
        why = "the disk is full"
    else:
        why = error.strerror or str(error)
    return StoreError(f"Cannot {doing} in {where}: {why}.")


class ImageFolderStore:
    """The image folder at ``root`` (created on the first change if missing)."""

    def __init__(self, root):
        self.root = Path(root).expanduser()
        self._undo: List[_Change] = []

    # -- reading --------------------------------------------------------------
    def scan(self) -> FolderScan:
        """What the folder holds now (an empty scan when it does not exist yet)."""
        if not self.root.exists():
            return FolderScan(self.root, {})
        return scan_image_folder(self.root)

    def class_names(self) -> Tuple[str, ...]:
        return self.scan().class_names

    def folder(self, name: str) -> Path:
        return self.root / name

    def undo_text(self) -> Optional[str]:
        """What :meth:`undo` would take back ("adding a drawing to cat"), or None."""
        return self._undo[-1].text if self._undo else None

    # -- classes --------------------------------------------------------------
    def add_class(self, text: str) -> str:
        """A new, empty class named ``text`` (checked: see check_class_name); returns the name."""
        name = check_class_name(text, self.class_names())
        folder = self.folder(name)
        try:
            folder.mkdir(parents=True)
        except OSError as e:
            raise _os_problem(e, f"make the folder for \"{name}\"", self.root) from None
        self._push(f"adding the class \"{name}\"", lambda: _remove_empty(folder))
        return name

    def rename_class(self, old: str, text: str) -> str:
        """Give class ``old`` the name ``text`` (its folder is renamed); returns the new name."""
        others = [n for n in self.class_names() if n != old]
        name = check_class_name(text, others)
        if name == old:
            return name
        src, dst = self.folder(old), self.folder(name)
        try:
            src.rename(dst)
        except OSError as e:
            raise _os_problem(e, f"rename \"{old}\"", self.root) from None
        self._push(f"renaming \"{old}\" to \"{name}\"", lambda: dst.rename(src))
        return name

    def remove_class(self, name: str) -> Tuple[int, bool]:
        """Delete class ``name``: its images and, when nothing else is in it, its folder.
        Returns (images deleted, whether the folder is gone); all is kept for :meth:`undo`."""
        folder = self.folder(name)
        files = self.scan().files.get(name, [])
        kept = self._delete(files, f"delete the images of \"{name}\"")
        try:
            _remove_empty(folder)
            gone = True
        except OSError:
            gone = False         # other files are in it: the folder stays, the images are gone
        self._push(f"removing the class \"{name}\" ({_images(len(files))})",
                   lambda: (folder.mkdir(parents=True, exist_ok=True), _restore(kept)))
        return len(files), gone

    # -- examples -------------------------------------------------------------
    def add_example(self, name: str, image: np.ndarray) -> Path:
        """Save ``image`` (uint8 (H, W) grey or (H, W, 3) RGB) as the next PNG of class ``name``."""
        folder = self.folder(name)
        if not folder.is_dir():
            raise StoreError(f"There is no class \"{name}\" in {self.root} any more: add it again.")
        data = encode_png(image)
        path = _next_free(folder)
        _write_new(path, data, f"save the drawing for \"{name}\"", folder)
        self._push(f"adding a drawing to \"{name}\"", lambda: path.unlink(), [path])
        return path

    def delete_examples(self, paths: Sequence[Path]) -> None:
        """Delete these image files (kept in memory for :meth:`undo`)."""
        paths = [Path(p) for p in paths]
        kept = self._delete(paths, "delete the images")
        self._push(f"deleting {_images(len(paths))}", lambda: _restore(kept))

    def move_examples(self, paths: Sequence[Path], name: str) -> List[Path]:
        """Relabel: move these image files into class ``name``; returns their new paths."""
        folder = self.folder(name)
        if not folder.is_dir():
            raise StoreError(f"There is no class \"{name}\" in {self.root}.")
        moved: List[Tuple[Path, Path]] = []
        try:
            for src in map(Path, paths):
                dst = _next_free(folder, src.suffix.lower() or ".png")
                src.rename(dst)
                moved.append((src, dst))
        except OSError as e:
            for src, dst in reversed(moved):
                dst.rename(src)
            raise _os_problem(e, f"move the images to \"{name}\"", self.root) from None
        self._push(f"moving {_images(len(moved))} to \"{name}\"",
                   lambda: [dst.rename(src) for src, dst in reversed(moved)], [d for _, d in moved])
        return [d for _, d in moved]

    # -- undo -----------------------------------------------------------------
    def undo(self) -> Optional[str]:
        """Take back the newest change; returns what it was, or None with nothing to undo.
        Raises StoreError (and keeps the change) when the folder refuses."""
        if not self._undo:
            return None
        change = self._undo[-1]
        try:
            change.undo()
        except OSError as e:
            raise _os_problem(e, f"undo {change.text}", self.root) from None
        self._undo.pop()
        return change.text

    def _push(self, text: str, undo: Callable[[], None], paths: Sequence[Path] = ()) -> None:
        self._undo.append(_Change(text, undo, list(paths)))
        del self._undo[:-UNDO_LIMIT]

    def _delete(self, paths: Sequence[Path], doing: str) -> List[Tuple[Path, bytes]]:
        """Delete ``paths`` after reading them all: [(path, bytes)]; nothing deleted on a failure."""
        try:
            kept = [(p, p.read_bytes()) for p in paths]
        except OSError as e:
            raise _os_problem(e, doing, self.root) from None
        done = []
        try:
            for p, data in kept:
                p.unlink()
                done.append((p, data))
        except OSError as e:
            _restore(done)
            raise _os_problem(e, doing, self.root) from None
        return kept


def _images(n: int) -> str:
    return f"{n} image{'s' if n != 1 else ''}"


def _next_free(folder: Path, suffix: str = ".png") -> Path:
    """``<folder>/<n>.png`` with n one past the highest numbered file there (4 digits or more)."""
    numbers = [int(m.group(1)) for m in map(_NUMBERED.match, os.listdir(folder)) if m]
    n = max(numbers, default=0) + 1
    while True:
        path = folder / f"{n:04d}{suffix}"
        if not path.exists():
            return path
        n += 1


def _write_new(path: Path, data: bytes, doing: str, where: Path) -> None:
    """Write ``data`` to the new file ``path`` whole or not at all (a temporary file renamed)."""
    try:
        fd, tmp = tempfile.mkstemp(prefix=".", suffix=".part", dir=path.parent)
    except OSError as e:
        raise _os_problem(e, doing, where) from None
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.replace(tmp, path)
    except OSError as e:
        Path(tmp).unlink(missing_ok=True)
        raise _os_problem(e, doing, where) from None


def _restore(kept: Sequence[Tuple[Path, bytes]]) -> None:
    for path, data in kept:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)


def _remove_empty(folder: Path) -> None:
    """Remove ``folder`` if it is empty (OSError when it is not)."""
    folder.rmdir()
