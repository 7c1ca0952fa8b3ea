"""The toy convolutions whose numbers must come out exactly, im2col shapes, shape arithmetic."""
import numpy as np
import pytest

from cnnviz.nn import Conv2D, MaxPool2D, Network, ShapeError, conv2d_fft, im2col, col2im, output_size

IMG = np.array([[1, 2, 3], [4, 5, 6], [7, 8, 9]], np.float32)[None, None]


def ones_filters(values, padding, stride=1):
    conv = Conv2D(len(values), 2, stride, padding, name="c")
    conv.build((1, 3, 3), np.random.default_rng(0))
    conv.params["W"][:] = np.asarray(values, np.float32)[:, None, None, None]
    return conv


def test_valid_convolution_of_ones_filter():
    out = ones_filters([1], "valid").forward(IMG)
    assert out.shape == (1, 1, 2, 2)
    assert np.array_equal(out[0, 0], [[12, 16], [24, 28]])


def test_same_convolution_pads_bottom_and_right():
    conv = ones_filters([1], "same")
    assert conv.pads == ((0, 1), (0, 1))
    out = conv.forward(IMG)
    assert np.array_equal(out[0, 0], [[12, 16, 9], [24, 28, 15], [15, 17, 9]])


def test_three_filters_give_scaled_maps():
    out = ones_filters([1, 10, -1], "same").forward(IMG)[0]
    same = np.array([[12, 16, 9], [24, 28, 15], [15, 17, 9]], np.float32)
    assert np.array_equal(out[0], same)
    assert np.array_equal(out[1], 10 * same)
    assert np.array_equal(out[2], -same)


def test_max_pool_same_stride_one():
    pool = MaxPool2D(2, 1, "same", name="p")
    pool.build((1, 2, 2), None)
    out = pool.forward(np.array([[4, 3], [2, 1]], np.float32)[None, None])
    assert np.array_equal(out[0, 0], [[4, 3], [2, 1]])


def drawn_seven() -> np.ndarray:
    """A synthetic 28x28 "7" in [0, 1]: a top bar and a slanted stroke, on black."""
    img = np.zeros((28, 28), np.float32)
    img[6:9, 6:22] = 1.0
    for r in range(8, 24):
        c = 21 - (r - 8) // 2
        img[r, c - 1:c + 2] = 1.0
    return img


def five_filters_then_pool(digit: np.ndarray):
    """The toy example: a digit through 5 random 3x3 filters, stride 2, SAME, then
    max-pool 2x2 stride 2 SAME. Checked against the windows written out directly."""
    net = Network({"input_shape": [1, 28, 28], "layers": [
        {"type": "conv", "name": "conv", "filters": 5, "kernel": 3, "stride": 2, "padding": "same"},
        {"type": "maxpool", "name": "pool", "kernel": 2, "stride": 2, "padding": "same"},
        {"type": "flatten"}, {"type": "dense", "units": 10}]}, seed=1)
    conv = net.layer("conv")
    conv.params["b"][:] = np.random.default_rng(2).standard_normal(5)
    trace = {t.name: t for t in net.trace(digit[None, None])}
    maps, pooled = trace["conv"].value[0], trace["pool"].value[0]
    assert maps.shape == (5, 14, 14) and pooled.shape == (5, 7, 7)
    # SAME at stride 2: (28 - 1) // 2 * 2 + 3 - 28 = 1 pixel of padding, at the bottom and right.
    padded = np.pad(digit, ((0, 1), (0, 1)))
    windows = np.lib.stride_tricks.sliding_window_view(padded, (3, 3))[::2, ::2]      # 14 14 3 3
    w, b = conv.params["W"][:, 0], conv.params["b"]
    np.testing.assert_allclose(maps, np.einsum("hwij,fij->fhw", windows, w) + b[:, None, None],
                               rtol=1e-5, atol=1e-5)
    # Where a window sees only background the map is exactly the bias; on the strokes it is not.
    blank = windows.reshape(14, 14, -1).max(axis=-1) == 0
    assert blank.any() and (~blank).any()
    assert np.array_equal(maps[:, blank], np.broadcast_to(b[:, None], (5, int(blank.sum()))))
    assert np.all(np.abs(maps[:, ~blank] - b[:, None]).max(axis=1) > 0)
    np.testing.assert_array_equal(pooled, maps.reshape(5, 7, 2, 7, 2).max(axis=(2, 4)))


def test_drawn_digit_through_five_random_filters_stride_two():
    five_filters_then_pool(drawn_seven())


def test_mnist_digit_through_five_random_filters_stride_two(shared_datasets):
    from cnnviz.data.idx import read_idx_images
    images = read_idx_images(shared_datasets / "mnist" / "t10k-images-idx3-ubyte.gz")
    five_filters_then_pool(images[0].astype(np.float32) / 255)       # the test set's first digit, a 7


def test_im2col_shapes_from_the_textbook():
    assert im2col(np.zeros((1, 3, 7, 7), np.float32), 5).shape == (9, 75)
    assert im2col(np.zeros((10, 3, 7, 7), np.float32), 5).shape == (90, 75)


