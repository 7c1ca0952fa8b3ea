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


@pytest.fixture(autouse=True)
def _widgets_outlive_their_test(request):
    """Every test that uses qtbot holds its widgets until pytest-qt has closed them (see
    hold_widgets): a window whose test has returned lives on in reference cycles only, and
    pytest-qt repaints it once more before closing it; a garbage collection in that repaint
    freed the window under pyqtgraph's axis painting and crashed the run."""
    if "qtbot" in request.fixturenames:
        request.getfixturevalue("hold_widgets")
    yield


class Answers:
    """The app's questions (Quit while training? Replace unsaved training?) as a test sees them:
    each is recorded in ``asked`` (title, text) and answered with ``answer`` (a QMessageBox
    button), so no modal box ever waits for a person during the tests. Questions asking for a
    line of text (a new data set's name) or a folder are answered from ``texts`` and
    ``folders`` in turn ("" - cancelled - when they run out)."""

    def __init__(self):
        self.asked = []
        self.answer = None
        self.texts = []
        self.folders = []

    def text(self, parent, title, label):
        self.asked.append((title, label))
        return self.texts.pop(0) if self.texts else ""

    def folder(self, parent, title, start):
        self.asked.append((title, start))
        return str(self.folders.pop(0)) if self.folders else ""

    def __call__(self, parent, title, text, buttons, default):
        from PyQt5.QtWidgets import QMessageBox
        self.asked.append((title, text))
        if self.answer is not None:
            return self.answer
        # by default: let it go (Discard or Yes), so a test's windows can always close
        return QMessageBox.Discard if buttons & QMessageBox.Discard else QMessageBox.Yes


@pytest.fixture(autouse=True)
def app_questions(monkeypatch):
    """Every test: the app's questions go to an :class:`Answers` (see there)."""
    answers = Answers()
    try:
        from cnnviz.gui.app import dialogs
    except ImportError:           # no Qt: nothing asks
        yield answers
        return
    from cnnviz.gui.collect import panel as collect_panel
    monkeypatch.setattr(dialogs, "ask", answers)
    monkeypatch.setattr(collect_panel, "ask_text", answers.text)
    monkeypatch.setattr(collect_panel, "ask_folder", answers.folder)
    yield answers


@pytest.hookimpl(hookwrapper=True, tryfirst=True)
def pytest_runtest_teardown(item):
    """Before pytest-qt closes a test's widgets: its questions get the default answers again
    (a test that answered Cancel would keep its window open); after: any top-level window
    still shown is closed. A window left on screen is painted during later tests, and when
    the garbage collector frees its Python side in the middle of such a repaint the process
    crashes (a run of the tests did, in pyqtgraph's axis painting)."""
    answers = getattr(item, "funcargs", {}).get("app_questions")
    if isinstance(answers, Answers):
        answers.answer = None
    yield
    try:
        from PyQt5.QtWidgets import QApplication
    except ImportError:
        return
    app = QApplication.instance()
    if app is None:
        return
    for widget in QApplication.topLevelWidgets():
        if widget.isVisible():
            closer = getattr(widget, "discard_and_close", None)
            (closer or widget.close)()
    app.processEvents()


@pytest.fixture
def training_window(qtbot, tmp_path):
    """A window over a tiny MNIST-like data set (200 training images, batch 20, 2 epochs)."""
    from PyQt5.QtCore import QSettings
    from cnnviz.gui.app.window import MainWindow
    from cnnviz.gui.model.modelchoice import untrained_model
    from test_cli import write_idx_dataset
    write_idx_dataset(tmp_path / "data" / "mnist", n_train=200, n_test=50)
    settings = QSettings(str(tmp_path / "settings.ini"), QSettings.IniFormat)
    w = MainWindow(untrained_model("simple"), settings)
    qtbot.addWidget(w)
    w.training.checkpoint_dir = tmp_path / "checkpoints"
    w.training.set_data_dir(tmp_path / "data")
    p = w.training.panel
    p.batch_spin.setValue(20)
    p.epochs_spin.setValue(2)
    p.init_box.setCurrentIndex(p.init_box.findData("he"))
    w.resize(1200, 800)
    w.show()
    qtbot.waitExposed(w)
    yield w
    w.training.shutdown(5)


@pytest.fixture(autouse=True)
def user_data_folder(tmp_path_factory, monkeypatch):
    """Every test: the user's data folder (collected data sets) is a fresh temporary one, never
    the real ~/.local/share/cnnviz."""
    folder = tmp_path_factory.mktemp("user-data")
    monkeypatch.setenv("XDG_DATA_HOME", str(folder))
    return folder / "cnnviz"
