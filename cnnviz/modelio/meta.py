"""The meta data of a model file: building it, making it JSON, checking every field.

The meta entry holds: ``format`` ("cnnviz-model"), ``format_version`` (1),
``architecture`` (``network.spec()``), ``class_names`` (one per output),
``input_shape`` [C, H, W], ``preprocessing`` ({"kind": one of
PREPROCESSING_KINDS, ...}), ``history`` ({name: [number | null | {key:
scalar}]}), ``dataset``, ``test_accuracy`` (in [0, 1]), ``command`` (each
may be null), ``created`` (ISO 8601, UTC), ``cnnviz_version`` and ``extra``
(a free JSON object). Unknown keys are kept but never interpreted.
"""
from __future__ import annotations

import datetime
import math
from collections import Counter
from typing import Optional, Sequence

import numpy as np

from .. import __version__
from .errors import Invalid

FORMAT_NAME = "cnnviz-model"
FORMAT_VERSION = 1
PREPROCESSING_KINDS = ("mnist-centre", "resize-rgb")

_REQUIRED_META = ("format", "format_version", "architecture", "class_names", "input_shape",
                  "preprocessing")


def default_preprocessing(input_shape: Sequence[int]) -> dict:
    """The preprocessing assumed when none is given: MNIST-style for one channel, else RGB."""
    if int(input_shape[0]) == 1:
        return {"kind": "mnist-centre", "scale": "1/255"}
    return {"kind": "resize-rgb", "scale": "1/255"}


def new_meta(architecture: dict, class_names, input_shape: Sequence[int], num_classes: int, *,
             preprocessing: Optional[dict] = None, history: Optional[dict] = None,
             dataset: Optional[str] = None, test_accuracy: Optional[float] = None,
             command: Optional[str] = None, extra: Optional[dict] = None) -> dict:
    """Checked meta data for a network of ``num_classes`` outputs, stamped with the time and version.

    Values are made plain JSON first (numpy numbers to Python ones; non-finite
    numbers in ``history`` and ``extra``, a diverged loss say, to null).
    Raises :class:`Invalid` naming the first field that cannot be stored.
    """
    return checked_meta({
        "format": FORMAT_NAME,
        "format_version": FORMAT_VERSION,
        "architecture": plain(architecture, "architecture"),
        "class_names": class_names if isinstance(class_names, str) else list(class_names),
        "input_shape": list(input_shape),
        "preprocessing": plain(default_preprocessing(input_shape) if preprocessing is None
                               else preprocessing, "preprocessing"),
        "history": plain({} if history is None else history, "history", nan_to_null=True),
        "dataset": dataset,
        "test_accuracy": plain(test_accuracy, "test_accuracy"),
        "command": command,
        "created": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        "cnnviz_version": __version__,
        "extra": plain({} if extra is None else extra, "extra", nan_to_null=True),
    }, num_classes)


def plain(value, where: str, nan_to_null: bool = False):
    """``value`` as JSON data: numpy scalars to Python numbers, tuples to lists.

    ``where`` names the value in the message of the :class:`Invalid` raised
    for anything JSON cannot hold.
    """
    if isinstance(value, dict):
        out = {}
        for k, v in value.items():
            if not isinstance(k, str):
                raise Invalid(f"{where} has a non-text key {k!r}")
            out[k] = plain(v, f"{where}[{k!r}]", nan_to_null)
        return out
    if isinstance(value, (list, tuple)):
        return [plain(v, f"{where}[{i}]", nan_to_null) for i, v in enumerate(value)]
    if isinstance(value, np.ndarray) and value.ndim <= 1 and value.dtype.kind in "biuf":
        return plain(value.tolist(), where, nan_to_null)
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and nan_to_null and not math.isfinite(value):
        return None
    if value is None or isinstance(value, (str, bool, int, float)):
        return value
    raise Invalid(f"{where} holds a {type(value).__name__}, which a model file cannot store")


