"""The GIF encoder: files decoded back by Qt's own GIF reader, and LZW edge cases."""
import numpy as np
import pytest
from PyQt5.QtGui import QImage, QImageReader

from cnnviz.gifwriter import GifWriter, build_palette, encode_gif, lzw_decode, lzw_encode, write_gif


def read_gif(path):
    """(frames as (H, W, 3) uint8 arrays, delays in ms, loop count) as Qt decodes them."""
    reader = QImageReader(str(path))
    assert reader.format() == b"gif"
    loop = reader.loopCount()
    frames, delays = [], []
    while True:
        img = reader.read()
        if img.isNull():
            break
        delays.append(reader.nextImageDelay())
        img = img.convertToFormat(QImage.Format_RGB888)
        raw = np.frombuffer(img.constBits().asstring(img.sizeInBytes()), np.uint8)
        rows = raw.reshape(img.height(), img.bytesPerLine())[:, :img.width() * 3]
        frames.append(rows.reshape(img.height(), img.width(), 3).copy())
    return frames, delays, loop


def moving_square(n=6, h=40, w=60):
    frames = []
    for i in range(n):
        f = np.zeros((h, w, 3), np.uint8)
        f[:] = (20 * i, 100, 255 - 20 * i)
        f[10:20, 5 + 5 * i:15 + 5 * i] = (255, 255, 0)
        frames.append(f)
    return frames


def test_qt_reads_back_frames_sizes_delays_and_exact_colours(qapp, tmp_path):
    frames = moving_square()
    delays = [100, 200, 100, 100, 100, 500]
    path = write_gif(tmp_path / "a.gif", frames, delay_ms=delays)
    got, got_delays, loop = read_gif(path)
    assert len(got) == len(frames)
    assert got_delays == delays
    assert loop == -1                              # NETSCAPE2.0 with 0: forever
    for a, b in zip(got, frames):
        assert a.shape == b.shape
        np.testing.assert_array_equal(a, b)        # < 256 colours: stored exactly
    assert not list(tmp_path.glob("*.part"))       # the temporary file was renamed


def test_many_colours_are_quantised_closely(qapp, tmp_path):
    rng = np.random.default_rng(0)
    y, x = np.mgrid[0:64, 0:96]
    smooth = np.stack([x * 255 / 95, y * 255 / 63, (x + y) * 255 / 158], -1).astype(np.uint8)
    noisy = (rng.random((64, 96, 3)) * 255).astype(np.uint8)
    got, _, _ = read_gif(write_gif(tmp_path / "smooth.gif", [smooth]))
    assert np.abs(got[0].astype(int) - smooth).mean() < 5        # 6144 colours in 256
    got, _, _ = read_gif(write_gif(tmp_path / "b.gif", [smooth, noisy], delay_ms=50, loop=3))
    assert len(got) == 2
    assert np.abs(got[0].astype(int) - smooth).mean() < 8        # one palette shared with noise
    assert np.abs(got[1].astype(int) - noisy).mean() < 25
    palette, lookup = build_palette([smooth, noisy])
    assert len(palette) == 256 and lookup.max() == 255
    assert len(build_palette([smooth, noisy], 255)[0]) == 255


def test_loop_count_and_play_once(qapp, tmp_path):
    frames = moving_square(2)
    assert read_gif(write_gif(tmp_path / "c.gif", frames, loop=3))[2] == 3
    assert b"NETSCAPE2.0" not in encode_gif(frames, loop=None)


def test_one_pixel_and_single_colour_images(qapp, tmp_path):
    one = [np.array([[[200, 10, 30]]], np.uint8)]
    got, _, _ = read_gif(write_gif(tmp_path / "one.gif", one))
    assert len(got) == 1 and got[0].shape == (1, 1, 3)
    np.testing.assert_array_equal(got[0], one[0])
    flat = [np.full((50, 70, 3), 77, np.uint8)] * 3           # unchanged frames: 1-pixel updates
    got, _, _ = read_gif(write_gif(tmp_path / "flat.gif", flat))
    assert len(got) == 3
    for g in got:
        np.testing.assert_array_equal(g, flat[0])


def test_lzw_round_trips_edge_cases():
    rng = np.random.default_rng(1)
    cases = [(b"\x00", 2), (b"\x03", 2), (bytes(5000), 2), (bytes([1, 2] * 3000), 2),
             (rng.integers(0, 4, 20000).astype(np.uint8).tobytes(), 2),
             (rng.integers(0, 256, 20000).astype(np.uint8).tobytes(), 8), (b"", 8)]
    for data, mcs in cases:
        assert lzw_decode(lzw_encode(data, mcs), mcs) == data


def test_lzw_emits_clear_codes_when_the_table_fills(qapp, tmp_path):
    rng = np.random.default_rng(2)
    data = rng.integers(0, 256, 30000).astype(np.uint8).tobytes()
    codes = []
    assert lzw_decode(lzw_encode(data, 8), 8, codes) == data
    assert codes.count(256) >= 3                   # the first clear, then one per full table
    # and Qt agrees: a 240-colour noise image that needs several table resets
    img = np.stack([rng.integers(0, 8, (120, 160)) * 32, rng.integers(0, 6, (120, 160)) * 40,
                    rng.integers(0, 5, (120, 160)) * 60], -1).astype(np.uint8)
    got, _, _ = read_gif(write_gif(tmp_path / "noise.gif", [img]))
    np.testing.assert_array_equal(got[0], img)


def test_bad_frames_are_refused(tmp_path):
    with pytest.raises(ValueError, match="at least one frame"):
        encode_gif([])
    with pytest.raises(ValueError, match="same size"):
        encode_gif([np.zeros((4, 4, 3), np.uint8), np.zeros((4, 5, 3), np.uint8)])
    with pytest.raises(ValueError, match="uint8"):
        encode_gif([np.zeros((4, 4, 3), np.float32)])
    with pytest.raises(ValueError, match="delays"):
        encode_gif([np.zeros((4, 4, 3), np.uint8)], delay_ms=[10, 20])
    assert not list(tmp_path.iterdir())


def test_frame_by_frame_writer_with_a_sampled_palette(qapp, tmp_path):
    frames = moving_square(8)
    with GifWriter(tmp_path / "s.gif", frames[::3], loop=0) as gif:       # palette from a sample
        for f in frames:
            gif.add(f, 80)
    got, delays, _ = read_gif(tmp_path / "s.gif")
    assert len(got) == 8 and delays == [80] * 8
    for i, (a, b) in enumerate(zip(got, frames)):
        if i % 3 == 0:
            np.testing.assert_array_equal(a, b)          # in the sample: exact
        else:
            assert np.abs(a.astype(int) - b).max() <= 30   # not in it: the nearest palette colour
    with pytest.raises(ValueError, match="at least one frame"):
        with GifWriter(tmp_path / "empty.gif", frames[:1]):
            pass
    with pytest.raises(ZeroDivisionError):
        write_gif(tmp_path / "stop.gif", frames, progress=lambda i, n: 1 / (i - 3))
    assert sorted(p.name for p in tmp_path.iterdir()) == ["s.gif"]        # nothing half-written
