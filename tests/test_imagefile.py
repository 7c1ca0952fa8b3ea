"""Image files through QImage: formats written with Qt read back with the right values."""
import subprocess
import sys

import numpy as np
import pytest
from PyQt5.QtCore import Qt
from PyQt5.QtGui import QColor, QImage, QPainter

from cnnviz.gui.imagefile import ImageReadError, read_image
from cnnviz.gui.widgets.qimage import ImageArrayError, array_to_qimage, qimage_to_array

QUADRANT_COLOURS = [(200, 30, 10), (20, 180, 60), (10, 40, 220), (250, 250, 250)]


def quadrant_image(size=32, fmt=QImage.Format_RGB32):
    """A QImage painted with four flat colour quadrants (8x8-aligned, so JPEG keeps them flat)."""
    image = QImage(size, size, fmt)
    painter = QPainter(image)
    half = size // 2
    for (top, left), rgb in zip([(0, 0), (0, half), (half, 0), (half, half)], QUADRANT_COLOURS):
        painter.fillRect(left, top, half, half, QColor(*rgb))
    painter.end()
    return image


def expected_quadrants(size=32):
    half = size // 2
    expected = np.zeros((size, size, 3), np.uint8)
    expected[:half, :half], expected[:half, half:] = QUADRANT_COLOURS[0], QUADRANT_COLOURS[1]
    expected[half:, :half], expected[half:, half:] = QUADRANT_COLOURS[2], QUADRANT_COLOURS[3]
    return expected


def save(image, path):
    assert image.save(str(path)), f"Qt could not write {path}"
    return path


@pytest.mark.parametrize("suffix", ["png", "bmp"])
def test_lossless_rgb_files_read_back_exactly(tmp_path, suffix):
    pixels = read_image(save(quadrant_image(), tmp_path / f"rgb.{suffix}"))
    assert pixels.dtype == np.uint8 and pixels.shape == (32, 32, 3)
    np.testing.assert_array_equal(pixels, expected_quadrants())


def test_jpeg_reads_back_close(tmp_path):
    path = tmp_path / "photo.jpg"
    assert quadrant_image().save(str(path), "JPEG", 95)
    pixels = read_image(path)
    assert pixels.shape == (32, 32, 3)
    # Flat 16x16 blocks survive JPEG almost unchanged away from the block edges.
    centres = pixels[[4, 4, 27, 27], [4, 27, 4, 27]].astype(int)
    np.testing.assert_allclose(centres, QUADRANT_COLOURS, atol=6)


def test_grayscale_png_gives_two_dimensional_array(tmp_path):
    gray = np.arange(7 * 13, dtype=np.uint8).reshape(7, 13) * 2     # odd width: padded rows
    pixels = read_image(save(array_to_qimage(gray), tmp_path / "gray.png"))
    assert pixels.shape == (7, 13)
    np.testing.assert_array_equal(pixels, gray)


def test_sixteen_bit_grayscale_png_is_rounded_to_eight_bits(tmp_path):
    values = np.array([[0, 257, 1000, 32768, 65535]], dtype=np.uint16)
    data = values.tobytes()
    image = QImage(data, 5, 1, 10, QImage.Format_Grayscale16).copy()
    pixels = read_image(save(image, tmp_path / "deep.png"))
    assert pixels.dtype == np.uint8 and pixels.shape == (1, 5)
    np.testing.assert_array_equal(pixels, [[0, 1, 4, 128, 255]])     # round(v * 255 / 65535)


def test_palette_pngs(tmp_path):
    colour = QImage(4, 2, QImage.Format_Indexed8)
    colour.setColorTable([QColor(*rgb).rgb() for rgb in QUADRANT_COLOURS])
    indices = [[0, 1, 2, 3], [3, 2, 1, 0]]
    for y, row in enumerate(indices):
        for x, index in enumerate(row):
            colour.setPixel(x, y, index)
    pixels = read_image(save(colour, tmp_path / "palette.png"))
    np.testing.assert_array_equal(pixels, np.array(QUADRANT_COLOURS, np.uint8)[indices])

    gray = QImage(3, 1, QImage.Format_Indexed8)
    gray.setColorTable([QColor(v, v, v).rgb() for v in (0, 100, 255)])
    for x in range(3):
        gray.setPixel(x, 0, 2 - x)
    pixels = read_image(save(gray, tmp_path / "gray_palette.png"))
    np.testing.assert_array_equal(pixels, [[255, 100, 0]])


def test_rgba_png_keeps_straight_alpha(tmp_path):
    rgba = np.zeros((6, 5, 4), np.uint8)
    rgba[1:4, 1:4] = (10, 20, 30, 255)
    rgba[5, :] = (200, 100, 50, 128)
    pixels = read_image(save(array_to_qimage(rgba), tmp_path / "rgba.png"))
    assert pixels.shape == (6, 5, 4)
    np.testing.assert_array_equal(pixels[..., 3], rgba[..., 3])
    np.testing.assert_array_equal(pixels[1:4, 1:4], rgba[1:4, 1:4])
    np.testing.assert_allclose(pixels[5].astype(int), rgba[5].astype(int), atol=1)


