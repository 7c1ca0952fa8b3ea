"""Fixed convolution kernels (blur, sharpen, edges, emboss) applied to any image.

No training is involved: each kernel is put into the engine's own
:class:`~cnnviz.nn.conv.Conv2D` as its only filter, so what the user sees is
exactly the operation a CNN layer performs -- a cross-correlation (the kernel
is not flipped) with zero "same" padding.

Border: by default the image is surrounded by zeros, as a CNN's SAME padding
does (so a blur darkens a bright border and an edge kernel finds an "edge"
where a bright image meets the zeros); ``border="edge"`` repeats the outermost
pixels instead, which hides that frame.
"""
from __future__ import annotations

import re
from collections import OrderedDict
from fractions import Fraction
from typing import NamedTuple

import numpy as np

from .nn.conv import Conv2D
from .preprocess import composite_alpha, to_float_image

MAX_KERNEL_SIDE = 7
BORDERS = ("zero", "edge")


class Kernel(NamedTuple):
    """A named kernel: weights (KH, KW) float32, an explanation for students, and
    whether its output is signed (centred on 0: shown with a diverging colour map)."""
    weights: np.ndarray
    description: str
    signed: bool


def _k(rows, scale=1) -> np.ndarray:
    k = np.array(rows, dtype=np.float64) * scale
    k = k.astype(np.float32)
    k.setflags(write=False)
    return k


_BINOMIAL5 = np.outer([1, 4, 6, 4, 1], [1, 4, 6, 4, 1])

#: name -> Kernel(weights, description, signed), in menu order
KERNELS: "OrderedDict[str, Kernel]" = OrderedDict([
    ("identity", Kernel(_k([[0, 0, 0], [0, 1, 0], [0, 0, 0]]),
        "identity: a single 1 in the centre copies every pixel, so the output equals the "
        "input.", False)),
    ("box blur", Kernel(_k(np.ones((3, 3)), 1 / 9),
        "box blur: each pixel becomes the plain average of its 3x3 block (nine weights of "
        "1/9), so details are smeared.", False)),
    ("Gaussian blur 3x3", Kernel(_k(np.outer([1, 2, 1], [1, 2, 1]), 1 / 16),
        "Gaussian blur: a weighted average in which the centre counts most; the weights sum "
        "to 1, so brightness is kept.", False)),
    ("Gaussian blur 5x5", Kernel(_k(_BINOMIAL5, 1 / 256),
        "Gaussian blur 5x5: weights 1 4 6 4 1 across times 1 4 6 4 1 down (/256) average a "
        "wider area: more blur.", False)),
    ("sharpen", Kernel(_k([[0, -1, 0], [-1, 5, -1], [0, -1, 0]]),
        "sharpen: the centre counts 5 times and its four neighbours are subtracted: flat "
        "areas stay (5 - 4 = 1), edges get crisper.", False)),
    ("edge (Laplacian)", Kernel(_k([[0, 1, 0], [1, -4, 1], [0, 1, 0]]),
        "Laplacian: the four neighbours minus 4 x the centre. Flat areas give 0 (black); a "
        "bright line turns blue with red rims.", True)),
    ("edge (Laplacian, 8 neighbours)", Kernel(_k([[-1, -1, -1], [-1, 8, -1], [-1, -1, -1]]),
        "Laplacian, 8 neighbours: 8 x the centre minus all eight neighbours. Flat areas give "
        "0; a bright line turns red with blue rims.", True)),
    ("Sobel x", Kernel(_k([[-1, 0, 1], [-2, 0, 2], [-1, 0, 1]]),
        "Sobel x: right column minus left column. Vertical edges light up: red where it gets "
        "brighter to the right, blue where darker.", True)),
    ("Sobel y", Kernel(_k([[-1, -2, -1], [0, 0, 0], [1, 2, 1]]),
        "Sobel y: row below minus row above. Horizontal edges light up: red where it gets "
        "brighter downwards, blue where darker.", True)),
    ("emboss", Kernel(_k([[-2, -1, 0], [-1, 1, 1], [0, 1, 2]]),
        "emboss: neighbours below-right added, above-left subtracted. Flat areas keep their "
        "brightness; edges look lit from one side.", False)),
])


