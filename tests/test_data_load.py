"""Registry, data folders, local look-up, file status and load_dataset (incl. the real shared files)."""
import gzip
import io
import os
import pickle
import re
import struct
import subprocess
import sys
import tarfile
import zipfile
from pathlib import Path

import numpy as np
import pytest

from cnnviz.data import (DATA_DIR_ENV, REGISTRY, DataError, DataFormatError, MissingFilesError,
                         UnknownDatasetError, available_datasets, dataset_files, get_info,
                         load_dataset, md5_of_file, resolve_data_dir, user_cache_dir)


def idx_gz(array):
    header = bytes([0, 0, 0x08, array.ndim]) + struct.pack(f">{array.ndim}I", *array.shape)
    return gzip.compress(header + array.tobytes())


def write_mnist_like(folder, train=4, test=3, prefix=("train", "t10k")):
    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(3)
    arrays = {}
    for split, count in zip(prefix, (train, test)):
        images = rng.integers(0, 256, (count, 28, 28), dtype=np.uint8)
        labels = rng.integers(0, 10, count).astype(np.uint8)
        (folder / f"{split}-images-idx3-ubyte.gz").write_bytes(idx_gz(images))
        (folder / f"{split}-labels-idx1-ubyte.gz").write_bytes(idx_gz(labels))
        arrays[split] = (images, labels)
    return arrays


# ---------------------------------------------------------------- registry

def test_registry_lists_the_six_data_sets_with_shapes_and_classes():
    assert available_datasets() == ("mnist", "fashion-mnist", "kmnist", "emnist-letters", "letters", "cifar10")
    shapes = {n: (REGISTRY[n].image_shape, REGISTRY[n].num_classes) for n in available_datasets()}
    assert shapes == {"mnist": ((1, 28, 28), 10), "fashion-mnist": ((1, 28, 28), 10),
                      "kmnist": ((1, 28, 28), 10), "emnist-letters": ((1, 28, 28), 26),
                      "letters": ((1, 28, 28), 26), "cifar10": ((3, 32, 32), 10)}
    assert REGISTRY["emnist-letters"].class_names[0] == "A" and REGISTRY["emnist-letters"].class_names[-1] == "Z"
    assert REGISTRY["fashion-mnist"].class_names[-1] == "Ankle boot"


def test_every_downloadable_file_has_an_md5_and_every_set_a_mirror():
    made_here = [info.name for info in REGISTRY.values() if all(f.generated for f in info.files)]
    assert made_here == ["letters"] and not REGISTRY["letters"].mirrors
    for info in (info for info in REGISTRY.values() if info.name not in made_here):
        assert info.mirrors and all(m.startswith(("http://", "https://")) and m.endswith("/") for m in info.mirrors)
        for split in ("train", "test"):
            assert info.download_files(split), (info.name, split)
        for f in info.files:
            assert re.fullmatch(r"[0-9a-f]{32}", f.md5), f


def test_known_official_mnist_checksums():
    md5 = {f.filename: f.md5 for f in REGISTRY["mnist"].files}
    assert md5 == {"train-images-idx3-ubyte.gz": "f68b3c2dcbeaaa9fbdd348bbdeb94873",
                   "train-labels-idx1-ubyte.gz": "d53e105ee54ea40749a09fcbcd1e9432",
                   "t10k-images-idx3-ubyte.gz": "9fb629c4189551a2d022fa330f9573f3",
                   "t10k-labels-idx1-ubyte.gz": "ec29112dd5afa0611ce80d1b7f02629c"}


def test_unknown_name_lists_the_choices():
    with pytest.raises(UnknownDatasetError, match="unknown data set 'svhn'.*mnist, fashion-mnist"):
        get_info("svhn")
    assert get_info(" MNIST ") is REGISTRY["mnist"]


# ---------------------------------------------------------------- folders

