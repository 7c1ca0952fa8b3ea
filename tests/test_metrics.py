"""Metrics: the precision-recall worked example exactly, and random data against brute force."""
import json
from fractions import Fraction

import numpy as np
import pytest

from cnnviz.metrics import (MetricsError, accuracy, average_precision, classification_report,
                            confusion_matrix, mean_average_precision, per_class_average_precision,
                            precision_recall_curve, precision_recall_f1)

# The worked example: 10 detections of 15 ground truths, sorted by confidence.
WORKED_HITS = [True, True, True, True, True, False, True, False, True, False]
WORKED_SCORES = np.linspace(0.95, 0.5, 10)
N_GROUND_TRUTH = 15


def brute_force_curve(scores, hits, n_positive):
    """Precision/recall after each detection, by recounting from scratch at each rank."""
    ranked = sorted(range(len(scores)), key=lambda i: (-scores[i], i))
    precision, recall = [], []
    for k in range(1, len(ranked) + 1):
        found = sum(1 for i in ranked[:k] if hits[i])
        precision.append(Fraction(found, k))
        recall.append(Fraction(found, n_positive) if n_positive else Fraction(0))
    return precision, recall


def brute_force_ap(scores, hits, n_positive, interpolated=False):
    precision, recall = brute_force_curve(scores, hits, n_positive)
    total, previous_recall = Fraction(0), Fraction(0)
    for k in range(len(precision)):
        p = max(precision[k:]) if interpolated else precision[k]
        total += (recall[k] - previous_recall) * p
        previous_recall = recall[k]
    return total


def test_worked_example_final_precision_and_recall():
    precision, recall, thresholds = precision_recall_curve(WORKED_SCORES, WORKED_HITS, N_GROUND_TRUTH)
    # Each value is one division of two counts, so it is exactly the nearest float to the fraction.
    assert precision[-1] == float(Fraction(7, 10))
    assert recall[-1] == float(Fraction(7, 15))
    assert precision[5] == float(Fraction(5, 6))      # the first false positive
    assert recall[4] == float(Fraction(5, 15))
    by_count_p, by_count_r = brute_force_curve(WORKED_SCORES, WORKED_HITS, N_GROUND_TRUTH)
    assert precision.tolist() == [float(f) for f in by_count_p]
    assert recall.tolist() == [float(f) for f in by_count_r]
    assert np.array_equal(thresholds, WORKED_SCORES)


def test_worked_example_average_precision_by_hand():
    # Recall rises by 1/15 at each true positive (ranks 1-5, 7, 9), where
    # precision is 1, 1, 1, 1, 1, 6/7, 7/9.
    by_hand = Fraction(1, 15) * (5 + Fraction(6, 7) + Fraction(7, 9))
    ap = average_precision(WORKED_SCORES, WORKED_HITS, N_GROUND_TRUTH)
    assert ap == pytest.approx(float(by_hand), abs=1e-12)
    # VOC all-point interpolation: no precision after rank 7 (6/7) or rank 9
    # (7/9) exceeds it, so interpolation changes nothing in this example.
    assert average_precision(WORKED_SCORES, WORKED_HITS, N_GROUND_TRUTH,
                             interpolated=True) == pytest.approx(float(by_hand), abs=1e-12)


def test_interpolation_raises_a_dip_in_precision():
    hits = [True, False, False, True, True]      # precisions 1, 1/2, 1/3, 1/2, 3/5
    scores = [5, 4, 3, 2, 1]
    plain = Fraction(1, 3) * (1 + Fraction(1, 2) + Fraction(3, 5))
    interpolated = Fraction(1, 3) * (1 + Fraction(3, 5) + Fraction(3, 5))
    assert average_precision(scores, hits) == pytest.approx(float(plain), abs=1e-12)
    assert average_precision(scores, hits, interpolated=True) == pytest.approx(float(interpolated), abs=1e-12)


def test_unsorted_input_is_ranked_by_score():
    order = np.random.default_rng(3).permutation(10)
    shuffled_scores = WORKED_SCORES[order]
    shuffled_hits = np.array(WORKED_HITS)[order]
    precision, recall, _ = precision_recall_curve(shuffled_scores, shuffled_hits, N_GROUND_TRUTH)
    assert precision[-1] == pytest.approx(0.7)
    assert average_precision(shuffled_scores, shuffled_hits, N_GROUND_TRUTH) == pytest.approx(
        average_precision(WORKED_SCORES, WORKED_HITS, N_GROUND_TRUTH))


