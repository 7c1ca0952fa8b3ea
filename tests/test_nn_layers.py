"""Layer behaviour: gradients against numerical ones, dropout, residual, pooling winners."""
import numpy as np
import pytest

from cnnviz.nn import (AvgPool2D, Conv2D, Dense, Dropout, Flatten, MaxPool2D, Network, ReLU, Residual,
                       Sigmoid, SoftmaxCrossEntropy, SpecError, Tanh, preset_spec, PRESETS)
from cnnviz.nn.gradcheck import TOLERANCE, check_layer

LAYERS = {
    "conv valid": (lambda: Conv2D(3, 3, 1, "valid", name="c"), (2, 6, 6)),
    "conv same stride 2": (lambda: Conv2D(3, 3, 2, "same", name="c"), (2, 7, 7)),
    "conv full": (lambda: Conv2D(2, 3, 1, "full", name="c"), (2, 5, 5)),
    "conv 5x3 pad 1": (lambda: Conv2D(2, (5, 3), 1, 1, name="c"), (2, 6, 6)),
    "conv fft full": (lambda: Conv2D(2, 3, 1, "full", method="fft", name="c"), (2, 5, 5)),
    "conv fft valid": (lambda: Conv2D(2, 3, 1, "valid", method="fft", name="c"), (2, 5, 5)),
    # Windows of more than Conv2D.PER_IMAGE_MAX numbers: the backward pass runs through the FFT too.
    "conv fft valid 8 channels": (lambda: Conv2D(3, 3, 1, "valid", method="fft", name="c"), (8, 6, 6)),
    "conv fft full 8 channels": (lambda: Conv2D(3, (3, 4), 1, "full", method="fft", name="c"), (8, 5, 6)),
    "maxpool 2x2/2": (lambda: MaxPool2D(2, name="p"), (2, 6, 6)),
    "maxpool 3x3/2 overlapping": (lambda: MaxPool2D(3, 2, "valid", name="p"), (2, 7, 7)),
    "maxpool 2x2/1 same": (lambda: MaxPool2D(2, 1, "same", name="p"), (2, 5, 5)),
    "avgpool 2x2/2": (lambda: AvgPool2D(2, name="p"), (2, 6, 6)),
    "avgpool 3x3/2 same": (lambda: AvgPool2D(3, 2, "same", name="p"), (2, 7, 7)),
    "relu": (lambda: ReLU(name="r"), (2, 4, 4)),
    "sigmoid": (lambda: Sigmoid(name="s"), (2, 4, 4)),
    "tanh": (lambda: Tanh(name="t"), (2, 4, 4)),
    "dense": (lambda: Dense(5, name="d"), (7,)),
    "dense without bias": (lambda: Dense(5, name="d", bias=False), (7,)),
    "conv without bias": (lambda: Conv2D(3, 3, 1, "same", name="c", bias=False), (2, 5, 5)),
    "conv 5x5 stride 2 on 9 channels": (lambda: Conv2D(3, 5, 2, "same", name="c"), (9, 9, 9)),
    "flatten": (lambda: Flatten(name="f"), (2, 3, 3)),
    "dropout": (lambda: Dropout(0.5, name="d"), (2, 3, 3)),
    "residual": (lambda: Residual([Conv2D(2, 3, 1, "same", name="a"), ReLU(name="r"),
                                   Conv2D(2, 3, 1, "same", name="b")], name="res"), (2, 5, 5)),
}


@pytest.mark.parametrize("name", list(LAYERS))
def test_layer_gradients_match_numerical(name):
    make, shape = LAYERS[name]
    errors = check_layer(make(), shape)
    assert errors, "nothing was checked"
    for key, err in errors.items():
        assert err < TOLERANCE / 10, f"{name}: d/d{key} relative error {err:.2e}"


def test_dropout_is_identity_at_inference_and_inverted_in_training():
    drop = Dropout(0.25, name="d")
    drop.build((1000,), np.random.default_rng(0))
    x = np.ones((4, 1000), np.float32)
    assert drop.forward(x, train=False) is x
    y = drop.forward(x, train=True)
    kept = y != 0
    assert np.allclose(y[kept], 1 / 0.75)
    assert 0.70 < kept.mean() < 0.80
    assert abs(y.mean() - 1.0) < 0.05


