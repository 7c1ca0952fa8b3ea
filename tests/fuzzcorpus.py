"""The files the fuzzer feeds the program: images, model files and data sets, good and hostile.

Every file is made here from a seed (no downloads, nothing from the data
sets): valid seeds in each format, crafted hostile ones (headers declaring
huge sizes, decompression bombs, code-running pickles), and random mutations
of both (bit flips, overwritten or inserted bytes, truncation, splices,
header fields set to extreme values).
"""
from __future__ import annotations

import functools
import gzip
import io
import json
import pickle
import struct
import zipfile
import zlib
from pathlib import Path
from typing import Callable, Dict, List

import numpy as np

TINY_MODEL = {"name": "fuzz", "input_shape": [1, 28, 28], "layers": [
    {"type": "conv", "name": "conv1", "filters": 2, "kernel": 5},
    {"type": "relu", "name": "relu1"},
    {"type": "maxpool", "name": "pool1", "kernel": 2},
    {"type": "flatten", "name": "flatten"},
    {"type": "dense", "name": "fc1", "units": 10}]}


# -- images --------------------------------------------------------------------------
def digit(rng: np.random.Generator, side: int = 28) -> np.ndarray:
    """A dark stroke on a light background, (side, side) uint8: something preprocess accepts."""
    img = np.full((side, side), 255, np.uint8)
    y, x = np.ogrid[:side, :side]
    cy, cx, r = side / 2 + rng.uniform(-2, 2), side / 2 + rng.uniform(-2, 2), side * rng.uniform(0.2, 0.35)
    ring = np.abs(np.hypot(y - cy, x - cx) - r) < max(1.5, side / 14)
    img[ring] = rng.integers(0, 60)
    return img


def qt_bytes(array: np.ndarray, fmt: str, quality: int = -1) -> bytes:
    from PyQt5.QtCore import QBuffer, QByteArray, QIODevice
    from cnnviz.gui.widgets.qimage import array_to_qimage
    data = QByteArray()
    buffer = QBuffer(data)
    buffer.open(QIODevice.WriteOnly)
    assert array_to_qimage(array).save(buffer, fmt, quality), fmt
    buffer.close()
    return bytes(data)


def _chunk(kind: bytes, payload: bytes) -> bytes:
    return struct.pack(">I", len(payload)) + kind + payload + struct.pack(">I", zlib.crc32(kind + payload))


def png_declaring(width: int, height: int, bit_depth: int = 8, rows: int = 64) -> bytes:
    """A small valid-looking PNG whose header declares width x height (gray), with ``rows`` zero rows."""
    row = b"\x00" + bytes((width * bit_depth + 7) // 8)
    body = zlib.compress(row * min(rows, height), 9)
    return (b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, bit_depth, 0, 0, 0, 0))
            + _chunk(b"IDAT", body) + _chunk(b"IEND", b""))


def _set_tiff_size(data: bytes, width: int, height: int) -> bytes:
    """A little-endian TIFF with its first IFD's ImageWidth and ImageLength set (LONG values)."""
    out = bytearray(data)
    if out[:2] != b"II":
        return data
    ifd = struct.unpack_from("<I", out, 4)[0]
    for i in range(struct.unpack_from("<H", out, ifd)[0]):
        at = ifd + 2 + 12 * i
        tag = struct.unpack_from("<H", out, at)[0]
        if tag in (256, 257):
            struct.pack_into("<HI", out, at + 2, 4, 1)          # type LONG, one value
            struct.pack_into("<I", out, at + 8, width if tag == 256 else height)
    return bytes(out)


def _set_jpeg_size(data: bytes, width: int, height: int) -> bytes:
    at = data.find(b"\xff\xc0")
    if at < 0:
        return data
    out = bytearray(data)
    struct.pack_into(">HH", out, at + 5, height, width)
    return bytes(out)


