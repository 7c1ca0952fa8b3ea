"""The letters data set made on this computer: determinism, balance, preprocessing, loading by name."""
import json

import numpy as np
import pytest

from cnnviz.cli.main import main
from cnnviz.data import (DataError, DataFormatError, DownloadCancelled, available_datasets, dataset_files,
                         get_info, load_dataset)
from cnnviz.data import letters
from cnnviz.data.letterglyphs import letter_glyphs
from cnnviz.preprocess import preprocess


@pytest.fixture
def tiny_named_set(monkeypatch):
    """The named data set shrunk to 2 training and 1 test image per letter, so tests stay fast."""
    monkeypatch.setitem(letters.PER_CLASS, "train", 2)
    monkeypatch.setitem(letters.PER_CLASS, "test", 1)


def test_same_seed_same_images_other_seed_other_images():
    images, labels = letters.generate(2, seed=5)
    again, again_labels = letters.generate(2, seed=5)
    other, _ = letters.generate(2, seed=6)
    assert np.array_equal(images, again) and np.array_equal(labels, again_labels)
    assert not np.array_equal(images, other)


def test_every_letter_equally_often_as_28x28_ink_images():
    images, labels = letters.generate(3, seed=0)
    assert images.shape == (78, 28, 28) and images.dtype == np.uint8
    assert labels.shape == (78,) and labels.dtype == np.int64
    assert np.array_equal(np.bincount(labels, minlength=26), np.full(26, 3))
    assert not np.array_equal(labels[:26], np.arange(26)), "the classes are shuffled"
    # MNIST's convention: light ink on a black background
    assert (images.max(axis=(1, 2)) > 200).all()
    assert (images[:, 0, :] == 0).all() and (images[:, :, 0] == 0).all()


def test_each_image_is_the_app_preprocessing_of_a_drawn_paper():
    labels = letters.split_labels(2, seed=9)
    images, got_labels = letters.generate(2, seed=9, chunk=26)
    assert np.array_equal(labels, got_labels)
    papers = letters.draw_papers(labels[26:], letters.chunk_rng(9, 1))      # the second chunk, drawn again
    # a paper looks like the app's canvas: grey uint8, white paper, dark ink
    assert papers.dtype == np.uint8 and papers.ndim == 3
    assert (papers[:, 0, :] == 255).all() and papers.min() == 0
    expected = np.stack([np.round(preprocess(p, (1, 28, 28))[0] * 255) for p in papers]).astype(np.uint8)
    assert np.array_equal(images[26:], expected)


def test_worker_processes_make_the_same_images():
    one = letters.generate(2, seed=3, chunk=26, workers=1)
    two = letters.generate(2, seed=3, chunk=26, workers=2)
    assert np.array_equal(one[0], two[0]) and np.array_equal(one[1], two[1])


def test_glyphs_cover_capitals_and_small_letters_of_every_class():
    glyphs = letter_glyphs()
    for label, capital in enumerate("ABCDEFGHIJKLMNOPQRSTUVWXYZ"):
        chars = {g.char for g in glyphs if g.label == label}
        assert chars == {capital, capital.lower()}
    assert all(g.points.dtype == np.float32 and len(g.points) == len(g.stroke) == len(g.arc) for g in glyphs)


def test_letters_is_made_when_missing_then_read_like_any_data_set(tmp_path, tiny_named_set):
    assert "letters" in available_datasets() and "emnist-letters" in available_datasets()
    info = get_info("letters")
    assert info.class_names == tuple("ABCDEFGHIJKLMNOPQRSTUVWXYZ") and info.image_shape == (1, 28, 28)
    plan = dataset_files("letters", tmp_path)
    assert not plan.ready and [s.filename for s in plan.to_generate] == [
        "letters-v1-train.npz", "letters-v1-test.npz"]
    assert not any(s.downloadable for s in plan.missing)

    said, counts = [], []
    data = load_dataset("letters", data_dir=tmp_path, download=False, status=said.append,
                        progress=lambda done, total: counts.append((done, total)))
    assert said == ["Generating letters-v1-train.npz (1 of 2)", "Generating letters-v1-test.npz (2 of 2)"]
    assert counts[-1][0] == counts[-1][1] == 26 * (28 * 28 + 1)            # bytes of the test split's arrays
    assert data.x_train.shape == (52, 1, 28, 28) and data.x_test.shape == (26, 1, 28, 28)
    assert data.x_train.dtype == np.uint8 and data.y_train.dtype == np.int64
    assert data.class_names == info.class_names and data.source == str(tmp_path / "letters")
    assert dataset_files("letters", tmp_path).ready
    assert sorted(p.name for p in (tmp_path / "letters").iterdir()) == ["letters-v1-test.npz",
                                                                       "letters-v1-train.npz"]

    said.clear()
    again = load_dataset("letters", data_dir=tmp_path, status=said.append)
    assert said == [] and np.array_equal(again.x_train, data.x_train)
    assert np.array_equal(again.x_train[:, 0], letters.generate(2, letters.SEEDS["train"])[0])


def test_cancelled_generation_leaves_nothing(tmp_path, tiny_named_set):
    with pytest.raises(DownloadCancelled, match="cancelled after 0 of 52 images"):
        load_dataset("letters", data_dir=tmp_path, cancel=lambda: True)
    assert not (tmp_path / "letters").exists() or not any((tmp_path / "letters").iterdir())


def test_a_folder_that_cannot_be_written_is_named(tmp_path, tiny_named_set):
    blocked = tmp_path / "not-a-folder"
    blocked.write_text("a file where the data folder should be")
    with pytest.raises(DataError, match="cannot write the letters data set to .*not-a-folder"):
        load_dataset("letters", data_dir=blocked, splits=("test",))


def test_a_damaged_file_says_to_delete_it(tmp_path):
    folder = tmp_path / "letters"
    folder.mkdir()
    (folder / "letters-v1-test.npz").write_bytes(b"PK\x03\x04 not really a zip")
    with pytest.raises(DataFormatError, match="delete it and it is made again"):
        load_dataset("letters", data_dir=tmp_path, splits=("test",))
    np.savez(folder / "letters-v1-test.npz", images=np.zeros((2, 28, 28), np.float32), labels=np.zeros(2, np.uint8))
    with pytest.raises(DataFormatError, match="expected uint8"):
        load_dataset("letters", data_dir=tmp_path, splits=("test",))


def test_train_command_takes_dataset_letters(tmp_path, tiny_named_set, capsys):
    out = tmp_path / "m.npz"
    code = main(["train", "--arch", "simple", "--dataset", "letters", "--data-dir", str(tmp_path),
                 "--epochs", "1", "--batch", "26", "--out", str(out), "--json"])
    result = json.loads(capsys.readouterr().out)
    assert code == 0 and out.is_file() and len(result["epochs"]) == 1
