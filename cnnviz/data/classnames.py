"""Class names a person types, checked before they become folder names.

A class of an image-folder data set is a folder, so its name must be a
folder name on every common system: any letters of any script and spaces are
fine ("ice cream", "ㄱ"); a slash, a name that hides the folder or one that
Windows refuses is not. Two names that differ only in capitals ("Cat", "cat")
would be one folder on Windows and macOS, so they count as the same name.
"""
from __future__ import annotations

import unicodedata
from typing import Iterable

from .errors import DataError

#: characters no folder name may hold on Windows, macOS or Linux
FORBIDDEN = '/\\:*?"<>|'
#: longest name in bytes of UTF-8 (file systems allow 255; room is left for the path around it)
MAX_NAME_BYTES = 120
_WINDOWS_RESERVED = {"CON", "PRN", "AUX", "NUL", *(f"COM{i}" for i in range(1, 10)),
                     *(f"LPT{i}" for i in range(1, 10))}


class ClassNameError(DataError):
    """A class name that cannot be used; the message says why and what would work."""


def same_name_key(name: str) -> str:
    """The form two names share when they would be one folder (Unicode NFC, case folded)."""
    return unicodedata.normalize("NFC", name).casefold()


def check_class_name(text: str, existing: Iterable[str] = (), kind: str = "class") -> str:
    """``text`` as a class name (trimmed, Unicode NFC), or ClassNameError saying why not.

    ``existing`` are the data set's class names: a name equal to one of them
    but for capitals is refused too. ``kind`` names what is named in the
    messages (the name of a "data set" is a folder name too).
    """
    name = unicodedata.normalize("NFC", str(text)).strip()
    if not name:
        raise ClassNameError(f"A {kind} needs a name: type one (any letters, e.g. \"cat\" or \"ㄱ\").")
    bad = sorted({c for c in name if c in FORBIDDEN or unicodedata.category(c) == "Cc"})
    if bad:
        shown = " ".join(repr(c)[1:-1] if unicodedata.category(c) == "Cc" else c for c in bad)
        raise ClassNameError(f"\"{name}\" cannot be a {kind} name: it holds {shown}, which folder names "
                             f"cannot hold. Letters, digits, spaces and most signs are fine.")
    if name.startswith("."):
        raise ClassNameError(f"\"{name}\" cannot be a {kind} name: a folder whose name starts with a dot is "
                             f"hidden, so the {kind} would vanish.")
    if name.endswith("."):
        raise ClassNameError(f"\"{name}\" cannot be a {kind} name: Windows drops a dot at the end of a folder "
                             f"name.")
    if name.split(".")[0].upper() in _WINDOWS_RESERVED:
        raise ClassNameError(f"\"{name}\" cannot be a {kind} name: Windows reserves it for a device.")
    if len(name.encode("utf-8")) > MAX_NAME_BYTES:
        raise ClassNameError(f"\"{name[:20]}…\" is too long for a {kind} name (at most {MAX_NAME_BYTES} bytes; "
                             f"this one has {len(name.encode('utf-8'))}).")
    key = same_name_key(name)
    for other in existing:
        if unicodedata.normalize("NFC", other) == name:
            raise ClassNameError(f"There is already a {kind} named \"{name}\": choose another name (or pick that "
                                 f"{kind} in the list).")
        if same_name_key(other) == key:
            raise ClassNameError(f"\"{name}\" differs from the {kind} \"{other}\" only in capitals: on Windows "
                                 f"and macOS both would be one folder. Choose another name.")
    return name
