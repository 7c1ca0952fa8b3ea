"""Precision-recall curves (per class and the seed's worked example, exact) and the
embedding map (PCA against a full SVD, and new inputs landing on the same map)."""
from fractions import Fraction

import numpy as np
import pytest

from cnnviz.evaluation import (class_curves, embed, embed_images, evaluate_model, fit_pca, project_input,
                               worked_example)
from cnnviz.metrics import average_precision
from cnnviz.nn import Network, preset_spec

from synthetic import TINY_NET, bars


def outline_area(curve):
    x, y = curve.outline()
    return float(np.sum(np.diff(x) * (y[1:] + y[:-1]) / 2))


# ---------------------------------------------------------------- precision-recall

def test_worked_example_exactly():
    example = worked_example()
    assert example.hits == (True, True, True, True, True, False, True, False, True, False)
    assert example.n_ground_truth == 15
    assert example.precision == (1, 1, 1, 1, 1, Fraction(5, 6), Fraction(6, 7), Fraction(6, 8),
                                 Fraction(7, 9), Fraction(7, 10))
    assert example.recall == tuple(Fraction(k, 15) for k in (1, 2, 3, 4, 5, 5, 6, 6, 7, 7))
    # recall rises by 1/15 at each true positive, where precision is 1 (x5), 6/7, 7/9
    assert example.ap == Fraction(1, 15) * (5 + Fraction(6, 7) + Fraction(7, 9)) == Fraction(418, 945)
    curve = example.curve
    assert curve.precision.tolist() == [float(p) for p in example.precision]
    assert curve.recall.tolist() == [float(r) for r in example.recall]
    assert curve.thresholds is None and curve.n_positive == 15
    assert curve.ap == pytest.approx(float(example.ap), abs=1e-15)
    assert outline_area(curve) == pytest.approx(float(example.ap), abs=1e-15)


def test_outline_is_the_step_curve_under_which_ap_is_the_area():
    curve = worked_example([True, False, True], 4).curve
    x, y = curve.outline()
    assert x.tolist() == [0, 0.25, 0.25, 0.25, 0.25, 0.5]
    assert y.tolist() == [1, 1, 0.5, 0.5, pytest.approx(2 / 3), pytest.approx(2 / 3)]
    assert outline_area(curve) == pytest.approx(0.25 * 1 + 0.25 * 2 / 3)


def test_worked_example_refuses_more_hits_than_ground_truths():
    with pytest.raises(ValueError, match="at least 2 ground truths"):
        worked_example([True, True], 1)


def test_class_curves_rank_every_image_and_their_area_is_the_table_ap():
    x, y = bars(120, seed=6)
    evaluation = evaluate_model(Network(TINY_NET, seed=1), x, y, ["h", "v", "d"])
    curves = class_curves(evaluation)
    assert [c.name for c in curves] == ["h", "v", "d"]
    for k, (curve, row) in enumerate(zip(curves, evaluation.classes)):
        assert curve.precision.shape == curve.recall.shape == curve.thresholds.shape == (120,)
        assert np.all(np.diff(curve.thresholds) <= 0)               # ranked by descending score
        assert curve.n_positive == row.support and curve.recall[-1] == 1.0
        assert curve.precision[-1] == pytest.approx(row.support / 120)
        assert curve.ap == pytest.approx(row.ap, abs=1e-12)
        assert outline_area(curve) == pytest.approx(row.ap, abs=1e-12)
        assert curve.ap == average_precision(evaluation.probabilities[:, k], y == k)
    assert evaluation.mean_ap == pytest.approx(np.mean([c.ap for c in curves]))


# ---------------------------------------------------------------- embedding

@pytest.mark.parametrize("shape", [(300, 40), (60, 500)])
def test_pca_axes_are_those_of_a_full_svd(shape):
    rng = np.random.default_rng(1)
    m, d = shape
    # a few strong directions plus noise, as a trained layer's outputs have
    x = rng.normal(size=(m, 4)) * [9, 5, 2, 1] @ rng.normal(size=(4, d)) + 0.3 * rng.normal(size=(m, d)) + 7
    projection = fit_pca(x, "relu9")
    centred = x - x.mean(axis=0)
    _u, s, vt = np.linalg.svd(centred, full_matrices=False)
    cosines = np.abs(np.sum(vt[:2] * projection.components, axis=1))
    np.testing.assert_allclose(cosines, 1.0, atol=1e-9)
    np.testing.assert_allclose(projection.components @ projection.components.T, np.eye(2), atol=1e-12)
    np.testing.assert_allclose(projection.explained_variance_ratio, s[:2] ** 2 / np.sum(s ** 2), rtol=1e-9)
    for row in projection.components:
        assert row[np.abs(row).argmax()] > 0                          # the sign rule
    np.testing.assert_allclose(projection.transform(x), centred @ projection.components.T, atol=1e-9)


def test_pca_refuses_too_few_images_and_handles_one_number_per_image():
    with pytest.raises(ValueError, match="at least 3 images"):
        fit_pca(np.ones((2, 5)), "fc")
    projection = fit_pca(np.array([[1.0], [2.0], [4.0]]), "fc")
    assert projection.components.tolist() == [[1.0], [0.0]]
    assert projection.explained_variance_ratio.tolist() == [pytest.approx(1.0), 0.0]


def test_the_map_of_an_evaluation_and_a_new_input_on_it():
    net = Network(preset_spec("deep", (1, 12, 12), 4), seed=2)
    rng = np.random.default_rng(3)
    x = rng.integers(0, 256, (40, 1, 12, 12)).astype(np.uint8)
    y = rng.integers(0, 4, 40)
    evaluation = evaluate_model(net, x, y, "abcd", batch=9, embed_count=20, seed=4)
    embedding = embed(evaluation)
    assert embedding.projection.layer == "relu5" and embedding.points.shape == (20, 2)
    assert np.array_equal(embedding.labels, y[embedding.indices])
    alone = embed_images(net, x, y, "abcd", count=20, seed=4, batch=7)
    assert np.array_equal(alone.indices, embedding.indices)
    np.testing.assert_allclose(alone.points, embedding.points, atol=1e-4)
    # the drawing's marker: one input, through the network and the same projection
    picked = embedding.indices[5]
    marker = project_input(net, embedding.projection, x[picked].astype(np.float32) / 255)
    np.testing.assert_allclose(marker, embedding.points[5:6], atol=1e-4)
    trace = {out.name: out.value for out in net.trace(x[picked:picked + 1].astype(np.float32) / 255)}
    np.testing.assert_allclose(embedding.projection.transform(trace["relu5"]), embedding.points[5:6], atol=1e-4)
    other = Network(preset_spec("simple", (1, 12, 12), 4))
    with pytest.raises(ValueError, match="relu5"):
        project_input(other, embedding.projection, x[0].astype(np.float32) / 255)


def test_transform_takes_flat_or_unflattened_outputs_and_refuses_other_sizes():
    rng = np.random.default_rng(2)
    maps = rng.normal(size=(10, 2, 3, 3))
    projection = fit_pca(maps.reshape(10, 18), "pool1")
    flat = projection.transform(maps.reshape(10, 18))
    np.testing.assert_allclose(projection.transform(maps), flat)
    np.testing.assert_allclose(projection.transform(maps[4].ravel()), flat[4:5])
    with pytest.raises(ValueError, match="18 numbers per image, got 9"):
        projection.transform(maps[:, 0])
