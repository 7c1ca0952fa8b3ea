"""Precision-recall curves: per class from an evaluation, and the seed's worked example.

A curve ranks detections by descending score; after the k-th one,
precision P_k = TP_k / k and recall R_k = TP_k / (ground-truth positives).
AP is the area under the step curve that holds P_k over the recall interval
(R_{k-1}, R_k]: sum_k (R_k - R_{k-1}) P_k, the non-interpolated AP of
``cnnviz.metrics`` (the one ``eval`` and the per-class table report).
"""
from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from typing import Optional, Sequence, Tuple

import numpy as np

from ..metrics import average_precision, precision_recall_curve
from .results import Evaluation, frozen_array

#: MISSION section 3: 10 detections of 15 ground truths, sorted by confidence, T = true positive
SEED_HITS = (True, True, True, True, True, False, True, False, True, False)
SEED_GROUND_TRUTH = 15


@dataclass(frozen=True)
class PRCurve:
    """One precision-recall curve of M ranked detections (float64 arrays, values in [0, 1]).

    ``precision`` / ``recall`` (M,): P_k and R_k after the k-th detection;
    ``thresholds`` (M,): the k-th detection's score, or None when only the
    order is known (the worked example); ``n_positive``: ground-truth
    positives, detected or not; ``ap``: the area under the step curve.
    """
    name: str
    precision: np.ndarray
    recall: np.ndarray
    thresholds: Optional[np.ndarray]
    n_positive: int
    ap: float

    def outline(self) -> Tuple[np.ndarray, np.ndarray]:
        """The step curve whose area is ``ap``: (recall x, precision y), each (2M,).

        Horizontal at P_k from R_{k-1} to R_k (R_0 = 0), vertical between
        steps; the polygon it makes with the recall axis has area ``ap``
        (by the trapezoid rule).
        """
        start = np.concatenate(([0.0], self.recall[:-1]))
        x = np.column_stack((start, self.recall)).ravel()
        y = np.repeat(self.precision, 2)
        return x, y


def make_curve(name: str, scores: np.ndarray, is_positive: np.ndarray, n_positive: Optional[int] = None,
               keep_thresholds: bool = True) -> PRCurve:
    """The curve of detections with ``scores`` float (M,) and ``is_positive`` bool (M,);
    ``n_positive`` as in ``metrics.precision_recall_curve`` (default: the true positives)."""
    precision, recall, thresholds = precision_recall_curve(scores, is_positive, n_positive)
    n_positive = int(np.sum(is_positive)) if n_positive is None else int(n_positive)
    return PRCurve(name=str(name), precision=frozen_array(precision), recall=frozen_array(recall),
                   thresholds=frozen_array(thresholds) if keep_thresholds else None, n_positive=n_positive,
                   ap=average_precision(scores, is_positive, n_positive))


def class_curves(evaluation: Evaluation) -> Tuple[PRCurve, ...]:
    """One curve per class: all N test images ranked by the probability of that class,
    an image of that class counting as a true positive. Their ``ap`` are the table's AP."""
    labels, probs = evaluation.labels, evaluation.probabilities
    return tuple(make_curve(name, probs[:, k], labels == k) for k, name in enumerate(evaluation.class_names))


@dataclass(frozen=True)
class WorkedExample:
    """The seed's example, exact: ``hits`` in confidence order, and P_k, R_k and AP as fractions.

    ``curve`` holds the same numbers as floats (its thresholds are None: the
    example gives the order of the detections, not their confidences).
    """
    hits: Tuple[bool, ...]
    n_ground_truth: int
    precision: Tuple[Fraction, ...]
    recall: Tuple[Fraction, ...]
    ap: Fraction
    curve: PRCurve


def worked_example(hits: Sequence[bool] = SEED_HITS, n_ground_truth: int = SEED_GROUND_TRUTH) -> WorkedExample:
    """Precision, recall and AP of ranked detections (``hits[k]``: is the k-th a true positive)
    out of ``n_ground_truth`` ground truths, in exact arithmetic and as a :class:`PRCurve`.

    The default is MISSION section 3's: final precision 7/10, recall 7/15.
    """
    hits = tuple(bool(h) for h in hits)
    if not hits or n_ground_truth < sum(hits):
        raise ValueError(f"need at least one detection and at least {sum(hits)} ground truths, "
                         f"got {len(hits)} detections of {n_ground_truth}")
    precision, recall, found = [], [], 0
    for rank, hit in enumerate(hits, 1):
        found += hit
        precision.append(Fraction(found, rank))
        recall.append(Fraction(found, n_ground_truth))
    ap = sum((r - r_before) * p for p, r, r_before in zip(precision, recall, [Fraction(0)] + recall[:-1]))
    # Descending stand-in scores keep the given order (the example has no confidences).
    order_scores = np.arange(len(hits), 0, -1, dtype=np.float64)
    curve = make_curve("worked example", order_scores, np.array(hits), n_ground_truth, keep_thresholds=False)
    return WorkedExample(hits=hits, n_ground_truth=int(n_ground_truth), precision=tuple(precision),
                         recall=tuple(recall), ap=Fraction(ap), curve=curve)
