"""The gradient check itself: right backward passes pass with a wide margin, wrong ones fail."""
import numpy as np
import pytest

from cnnviz.nn import Conv2D, Dense, MaxPool2D, Network, PRESETS, ReLU, preset_spec
from cnnviz.nn.gradcheck import TOLERANCE, check_layer, check_network, relative_error
from cnnviz.nn.residual import walk_layers

# The expensive presets keep their structure at a smaller input.
SIDE = {"simple": 28, "liteocr": 28, "lenet5": 28, "two-conv": 12, "deep": 12, "resnet-mini": 14, "bn-conv": 12}


def batch_for(net, seed, n=2):
    rng = np.random.default_rng(seed)
    return rng.random((n,) + net.input_shape), rng.integers(0, net.num_classes, n)


@pytest.mark.parametrize("seed", [0, 1, 2])
@pytest.mark.parametrize("preset", list(PRESETS))
def test_every_preset_passes_for_several_seeds(preset, seed):
    side = SIDE[preset]
    net = Network(preset_spec(preset, (1, side, side), 10), seed=seed, dtype=np.float64)
    # Batch statistics over two small images curve the loss so much that the central
    # difference's own error (it shrinks as h^2) reaches 1e-5; four images keep it small.
    n = 4 if preset == "bn-conv" else 2
    errors = check_network(net, *batch_for(net, seed, n), max_entries=6, seed=seed)
    assert set(errors) == set(net.params)
    worst = max(errors, key=errors.get)
    # A tenth of the tolerance: a right backward pass is not near the limit.
    assert errors[worst] < TOLERANCE / 10, f"{preset} seed {seed}: {worst} error {errors[worst]:.2e}"


def test_the_command_line_default_check_of_resnet_mini_passes():
    # What `main.py gradcheck --arch resnet-mini` checks (28x28, seed 0, 2 images), with 10
    # entries per parameter instead of 20: still every entry of fc1.b, which scored 2e-4 here
    # with h = 1e-6 and a 1e-7 floor (rounding, not a bug).
    net = Network(preset_spec("resnet-mini"), seed=0, dtype=np.float64)
    rng = np.random.default_rng(0)
    x = rng.random((2,) + net.input_shape)
    y = rng.integers(0, net.num_classes, 2)
    errors = check_network(net, x, y, max_entries=10, seed=0)
    assert max(errors.values()) < TOLERANCE / 10, errors


def test_tiny_gradient_entries_are_judged_on_their_absolute_error():
    net = Network({"input_shape": [1, 4, 4], "layers": [{"type": "flatten"}, {"name": "fc", "type": "dense",
                                                                           "units": 3}]},
                  seed=0, dtype=np.float64)
    x = np.random.default_rng(0).random((2, 1, 4, 4))
    x[:, 0, 0, 0] *= 1e-9                 # the weights reading this pixel get gradients ~1e-10
    errors = check_network(net, x, np.array([0, 2]), max_entries=None)
    g = np.abs(net.grads["fc.W"])
    assert g[0].max() < 1e-8 * g[1:].max()            # the premise: some entries are that tiny
    assert max(errors.values()) < TOLERANCE / 10, errors


def test_all_entries_of_the_simple_preset_pass():
    net = Network(preset_spec("simple", (1, 6, 6), 10), seed=0, dtype=np.float64)
    errors = check_network(net, *batch_for(net, 0), max_entries=None)
    assert max(errors.values()) < TOLERANCE / 10, errors


def _break(layer, bug):
    """Make ``layer.backward`` wrong in the way ``bug`` says."""
    original = layer.backward

    def broken(dy, need_dx=True):
        dx = original(dy, need_dx)
        if bug == "W sign":
            layer.grads["W"] *= -1
        elif bug == "W factor":
            layer.grads["W"] *= 1.5
        elif bug == "b factor":
            layer.grads["b"] *= 1.1
        elif bug == "dx sign" and dx is not None:
            dx = -dx
        elif bug == "dx factor" and dx is not None:
            dx = 2 * dx
        return dx
    layer.backward = broken


@pytest.mark.parametrize("preset", ["simple", "resnet-mini", "liteocr"])
@pytest.mark.parametrize("bug, kind", [("W sign", Conv2D), ("W factor", Dense), ("b factor", Conv2D),
                                       ("dx sign", ReLU), ("dx factor", MaxPool2D)])
def test_a_wrong_backward_fails(preset, bug, kind):
    net = Network(preset_spec(preset, (1, 12, 12), 3), seed=0, dtype=np.float64)
    target = [l for l in walk_layers(net.layers) if isinstance(l, kind)][-1]
    _break(target, bug)
    errors = check_network(net, *batch_for(net, 0), max_entries=8)
    assert max(errors.values()) > 1e-2, f"{bug} in {target.name} went unnoticed: {errors}"


def test_a_parameter_that_cannot_be_checked_is_not_reported_as_passing():
    # Every pre-activation is exactly 0: any step of the bias flips the ReLU, so no
    # entry of conv.b can be checked. Reporting 0 would read as "right".
    net = Network({"input_shape": [1, 3, 3], "layers": [
        {"type": "conv", "name": "conv", "filters": 1, "kernel": 3}, {"type": "relu", "name": "r"},
        {"type": "flatten"}, {"type": "dense", "name": "fc", "units": 2}]}, seed=0, dtype=np.float64)
    net.params["conv.W"][:] = 0
    errors = check_network(net, np.ones((1, 1, 3, 3)), np.array([1]))
    assert np.isnan(errors["conv.b"])
    assert errors["fc.W"] < TOLERANCE


def test_relative_error_of_two_zeros_is_zero():
    assert relative_error(np.zeros(3), np.zeros(3)).tolist() == [0.0, 0.0, 0.0]
    assert relative_error(np.array([1.0]), np.array([0.0]))[0] == 1.0


@pytest.mark.parametrize("kwargs, words", [
    ({"max_entries": 0}, "positive whole number"),
    ({"max_entries": -3}, "positive whole number"),
    ({"max_entries": True}, "positive whole number"),
    ({"max_entries": 2.5}, "positive whole number"),
    ({"h": 0.0}, "step"),
    ({"h": float("nan")}, "step"),
])
def test_bad_arguments_are_refused(kwargs, words):
    net = Network(preset_spec("simple", (1, 8, 8), 3), dtype=np.float64)
    with pytest.raises(ValueError, match=words):
        check_network(net, *batch_for(net, 0), **kwargs)
    if "max_entries" in kwargs:
        with pytest.raises(ValueError, match=words):
            check_layer(Dense(2, name="d"), (3,), **kwargs)


def test_bad_batches_and_networks_are_refused():
    net = Network(preset_spec("simple", (1, 8, 8), 3), dtype=np.float64)
    with pytest.raises(ValueError, match="empty"):
        check_network(net, np.zeros((0, 1, 8, 8)), np.zeros(0, np.int64))
    with pytest.raises(ValueError, match="shape"):
        check_network(net, np.zeros((2, 1, 9, 9)), np.array([0, 1]))
    with pytest.raises(ValueError, match="0..2"):
        check_network(net, np.zeros((2, 1, 8, 8)), np.array([0, 3]))
    with pytest.raises(ValueError, match="float64"):
        check_network(Network(preset_spec("simple", (1, 8, 8), 3)), np.zeros((2, 1, 8, 8)), np.array([0, 1]))
    with pytest.raises(ValueError, match="batch size"):
        check_layer(Dense(2, name="d"), (3,), batch=0)
