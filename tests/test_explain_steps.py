"""Step-throughs of every kind of layer: the numbers shown are the engine's own."""
import math

import numpy as np
import pytest

from cnnviz.explain import (ActivationStep, ConvStep, DenseStep, PassStep, PoolStep, ResidualStep, SoftmaxStep,
                            step_through, sweep)
from cnnviz.nn import PRESETS, Network, preset_spec


def bits(v) -> int:
    return int(np.float32(v).view(np.uint32))


def traced(preset, shape=(1, 13, 12), seed=1):
    net = Network(preset_spec(preset, shape, 5), seed=seed)
    rng = np.random.default_rng(seed)
    for k, v in net.params.items():
        if k.endswith(".b"):
            v[...] = rng.normal(0, 0.1, v.shape)          # non-zero biases, so they are seen in the sums
    x = rng.random((2,) + shape, np.float32)
    return net, net.trace(x)


def cells_of(shape, rng, n=6):
    """Corners (padding windows) plus random cells of a per-sample shape."""
    corners = [tuple(0 for _ in shape), tuple(s - 1 for s in shape)]
    return corners + [tuple(int(rng.integers(s)) for s in shape) for _ in range(n)]


@pytest.mark.parametrize("preset", sorted(PRESETS))
def test_every_cell_kind_shows_the_stored_value_bit_for_bit(preset):
    net, trace = traced(preset)
    rng = np.random.default_rng(0)
    kinds = set()
    for index, entry in enumerate(trace):
        for cell in cells_of(entry.shape, rng):
            for image in (0, 1):
                step = step_through(trace, index, cell, image=image)
                kinds.add(type(step).__name__)
                stored = entry.value[image][cell]
                shown = step.value if isinstance(step, PassStep) else (
                    step.probabilities[cell[0]] if isinstance(step, SoftmaxStep) else step.result)
                assert bits(shown) == bits(stored), (entry.name, cell)
                if hasattr(step, "rounding"):
                    r = step.rounding
                    assert r.explained, (entry.name, cell, r.text)
                    assert r.stored == float(stored) and r.difference == r.stored - r.exact
    assert {"ConvStep", "ActivationStep", "DenseStep", "SoftmaxStep", "PassStep"} <= kinds
    assert "PoolStep" in kinds


def test_conv_step_lists_the_window_kernel_products_and_sums():
    net, trace = traced("deep")
    index = [e.name for e in trace].index("conv3")          # 32 input channels, 3x3, same
    layer, x = trace[index].layer, trace[index - 1].value[0]
    step = step_through(trace, index, (5, 0, 3))
    assert isinstance(step, ConvStep) and step.window == (-1, 2, 2, 5)
    assert step.padding.tolist() == [[True] * 3, [False] * 3, [False] * 3]
    assert np.array_equal(step.patch[:, 1:], x[:, 0:2, 2:5]) and not step.patch[:, 0].any()
    assert np.array_equal(step.kernel, layer.params["W"][5])
    assert step.products.dtype == np.float64
    assert np.array_equal(step.products, step.patch.astype(np.float64) * step.kernel.astype(np.float64))
    assert step.channel_sums.shape == (32,)
    assert math.isclose(math.fsum(step.channel_sums), step.products_sum, rel_tol=1e-15, abs_tol=1e-300)
    assert step.bias == float(layer.params["b"][5])
    assert step.total == math.fsum(step.products.ravel().tolist() + [step.bias])
    assert abs(step.result - step.total) <= step.rounding.tolerance
    assert step.size.rows.text == "OH = (7 + 2·1 − 3)/1 + 1 = 7" and step.stride == (1, 1)
    assert "32 input channels" in step.note and "padding" in step.note
    with pytest.raises(ValueError):
        step.patch[0, 0, 0] = 1.0                            # results are read-only


def test_integer_convolution_is_exact_and_says_nothing_was_rounded():
    net = Network({"input_shape": [2, 5, 5], "layers": [
        {"type": "conv", "name": "c", "filters": 2, "kernel": 3, "stride": 2, "padding": 1},
        {"type": "flatten"}, {"type": "dense", "units": 2}]})
    rng = np.random.default_rng(0)
    net.layer("c").params["W"][...] = rng.integers(-3, 4, (2, 2, 3, 3))
    net.layer("c").params["b"][...] = [2, -1]
    trace = net.trace(rng.integers(0, 9, (1, 2, 5, 5)).astype(np.float32))
    for cell in [(0, 0, 0), (1, 2, 1), (1, 1, 2)]:
        step = step_through(trace, 1, cell)
        assert step.total == step.result == trace[1].value[(0,) + cell]
        assert step.rounding.difference == 0 and "nothing was rounded" in step.rounding.text