def image_seeds(rng: np.random.Generator) -> Dict[str, bytes]:
    """Valid images in every format the program reads, and crafted hostile ones: {file name: bytes}."""
    from cnnviz.gifwriter import encode_gif
    gray = digit(rng)
    rgb = np.repeat(digit(rng, 40)[:, :, None], 3, axis=2)
    rgba = np.dstack([rgb, np.full(rgb.shape[:2], 255, np.uint8)])
    seeds = {
        "gray.png": qt_bytes(gray, "PNG"), "rgb.png": qt_bytes(rgb, "PNG"), "rgba.png": qt_bytes(rgba, "PNG"),
        "photo.jpg": qt_bytes(rgb, "JPEG", 90), "gray.bmp": qt_bytes(gray, "BMP"),
        "rgb.tiff": qt_bytes(rgb, "TIFF"), "gray.tif": qt_bytes(gray, "TIFF"),
        "anim.gif": encode_gif([rgb, 255 - rgb]), "rgb.webp": qt_bytes(rgb, "WEBP", 90),
        "text.svg": b'<svg xmlns="http://www.w3.org/2000/svg" width="28" height="28">'
                    b'<text x="4" y="24" font-size="24">7</text></svg>',
        "huge.svg": b'<svg xmlns="http://www.w3.org/2000/svg" width="20000" height="20000">'
                    b'<rect width="20000" height="20000"/></svg>',
        "external.svg": b'<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" '
                        b'width="28" height="28"><image xlink:href="/dev/zero" width="28" height="28"/></svg>',
        "laughs.svg": b'<?xml version="1.0"?><!DOCTYPE svg [<!ENTITY a "aaaaaaaaaa">'
                      + b"".join(b'<!ENTITY %c "%s">' % (98 + i, (b"&%c;" % (97 + i)) * 10) for i in range(8))
                      + b']><svg xmlns="http://www.w3.org/2000/svg"><text>&i;</text></svg>',
        "bomb.svgz": gzip_bomb(b"<svg ", 20_000_000),
        "wide.png": png_declaring(30000, 30000), "bits.png": png_declaring(65535, 65535, 1),
        "empty.png": b"", "text.png": b"this is not an image\n",
    }
    seeds["huge.tiff"] = _set_tiff_size(seeds["rgb.tiff"], 100000, 100000)
    seeds["huge.jpg"] = _set_jpeg_size(seeds["photo.jpg"], 65535, 65535)
    bmp = bytearray(seeds["gray.bmp"])
    struct.pack_into("<ii", bmp, 18, 60000, -60000)
    seeds["huge.bmp"] = bytes(bmp)
    gif = bytearray(seeds["anim.gif"])
    struct.pack_into("<HH", gif, 6, 65535, 65535)
    seeds["screen.gif"] = bytes(gif)
    return seeds


# -- mutations -----------------------------------------------------------------------
def mutate(data: bytes, rng: np.random.Generator, other: bytes = b"") -> bytes:
    """``data`` changed by one to three random mutations."""
    out = bytearray(data)
    for _ in range(int(rng.integers(1, 4))):
        kind = int(rng.integers(0, 7))
        n = len(out)
        if kind == 0 and n:                                   # flip bits
            for at in rng.integers(0, n, int(rng.integers(1, 9))):
                out[at] ^= 1 << int(rng.integers(0, 8))
        elif kind == 1 and n:                                 # overwrite bytes
            at = int(rng.integers(0, n))
            out[at:at + 8] = rng.integers(0, 256, 8, dtype=np.uint8).tobytes()
        elif kind == 2:                                       # insert bytes
            at = int(rng.integers(0, n + 1))
            out[at:at] = rng.integers(0, 256, int(rng.integers(1, 64)), dtype=np.uint8).tobytes()
        elif kind == 3 and n:                                 # truncate
            del out[int(rng.integers(0, n)):]
        elif kind == 4 and n > 8:                             # an extreme header field
            at = int(rng.integers(0, min(n - 4, 96)))
            out[at:at + 4] = [b"\xff\xff\xff\xff", b"\x7f\xff\xff\xff", b"\x00\x00\x00\x00",
                              b"\x00\x01\x00\x00"][int(rng.integers(0, 4))]
        elif kind == 5 and other:                             # splice with another file
            out = out[:int(rng.integers(0, n + 1))] + other[int(rng.integers(0, len(other))):]
        elif kind == 6 and n:                                 # repeat a piece
            at = int(rng.integers(0, n))
            out[at:at] = out[at:at + int(rng.integers(1, 256))] * int(rng.integers(2, 5))
    return bytes(out)


