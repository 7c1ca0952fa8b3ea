"""KernelPlayground: kernels applied to real images, editing, colours, hover readout."""
import gzip

import numpy as np
import pytest
from PyQt5.QtCore import QPointF
from PyQt5.QtWidgets import QApplication

from cnnviz.gui.widgets import colormaps as cm
from cnnviz.gui.views.kernels import CUSTOM, CUSTOM_TEXT, MAX_SIDE, KernelPlayground
from cnnviz.gui.widgets.demoimage import demo_image
from cnnviz.kernels import KERNELS, apply_kernel, as_image, kernel_to_text
from cnnviz.preprocess import to_gray


def mnist_digit(datasets, index=0) -> np.ndarray:
    with gzip.open(datasets / "mnist" / "t10k-images-idx3-ubyte.gz") as f:
        data = np.frombuffer(f.read(), np.uint8, offset=16)
    return data.reshape(-1, 28, 28)[index]


def playground(qtbot, size=(700, 350)) -> KernelPlayground:
    w = KernelPlayground()
    qtbot.addWidget(w)
    w.resize(*size)
    w.show()
    qtbot.waitExposed(w)
    return w


def hover(w, item, x, y):
    QApplication.processEvents()
    w.plot_widget.scene().sigMouseMoved.emit(item.mapToScene(QPointF(x + 0.5, y + 0.5)))


def test_starts_with_a_demo_picture_and_sharpen(qtbot):
    w = playground(qtbot)
    demo = demo_image()
    assert demo.dtype == np.uint8 and demo.shape == (160, 160, 3)
    assert w.kernel_name == "sharpen" and w.kernel_box.currentText() == "sharpen"
    assert w.kernel_edit.toPlainText() == kernel_to_text(KERNELS["sharpen"].weights)
    assert w.explanation.text() == KERNELS["sharpen"].description
    np.testing.assert_array_equal(w.source, as_image(demo))
    np.testing.assert_array_equal(w.output, apply_kernel(w.source, KERNELS["sharpen"].weights))
    assert w.output_item.image.shape == (160, 160, 3)          # true colour
    assert not w.colorbar.isVisible()


def test_every_kernel_on_an_mnist_digit(qtbot, shared_datasets):
    w = playground(qtbot)
    digit = mnist_digit(shared_datasets)
    w.set_image(digit)
    src = digit.astype(np.float32) / 255
    np.testing.assert_allclose(w.source, src, rtol=1e-6)
    np.testing.assert_allclose(w.input_item.image, src, rtol=1e-6)
    assert w.images_label.text().startswith("input 28x28")
    for name, entry in KERNELS.items():
        w.set_kernel(name)
        assert w.kernel_box.currentText() == name and w.explanation.text() == entry.description
        expected = apply_kernel(src, entry.weights)
        np.testing.assert_allclose(w.output, expected, rtol=1e-6, atol=1e-6)
        shown = w.output_item
        assert w.signed == entry.signed and w.colorbar.isVisible() == entry.signed
        if entry.signed:
            lo, hi = shown.levels
            inner = expected[1:-1, 1:-1]                           # levels ignore the padding ring
            assert lo == -hi and hi == pytest.approx(cm.nice_ceil(np.abs(inner).max()))
            assert w.colorbar.levels() == pytest.approx((lo, hi))
            np.testing.assert_array_equal(shown.lut, cm.SIGNED_ACTIVATION.getLookupTable(nPts=256))
            np.testing.assert_array_equal(shown.image, expected)
        else:
            assert tuple(shown.levels) == (0.0, 1.0)
            np.testing.assert_array_equal(shown.image, np.clip(expected, 0, 1))
            np.testing.assert_array_equal(shown.lut, cm.INPUT.getLookupTable(nPts=256))
    w.set_kernel("sharpen")
    assert "clipped to 0..1" in w.images_label.text()          # sharpen overshoots on the digit's edges
    w.set_kernel("identity")
    assert "clipped" not in w.images_label.text()


def test_colour_image_blur_in_colour_and_edges_on_grey(qtbot):
    w = playground(qtbot, (400, 260))
    rgb = np.zeros((40, 60, 3), np.uint8)
    rgb[10:30, 20:40] = (200, 40, 10)
    w.set_image(rgb)
    src = as_image(rgb)
    w.set_kernel("Gaussian blur 5x5")
    assert w.output.shape == (40, 60, 3) and w.output_item.image.shape == (40, 60, 3)
    np.testing.assert_allclose(w.output, apply_kernel(src, KERNELS["Gaussian blur 5x5"].weights), atol=1e-6)
    assert w.output_item.lut is None
    w.set_kernel("Sobel x")
    assert w.output.shape == (40, 60)
    np.testing.assert_allclose(w.output, apply_kernel(to_gray(src), KERNELS["Sobel x"].weights), atol=1e-6)
    assert "grey image" in w.images_label.text()
    assert w.output[20, 19] > 0 and w.output[20, 40] < 0     # brighter to the right of col 19, darker at 40


