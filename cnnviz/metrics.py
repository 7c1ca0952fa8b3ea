"""Classification and ranking metrics: accuracy, confusion, precision/recall, AP, mAP.

Conventions:
- a ratio whose denominator is 0 (precision with no predictions of a class,
  recall with no examples of it, F1 when both are 0) is defined as 0;
- precision-recall curves rank detections by descending score; ties keep
  their input order (a stable sort), one curve point per detection;
- average precision (AP) is the area under that curve, by default the
  non-interpolated sum over ranks of (R_k - R_{k-1}) * P_k; with
  ``interpolated=True``, VOC's all-point interpolation, where P_k is first
  replaced by the best precision at rank k or later;
- a class with no positive examples has AP 0 and is left out of the mean (mAP).
"""
from __future__ import annotations

from typing import Any, Dict, Optional, Sequence, Tuple

import numpy as np


class MetricsError(ValueError):
    """Inputs to a metric do not fit together (lengths, ranges, shapes, values)."""


def accuracy(pred: np.ndarray, labels: np.ndarray) -> float:
    """Fraction of correct predictions.

    ``pred``: int (N,) predicted classes, or float (N, K) scores (argmax is
    taken); ``labels``: int (N,). Returns a float in [0, 1].
    """
    pred_classes, labels = _check_pair(_as_classes(pred), labels)
    return float(np.mean(pred_classes == labels))


def confusion_matrix(labels: np.ndarray, pred: np.ndarray, n_classes: int) -> np.ndarray:
    """int64 (K, K) counts: row = true class, column = predicted class.

    ``labels`` and ``pred``: int (N,) in [0, n_classes) (``pred`` may be
    (N, K) scores). Raises :class:`MetricsError` for classes out of range.
    """
    labels, pred = _check_pair(labels, _as_classes(pred))
    _check_range(labels, n_classes, "labels")
    _check_range(pred, n_classes, "predictions")
    counts = np.bincount(labels * n_classes + pred, minlength=n_classes * n_classes)
    return counts.reshape(n_classes, n_classes).astype(np.int64)


def precision_recall_f1(labels: np.ndarray, pred: np.ndarray, n_classes: int
                        ) -> Tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per-class precision TP/(TP+FP), recall TP/(TP+FN) and F1 = 2PR/(P+R).

    Each is float64 (K,); 0/0 is defined as 0 (module docstring).
    """
    confusion = confusion_matrix(labels, pred, n_classes)
    true_positives = np.diag(confusion).astype(np.float64)
    precision = _safe_divide(true_positives, confusion.sum(axis=0))
    recall = _safe_divide(true_positives, confusion.sum(axis=1))
    f1 = _safe_divide(2 * precision * recall, precision + recall)
    return precision, recall, f1


def precision_recall_curve(scores: np.ndarray, is_positive: np.ndarray,
                           n_positive: Optional[int] = None
                           ) -> Tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Precision and recall after each detection, ranked by descending score.

    ``scores``: float (N,) confidences; ``is_positive``: bool (N,) whether each
    detection is a true positive; ``n_positive``: number of ground-truth
    positives (default: ``is_positive.sum()``; give it when some ground truths
    were never detected). Returns float64 ``(precision, recall, thresholds)``,
    each (N,): after the k-th ranked detection, P_k = TP_k / k and
    R_k = TP_k / n_positive (0 when n_positive is 0), and ``thresholds[k]``
    is that detection's score.
    """
    scores, is_positive = _check_scores(scores, is_positive)
    n_positive = _check_n_positive(n_positive, is_positive)
    order = np.argsort(-scores, kind="stable")
    true_positives = np.cumsum(is_positive[order])
    ranks = np.arange(1, len(scores) + 1)
    precision = true_positives / ranks
    recall = true_positives / n_positive if n_positive else np.zeros(len(scores))
    return precision, recall, scores[order]