@pytest.mark.parametrize("platform, environ, expected", [
    ("linux", {}, "/home/u/.cache/cnnviz"),
    ("linux", {"XDG_CACHE_HOME": "/xdg"}, "/xdg/cnnviz"),
    ("linux", {"XDG_CACHE_HOME": "relative"}, "/home/u/.cache/cnnviz"),
    ("darwin", {"XDG_CACHE_HOME": "/xdg"}, "/home/u/Library/Caches/cnnviz"),
    ("win32", {"LOCALAPPDATA": "/appdata"}, "/appdata/cnnviz/Cache"),
    ("win32", {}, "/home/u/AppData/Local/cnnviz/Cache"),
])
def test_user_cache_dir_per_platform(platform, environ, expected):
    assert user_cache_dir(platform, environ, Path("/home/u")) == Path(expected)


def test_data_dir_argument_beats_environment_beats_cache(tmp_path):
    env = {DATA_DIR_ENV: str(tmp_path / "env"), "XDG_CACHE_HOME": str(tmp_path / "xdg")}
    assert resolve_data_dir(tmp_path / "arg", env) == tmp_path / "arg"
    assert resolve_data_dir(None, env) == tmp_path / "env"
    assert resolve_data_dir(None, {"XDG_CACHE_HOME": str(tmp_path / "xdg")}) == user_cache_dir(
        environ={"XDG_CACHE_HOME": str(tmp_path / "xdg")})


def test_environment_variable_is_used_by_load_dataset(tmp_path, monkeypatch):
    arrays = write_mnist_like(tmp_path / "mnist")
    monkeypatch.setenv(DATA_DIR_ENV, str(tmp_path))
    data = load_dataset("mnist", download=False)
    np.testing.assert_array_equal(data.y_test, arrays["t10k"][1])


# ---------------------------------------------------------------- local files

def test_files_directly_in_the_data_dir_and_raw_idx_are_found(tmp_path):
    arrays = write_mnist_like(tmp_path)
    raw = gzip.decompress((tmp_path / "t10k-images-idx3-ubyte.gz").read_bytes())
    (tmp_path / "t10k-images-idx3-ubyte.gz").unlink()
    (tmp_path / "t10k-images-idx3-ubyte").write_bytes(raw)
    data = load_dataset("mnist", data_dir=tmp_path, download=False)
    assert data.x_train.shape == (4, 1, 28, 28) and data.x_test.dtype == np.uint8
    np.testing.assert_array_equal(data.x_test[:, 0], arrays["t10k"][0])
    assert data.y_train.dtype == np.int64 and data.source == str(tmp_path)
    assert data.class_names == tuple("0123456789") and data.image_shape == (1, 28, 28)


def test_status_lists_needed_files_and_ignores_part_files(tmp_path):
    write_mnist_like(tmp_path / "mnist")
    (tmp_path / "mnist" / "train-labels-idx1-ubyte.gz").rename(
        tmp_path / "mnist" / "train-labels-idx1-ubyte.gz.part")
    status = dataset_files("mnist", tmp_path)
    assert not status.ready
    assert [s.filename for s in status.missing] == ["train-labels-idx1-ubyte.gz"]
    assert [s.present for s in status.files] == [True, False, True, True]
    assert status.search_dirs == (tmp_path / "mnist", tmp_path)
    assert dataset_files("mnist", tmp_path, splits=("test",)).ready


def test_missing_split_without_download_names_files_and_folders(tmp_path):
    write_mnist_like(tmp_path / "mnist", prefix=("nothing", "t10k"))
    with pytest.raises(MissingFilesError) as caught:
        load_dataset("mnist", data_dir=tmp_path, download=False)
    message = str(caught.value)
    assert "the train split needs train-images-idx3-ubyte.gz, train-labels-idx1-ubyte.gz" in message
    assert f"not found in {tmp_path / 'mnist'} and {tmp_path}" in message
    assert load_dataset("mnist", data_dir=tmp_path, download=False, splits=("test",)).x_test.shape[0] == 3