def test_a_map_from_other_weights_is_called_out_not_hidden():
    net, trace = traced("simple")
    conv = net.layer("conv1")
    conv.params["W"] *= 1.01                                  # weights moved on after the trace was taken
    step = step_through(trace, 1, (3, 4, 4))
    assert not step.rounding.explained
    assert "other numbers" in step.rounding.text


def test_fft_convolution_rounding_is_named_and_bounded():
    net, trace = traced("liteocr")
    for name in ("conv1", "conv2"):
        index = [e.name for e in trace].index(name)
        for cell in [(0, 0, 0), (7, 5, 6), (31, 10, 9)]:
            step = step_through(trace, index, cell)
            assert step.method == "fft" and step.rounding.explained
            assert bits(step.result) == bits(trace[index].value[0][cell])


def test_pool_steps_show_the_winner_and_where_the_gradient_goes():
    net, trace = traced("two-conv", (1, 9, 9))
    index = [e.name for e in trace].index("pool1")           # 2x2/2 same: 9 -> 5, padding at the end
    layer, x = trace[index].layer, trace[index - 1].value[0]
    winners = layer.winners(x[None])[0]
    for cell in [(0, 0, 0), (3, 4, 4), (7, 2, 4)]:
        step = step_through(trace, index, cell)
        assert isinstance(step, PoolStep) and step.kind == "max"
        assert step.winner == tuple(winners[cell])
        assert step.result == step.rounding.exact == x[cell[0]][step.winner]
        assert step.gradient_share.sum() == 1 and step.gradient_share[step.winner_offset] == 1
    corner = step_through(trace, index, (3, 4, 4))
    assert corner.padding.tolist() == [[False, True], [True, True]] and corner.count == 1
    assert np.isneginf(corner.values[corner.padding]).all()


def test_average_pool_step_leaves_padding_out_of_the_mean():
    net, trace = traced("lenet5", (1, 13, 13))
    index = [e.name for e in trace].index("pool1")           # 13 -> 7 with 'same': last window half padding
    step = step_through(trace, index, (2, 6, 6))
    assert step.kind == "average" and step.count == 1 and step.winner is None
    assert step.gradient_share[~step.padding].tolist() == [1.0]
    inner = step_through(trace, index, (2, 1, 1))
    assert inner.count == 4 and np.allclose(inner.gradient_share, 0.25)
    assert inner.rounding.explained and bits(inner.result) == bits(trace[index].value[0][2, 1, 1])


def test_activation_steps_give_x_and_the_gate():
    net, trace = traced("deep")
    index = [e.name for e in trace].index("relu1")
    conv = trace[index - 1].value[0]
    neg = tuple(int(i) for i in np.argwhere(conv < 0)[0])
    pos = tuple(int(i) for i in np.argwhere(conv > 0)[0])
    blocked, passed = step_through(trace, index, neg), step_through(trace, index, pos)
    assert isinstance(blocked, ActivationStep) and blocked.formula == "max(0, x)"
    assert blocked.x == conv[neg] and blocked.result == 0 and not blocked.passes
    assert passed.x == passed.result == conv[pos] and passed.slope == 1
    net, trace = traced("lenet5")
    sig = step_through(trace, 2, (1, 3, 3))
    assert sig.kind == "Sigmoid" and math.isclose(sig.slope, sig.result * (1 - sig.result))


def test_dense_step_lists_the_largest_contributions_and_the_rest():
    net, trace = traced("simple")
    index = [e.name for e in trace].index("fc1")
    x, w = trace[index - 1].value[0], net.layer("fc1").params["W"][:, 7]
    step = step_through(trace, index, (7,), top=5)
    assert isinstance(step, DenseStep) and step.inputs == x.size and step.rest_count == x.size - 5
    contrib = np.abs(x.astype(np.float64) * w)
    assert set(step.indices.tolist()) == set(np.argsort(-contrib)[:5].tolist())
    assert np.all(np.diff(np.abs(step.products)) <= 0)
    assert step.zero_inputs == int((x == 0).sum()) > 0                # the ReLU switched some off
    assert step.source_layer == "pool1" and all(len(s) == 3 for s in step.sources)
    c, r, col = step.sources[0]
    assert trace[index - 2].value[0][c, r, col] == step.x[0]
    assert math.isclose(step.products_sum, math.fsum(step.products.tolist()) + step.rest_sum, rel_tol=1e-12)
    assert step.rounding.explained and bits(step.result) == bits(trace[index].value[0][7])


