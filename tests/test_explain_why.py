"""Why this answer: saliency against a numerical gradient, Grad-CAM and occlusion on a
hand-made network whose answer depends on one known region."""
import numpy as np
import pytest

from cnnviz.explain import backprop, gradcam_entry, occlusion, why_this_answer
from cnnviz.nn import Network, preset_spec
from cnnviz.nn.loss import SoftmaxCrossEntropy

SMALL = {"input_shape": [2, 9, 8], "layers": [
    {"type": "conv", "name": "conv1", "filters": 3, "kernel": 3, "padding": "same"},
    {"type": "relu", "name": "relu1"},
    {"type": "maxpool", "name": "pool1", "kernel": 2, "padding": "same"},
    {"type": "residual", "name": "res", "layers": [
        {"type": "conv", "name": "inner", "filters": 3, "kernel": 3, "padding": "same"},
        {"type": "tanh", "name": "tanh1"}]},
    {"type": "avgpool", "name": "pool2", "kernel": 2, "stride": 1},
    {"type": "dropout", "name": "drop", "rate": 0.5},
    {"type": "flatten", "name": "flatten"},
    {"type": "dense", "name": "fc", "units": 4}]}


def numerical_input_gradient(net, x, k, eps=1e-6):
    grad = np.zeros_like(x)
    for idx in np.ndindex(*x.shape):
        xp, xm = x.copy(), x.copy()
        xp[idx] += eps
        xm[idx] -= eps
        grad[idx] = (net.forward(xp[None])[0, k] - net.forward(xm[None])[0, k]) / (2 * eps)
    return grad


@pytest.mark.parametrize("k", [0, 3])
def test_saliency_is_the_gradient_of_the_class_score(k):
    net = Network(SMALL, seed=3).copy(dtype=np.float64)
    x = np.random.default_rng(4).random((2, 9, 8))
    why = why_this_answer(net, x, k, class_names=["w", "x", "y", "z"])
    numeric = numerical_input_gradient(net, x, k)
    err = np.abs(why.saliency.gradient - numeric).max() / np.abs(numeric).max()
    assert err < 1e-4
    assert np.array_equal(why.saliency.magnitude, np.abs(why.saliency.gradient).max(axis=0))
    assert why.class_name == "wxyz"[k] and why.score == net.forward(x[None])[0, k]
    assert why.gradcam.layer == "res" and gradcam_entry(net) == 6      # past inner -> tanh1 -> res


def test_default_class_is_the_answer_and_bad_classes_are_refused():
    net = Network(preset_spec("simple", (1, 12, 12), 3), seed=0)
    x = np.random.default_rng(0).random((1, 12, 12)).astype(np.float32)
    why = why_this_answer(net, x)
    assert why.class_index == int(np.argmax(why.probabilities)) and why.gradcam.layer == "relu1"
    with pytest.raises(ValueError, match="3 classes"):
        why_this_answer(net, x, 3)
    with pytest.raises(ValueError, match="class names"):
        why_this_answer(net, x, class_names=["a"])


def test_param_gradients_match_the_engine_training_step():
    net = Network(preset_spec("resnet-mini", (1, 12, 12), 4), seed=1).copy(dtype=np.float64)
    x = np.random.default_rng(1).random((3, 1, 12, 12))
    labels = np.array([0, 2, 3])
    loss = SoftmaxCrossEntropy()

    def dlogits(logits, probs):
        loss.forward(logits, labels)
        return loss.backward()
    mine = backprop(net, x, dlogits)
    loss.forward(net.forward(x, train=True), labels)
    net.backward(loss.backward())
    for key, g in net.grads.items():
        np.testing.assert_allclose(mine.params[key], g, rtol=1e-10, atol=1e-12, err_msg=key)
    names = [e.name for e in net.entries()]
    assert len(mine.values) == len(mine.grads) == len(names) and mine.grads[-1] is None
    for value, entry in zip(mine.values, net.entries()):
        assert value.shape == (3,) + tuple(entry.shape)


def region_net():
    """conv 'same' with 2 maps, vertical strokes (a 3x1 line of ones, bias -2) and horizontal
    ones (1x3) -> ReLU -> flatten -> dense. Class 1 reads the vertical map in the top-left
    6x6 quarter only; class 0's score is the constant 0, so p(class 1) depends on that
    quarter alone."""
    net = Network({"input_shape": [1, 12, 12], "layers": [
        {"type": "conv", "name": "conv", "filters": 2, "kernel": 3, "padding": "same"},
        {"type": "relu", "name": "relu"}, {"type": "flatten", "name": "flatten"},
        {"type": "dense", "name": "fc", "units": 2}]})
    w = net.layer("conv").params["W"]
    w[...] = 0
    w[0, 0, :, 1] = 1          # vertical
    w[1, 0, 1, :] = 1          # horizontal
    net.layer("conv").params["b"][...] = -2
    fc = net.layer("fc").params["W"]
    fc[...] = 0
    region = np.zeros((2, 12, 12))
    region[0, :6, :6] = 1
    fc[:, 1] = region.ravel()
    return net


