"""Fixed kernels: the table, apply_kernel through the engine's Conv2D, and the kernel text parser."""
import numpy as np
import pytest

from cnnviz.kernels import (KERNELS, KernelTextError, apply_kernel, as_image, kernel_from_text, kernel_name,
                            kernel_to_text, output_is_signed)


def reference(image, kernel, border="zero"):
    """Direct loops, float64: out[y, x] = sum_ij k[i, j] * padded[y + i, x + j] (cross-correlation)."""
    image = np.asarray(image, np.float64)
    kernel = np.asarray(kernel, np.float64)
    planes = image[..., None] if image.ndim == 2 else image
    kh, kw = kernel.shape
    ph, pw = kh // 2, kw // 2
    mode = {"zero": "constant", "edge": "edge"}[border]
    padded = np.pad(planes, ((ph, ph), (pw, pw), (0, 0)), mode=mode)
    out = np.zeros_like(planes)
    h, w = planes.shape[:2]
    for y in range(h):
        for x in range(w):
            for i in range(kh):
                for j in range(kw):
                    out[y, x] += kernel[i, j] * padded[y + i, x + j]
    return out[..., 0] if image.ndim == 2 else out


# -- the table --------------------------------------------------------------------
def test_kernel_table_holds_the_classic_weights():
    expected = {
        "identity": [[0, 0, 0], [0, 1, 0], [0, 0, 0]],
        "sharpen": [[0, -1, 0], [-1, 5, -1], [0, -1, 0]],
        "edge (Laplacian)": [[0, 1, 0], [1, -4, 1], [0, 1, 0]],
        "edge (Laplacian, 8 neighbours)": [[-1, -1, -1], [-1, 8, -1], [-1, -1, -1]],
        "Sobel x": [[-1, 0, 1], [-2, 0, 2], [-1, 0, 1]],
        "Sobel y": [[-1, -2, -1], [0, 0, 0], [1, 2, 1]],
        "emboss": [[-2, -1, 0], [-1, 1, 1], [0, 1, 2]],
    }
    for name, weights in expected.items():
        np.testing.assert_array_equal(KERNELS[name].weights, np.array(weights, np.float32))
    np.testing.assert_array_equal(KERNELS["box blur"].weights, np.full((3, 3), np.float32(1 / 9)))
    np.testing.assert_array_equal(KERNELS["Gaussian blur 3x3"].weights * 16,
                                  [[1, 2, 1], [2, 4, 2], [1, 2, 1]])
    np.testing.assert_array_equal(KERNELS["Gaussian blur 5x5"].weights[2] * 256, [6, 24, 36, 24, 6])
    np.testing.assert_array_equal(KERNELS["Gaussian blur 5x5"].weights * 256,
                                  np.outer([1, 4, 6, 4, 1], [1, 4, 6, 4, 1]))
    for name, entry in KERNELS.items():
        assert entry.weights.dtype == np.float32 and not entry.weights.flags.writeable
        assert entry.description.lower().startswith(name.split()[0].lower().replace("edge", "laplacian"))
        assert output_is_signed(entry.weights) == entry.signed, name
        assert kernel_name(entry.weights) == name
    for name in ("box blur", "Gaussian blur 3x3", "Gaussian blur 5x5"):
        assert KERNELS[name].weights.sum() == pytest.approx(1.0, abs=1e-6)
    assert [n for n, e in KERNELS.items() if e.signed] == [
        "edge (Laplacian)", "edge (Laplacian, 8 neighbours)", "Sobel x", "Sobel y"]
    assert kernel_name(np.ones((3, 3))) is None
    assert output_is_signed(np.array([[1.0, -1.0, 0.5]])) is False
    assert output_is_signed(np.array([[-1.0]])) is True


# -- apply_kernel -------------------------------------------------------------------
def test_identity_returns_the_image_exactly():
    rng = np.random.default_rng(0)
    for shape in [(9, 13), (6, 5, 3)]:
        image = rng.random(shape, dtype=np.float32)
        for border in ("zero", "edge"):
            out = apply_kernel(image, KERNELS["identity"].weights, border)
            assert out.dtype == np.float32 and out.shape == image.shape
            np.testing.assert_array_equal(out, image)


