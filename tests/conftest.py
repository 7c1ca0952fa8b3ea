"""Shared test set-up: Qt renders offscreen; the real data sets are optional."""
import os
from pathlib import Path

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

ROOT = Path(__file__).resolve().parents[1]
SHARED_DATASETS = Path(os.environ.get("CNNVIZ_TEST_DATASETS", ROOT.parent / "shared" / "datasets"))


def require_real_dataset(name: str, splits=("train", "test")) -> Path:
    """The directory of real data set files (../shared/datasets) once ``<it>/<name>/`` holds every
    file ``splits`` need (by the registry's file names); else skip, naming what is missing."""
    from cnnviz.data import REGISTRY
    folder = SHARED_DATASETS / name
    if not folder.is_dir():
        pytest.skip(f"real data set folder {folder} not found (set CNNVIZ_TEST_DATASETS)")
    needed = dict.fromkeys(f.filename for split in splits for f in REGISTRY[name].download_files(split))
    missing = [n for n in needed if not (folder / n).is_file()]
    if missing:
        pytest.skip(f"real data files not found in {folder}: {', '.join(missing)}")
    return SHARED_DATASETS


@pytest.fixture
def real_dataset():
    """``real_dataset(name, splits=("train", "test"))``: see :func:`require_real_dataset`."""
    return require_real_dataset


@pytest.fixture
def shared_datasets() -> Path:
    """The directory of real data set files, with the MNIST test split in it; or skip with the reason."""
    return require_real_dataset("mnist", ("test",))


@pytest.fixture
def hold_widgets(qtbot, monkeypatch):
    """Keep the test's widgets alive until pytest-qt has closed them: it holds only weak
    references, and a widget kept alive by reference cycles alone could be garbage-collected
    in the middle of a repaint."""
    held = []
    add = qtbot.addWidget

    def add_and_hold(widget, **kw):
        held.append(widget)
        return add(widget, **kw)
    monkeypatch.setattr(qtbot, "addWidget", add_and_hold)
    yield
    held.clear()
