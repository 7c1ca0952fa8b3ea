"""The test images behind a confusion-matrix cell, most confident first (the mistakes gallery)."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Optional, Tuple

import numpy as np

from .results import Evaluation


@dataclass(frozen=True)
class Mistake:
    """One test image and what the model made of it.

    ``index``: its position in the test split (0-based, the order of the data
    files); ``true_class`` / ``predicted_class``: class indices, with their
    names; ``probability``: the softmax probability of the predicted class,
    i.e. the model's confidence in its answer (0..1); ``true_probability``:
    the probability it gave the true class.
    """
    index: int
    true_class: int
    predicted_class: int
    true_name: str
    predicted_name: str
    probability: float
    true_probability: float

    @property
    def is_error(self) -> bool:
        return self.true_class != self.predicted_class

    def caption(self) -> str:
        """E.g. ``"test #4,512, a 4 read as 9 (97.1%)"``; a probability under 1 that would
        round to 100.0% is written ">99.9%"."""
        percent = f"{100 * self.probability:.1f}%"
        if percent == "100.0%" and self.probability < 1:
            percent = ">99.9%"
        return f"test #{self.index:,}, a {self.true_name} read as {self.predicted_name} ({percent})"


def mistakes(evaluation: Evaluation, true_class: Optional[int] = None,
             predicted_class: Optional[int] = None, limit: Optional[int] = None) -> Tuple[Mistake, ...]:
    """The misclassified test images, most confident wrong answer first (the mistakes gallery).

    ``true_class`` / ``predicted_class`` (indices in [0, K), None = any)
    narrow it to one row, column or off-diagonal cell of the confusion
    matrix. Sorted by the probability of the predicted class, highest first
    (ties: lower index first); ``limit`` keeps the first ``limit``.
    """
    chosen = _class_mask(evaluation, true_class, predicted_class)
    return _listed(evaluation, chosen & (evaluation.labels != evaluation.predictions), limit)


def cell_images(evaluation: Evaluation, true_class: int, predicted_class: int,
                limit: Optional[int] = None) -> Tuple[Mistake, ...]:
    """The test images of one confusion-matrix cell (a diagonal cell: the correct ones),
    sorted like :func:`mistakes`. The cell holds ``confusion.counts[true_class, predicted_class]`` images."""
    return _listed(evaluation, _class_mask(evaluation, true_class, predicted_class), limit)


def _class_mask(evaluation: Evaluation, true_class, predicted_class) -> np.ndarray:
    """bool (N,): images of that true class (None: any) and that predicted class (None: any)."""
    n_classes = len(evaluation.class_names)
    chosen = np.ones(evaluation.labels.shape, bool)
    for value, column in ((true_class, evaluation.labels), (predicted_class, evaluation.predictions)):
        if value is not None:
            if isinstance(value, bool) or int(value) != value or not 0 <= value < n_classes:
                raise ValueError(f"class index must be a whole number from 0 to {n_classes - 1}, got {value!r}")
            chosen &= column == int(value)
    return chosen


def _listed(evaluation: Evaluation, chosen: np.ndarray, limit: Optional[int]) -> Tuple[Mistake, ...]:
    labels, pred, probs = evaluation.labels, evaluation.predictions, evaluation.probabilities
    index = np.flatnonzero(chosen)
    index = index[np.argsort(-probs[index, pred[index]], kind="stable")][:limit]
    names = evaluation.class_names
    return tuple(Mistake(index=int(i), true_class=int(labels[i]), predicted_class=int(pred[i]),
                         true_name=names[labels[i]], predicted_name=names[pred[i]],
                         probability=float(probs[i, pred[i]]), true_probability=float(probs[i, labels[i]]))
                 for i in index)