def test_box_blur_of_a_constant_is_that_constant_away_from_the_border():
    image = np.full((6, 7), 0.6, np.float32)
    out = apply_kernel(image, KERNELS["box blur"].weights)
    np.testing.assert_allclose(out[1:-1, 1:-1], 0.6, rtol=1e-6)
    # zero padding: an edge pixel sees 6 of 9 image pixels, a corner 4 of 9
    np.testing.assert_allclose(out[0, 1:-1], 0.6 * 6 / 9, rtol=1e-6)
    np.testing.assert_allclose(out[[0, 0, -1, -1], [0, -1, 0, -1]], 0.6 * 4 / 9, rtol=1e-6)
    np.testing.assert_allclose(apply_kernel(image, KERNELS["box blur"].weights, "edge"), 0.6, rtol=1e-6)


def test_sobel_x_on_a_vertical_step_edge_gives_exact_values():
    image = np.zeros((5, 6), np.float32)
    image[:, 3:] = 1.0                       # dark left half, bright right half
    out = apply_kernel(image, KERNELS["Sobel x"].weights)
    inner = [0, 0, 4, 4, 0, -4]             # -4: the bright image meets the zero padding
    rim = [0, 0, 3, 3, 0, -3]               # top/bottom rows: one kernel row reads padding
    np.testing.assert_array_equal(out, np.array([rim, inner, inner, inner, rim], np.float32))
    np.testing.assert_array_equal(apply_kernel(image, KERNELS["Sobel x"].weights, "edge"),
                                  np.tile(np.array([0, 0, 4, 4, 0, 0], np.float32), (5, 1)))
    np.testing.assert_array_equal(apply_kernel(image, KERNELS["Sobel y"].weights, "edge"), 0)


def test_cross_correlation_is_not_flipped():
    """A 1 in the kernel's top-left corner reads the pixel up-left: the image moves down-right."""
    image = np.arange(20, dtype=np.float32).reshape(4, 5)
    kernel = np.zeros((3, 3), np.float32)
    kernel[0, 0] = 1
    out = apply_kernel(image, kernel)
    np.testing.assert_array_equal(out[1:, 1:], image[:-1, :-1])
    np.testing.assert_array_equal(out[0], 0)
    np.testing.assert_array_equal(out[:, 0], 0)


@pytest.mark.parametrize("border", ["zero", "edge"])
def test_every_kernel_matches_a_direct_loop(border):
    rng = np.random.default_rng(1)
    gray = rng.random((7, 9), dtype=np.float32)
    rgb = rng.random((6, 8, 3), dtype=np.float32)
    kernels = [e.weights for e in KERNELS.values()]
    kernels += [rng.normal(size=(5, 5)).astype(np.float32), rng.normal(size=(7, 7)).astype(np.float32),
                np.array([[2.5]], np.float32)]
    for kernel in kernels:
        for image in (gray, rgb):
            np.testing.assert_allclose(apply_kernel(image, kernel, border), reference(image, kernel, border),
                                       rtol=1e-5, atol=1e-5)


def test_rgb_channels_are_filtered_separately():
    rng = np.random.default_rng(2)
    rgb = rng.random((8, 10, 3), dtype=np.float32)
    for name in ("Gaussian blur 5x5", "Sobel y", "emboss"):
        out = apply_kernel(rgb, KERNELS[name].weights)
        for c in range(3):
            np.testing.assert_allclose(out[..., c], apply_kernel(rgb[..., c], KERNELS[name].weights),
                                       rtol=1e-6, atol=1e-6)
    red_square = np.zeros((8, 8, 3), np.float32)
    red_square[2:6, 2:6, 0] = 1.0
    out = apply_kernel(red_square, KERNELS["edge (Laplacian)"].weights)
    assert np.abs(out[..., 0]).max() == 2.0          # a square's corner: 2 neighbours - 4 x centre
    np.testing.assert_array_equal(out[..., 1:], 0)


def test_integer_and_alpha_images_are_converted():
    u8 = np.array([[0, 51], [255, 102]], np.uint8)
    np.testing.assert_array_equal(apply_kernel(u8, KERNELS["identity"].weights), as_image(u8))
    np.testing.assert_allclose(as_image(u8), u8 / 255, rtol=1e-6)
    rgba = np.zeros((2, 2, 4), np.uint8)
    rgba[0, 0] = (255, 0, 0, 255)                     # opaque red; the rest transparent
    composited = as_image(rgba)
    assert composited.shape == (2, 2, 3)
    np.testing.assert_array_equal(composited[0, 0], [1, 0, 0])
    np.testing.assert_array_equal(composited[1, 1], [1, 1, 1])     # transparent -> white paper


