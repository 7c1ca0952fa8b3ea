"""The seed's toy examples computed by the engine's layers, and the output-size rule in words."""
import numpy as np
import pytest

from cnnviz.explain import filled_kernels, mission_examples, size_formula, size_formula_for, toy_convolution, toy_maxpool
from cnnviz.nn import Network, im2col

SAME = [[12, 16, 9], [24, 28, 15], [15, 17, 9]]


def test_valid_and_same_toys_give_the_seed_numbers():
    ex = mission_examples()
    assert ex["valid"].maps.tolist() == [[[12, 16], [24, 28]]]
    assert ex["valid"].padding_text == "no padding" and not ex["valid"].is_padding.any()
    same = ex["same"]
    assert same.maps.tolist() == [SAME]
    assert same.pads == ((0, 1), (0, 1))
    assert same.padding_text == "padding: 1 row at the bottom, 1 column at the right"
    assert same.is_padding[3].all() and same.is_padding[:, 3].all() and not same.is_padding[:3, :3].any()
    assert same.padded[:3, :3].tolist() == [[1, 2, 3], [4, 5, 6], [7, 8, 9]] and not same.padded[same.is_padding].any()


def test_three_filters_1_10_minus_1_scale_the_same_map():
    maps = mission_examples()["three filters"].maps
    assert maps.tolist() == [SAME, (10 * np.array(SAME)).tolist(), (-np.array(SAME)).tolist()]


def test_max_pool_toy_keeps_each_cell_and_its_winner():
    pool = mission_examples()["max-pool"]
    assert pool.output.tolist() == [[4, 3], [2, 1]]
    assert pool.winners.tolist() == [[[0, 0], [0, 1]], [[1, 0], [1, 1]]]
    assert np.isneginf(pool.padded[pool.is_padding]).all() and pool.is_padding.sum() == 5
    step = pool.step(0, 1)
    assert step.winner == (0, 1) and step.result == 3 and step.count == 2


def test_toy_im2col_rows_are_windows_and_times_the_kernel_give_the_map():
    toy = mission_examples()["same"]
    assert toy.im2col.shape == (9, 4)
    assert toy.im2col[0].tolist() == [1, 2, 4, 5] and toy.im2col[8].tolist() == [9, 0, 0, 0]
    assert toy.rows[8] == (2, 2) and toy.columns == ((0, 0), (0, 1), (1, 0), (1, 1))
    assert np.array_equal(toy.im2col, im2col(toy.image[None, None], 2, 1, "same"))
    assert (toy.im2col @ toy.kernels[0].ravel()).reshape(3, 3).tolist() == SAME


def test_toy_steps_are_the_engine_numbers():
    toy = mission_examples()["three filters"]
    step = toy.step(1, 2, 2)
    assert step.patch[0].tolist() == [[9, 0], [0, 0]] and step.padding.tolist() == [[False, True], [True, True]]
    assert step.kernel[0].tolist() == [[10, 10], [10, 10]]
    assert step.products_sum == 90 and step.result == 90 and step.rounding.difference == 0


def test_student_grids_even_kernels_strides_and_bad_input():
    toy = toy_convolution(np.arange(16).reshape(4, 4), [[[1, 0], [0, -1]]], padding="valid", stride=2)
    assert toy.maps.tolist() == [[[-5, -5], [-5, -5]]] and toy.im2col.shape == (4, 4)
    assert toy.size.rows.text == "OH = (4 + 2·0 − 2)/2 + 1 = 2"
    assert filled_kernels([2, -1], (1, 3)).shape == (2, 1, 3)
    with pytest.raises(ValueError, match="finite"):
        toy_convolution([[1, np.nan], [1, 1]])
    with pytest.raises(ValueError, match="2-D grid"):
        toy_convolution([1, 2, 3])
    with pytest.raises(ValueError, match="at most"):
        toy_convolution(np.zeros((40, 3)))
    with pytest.raises(ValueError, match="does not fit"):
        toy_convolution([[1, 2], [3, 4]], [np.ones((3, 3))])
    with pytest.raises(ValueError, match="not a whole number"):
        toy_convolution(np.ones((4, 4)), [np.ones((2, 2))], stride=3)
    with pytest.raises(ValueError, match="grid of numbers"):
        toy_maxpool([["a", "b"]])


def test_size_formula_with_the_layers_numbers():
    net = Network({"input_shape": [1, 28, 28], "layers": [
        {"type": "conv", "name": "conv1", "filters": 2, "kernel": 5},
        {"type": "maxpool", "name": "pool", "kernel": 3, "stride": 2, "rounding": "floor"},
        {"type": "flatten"}, {"type": "dense", "units": 2}]})
    f = size_formula(net.layer("conv1"))
    assert f.rows.text == "OH = (28 + 2·0 − 5)/1 + 1 = 24" and f.cols.text.startswith("OW = ")
    assert f.possible and f.out_hw == (24, 24) and f.statement == "Output 24x24 per map."
    p = size_formula(net.layer("pool"))
    assert p.rows.result == 11 and p.rows.unused == 1
    assert "= 11.5, not a whole number: floored to 11 (the last 1 rows" in p.rows.text


def test_size_formula_for_a_setting_says_when_it_is_impossible():
    alex = size_formula_for((224, 224), 11, 4, 3)
    assert not alex.possible and alex.out_hw is None
    assert alex.rows.text == "OH = (224 + 2·3 − 11)/4 + 1 = 55.75, not a whole number: no layer can have this size"
    assert "impossible" in alex.statement
    floored = size_formula_for((224, 224), 11, 4, 3, rounding="floor")
    assert floored.possible and floored.out_hw == (55, 55)
    same = size_formula_for((28, 27), 5, 2, "same")
    assert same.out_hw == (14, 14) and "bottom and the right" in same.statement
    assert same.cols.text == "OW = (27 + 2·2 − 5)/2 + 1 = 14"
    huge = size_formula_for((3, 3), 5)
    assert not huge.possible and "does not fit in 3 cells" in huge.rows.text
    with pytest.raises(ValueError, match="padding"):
        size_formula_for((8, 8), 3, 1, "sideways")
