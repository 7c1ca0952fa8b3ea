"""The Model menu's shipped models, and the window following the model: prompt, bars, names."""
import string
from pathlib import Path

import numpy as np
import pytest
from PyQt5.QtCore import QSettings
from PyQt5.QtGui import QImage, QPainter
from PyQt5.QtWidgets import QApplication, QMessageBox

import cnnviz.shipped as shipped
from cnnviz.gui.app.window import MainWindow
from cnnviz.gui.model.modelchoice import untrained_model
from cnnviz.gui.model.modeltext import what_to_draw
from cnnviz.gui.widgets.classbars import ClassBarChart
from cnnviz.gui.tools.synthstroke import draw_digit

from test_gui_views import show

LETTERS = list(string.ascii_uppercase)


def make_window(qtbot, tmp_path, size=(1366, 768)):
    settings = QSettings(str(tmp_path / "settings.ini"), QSettings.IniFormat)
    w = MainWindow(untrained_model("simple"), settings)
    qtbot.addWidget(w)
    w.resize(*size)
    w.show()
    qtbot.waitExposed(w)
    return w


def needs(name):
    if not shipped.model_path(name).is_file():
        pytest.skip(f"no shipped {name} model")


def test_the_shipped_models_are_chosen_by_name_and_the_window_follows(qtbot, tmp_path):
    needs("letters")
    needs("digits")
    w = make_window(qtbot, tmp_path)
    actions = [a.text().replace("&", "") for a in w.menuBar().actions()[3].menu().actions()]
    assert actions[:2] == ["Digits", "Letters"] and actions[3].startswith("Open")
    w.actions["shipped:letters"].trigger()
    ins = w.inspector
    assert ins.class_names == LETTERS and ins.model_path == str(shipped.model_path("letters"))
    assert w.actions["shipped:letters"].isChecked() and not w.actions["shipped:digits"].isChecked()
    assert w.canvas._hint == "Draw a letter here"
    assert w.draw_panel.prediction.text() == "draw a letter"
    chart = w.panels["probabilities"].widget().plot
    QApplication.processEvents()
    assert chart.names == LETTERS
    assert chart.label_step == 1, "every letter is named at 1366x768"
    w.actions["shipped:digits"].trigger()
    assert ins.class_names == list(string.digits) and w.canvas._hint == "Draw a digit here"
    assert w.actions["shipped:digits"].isChecked() and not w.actions["shipped:letters"].isChecked()


def test_a_missing_shipped_model_is_greyed_out_saying_why(qtbot, tmp_path, monkeypatch):
    monkeypatch.setitem(shipped.SHIPPED_MODELS, "shapes", "shapes-not-shipped.npz")
    w = make_window(qtbot, tmp_path)
    a = w.actions["shipped:shapes"]
    assert not a.isEnabled() and "shapes-not-shipped.npz is missing" in a.toolTip()
    w.menus.set_model_changes_enabled(True)                  # a run's end does not switch it on
    assert not a.isEnabled()
    box = w.training.panel.base_box
    item = box.model().item(box.findData("shapes"))
    assert not item.isEnabled() and "is missing" in item.toolTip()


def test_replacing_unsaved_training_with_a_shipped_model_asks_first(qtbot, training_window, app_questions):
    needs("letters")
    w = training_window
    w.training.panel.epochs_spin.setValue(1)
    w.training.panel.train_button.click()
    qtbot.waitUntil(lambda: w.training.worker is not None and not w.training.is_running()
                    and w.training.panel.state == "idle", timeout=30000)
    assert w.training.unsaved
    trained = w.inspector.network
    app_questions.answer = QMessageBox.Cancel
    w.actions["shipped:letters"].trigger()
    assert app_questions.asked and app_questions.asked[-1][0] == "Unsaved training"
    assert w.inspector.network is trained and not w.actions["shipped:letters"].isChecked()
    app_questions.answer = QMessageBox.Discard
    w.actions["shipped:letters"].trigger()
    assert w.inspector.class_names == LETTERS



