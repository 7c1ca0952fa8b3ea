"""One evaluation run: a model over a data set's test split, in batches, in one pass.

Built to run in a worker thread: ``progress`` is called after every batch and
``cancel`` is asked before every batch. The network is only read, but the
caller must keep a trainer from changing it meanwhile (evaluate a
``Network.copy()`` of a network that is training).
"""
from __future__ import annotations

import threading
import time
from typing import Callable, Optional, Sequence

import numpy as np

from ..data import Dataset, load_dataset
from ..metrics import classification_report
from ..nn import Network, softmax
from .results import (ChannelActivity, ClassScores, ConfusionMatrix, Evaluation, FeatureSample,
                      frozen_array)
from .batches import Cancelled, run_batches
from .taps import Taps, find_taps, forward_tapped

#: images per inference batch: large enough for efficient matrix products, small enough
#: that every work array of the ``deep`` preset stays in memory the allocator reuses
#: (at 128 the larger ones are page-faulted afresh each batch)
DEFAULT_BATCH = 64
#: test images whose penultimate-layer output is kept for the embedding map
DEFAULT_EMBED_COUNT = 2000
#: pixel scale applied to uint8 images (0..255 -> 0..1), as in training
INPUT_SCALE = 1.0 / 255


class EvaluationError(ValueError):
    """The model and the data do not fit together (shapes, class count, labels)."""


class EvaluationCancelled(Exception):
    """``cancel()`` returned True before the pass was complete."""


def load_test_split(dataset: str, data_dir=None, download: bool = True,
                    progress: Optional[Callable[[int, Optional[int]], None]] = None,
                    cancel: Optional[Callable[[], bool]] = None,
                    status: Optional[Callable[[str], None]] = None) -> Dataset:
    """The test split alone of data set ``dataset`` (the training files need not be present).

    Arguments as ``cnnviz.data.load_dataset``. When the files are missing and
    cannot be downloaded, its errors say which files to put in which folder
    (``MissingFilesError``, ``DownloadError``; both are ``DataError``).
    """
    return load_dataset(dataset, data_dir=data_dir, download=download, progress=progress, cancel=cancel,
                        splits=("test",), status=status)


def check_fit(net: Network, images: np.ndarray, labels: np.ndarray, class_names: Sequence[str]) -> None:
    """Raise :class:`EvaluationError` saying what does not fit, if anything.

    images: (N, C, H, W) with (C, H, W) = ``net.input_shape``; labels: int (N,)
    in [0, K) with K = ``net.num_classes`` = ``len(class_names)``.
    """
    images, labels = np.asarray(images), np.asarray(labels)
    if images.ndim != 4 or tuple(images.shape[1:]) != net.input_shape:
        raise EvaluationError(f"the model expects images of shape {net.input_shape}, "
                              f"the data has {tuple(images.shape[1:])}")
    if len(class_names) != net.num_classes:
        raise EvaluationError(f"the model has {net.num_classes} classes but {len(class_names)} class names")
    if labels.ndim != 1 or len(labels) != len(images):
        raise EvaluationError(f"{len(images)} images but labels of shape {labels.shape}")
    if len(labels) == 0:
        raise EvaluationError("the test split holds no images")
    if not np.issubdtype(labels.dtype, np.integer) or labels.min() < 0 or labels.max() >= net.num_classes:
        raise EvaluationError(f"labels must be whole numbers from 0 to {net.num_classes - 1}")


def feature_indices(n_images: int, count: int, seed: int = 0) -> np.ndarray:
    """int64 (min(count, N),): ascending test-split positions of the images kept for the
    embedding, a seeded random choice (all of them when N <= count)."""
    if n_images <= count:
        return np.arange(n_images, dtype=np.int64)
    return np.sort(np.random.default_rng(seed).choice(n_images, count, replace=False)).astype(np.int64)