def test_large_images_are_shrunk_and_odd_inputs_accepted(qtbot):
    w = playground(qtbot)
    w.set_image(np.full((600, 300, 3), 128, np.uint8))
    assert w.source.shape == (MAX_SIDE, MAX_SIDE // 2, 3)
    np.testing.assert_allclose(w.source, 128 / 255, rtol=1e-5)
    w.set_image(np.linspace(0, 1, 50 * 20, dtype=np.float64).reshape(50, 20))
    assert w.source.shape == (50, 20) and w.source.dtype == np.float32
    rgba = np.zeros((10, 10, 4), np.uint8)                    # fully transparent: white paper
    w.set_image(rgba)
    np.testing.assert_array_equal(w.source, 1.0)
    with pytest.raises(ValueError):
        w.set_image(np.zeros((4, 4, 5), np.uint8))
    with pytest.raises(ValueError):
        w.set_image(np.full((4, 4), 3.0))


def test_editing_the_numbers_makes_a_custom_kernel_or_finds_a_known_one(qtbot):
    w = playground(qtbot)
    img = np.zeros((12, 12), np.float32)
    img[4:8, 4:8] = 1.0
    w.set_image(img)
    w.set_kernel_text("0 0 0; 0 2 0; 0 0 0")
    assert w.kernel_name == CUSTOM and w.kernel_box.currentText() == CUSTOM
    assert w.explanation.text() == CUSTOM_TEXT
    np.testing.assert_array_equal(w.output, 2 * img)
    assert not w.error_label.isVisible()
    w.set_kernel_text("0 1 0\n1 -4 1\n0 1 0")                  # typed by hand: recognised
    assert w.kernel_name == "edge (Laplacian)" and w.kernel_box.currentText() == "edge (Laplacian)"
    assert w.signed and w.colorbar.isVisible()
    # picking "custom" in the menu keeps the numbers
    w.kernel_box.activated[str].emit(CUSTOM)
    assert w.kernel_name == CUSTOM
    np.testing.assert_array_equal(w.kernel, KERNELS["edge (Laplacian)"].weights)
    assert w.kernel_edit.toPlainText() == "0 1 0\n1 -4 1\n0 1 0"
    # a 5x5 custom kernel: the hover window grows with it
    w.set_kernel_text("1/25 * " + "; ".join(["1 1 1 1 1"] * 5))
    assert w.kernel.shape == (5, 5) and not w.signed
    np.testing.assert_allclose(w.output, apply_kernel(img, np.full((5, 5), 1 / 25)), atol=1e-6)


def test_a_typing_error_is_shown_and_the_last_good_kernel_kept(qtbot):
    w = playground(qtbot)
    w.set_kernel("emboss")
    before = w.output.copy()
    w.set_kernel_text("1 2 3; 4 5")
    assert w.error_label.isVisible() and not w.explanation.isVisible()     # in its place
    assert "row 2 has 2 numbers but row 1 has 3" in w.error_label.text()
    assert w.kernel_name == "emboss"
    np.testing.assert_array_equal(w.kernel, KERNELS["emboss"].weights)
    np.testing.assert_array_equal(w.output, before)
    w.set_kernel_text("1 2; 3 4")
    assert "odd size" in w.error_label.text()
    w.set_kernel("emboss")                                    # choosing it again restores its numbers
    assert not w.error_label.isVisible() and w.explanation.isVisible()
    assert w.kernel_edit.toPlainText() == kernel_to_text(KERNELS["emboss"].weights)
    with pytest.raises(ValueError):
        w.set_kernel("no such kernel")


def test_border_choice(qtbot):
    w = playground(qtbot)
    img = np.full((10, 10), 0.5, np.float32)
    img[:, 5:] = 1.0
    w.set_image(img)
    w.set_kernel("Sobel x")
    assert w.border == "zero" and w.border_box.currentData() == "zero"
    assert w.output[5, 9] == -4.0                             # the bright right edge meets the zeros
    assert tuple(w.output_item.levels) == (-2.0, 2.0)         # levels from the inside: the step 0.5 -> 1
    w.set_border("edge")
    assert w.border_box.currentData() == "edge"
    np.testing.assert_array_equal(w.output, apply_kernel(img, KERNELS["Sobel x"].weights, "edge"))
    assert w.output[5, 9] == 0.0 and tuple(w.output_item.levels) == (-2.0, 2.0)
    w.border_box.setCurrentIndex(w.border_box.findData("zero"))
    assert w.border == "zero" and w.output[5, 9] == -4.0
    with pytest.raises(ValueError):
        w.set_border("wrap")


def test_hover_outlines_the_window_and_reads_values(qtbot):
    w = playground(qtbot)
    img = np.zeros((9, 11), np.float32)
    img[4, 5] = 1.0
    w.set_image(img)
    w.set_kernel("sharpen")
    hover(w, w.output_item, 5, 4)
    assert w.readout.text().startswith("row 4, col 5 · input 1 · output 5 = Σ weight × input in the 3x3 box")
    assert w.window_box.isVisible() and w.window_box.rect() == w.window_box.rect().__class__(4, 3, 3, 3)
    assert (w.out_box.rect().x(), w.out_box.rect().y()) == (5, 4)
    hover(w, w.input_item, 6, 4)                              # the right neighbour: -1 from the centre
    assert w.readout.text().startswith("row 4, col 6 · input 0 · output -1 ")
    w.set_image(np.zeros((5, 5, 3), np.uint8))                # a new size clears the hover
    assert not w.window_box.isVisible() and w.readout.text().startswith("hover")
    rgb = np.zeros((6, 6, 3), np.float32)
    rgb[2, 3] = (1.0, 0.5, 0.0)
    w.set_image(rgb)
    w.set_kernel("identity")
    hover(w, w.input_item, 3, 2)
    assert "input (1, 0.5, 0) · output (1, 0.5, 0)" in w.readout.text()
    w.set_kernel("edge (Laplacian, 8 neighbours)")             # signed on colour: the grey value is read
    hover(w, w.input_item, 3, 2)
    grey = float(to_gray(rgb)[2, 3])                           # 0.299 * 1 + 0.587 * 0.5
    assert f"(grey {grey:.3g}) · output {8 * grey:.3g}" in w.readout.text()