def test_apply_kernel_refuses_bad_arguments():
    image = np.zeros((5, 5), np.float32)
    with pytest.raises(ValueError, match="odd sides"):
        apply_kernel(image, np.ones((2, 2)))
    with pytest.raises(ValueError, match="odd sides"):
        apply_kernel(image, np.ones((3, 3, 3)))
    with pytest.raises(ValueError, match="border"):
        apply_kernel(image, np.ones((3, 3)), border="wrap")
    with pytest.raises(ValueError, match=r"\(H, W, 3\)"):
        apply_kernel(np.zeros((5, 5, 2), np.float32), np.ones((3, 3)))
    with pytest.raises(ValueError, match="NaN"):
        apply_kernel(np.full((5, 5), np.nan, np.float32), np.ones((3, 3)))


def test_results_may_leave_0_1_and_be_chained():
    image = np.zeros((5, 5), np.float32)
    image[2, 2] = 1.0
    sharp = apply_kernel(image, KERNELS["sharpen"].weights)
    assert sharp[2, 2] == 5 and sharp[1, 2] == -1
    again = apply_kernel(sharp, KERNELS["identity"].weights)
    np.testing.assert_array_equal(again, sharp)


# -- kernel text --------------------------------------------------------------------
def test_kernel_from_text_reads_rows_fractions_and_a_factor():
    sharpen = np.array([[0, -1, 0], [-1, 5, -1], [0, -1, 0]], np.float32)
    for text in ["0 -1 0; -1 5 -1; 0 -1 0", "0,-1,0\n-1,5,-1\n0,-1,0\n", "[[0, -1, 0], [-1, 5, -1], [0, -1, 0]]",
                 "  0 \u22121 0 ;\n -1 5 -1;0 -1 0;"]:
        out = kernel_from_text(text)
        assert out.dtype == np.float32
        np.testing.assert_array_equal(out, sharpen)
    np.testing.assert_array_equal(kernel_from_text("1/16 * 1 2 1; 2 4 2; 1 2 1"), KERNELS["Gaussian blur 3x3"].weights)
    np.testing.assert_array_equal(kernel_from_text("1/9 \u00d7\n1 1 1\n1 1 1\n1 1 1"), KERNELS["box blur"].weights)
    np.testing.assert_array_equal(kernel_from_text("1/9 1/9 1/9; 1/9 1/9 1/9; 1/9 1/9 1/9"),
                                  KERNELS["box blur"].weights)
    np.testing.assert_array_equal(kernel_from_text("2 x 0.5"), [[1.0]])
    np.testing.assert_array_equal(kernel_from_text("1e-1 0 .5; 0 0 0; -2. 0 0")[[0, 0, 2], [0, 2, 0]],
                                  np.float32([0.1, 0.5, -2]))
    assert kernel_from_text("; ".join(["1 2 3 4 5 6 7"] * 7)).shape == (7, 7)


def test_kernel_to_text_round_trips_every_kernel():
    assert kernel_to_text(KERNELS["Gaussian blur 3x3"].weights) == "1/16 *\n1 2 1\n2 4 2\n1 2 1"
    assert kernel_to_text(KERNELS["sharpen"].weights) == " 0 -1  0\n-1  5 -1\n 0 -1  0"
    assert kernel_to_text(KERNELS["Gaussian blur 5x5"].weights).startswith("1/256 *\n 1  4  6  4  1\n")
    for entry in KERNELS.values():
        np.testing.assert_array_equal(kernel_from_text(kernel_to_text(entry.weights)), entry.weights)
    odd = np.array([[0.123456, -2], [1e-3, 3]], np.float32)
    assert kernel_to_text(odd) == "0.1235     -2\n 0.001      3"


@pytest.mark.parametrize("text, message", [
    ("", "empty"),
    ("  ;\n ", "empty"),
    ("1 2 a; 1 2 3; 1 2 3", "row 1: 'a' is not a number"),
    ("1 2 3; 4 5; 6 7 8", "row 2 has 2 numbers but row 1 has 3"),
    ("1 2 3; 4 5 6", "2 rows of 3 numbers: the kernel must be square"),
    ("1 2 3", "1 row of 3 numbers"),
    ("1 2; 3 4", "2x2: use an odd size"),
    ("; ".join(["1 1 1 1 1 1 1 1 1"] * 9), "at most 7x7"),
    ("1 1/0 1; 1 1 1; 1 1 1", "divides by zero"),
    ("* 1 1 1; 1 1 1; 1 1 1", "needs a number before it"),
    ("1 2 * 1", "factor: '1 2' is not a number"),
    ("1e39 0 0; 0 0 0; 0 0 0", "too large"),
])
def test_kernel_from_text_errors_say_what_is_wrong(text, message):
    with pytest.raises(KernelTextError, match=message.replace("*", r"\*").replace("(", r"\(")):
        kernel_from_text(text)
    assert issubclass(KernelTextError, ValueError)
