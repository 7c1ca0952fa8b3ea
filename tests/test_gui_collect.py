"""Collect: a data set of one's own drawn on the canvas, kept as image files, trained on live."""

import numpy as np
import pytest
from PyQt5.QtCore import QSettings, Qt
from PyQt5.QtWidgets import QApplication

from cnnviz.data.imagestore import ImageFolderStore
from cnnviz.data.pngwrite import encode_png
from cnnviz.gui.app.window import MainWindow
from cnnviz.gui.model.modelchoice import untrained_model
from cnnviz.gui.training.panel import START_FINETUNE
from cnnviz.modelio import load_model
from cnnviz.shipped import model_path
from cnnviz.train.finetune import load_base

from shapes import draw_shape
from test_imagefolder import drawing, make_folder, read_only


@pytest.fixture
def window(qtbot, tmp_path):
    settings = QSettings(str(tmp_path / "settings.ini"), QSettings.IniFormat)
    w = MainWindow(untrained_model("simple"), settings)
    qtbot.addWidget(w)
    w.training.checkpoint_dir = tmp_path / "checkpoints"
    w.resize(1366, 768)
    w.show()
    qtbot.waitExposed(w)
    w.panels["collect"].raise_()
    QApplication.processEvents()
    yield w
    w.training.shutdown(5)


def new_set(window, app_questions, name="shapes"):
    app_questions.texts.append(name)
    window.collect.panel.new_set_button.click()
    return window.collect.store.root


def add_class(window, qtbot, name):
    p = window.collect.panel
    p.name_edit.clear()
    p.name_edit.setFocus()                      # as a click in it would: the keys go to it
    if name.isascii():
        qtbot.keyClicks(p.name_edit, name)
    else:                     # QTest types no Hangul: as an input method would, the text arrives whole
        p.name_edit.setText(name)
    qtbot.keyClick(p.name_edit, Qt.Key_Return)


def choose_class(window, name):
    p = window.collect.panel
    rows = [p.class_list.item(i).data(Qt.UserRole) for i in range(p.class_list.count())]
    p.class_list.setCurrentRow(rows.index(name))


def collect(window, kinds, n):
    for kind in kinds:
        choose_class(window, kind)
        for seed in range(n):
            draw_shape(window.canvas, kind, seed)
            window.collect.panel.add_button.click()
            assert window.canvas.is_blank(), window.collect.panel.message.text()


def train(qtbot, window, timeout=60000):
    t = window.training
    t.panel.train_button.click()
    qtbot.waitUntil(lambda: t.worker is not None or t.panel.state == "idle", timeout=timeout)
    qtbot.waitUntil(lambda: not t.is_running() and t.panel.state == "idle", timeout=timeout)
    return t


def test_classes_are_typed_drawings_added_and_the_gallery_edited_with_undo(window, qtbot, app_questions,
                                                                           user_data_folder):
    p = window.collect.panel
    assert "New… makes one" in p.message.text() and not p.add_button.isEnabled()
    root = new_set(window, app_questions)
    assert root == user_data_folder / "collections" / "shapes" and root.is_dir()
    assert p.set_box.currentText() == "shapes"
    for name in ("ring", "ㄱ", " ice cream "):
        add_class(window, qtbot, name)
    assert sorted(q.name for q in root.iterdir()) == ["ice cream", "ring", "ㄱ"]
    assert p.chosen_class() == "ice cream" and p.add_button.text() == "Add drawing to \u201cice cream\u201d"

    choose_class(window, "ring")
    draw_shape(window.canvas, "ring", 1)
    p.add_button.click()
    assert (root / "ring" / "0001.png").is_file() and window.canvas.is_blank()
    assert p.gallery.count() == 1 and "Added 0001.png to \u201cring\u201d (1 image)" in p.message.text()
    draw_shape(window.canvas, "ring", 2)
    window.canvas.setFocus()
    qtbot.keyClick(window.canvas, Qt.Key_Return)                 # Enter on the canvas adds it too
    assert p.gallery.count() == 2 and p.gallery_title.text() == "\u201cring\u201d: 2 images"
    assert p.class_list.currentItem().text().startswith("ring") and "(2)" in p.class_list.currentItem().text()

    p.gallery.item(1).setSelected(True)
    qtbot.keyClick(p.gallery, Qt.Key_Delete)
    assert p.gallery.count() == 1 and not (root / "ring" / "0002.png").exists()
    assert p.undo_button.toolTip() == "Undo deleting 1 image"
    p.undo_button.click()
    assert (root / "ring" / "0002.png").is_file() and p.gallery.count() == 2

    p.gallery.item(0).setSelected(True)
    targets = {a.data(): a for a in p.move_menu.actions()}
    assert set(targets) == {"ice cream", "ㄱ"}
    targets["ㄱ"].trigger()                                            # relabel
    assert sorted(q.name for q in (root / "ㄱ").iterdir()) == ["0001.png"] and p.gallery.count() == 1

    choose_class(window, "ice cream")
    p.name_edit.setText("ice-cream cone")
    p.rename_button.click()
    assert (root / "ice-cream cone").is_dir() and not (root / "ice cream").exists()
    p.remove_button.click()
    assert not (root / "ice-cream cone").exists()
    p.undo_button.click()
    assert (root / "ice-cream cone").is_dir()
    # the Training panel lists the data set
    box = window.training.panel.dataset_box
    assert box.findData(str(root)) > 0 and box.itemText(box.findData(str(root))) == "shapes (folder)"