def test_local_count_mismatch_is_a_format_error(tmp_path):
    write_mnist_like(tmp_path / "mnist")
    (tmp_path / "mnist" / "t10k-labels-idx1-ubyte.gz").write_bytes(idx_gz(np.zeros(2, np.uint8)))
    with pytest.raises(DataFormatError, match="3 images but 2 labels"):
        load_dataset("mnist", data_dir=tmp_path, download=False, splits=("test",))


def test_local_label_out_of_range_is_a_format_error(tmp_path):
    write_mnist_like(tmp_path / "mnist")
    (tmp_path / "mnist" / "t10k-labels-idx1-ubyte.gz").write_bytes(idx_gz(np.array([1, 12, 3], np.uint8)))
    with pytest.raises(DataFormatError, match="label 12 at index 1 is out of range 0..9"):
        load_dataset("mnist", data_dir=tmp_path, download=False, splits=("test",))


def test_bad_split_name_is_refused(tmp_path):
    with pytest.raises(DataError, match="splits must be chosen from"):
        load_dataset("mnist", data_dir=tmp_path, splits=("validation",))


def test_emnist_members_kept_as_files_stand_in_for_the_zip(tmp_path):
    folder = tmp_path / "emnist-letters"
    folder.mkdir()
    upright = np.arange(2 * 28 * 28, dtype=np.uint32).astype(np.uint8).reshape(2, 28, 28)
    (folder / "emnist-letters-test-images-idx3-ubyte.gz").write_bytes(
        idx_gz(np.ascontiguousarray(upright.transpose(0, 2, 1))))
    (folder / "emnist-letters-test-labels-idx1-ubyte.gz").write_bytes(idx_gz(np.array([1, 26], np.uint8)))
    assert [s.filename for s in dataset_files("emnist-letters", tmp_path, ("test",)).files] == [
        "emnist-letters-test-images-idx3-ubyte.gz", "emnist-letters-test-labels-idx1-ubyte.gz"]
    data = load_dataset("emnist-letters", data_dir=tmp_path, download=False, splits=("test",))
    np.testing.assert_array_equal(data.x_test[:, 0], upright)
    assert [data.class_names[i] for i in data.y_test] == ["A", "Z"]
    assert [s.filename for s in dataset_files("emnist-letters", tmp_path).missing] == ["gzip.zip"]


def test_emnist_zip_serves_both_splits(tmp_path):
    rng = np.random.default_rng(4)
    with zipfile.ZipFile(tmp_path / "gzip.zip", "w") as archive:
        for split, count in (("train", 3), ("test", 2)):
            images = rng.integers(0, 256, (count, 28, 28), dtype=np.uint8)
            labels = rng.integers(1, 27, count).astype(np.uint8)
            archive.writestr(f"gzip/emnist-letters-{split}-images-idx3-ubyte.gz", idx_gz(images))
            archive.writestr(f"gzip/emnist-letters-{split}-labels-idx1-ubyte.gz", idx_gz(labels))
    data = load_dataset("emnist-letters", data_dir=tmp_path, download=False)
    assert data.x_train.shape == (3, 1, 28, 28) and data.x_test.shape == (2, 1, 28, 28)
    assert data.y_train.min() >= 0 and data.y_train.max() <= 25


def test_cifar10_archive_loads_as_channels_first(tmp_path):
    rng = np.random.default_rng(5)
    with tarfile.open(tmp_path / "cifar-10-python.tar.gz", "w:gz") as archive:
        for name in [f"data_batch_{i}" for i in range(1, 6)] + ["test_batch"]:
            images = rng.integers(0, 256, (2, 3, 32, 32), dtype=np.uint8)
            batch = {b"data": images.reshape(2, -1), b"labels": [0, 9]}
            payload = pickle.dumps(batch, protocol=2)
            info = tarfile.TarInfo(f"cifar-10-batches-py/{name}")
            info.size = len(payload)
            archive.addfile(info, io.BytesIO(payload))
    data = load_dataset("cifar10", data_dir=tmp_path, download=False)
    assert data.x_train.shape == (10, 3, 32, 32) and data.x_test.shape == (2, 3, 32, 32)
    np.testing.assert_array_equal(data.y_test, [0, 9])
    assert data.class_names[9] == "truck"