class KernelTextError(ValueError):
    """A typed kernel cannot be read (bad number, ragged rows, even or too large size)."""


def as_image(image: np.ndarray) -> np.ndarray:
    """Any supported image as float32 (H, W) or (H, W, 3) in [0, 1].

    Accepts what :func:`cnnviz.preprocess.to_float_image` accepts: (H, W),
    (H, W, 1..4), uint8 / uint16 / bool / float in [0, 1]. Alpha is composited
    (over white, as the drawing canvas does).
    """
    return composite_alpha(to_float_image(image))


def kernel_name(kernel: np.ndarray, tol: float = 1e-6):
    """The name of the :data:`KERNELS` entry with these weights (within ``tol``), or None."""
    kernel = np.asarray(kernel, dtype=np.float32)
    for name, entry in KERNELS.items():
        if entry.weights.shape == kernel.shape and np.allclose(kernel, entry.weights, rtol=0, atol=tol):
            return name
    return None


def output_is_signed(kernel: np.ndarray) -> bool:
    """Whether a kernel's output is best read as signed (centred on 0) rather than as an image.

    True when the weights sum to 0 or less: such a kernel maps a flat area to 0
    (edge detectors) or inverts it. Kernels summing to a positive number keep the
    brightness of flat areas and are viewed like the image. Agrees with the
    ``signed`` flag of every entry of :data:`KERNELS`.
    """
    kernel = np.asarray(kernel, dtype=np.float64)
    return float(kernel.sum()) <= 1e-6 * max(float(np.abs(kernel).sum()), 1e-30)


def apply_kernel(image: np.ndarray, kernel: np.ndarray, border: str = "zero") -> np.ndarray:
    """Convolve ``image`` with ``kernel`` as a CNN does; the output has the image's size.

    ``image``: float (H, W) or (H, W, 3) (values need not lie in [0, 1], so results can be
    chained), or an integer/bool image, converted with :func:`as_image`.
    ``kernel``: (KH, KW) with odd sides. Each colour channel is filtered on its own.
    ``border``: ``"zero"`` (zero "same" padding, as a CNN) or ``"edge"`` (edge pixels repeated).
    Returns float32 of the image's shape:
    ``out[y, x] = sum_ij kernel[i, j] * padded[y + i, x + j]`` (cross-correlation).
    The work is done by a :class:`~cnnviz.nn.conv.Conv2D` with one filter, the channels
    forming its batch.
    """
    image = np.asarray(image)
    if not np.issubdtype(image.dtype, np.floating):
        image = as_image(image)
    if image.ndim not in (2, 3) or (image.ndim == 3 and image.shape[2] != 3) or 0 in image.shape:
        raise ValueError(f"expected an image of shape (H, W) or (H, W, 3), got {image.shape}")
    if not np.all(np.isfinite(image)):
        raise ValueError("the image contains NaN or infinite values")
    kernel = np.asarray(kernel, dtype=np.float32)
    if kernel.ndim != 2 or kernel.shape[0] % 2 == 0 or kernel.shape[1] % 2 == 0:
        raise ValueError(f"the kernel must be 2-D with odd sides, got shape {kernel.shape}")
    if border not in BORDERS:
        raise ValueError(f"border must be one of {BORDERS}, not {border!r}")

    h, w = image.shape[:2]
    planes = image[None] if image.ndim == 2 else image.transpose(2, 0, 1)   # (C, H, W)
    x = np.ascontiguousarray(planes, dtype=np.float32)[:, None]              # (N=C, 1, H, W)
    padding = "same"
    if border == "edge":
        ph, pw = kernel.shape[0] // 2, kernel.shape[1] // 2
        x = np.pad(x, ((0, 0), (0, 0), (ph, ph), (pw, pw)), mode="edge")
        padding = "valid"
    layer = Conv2D(1, kernel=kernel.shape, padding=padding, init="normal", name="kernel")
    layer.build(x.shape[1:], np.random.default_rng(0))
    layer.params["W"][0, 0] = kernel
    layer.params["b"][:] = 0.0
    y = layer.forward(x)[:, 0]                                                # (C, H, W)
    assert y.shape[1:] == (h, w)
    return y[0] if image.ndim == 2 else np.ascontiguousarray(y.transpose(1, 2, 0))