def test_im2col_rows_are_windows_and_col2im_is_its_adjoint():
    rng = np.random.default_rng(0)
    x = rng.standard_normal((2, 3, 7, 7))
    cols = im2col(x, 3, stride=2, padding=1)
    xp = np.pad(x, ((0, 0), (0, 0), (1, 1), (1, 1)))
    assert cols.shape == (2 * 4 * 4, 27)
    # Image 1, output position (1, 2): the window at row 2, column 4 of the padded image.
    assert np.array_equal(cols[16 + 1 * 4 + 2], xp[1, :, 2:5, 4:7].reshape(-1))
    c = rng.standard_normal(cols.shape)
    # <im2col(x), c> == <x, col2im(c)>
    assert np.isclose(np.sum(cols * c), np.sum(x * col2im(c, x.shape, 3, stride=2, padding=1)))


def test_output_size_rule_and_alexnet_floor():
    assert output_size(28, 5, 1, 0) == 24
    assert output_size(224, 11, 4, 6, rounding="floor") == 55
    assert output_size(55, 3, 2, 0) == 27
    with pytest.raises(ShapeError, match=r"224 \+ 6 padding - kernel 11\) / stride 4 \+ 1 = 55.75"):
        output_size(224, 11, 4, 6)


def test_network_refuses_impossible_shape_naming_the_layer():
    spec = {"input_shape": [3, 224, 224], "layers": [
        {"type": "conv", "name": "alex1", "filters": 96, "kernel": 11, "stride": 4, "padding": 3},
        {"type": "flatten"}, {"type": "dense", "units": 10}]}
    with pytest.raises(ShapeError, match="alex1.*55.75"):
        Network(spec)
    spec["layers"][0]["rounding"] = "floor"
    spec["layers"].insert(1, {"type": "maxpool", "name": "pool1", "kernel": 3, "stride": 2})
    net = Network(spec)
    assert net.layers[0].out_shape == (96, 55, 55)
    assert net.layers[1].out_shape == (96, 27, 27)


def test_fft_convolution_equals_im2col():
    rng = np.random.default_rng(2)
    x = rng.standard_normal((3, 2, 11, 9)).astype(np.float32)
    for mode in ("full", "valid"):
        direct = Conv2D(4, (3, 4), 1, mode, name="d")
        direct.build((2, 11, 9), rng)
        direct.params["b"][:] = rng.standard_normal(4)
        via_fft = conv2d_fft(x, direct.params["W"], direct.params["b"], mode)
        expected_hw = (13, 12) if mode == "full" else (9, 6)
        assert via_fft.shape == (3, 4) + expected_hw
        np.testing.assert_allclose(via_fft, direct.forward(x), rtol=1e-4, atol=1e-4)


@pytest.mark.parametrize("mode, channels", [("full", 1), ("valid", 1), ("full", 8), ("valid", 8)])
def test_fft_layer_trains_like_the_im2col_layer_in_float32(mode, channels):
    rng = np.random.default_rng(3)
    x = rng.standard_normal((4, channels, 10, 9)).astype(np.float32)
    layers = []
    for method in ("im2col", "fft"):
        conv = Conv2D(5, 3, 1, mode, name="c", method=method)
        conv.build((channels, 10, 9), np.random.default_rng(0))
        layers.append(conv)
    im2col_layer, fft_layer = layers
    y = fft_layer.forward(x, train=True)
    assert y.dtype == np.float32            # no float64 leaks out of the FFT path
    np.testing.assert_allclose(y, im2col_layer.forward(x, train=True), rtol=1e-4, atol=1e-4)
    dy = rng.standard_normal(y.shape).astype(np.float32)
    dx_fft, dx_cols = fft_layer.backward(dy.copy()), im2col_layer.backward(dy.copy())
    assert dx_fft.dtype == np.float32 and fft_layer.grads["W"].dtype == np.float32
    np.testing.assert_allclose(dx_fft, dx_cols, rtol=1e-4, atol=1e-4)
    for key in ("W", "b"):
        np.testing.assert_allclose(fft_layer.grads[key], im2col_layer.grads[key], rtol=1e-4, atol=1e-3)


def test_two_3x3_convs_see_a_5x5_field_with_18_weights():
    two = Network({"input_shape": [1, 9, 9], "layers": [
        {"type": "conv", "filters": 1, "kernel": 3}, {"type": "conv", "filters": 1, "kernel": 3},
        {"type": "flatten"}, {"type": "dense", "units": 2}]})
    one = Network({"input_shape": [1, 9, 9], "layers": [
        {"type": "conv", "filters": 1, "kernel": 5}, {"type": "flatten"}, {"type": "dense", "units": 2}]})
    assert two.layers[1].out_shape == one.layers[0].out_shape == (1, 5, 5)
    assert two.layers[0].params["W"].size + two.layers[1].params["W"].size == 18
    assert one.layers[0].params["W"].size == 25
    # Output (0, 0) of the stack depends on exactly the top-left 5x5 input patch.
    x = np.zeros((1, 1, 9, 9), np.float32)
    base = two.trace(x)[2].value[0, 0, 0, 0]
    touched = []
    for i in range(9):
        for j in range(9):
            x[0, 0, i, j] = 1.0
            if two.trace(x)[2].value[0, 0, 0, 0] != base:
                touched.append((i, j))
            x[0, 0, i, j] = 0.0
    assert max(i for i, _ in touched) == 4 and max(j for _, j in touched) == 4