# -- model files ---------------------------------------------------------------------
def _npz(entries: Dict[str, np.ndarray], compressed: bool = False) -> bytes:
    buffer = io.BytesIO()
    (np.savez_compressed if compressed else np.savez)(buffer, **entries)
    return buffer.getvalue()


@functools.lru_cache(maxsize=None)
def model_entries(seed: int = 0) -> Dict[str, np.ndarray]:
    """The archive entries of a valid model of :data:`TINY_MODEL` (do not change them: cached)."""
    from cnnviz.modelio import save_model
    from cnnviz.nn import Network
    import tempfile
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "m.npz"
        save_model(path, Network(TINY_MODEL, seed=seed), [str(i) for i in range(10)])
        with np.load(path, allow_pickle=False) as archive:
            return {name: archive[name] for name in archive.files}


def _with_meta(entries, change: Callable[[dict], None]) -> Dict[str, np.ndarray]:
    meta = json.loads(entries["meta"].tobytes())
    change(meta)
    return {**entries, "meta": np.frombuffer(json.dumps(meta).encode(), np.uint8)}


def _arch_change(change: Callable[[dict], None]) -> Callable[[dict], None]:
    def apply(meta):
        change(meta["architecture"])
        meta["input_shape"] = meta["architecture"]["input_shape"]
    return apply


class _Exec:
    def __reduce__(self):
        return (eval, ("__import__('os').system('touch /tmp/cnnviz-fuzz-pwned')",))


def _shared_pickle(levels: int) -> bytes:
    x: list = [1]
    for _ in range(levels):
        x = [x, x]
    return pickle.dumps(x, protocol=2)


def model_seeds() -> Dict[str, bytes]:
    """Valid and hostile model files: {file name: bytes}."""
    return {name: model_seed(name) for name in MODEL_SEEDS}


def model_seed(name: str) -> bytes:
    """The model file ``name`` of :data:`MODEL_SEEDS`, as bytes."""
    entries = model_entries()
    what = MODEL_SEEDS[name]
    if isinstance(what, dict):
        return pickle.dumps(what)
    if name.endswith(".pkl"):
        return what()
    return what(entries)


_RELU = {"type": "relu"}
_TEXTBOOK = {"W1": np.ones((2, 1, 5, 5)), "b1": np.zeros(2), "W2": np.ones((288, 4)), "b2": np.zeros(4),
             "W3": np.ones((4, 10)), "b3": np.zeros(10)}


def _hostile(change: Callable[[dict], None]) -> Callable[[dict], bytes]:
    return lambda entries: _npz(_with_meta(entries, _arch_change(change)))


