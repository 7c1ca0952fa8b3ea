"""The ``letters`` data set: A-Z written by a simulated pen, made on this computer.

Each image is a letter from a stroke font (:mod:`cnnviz.data.letterglyphs`),
capital or small, drawn by :func:`cnnviz.data.penrender.render` as dark ink on
a white paper and then passed through the app's own preprocessing
(:func:`cnnviz.preprocess.preprocess`), so a training image is what the network
receives from a drawing on the canvas. Capitals and small letters share a
class, as in EMNIST letters: 26 classes, 'A'..'Z'.

The named data set has 2,000 images per class for training and 400 for
testing, each split made from its own seed; the same seed always gives the same
images. A split is written once to ``letters-v<VERSION>-<split>.npz`` in the
data folder (the user cache by default) and read from there afterwards.
"""
from __future__ import annotations

import contextlib
import multiprocessing
import os
import zipfile
import zlib
from concurrent.futures import ProcessPoolExecutor, as_completed
from functools import lru_cache
from pathlib import Path
from typing import Callable, Optional, Tuple, Union

import numpy as np

from ..preprocess import preprocess
from .errors import DataError, DataFormatError, DownloadCancelled
from .letterglyphs import LETTERS, Glyph, letter_glyphs
from .penrender import render

#: changes whenever the generator's output changes, so a stale cached file is never read
VERSION = 1
FILE_NAMES = {split: f"letters-v{VERSION}-{split}.npz" for split in ("train", "test")}
PER_CLASS = {"train": 2000, "test": 400}
SEEDS = {"train": 0, "test": 1}
CHUNK = 1040                    # images drawn at once (40 per class); also the progress step
SIDE = 28

Progress = Callable[[int, Optional[int]], None]
Cancel = Callable[[], bool]


@lru_cache(maxsize=1)
def _glyphs_by_class() -> Tuple[Tuple[Tuple[Glyph, ...], np.ndarray], ...]:
    """Per class: its glyphs and the probability of drawing each."""
    table = []
    for label in range(len(LETTERS)):
        glyphs = tuple(g for g in letter_glyphs() if g.label == label)
        weights = np.array([g.weight for g in glyphs])
        table.append((glyphs, weights / weights.sum()))
    return tuple(table)


def draw_papers(labels: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Papers with one letter each: uint8 (N, 48, 48), white 255 with dark ink.

    ``labels``: int (N,), 0..25 for 'A'..'Z'; each picks a random glyph of its
    letter (any face, capital or small) and a random pen and hand.
    """
    table = _glyphs_by_class()
    chosen = [None] * len(labels)
    for label in np.unique(labels):
        where = np.flatnonzero(labels == label)
        glyphs, p = table[label]
        for i, k in zip(where, rng.choice(len(glyphs), size=len(where), p=p)):
            chosen[i] = glyphs[k]
    return render(chosen, rng)


def to_network_input(papers: np.ndarray) -> np.ndarray:
    """The app's preprocessing of each paper, stored as uint8 (N, 28, 28), 255 = full ink."""
    out = np.empty((len(papers), SIDE, SIDE), dtype=np.uint8)
    for i, paper in enumerate(papers):
        out[i] = np.round(preprocess(paper, (1, SIDE, SIDE))[0] * 255)
    return out


def chunk_rng(seed: int, chunk: int) -> np.random.Generator:
    """The random generator of chunk number ``chunk`` of a split made from ``seed``."""
    return np.random.default_rng([seed, chunk])


def split_labels(per_class: int, seed: int) -> np.ndarray:
    """The labels of a split, int64 (26 * per_class,): each class ``per_class`` times, shuffled."""
    labels = np.tile(np.arange(len(LETTERS), dtype=np.int64), per_class)
    return np.random.default_rng([seed, 1 << 20]).permutation(labels)     # a stream no chunk uses


def _chunk_images(seed: int, k: int, labels: np.ndarray) -> np.ndarray:
    """Chunk ``k`` of a split: its papers drawn and preprocessed, uint8 (len(labels), 28, 28)."""
    return to_network_input(draw_papers(labels, chunk_rng(seed, k)))


def generate(per_class: int, seed: int, progress: Optional[Progress] = None,
             cancel: Optional[Cancel] = None, workers: Optional[int] = None,
             chunk: int = CHUNK) -> Tuple[np.ndarray, np.ndarray]:
    """Make ``per_class`` images of every letter from ``seed``: (images uint8 (N, 28, 28), labels int64 (N,)).

    Images hold ink 0..255 on 0 background, as MNIST. They are drawn in chunks
    of ``chunk`` images; chunk k uses :func:`chunk_rng` (seed, k), so the images
    depend on the seed and chunk size only, not on ``workers``: the number of
    processes sharing the chunks (default: one per core; 1 draws them all in
    this process). ``progress(done_images, total_images)`` is called after each
    chunk; ``cancel()`` is asked between chunks and True raises DownloadCancelled.
    """
    labels = split_labels(per_class, seed)
    images = np.empty((len(labels), SIDE, SIDE), dtype=np.uint8)
    starts = range(0, len(labels), chunk)
    workers = min(workers or os.cpu_count() or 1, len(starts))

    def cancelled(done: int) -> DownloadCancelled:
        return DownloadCancelled(f"making the letters data set was cancelled after {done:,} of "
                                 f"{len(labels):,} images; nothing was kept")

    done = 0
    if workers <= 1:
        for k, start in enumerate(starts):
            if cancel is not None and cancel():
                raise cancelled(done)
            images[start:start + chunk] = _chunk_images(seed, k, labels[start:start + chunk])
            done += len(labels[start:start + chunk])
            if progress is not None:
                progress(done, len(labels))
        return images, labels
    # "spawn": a fresh interpreter per worker, safe even when called from a thread of the app
    with ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("spawn")) as pool:
        futures = {pool.submit(_chunk_images, seed, k, labels[start:start + chunk]): start
                   for k, start in enumerate(starts)}
        try:
            for future in as_completed(futures):
                part = future.result()
                images[futures[future]:futures[future] + len(part)] = part
                done += len(part)
                if progress is not None:
                    progress(done, len(labels))
                if cancel is not None and cancel() and done < len(labels):
                    raise cancelled(done)
        except BaseException:
            pool.shutdown(wait=True, cancel_futures=True)
            raise
    return images, labels


