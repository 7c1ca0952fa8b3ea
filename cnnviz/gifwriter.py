"""Animated GIF files from RGB frames, in numpy and the standard library (no Qt).

:func:`write_gif` (or :class:`GifWriter`, frame by frame) writes a GIF89a with
one global palette of at most 255 colours plus a transparent index. The palette
comes from a median cut over a 5-bit-per-channel colour histogram of all
frames (so colours do not flicker between frames, and an animation with at
most 255 distinct colours is stored exactly). Every frame after the first
stores only the rectangle that changed, its unchanged pixels transparent.
Pixels are LZW-compressed with variable code widths (3..12 bits) and a clear
code whenever the 4096-entry table fills. The NETSCAPE2.0 extension makes it
loop.
"""
from __future__ import annotations

import io
import os
import secrets
import struct
from pathlib import Path
from typing import Callable, List, Optional, Sequence, Tuple, Union

import numpy as np

MAX_COLORS = 256
MAX_CODES = 4096


# -- palette ----------------------------------------------------------------------
def _bins(frame: np.ndarray) -> np.ndarray:
    """5-bit-per-channel colour bin (0..32767) of every pixel of an (H, W, 3) uint8 frame."""
    f = frame.astype(np.int32) >> 3
    return (f[..., 0] << 10) | (f[..., 1] << 5) | f[..., 2]


def build_palette(frames: Sequence[np.ndarray], max_colors: int = MAX_COLORS) -> Tuple[np.ndarray, np.ndarray]:
    """(palette (P, 3) uint8 with P <= max_colors, lookup (32768,) uint8: colour bin -> palette index).

    Median cut over the colour bins that occur, weighted by pixel count; a
    palette colour is the exact mean of the pixels it stands for, so when at
    most ``max_colors`` bins occur and each holds one colour, colours are kept
    exactly. Bins that do not occur map to the nearest palette colour.
    """
    count = np.zeros(32768, np.float64)
    sums = np.zeros((32768, 3), np.float64)
    for frame in frames:
        b = _bins(frame).ravel()
        count += np.bincount(b, minlength=32768)
        for ch in range(3):
            sums[:, ch] += np.bincount(b, weights=frame[..., ch].ravel(), minlength=32768)
    used = np.flatnonzero(count)
    if len(used) <= max_colors:
        boxes = [used[i:i + 1] for i in range(len(used))]
    else:
        boxes = _median_cut(used, count, max_colors)
    palette = np.zeros((max(len(boxes), 1), 3), np.uint8)
    for i, box in enumerate(boxes):
        palette[i] = np.clip(np.round(sums[box].sum(0) / count[box].sum()), 0, 255)
    # colours the frames did not show (when the palette comes from a sample of the frames):
    # the palette colour nearest to the bin's centre
    bins = np.arange(32768)
    centres = np.stack([(bins >> 10) & 31, (bins >> 5) & 31, bins & 31], 1).astype(np.float32) * 8 + 4
    pal = palette.astype(np.float32)
    # |c - p|^2 = |c|^2 - 2 c.p + |p|^2; |c|^2 is the same for every p
    lookup = ((pal ** 2).sum(1)[None, :] - 2 * centres @ pal.T).argmin(1).astype(np.uint8)
    for i, box in enumerate(boxes):
        lookup[box] = i
    return palette, lookup


def _median_cut(used: np.ndarray, count: np.ndarray, n_boxes: int) -> List[np.ndarray]:
    """Split the occupied bins ``used`` into ``n_boxes`` boxes of about equal pixel weight."""
    rgb = np.stack([(used >> 10) & 31, (used >> 5) & 31, used & 31], axis=1)
    weight = count[used]

    def scored(box):
        # split priority: pixels in the box times its widest colour extent
        extent = rgb[box].max(0) - rgb[box].min(0)
        axis = int(np.argmax(extent))
        return float(weight[box].sum()) * extent[axis], axis, box

    boxes = [scored(np.arange(len(used)))]
    while len(boxes) < n_boxes:
        i = max(range(len(boxes)), key=lambda j: boxes[j][0])
        score, axis, box = boxes[i]
        if score <= 0:
            break
        boxes.pop(i)
        box = box[np.argsort(rgb[box, axis], kind="stable")]
        cum = np.cumsum(weight[box])
        cut = min(max(int(np.searchsorted(cum, cum[-1] / 2)), 1), len(box) - 1)
        boxes += [scored(box[:cut]), scored(box[cut:])]
    return [used[b] for _, _, b in boxes]