def checked_meta(meta: dict, num_classes: Optional[int] = None) -> dict:
    """Meta with every known field checked and the optional ones filled in.

    Unknown keys are kept but never interpreted. ``num_classes``, when given,
    must match the number of class names. Raises :class:`Invalid`.
    """
    for key in _REQUIRED_META:
        if key not in meta:
            raise Invalid(f"the meta data lacks the field {key!r}")
    if meta["format"] != FORMAT_NAME:
        raise Invalid(f"meta field 'format' is {meta['format']!r}, expected {FORMAT_NAME!r}")
    version = meta["format_version"]
    if not _is_int(version) or version < 1:
        raise Invalid(f"meta field 'format_version' must be a positive integer, got {version!r}")
    if version > FORMAT_VERSION:
        raise Invalid(f"it was written in format version {version} by a newer cnnviz; "
                      f"this one reads up to version {FORMAT_VERSION}")
    arch = meta["architecture"]
    if not isinstance(arch, dict):
        raise Invalid("meta field 'architecture' must be a JSON object")
    _check_class_names(meta["class_names"])
    if num_classes is not None:
        check_class_count(meta["class_names"], num_classes)
    shape = meta["input_shape"]
    if not (isinstance(shape, list) and len(shape) == 3 and all(_is_int(s) and s > 0 for s in shape)):
        raise Invalid(f"meta field 'input_shape' must be [channels, height, width] of positive integers, "
                      f"got {shape!r}")
    if shape != arch.get("input_shape"):
        raise Invalid(f"meta field 'input_shape' {shape} differs from the architecture's "
                      f"{arch.get('input_shape')!r}")
    _check_preprocessing(meta["preprocessing"])
    out = dict(meta)
    out.setdefault("history", {})
    for key in ("dataset", "test_accuracy", "command", "created", "cnnviz_version"):
        out.setdefault(key, None)
    if out.get("extra") is None:
        out["extra"] = {}
    _check_history(out["history"])
    for key in ("dataset", "command", "cnnviz_version", "created"):
        if out[key] is not None and not isinstance(out[key], str):
            raise Invalid(f"meta field {key!r} must be text or null, got {type(out[key]).__name__}")
    if out["created"] is not None:
        try:
            datetime.datetime.fromisoformat(out["created"])
        except ValueError:
            raise Invalid(f"meta field 'created' is not an ISO timestamp: {out['created']!r}") from None
    acc = out["test_accuracy"]
    if acc is not None and not (_is_number(acc) and 0.0 <= acc <= 1.0):
        raise Invalid(f"meta field 'test_accuracy' must be a number in [0, 1] or null, got {acc!r}")
    if not isinstance(out["extra"], dict):
        raise Invalid(f"meta field 'extra' must be a JSON object, got {type(out['extra']).__name__}")
    return out


def _is_int(v) -> bool:
    return isinstance(v, int) and not isinstance(v, bool)


def _is_number(v) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v)


def _check_class_names(names) -> None:
    if not isinstance(names, list) or not names:
        raise Invalid(f"meta field 'class_names' must be a non-empty list of text, got {type(names).__name__}")
    for i, n in enumerate(names):
        if not isinstance(n, str):
            raise Invalid(f"meta field 'class_names'[{i}] must be text, got {n!r}")
    if len(set(names)) != len(names):
        dup = sorted(n for n, count in Counter(names).items() if count > 1)
        raise Invalid(f"meta field 'class_names' repeats {', '.join(map(repr, dup))}")


def check_class_count(names: list, num_classes: int) -> None:
    """Refuse class names whose count differs from the network's outputs."""
    if len(names) != num_classes:
        raise Invalid(f"there are {len(names)} class names but the network outputs {num_classes} classes")


def _check_preprocessing(pre) -> None:
    if not isinstance(pre, dict):
        raise Invalid(f"meta field 'preprocessing' must be a JSON object, got {type(pre).__name__}")
    kind = pre.get("kind")
    if kind not in PREPROCESSING_KINDS:
        raise Invalid(f"meta field 'preprocessing' has unknown kind {kind!r}; "
                      f"known: {', '.join(PREPROCESSING_KINDS)}")
    for key, value in pre.items():
        items = value if isinstance(value, list) else [value]
        for v in items:
            if not (v is None or isinstance(v, (str, bool)) or _is_number(v)):
                raise Invalid(f"meta field 'preprocessing'[{key!r}] must hold text, numbers, "
                              f"true/false or null, got {v!r}")


def _check_history(history) -> None:
    if not isinstance(history, dict):
        raise Invalid(f"meta field 'history' must be a JSON object of lists, got {type(history).__name__}")
    for key, values in history.items():
        where = f"meta field 'history'[{key!r}]"
        if values is None or _is_number(values):      # a setting such as steps_per_epoch
            continue
        if not isinstance(values, list):
            raise Invalid(f"{where} must be a list, a number or null, got {type(values).__name__}")
        for i, v in enumerate(values):
            if isinstance(v, dict):
                for k, item in v.items():
                    if not (item is None or isinstance(item, (str, bool)) or _is_number(item)):
                        raise Invalid(f"{where}[{i}][{k!r}] must be a finite number, text or null, got {item!r}")
            elif not (v is None or _is_number(v)):
                raise Invalid(f"{where}[{i}] must be a finite number, null or a small object, got {v!r}")