def test_trace_returns_every_tensor_with_name_kind_and_shape():
    net = Network(preset_spec("resnet-mini"), seed=0)
    x = np.random.default_rng(0).random((1, 1, 28, 28)).astype(np.float32)
    trace = net.trace(x)
    assert trace[0].name == "input" and trace[-1].kind == "Softmax"
    names = [t.name for t in trace]
    assert names.index("res1.res1_conva") < names.index("res1")
    for t in trace:
        assert t.value.shape == (1,) + tuple(t.shape)
    np.testing.assert_allclose(trace[-1].value.sum(), 1.0, rtol=1e-5)
    # Stepping one layer at a time gives the same tensors as the whole pass.
    h = x
    for i, layer in enumerate(net.layers):
        h = net.forward_layer(i, h)
        assert np.array_equal(h, next(t.value for t in trace if t.name == layer.name))
    np.testing.assert_allclose(net.forward(x), h)


def test_residual_block_outputs_f_of_x_plus_x():
    block = Residual([Conv2D(2, 3, 1, "same", name="a")], name="res")
    block.build((2, 5, 5), np.random.default_rng(0))
    x = np.random.default_rng(1).random((1, 2, 5, 5)).astype(np.float32)
    np.testing.assert_allclose(block.forward(x), block.layers[0].forward(x) + x, rtol=1e-6)


def test_residual_block_with_changed_shape_is_refused():
    with pytest.raises(ValueError, match="F\\(x\\) has shape"):
        Network({"input_shape": [2, 6, 6], "layers": [
            {"type": "residual", "name": "r", "layers": [{"type": "conv", "filters": 3, "kernel": 3,
                                                          "padding": "same"}]},
            {"type": "flatten"}, {"type": "dense", "units": 2}]})


def test_max_pool_winners_point_at_the_maxima():
    rng = np.random.default_rng(0)
    pool = MaxPool2D(3, 2, "same", name="p")
    pool.build((2, 9, 9), rng)
    x = rng.standard_normal((2, 2, 9, 9)).astype(np.float32)
    y = pool.forward(x)
    won = pool.winners(x)
    picked = x[np.arange(2)[:, None, None, None], np.arange(2)[None, :, None, None], won[..., 0], won[..., 1]]
    assert np.array_equal(picked, y)
    assert won.min() >= 0 and won.max() < 9


def test_training_buffers_do_not_leak_into_inference_results():
    net = Network(preset_spec("simple"), seed=0)
    rng = np.random.default_rng(0)
    a = rng.random((1, 1, 28, 28)).astype(np.float32)
    before = net.trace(a)
    net.forward(rng.random((1, 1, 28, 28)).astype(np.float32), train=True)
    after = net.trace(a)
    for t0, t1 in zip(before, after):
        assert np.array_equal(t0.value, t1.value)


def test_architecture_is_plain_json_and_rebuilds():
    import json
    for preset in PRESETS:
        net = Network(preset_spec(preset, (3, 32, 32), 26), seed=1)
        spec = json.loads(json.dumps(net.spec()))
        again = Network(spec, seed=1)
        assert again.spec() == net.spec()
        for k, v in net.params.items():
            assert np.array_equal(v, again.params[k])
        assert net.num_classes == 26


@pytest.mark.parametrize("preset", list(PRESETS))
@pytest.mark.parametrize("shape", [(1, 27, 27), (1, 28, 28), (1, 29, 29), (1, 32, 32), (3, 32, 32),
                                   (3, 29, 29), (1, 12, 12), (1, 28, 33)])
def test_presets_take_any_input_channels_and_size(preset, shape):
    net = Network(preset_spec(preset, shape, 7))
    x = np.random.default_rng(0).random((2,) + shape).astype(np.float32)
    loss = SoftmaxCrossEntropy()
    loss.forward(net.forward(x, train=True), np.array([1, 6]))
    net.backward(loss.backward())                       # training works at this size too
    assert all(np.isfinite(g).all() and g.shape == net.params[k].shape for k, g in net.grads.items())
    assert net.trace(x[:1])[-1].value.shape == (1, 7)