def average_precision(scores: np.ndarray, is_positive: np.ndarray,
                      n_positive: Optional[int] = None, interpolated: bool = False) -> float:
    """Area under the precision-recall curve of :func:`precision_recall_curve`.

    Non-interpolated: sum over ranks k of (R_k - R_{k-1}) * P_k with R_0 = 0,
    i.e. the mean precision at each true positive, over ``n_positive``.
    ``interpolated=True``: VOC all-point, P_k replaced by max_{j >= k} P_j.
    Returns a float in [0, 1]; 0 when there are no positives.
    """
    precision, recall, _ = precision_recall_curve(scores, is_positive, n_positive)
    return float(_area(precision[:, None], recall[:, None], interpolated)[0])


def per_class_average_precision(probs: np.ndarray, labels: np.ndarray,
                                interpolated: bool = False) -> np.ndarray:
    """AP of each class, ranking all N samples by that class's score.

    ``probs``: float (N, K) scores (e.g. softmax); ``labels``: int (N,) in
    [0, K). A sample is a positive for class k when its label is k. Returns
    float64 (K,); 0 for a class with no examples.
    """
    probs, labels = _check_probs(probs, labels)
    n_samples, n_classes = probs.shape
    order = np.argsort(-probs, axis=0, kind="stable")                  # (N, K)
    is_positive = labels[order] == np.arange(n_classes)                # (N, K)
    true_positives = np.cumsum(is_positive, axis=0)
    n_positive = true_positives[-1]
    precision = true_positives / np.arange(1, n_samples + 1)[:, None]
    recall = _safe_divide(true_positives.astype(np.float64), np.broadcast_to(n_positive, true_positives.shape))
    return _area(precision, recall, interpolated)


def mean_average_precision(probs: np.ndarray, labels: np.ndarray, interpolated: bool = False) -> float:
    """mAP: the mean of :func:`per_class_average_precision` over classes with examples.

    Returns a float in [0, 1].
    """
    ap = per_class_average_precision(probs, labels, interpolated)
    present = np.bincount(np.asarray(labels).astype(np.int64), minlength=ap.size) > 0
    return float(ap[present].mean())


def classification_report(probs: np.ndarray, labels: np.ndarray,
                          class_names: Optional[Sequence[str]] = None,
                          interpolated: bool = False) -> Dict[str, Any]:
    """Everything above for (N, K) scores and (N,) labels, as a JSON-able dict.

    Keys: ``n_samples``, ``accuracy``, ``mAP``, ``macro`` (mean precision,
    recall, F1 over all classes), ``classes`` (a list of dicts with ``name``,
    ``precision``, ``recall``, ``f1``, ``ap``, ``support`` = number of true
    examples), ``class_names`` and ``confusion_matrix`` (list of K lists of
    ints, row = true class). Values are Python floats and ints.
    """
    probs, labels = _check_probs(probs, labels)
    n_classes = probs.shape[1]
    if class_names is None:
        class_names = [str(k) for k in range(n_classes)]
    class_names = [str(name) for name in class_names]
    if len(class_names) != n_classes:
        raise MetricsError(f"{len(class_names)} class names for {n_classes} score columns")
    pred = probs.argmax(axis=1)
    confusion = confusion_matrix(labels, pred, n_classes)
    precision, recall, f1 = precision_recall_f1(labels, pred, n_classes)
    ap = per_class_average_precision(probs, labels, interpolated)
    support = confusion.sum(axis=1)
    classes = [{"name": class_names[k], "precision": float(precision[k]), "recall": float(recall[k]),
                "f1": float(f1[k]), "ap": float(ap[k]), "support": int(support[k])}
               for k in range(n_classes)]
    return {
        "n_samples": int(labels.size),
        "accuracy": float(np.mean(pred == labels)),
        "mAP": float(ap[support > 0].mean()),
        "macro": {"precision": float(precision.mean()), "recall": float(recall.mean()),
                  "f1": float(f1.mean())},
        "classes": classes,
        "class_names": class_names,
        "confusion_matrix": confusion.tolist(),
    }