# -- LZW ---------------------------------------------------------------------------
def lzw_encode(indices: bytes, min_code_size: int) -> bytes:
    """GIF LZW data (before sub-blocking) of palette indices, each < 2**min_code_size.

    Codes start ``min_code_size + 1`` bits wide and widen up to 12 bits as the
    table grows; when all 4096 codes are used a clear code resets the table.
    The stream starts with a clear code and ends with the end-of-information code.
    """
    clear = 1 << min_code_size
    eoi = clear + 1
    codes: List[int] = [clear]
    widths: List[int] = [min_code_size + 1]
    if not indices:
        codes.append(eoi)
        widths.append(min_code_size + 1)
        return _pack_bits(codes, widths)
    table = {}
    next_code = eoi + 1
    width = min_code_size + 1
    prefix = indices[0]
    append_code, append_width = codes.append, widths.append
    for px in indices[1:]:
        key = (prefix << 8) | px
        code = table.get(key)
        if code is not None:
            prefix = code
            continue
        append_code(prefix)
        append_width(width)
        if next_code == MAX_CODES:
            append_code(clear)
            append_width(width)
            table.clear()
            next_code = eoi + 1
            width = min_code_size + 1
        else:
            # the decoder widens once it has made the entry that needs the extra bit
            if next_code >= (1 << width):
                width += 1
            table[key] = next_code
            next_code += 1
        prefix = px
    codes += [prefix, eoi]
    widths += [width, width]
    return _pack_bits(codes, widths)


def _pack_bits(codes: List[int], widths: List[int]) -> bytes:
    """Codes packed least-significant bit first, as GIF wants."""
    c = np.asarray(codes, np.int64)
    w = np.asarray(widths, np.int64)
    starts = np.repeat(np.cumsum(w) - w, w)
    bit_in_code = np.arange(int(w.sum())) - starts
    bits = (np.repeat(c, w) >> bit_in_code) & 1
    return np.packbits(bits.astype(np.uint8), bitorder="little").tobytes()


def lzw_decode(data: bytes, min_code_size: int, codes_read: Optional[list] = None) -> bytes:
    """Inverse of :func:`lzw_encode` (used by the tests and to check files).

    ``codes_read``: if given, every code read is appended to it.
    """
    clear = 1 << min_code_size
    eoi = clear + 1
    bits = np.unpackbits(np.frombuffer(data, np.uint8), bitorder="little")
    pos, width = 0, min_code_size + 1
    table: List[bytes] = []
    out = bytearray()
    prev = None
    while pos + width <= len(bits):
        chunk = bits[pos:pos + width]
        code = int(np.dot(chunk, 1 << np.arange(width)))
        pos += width
        if codes_read is not None:
            codes_read.append(code)
        if code == clear:
            table = [bytes([i]) for i in range(clear)] + [b"", b""]
            width, prev = min_code_size + 1, None
            continue
        if code == eoi:
            break
        if code < len(table):
            entry = table[code]
            if prev is not None:
                table.append(prev + entry[:1])
        elif code == len(table) and prev is not None:
            entry = prev + prev[:1]
            table.append(entry)
        else:
            raise ValueError(f"bad LZW code {code} (table has {len(table)} entries)")
        out += entry
        prev = entry
        if len(table) == (1 << width) and width < 12:
            width += 1
    return bytes(out)


def _sub_blocks(data: bytes) -> bytes:
    parts = [bytes([len(data[i:i + 255])]) + data[i:i + 255] for i in range(0, len(data), 255)]
    return b"".join(parts) + b"\x00"