def test_simple_preset_is_the_textbook_network():
    net = Network(preset_spec("simple"))
    assert [l.out_shape for l in net.layers] == [(30, 24, 24), (30, 24, 24), (30, 12, 12), (4320,), (100,),
                                                 (100,), (10,)]
    shapes = {k: v.shape for k, v in net.params.items()}
    assert shapes == {"conv1.W": (30, 1, 5, 5), "conv1.b": (30,), "fc1.W": (4320, 100), "fc1.b": (100,),
                      "fc2.W": (100, 10), "fc2.b": (10,)}
    assert abs(float(net.params["conv1.W"].std()) - 0.01) < 0.002
    assert all(v.dtype == np.float32 for v in net.params.values())


@pytest.mark.parametrize("make, words", [
    (lambda: Dense(26.9), "units"),
    (lambda: Dense(True), "units"),
    (lambda: Dense("10"), "units"),
    (lambda: Dense(10, std=-1), "std"),
    (lambda: Dense(10, std=float("nan")), "std"),
    (lambda: Conv2D(True, 3), "filters"),
    (lambda: Conv2D(4, 3, rounding="zzz"), "rounding"),
    (lambda: Conv2D(4, 3, padding=-1), "padding"),
    (lambda: Conv2D(4, 3, padding="sam"), "padding"),
    (lambda: Conv2D(4, (3, 2.5)), "kernel"),
    (lambda: Conv2D(4, 3, stride=0), "stride"),
    (lambda: Conv2D(4, 3, init="zeros"), "init"),
    (lambda: Conv2D(4, 3, method="fft", padding="same"), "FFT"),
    (lambda: MaxPool2D(2, rounding="up"), "rounding"),
    (lambda: AvgPool2D(2, padding=[1, -1]), "padding"),
    (lambda: MaxPool2D(2.5), "kernel"),
    (lambda: Dropout(1.0), "rate"),
    (lambda: Dropout("0.5"), "rate"),
    (lambda: Dropout(True), "rate"),
])
def test_layer_settings_are_checked_strictly(make, words):
    with pytest.raises(ValueError, match=words):
        make()


def test_whole_floats_are_taken_as_whole_numbers():
    assert Dense(26.0).units == 26 and isinstance(Dense(26.0).units, int)
    assert Conv2D(np.int64(4), (3.0, 3)).kernel == (3, 3)


def test_bad_settings_in_an_architecture_name_the_layer_and_the_setting():
    spec = preset_spec("simple")
    spec["layers"][4]["units"] = 26.9
    with pytest.raises(SpecError, match=r"layer 'fc1' \(dense\): units must be a positive whole number, got 26.9"):
        Network(spec)
    spec["layers"][4] = {"type": "dense", "name": "fc1", "unitz": 100}
    with pytest.raises(SpecError, match="unknown setting 'unitz'"):
        Network(spec)
    spec["layers"][4] = {"type": "dense", "name": "fc1"}
    with pytest.raises(SpecError, match="'units' is required"):
        Network(spec)


@pytest.mark.parametrize("kernel, stride, padding, hw, rounding", [
    (2, 2, "valid", (6, 6), "exact"), (2, 2, "same", (7, 9), "exact"), (3, 2, "same", (9, 9), "exact"),
    (2, 1, "same", (5, 5), "exact"), (2, 2, "valid", (7, 7), "floor"), (3, 3, "valid", (9, 12), "exact")])
def test_max_pool_inference_gives_the_training_maxima(kernel, stride, padding, hw, rounding):
    pool = MaxPool2D(kernel, stride, padding, name="p", rounding=rounding)
    pool.build((3,) + hw, None)
    x = np.random.default_rng(0).standard_normal((2, 3) + hw).astype(np.float32)
    trained = pool.forward(x, train=True).copy()
    inferred = pool.forward(x, train=False)
    assert np.array_equal(inferred, trained)
    # ...and each is the maximum over its window of the padded input, written out directly.
    won = pool.winners(x)
    rows, cols = won[..., 0], won[..., 1]
    assert np.array_equal(inferred, x[np.arange(2)[:, None, None, None], np.arange(3)[None, :, None, None],
                                      rows, cols])