def test_painted_transparent_canvas(tmp_path):
    canvas = QImage(40, 40, QImage.Format_ARGB32_Premultiplied)
    canvas.fill(Qt.transparent)
    painter = QPainter(canvas)
    painter.fillRect(10, 5, 6, 30, QColor(0, 0, 0))
    painter.end()
    pixels = read_image(save(canvas, tmp_path / "canvas.png"))
    assert pixels.shape == (40, 40, 4)
    assert pixels[20, 12].tolist() == [0, 0, 0, 255]
    assert pixels[0, 0, 3] == 0 and pixels[:, :10, 3].max() == 0


def test_array_qimage_round_trip_with_row_padding_and_owned_data():
    rng = np.random.default_rng(0)
    for shape in [(5, 7), (5, 7, 3), (3, 5, 4), (9, 1, 3)]:
        array = rng.integers(0, 256, shape).astype(np.uint8)
        original = array.copy()
        image = array_to_qimage(array)
        array[:] = 0                                            # the QImage must not see this
        np.testing.assert_array_equal(qimage_to_array(image), original)
    assert array_to_qimage(np.zeros((5, 7, 3), np.uint8)).bytesPerLine() == 24   # padded: 21 -> 24


def test_qimage_to_array_of_premultiplied_canvas_unpremultiplies():
    canvas = QImage(2, 1, QImage.Format_ARGB32_Premultiplied)
    canvas.fill(QColor(200, 100, 40, 255))
    canvas.setPixelColor(1, 0, QColor(200, 100, 40, 0))
    pixels = qimage_to_array(canvas)
    assert pixels.shape == (1, 2, 4)
    assert pixels[0, 0].tolist() == [200, 100, 40, 255]
    assert pixels[0, 1, 3] == 0


def test_bad_arrays_and_null_images_raise():
    with pytest.raises(ImageArrayError, match="uint8"):
        array_to_qimage(np.zeros((4, 4), np.float32))
    with pytest.raises(ImageArrayError, match="shape"):
        array_to_qimage(np.zeros((4, 4, 2), np.uint8))
    with pytest.raises(ImageArrayError, match="null"):
        qimage_to_array(QImage())


def noise_png(path):
    noise = np.random.default_rng(1).integers(0, 256, (64, 64, 3)).astype(np.uint8)
    return save(array_to_qimage(noise), path)


def test_truncated_png_raises(tmp_path):
    data = noise_png(tmp_path / "full.png").read_bytes()
    broken = tmp_path / "broken.png"
    broken.write_bytes(data[:len(data) // 2])
    with pytest.raises(ImageReadError, match=r"broken\.png.*(corrupt|truncated)"):
        read_image(broken)


def test_truncated_jpeg_raises(tmp_path):
    noise = np.random.default_rng(2).integers(0, 256, (64, 64, 3)).astype(np.uint8)
    full = tmp_path / "full.jpg"
    assert array_to_qimage(noise).save(str(full), "JPEG", 90)
    assert read_image(full).shape == (64, 64, 3)
    broken = tmp_path / "broken.jpg"
    broken.write_bytes(full.read_bytes()[:full.stat().st_size * 2 // 3])
    with pytest.raises(ImageReadError, match=r"broken\.jpg.*truncated"):
        read_image(broken)


@pytest.mark.parametrize("content, reason", [
    (b"this is not an image at all\n", "not an image"),
    (b"", "empty"),
])
def test_non_image_files_raise(tmp_path, content, reason):
    path = tmp_path / "fake.png"
    path.write_bytes(content)
    with pytest.raises(ImageReadError, match=rf"fake\.png.*{reason}"):
        read_image(path)


def test_missing_file_and_directory_raise(tmp_path):
    with pytest.raises(ImageReadError, match=r"nope\.png: no such file"):
        read_image(tmp_path / "nope.png")
    with pytest.raises(ImageReadError, match="directory"):
        read_image(tmp_path)


def test_reading_needs_no_qapplication(tmp_path):
    path = noise_png(tmp_path / "noise.png")
    jpeg = tmp_path / "noise.jpg"
    assert array_to_qimage(read_image(path)).save(str(jpeg))
    script = (
        "import sys\n"
        "from PyQt5.QtCore import QCoreApplication\n"
        "from cnnviz.gui.imagefile import read_image\n"
        "shapes = [read_image(p).shape for p in sys.argv[1:]]\n"
        "assert QCoreApplication.instance() is None\n"
        "print(shapes)\n")
    result = subprocess.run([sys.executable, "-c", script, str(path), str(jpeg)],
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[(64, 64, 3), (64, 64, 3)]"
