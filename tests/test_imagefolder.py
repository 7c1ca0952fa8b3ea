"""Image folders as data sets: class names, scanning, the split, reading, the editable store.

The data layer decodes no image format itself. Most tests here pass it a reader that
understands only the PNGs cnnviz writes (unfiltered rows, zlib), so they run without Qt;
the tests of files made elsewhere (JPEG, colour, alpha, corrupt) use the app's reader.
"""
import os
import struct
import unicodedata
import zlib
from pathlib import Path

import numpy as np
import pytest

from cnnviz.data import load_dataset
from cnnviz.data.classnames import ClassNameError, check_class_name
from cnnviz.data.imagefolder import (MAX_CLASSES, FolderError, is_image_folder, load_image_folder,
                                     scan_image_folder, stratified_split)
from cnnviz.data.imagestore import ImageFolderStore, StoreError
from cnnviz.data.paths import user_data_dir
from cnnviz.data.pngwrite import encode_png
from cnnviz.preprocess import preprocess


def own_png(path) -> np.ndarray:
    """Decode a PNG written by encode_png (8-bit grey or RGB, filter 0): the reader contract
    (path -> uint8 array) without any image library."""
    data = Path(path).read_bytes()
    if not data.startswith(b"\x89PNG\r\n\x1a\n"):
        raise ValueError("not a PNG written by cnnviz")
    w, h, _depth, colour = struct.unpack(">IIBB", data[16:26])
    start = data.index(b"IDAT") + 4
    length = struct.unpack(">I", data[start - 8:start - 4])[0]
    rows = np.frombuffer(zlib.decompress(data[start:start + length]), np.uint8)
    channels = 1 if colour == 0 else 3
    image = rows.reshape(h, 1 + w * channels)[:, 1:]
    return image.reshape(h, w) if channels == 1 else image.reshape(h, w, 3)


def drawing(kind: str, seed: int, side: int = 64) -> np.ndarray:
    """Dark ink on white paper: a ring, a bar or a corner, placed and sized by ``seed``."""
    rng = np.random.default_rng(seed)
    img = np.full((side, side), 255, np.uint8)
    yy, xx = np.mgrid[:side, :side]
    cy, cx = side / 2 + rng.uniform(-6, 6, 2)
    if kind == "ring":
        r = np.hypot(yy - cy, xx - cx)
        img[(r > side / 5) & (r < side / 3.5)] = 0
    elif kind == "bar":
        img[int(cy - side / 3):int(cy + side / 3), int(cx - 3):int(cx + 3)] = 0
    else:
        img[int(cy - side / 4):int(cy - side / 4) + 5, int(cx - side / 3):int(cx + side / 4)] = 0
        img[int(cy - side / 4):int(cy + side / 3), int(cx + side / 4) - 5:int(cx + side / 4)] = 0
    return img


def make_folder(root: Path, counts: dict) -> Path:
    for i, (name, n) in enumerate(counts.items()):
        folder = root / name
        folder.mkdir(parents=True)
        for k in range(n):
            (folder / f"{k:04d}.png").write_bytes(encode_png(drawing(("ring", "bar", "corner")[i % 3], 10 * i + k)))
    return root


# -- class names ---------------------------------------------------------------------
@pytest.mark.parametrize("text, name", [("cat", "cat"), ("  ice cream ", "ice cream"), ("ㄱ", "ㄱ"),
                                        ("Ñandú", "Ñandú"), ("e\u0301", "\u00e9"), ("猫 2", "猫 2")])
def test_any_letters_and_spaces_make_a_class_name(text, name):
    assert check_class_name(text) == name
    assert unicodedata.is_normalized("NFC", check_class_name(text))