def write_split(path: Union[str, Path], split: str, progress: Optional[Progress] = None,
                cancel: Optional[Cancel] = None) -> Path:
    """Make the named data set's ``split`` and write it to ``path`` (an .npz of 'images' and 'labels').

    ``progress(done_bytes, total_bytes)`` counts the bytes of the arrays the
    file will hold, as a download counts its file. The file appears under its
    name only when complete. Raises DataError when the folder cannot be written,
    DownloadCancelled when ``cancel()`` says so.
    """
    path = Path(path)
    count = PER_CLASS[split] * len(LETTERS)
    per_image = SIDE * SIDE + 1                          # image bytes + one label byte
    report = None if progress is None else (lambda done, _total: progress(done * per_image, count * per_image))
    images, labels = generate(PER_CLASS[split], SEEDS[split], report, cancel)
    part = path.with_name(path.name + ".part")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(part, "wb") as f:
            np.savez(f, images=images, labels=labels.astype(np.uint8))
        os.replace(part, path)
    except OSError as e:
        with contextlib.suppress(OSError):      # the first failure is the one to report
            part.unlink(missing_ok=True)
        raise DataError(f"cannot write the letters data set to {path.parent}: {e.strerror or e}; "
                        f"choose a data folder you can write to") from None
    return path


def read_split(path: Union[str, Path]) -> Tuple[np.ndarray, np.ndarray]:
    """Read a file :func:`write_split` wrote: images uint8 (N, 28, 28), labels uint8 (N,).

    Pickled data are refused. Raises DataFormatError for anything else than
    the two arrays of the right types.
    """
    try:
        with np.load(path, allow_pickle=False) as archive:
            missing = {"images", "labels"} - set(archive.files)
            if missing:
                raise DataFormatError(f"{path} lacks {', '.join(sorted(missing))}; delete it and it "
                                      f"is made again")
            images, labels = archive["images"], archive["labels"]
    except DataFormatError:
        raise
    except (OSError, ValueError, EOFError, KeyError, zipfile.BadZipFile, zlib.error) as e:
        raise DataFormatError(f"{path} is not a readable .npz file ({e}); delete it and it is made "
                              f"again") from None
    if images.dtype != np.uint8 or images.ndim != 3 or labels.dtype != np.uint8 or labels.ndim != 1:
        raise DataFormatError(f"{path} holds {images.dtype} images of shape {images.shape} and "
                              f"{labels.dtype} labels of shape {labels.shape}; expected uint8 (N, 28, 28) "
                              f"and uint8 (N,); delete it and it is made again")
    return images, labels
