"""The data sets cnnviz knows by name: where to get them and what they hold.

Checksums are the published MD5 sums of the official files (see the sources
noted next to each entry); they are checked on download only. Local copies are
checked for structure instead, because people keep partial re-packs.
"""
from __future__ import annotations

import string
from dataclasses import dataclass
from typing import Optional, Tuple

from .errors import UnknownDatasetError
from .letters import FILE_NAMES as LETTERS_FILES

SPLITS = ("train", "test")

# Which reader turns a split's files into arrays (see load.py).
READERS = ("idx", "npz", "cifar10", "emnist-letters", "letters")


@dataclass(frozen=True)
class DataFile:
    """One file of a data set.

    ``split`` is 'train' or 'test', or None for an archive that holds both.
    ``role`` is 'images', 'labels' or 'archive'. ``md5`` is the official
    checksum (hex, lower case); None marks a file that is only accepted
    locally (e.g. EMNIST members already taken out of the zip) or that is
    ``generated``: made on this computer when missing, never downloaded.
    """
    filename: str
    role: str
    split: Optional[str]
    md5: Optional[str]
    generated: bool = False


@dataclass(frozen=True)
class DatasetInfo:
    """Everything needed to find, fetch and check one data set.

    ``mirrors`` are base URLs tried in order; a file's URL is base + filename.
    ``files`` are the downloadable files; ``local_files`` are alternatives
    accepted when found on disk (used instead of ``files`` for a split when
    all of that split's alternatives are present). ``image_shape`` is (C, H, W).
    """
    name: str
    title: str
    reader: str
    image_shape: Tuple[int, int, int]
    class_names: Tuple[str, ...]
    mirrors: Tuple[str, ...]
    files: Tuple[DataFile, ...]
    local_files: Tuple[DataFile, ...] = ()

    @property
    def num_classes(self) -> int:
        return len(self.class_names)

    def download_files(self, split: str) -> Tuple[DataFile, ...]:
        """The downloadable files that ``split`` needs (an archive counts for both splits)."""
        return tuple(f for f in self.files if f.split in (split, None))

    def local_alternative(self, split: str) -> Tuple[DataFile, ...]:
        """Files that can stand in for ``download_files(split)`` when present locally."""
        return tuple(f for f in self.local_files if f.split == split)


def _idx_files(prefix_by_split: dict, md5s: dict) -> Tuple[DataFile, ...]:
    files = []
    for split, prefix in prefix_by_split.items():
        for role, idx in (("images", "idx3"), ("labels", "idx1")):
            name = f"{prefix}-{role}-{idx}-ubyte.gz"
            files.append(DataFile(name, role, split, md5s.get(name)))
    return tuple(files)


_MNIST_PREFIXES = {"train": "train", "test": "t10k"}

# Sources: torchvision/datasets/mnist.py (MNIST, FashionMNIST); the t10k sums
# were re-checked against the official files.
MNIST = DatasetInfo(
    name="mnist",
    title="MNIST handwritten digits",
    reader="idx",
    image_shape=(1, 28, 28),
    class_names=tuple(string.digits),
    mirrors=("https://ossci-datasets.s3.amazonaws.com/mnist/",
             "http://yann.lecun.com/exdb/mnist/"),
    files=_idx_files(_MNIST_PREFIXES, {
        "train-images-idx3-ubyte.gz": "f68b3c2dcbeaaa9fbdd348bbdeb94873",
        "train-labels-idx1-ubyte.gz": "d53e105ee54ea40749a09fcbcd1e9432",
        "t10k-images-idx3-ubyte.gz": "9fb629c4189551a2d022fa330f9573f3",
        "t10k-labels-idx1-ubyte.gz": "ec29112dd5afa0611ce80d1b7f02629c",
    }),
)

FASHION_MNIST = DatasetInfo(
    name="fashion-mnist",
    title="Fashion-MNIST (Zalando clothing)",
    reader="idx",
    image_shape=(1, 28, 28),
    class_names=("T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
                 "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"),
    # The second mirror is the data folder of the project's own GitHub repository.
    mirrors=("http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/",
             "https://raw.githubusercontent.com/zalandoresearch/fashion-mnist/master/data/fashion/"),
    files=_idx_files(_MNIST_PREFIXES, {
        "train-images-idx3-ubyte.gz": "8d4fb7e6c68d591d4c3dfef9ec88bf0d",
        "train-labels-idx1-ubyte.gz": "25c81989df183df01b3e8a0aad5dffbe",
        "t10k-images-idx3-ubyte.gz": "bef4ecab320f06d8554ea6380940ec79",
        "t10k-labels-idx1-ubyte.gz": "bb300cfdad3c16e7a12a480ee83cd310",
    }),
)