@pytest.mark.parametrize("seed", range(5))
def test_curve_and_ap_match_brute_force_on_random_data(seed):
    rng = np.random.default_rng(seed)
    n = int(rng.integers(5, 40))
    scores = rng.integers(0, 8, n).astype(float)     # many ties: stable order must agree
    hits = rng.random(n) < 0.4
    n_positive = int(hits.sum()) + int(rng.integers(0, 4))
    precision, recall, _ = precision_recall_curve(scores, hits, n_positive)
    expected_p, expected_r = brute_force_curve(list(scores), list(hits), n_positive)
    np.testing.assert_allclose(precision, [float(p) for p in expected_p], atol=1e-12)
    np.testing.assert_allclose(recall, [float(r) for r in expected_r], atol=1e-12)
    for interpolated in (False, True):
        assert average_precision(scores, hits, n_positive, interpolated) == pytest.approx(
            float(brute_force_ap(list(scores), list(hits), n_positive, interpolated)), abs=1e-12)


def test_per_class_ap_and_map_match_brute_force():
    rng = np.random.default_rng(7)
    probs = rng.random((60, 4))
    labels = rng.integers(0, 4, 60)
    labels[labels == 3] = 0                   # class 3 has no examples: AP 0, left out of mAP
    ap = per_class_average_precision(probs, labels)
    expected = [float(brute_force_ap(list(probs[:, k]), list(labels == k), int((labels == k).sum())))
                for k in range(4)]
    np.testing.assert_allclose(ap, expected, atol=1e-12)
    assert ap[3] == 0
    assert mean_average_precision(probs, labels) == pytest.approx(np.mean(expected[:3]))


def test_confusion_precision_recall_f1_against_counting():
    rng = np.random.default_rng(11)
    labels = rng.integers(0, 5, 200)
    pred = np.where(rng.random(200) < 0.6, labels, rng.integers(0, 5, 200))
    pred[pred == 4] = 0                        # class 4 is never predicted: precision 0/0 -> 0
    confusion = confusion_matrix(labels, pred, 5)
    for t in range(5):
        for p in range(5):
            assert confusion[t, p] == np.sum((labels == t) & (pred == p))
    precision, recall, f1 = precision_recall_f1(labels, pred, 5)
    for k in range(5):
        tp = np.sum((labels == k) & (pred == k))
        fp = np.sum((labels != k) & (pred == k))
        fn = np.sum((labels == k) & (pred != k))
        expected_p = tp / (tp + fp) if tp + fp else 0.0
        expected_r = tp / (tp + fn) if tp + fn else 0.0
        expected_f = 2 * expected_p * expected_r / (expected_p + expected_r) if expected_p + expected_r else 0.0
        assert (precision[k], recall[k], f1[k]) == pytest.approx((expected_p, expected_r, expected_f))
    assert precision[4] == 0 and f1[4] == 0
    assert accuracy(pred, labels) == pytest.approx(np.mean(pred == labels))


def test_accuracy_takes_scores_too():
    scores = np.array([[0.9, 0.1], [0.2, 0.8], [0.6, 0.4]])
    assert accuracy(scores, [0, 1, 1]) == pytest.approx(2 / 3)


def test_classification_report_is_json_and_consistent():
    rng = np.random.default_rng(5)
    logits = rng.normal(size=(50, 3))
    probs = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
    labels = rng.integers(0, 3, 50)
    report = classification_report(probs, labels, ["cat", "dog", "bird"])
    decoded = json.loads(json.dumps(report))
    assert decoded == report
    assert report["accuracy"] == pytest.approx(accuracy(probs, labels))
    assert report["mAP"] == pytest.approx(mean_average_precision(probs, labels))
    assert [c["name"] for c in report["classes"]] == ["cat", "dog", "bird"]
    assert [c["support"] for c in report["classes"]] == np.bincount(labels, minlength=3).tolist()
    assert np.array(report["confusion_matrix"]).sum() == 50
    assert report["classes"][1]["ap"] == pytest.approx(per_class_average_precision(probs, labels)[1])


@pytest.mark.parametrize("call, message", [
    (lambda: accuracy([0, 1], [0]), "differ in length"),
    (lambda: confusion_matrix([0, 3], [0, 1], 3), "must lie in"),
    (lambda: precision_recall_curve([0.5, np.nan], [True, False]), "NaN"),
    (lambda: precision_recall_curve([], []), "no detections"),
    (lambda: average_precision([0.9, 0.1], [True, True], n_positive=1), "n_positive"),
    (lambda: classification_report(np.ones((3, 2)), [0, 1, 0], ["a"]), "class names"),
    (lambda: per_class_average_precision(np.ones(3), [0, 1, 0]), "shape"),
])
def test_bad_input_raises_metrics_error(call, message):
    with pytest.raises(MetricsError, match=message):
        call()
