"""Reading pickles that may only hold numpy arrays and plain containers.

Two formats we must read are pickles: the textbook's ``params.pkl`` (a dict of
W1..b3 arrays) and CIFAR-10's python batches. A pickle can name any callable
and have it run on load, so this unpickler admits only the few names that
rebuild numpy arrays, dtypes and scalars (plus OrderedDict); any other global
is refused before anything runs. Object arrays are refused too: their items
would be arbitrary objects.
"""
from __future__ import annotations

import io
import pickle
from typing import Any, BinaryIO

import numpy as np

_ALLOWED = {
    ("numpy.core.multiarray", "scalar"),
    ("numpy._core.multiarray", "scalar"),
    ("numpy.core.numeric", "_frombuffer"),   # protocol 5 out-of-band style arrays
    ("numpy._core.numeric", "_frombuffer"),
    ("numpy", "dtype"),
    ("collections", "OrderedDict"),
    ("_codecs", "encode"),      # how protocol-2 pickles store byte strings
}
_RECONSTRUCT = {("numpy.core.multiarray", "_reconstruct"), ("numpy._core.multiarray", "_reconstruct")}


class _NdarrayType:
    """Stands for numpy.ndarray inside the pickle: usable only as _reconstruct's
    first argument, never callable (ndarray(huge_shape) would allocate freely)."""


def _reconstruct(subtype, shape, dtype):
    # numpy pickles an array as _reconstruct(ndarray, (0,), b'b') followed by its
    # state (shape, dtype, data); the data comes from the pickle itself.
    if subtype is not _NdarrayType or tuple(shape) != (0,):
        raise UnsafePickleError("the pickle builds an array in an unusual way")
    return np.ndarray(shape, dtype=dtype)


class UnsafePickleError(ValueError):
    """The pickle names something other than arrays and plain containers.

    The message says what it holds ("the pickle names posix.system, ..."); the
    caller says that it was refused, once.
    """


class _RestrictedUnpickler(pickle.Unpickler):
    def find_class(self, module: str, name: str) -> Any:
        if (module, name) == ("numpy", "ndarray"):
            return _NdarrayType
        if (module, name) in _RECONSTRUCT:
            return _reconstruct
        if (module, name) in _ALLOWED:
            return super().find_class(module, name)
        raise UnsafePickleError(
            f"the pickle names {module}.{name}, which could run code; this file may only contain "
            f"numpy arrays, numbers, strings, lists and dicts")


_PLAIN_SCALARS = (str, bytes, bytearray, int, float, complex, bool, type(None), np.generic)


def _check_plain(obj: Any) -> None:
    """Refuse anything but arrays of numbers or text and plain containers, nested at most 50 deep.

    Each container is visited once however often it is referenced: a pickle
    can make every level refer twice to the next, which a walk that does not
    remember what it saw would cover 2**depth times.
    """
    seen = set()
    stack = [(obj, 0)]
    while stack:
        item, depth = stack.pop()
        if depth > 50:
            raise UnsafePickleError("the pickle is nested too deeply")
        if isinstance(item, np.ndarray):
            if item.dtype.hasobject:
                raise UnsafePickleError("the pickle holds an object array; only numeric and text arrays "
                                        "are allowed")
        elif isinstance(item, (dict, list, tuple, set, frozenset)):
            if id(item) in seen:
                continue
            seen.add(id(item))
            children = (v for pair in item.items() for v in pair) if isinstance(item, dict) else item
            stack.extend((child, depth + 1) for child in children)
        elif not isinstance(item, _PLAIN_SCALARS):
            raise UnsafePickleError(f"the pickle holds a {type(item).__name__} object; only arrays and plain "
                                    f"data are allowed")


def safe_load(source: BinaryIO | bytes, encoding: str = "ASCII") -> Any:
    """Unpickle ``source`` (a binary file or bytes) admitting only arrays and plain data.

    ``encoding`` is passed to the unpickler ('bytes' or 'latin1' for Python 2
    pickles such as CIFAR-10's). Raises UnsafePickleError for anything else and
    ValueError for a damaged stream.
    """
    if isinstance(source, (bytes, bytearray)):
        source = io.BytesIO(source)
    try:
        obj = _RestrictedUnpickler(source, encoding=encoding).load()
    except UnsafePickleError:
        raise
    except Exception as e:      # a damaged stream can make the unpickler raise almost anything
        raise ValueError(f"not a readable pickle: {e}") from None
    _check_plain(obj)
    return obj