@pytest.mark.parametrize("text, words", [
    ("", "needs a name"), ("Ring", "only in capitals"), ("ring", "already a class"), ("a/b", "folder names"),
])
def test_a_class_name_that_cannot_be_used_says_why_and_changes_nothing(window, qtbot, app_questions, text, words):
    root = new_set(window, app_questions)
    add_class(window, qtbot, "ring")
    p = window.collect.panel
    p.name_edit.setText(text)
    p.add_class_button.click()
    assert words in p.message.text() and "c0392b" in p.message.styleSheet()
    assert [q.name for q in root.iterdir()] == ["ring"]
    assert p.name_edit.text() == text                     # what was typed stays, to be corrected


def test_a_drawing_that_cannot_be_saved_stays_on_the_canvas(window, qtbot, app_questions):
    p = window.collect.panel
    draw_shape(window.canvas, "ring", 1)
    p.add_button.setEnabled(True)
    window.collect.add_drawing()
    assert "Choose" in p.message.text() or "Add a class first" in p.message.text()
    root = new_set(window, app_questions)
    add_class(window, qtbot, "cat")
    undo = read_only(root / "cat")
    try:
        p.add_button.click()
    finally:
        undo()
    assert "not writable" in p.message.text() and "stays on the canvas" in p.message.text()
    assert len(window.canvas.strokes()) == 1 and list((root / "cat").iterdir()) == []
    window.canvas.clear()
    p.add_button.click()
    assert "Draw \u201ccat\u201d on the canvas first" in p.message.text()


def test_an_unwritable_data_folder_is_said_and_another_folder_can_be_chosen(window, app_questions,
                                                                           user_data_folder, tmp_path):
    collections = user_data_folder / "collections"
    collections.mkdir(parents=True)
    undo = read_only(collections)
    try:
        app_questions.texts.append("shapes")
        assert not window.collect.new_set()
    finally:
        undo()
    p = window.collect.panel
    assert "Choose a folder you can write to with Open…" in p.message.text()
    mine = tmp_path / "my drawings"
    mine.mkdir()
    app_questions.folders.append(mine)
    p.open_button.click()
    assert window.collect.store.root == mine and p.set_box.currentData() == str(mine)
    assert window.collect.add_class() is False                     # nothing typed yet
    assert "needs a name" in p.message.text()


@pytest.mark.slow
def test_three_classes_of_ten_drawings_fine_tune_the_letters_model(window, qtbot, app_questions, tmp_path):
    if not model_path("letters").is_file():
        pytest.skip("no shipped letters model")
    root = new_set(window, app_questions)
    for name in ("ring", "triangle", "ㄱ"):
        add_class(window, qtbot, name)
    collect(window, ("ring", "triangle", "ㄱ"), 10)
    assert "Added 0010.png to \u201cㄱ\u201d (10 images)" in window.collect.panel.message.text()

    window.collect.panel.train_button.click()
    t = window.training
    p = t.panel
    assert p.dataset() == str(root) and window.panels["training"].isVisible()
    assert "your images, 3 classes, 30 images" in p.files_label.text()
    p.start_box.setCurrentIndex(p.start_box.findData(START_FINETUNE))
    p.base_box.setCurrentIndex(p.base_box.findData("letters"))
    assert p.base_box.isVisible() and not p.preset_box.isVisible()
    p.freeze_check.setChecked(True)
    p.epochs_spin.setValue(10)
    p.batch_spin.setValue(8)
    train(qtbot, window)
    assert t.worker.done.reason == "completed", p.message_label.text()
    ins = window.inspector
    assert ins.class_names == ["ring", "triangle", "ㄱ"] and ins.network.name == "liteocr"
    letters = load_base("letters").network
    for key in ("conv1.W", "conv2.b"):
        np.testing.assert_array_equal(ins.network.params[key], letters.params[key])     # frozen
    assert ins.meta["extra"]["recipe"]["freeze_convs"] and ins.meta["dataset"] == "shapes"
    assert ins.meta["test_accuracy"] >= 0.5

    filters = window.panels["filters"].widget()
    window.panels["filters"].raise_()
    filters.compare_box.setChecked(True)
    QApplication.processEvents()
    assert "no filter moved since the start" in filters.title.text()
    ins.select([e.name for e in ins.entries()].index("fc1"))
    QApplication.processEvents()
    assert "most moved: unit" in filters.title.text()

    draw_shape(window.canvas, "triangle", 99)
    assert ins.class_names[ins.prediction()] == "triangle"
    assert "Draw \u201cring\u201d, \u201ctriangle\u201d or \u201cㄱ\u201d here" == window.canvas._hint
    out = tmp_path / "mine.npz"
    assert window.save_model(out)
    assert load_model(out).class_names == ["ring", "triangle", "ㄱ"]