# The npz files listed by rois-codh/kmnist's download_data.py. Test sums: the
# shared data sets README (official files, re-checked). Train sums: a public
# data-preparation script that lists all four npz sums; its two test sums
# agree with the official files.
KMNIST = DatasetInfo(
    name="kmnist",
    title="Kuzushiji-MNIST (cursive Japanese)",
    reader="npz",
    image_shape=(1, 28, 28),
    class_names=("o", "ki", "su", "tsu", "na", "ha", "ma", "ya", "re", "wo"),
    mirrors=("http://codh.rois.ac.jp/kmnist/dataset/kmnist/",
             "https://codh.rois.ac.jp/kmnist/dataset/kmnist/"),
    files=(
        DataFile("kmnist-train-imgs.npz", "images", "train", "a183fbc01ed9a345513b145673d3d0bb"),
        DataFile("kmnist-train-labels.npz", "labels", "train", "b0e1d240e8afec72b50437fc3bc5908a"),
        DataFile("kmnist-test-imgs.npz", "images", "test", "dace6de62ca8b90843cc45366337d02e"),
        DataFile("kmnist-test-labels.npz", "labels", "test", "3ae489a79983d0fe386152684e3b5412"),
    ),
)

# gzip.zip's sum: torchvision/datasets/mnist.py (class EMNIST), which moved
# from the itl.nist.gov address to biometrics.nist.gov with the same sum.
EMNIST_LETTERS = DatasetInfo(
    name="emnist-letters",
    title="EMNIST letters (A-Z, upper and lower case merged)",
    reader="emnist-letters",
    image_shape=(1, 28, 28),
    class_names=tuple(string.ascii_uppercase),
    mirrors=("https://biometrics.nist.gov/cs_links/EMNIST/",
             "https://www.itl.nist.gov/iaui/vip/cs_links/EMNIST/"),
    files=(DataFile("gzip.zip", "archive", None, "58c8d27c78d21e728a6bc7b3cc06412e"),),
    local_files=_idx_files({"train": "emnist-letters-train", "test": "emnist-letters-test"}, {}),
)

# Source: torchvision/datasets/cifar.py (tgz_md5) and the CIFAR page.
CIFAR10 = DatasetInfo(
    name="cifar10",
    title="CIFAR-10 (32x32 colour photos)",
    reader="cifar10",
    image_shape=(3, 32, 32),
    class_names=("airplane", "automobile", "bird", "cat", "deer",
                 "dog", "frog", "horse", "ship", "truck"),
    mirrors=("https://www.cs.toronto.edu/~kriz/",
             "http://www.cs.toronto.edu/~kriz/"),
    files=(DataFile("cifar-10-python.tar.gz", "archive", None, "c58f30108f718f92721af3b95e74349a"),),
)

# Made here from stroke fonts (see letters.py): no download, no checksum.
LETTERS = DatasetInfo(
    name="letters", title="Letters A-Z drawn from stroke fonts (made on this computer, no download)",
    reader="letters", image_shape=(1, 28, 28), class_names=tuple(string.ascii_uppercase), mirrors=(),
    files=tuple(DataFile(name, "archive", split, None, generated=True) for split, name in LETTERS_FILES.items()))

REGISTRY = {info.name: info for info in (MNIST, FASHION_MNIST, KMNIST, EMNIST_LETTERS, LETTERS, CIFAR10)}


def available_datasets() -> Tuple[str, ...]:
    """The names of all known data sets, in the order the GUI should list them."""
    return tuple(REGISTRY)


def get_info(name) -> DatasetInfo:
    """Return the :class:`DatasetInfo` for ``name`` (a DatasetInfo is returned as is).

    Raises UnknownDatasetError naming the known data sets.
    """
    if isinstance(name, DatasetInfo):
        return name
    info = REGISTRY.get(str(name).strip().lower())
    if info is None:
        raise UnknownDatasetError(
            f"unknown data set {name!r}; choose one of: {', '.join(REGISTRY)}, or a folder of images "
            f"with one sub-folder per class")
    return info
