"""Readers of IDX, KMNIST npz, CIFAR-10 tar.gz and EMNIST letters, on files written here."""
import gzip
import io
import os
import pickle
import struct
import tarfile
import zipfile

import numpy as np
import pytest

from cnnviz.data.cifar import read_cifar10_archive
from cnnviz.data.emnist import read_emnist_files, read_emnist_zip
from cnnviz.data.errors import DataFormatError
from cnnviz.data.idx import read_idx, read_idx_images, read_idx_labels
from cnnviz.data.npz import read_npz_array
from cnnviz.data.validate import to_split_arrays

IDX_CODES = {np.dtype("u1"): 0x08, np.dtype("i1"): 0x09, np.dtype(">i2"): 0x0B,
             np.dtype(">i4"): 0x0C, np.dtype(">f4"): 0x0D, np.dtype(">f8"): 0x0E}


def idx_bytes(array):
    """Encode ``array`` as IDX: magic (0, 0, type, ndim), big-endian dims, big-endian data."""
    big = array.astype(array.dtype.newbyteorder(">"))
    code = IDX_CODES[big.dtype]
    return (bytes([0, 0, code, array.ndim]) + struct.pack(f">{array.ndim}I", *array.shape)
            + big.tobytes())


@pytest.fixture
def rng():
    return np.random.default_rng(0)


# ---------------------------------------------------------------- IDX

def test_idx_images_and_labels_round_trip_gzip_and_raw(tmp_path, rng):
    images = rng.integers(0, 256, (7, 28, 28), dtype=np.uint8)
    labels = rng.integers(0, 10, 7).astype(np.uint8)
    (tmp_path / "img.gz").write_bytes(gzip.compress(idx_bytes(images)))
    (tmp_path / "lab").write_bytes(idx_bytes(labels))
    got_images = read_idx_images(tmp_path / "img.gz")
    got_labels = read_idx_labels(tmp_path / "lab")
    assert got_images.dtype == np.uint8 and got_images.shape == (7, 28, 28)
    np.testing.assert_array_equal(got_images, images)
    np.testing.assert_array_equal(got_labels, labels)
    got_images[0, 0, 0] = 1  # a private, writable copy


def test_idx_multibyte_types_are_decoded_big_endian(rng):
    values = rng.normal(size=(3, 4)).astype(">f4")
    got = read_idx(idx_bytes(values))
    assert got.dtype == np.float32 and got.dtype.isnative
    np.testing.assert_array_equal(got, values.astype(np.float32))
    ints = np.array([-2, 300, 70000], dtype=">i4")
    np.testing.assert_array_equal(read_idx(idx_bytes(ints)), [-2, 300, 70000])


@pytest.mark.parametrize("raw, message", [
    (b"\x01\x00\x08\x01" + struct.pack(">I", 2) + b"\x00\x01", "bad magic"),
    (b"\x00\x00\x07\x01" + struct.pack(">I", 2) + b"\x00\x01", "unknown IDX data type code 0x07"),
    (b"\x00\x00\x08\x03" + struct.pack(">I", 2), "ends inside the IDX header"),
    (b"\x00\x00\x08\x00", "zero dimensions"),
    (b"", "bad magic"),
])
def test_idx_header_errors(raw, message):
    with pytest.raises(DataFormatError, match=message):
        read_idx(raw, "broken.idx")


def test_idx_short_data_says_truncated_with_the_numbers(tmp_path):
    raw = idx_bytes(np.zeros((10, 28, 28), np.uint8))[:-100]
    (tmp_path / "short-images.gz").write_bytes(gzip.compress(raw))
    with pytest.raises(DataFormatError, match=r"short-images.gz is truncated.*\(10, 28, 28\).*7840 bytes.*7740"):
        read_idx_images(tmp_path / "short-images.gz")


def test_idx_extra_data_is_refused():
    with pytest.raises(DataFormatError, match="too long"):
        read_idx(idx_bytes(np.zeros(5, np.uint8)) + b"\x00")