def test_a_class_with_one_drawing_keeps_training_from_starting(window, app_questions, tmp_path):
    folder = make_folder(tmp_path / "few", {"ring": 3, "bar": 1})
    app_questions.folders.append(folder)
    window.collect.panel.open_button.click()
    assert "\"bar\" has 1 example" in window.collect.panel.message.text()
    before = window.inspector.network
    window.collect.panel.train_button.click()
    p = window.training.panel
    assert "\"bar\" has 1 example" in p.files_label.text() and "c0392b" in p.files_label.styleSheet()
    p.train_button.click()
    qt_wait_idle(window)
    assert "\"bar\" has 1 example" in p.message_label.text() and "c0392b" in p.message_label.styleSheet()
    assert window.inspector.network is before


def qt_wait_idle(window):
    import time
    end = time.monotonic() + 20
    while time.monotonic() < end and (window.training.source.loading or window.training.is_running()):
        QApplication.processEvents()
        time.sleep(0.01)


def test_a_folder_made_elsewhere_with_other_files_trains_and_lists_what_was_skipped(window, app_questions,
                                                                                     tmp_path, qtbot):
    folder = make_folder(tmp_path / "elsewhere", {"ring": 6, "bar": 6})
    (folder / "bar" / "broken.png").write_bytes(b"\x89PNG\r\n\x1a\n" + b"damaged" * 9)
    (folder / "ring" / "notes.txt").write_text("mine")
    app_questions.folders.append(folder)
    window.collect.panel.open_button.click()
    p = window.collect.panel
    assert "1 file skipped: ring/notes.txt (not an image file)" in p.message.text()
    choose_class(window, "bar")
    assert p.gallery.count() == 7                     # the damaged file shows (as an empty tile)
    window.collect.panel.train_button.click()
    t = window.training
    t.panel.epochs_spin.setValue(1)
    t.panel.batch_spin.setValue(5)
    train(qtbot, window)
    assert t.worker.done.reason == "completed"
    assert window.inspector.class_names == ["bar", "ring"]
    assert (len(t.data.x_train), len(t.data.x_test)) == (10, 2)
    notes = " ".join(t.data.notes)
    assert "2 files skipped" in notes and "bar/broken.png (its PNG header gives no usable size" in notes and "notes.txt" in notes


def test_a_hundred_and_twenty_classes_are_listed_trained_and_charted(window, app_questions, tmp_path, qtbot):
    root = tmp_path / "many"
    for i in range(120):
        (root / f"class {i:03d}").mkdir(parents=True)
        for k in range(2):
            (root / f"class {i:03d}" / f"{k}.png").write_bytes(encode_png(drawing("ring", i * 2 + k, 40)))
    app_questions.folders.append(root)
    window.collect.panel.open_button.click()
    assert window.collect.panel.class_list.count() == 120
    assert "120 classes" in window.collect.panel.message.text()
    window.collect.panel.train_button.click()
    t = window.training
    assert "120 classes" in t.panel.files_label.text()
    t.panel.epochs_spin.setValue(1)
    t.panel.batch_spin.setValue(60)
    train(qtbot, window)
    assert t.worker.done.reason == "completed" and window.inspector.network.num_classes == 120
    draw_shape(window.canvas, "ring", 3)
    chart = window.panels["probabilities"].widget().plot
    assert len(chart.names) == 120 and chart.label_step > 1           # every k-th name, the hover the rest


def test_added_drawings_are_read_again_when_training_starts_again(window, app_questions, qtbot):
    root = new_set(window, app_questions)
    store = ImageFolderStore(root)
    for name in ("ring", "bar"):
        store.add_class(name)
        for k in range(3):
            store.add_example(name, drawing(name, k))
    window.collect.refresh()
    window.collect.panel.train_button.click()
    t = window.training
    t.panel.epochs_spin.setValue(1)
    train(qtbot, window)
    assert len(t.data.x_train) + len(t.data.x_test) == 6
    choose_class(window, "ring")
    draw_shape(window.canvas, "ring", 5)
    window.collect.panel.add_button.click()
    train(qtbot, window)
    assert len(t.data.x_train) + len(t.data.x_test) == 7