def strokes(decoy=False):
    x = np.zeros((1, 12, 12), np.float32)
    x[0, 1:5, 2] = 1            # a vertical stroke in the top-left quarter
    x[0, 9, 5:11] = 1           # a horizontal stroke at the bottom
    if decoy:
        x[0, 7:11, 1] = 1       # a vertical stroke outside the quarter
    return x


def test_gradcam_and_saliency_point_at_the_region_the_answer_depends_on():
    why = why_this_answer(region_net(), strokes(), 1)
    assert why.class_index == 1 and why.probability > 0.5
    cam = why.gradcam
    assert cam.layer == "relu" and cam.cam.shape == (12, 12) and cam.weights[1] == 0 < cam.weights[0]
    assert cam.cam[:6, :6].sum() > 0 and cam.cam[6:].sum() == 0 and cam.cam[:, 6:].sum() == 0
    assert np.unravel_index(np.argmax(cam.cam), cam.cam.shape) in [(2, 2), (3, 2)]
    assert np.array_equal(cam.cam_input, cam.cam)              # same resolution: nothing to stretch
    sal = why.saliency.magnitude
    assert sal[:7, :7].sum() > 0 and sal[7:].sum() == 0 and sal[:, 7:].sum() == 0


def test_gradcam_marks_a_channel_wherever_it_is_active_saliency_does_not():
    """Grad-CAM weighs whole maps: a vertical stroke outside the quarter lights up too,
    although the answer ignores it; the gradient (saliency) there is exactly 0."""
    why = why_this_answer(region_net(), strokes(decoy=True), 1)
    assert why.gradcam.cam[8:10, 1].min() > 0
    assert why.saliency.magnitude[7:].sum() == 0
    assert "can light up" in why.gradcam.note


def test_occlusion_drops_only_where_the_answer_looks():
    net = region_net()
    occ = occlusion(net, strokes(), 1, patch=4, stride=2, fill=0.0, batch=7)
    assert occ.tops.tolist() == [0, 2, 4, 6, 8] and occ.lefts.tolist() == [0, 2, 4, 6, 8]
    p1 = float(np.exp(net.forward(strokes()[None])[0, 1]) / np.exp(net.forward(strokes()[None])[0]).sum())
    assert occ.base_probability == pytest.approx(p1, rel=1e-6)
    covers_stroke = (occ.tops[:, None] <= 4) & (occ.tops[:, None] + 4 > 1) & (occ.lefts[None] <= 2)
    assert (occ.drops[covers_stroke] > 0.05).all()
    assert np.abs(occ.drops[~covers_stroke]).max() < 1e-6
    assert occ.heat.shape == (12, 12) and occ.heat[2, 2] > 0.05 and abs(occ.heat[10, 10]) < 1e-6
    assert occ.class_name == "1" and "4x4" in occ.note


def test_occlusion_covers_the_border_and_checks_its_settings():
    net = Network(preset_spec("simple", (1, 13, 13), 3))
    x = np.random.default_rng(0).random((1, 13, 13)).astype(np.float32)
    occ = occlusion(net, x, patch=6, stride=2)
    assert occ.tops.tolist() == [0, 2, 4, 6, 7] and occ.drops.shape == (5, 5)
    assert occ.class_index == int(np.argmax(net.forward(x[None])[0]))
    with pytest.raises(ValueError, match="patch size"):
        occlusion(net, x, patch=0)
    with pytest.raises(ValueError, match="shape"):
        occlusion(net, x[:, :12])
    with pytest.raises(ValueError, match="fill"):
        occlusion(net, x, fill=float("nan"))


def test_saliency_through_batch_norm_uses_its_learned_statistics():
    spec = {"input_shape": [1, 8, 8], "layers": [
        {"type": "conv", "name": "conv1", "filters": 3, "kernel": 3, "padding": "same", "bias": False},
        {"type": "batchnorm2d", "name": "bn1"},
        {"type": "relu", "name": "relu1"},
        {"type": "flatten", "name": "flatten"},
        {"type": "dense", "name": "fc", "units": 3, "bias": False},
        {"type": "batchnorm1d", "name": "bn2"},
        {"type": "dense", "name": "out", "units": 2}]}
    net = Network(spec, seed=1).copy(dtype=np.float64)
    rng = np.random.default_rng(2)
    for layer in (net.layer("bn1"), net.layer("bn2")):      # statistics as if learned: not 0 and 1
        c = layer.state["mean"].shape[0]
        layer.state["mean"][...] = rng.normal(0, 0.5, c)
        layer.state["var"][...] = rng.uniform(0.5, 2.0, c)
        layer.params["gamma"][...] = rng.uniform(0.5, 1.5, c)
        layer.params["beta"][...] = rng.normal(0, 0.3, c)
    x = rng.random((1, 8, 8))
    why = why_this_answer(net, x, 1, class_names=["a", "b"])
    numeric = numerical_input_gradient(net, x, 1)
    assert np.abs(why.saliency.gradient - numeric).max() / np.abs(numeric).max() < 1e-4