def test_softmax_step_derives_the_bars_bit_for_bit():
    net, trace = traced("simple")
    step = step_through(trace, len(trace) - 1, (0,), class_names=list("abcde"),
                        meta={"dataset": "fashion-mnist"})
    logits, probs = trace[-2].value[0], trace[-1].value[0]
    assert isinstance(step, SoftmaxStep) and step.reproduced
    assert np.array_equal(step.logits, logits) and step.shift == logits.max()
    assert np.array_equal(step.shifted, logits - logits.max())
    assert np.array_equal(step.exps, np.exp(logits - logits.max()))
    assert bits(step.total) == bits(step.exps.sum())
    assert np.array_equal((step.exps / np.float32(step.total)).view(np.uint32), probs.view(np.uint32))
    assert abs(step.probabilities_sum - 1) < 1e-6 and step.top == int(np.argmax(probs))
    assert step.class_names == tuple("abcde")
    assert "Fashion-MNIST" in step.overconfidence and "100 %" in step.overconfidence


def test_residual_step_is_f_of_x_plus_x():
    net, trace = traced("resnet-mini")
    index = [e.name for e in trace].index("res1")
    step = step_through(trace, index, (4, 6, 2))
    assert isinstance(step, ResidualStep)
    assert step.fx_layer == "res1.res1_convb" and step.x_layer == "relu1"
    assert step.fx == trace[index - 1].value[0][4, 6, 2] and step.x == trace[index - 4].value[0][4, 6, 2]
    assert step.rounding.nearest and bits(step.result) == bits(np.float32(step.fx) + np.float32(step.x))


def test_flatten_dropout_and_input_cells_name_their_source():
    net, trace = traced("liteocr")
    names = [e.name for e in trace]
    flat = step_through(trace, names.index("flatten"), (100,))
    c, r, col = flat.source
    assert flat.source_layer == "drop1" and trace[names.index("drop1")].value[0][c, r, col] == flat.value
    drop = step_through(trace, names.index("drop1"), (1, 2, 3))
    assert drop.source == (1, 2, 3) and "0.25" in drop.note
    pixel = step_through(trace, 0, (0, 4, 5))
    assert pixel.kind == "Input" and pixel.value == trace[0].value[0][0, 4, 5]


def test_sweep_visits_every_output_cell_with_its_window():
    net, trace = traced("simple")
    s = sweep(trace, 1)
    layer = net.layer("conv1")
    assert s.out_hw == layer.out_hw and len(s.cells) == layer.out_hw[0] * layer.out_hw[1]
    for i in (0, 5, len(s.cells) - 1):
        row, col = s.cells[i]
        assert s.position(row, col) == i
        assert tuple(s.windows[i]) == layer.window_bounds(row, col, clip=False)
    strided = Network(preset_spec("deep", (1, 13, 12)))
    pool = [e.name for e in strided.entries()].index("pool1")
    ps = sweep(strided.trace(np.zeros((1, 1, 13, 12), np.float32)), pool)
    assert ps.stride == (2, 2) and tuple(ps.windows[1]) == (0, 2, 2, 4) and "2 cell(s)" in ps.note
    with pytest.raises(ValueError, match="ReLU"):
        sweep(trace, 2)


def test_bad_cells_are_refused_with_the_shape():
    net, trace = traced("simple")
    with pytest.raises(ValueError, match=r"conv1 has cells of shape \(30, 9, 8\)"):
        step_through(trace, 1, (30, 0, 0))
    with pytest.raises(ValueError, match="shape"):
        step_through(trace, 1, (0, 0))
    with pytest.raises(ValueError, match="does not exist"):
        step_through(trace, len(trace), (0,))
    with pytest.raises(ValueError, match="image"):
        step_through(trace, 1, (0, 0, 0), image=2)
