"""Convolutions by row bands (nn.rowconv) against im2col, the textbook method."""
import numpy as np
import pytest

from cnnviz.nn import Network, rowconv
from cnnviz.nn.conv import Conv2D
from cnnviz.nn.presets import preset_spec

CASES = [  # channels, filters, kernel, padding, input (H, W)
    (3, 5, 3, "same", (9, 7)), (2, 4, 5, "same", (8, 8)), (3, 2, 3, "valid", (6, 7)),
    (1, 3, 2, "same", (3, 3)), (2, 3, 3, "full", (5, 5)), (2, 3, (3, 2), (1, 0), (6, 5)),
    (4, 6, 1, 0, (5, 5)),
]


def _pair(c, f, kernel, padding, hw, seed=0):
    """Two layers with the same weights: one run by row bands, one by im2col."""
    rng = np.random.default_rng(seed)
    by_rows, by_cols = Conv2D(f, kernel, padding=padding), Conv2D(f, kernel, padding=padding)
    by_rows.build((c,) + hw, rng)
    by_cols.build((c,) + hw, rng)
    by_cols.params["W"][...] = by_rows.params["W"]
    by_rows.params["b"][...] = by_cols.params["b"][...] = rng.standard_normal(f)
    by_cols.by_rows = False
    return by_rows, by_cols


@pytest.mark.parametrize("c, f, kernel, padding, hw", CASES)
def test_forward_and_every_gradient_equal_im2col(c, f, kernel, padding, hw):
    rows, cols = _pair(c, f, kernel, padding, hw)
    assert rows.by_rows
    rng = np.random.default_rng(1)
    x = rng.standard_normal((4, c) + hw).astype(np.float32)
    y_rows, y_cols = rows.forward(x, True).copy(), cols.forward(x, True).copy()
    np.testing.assert_allclose(y_rows, y_cols, rtol=1e-5, atol=1e-5)
    dy = rng.standard_normal(y_rows.shape).astype(np.float32)
    dx_rows, dx_cols = rows.backward(dy.copy()).copy(), cols.backward(dy.copy()).copy()
    np.testing.assert_allclose(dx_rows, dx_cols, rtol=1e-5, atol=1e-5)
    for key in ("W", "b"):
        np.testing.assert_allclose(rows.grads[key], cols.grads[key], rtol=1e-5, atol=1e-4)


def test_relu_in_the_same_pass_equals_a_separate_relu():
    rows, _ = _pair(3, 5, 3, "same", (9, 7))
    x = np.random.default_rng(2).standard_normal((3, 3, 9, 7)).astype(np.float32)
    assert np.array_equal(rows.forward(x, relu=True), np.maximum(rows.forward(x), 0))


def test_a_batch_gives_each_image_what_it_gives_alone():
    """One image runs through im2col (faster for one), a batch by row bands."""
    rows, _ = _pair(2, 4, 3, "same", (8, 8))
    x = np.random.default_rng(3).standard_normal((5, 2, 8, 8)).astype(np.float32)
    whole = rows.forward(x)
    for i in range(5):
        np.testing.assert_allclose(rows.forward(x[i:i + 1])[0], whole[i], rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("c, f, kernel, padding, hw", CASES)
@pytest.mark.parametrize("bias", [True, False])
def test_one_image_by_wide_rows_equals_im2col(c, f, kernel, padding, hw, bias):
    """One image at inference, computed over rows as wide as the padded input and cut to the
    output's width, with and without the ReLU in the same pass."""
    rows, cols = _pair(c, f, kernel, padding, hw)
    if not bias:
        rows, cols = (Conv2D(f, kernel, padding=padding, bias=False) for _ in range(2))
        for layer in (rows, cols):
            layer.build((c,) + hw, np.random.default_rng(4))
        cols.by_rows = cols.wide_for_one = False
    rows.wide_for_one = True
    x = np.random.default_rng(5).standard_normal((1, c) + hw).astype(np.float32)
    for relu in (False, True):
        y = rows.forward(x, relu=relu)
        assert y.shape == (1, f) + tuple(rows.out_hw) and y.flags.c_contiguous
        np.testing.assert_allclose(y, cols.forward(x, relu=relu), rtol=1e-5, atol=1e-5)


def test_which_layers_take_one_image_by_wide_rows():
    def layer(kernel, padding, hw):
        conv = Conv2D(4, kernel, padding=padding)
        conv.build((2,) + hw, np.random.default_rng(0))
        return conv.wide_for_one
    assert layer(3, "same", (28, 28)) and layer(3, "same", (14, 14))     # 2 of 30 / 16 columns unused
    assert not layer(5, "same", (14, 14))                               # 4 of 18
    assert layer(5, "valid", (28, 28))                                  # 4 of 28
    strided = Conv2D(4, 3, stride=2, padding="same")
    strided.build((1, 6, 6), np.random.default_rng(0))
    assert not strided.wide_for_one


def test_only_stride_one_with_padding_below_the_kernel_runs_by_rows():
    assert rowconv.supports((3, 3), (1, 1), ((1, 1), (1, 1)))
    assert not rowconv.supports((3, 3), (2, 2), ((1, 1), (1, 1)))
    assert not rowconv.supports((3, 3), (1, 1), ((3, 0), (0, 0)))        # the input gradient's pad would be < 0
    layer = Conv2D(4, 3, padding="same")
    layer.build((1, 6, 6), np.random.default_rng(0))
    assert layer.by_rows
    strided = Conv2D(4, 3, stride=2, padding="same")
    strided.build((1, 6, 6), np.random.default_rng(0))
    assert not strided.by_rows


def test_the_weights_reorder_and_back():
    w = np.arange(2 * 3 * 4 * 5, dtype=np.float32).reshape(2, 3, 4, 5)
    assert np.array_equal(rowconv.rows_to_filters(rowconv.filter_rows(w), w.shape), w)


@pytest.mark.parametrize("preset", ["deep", "resnet-mini", "two-conv", "bn-conv"])
def test_a_whole_network_gives_the_trace_s_numbers(preset):
    """forward (fused conv + ReLU, row bands) and trace (layer by layer) agree."""
    net = Network(preset_spec(preset, (1, 12, 12), 4), seed=0)
    x = np.random.default_rng(4).random((6, 1, 12, 12)).astype(np.float32)
    np.testing.assert_allclose(net.forward(x), net.trace(x)[-2].value, rtol=1e-5, atol=1e-5)