@pytest.mark.parametrize("text, words", [
    ("", "needs a name"), ("   ", "needs a name"), ("a/b", "/"), ("a\\b", "\\"), ("why?", "?"),
    (".hidden", "hidden"), ("name.", "dot at the end"), ("CON", "reserves"), ("nul.txt", "reserves"),
    ("x" * 130, "too long"), ("tab\there", "\\t"),
])
def test_names_that_cannot_be_folders_are_refused_saying_why(text, words):
    with pytest.raises(ClassNameError, match=None) as info:
        check_class_name(text)
    assert words in str(info.value), str(info.value)


def test_a_name_taken_or_taken_but_for_capitals_is_refused():
    with pytest.raises(ClassNameError, match="already a class named \"cat\""):
        check_class_name("cat", ["dog", "cat"])
    with pytest.raises(ClassNameError, match="only in capitals"):
        check_class_name("Cat", ["cat"])
    with pytest.raises(ClassNameError, match="already a data set"):
        check_class_name("shapes", ["shapes"], kind="data set")


# -- PNG writing ---------------------------------------------------------------------------
@pytest.mark.parametrize("shape", [(5, 7), (4, 3, 3)])
def test_png_bytes_hold_the_image(shape):
    img = np.random.default_rng(0).integers(0, 256, shape, dtype=np.uint8)
    data = encode_png(img)
    assert data[12:16] == b"IHDR"
    chunk_crc = struct.unpack(">I", data[29:33])[0]
    assert chunk_crc == zlib.crc32(data[12:29])
    np.testing.assert_array_equal(own_png_from_bytes(data), img)
    with pytest.raises(ValueError):
        encode_png(img.astype(np.float32))


def own_png_from_bytes(data: bytes) -> np.ndarray:
    import tempfile
    with tempfile.NamedTemporaryFile(suffix=".png", delete=False) as fh:
        fh.write(data)
    try:
        return own_png(fh.name)
    finally:
        os.unlink(fh.name)


# -- scanning ----------------------------------------------------------------------------
def test_scan_finds_classes_and_images_and_lists_what_it_skips(tmp_path):
    root = make_folder(tmp_path / "set", {"ring": 3, "bar": 2})
    (root / "bar" / "deeper").mkdir()
    (root / "bar" / "deeper" / "x.png").write_bytes(encode_png(drawing("bar", 99)))
    (root / "ring" / "notes.txt").write_text("not an image")
    (root / "README.md").write_text("about")
    (root / ".git").mkdir()
    (root / "ring" / ".DS_Store").write_bytes(b"\0")
    scan = scan_image_folder(root)
    assert scan.class_names == ("bar", "ring")                         # sorted, as ImageFolder
    assert scan.counts == {"bar": 3, "ring": 3}                       # sub-folders belong to their class
    skipped = {s.path.name: s.reason for s in scan.skipped}
    assert skipped == {"notes.txt": "not an image file", "README.md": "not in a class folder"}
    assert scan.problems() == []
    notes = " ".join(scan.notes())
    assert "2 files skipped" in notes and "notes.txt" in notes and "Few examples" in notes


@pytest.mark.parametrize("counts, words", [
    ({}, "no class folders"),
    ({"cat": 5}, "add a second class"),
    ({"cat": 5, "dog": 1, "ㄱ": 0}, "\"dog\" has 1 example, \"ㄱ\" has none: every class needs at least 2"),
])
def test_what_keeps_a_folder_from_training_is_said(tmp_path, counts, words):
    root = make_folder(tmp_path / "set", counts)
    root.mkdir(exist_ok=True)
    problems = " ".join(scan_image_folder(root).problems())
    assert words in problems, problems
    with pytest.raises(FolderError) as info:
        load_image_folder(root, own_png)
    assert words in str(info.value)


def test_a_folder_that_is_missing_or_a_file_is_said_so(tmp_path):
    with pytest.raises(FolderError, match="does not exist"):
        scan_image_folder(tmp_path / "nope")
    (tmp_path / "f.png").write_bytes(b"x")
    with pytest.raises(FolderError, match="is a file, not a folder"):
        scan_image_folder(tmp_path / "f.png")