MODEL_SEEDS = {
    "model.npz": _npz,
    "model-compressed.npz": lambda e: _npz(e, True),
    # few parameters, but each asks for gigabytes of work per image
    "im2col.npz": _hostile(lambda a: a.update(input_shape=[1, 8000, 8000]) or a["layers"][0].update(
        filters=64, kernel=3, padding="same") or a["layers"][2].update(kernel=8000, stride=8000)),
    "activation.npz": _hostile(lambda a: a["layers"][0].update(filters=100_000) or a["layers"][2].update(
        kernel=24, stride=24)),
    "wide.npz": _hostile(lambda a: a.update(input_shape=[1, 1, 100_000]) or a["layers"][0].update(
        filters=200, kernel=[1, 5]) or a["layers"][2].update(kernel=[1, 99_996], stride=[1, 99_996])),
    "fft.npz": _hostile(lambda a: a["layers"][0].update(method="fft", padding="full", kernel=3000, filters=4)
                        or a["layers"][2].update(kernel=3027, stride=3027)),
    "layers.npz": _hostile(lambda a: a["layers"].__setitem__(slice(1, 2), [dict(_RELU) for _ in range(100_000)])),
    "units.npz": _hostile(lambda a: a["layers"][4].update(units=10 ** 300)),
    "filters.npz": _hostile(lambda a: a["layers"][0].update(filters=10 ** 9)),
    "nested.npz": _hostile(lambda a: a["layers"].insert(1, _nested(200))),
    "bomb.npz": lambda e: _npz({**e, "padding": np.zeros(50_000_000, np.uint8)}, True),
    "object.npz": lambda e: _npz({**e, "meta": np.array([{"a": 1}], dtype=object)}),
    "params.pkl": _TEXTBOOK,
    "exec.pkl": lambda: pickle.dumps({**_TEXTBOOK, "b3": _Exec()}),
    "shared.pkl": lambda: _shared_pickle(45),
    "ndarray.pkl": lambda: pickle.dumps(np.zeros(3)).replace(b"\x03", b"\xff", 1),
}


def _nested(depth: int) -> dict:
    block = {"type": "relu", "name": "inner"}
    for i in range(depth):
        block = {"type": "residual", "name": f"res{i}", "layers": [block]}
    return block


def zip_with_changed_member(data: bytes, rng: np.random.Generator) -> bytes:
    """A model archive with one member's content mutated and the zip rewritten (valid CRCs)."""
    src = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    names = src.namelist()
    victim = names[int(rng.integers(0, len(names)))]
    with zipfile.ZipFile(out, "w") as dst:
        for name in names:
            content = src.read(name)
            dst.writestr(name, mutate(content, rng) if name == victim else content)
    return out.getvalue()


# -- data sets -----------------------------------------------------------------------
def gzip_bomb(head: bytes, zeros: int) -> bytes:
    """A gzip stream of ``head`` then ``zeros`` zero bytes, made without holding them in memory."""
    packer = zlib.compressobj(1, zlib.DEFLATED, 31)
    block = bytes(1 << 20)
    parts = [packer.compress(head)]
    for start in range(0, zeros, len(block)):
        parts.append(packer.compress(block[:min(len(block), zeros - start)]))
    return b"".join(parts) + packer.flush()


def idx(dtype_code: int, dims: List[int], data: bytes) -> bytes:
    return bytes([0, 0, dtype_code, len(dims)]) + struct.pack(f">{len(dims)}I", *dims) + data


