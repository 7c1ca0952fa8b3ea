"""Argument types for the commands: a bad value is refused while parsing, with one clear line.

Each ``*_int``/``*_float`` maker returns an argparse ``type`` callable; a
refused value raises ``argparse.ArgumentTypeError``, which the parser turns
into ``argument --name: <message>`` and exit status 2 (in JSON under --json).
"""
from __future__ import annotations

import argparse
import math
import os
from pathlib import Path
from typing import Callable, Optional, Sequence, Tuple


def _number(kind: type, text: str):
    try:
        value = kind(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"expected {'an integer' if kind is int else 'a number'}, got {text!r}") from None
    if kind is float and not math.isfinite(value):
        raise argparse.ArgumentTypeError(f"expected a finite number, got {text!r}")
    return value


def bounded(kind: type, low, high=None, low_open: bool = False, high_open: bool = False) -> Callable:
    """An argparse type: ``kind`` (int or float, finite) within [low, high] (open ends on request).

    ``high`` None means no upper bound. The message states the accepted range.
    """
    def check(text: str):
        value = _number(kind, text)
        too_low = value <= low if low_open else value < low
        too_high = high is not None and (value >= high if high_open else value > high)
        if too_low or too_high:
            raise argparse.ArgumentTypeError(f"must be {_range_text(kind, low, high, low_open, high_open)}, "
                                             f"got {text}")
        return value
    return check


def _range_text(kind, low, high, low_open, high_open) -> str:
    if kind is int and high is None:
        return "a positive integer" if low == 1 else f"an integer >= {low}"
    if high is None:
        return f"a number {'>' if low_open else '>='} {low:g}"
    return f"a number in {'(' if low_open else '['}{low:g}, {high:g}{')' if high_open else ']'}"


positive_int = bounded(int, 1)                      # epochs, batch sizes, counts
seed_int = bounded(int, 0)                          # numpy generators refuse negative seeds
positive_float = bounded(float, 0, low_open=True)   # learning rate, seconds
non_negative_float = bounded(float, 0)              # weight decay
dropout_rate = bounded(float, 0, 1, high_open=True)


def model_out_problem(path: str, also: Sequence[Path] = ()) -> Optional[str]:
    """Why a model cannot be written to ``path`` (and the files in ``also`` beside it), or None.

    Checked before a long training run so it does not fail at the very end:
    the suffix, the folder, and a temporary file made and removed for each
    target the way a save makes it (which also catches folders such as /proc
    and names too long for the file system).
    """
    from ..fileread import os_error_text
    from ..modelio.atomic import check_writable
    out = Path(path)
    if out.suffix.lower() != ".npz":
        return f"--out {path}: a model file must end in .npz"
    if os.path.isdir(out):
        return f"--out {path}: is a folder; give a file name ending in .npz"
    folder = out.parent
    if not os.path.isdir(folder):
        return f"--out {path}: the folder {folder} does not exist; create it first or choose another"
    for target in (out, *also):
        try:
            check_writable(target)
        except OSError as e:
            return (f"--out {path}: cannot write {target.name} in the folder {folder} ({os_error_text(e)}); "
                    f"choose a shorter name or a folder you can write to")
    return None


def window_size(text: str) -> Tuple[int, int]:
    """An argparse type: ``WIDTHxHEIGHT`` in pixels, each side within :data:`WINDOW_SIDES`."""
    try:
        width, height = (int(v) for v in text.lower().split("x"))
    except ValueError:
        raise argparse.ArgumentTypeError(f"must look like 1400x900, got {text!r}") from None
    (low_w, high_w), (low_h, high_h) = WINDOW_SIDES
    if not (low_w <= width <= high_w and low_h <= height <= high_h):
        raise argparse.ArgumentTypeError(f"the width must be {low_w} to {high_w} and the height {low_h} to "
                                         f"{high_h} pixels, got {text}")
    return width, height


#: (least, most) window width and height in pixels: from a small laptop window to 8K
WINDOW_SIDES = ((320, 7680), (240, 4320))
def dataset_name(text: str) -> str:
    """An argparse type: a known data set's name (any case) or a folder of images with one
    sub-folder per class (checked to exist; what is in it is checked when it is read)."""
    from ..data import REGISTRY
    from ..data.imagefolder import is_image_folder
    if text.strip().lower() in REGISTRY:
        return text.strip().lower()
    if is_image_folder(text):
        return text
    raise argparse.ArgumentTypeError(f"unknown data set {text!r}: choose one of {', '.join(REGISTRY)}, or give "
                                     f"a folder of images with one sub-folder per class")