def evaluate_model(net: Network, images: np.ndarray, labels: np.ndarray, class_names: Sequence[str],
                   dataset: str = "", batch: int = DEFAULT_BATCH, embed_count: int = DEFAULT_EMBED_COUNT,
                   seed: int = 0, progress: Optional[Callable[[int, int], None]] = None,
                   cancel: Optional[Callable[[], bool]] = None, threads: Optional[int] = None,
                   may_help: Optional[Callable[[], bool]] = None) -> Evaluation:
    """Run ``net`` over ``images`` once and gather everything the Evaluation panel shows.

    images: (N, C, H, W), uint8 0..255 (scaled by 1/255) or float (used as
    is); labels: int (N,); ``class_names``: K names, one per output. Besides
    probabilities and metrics, the same pass keeps the penultimate layer's
    output for ``embed_count`` images (:func:`feature_indices` with ``seed``)
    and counts silent channels after every conv -> ReLU.
    ``progress(done_images, N)`` follows each batch; when ``cancel()`` is true
    before a batch, :class:`EvaluationCancelled` is raised. Batches run on
    ``threads`` threads at once (see :func:`batches.run_batches`, which also says
    what ``may_help`` does); the results do not depend on how many.
    Raises :class:`EvaluationError` when model and data do not fit, or the
    model's outputs are not finite numbers.
    """
    check_fit(net, images, labels, class_names)
    if batch < 1:
        raise EvaluationError(f"the batch size must be at least 1, got {batch}")
    t0 = time.perf_counter()
    n = len(images)
    taps = find_taps(net)
    kept = feature_indices(n, max(0, int(embed_count)), seed)
    probs = np.empty((n, net.num_classes), np.float32)
    features: Optional[np.ndarray] = None
    silent_counts = {relu: 0 for _conv, relu in taps.pairs}
    lock = threading.Lock()
    done = 0

    def run_batch(network: Network, index: int) -> None:
        nonlocal features, done
        lo = index * batch
        hi = min(lo + batch, n)
        rows = kept[np.searchsorted(kept, lo):np.searchsorted(kept, hi)]
        with np.errstate(over="ignore", invalid="ignore"):       # overflow is reported below, once
            out = forward_tapped(network, as_input(images[lo:hi], network.dtype), taps,
                                 want_features=rows.size > 0)
            probs[lo:hi] = softmax(out.logits)
        with lock:
            for relu, silent in out.silent.items():
                silent_counts[relu] = silent_counts[relu] + silent.sum(axis=0)
            if rows.size:
                if features is None:
                    features = np.empty((kept.size, out.features.shape[1]), np.float32)
                features[np.searchsorted(kept, rows)] = out.features[rows - lo]
            done += hi - lo
            if progress is not None:
                progress(done, n)
    try:
        run_batches(net, -(-n // batch), run_batch, threads, cancel, may_help)
    except Cancelled:
        raise EvaluationCancelled(f"evaluation cancelled after {done:,} of {n:,} images") from None
    broken = int(np.count_nonzero(~np.isfinite(probs).all(axis=1)))
    if broken:
        raise EvaluationError(f"the model gives no valid probabilities (NaN or infinity) for {broken:,} of "
                              f"{n:,} images: its weights have overflowed, so it cannot be evaluated")
    if features is None:
        features = np.empty((0, 0), np.float32)
    return _assemble(probs, np.asarray(labels).astype(np.int64), class_names, dataset, taps, kept, features,
                     silent_counts, n, time.perf_counter() - t0)


def as_input(block: np.ndarray, dtype) -> np.ndarray:
    """A batch of images (n, C, H, W) as network input in ``dtype``: uint8 scaled by
    :data:`INPUT_SCALE` to 0..1, anything else cast as it is."""
    if block.dtype != np.uint8:
        return np.asarray(block, dtype=dtype)
    out = block.astype(dtype)
    out *= INPUT_SCALE
    return out


def _assemble(probs, labels, class_names, dataset, taps: Taps, kept, features, silent_counts, n, seconds
              ) -> Evaluation:
    """The Evaluation of a finished pass; every metric comes from ``metrics.classification_report``."""
    names = tuple(str(name) for name in class_names)
    report = classification_report(probs, labels, names)
    picked = probs[np.arange(n), labels].astype(np.float64)
    activity = tuple(ChannelActivity(conv, relu, n, frozen_array(np.asarray(silent_counts[relu], np.int64)))
                     for conv, relu in taps.pairs)
    return Evaluation(
        dataset=str(dataset), class_names=names, labels=frozen_array(labels),
        probabilities=frozen_array(probs), predictions=frozen_array(probs.argmax(axis=1).astype(np.int64)),
        loss=float(-np.mean(np.log(np.maximum(picked, 1e-12)))),
        accuracy=report["accuracy"], mean_ap=report["mAP"],
        macro_precision=report["macro"]["precision"], macro_recall=report["macro"]["recall"],
        macro_f1=report["macro"]["f1"],
        classes=tuple(ClassScores(**row) for row in report["classes"]),
        confusion=ConfusionMatrix.from_counts(np.array(report["confusion_matrix"]), names),
        features=FeatureSample(taps.feature_layer, frozen_array(kept), frozen_array(features)),
        channel_activity=activity, unchecked_convs=taps.unchecked, seconds=seconds)