def test_an_archive_both_splits_need_is_named_once(tmp_path):
    with pytest.raises(MissingFilesError) as caught:
        load_dataset("cifar10", data_dir=tmp_path, download=False)
    message = str(caught.value)
    assert "cifar10: the train and test splits need cifar-10-python.tar.gz, which were not found" in message
    assert "split needs" not in message


# ---------------------------------------------------------------- the real shared files

def test_real_mnist(real_dataset):
    shared_datasets = real_dataset("mnist")
    data = load_dataset("mnist", data_dir=shared_datasets, download=False)
    assert data.x_train.shape == (22_699, 1, 28, 28) and data.x_test.shape == (10_000, 1, 28, 28)
    assert data.y_train.shape == (22_699,) and data.y_test.shape == (10_000,)
    assert set(np.unique(data.y_train)) == set(range(10)) == set(np.unique(data.y_test))
    assert data.x_test.max() == 255 and data.x_test.min() == 0
    assert data.source == str(shared_datasets / "mnist")
    # the official test files match the registry's official checksums
    for f in REGISTRY["mnist"].download_files("test"):
        assert md5_of_file(shared_datasets / "mnist" / f.filename) == f.md5


def test_real_fashion_mnist(real_dataset):
    shared_datasets = real_dataset("fashion-mnist")
    data = load_dataset("fashion-mnist", data_dir=shared_datasets, download=False)
    assert len(data.x_train) == len(data.y_train) == 8_517
    assert len(data.x_test) == len(data.y_test) == 6_978
    assert data.y_train.min() == 0 and data.y_train.max() == 9


def test_real_kmnist_test_split_and_the_missing_train_split(real_dataset):
    shared_datasets = real_dataset("kmnist", splits=("test",))
    data = load_dataset("kmnist", data_dir=shared_datasets, download=False, splits=("test",))
    assert data.x_test.shape == (10_000, 1, 28, 28) and data.x_train is None
    assert set(np.unique(data.y_test)) == set(range(10))
    for f in REGISTRY["kmnist"].download_files("test"):
        assert md5_of_file(shared_datasets / "kmnist" / f.filename) == f.md5
    with pytest.raises(MissingFilesError, match=re.escape(
            f"kmnist-train-imgs.npz, kmnist-train-labels.npz, which were not found in "
            f"{shared_datasets / 'kmnist'} and {shared_datasets}")):
        load_dataset("kmnist", data_dir=shared_datasets, download=False)


def test_real_data_tests_skip_naming_exactly_what_is_missing(tmp_path):
    """With MNIST present but Fashion-MNIST absent and KMNIST half there, those tests skip, saying why."""
    for name, files in (("mnist", [f.filename for f in REGISTRY["mnist"].files]),
                        ("kmnist", ["kmnist-test-imgs.npz"])):
        (tmp_path / name).mkdir()
        for filename in files:
            (tmp_path / name / filename).write_bytes(b"")
    tests = ["test_real_fashion_mnist", "test_real_kmnist_test_split_and_the_missing_train_split"]
    run = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-rs", "-p", "no:cacheprovider",
         *(f"tests/{Path(__file__).name}::{t}" for t in tests)],
        cwd=Path(__file__).parents[1], env={**os.environ, "CNNVIZ_TEST_DATASETS": str(tmp_path)},
        capture_output=True, text=True, timeout=120)
    assert "2 skipped" in run.stdout, run.stdout + run.stderr
    reasons = [line for line in run.stdout.splitlines() if line.startswith("SKIPPED")]
    assert any(f"folder {tmp_path / 'fashion-mnist'} not found" in r for r in reasons), reasons
    assert any(r.endswith(f"not found in {tmp_path / 'kmnist'}: kmnist-test-labels.npz") for r in reasons), reasons