def test_idx_damaged_gzip_is_reported(tmp_path):
    packed = gzip.compress(idx_bytes(np.zeros((50, 28, 28), np.uint8)))
    (tmp_path / "cut.gz").write_bytes(packed[: len(packed) // 2])
    with pytest.raises(DataFormatError, match="cut.gz is a damaged gzip file"):
        read_idx_images(tmp_path / "cut.gz")


def test_idx_images_file_with_label_layout_is_refused():
    with pytest.raises(DataFormatError, match=r"shape \(5,\).*3 dimension"):
        read_idx_images(idx_bytes(np.zeros(5, np.uint8)), "labels-as-images")


def test_idx_missing_file_is_a_data_error(tmp_path):
    with pytest.raises(DataFormatError, match="cannot read"):
        read_idx(tmp_path / "nope")


# ---------------------------------------------------------------- KMNIST npz

def test_npz_reads_arr_0(tmp_path, rng):
    images = rng.integers(0, 256, (4, 28, 28), dtype=np.uint8)
    np.savez_compressed(tmp_path / "imgs.npz", images)
    np.testing.assert_array_equal(read_npz_array(tmp_path / "imgs.npz", 3), images)


def test_npz_without_arr_0_names_its_keys(tmp_path):
    np.savez(tmp_path / "other.npz", images=np.zeros((2, 28, 28), np.uint8))
    with pytest.raises(DataFormatError, match=r"no array named 'arr_0'.*\['images'\]"):
        read_npz_array(tmp_path / "other.npz", 3)


def test_npz_object_array_is_refused_without_unpickling(tmp_path):
    np.savez(tmp_path / "objects.npz", np.array([{"a": 1}, None], dtype=object))
    with pytest.raises(DataFormatError, match="not a readable .npz"):
        read_npz_array(tmp_path / "objects.npz", 1)


def test_npz_that_is_not_a_zip_or_has_wrong_shape(tmp_path):
    (tmp_path / "text.npz").write_text("hello")
    with pytest.raises(DataFormatError, match="not an .npz archive"):
        read_npz_array(tmp_path / "text.npz", 1)
    np.savez(tmp_path / "flat.npz", np.zeros(10, np.uint8))
    with pytest.raises(DataFormatError, match=r"shape \(10,\); expected uint8 with 3"):
        read_npz_array(tmp_path / "flat.npz", 3)


def test_npz_cut_short_is_reported(tmp_path):
    np.savez(tmp_path / "full.npz", np.zeros((20, 28, 28), np.uint8))
    raw = (tmp_path / "full.npz").read_bytes()
    (tmp_path / "cut.npz").write_bytes(raw[: len(raw) // 2])
    with pytest.raises(DataFormatError, match="cut.npz is not a readable .npz"):
        read_npz_array(tmp_path / "cut.npz", 3)


# ---------------------------------------------------------------- CIFAR-10

def cifar_batch(images, labels):
    """A batch dict as CIFAR-10 pickles it (bytes keys, rows of 3072 channel-major values)."""
    return {b"batch_label": b"test", b"labels": [int(v) for v in labels],
            b"data": images.reshape(len(images), -1), b"filenames": [b"x.png"] * len(images)}


def write_tar_gz(path, members):
    with tarfile.open(path, "w:gz") as archive:
        for name, payload in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(payload)
            archive.addfile(info, io.BytesIO(payload))


def cifar_members(rng, per_batch=3, skip=()):
    batches = {}
    for name in [f"data_batch_{i}" for i in range(1, 6)] + ["test_batch"]:
        if name in skip:
            continue
        images = rng.integers(0, 256, (per_batch, 3, 32, 32), dtype=np.uint8)
        labels = rng.integers(0, 10, per_batch)
        batches[name] = (images, labels)
    members = {f"cifar-10-batches-py/{n}": pickle.dumps(cifar_batch(*b), protocol=2)
               for n, b in batches.items()}
    members["cifar-10-batches-py/batches.meta"] = pickle.dumps({b"label_names": [b"airplane"]})
    return members, batches


def test_cifar_reads_both_splits_from_the_archive(tmp_path, rng):
    members, batches = cifar_members(rng)
    write_tar_gz(tmp_path / "cifar.tar.gz", members)
    splits = read_cifar10_archive(tmp_path / "cifar.tar.gz")
    x_train, y_train = splits["train"]
    assert x_train.shape == (15, 3, 32, 32) and x_train.dtype == np.uint8
    np.testing.assert_array_equal(x_train[3:6], batches["data_batch_2"][0])
    np.testing.assert_array_equal(y_train, np.concatenate([batches[f"data_batch_{i}"][1] for i in range(1, 6)]))
    np.testing.assert_array_equal(splits["test"][0], batches["test_batch"][0])
    assert not (tmp_path / "cifar-10-batches-py").exists()  # nothing extracted


def test_cifar_test_split_alone_does_not_need_train_batches(tmp_path, rng):
    members, batches = cifar_members(rng, skip=("data_batch_4",))
    write_tar_gz(tmp_path / "c.tar.gz", members)
    assert set(read_cifar10_archive(tmp_path / "c.tar.gz", ("test",))) == {"test"}
    with pytest.raises(DataFormatError, match="lacks the batch\\(es\\) data_batch_4"):
        read_cifar10_archive(tmp_path / "c.tar.gz", ("train",))


class _Exploit:
    def __init__(self, target):
        self.target = target

    def __reduce__(self):
        return (os.mkdir, (self.target,))


def test_cifar_batch_that_runs_code_is_refused(tmp_path, rng):
    members, _ = cifar_members(rng)
    sentinel = tmp_path / "pwned"
    members["cifar-10-batches-py/test_batch"] = pickle.dumps({b"data": _Exploit(str(sentinel))})
    write_tar_gz(tmp_path / "evil.tar.gz", members)
    with pytest.raises(DataFormatError, match=r"test_batch was refused: .*\b(posix|os)\.mkdir"):
        read_cifar10_archive(tmp_path / "evil.tar.gz", ("test",))
    assert not sentinel.exists()


def test_cifar_damaged_archive_and_bad_batch(tmp_path, rng):
    members, _ = cifar_members(rng)
    write_tar_gz(tmp_path / "ok.tar.gz", members)
    raw = (tmp_path / "ok.tar.gz").read_bytes()
    (tmp_path / "cut.tar.gz").write_bytes(raw[: len(raw) // 2])
    with pytest.raises(DataFormatError, match=r"cut.tar.gz.*(damaged|not a readable).*delete"):
        read_cifar10_archive(tmp_path / "cut.tar.gz")
    members["cifar-10-batches-py/test_batch"] = pickle.dumps(
        {b"data": np.zeros((2, 100), np.uint8), b"labels": [0, 1]})
    write_tar_gz(tmp_path / "shape.tar.gz", members)
    with pytest.raises(DataFormatError, match=r"test_batch: 'data' is uint8 of shape \(2, 100\)"):
        read_cifar10_archive(tmp_path / "shape.tar.gz", ("test",))


# ---------------------------------------------------------------- EMNIST letters

def emnist_split(rng, count):
    upright = rng.integers(0, 256, (count, 28, 28), dtype=np.uint8)
    labels = rng.integers(1, 27, count).astype(np.uint8)
    return upright, labels, idx_bytes(np.ascontiguousarray(upright.transpose(0, 2, 1))), idx_bytes(labels)


def test_emnist_zip_images_are_turned_upright_and_labels_start_at_zero(tmp_path, rng):
    upright, labels, stored_images, stored_labels = emnist_split(rng, 6)
    with zipfile.ZipFile(tmp_path / "gzip.zip", "w") as archive:
        archive.writestr("gzip/emnist-letters-test-images-idx3-ubyte.gz", gzip.compress(stored_images))
        archive.writestr("gzip/emnist-letters-test-labels-idx1-ubyte.gz", gzip.compress(stored_labels))
    images, got_labels = read_emnist_zip(tmp_path / "gzip.zip", "test")
    np.testing.assert_array_equal(images, upright)
    np.testing.assert_array_equal(got_labels, labels.astype(np.int64) - 1)
    assert got_labels.dtype == np.int64 and got_labels.min() >= 0 and got_labels.max() <= 25
    with pytest.raises(DataFormatError, match="lacks emnist-letters-train-images"):
        read_emnist_zip(tmp_path / "gzip.zip", "train")


def test_emnist_individual_files_and_label_out_of_range(tmp_path, rng):
    upright, labels, stored_images, stored_labels = emnist_split(rng, 4)
    (tmp_path / "i.gz").write_bytes(gzip.compress(stored_images))
    (tmp_path / "l").write_bytes(stored_labels)
    np.testing.assert_array_equal(read_emnist_files(tmp_path / "i.gz", tmp_path / "l")[0], upright)
    bad = labels.copy()
    bad[2] = 0
    (tmp_path / "bad").write_bytes(idx_bytes(bad))
    with pytest.raises(DataFormatError, match="label 0 at index 2 is out of range 1..26"):
        read_emnist_files(tmp_path / "i.gz", tmp_path / "bad")


def test_emnist_not_a_zip(tmp_path):
    (tmp_path / "gzip.zip").write_bytes(b"<html>moved</html>")
    with pytest.raises(DataFormatError, match="not a readable zip"):
        read_emnist_zip(tmp_path / "gzip.zip", "test")


# ---------------------------------------------------------------- shared checks

def test_split_arrays_add_the_channel_axis_and_cast_labels():
    images, labels = to_split_arrays(np.zeros((3, 28, 28), np.uint8), np.array([0, 9, 4], np.uint8),
                                     (1, 28, 28), 10, "f")
    assert images.shape == (3, 1, 28, 28) and labels.dtype == np.int64


@pytest.mark.parametrize("images, labels, message", [
    (np.zeros((3, 28, 28), np.uint8), np.array([0, 1], np.uint8), "3 images but 2 labels"),
    (np.zeros((2, 28, 28), np.uint8), np.array([0, 10], np.uint8), "label 10 at index 1 is out of range 0..9"),
    (np.zeros((2, 32, 32), np.uint8), np.array([0, 1], np.uint8), r"\(1, 32, 32\).*expected \(1, 28, 28\)"),
    (np.zeros((2, 28, 28), np.uint8), np.array([0.5, 1.0]), "whole numbers"),
])
def test_split_arrays_reject_inconsistent_splits(images, labels, message):
    with pytest.raises(DataFormatError, match=message):
        to_split_arrays(images, labels, (1, 28, 28), 10, "f")
