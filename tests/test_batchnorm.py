"""BatchNorm2D / BatchNorm1D: batch statistics in training, running ones at inference,
gradients, architecture data, and the running statistics in model files."""
import numpy as np
import pytest

from cnnviz.modelio import ModelFileError, load_model, save_model
from cnnviz.nn import BatchNorm1D, BatchNorm2D, Network, SpecError, preset_spec
from cnnviz.nn.gradcheck import TOLERANCE, check_layer, check_network


@pytest.mark.parametrize("make, shape", [(lambda: BatchNorm2D(name="bn"), (3, 4, 5)),
                                         (lambda: BatchNorm1D(name="bn"), (6,))])
def test_gradients_match_numerical(make, shape):
    errors = check_layer(make(), shape, batch=4)
    assert set(errors) == {"x", "gamma", "beta"}
    assert max(errors.values()) < TOLERANCE / 10, errors


def test_the_bn_preset_passes_the_gradient_check():
    net = Network(preset_spec("bn-conv", (1, 12, 12), 10), seed=0, dtype=np.float64)
    rng = np.random.default_rng(0)
    errors = check_network(net, rng.random((3, 1, 12, 12)), rng.integers(0, 10, 3), max_entries=6)
    assert set(errors) == set(net.params) and max(errors.values()) < TOLERANCE / 10, errors


def built(layer, shape, dtype=np.float32):
    layer.build(shape, np.random.default_rng(0), dtype)
    return layer


def test_training_normalises_each_channel_with_the_batch_statistics():
    bn = built(BatchNorm2D(name="bn"), (3, 5, 4))
    x = np.random.default_rng(1).normal(loc=[[[2.0]], [[-3.0]], [[10.0]]], scale=[[[0.5]], [[4.0]], [[1.0]]],
                                         size=(8, 3, 5, 4)).astype(np.float32)
    bn.params["gamma"][:] = [1.0, 2.0, 0.5]
    bn.params["beta"][:] = [0.0, 1.0, -1.0]
    y = bn.forward(x, train=True).astype(np.float64)
    np.testing.assert_allclose(y.mean(axis=(0, 2, 3)), [0.0, 1.0, -1.0], atol=1e-5)
    np.testing.assert_allclose(y.std(axis=(0, 2, 3)), [1.0, 2.0, 0.5], rtol=1e-3)


def test_running_statistics_follow_the_momentum_rule_and_drive_inference():
    bn = built(BatchNorm1D(momentum=0.25, name="bn"), (2,))
    rng = np.random.default_rng(2)
    mean, var = np.zeros(2), np.ones(2)
    for _ in range(3):
        x = rng.normal([1.0, -2.0], [2.0, 0.5], size=(10, 2)).astype(np.float32)
        bn.forward(x, train=True)
        mean = 0.75 * mean + 0.25 * x.mean(axis=0)
        var = 0.75 * var + 0.25 * x.var(axis=0, ddof=1)         # the unbiased variance, as PyTorch
    np.testing.assert_allclose(bn.state["mean"], mean, rtol=1e-5)
    np.testing.assert_allclose(bn.state["var"], var, rtol=1e-5)
    # Inference: one image's output uses the running statistics, whatever else is in its batch.
    x = rng.normal(size=(4, 2)).astype(np.float32)
    alone = bn.forward(x[:1], train=False)
    np.testing.assert_allclose(alone, (x[:1] - mean) / np.sqrt(var + bn.eps), rtol=1e-5, atol=1e-6)
    np.testing.assert_array_equal(bn.forward(x, train=False)[:1], alone)


def test_a_batch_with_non_finite_statistics_leaves_the_running_ones_alone():
    bn = built(BatchNorm2D(name="bn"), (2, 3, 3))
    x = np.ones((2, 2, 3, 3), np.float32)
    x[0, 1, 0, 0] = np.nan
    with np.errstate(invalid="ignore"):
        bn.forward(x, train=True)
    np.testing.assert_array_equal(bn.state["mean"], [0.0, 0.0])
    np.testing.assert_array_equal(bn.state["var"], [1.0, 1.0])