def test_many_classes_get_a_note_and_too_many_are_refused(tmp_path):
    root = tmp_path / "many"
    for i in range(120):
        (root / f"class {i:03d}").mkdir(parents=True)
    scan = scan_image_folder(root)
    assert "120 classes" in " ".join(scan.notes())
    for i in range(MAX_CLASSES + 1 - 120):
        (root / f"more {i:04d}").mkdir()
    assert any(f"at most {MAX_CLASSES:,} classes" in p for p in scan_image_folder(root).problems())


# -- the split ----------------------------------------------------------------------------
def test_the_split_keeps_every_class_on_both_sides_and_is_stable():
    labels = np.repeat(np.arange(4), [2, 3, 10, 50])
    keys = [f"c{c}/{i}.png" for i, c in enumerate(labels)]
    train, test = stratified_split(labels, keys, 0.2, seed=0)
    assert sorted(np.concatenate([train, test])) == list(range(len(labels)))
    assert [int(np.sum(labels[test] == c)) for c in range(4)] == [1, 1, 2, 10]
    assert all(np.sum(labels[train] == c) >= 1 for c in range(4))
    again = stratified_split(labels, keys, 0.2, seed=0)
    assert np.array_equal(again[1], test)
    other_seed = stratified_split(labels, keys, 0.2, seed=1)[1]
    assert not np.array_equal(other_seed, test)
    # one more image of the big class: the images tested before are tested still (at most one leaves)
    labels2 = np.append(labels, 3)
    keys2 = keys + ["c3/new.png"]
    test2 = set(keys2[i] for i in stratified_split(labels2, keys2, 0.2, seed=0)[1])
    assert len({keys[i] for i in test} - test2) <= 1


# -- reading -------------------------------------------------------------------------------
def test_a_folder_loads_as_a_data_set_like_any_other(tmp_path):
    root = make_folder(tmp_path / "shapes", {"ring": 10, "bar": 10, "ㄱ": 10})
    data = load_dataset(str(root), image_reader=own_png)
    assert data.name == "shapes" and data.class_names == ("bar", "ring", "ㄱ")
    assert data.image_shape == (1, 28, 28) and data.x_train.dtype == np.uint8
    assert len(data.x_train) == 24 and len(data.x_test) == 6
    assert np.bincount(data.y_test).tolist() == [2, 2, 2]
    # every image is what the canvas's preprocessing makes of it
    first = root / "bar" / "0000.png"
    expected = np.round(preprocess(own_png(first)) * 255).astype(np.uint8)
    assert any(np.array_equal(x, expected) for x in np.concatenate([data.x_train, data.x_test]))
    assert is_image_folder(str(root)) and not is_image_folder("mnist")
    test_only = load_dataset(str(root), image_reader=own_png, splits=("test",))
    assert test_only.x_train is None and np.array_equal(test_only.x_test, data.x_test)


