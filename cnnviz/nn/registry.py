"""Layers by their architecture-spec type, and building a layer from its spec."""
from __future__ import annotations

import inspect

from .activations import ReLU, Sigmoid, Tanh
from .batchnorm import BatchNorm1D, BatchNorm2D
from .conv import Conv2D
from .dense import Dense, Dropout, Flatten
from .layer import Layer
from .pool import AvgPool2D, MaxPool2D
from .residual import Residual

LAYER_TYPES = {cls.type: cls for cls in
               (Conv2D, MaxPool2D, AvgPool2D, ReLU, Sigmoid, Tanh, Dense, Flatten, Dropout, Residual,
                BatchNorm2D, BatchNorm1D)}

# Short prefixes for automatic names: conv1, pool1, fc1, ...
NAME_PREFIX = {"conv": "conv", "maxpool": "pool", "avgpool": "pool", "dense": "fc",
               "flatten": "flatten", "dropout": "drop", "residual": "res",
               "relu": "relu", "sigmoid": "sigmoid", "tanh": "tanh",
               "batchnorm2d": "bn", "batchnorm1d": "bn"}


class SpecError(ValueError):
    """An architecture description that cannot be turned into layers."""


def layer_from_spec(spec: dict, counters: dict | None = None) -> Layer:
    """Make an unbuilt layer from ``{"type": ..., "name": ..., **settings}``.

    Missing names are filled in as prefix + running number per prefix.
    """
    if not isinstance(spec, dict):
        raise SpecError(f"a layer must be a JSON object, got {spec!r}")
    counters = {} if counters is None else counters
    kind = spec.get("type")
    cls = LAYER_TYPES.get(kind)
    if cls is None:
        raise SpecError(f"unknown layer type {kind!r}; known: {', '.join(sorted(LAYER_TYPES))}")
    settings = {k: v for k, v in spec.items() if k not in ("type", "name")}
    name = spec.get("name")
    if name is None:
        prefix = NAME_PREFIX[kind]
        counters[prefix] = counters.get(prefix, 0) + 1
        name = f"{prefix}{counters[prefix]}"
    if not isinstance(name, str) or not name or "." in name:
        raise SpecError(f"layer name must be a non-empty string without '.', got {name!r}")
    if cls is Residual:
        inner = settings.pop("layers", None)
        if not isinstance(inner, list):
            raise SpecError(f"residual block {name!r} needs a list of layers")
        settings["layers"] = [layer_from_spec(s, counters) for s in inner]
    _check_setting_names(cls, name, kind, settings)
    try:
        return cls(name=name, **settings)
    except (TypeError, ValueError, OverflowError) as e:
        raise SpecError(f"layer {name!r} ({kind}): {e}") from None


def _check_setting_names(cls, name: str, kind: str, settings: dict) -> None:
    """Refuse settings the layer does not have, and missing required ones, by name."""
    known = {k: p for k, p in inspect.signature(cls.__init__).parameters.items() if k not in ("self", "name")}
    unknown = sorted(k for k in settings if k not in known)
    if unknown:
        raise SpecError(f"layer {name!r} ({kind}): unknown setting {unknown[0]!r}; "
                        f"its settings are {', '.join(known) or 'none'}")
    missing = [k for k, p in known.items() if p.default is inspect.Parameter.empty and k not in settings]
    if missing:
        raise SpecError(f"layer {name!r} ({kind}): the setting {missing[0]!r} is required")
