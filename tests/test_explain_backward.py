"""The backward pass, seen, and "teach it this drawing" on a copy of the weights."""
import numpy as np
import pytest

from cnnviz.explain import backward_pass, teach
from cnnviz.nn import Network, preset_spec
from cnnviz.nn.loss import SoftmaxCrossEntropy


@pytest.fixture
def deep():
    net = Network(preset_spec("deep", (1, 12, 12), 4), seed=2)
    x = np.random.default_rng(5).random((1, 12, 12)).astype(np.float32)
    return net, x


def test_loss_gradient_at_the_softmax_is_p_minus_the_answer(deep):
    net, x = deep
    bp = backward_pass(net, x, 2, class_names="abcd")
    p = bp.probabilities
    assert bp.label == 2 and bp.label_name == "c" and bp.target.tolist() == [0, 0, 1, 0]
    assert np.allclose(bp.dlogits, p - bp.target, atol=1e-7)
    assert bp.loss == pytest.approx(-np.log(p[2]), rel=1e-6)
    names = [e.name for e in net.entries()]
    assert [e.name for e in bp.entries] == names and bp.entries[-1].grad is None
    assert np.array_equal(bp.entries[names.index("fc2")].grad, bp.dlogits)
    assert "∂loss/∂logit" in bp.entries[-1].note


def test_max_pool_routes_each_gradient_to_its_winner_and_relu_gates_it(deep):
    net, x = deep
    bp = backward_pass(net, x, 1)
    rows = {e.name: e for e in bp.entries}
    pool, relu, conv = rows["pool1"], rows["relu2"], rows["conv2"]
    assert pool.winners.shape == pool.value.shape + (2,)
    routed = np.zeros_like(relu.grad)
    c, r, q = np.indices(pool.value.shape)
    np.add.at(routed, (c, pool.winners[..., 0], pool.winners[..., 1]), pool.grad)
    assert np.array_equal(relu.grad, routed)                     # nothing but the winners receives gradient
    assert np.array_equal(relu.gate, relu.value > 0)
    assert np.array_equal(conv.grad, np.where(relu.gate, relu.grad, 0))
    blocked = int((~relu.gate).sum())
    assert blocked > 0 and f"blocked at {blocked} of {relu.gate.size} cells" in relu.note


def test_weight_gradients_are_the_engines(deep):
    net, x = deep
    bp = backward_pass(net, x, 3)
    rows = {e.name: e for e in bp.entries}
    assert rows["conv1"].params["W"].shape == (32, 1, 3, 3) and rows["fc1"].params["b"].shape == (256,)
    assert rows["relu1"].params == {} and rows["pool1"].gate is None
    engine = net.copy()
    engine.layer("drop1").rate = 0.0                             # the view shows the step with dropout off
    loss = SoftmaxCrossEntropy()
    loss.forward(engine.forward(x[None], train=True), np.array([3]))
    engine.backward(loss.backward())
    for key, g in engine.grads.items():
        layer, param = key.rsplit(".", 1)
        np.testing.assert_allclose(rows[layer].params[param], g, rtol=1e-4, atol=1e-6, err_msg=key)


def test_teaching_moves_a_copy_towards_the_label_and_leaves_the_model_alone(deep):
    net, x = deep
    before = net.get_weights()
    label = int(np.argmin(net.forward(x[None])[0]))
    taught = teach(net, x, label, optimizer="sgd", lr=0.5, steps=3)
    assert taught.probabilities.shape == (4, 4) and taught.losses.shape == (4,)
    assert taught.probabilities[-1, label] > taught.probabilities[0, label]
    assert taught.losses[-1] < taught.losses[0]
    assert all(np.array_equal(v, net.params[k]) for k, v in before.items())
    out = net.forward(x[None])
    assert np.allclose(np.exp(out) / np.exp(out).sum(), taught.probabilities[0], atol=1e-6)
    assert taught.network is not net and not np.array_equal(taught.network.params["conv1.W"], before["conv1.W"])
    assert "sgd" in taught.note and "unchanged" in taught.note
    one = teach(net, x, label, optimizer="adam", lr=0.001)
    assert one.steps == 1 and one.optimizer == "adam" and one.probabilities.shape == (2, 4)


def test_bad_labels_and_settings_are_refused(deep):
    net, x = deep
    with pytest.raises(ValueError, match="label 4 does not exist"):
        backward_pass(net, x, 4)
    with pytest.raises(ValueError, match="optimizer"):
        teach(net, x, 0, optimizer="magic")
    with pytest.raises(ValueError, match="learning rate"):
        teach(net, x, 0, lr=0)
    with pytest.raises(ValueError, match="at most 100"):
        teach(net, x, 0, steps=1000)
