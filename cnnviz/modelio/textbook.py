"""Importing the textbook SimpleConvNet's pickled ``params.pkl``.

The book saves its trained network as a pickle of a dict of six arrays (W1,
b1, W2, b2, W3, b3). A pickle can run code when it is opened, so it is read
only through :func:`cnnviz.safepickle.safe_load`, which admits nothing but
arrays and plain containers, and then checked like a model file.
"""
from __future__ import annotations

import math
from pathlib import Path
from typing import Dict, Optional, Sequence

import numpy as np

from ..fileread import FileReadError, read_regular
from ..nn.presets import preset_spec
from ..safepickle import UnsafePickleError, safe_load
from .errors import Invalid, ModelFileError
from .format import finite_float32
from .loaded import LoadedModel
from .meta import new_meta
from .size import MAX_PARAMETERS, build_checked

MAX_PICKLE_BYTES = 1 << 30

_TEXTBOOK_KEYS = ("W1", "b1", "W2", "b2", "W3", "b3")
_TEXTBOOK_NAMES = {"W1": "conv1.W", "b1": "conv1.b", "W2": "fc1.W", "b2": "fc1.b",
                   "W3": "fc2.W", "b3": "fc2.b"}


def import_textbook_params(path, class_names: Optional[Sequence[str]] = None) -> LoadedModel:
    """Import the textbook SimpleConvNet's pickled ``params.pkl`` (W1, b1, W2, b2, W3, b3).

    The pickle is read with :func:`cnnviz.safepickle.safe_load`, which refuses
    anything but arrays and plain containers before it can run. The input
    shape, filter count and size, hidden width and class count are inferred
    from the array shapes (the standard file gives (1, 28, 28), 30 filters 5x5,
    100 hidden units, 10 classes) and the ``simple`` preset is built to match.
    ``class_names`` default to "0", "1", ... Raises ModelFileError.
    """
    path = Path(path)
    try:
        return _import_textbook(path, class_names)
    except Invalid as e:
        raise ModelFileError(path, str(e), "import") from None


def _import_textbook(path: Path, class_names) -> LoadedModel:
    try:
        raw = read_regular(path, MAX_PICKLE_BYTES, "model")
    except FileReadError as e:
        raise Invalid(e.reason) from None
    try:
        data = safe_load(raw)
    except UnsafePickleError as e:
        raise Invalid(f"refused: {e}") from None
    except (ValueError, OSError) as e:
        raise Invalid(str(e)) from None
    params = _textbook_arrays(data)
    network = build_checked(_textbook_spec(params))
    names = [str(i) for i in range(network.num_classes)] if class_names is None else list(class_names)
    meta = new_meta(network.spec(), names, network.input_shape, network.num_classes,
                    extra={"imported_from": str(path)})
    network.set_weights({_TEXTBOOK_NAMES[k]: v for k, v in params.items()})
    return LoadedModel(network=network, class_names=names, meta=meta, path=path)


def _textbook_arrays(data) -> Dict[str, np.ndarray]:
    if not isinstance(data, dict):
        raise Invalid(f"it holds a {type(data).__name__}, not a dict of W1, b1, W2, b2, W3, b3")
    missing = [k for k in _TEXTBOOK_KEYS if k not in data]
    extra = sorted(map(repr, (k for k in data if k not in _TEXTBOOK_KEYS)))
    if missing or extra:
        raise Invalid("it is not a SimpleConvNet params dict: " + "; ".join(
            part for part in ((f"missing {', '.join(missing)}" if missing else ""),
                              (f"unexpected {', '.join(extra)}" if extra else "")) if part))
    for key in _TEXTBOOK_KEYS:
        value = data[key]
        if not isinstance(value, np.ndarray) or value.dtype.kind != "f":
            what = f"{value.dtype} array" if isinstance(value, np.ndarray) else type(value).__name__
            raise Invalid(f"{key} must be a floating-point array, got a {what}")
    # Check the sizes before touching the data: a pickle can declare huge empty arrays.
    total = sum(data[k].size for k in _TEXTBOOK_KEYS)
    if total > MAX_PARAMETERS:
        raise Invalid(f"it holds {total:,} numbers (limit {MAX_PARAMETERS:,})")
    return {k: finite_float32(data[k], k) for k in _TEXTBOOK_KEYS}


def _textbook_spec(p: Dict[str, np.ndarray]) -> dict:
    """The ``simple`` preset sized to fit the arrays (conv valid, 2x2 pool, two dense)."""
    shapes = {k: v.shape for k, v in p.items()}
    expected = "W1 (filters, channels, k, k), b1 (filters,), W2 (inputs, hidden), b2 (hidden,), " \
               "W3 (hidden, classes), b3 (classes,)"
    w1, w2, w3 = shapes["W1"], shapes["W2"], shapes["W3"]
    ok = (len(w1) == 4 and w1[2] == w1[3] and len(w2) == 2 and len(w3) == 2 and w2[1] == w3[0]
          and shapes["b1"] == w1[:1] and shapes["b2"] == w2[1:] and shapes["b3"] == w3[1:]
          and min(w1 + w2 + w3) > 0)
    if not ok:
        raise Invalid(f"the array shapes do not fit SimpleConvNet: got "
                      f"{', '.join(f'{k} {shapes[k]}' for k in _TEXTBOOK_KEYS)}; expected {expected}")
    filters, channels, kernel = w1[0], w1[1], w1[2]
    # fc1 sees filters * side^2 values, where side = (H - k + 1) / 2 after the 2x2 pool.
    per_filter, rem = divmod(w2[0], filters)
    side = math.isqrt(per_filter)
    if rem or side * side != per_filter:
        raise Invalid(f"W2 has {w2[0]} inputs, which is not {filters} filters times a square "
                      f"pooled map; cannot infer the input size")
    height = 2 * side + kernel - 1
    spec = preset_spec("simple", (channels, height, height), w3[1])
    spec["layers"][0].update(filters=filters, kernel=kernel)
    next(layer for layer in spec["layers"] if layer.get("name") == "fc1")["units"] = w2[1]
    return spec