def dataset_seeds(rng: np.random.Generator, bomb_bytes: int = 1 << 20) -> Dict[str, tuple]:
    """Test splits of every data set reader, good and hostile: {folder name: (data set name,
    {file name: bytes})}; the gzip bombs unpack ``bomb_bytes`` zeros (over the readers' limits
    in the long run)."""
    n = 20
    images = np.stack([digit(rng) for _ in range(n)])
    labels = rng.integers(0, 10, n).astype(np.uint8)
    good_images, good_labels = idx(8, [n, 28, 28], images.tobytes()), idx(8, [n], labels.tobytes())

    def mnist(img: bytes, lab: bytes, zipped: bool = True) -> tuple:
        if zipped:
            img, lab = gzip.compress(img, 1), gzip.compress(lab, 1)
        suffix = ".gz" if zipped else ""
        return "mnist", {"t10k-images-idx3-ubyte" + suffix: img, "t10k-labels-idx1-ubyte" + suffix: lab}
    seeds = {
        "good": mnist(good_images, good_labels),
        "raw": mnist(good_images, good_labels, zipped=False),
        "overflow": mnist(idx(8, [65536, 65536, 65536, 65536], b""), good_labels),
        "empty": mnist(idx(8, [0, 28, 28], b""), idx(8, [0], b"")),
        "huge-count": mnist(idx(8, [2 ** 31, 28, 28], images.tobytes()), good_labels),
        "bad-labels": mnist(good_images, idx(8, [n], bytes([250] * n))),
        "short": mnist(good_images[:-100], good_labels),
        "float": mnist(idx(0x0D, [n, 28, 28], images.astype(">f4").tobytes()), good_labels),
        "declares-too-much": ("mnist", {"t10k-images-idx3-ubyte.gz": gzip_bomb(idx(8, [400_000, 28, 28], b""), 8 << 20),
                                        "t10k-labels-idx1-ubyte.gz": gzip.compress(good_labels, 1)}),
        "bomb": ("mnist", {"t10k-images-idx3-ubyte.gz": gzip_bomb(idx(8, [n, 28, 28], images.tobytes()), bomb_bytes),
                           "t10k-labels-idx1-ubyte.gz": gzip.compress(good_labels, 1)}),
        "kmnist": ("kmnist", {"kmnist-test-imgs.npz": _npz({"arr_0": images}, True),
                              "kmnist-test-labels.npz": _npz({"arr_0": labels}, True)}),
        "kmnist-object": ("kmnist", {"kmnist-test-imgs.npz": _npz({"arr_0": np.array([{"a": 1}], dtype=object)}),
                                     "kmnist-test-labels.npz": _npz({"arr_0": labels})}),
        "kmnist-bomb": ("kmnist", {"kmnist-test-imgs.npz": _npz({"arr_0": np.zeros((bomb_bytes // 784, 28, 28),
                                                                                     np.uint8)}, True),
                                   "kmnist-test-labels.npz": _npz({"arr_0": labels})}),
        "emnist": ("emnist-letters", {"gzip.zip": _emnist_zip(good_images, idx(8, [n], (labels + 1).tobytes()))}),
        "emnist-labels": ("emnist-letters", {"gzip.zip": _emnist_zip(good_images, idx(8, [n], bytes(n)))}),
        "cifar": ("cifar10", {"cifar-10-python.tar.gz": _cifar({b"data": np.stack(
            [np.tile(digit(rng, 32), (3, 1, 1)).ravel() for _ in range(n)]), b"labels": labels.tolist()})}),
        "cifar-exec": ("cifar10", {"cifar-10-python.tar.gz": _cifar({b"data": _Exec(), b"labels": []})}),
        "cifar-shared": ("cifar10", {"cifar-10-python.tar.gz": _cifar(None, _shared_pickle(45))}),
    }
    return seeds


def _emnist_zip(images: bytes, labels: bytes) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("gzip/emnist-letters-test-images-idx3-ubyte.gz", gzip.compress(images, 1))
        archive.writestr("gzip/emnist-letters-test-labels-idx1-ubyte.gz", gzip.compress(labels, 1))
    return out.getvalue()


def _cifar(batch, raw: bytes = b"") -> bytes:
    import tarfile
    data = raw or pickle.dumps(batch, protocol=2)
    out = io.BytesIO()
    with tarfile.open(fileobj=out, mode="w:gz") as archive:
        info = tarfile.TarInfo("cifar-10-batches-py/test_batch")
        info.size = len(data)
        archive.addfile(info, io.BytesIO(data))
    return out.getvalue()


def mutate_file(name: str, data: bytes, rng: np.random.Generator) -> bytes:
    """``data`` mutated as the file ``name`` would be: inside its gzip or zip container half the time
    (so the damage reaches the parser, not only the container's checksum), as raw bytes otherwise."""
    inside = rng.random() < 0.5
    if inside and name.endswith(".gz"):
        return gzip.compress(mutate(gzip.decompress(data), rng), 1)
    if inside and name.endswith((".zip", ".npz")):
        return zip_with_changed_member(data, rng)
    return mutate(data, rng)