# -- file --------------------------------------------------------------------------
class GifWriter:
    """Write an animated GIF frame by frame (for long animations rendered on the fly).

    ``palette_frames``: (H, W, 3) uint8 frames the palette is built from (all frames,
    or a sample of them); every frame added is mapped into that palette. Use as a
    context manager: the file appears at ``path`` on a clean exit, complete, and is
    not written at all when the block raises. ``loop``: how often to repeat,
    0 = forever, None = play once (no NETSCAPE2.0 block).

    Frames after the first store only the rectangle that changed, with unchanged
    pixels in it transparent (the previous frame shows through), which makes them
    smaller and faster to encode.
    """

    def __init__(self, target, palette_frames: Sequence[np.ndarray], loop: Optional[int] = 0):
        sample = [_checked(f) for f in palette_frames]
        if not sample:
            raise ValueError("a GIF needs at least one frame")
        self.height, self.width = sample[0].shape[:2]
        for f in sample:
            if f.shape[:2] != (self.height, self.width):
                raise ValueError(f"all frames must have the same size: {f.shape[:2]} vs "
                                 f"{(self.height, self.width)}")
        if not (self.height < 65536 and self.width < 65536):
            raise ValueError(f"a GIF frame must be at most 65535 pixels on a side, got "
                             f"{self.width}x{self.height}")
        palette, self._lookup = build_palette(sample, MAX_COLORS - 1)
        self.transparent = len(palette)          # one spare index: "unchanged since the last frame"
        self.bits = max(1, int(np.ceil(np.log2(len(palette) + 1))))
        self._min_code = max(2, self.bits)
        self._prev = None
        self.frames = 0
        self._path = None
        if isinstance(target, (str, os.PathLike)):
            self._path = Path(target)
            self._tmp = self._path.parent / f".{self._path.name}.{secrets.token_hex(4)}.part"
            self._file = open(self._tmp, "xb")
        else:
            self._file = target
        table = np.zeros((1 << self.bits, 3), np.uint8)
        table[:len(palette)] = palette
        head = bytearray(b"GIF89a")
        head += struct.pack("<HHBBB", self.width, self.height, 0x80 | 0x70 | (self.bits - 1), 0, 0)
        head += table.tobytes()
        if loop is not None:
            head += b"\x21\xff\x0bNETSCAPE2.0\x03\x01" + struct.pack("<H", int(loop)) + b"\x00"
        self._file.write(head)

    def add(self, frame: np.ndarray, delay_ms: int = 100) -> None:
        """Append one (H, W, 3) uint8 frame shown for ``delay_ms`` (stored in 1/100 s)."""
        frame = _checked(frame)
        if frame.shape[:2] != (self.height, self.width):
            raise ValueError(f"frame of size {frame.shape[:2]} in a GIF of {(self.height, self.width)}")
        idx = self._lookup[_bins(frame)]
        top, left, bottom, right = _changed_box(self._prev, idx)
        part = idx[top:bottom, left:right]
        flags = 1 << 2          # disposal 1: leave the frame in place for the next to draw over
        if self._prev is not None:
            part = np.where(self._prev[top:bottom, left:right] == part, self.transparent, part).astype(np.uint8)
            flags |= 1
        self._prev = idx
        centis = max(0, min(65535, int(round(delay_ms / 10))))
        out = bytearray(b"\x21\xf9\x04" + struct.pack("<BHB", flags, centis, self.transparent) + b"\x00")
        out += b"\x2c" + struct.pack("<HHHHB", left, top, right - left, bottom - top, 0)
        out += bytes([self._min_code])
        out += _sub_blocks(lzw_encode(part.tobytes(), self._min_code))
        self._file.write(out)
        self.frames += 1

    def close(self) -> None:
        """Finish the file (and move it into place)."""
        if self.frames == 0:
            self.abort()
            raise ValueError("a GIF needs at least one frame")
        self._file.write(b"\x3b")
        if self._path is not None:
            self._file.close()
            os.replace(self._tmp, self._path)

    def abort(self) -> None:
        """Give up: nothing is written at ``path``."""
        if self._path is not None:
            self._file.close()
            try:
                os.unlink(self._tmp)
            except OSError:
                pass

    def __enter__(self) -> "GifWriter":
        return self

    def __exit__(self, exc_type, exc, tb):
        if exc_type is None:
            self.close()
        else:
            self.abort()
        return False


def _checked(f) -> np.ndarray:
    f = np.ascontiguousarray(f)
    if f.dtype != np.uint8 or f.ndim != 3 or f.shape[2] != 3 or not f.shape[0] or not f.shape[1]:
        raise ValueError(f"frames must be (H, W, 3) uint8 arrays, got {f.dtype} {f.shape}")
    return f


def _changed_box(prev, idx) -> Tuple[int, int, int, int]:
    """(top, left, bottom, right) of the pixels that differ from the previous frame (the whole
    frame for the first; one pixel when nothing changed)."""
    h, w = idx.shape
    if prev is None:
        return 0, 0, h, w
    diff = prev != idx
    rows = np.flatnonzero(diff.any(1))
    if not len(rows):
        return 0, 0, 1, 1
    cols = np.flatnonzero(diff.any(0))
    return int(rows[0]), int(cols[0]), int(rows[-1]) + 1, int(cols[-1]) + 1


def _delays(delay_ms, n: int) -> List[int]:
    delays = [delay_ms] * n if np.isscalar(delay_ms) else list(delay_ms)
    if len(delays) != n:
        raise ValueError(f"{len(delays)} delays for {n} frames")
    return delays


def encode_gif(frames: Sequence[np.ndarray], delay_ms: Union[int, Sequence[int]] = 100,
               loop: Optional[int] = 0) -> bytes:
    """The bytes of an animated GIF of ``frames`` (see :func:`write_gif`)."""
    frames = list(frames)
    delays = _delays(delay_ms, len(frames))
    buf = io.BytesIO()
    gif = GifWriter(buf, frames, loop)
    for f, d in zip(frames, delays):
        gif.add(f, d)
    gif.close()
    return buf.getvalue()


def write_gif(path, frames: Sequence[np.ndarray], delay_ms: Union[int, Sequence[int]] = 100,
              loop: Optional[int] = 0, progress: Optional[Callable[[int, int], None]] = None) -> Path:
    """Write an animated GIF of ``frames`` (list of (H, W, 3) uint8, all one size) to ``path``.

    ``delay_ms``: one delay for every frame or one per frame. ``loop``: 0 = forever,
    None = play once. ``progress(done, total)`` is called after each frame; an
    exception raised in it stops the writing. The file is written atomically:
    complete or not at all. Returns the path.
    """
    frames = list(frames)
    delays = _delays(delay_ms, len(frames))
    with GifWriter(path, frames, loop) as gif:
        for i, (f, d) in enumerate(zip(frames, delays)):
            gif.add(f, d)
            if progress is not None:
                progress(i + 1, len(frames))
    return Path(path)
