"""Shared test set-up: Qt renders offscreen; the real data sets are optional."""
import os
from pathlib import Path

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

ROOT = Path(__file__).resolve().parents[1]
SHARED_DATASETS = Path(os.environ.get("CNNVIZ_TEST_DATASETS", ROOT.parent / "shared" / "datasets"))


@pytest.fixture
def shared_datasets() -> Path:
    """The directory of real data set files (../shared/datasets), or skip with the reason."""
    if not (SHARED_DATASETS / "mnist" / "t10k-images-idx3-ubyte.gz").is_file():
        pytest.skip(f"real data sets not found at {SHARED_DATASETS} (set CNNVIZ_TEST_DATASETS)")
    return SHARED_DATASETS


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
