"""What one evaluation run produced, as frozen values a view can show directly.

Every array held here is read-only (``writeable=False``), so a result can be
handed to several views and threads without copies.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Tuple

import numpy as np


def frozen_array(values, dtype=None) -> np.ndarray:
    """A read-only copy of ``values`` (as ``dtype`` when given)."""
    out = np.array(values, dtype=dtype, copy=True)
    out.setflags(write=False)
    return out


@dataclass(frozen=True)
class ClassScores:
    """One row of the per-class table (ratios in [0, 1]; 0/0 is defined as 0)."""
    name: str
    precision: float      # TP / (TP + FP)
    recall: float         # TP / (TP + FN)
    f1: float             # 2 P R / (P + R)
    ap: float             # area under the class's precision-recall curve (non-interpolated)
    support: int          # test images whose true class this is


@dataclass(frozen=True)
class ConfusionMatrix:
    """Counts of (true class, predicted class) pairs over the test images.

    ``counts``: int64 (K, K), row = true class, column = predicted class.
    ``row_percent``: float64 (K, K), each count as a percentage of its row's
    total (0..100; a row of a class with no test images is all 0).
    """
    class_names: Tuple[str, ...]
    counts: np.ndarray
    row_percent: np.ndarray

    @classmethod
    def from_counts(cls, counts: np.ndarray, class_names) -> "ConfusionMatrix":
        """Build from int (K, K) counts, working out the row percentages."""
        counts = np.asarray(counts, dtype=np.int64)
        totals = counts.sum(axis=1, keepdims=True)
        percent = np.zeros(counts.shape)
        np.divide(100.0 * counts, totals, out=percent, where=totals > 0)
        return cls(tuple(str(n) for n in class_names), frozen_array(counts), frozen_array(percent))

    @property
    def support(self) -> np.ndarray:
        """int64 (K,): test images of each true class (the row sums)."""
        return self.counts.sum(axis=1)


@dataclass(frozen=True)
class FeatureSample:
    """The penultimate layer's output for a subset of the test images (for the embedding map).

    ``layer``: the layer whose output this is (e.g. ``"relu5"``; ``"input"``
    for a network that is a single classifier layer). ``indices``: int64
    (M,) positions in the test split, ascending. ``values``: float32 (M, D),
    each image's output flattened to D numbers.
    """
    layer: str
    indices: np.ndarray
    values: np.ndarray


@dataclass(frozen=True)
class ChannelActivity:
    """How often each channel of a convolution stays silent after its ReLU.

    ``conv``: the convolution's name as the network strip lists it (e.g.
    ``"conv2"``, ``"res1.res1_conva"``); ``relu``: the ReLU right after it.
    ``silent_images``: int64 (C,), for each output channel (filter) the number
    of images on which its ReLU output is 0 at every position;
    ``n_images``: images seen.
    """
    conv: str
    relu: str
    n_images: int
    silent_images: np.ndarray

    @property
    def silent_fraction(self) -> np.ndarray:
        """float64 (C,) in [0, 1]: ``silent_images / n_images`` (0 when no image was seen)."""
        return self.silent_images / self.n_images if self.n_images else np.zeros(self.silent_images.shape)


@dataclass(frozen=True)
class Evaluation:
    """A model's results on a data set's test split (N images, K classes).

    ``labels``: int64 (N,) true classes; ``probabilities``: float32 (N, K)
    softmax outputs; ``predictions``: int64 (N,) argmax classes. ``loss``:
    mean cross-entropy in nats; ``accuracy``, ``mean_ap`` (mAP over classes
    with test images) and the ``macro_*`` means (over all K classes) are
    ratios in [0, 1]. ``features``: the penultimate layer for a subset;
    ``channel_activity``: one entry per convolution followed by a ReLU, in
    network order; ``unchecked_convs``: convolutions not directly followed by
    a ReLU (their silence is not measured). ``seconds``: wall time of the pass.
    """
    dataset: str
    class_names: Tuple[str, ...]
    labels: np.ndarray
    probabilities: np.ndarray
    predictions: np.ndarray
    loss: float
    accuracy: float
    mean_ap: float
    macro_precision: float
    macro_recall: float
    macro_f1: float
    classes: Tuple[ClassScores, ...]
    confusion: ConfusionMatrix
    features: FeatureSample
    channel_activity: Tuple[ChannelActivity, ...]
    unchecked_convs: Tuple[str, ...]
    seconds: float

    @property
    def n_images(self) -> int:
        return int(self.labels.size)

    def report(self) -> dict:
        """The numbers as JSON-able data, in the layout of ``metrics.classification_report``
        (keys ``n_samples``, ``accuracy``, ``mAP``, ``macro``, ``classes``, ``class_names``,
        ``confusion_matrix``) plus ``loss`` and ``confusion_row_percent``."""
        return {
            "n_samples": self.n_images,
            "accuracy": self.accuracy,
            "mAP": self.mean_ap,
            "macro": {"precision": self.macro_precision, "recall": self.macro_recall, "f1": self.macro_f1},
            "classes": [{"name": c.name, "precision": c.precision, "recall": c.recall, "f1": c.f1,
                         "ap": c.ap, "support": c.support} for c in self.classes],
            "class_names": list(self.class_names),
            "confusion_matrix": self.confusion.counts.tolist(),
            "confusion_row_percent": self.confusion.row_percent.tolist(),
            "loss": self.loss,
        }
