"""Augmentation: per-image affine maps and stroke thickness, vectorised and reproducible."""
import numpy as np
import pytest

from cnnviz.augment import AugmentError, AugmentParams, Augmenter, affine_bilinear, change_thickness


def digit_batch(n=8, size=28, seed=0):
    """Blocky strokes well inside the frame, so small distortions keep all the ink."""
    rng = np.random.default_rng(seed)
    batch = np.zeros((n, 1, size, size), np.float32)
    for i in range(n):
        top, left = rng.integers(8, 12, 2)
        batch[i, 0, top:top + 8, left:left + 3] = 1.0
        batch[i, 0, top + 6:top + 8, left:left + 7] = 0.8
    return batch


def centres_of_mass(batch):
    ys, xs = np.indices(batch.shape[2:])
    mass = batch.sum(axis=(1, 2, 3))
    return np.stack([(batch * ys).sum(axis=(1, 2, 3)) / mass, (batch * xs).sum(axis=(1, 2, 3)) / mass], 1)


def fixed_params(n, shift=(0, 0), angle=0.0, scale=1.0, thickness=0.0):
    return AugmentParams(shift=np.tile(np.float32(shift), (n, 1)), angle=np.full(n, angle, np.float32),
                         scale=np.full(n, scale, np.float32), thickness=np.full(n, thickness, np.float32))


@pytest.mark.parametrize("shape, border", [((10, 1, 28, 28), "zero"), ((6, 3, 32, 32), "edge")])
def test_shape_and_dtype_kept_and_input_untouched(shape, border):
    batch = np.random.default_rng(1).random(shape)                 # float64 in, float32 out
    before = batch.copy()
    out = Augmenter(seed=0, border=border)(batch)
    assert out.shape == shape and out.dtype == np.float32
    np.testing.assert_array_equal(batch, before)
    assert not np.allclose(out, batch)
    assert out.min() >= 0 and out.max() <= 1 + 1e-6


def test_same_seed_same_output_and_different_seed_differs():
    batch = digit_batch()
    first = Augmenter(seed=42)(batch)
    np.testing.assert_array_equal(first, Augmenter(seed=42)(batch))
    assert not np.allclose(first, Augmenter(seed=43)(batch))
    generator_driven = Augmenter(rng=np.random.default_rng(42))(batch)
    np.testing.assert_array_equal(first, generator_driven)


def test_call_is_draw_then_apply():
    batch = digit_batch()
    drawer = Augmenter(seed=5)
    params = drawer.draw(len(batch))
    np.testing.assert_array_equal(Augmenter(seed=5)(batch), drawer.apply(batch, params))


def test_zero_parameters_are_the_identity():
    batch = np.random.default_rng(2).random((5, 3, 9, 12)).astype(np.float32)
    identity = Augmenter(shift=0, rotate=0, scale=(1, 1), thickness=False, seed=0)
    np.testing.assert_array_equal(identity(batch), batch)
    np.testing.assert_array_equal(identity(digit_batch()), digit_batch())


def test_shift_moves_centre_of_mass_by_the_shift():
    batch = digit_batch(n=20)
    shifter = Augmenter(shift=3.0, rotate=0, scale=(1, 1), thickness=False, seed=9)
    params = shifter.draw(len(batch))
    moved = shifter.apply(batch, params)
    np.testing.assert_allclose(moved.sum(axis=(1, 2, 3)), batch.sum(axis=(1, 2, 3)), rtol=1e-5)
    displacement = centres_of_mass(moved) - centres_of_mass(batch)
    np.testing.assert_allclose(displacement, params.shift, atol=1e-3)
    assert np.abs(params.shift).max() > 1                          # the test moved something


def test_rotation_is_counter_clockwise_and_scale_is_about_the_centre():
    dot = np.zeros((2, 1, 29, 29), np.float32)
    dot[:, 0, 14, 19] = 1.0                                        # 5 px right of the centre
    out = affine_bilinear(dot, np.zeros((2, 2)), np.array([90.0, 0.0]), np.array([1.0, 2.0]))
    assert np.unravel_index(out[0, 0].argmax(), (29, 29)) == (9, 14)   # now 5 px above
    assert out[0, 0, 9, 14] == pytest.approx(1.0, abs=1e-5)
    assert centres_of_mass(out[1:])[0] == pytest.approx([14, 24], abs=1e-4)   # 10 px right


def test_subpixel_shift_is_bilinear():
    dot = np.zeros((1, 1, 10, 10), np.float32)
    dot[0, 0, 4, 4] = 1.0
    out = affine_bilinear(dot, np.array([[0.5, 0.25]]), np.zeros(1), np.ones(1))[0, 0]
    assert out[4, 4] == pytest.approx(0.5 * 0.75) and out[5, 5] == pytest.approx(0.5 * 0.25)
    assert out[4, 5] == pytest.approx(0.5 * 0.25) and out[5, 4] == pytest.approx(0.5 * 0.75)


