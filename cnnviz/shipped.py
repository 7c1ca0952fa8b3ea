"""The trained models shipped with cnnviz, found by name.

In a source checkout they live in ``resources/models/`` at the project's top;
an installed copy (``pip install .``) carries them as package data of
``cnnviz._models``. :func:`model_path` looks in both places.
"""
from __future__ import annotations

from pathlib import Path
from typing import Dict, Optional

#: name -> file name of every shipped model, in the order menus list them
SHIPPED_MODELS: Dict[str, str] = {"digits": "digits.npz", "letters": "letters.npz"}
#: the model the app and ``predict`` use when none is named
DEFAULT_MODEL = "digits"

_SOURCE_DIR = Path(__file__).resolve().parents[1] / "resources" / "models"
_INSTALLED_DIR = Path(__file__).resolve().parent / "_models"


def model_path(name: str = DEFAULT_MODEL) -> Path:
    """Where the shipped model ``name`` ("digits", "letters") is, or would be, on disk.

    The source checkout's file wins; an installed copy's otherwise. The path
    is returned even when the file is missing (callers say so), so a message
    can name where it was looked for. KeyError for an unknown name.
    """
    filename = SHIPPED_MODELS[name]
    for folder in (_SOURCE_DIR, _INSTALLED_DIR):
        if (folder / filename).is_file():
            return folder / filename
    return (_SOURCE_DIR if _SOURCE_DIR.is_dir() else _INSTALLED_DIR) / filename


def resolve_model(text: Optional[str]) -> Path:
    """A ``--model`` argument as a path: a shipped model's name ("letters") or a file path.

    None means the default shipped model. A name of a shipped model wins over a
    file of that name in the current folder only when no such file exists.
    """
    if text is None:
        return model_path(DEFAULT_MODEL)
    if text in SHIPPED_MODELS and not Path(text).exists():
        return model_path(text)
    return Path(text)