def test_the_question_about_unsaved_training_says_what_the_autosave_keeps(qtbot, training_window, app_questions):
    """A finished run's weights are in its autosave (the app's cache), not in a file of the
    user's: the question says so instead of "quitting loses that training"."""
    w = training_window
    w.training.panel.epochs_spin.setValue(1)
    w.training.panel.train_button.click()
    qtbot.waitUntil(lambda: w.training.worker is not None and not w.training.is_running()
                    and w.training.panel.state == "idle", timeout=30000)
    path, step = w.training.autosaved
    assert Path(path).is_file() and Path(path).parent == w.training.checkpoint_dir
    assert step == w.training.progress.step > 0            # the run ended with the epoch it autosaved
    app_questions.answer = QMessageBox.Cancel
    w.new_preset("simple")
    title, text = app_questions.asked[-1]
    assert title == "Unsaved training" and "not saved to a file of yours" in text
    assert f"to start an untrained network now leaves it only as the autosave {path}" in text
    assert "loses" not in text
    app_questions.answer = None                     # the window may close at the end of the test


def test_letters_in_a_small_chart_take_two_lanes_that_never_touch(qtbot):
    chart = show(qtbot, ClassBarChart(), (205, 203))
    chart.set_classes(LETTERS)
    p = np.full(26, 0.001)
    p[6] = 0.975
    chart.set_values(p)
    QApplication.processEvents()
    assert (chart.label_step, chart.lanes) == (1, 2)
    axis = chart.getPlotItem().getAxis("bottom" if chart.orientation == "vertical" else "left")
    assert [s for _, s in axis._tickLevels[0]] == LETTERS
    image = QImage(10, 10, QImage.Format_RGB32)
    painter = QPainter(image)
    _axis, _ticks, texts = axis.generateDrawSpecs(painter)
    painter.end()
    rects = {text: rect for rect, _flags, text in texts}
    assert sorted(rects) == LETTERS
    for i, a in enumerate(LETTERS):
        for b in LETTERS[i + 1:]:
            assert not rects[a].intersects(rects[b]), (a, b)
    chart.resize(640, 320)                           # room enough: one lane
    QApplication.processEvents()
    assert (chart.label_step, chart.lanes) == (1, 1)


@pytest.mark.parametrize("names, words", [
    (list(string.digits), "a digit"), (LETTERS, "a letter"), (["cat", "dog"], "\u201ccat\u201d or \u201cdog\u201d"),
    (["ring", "triangle", "ㄱ"], "\u201cring\u201d, \u201ctriangle\u201d or \u201cㄱ\u201d"),
    ([f"c{i}" for i in range(12)], "something"), (["a very long class name", "b"], "something"),
])
def test_the_prompt_says_what_to_draw(names, words):
    assert what_to_draw(names) == words


def test_a_model_of_ones_own_classes_is_prompted_and_charted(qtbot, tmp_path):
    w = make_window(qtbot, tmp_path)
    w.set_model(untrained_model("simple", class_names=["ice cream", "ㄱ", "cat"]))
    assert w.canvas._hint == "Draw \u201cice cream\u201d, \u201cㄱ\u201d or \u201ccat\u201d here"
    draw_digit(w.canvas, "0")
    QApplication.processEvents()
    assert w.panels["probabilities"].widget().plot.names == ["ice cream", "ㄱ", "cat"]
    assert w.draw_panel.prediction.text().split(": ")[1].split(" (")[0] in ("ice cream", "ㄱ", "cat")


def test_the_words_about_unsaved_training_follow_the_autosave():
    from cnnviz.gui.training.progress import unsaved_text
    assert unsaved_text("quit", None, 40) == "to quit now loses that training."
    assert "leaves it only as the autosave /c/a.npz" in unsaved_text("quit", ("/c/a.npz", 40), 40)
    partly = unsaved_text("quit", ("/c/a.npz", 40), 1270)
    assert "last finished epoch (step 40) is kept as the autosave /c/a.npz" in partly
    assert partly.endswith("to quit now loses the 1,230 steps after it.")
    assert unsaved_text("quit", ("/c/a.npz", 40), None).endswith("loses the steps after it.")  # still running