def test_images_made_elsewhere_go_through_the_canvas_preprocessing(tmp_path, qapp):
    from PyQt5.QtGui import QColor, QImage, QPainter, QPen
    from cnnviz.gui.imagefile import read_image
    root = tmp_path / "elsewhere"
    for name, colour, background in (("light", "white", "black"), ("dark", "navy", "yellow")):
        (root / name).mkdir(parents=True)
        for k, (w, h, fmt) in enumerate(((64, 40, "PNG"), (300, 200, "JPG"), (90, 90, "BMP"))):
            img = QImage(w, h, QImage.Format_RGB32)
            img.fill(QColor(background))
            p = QPainter(img)
            p.setPen(QPen(QColor(colour), max(3, h // 8)))
            p.drawEllipse(w // 4, h // 4, w // 2 - k, h // 2)
            p.end()
            assert img.save(str(root / name / f"{k}.{fmt.lower()}"), fmt)
    transparent = QImage(50, 50, QImage.Format_ARGB32)
    transparent.fill(QColor(0, 0, 0, 0))
    p = QPainter(transparent)
    p.setPen(QPen(QColor("black"), 6))
    p.drawLine(25, 5, 25, 45)
    p.end()
    transparent.save(str(root / "dark" / "alpha.png"))
    data = load_image_folder(root, read_image)
    every = np.concatenate([data.x_train, data.x_test])
    assert len(every) == 7 and not any("skipped" in n for n in data.notes)
    for name in ("light/0.png", "light/1.jpg", "dark/2.bmp", "dark/alpha.png"):
        expected = np.round(preprocess(read_image(root / name)) * 255).astype(np.uint8)
        assert any(np.array_equal(x, expected) for x in every), name
    # light ink on black and dark ink on yellow both become light-on-dark strokes
    assert all(x[0, 0, 0] == 0 and x.max() > 200 for x in every)


def test_corrupt_blank_and_other_files_are_skipped_and_listed(tmp_path, qapp):
    from cnnviz.gui.imagefile import read_image
    root = make_folder(tmp_path / "set", {"ring": 4, "bar": 3})
    (root / "bar" / "broken.png").write_bytes(b"\x89PNG\r\n\x1a\n" + b"not really" * 10)
    (root / "bar" / "empty.jpg").write_bytes(b"")
    (root / "ring" / "blank.png").write_bytes(encode_png(np.full((30, 30), 255, np.uint8)))
    (root / "ring" / "data.csv").write_text("1,2,3")
    data = load_image_folder(root, read_image)
    assert len(data.x_train) + len(data.x_test) == 7
    notes = " ".join(data.notes)
    assert "4 files skipped" in notes
    for words in ("broken.png (its PNG header gives no usable size", "empty.jpg (the file is empty)",
                  "blank.png (blank: nothing drawn)", "data.csv (not an image file)"):
        assert words in notes, notes


def test_a_class_left_with_too_few_readable_images_is_named(tmp_path, qapp):
    from cnnviz.gui.imagefile import read_image
    root = make_folder(tmp_path / "set", {"ring": 4, "bar": 1})
    (root / "bar" / "broken.png").write_bytes(b"garbage")
    with pytest.raises(FolderError) as info:
        load_image_folder(root, read_image)
    text = str(info.value)
    assert "\"bar\" has 1 example that could be read" in text and "broken.png" in text


def test_a_hundred_and_twenty_classes_load(tmp_path):
    root = tmp_path / "many"
    for i in range(120):
        (root / f"c{i:03d}").mkdir(parents=True)
        for k in range(2):
            (root / f"c{i:03d}" / f"{k}.png").write_bytes(encode_png(drawing("ring", i * 2 + k, 32)))
    data = load_image_folder(root, own_png)
    assert len(data.class_names) == 120 and len(data.x_train) == 120 and len(data.x_test) == 120
    assert any("120 classes" in n for n in data.notes)


def test_user_data_folder_per_platform(tmp_path):
    home = Path("/home/u")
    assert user_data_dir("linux", {}, home) == home / ".local" / "share" / "cnnviz"
    assert user_data_dir("linux", {"XDG_DATA_HOME": "/data"}, home) == Path("/data/cnnviz")
    assert user_data_dir("linux", {"XDG_DATA_HOME": "relative"}, home) == home / ".local" / "share" / "cnnviz"
    assert user_data_dir("darwin", {}, home) == home / "Library" / "Application Support" / "cnnviz"
    assert user_data_dir("win32", {"APPDATA": "C:/Users/u/AppData/Roaming"}, home) == \
        Path("C:/Users/u/AppData/Roaming/cnnviz")


# -- the store -----------------------------------------------------------------------------
def test_the_store_edits_classes_and_examples_and_undoes_each_change(tmp_path):
    store = ImageFolderStore(tmp_path / "mine")
    assert store.scan().class_names == ()
    assert store.add_class(" cat ") == "cat"
    store.add_class("ㄱ")
    store.add_class("ice cream")
    a = store.add_example("cat", drawing("ring", 1))
    b = store.add_example("cat", drawing("ring", 2))
    assert (a.name, b.name) == ("0001.png", "0002.png")
    np.testing.assert_array_equal(own_png(a), drawing("ring", 1))
    assert store.scan().counts == {"cat": 2, "ice cream": 0, "ㄱ": 0}

    moved = store.move_examples([b], "ㄱ")
    assert moved[0].parent.name == "ㄱ" and not b.exists()
    assert store.undo_text() == "moving 1 image to \"ㄱ\""
    store.undo()
    assert b.exists() and not moved[0].exists()

    store.delete_examples([a])
    assert not a.exists()
    assert store.undo() == "deleting 1 image"
    np.testing.assert_array_equal(own_png(a), drawing("ring", 1))

    assert store.rename_class("cat", "Cat") == "Cat"                 # a change of capitals only
    assert "Cat" in store.scan().class_names
    store.undo()
    assert store.remove_class("cat") == (2, True)
    assert "cat" not in store.scan().class_names
    assert store.undo().startswith("removing the class \"cat\"")
    assert store.scan().counts["cat"] == 2 and own_png(a).shape == (64, 64)

    with pytest.raises(ClassNameError, match="only in capitals"):
        store.add_class("CAT")
    with pytest.raises(ClassNameError, match="already a class"):
        store.rename_class("ㄱ", "cat")
    assert store.undo() == "adding a drawing to \"cat\""              # the older changes are still there
    assert store.scan().counts["cat"] == 1


def test_a_removed_class_keeps_a_folder_holding_other_files(tmp_path):
    store = ImageFolderStore(tmp_path / "mine")
    store.add_class("cat")
    store.add_example("cat", drawing("ring", 1))
    (tmp_path / "mine" / "cat" / "notes.txt").write_text("mine")
    assert store.remove_class("cat") == (1, False)
    assert (tmp_path / "mine" / "cat" / "notes.txt").exists()
    store.undo()
    assert store.scan().counts["cat"] == 1


def read_only(folder: Path):
    """Make ``folder`` refuse writes (chmod; for root, whom permissions do not stop, the
    immutable attribute), or skip saying why it cannot be done here."""
    import subprocess
    folder.chmod(0o555)
    probe = folder / ".probe"
    try:
        probe.write_bytes(b"")
    except OSError:
        return lambda: folder.chmod(0o755)
    probe.unlink()
    done = subprocess.run(["chattr", "+i", str(folder)], capture_output=True)
    if done.returncode != 0:
        folder.chmod(0o755)
        pytest.skip("cannot make a folder read-only here (root, and no chattr)")

    def undo():
        subprocess.run(["chattr", "-i", str(folder)], check=True)
        folder.chmod(0o755)
    return undo


def test_a_folder_that_is_not_writable_gives_a_message_and_changes_nothing(tmp_path):
    store = ImageFolderStore(tmp_path / "mine")
    store.add_class("cat")
    store.add_example("cat", drawing("ring", 1))
    before = sorted(p.name for p in (tmp_path / "mine").rglob("*"))
    undo = read_only(tmp_path / "mine" / "cat")
    try:
        with pytest.raises(StoreError, match="not writable"):
            store.add_example("cat", drawing("ring", 2))
        with pytest.raises(StoreError, match="not writable"):
            store.delete_examples(list((tmp_path / "mine" / "cat").glob("*.png")))
    finally:
        undo()
    assert sorted(p.name for p in (tmp_path / "mine").rglob("*")) == before
    undo = read_only(tmp_path / "mine")
    try:
        with pytest.raises(StoreError, match="not writable"):
            store.add_class("dog")
    finally:
        undo()
    assert store.scan().class_names == ("cat",)