def _area(precision: np.ndarray, recall: np.ndarray, interpolated: bool) -> np.ndarray:
    """Column-wise AP from (N, K) precision and recall curves."""
    if interpolated:
        precision = np.maximum.accumulate(precision[::-1], axis=0)[::-1]
    recall_steps = np.diff(recall, axis=0, prepend=0)
    return (recall_steps * precision).sum(axis=0)


def _safe_divide(numerator: np.ndarray, denominator: np.ndarray) -> np.ndarray:
    numerator = np.asarray(numerator, dtype=np.float64)
    result = np.zeros(np.broadcast(numerator, denominator).shape)
    np.divide(numerator, denominator, out=result, where=np.asarray(denominator) != 0)
    return result


def _as_classes(pred: np.ndarray) -> np.ndarray:
    pred = np.asarray(pred)
    if pred.ndim == 2:
        if pred.shape[1] == 0:
            raise MetricsError("scores have no class columns")
        return pred.argmax(axis=1)
    return pred


def _check_pair(first: np.ndarray, second: np.ndarray) -> Tuple[np.ndarray, np.ndarray]:
    first, second = np.asarray(first), np.asarray(second)
    for values in (first, second):
        if values.ndim != 1:
            raise MetricsError(f"class arrays must be 1-D, got shape {values.shape}")
        if values.size and not np.issubdtype(values.dtype, np.integer):
            raise MetricsError(f"class arrays must hold integers, got {values.dtype}")
    if first.size != second.size:
        raise MetricsError(f"predictions and labels differ in length: {first.size} vs {second.size}")
    if first.size == 0:
        raise MetricsError("no samples: the metric is undefined")
    return first.astype(np.int64), second.astype(np.int64)


def _check_range(classes: np.ndarray, n_classes: int, what: str) -> None:
    if n_classes < 1:
        raise MetricsError(f"n_classes must be at least 1, got {n_classes}")
    if classes.min() < 0 or classes.max() >= n_classes:
        raise MetricsError(f"{what} must lie in [0, {n_classes}), got values from "
                           f"{classes.min()} to {classes.max()}")


def _check_scores(scores: np.ndarray, is_positive: np.ndarray) -> Tuple[np.ndarray, np.ndarray]:
    scores = np.asarray(scores, dtype=np.float64)
    is_positive = np.asarray(is_positive)
    if scores.ndim != 1 or is_positive.shape != scores.shape:
        raise MetricsError(f"scores and is_positive must be 1-D of equal length, "
                           f"got shapes {scores.shape} and {is_positive.shape}")
    if scores.size == 0:
        raise MetricsError("no detections: the precision-recall curve is undefined")
    if not np.all(np.isfinite(scores)):
        raise MetricsError("scores contain NaN or infinite values")
    if is_positive.dtype != np.bool_:
        if not np.all((is_positive == 0) | (is_positive == 1)):
            raise MetricsError("is_positive must hold booleans (or 0/1)")
        is_positive = is_positive.astype(bool)
    return scores, is_positive


def _check_n_positive(n_positive: Optional[int], is_positive: np.ndarray) -> int:
    detected = int(is_positive.sum())
    if n_positive is None:
        return detected
    if int(n_positive) != n_positive or n_positive < detected:
        raise MetricsError(f"n_positive must be a whole number >= the {detected} true positives "
                           f"detected, got {n_positive}")
    return int(n_positive)


def _check_probs(probs: np.ndarray, labels: np.ndarray) -> Tuple[np.ndarray, np.ndarray]:
    probs = np.asarray(probs, dtype=np.float64)
    if probs.ndim != 2 or probs.shape[1] == 0:
        raise MetricsError(f"scores must have shape (N, K), got {probs.shape}")
    if not np.all(np.isfinite(probs)):
        raise MetricsError("scores contain NaN or infinite values")
    labels, _ = _check_pair(labels, np.zeros(probs.shape[0], dtype=np.int64))
    _check_range(labels, probs.shape[1], "labels")
    return probs, labels