_NUMBER = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?(/[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?)?$")


def _number(token: str, where: str) -> float:
    token = token.replace("\u2212", "-")            # a typographic minus sign
    if not _NUMBER.match(token):
        raise KernelTextError(f"{where}: {token!r} is not a number")
    if "/" in token:
        num, den = token.split("/")
        if float(den) == 0:
            raise KernelTextError(f"{where}: {token!r} divides by zero")
        return float(num) / float(den)
    return float(token)


def kernel_from_text(text: str) -> np.ndarray:
    """Parse a typed kernel into float32 (K, K), K odd, 1 <= K <= 7.

    Rows are separated by ``;``, new lines or ``]``, numbers by spaces or
    commas; other brackets are ignored. Numbers may be fractions (``1/9``). An optional
    factor in front multiplies everything: ``"1/16 * 1 2 1; 2 4 2; 1 2 1"``
    (``*``, ``x`` or ``×``). Raises :class:`KernelTextError` with a message
    for the user.
    """
    # "]" ends a row, so "[[0, -1, 0], [-1, 5, -1], ...]" (Python / numpy style) reads too
    text = re.sub(r"[\[(){}]", " ", text.replace("]", ";")).replace("\u00d7", "*")
    scale = 1.0
    head = re.match(r"^\s*([^;\n*]*?)\s*(\*|\bx\b)", text)
    if head:
        if not head.group(1):
            raise KernelTextError(f"factor: '{head.group(2)}' needs a number before it, e.g. 1/9 *")
        scale = _number(head.group(1), "factor")
        text = text[head.end():]
    rows = [r for r in re.split(r"[;\n]", text) if r.strip()]
    if not rows:
        raise KernelTextError("the kernel is empty: type rows of numbers, e.g. 0 -1 0; -1 5 -1; 0 -1 0")
    values = []
    for i, row in enumerate(rows, 1):
        values.append([_number(t, f"row {i}") for t in re.split(r"[\s,]+", row.strip()) if t])
    for i, row in enumerate(values[1:], 2):
        if len(row) != len(values[0]):
            raise KernelTextError(f"row {i} has {len(row)} numbers but row 1 has {len(values[0])}: "
                                  f"every row needs the same count")
    size = len(values)
    if len(values[0]) != size:
        raise KernelTextError(f"{size} row{'s' if size > 1 else ''} of {len(values[0])} numbers: "
                              f"the kernel must be square")
    if size % 2 == 0:
        raise KernelTextError(f"the kernel is {size}x{size}: use an odd size (1, 3, 5 or 7) so it "
                              f"has a centre pixel")
    if size > MAX_KERNEL_SIDE:
        raise KernelTextError(f"the kernel is {size}x{size}: at most {MAX_KERNEL_SIDE}x"
                              f"{MAX_KERNEL_SIDE} is allowed")
    with np.errstate(over="ignore", invalid="ignore"):
        kernel = (np.array(values, dtype=np.float64) * scale).astype(np.float32)
    if not np.all(np.isfinite(kernel)):
        raise KernelTextError("a number is too large to use")
    return kernel


def kernel_to_text(kernel: np.ndarray, max_denominator: int = 256) -> str:
    """The kernel as text that :func:`kernel_from_text` reads back, one row per line.

    When every weight is a multiple of 1/d for a small d (box blur: 9,
    Gaussian: 16 or 256) the factor is pulled out: ``"1/16 *\\n1 2 1\\n..."``;
    columns are right-aligned.
    """
    kernel = np.asarray(kernel, dtype=np.float64)
    den = 1
    for v in kernel.ravel():
        f = Fraction(float(v)).limit_denominator(max_denominator)
        if abs(float(f) - v) > 1e-6 * max(1.0, abs(v)):
            den = 0
            break
        den = den * f.denominator // np.gcd(den, f.denominator)
        if den > max_denominator:
            den = 0
            break
    if den >= 1:
        cells = [[str(int(round(v * den))) for v in row] for row in kernel]
        head = f"1/{den} *\n" if den > 1 else ""
    else:
        cells = [[f"{v:.4g}" for v in row] for row in kernel]
        head = ""
    width = max(len(c) for row in cells for c in row)
    return head + "\n".join(" ".join(c.rjust(width) for c in row) for row in cells)
