"""Opening any model file the program understands, told apart by its content."""
from __future__ import annotations

from pathlib import Path

from ..fileread import FileReadError, open_regular
from .errors import ModelFileError
from .format import MAX_FILE_BYTES, load_model
from .loaded import LoadedModel
from .textbook import MAX_PICKLE_BYTES, import_textbook_params

_ZIP_MAGIC = b"PK\x03\x04"
_PICKLE_PROTOCOL_2_UP = b"\x80"


def open_any_model(path) -> LoadedModel:
    """Open a cnnviz model (.npz) or the textbook's pickled ``params.pkl``, whichever ``path`` holds.

    The first bytes decide, not the name: a zip archive is read as a cnnviz
    model (:func:`load_model`), a pickle (protocol 2 or later, or any file
    named ``*.pkl``) is imported through the restricted unpickler
    (:func:`import_textbook_params`, class names "0", "1", ...). Anything
    else is read as a model file, whose error then says what is wrong.
    Raises :class:`ModelFileError` naming the file and the problem.
    """
    path = Path(path)
    try:
        with open_regular(path, max(MAX_FILE_BYTES, MAX_PICKLE_BYTES), "model") as fh:
            head = fh.read(4)
    except FileReadError as e:
        raise ModelFileError(path, e.reason) from None
    except OSError as e:
        raise ModelFileError(path, f"cannot be read: {e}") from None
    if head.startswith(_ZIP_MAGIC):
        return load_model(path)
    if head.startswith(_PICKLE_PROTOCOL_2_UP) or path.suffix.lower() == ".pkl":
        return import_textbook_params(path)
    return load_model(path)