def test_layers_say_what_they_are_and_rebuild_from_their_spec():
    net = Network(preset_spec("bn-conv"), seed=0)
    rows = {e.name: e for e in net.entries()}
    assert rows["bn1"].kind == "BatchNorm2D" and rows["bn1"].settings == "per channel, momentum 0.1"
    assert rows["bn3"].kind == "BatchNorm1D" and rows["bn3"].settings == "per unit, momentum 0.1"
    assert rows["conv1"].settings == "3x3/1 same no bias" and "conv1.b" not in net.params
    assert set(net.state) == {f"bn{i}.{k}" for i in (1, 2, 3) for k in ("mean", "var")}
    again = Network(net.spec(), seed=0)
    assert again.spec() == net.spec()
    auto = Network({"input_shape": [1, 6, 6], "layers": [{"type": "batchnorm2d"}, {"type": "flatten"},
                                                         {"type": "batchnorm1d"}]})
    assert [l.name for l in auto.layers] == ["bn1", "flatten1", "bn2"]


@pytest.mark.parametrize("layer, words", [
    ({"type": "batchnorm2d", "momentum": 1.5}, "momentum"),
    ({"type": "batchnorm2d", "eps": 0}, "eps"),
    ({"type": "batchnorm1d"}, "flat vector"),
    ({"type": "conv", "filters": 2, "bias": "no"}, "bias"),
])
def test_bad_settings_are_refused_by_name(layer, words):
    with pytest.raises((SpecError, ValueError), match=words):
        Network({"input_shape": [1, 6, 6], "layers": [layer, {"type": "flatten"}, {"type": "dense", "units": 2}]})


def trained_bn_net():
    """A bn-conv network whose running statistics have moved away from 0 and 1."""
    net = Network(preset_spec("bn-conv", (1, 12, 12), 10), seed=0)
    x = np.random.default_rng(3).random((16, 1, 12, 12)).astype(np.float32) * 3 + 1
    for _ in range(3):
        net.forward(x, train=True)
    return net


def test_saved_then_loaded_model_gives_identical_outputs(tmp_path):
    net = trained_bn_net()
    path = tmp_path / "bn.npz"
    save_model(path, net, [str(i) for i in range(10)])
    with np.load(path) as archive:
        assert {f"state/bn1.{k}" for k in ("mean", "var")} <= set(archive.files)
    loaded = load_model(path).network
    for key, value in net.state.items():
        np.testing.assert_array_equal(loaded.state[key], value)
    x = np.random.default_rng(4).random((5, 1, 12, 12)).astype(np.float32)
    np.testing.assert_array_equal(loaded.forward(x), net.forward(x))
    for ours, theirs in zip(net.trace(x[:1]), loaded.trace(x[:1])):
        np.testing.assert_array_equal(ours.value, theirs.value)
    np.testing.assert_array_equal(net.copy().forward(x), net.forward(x))


def rewrite(path, out, drop=(), change=None):
    """Copy the archive at ``path`` to ``out`` without the entries in ``drop`` and with
    ``change`` ({entry: array}) put in."""
    with np.load(path) as archive:
        entries = {k: archive[k] for k in archive.files if k not in drop}
    entries.update(change or {})
    np.savez(out, **entries)


def test_missing_or_impossible_running_statistics_are_refused(tmp_path):
    net = trained_bn_net()
    path = tmp_path / "bn.npz"
    save_model(path, net, [str(i) for i in range(10)])
    rewrite(path, tmp_path / "missing.npz", drop=("state/bn2.var",))
    with pytest.raises(ModelFileError, match="state array 'bn2.var' is missing"):
        load_model(tmp_path / "missing.npz")
    rewrite(path, tmp_path / "negative.npz", change={"state/bn1.var": -np.ones_like(net.state["bn1.var"])})
    with pytest.raises(ModelFileError, match="bn1.*negative"):
        load_model(tmp_path / "negative.npz")
    rewrite(path, tmp_path / "nan.npz", change={"state/bn3.mean": np.full_like(net.state["bn3.mean"], np.nan)})
    with pytest.raises(ModelFileError, match="bn3.mean.*NaN"):
        load_model(tmp_path / "nan.npz")
