"""The checkpoints written after each epoch: the latest one, and the best one kept apart.

The latest checkpoint is overwritten after every epoch, whatever its test
accuracy: a run that goes wrong (a learning rate raised too far) would replace
good weights with bad ones there. So the best epoch (by test accuracy) goes to a
second file beside it, ``<name>-best.npz``, which is only ever replaced by a
better one, including a best file an earlier run left there. No Qt here; the
GUI's training worker and ``python main.py train`` use it the same way::

    checkpoints = Checkpoints(Path("run.npz"), lambda path: save_trained(path, ...))
    written = checkpoints.after_epoch(epoch, test_accuracy)   # after each EpochEvent
    written.latest, written.best      # paths written this time (best None if not better)
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Optional

from ..modelio import ModelFileError, load_model


@dataclass(frozen=True)
class Written:
    """What :meth:`Checkpoints.after_epoch` wrote: the latest checkpoint, and the best one or None."""
    latest: Path
    best: Optional[Path]


@dataclass(frozen=True)
class Saved:
    """A checkpoint on disk: its path, the epoch it holds (None: from an earlier run) and its test accuracy."""
    path: Path
    epoch: Optional[int]
    test_accuracy: Optional[float]


def best_path(latest: Path) -> Path:
    """Where the best checkpoint goes beside ``latest``: ``run.npz`` -> ``run-best.npz``."""
    latest = Path(latest)
    return latest.with_name(f"{latest.stem}-best{latest.suffix or '.npz'}")


class Checkpoints:
    """Writes the latest checkpoint to ``latest`` and the best one to ``best`` (default
    :func:`best_path` of ``latest``).

    ``save(path)`` writes the current model to ``path`` (atomically; it may
    raise ModelFileError or OSError, which reach the caller). A best file
    already there counts with the test accuracy recorded in it; one that
    cannot be read counts as absent.
    """

    def __init__(self, latest: Path, save: Callable[[Path], None], best: Optional[Path] = None):
        self.latest_path = Path(latest)
        self.best_path = best_path(self.latest_path) if best is None else Path(best)
        self._save = save
        self.latest: Optional[Saved] = None
        self.best: Optional[Saved] = self._existing_best()

    def _existing_best(self) -> Optional[Saved]:
        try:
            accuracy = load_model(self.best_path).test_accuracy
        except ModelFileError:
            return None
        return Saved(self.best_path, None, accuracy)

    def after_epoch(self, epoch: int, test_accuracy: Optional[float]) -> Written:
        """Write the latest checkpoint, and the best one when ``test_accuracy`` beats it (None never does)."""
        self._save(self.latest_path)
        self.latest = Saved(self.latest_path, epoch, test_accuracy)
        best_so_far = None if self.best is None else self.best.test_accuracy
        if test_accuracy is None or (best_so_far is not None and test_accuracy <= best_so_far):
            return Written(self.latest_path, None)
        self._save(self.best_path)
        self.best = Saved(self.best_path, epoch, test_accuracy)
        return Written(self.latest_path, self.best_path)