def test_borders_zero_fill_or_repeat_the_edge():
    flat = np.full((1, 1, 16, 16), 0.6, np.float32)
    tilted = fixed_params(1, angle=30.0)
    zero = Augmenter(border="zero").apply(flat, tilted)
    edge = Augmenter(border="edge").apply(flat, tilted)
    assert zero[0, 0, 0, 0] == 0 and zero[0, 0, 8, 8] == pytest.approx(0.6)
    np.testing.assert_allclose(edge, flat, atol=1e-6)


def brute_force_max_filter(batch):
    padded = np.pad(batch, ((0, 0), (0, 0), (1, 1), (1, 1)), constant_values=-np.inf)
    h, w = batch.shape[2:]
    return np.max([padded[:, :, dy:dy + h, dx:dx + w] for dy in range(3) for dx in range(3)], axis=0)


def test_thickness_blends_dilation_and_erosion():
    batch = np.random.default_rng(3).random((4, 1, 12, 12)).astype(np.float32)
    dilated = brute_force_max_filter(batch)
    eroded = -brute_force_max_filter(-batch)
    amount = np.array([1.0, 0.5, -1.0, -0.25], np.float32)
    out = change_thickness(batch, amount)
    np.testing.assert_allclose(out[0], dilated[0], atol=1e-6)
    np.testing.assert_allclose(out[1], 0.5 * batch[1] + 0.5 * dilated[1], atol=1e-6)
    np.testing.assert_allclose(out[2], eroded[2], atol=1e-6)
    np.testing.assert_allclose(out[3], 0.75 * batch[3] + 0.25 * eroded[3], atol=1e-6)


def test_thicker_strokes_hold_more_ink():
    batch = digit_batch()
    augmenter = Augmenter()
    thicker = augmenter.apply(batch, fixed_params(len(batch), thickness=0.8))
    thinner = augmenter.apply(batch, fixed_params(len(batch), thickness=-0.5))
    ink = batch.sum(axis=(1, 2, 3))
    assert np.all(thicker.sum(axis=(1, 2, 3)) > ink * 1.3)
    assert np.all(thinner.sum(axis=(1, 2, 3)) < ink * 0.9)


def test_colour_batches_skip_the_thickness_change():
    batch = np.random.default_rng(4).random((3, 3, 10, 10)).astype(np.float32)
    augmenter = Augmenter()
    with_thickness = augmenter.apply(batch, fixed_params(3, shift=(1.0, -0.5), thickness=1.0))
    without = augmenter.apply(batch, fixed_params(3, shift=(1.0, -0.5)))
    np.testing.assert_array_equal(with_thickness, without)


def test_large_batches_are_processed_in_chunks_consistently():
    batch = np.random.default_rng(6).random((130, 1, 28, 28)).astype(np.float32)
    augmenter = Augmenter(seed=1)
    params = augmenter.draw(130)
    whole = augmenter.apply(batch, params)
    part = AugmentParams(*(values[100:] for values in (params.shift, params.angle, params.scale,
                                                       params.thickness)))
    np.testing.assert_allclose(whole[100:], augmenter.apply(batch[100:], part), atol=1e-6)


@pytest.mark.parametrize("settings, message", [
    ({"shift": -1}, ">= 0"),
    ({"scale": (1.2, 0.8)}, "scale"),
    ({"thickness": (-2, 0)}, "thickness"),
    ({"border": "wrap"}, "border"),
    ({"seed": 1, "rng": np.random.default_rng(1)}, "not both"),
])
def test_bad_settings_raise(settings, message):
    with pytest.raises(AugmentError, match=message):
        Augmenter(**settings)


@pytest.mark.parametrize("batch, message", [
    (np.zeros((28, 28), np.float32), "shape"),
    (np.zeros((2, 1, 28, 28), np.uint8), "float"),
])
def test_bad_batches_raise(batch, message):
    with pytest.raises(AugmentError, match=message):
        Augmenter()(batch)


def test_params_for_another_batch_size_raise():
    augmenter = Augmenter(seed=0)
    with pytest.raises(AugmentError, match="batch size"):
        augmenter.apply(digit_batch(n=4), augmenter.draw(3))


def test_a_batch_shared_out_over_threads_gets_the_same_distortions(monkeypatch):
    from cnnviz.nn import parallel
    x = np.random.default_rng(7).random((150, 1, 28, 28)).astype(np.float32)
    monkeypatch.setattr(parallel, "MIN_WORK", 1 << 62)
    whole = Augmenter(seed=3)(x)
    monkeypatch.setenv("CNNVIZ_THREADS", "2")
    monkeypatch.setattr(parallel, "MIN_WORK", 0)
    np.testing.assert_array_equal(Augmenter(seed=3)(x), whole)
