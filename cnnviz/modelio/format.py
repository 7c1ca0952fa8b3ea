"""The model file format: one ``.npz`` archive that can never run code when opened.

A model is a zip of ``.npy`` arrays, read only with ``np.load(...,
allow_pickle=False)``:

- ``param/<name>``: every parameter under its network name, float32
  (``param/conv1.W``, ``param/res1.res1_conva.W``, ...). The prefix keeps them
  apart from the meta entry whatever the layers are called.
- ``state/<name>``: every non-trainable array inference needs (BatchNorm's
  running ``mean`` and ``var``), float32, checked on loading like parameters.
- ``meta``: UTF-8 JSON as a 1-D uint8 array: the architecture, the label
  vocabulary, the input shape, preprocessing, training history and so on
  (see :mod:`cnnviz.modelio.meta`).

Archives are written uncompressed: weights are float noise that deflate
shrinks by only a few percent, autosave checkpoints from the training thread
stay fast, and every member's size on disk is its real size. Compressed
archives are read too; either way the zip directory and each array header are
checked against size limits before any array is loaded, and the architecture
against :mod:`cnnviz.modelio.size`, so a zip bomb or an absurd architecture is
refused instead of exhausting memory.
"""
from __future__ import annotations

import json
import zipfile
from pathlib import Path
from typing import Dict, Optional, Sequence

import numpy as np

from ..fileread import FileReadError, open_regular
from ..nn.network import Network
from ..npymember import READ_ERRORS, NpyHeaderError, npy_member_header
from .atomic import write_atomically
from .errors import Invalid, ModelFileError
from .loaded import LoadedModel
from .meta import check_class_count, checked_meta, new_meta
from .size import build_checked

META_ENTRY = "meta"
PARAM_PREFIX = "param/"
STATE_PREFIX = "state/"

MAX_FILE_BYTES = 3 << 30         # the archive on disk
MAX_MEMBER_BYTES = 1 << 30       # one array in the archive, uncompressed
MAX_TOTAL_BYTES = 2 << 30        # all of them together
MAX_META_BYTES = 64 << 20
MAX_MEMBERS = 10_000



def save_model(path, network: Network, class_names: Sequence[str], *, preprocessing: Optional[dict] = None,
               history: Optional[dict] = None, dataset: Optional[str] = None,
               test_accuracy: Optional[float] = None, command: Optional[str] = None,
               extra: Optional[dict] = None) -> None:
    """Write ``network`` and its meta data to ``path`` (an .npz archive), atomically.

    The meta fields are described in :mod:`cnnviz.modelio.meta`;
    ``preprocessing`` defaults to :func:`default_preprocessing`. The archive is
    written to a temporary file in the same folder, flushed to disk and then
    renamed over ``path``, so a crash never leaves a half-written model in its
    place (and the temporary files of earlier killed saves there are removed).
    Parameters are stored as float32 and read while the file is written: a
    training thread should save between steps (or pass ``network.copy()``).
    Non-finite numbers in ``history`` (a diverged loss) are stored as null.
    Raises ModelFileError when the arguments do not describe a valid model or
    the file cannot be written.
    """
    path = Path(path)
    try:
        meta = new_meta(network.spec(), class_names, network.input_shape, network.num_classes,
                        preprocessing=preprocessing, history=history, dataset=dataset,
                        test_accuracy=test_accuracy, command=command, extra=extra)
        meta_bytes = json.dumps(meta, ensure_ascii=False, allow_nan=False).encode("utf-8")
    except Invalid as e:
        raise ModelFileError(path, str(e), "save") from None
    entries = {prefix + name: np.asarray(value, dtype=np.float32)
               for prefix, arrays in ((PARAM_PREFIX, network.params), (STATE_PREFIX, network.state))
               for name, value in arrays.items()}
    entries[META_ENTRY] = np.frombuffer(meta_bytes, dtype=np.uint8)
    try:
        # Only float32 and uint8 arrays: nothing to pickle. (numpy 1.x's savez has no
        # allow_pickle and would store the keyword as an array called "allow_pickle".)
        write_atomically(path, lambda fh: np.savez(fh, **entries))
    except OSError as e:
        raise ModelFileError(path, f"writing failed: {e}", "save") from None


def load_model(path) -> LoadedModel:
    """Open a model saved by :func:`save_model`; the network's weights are float32.

    Everything is checked before use: the zip directory and array headers
    (sizes, no object arrays), the meta data field by field, the architecture
    (built by the engine), and every parameter's name, shape, type and
    finiteness. Any problem raises ModelFileError naming the file and what is
    wrong. Unknown meta keys are ignored.
    """
    path = Path(path)
    try:
        return _load(path)
    except Invalid as e:
        raise ModelFileError(path, str(e)) from None


def _load(path: Path) -> LoadedModel:
    try:
        fh = open_regular(path, MAX_FILE_BYTES, "model")
    except FileReadError as e:
        raise Invalid(e.reason) from None
    with fh:
        headers = _archive_headers(fh)
        if META_ENTRY not in headers:
            raise Invalid(f"it has no {META_ENTRY!r} entry, so it is not a cnnviz model "
                          f"(entries: {_listing(headers)})")
        fh.seek(0)
        try:
            archive = np.load(fh, allow_pickle=False)
        except READ_ERRORS as e:
            raise Invalid(f"not a readable .npz archive: {e}") from None
        with archive:
            meta = _read_meta(archive, headers[META_ENTRY])
            network = build_checked(meta["architecture"])
            check_class_count(meta["class_names"], network.num_classes)
            network.set_weights(_read_params(archive, headers, network.params))
            try:
                network.set_state(_read_params(archive, headers, network.state, STATE_PREFIX, "state array"))
            except ValueError as e:
                raise Invalid(str(e)) from None
    return LoadedModel(network=network, class_names=list(meta["class_names"]), meta=meta, path=path)


def _archive_headers(fh) -> Dict[str, tuple]:
    """Check the zip directory and read every .npy header without loading data.

    Returns {entry name: (shape, dtype)}.
    """
    try:
        zf = zipfile.ZipFile(fh)
    except zipfile.BadZipFile:
        raise Invalid("not an .npz archive (not a zip file, or a truncated one)") from None
    except READ_ERRORS as e:
        raise Invalid(f"not a readable .npz archive: {e}") from None
    with zf:
        infos = zf.infolist()
        if len(infos) > MAX_MEMBERS:
            raise Invalid(f"the archive has {len(infos):,} entries (at most {MAX_MEMBERS:,} allowed)")
        total = 0
        headers: Dict[str, tuple] = {}
        for info in infos:
            name = info.filename[:-4] if info.filename.endswith(".npy") else info.filename
            if name in headers:
                raise Invalid(f"entry {name!r} appears twice in the archive")
            limit = MAX_META_BYTES if name == META_ENTRY else MAX_MEMBER_BYTES
            if info.file_size > limit:
                raise Invalid(f"entry {name!r} unpacks to {info.file_size:,} bytes "
                              f"(limit {limit:,}); refusing to load it")
            total += info.file_size
            if total > MAX_TOTAL_BYTES:
                raise Invalid(f"the archive unpacks to more than {MAX_TOTAL_BYTES:,} bytes; refusing to load it")
            if not info.filename.endswith(".npy"):
                headers[name] = None      # not an array: never loaded
                continue
            try:
                headers[name] = npy_member_header(zf, info)
            except NpyHeaderError as e:
                raise Invalid(f"entry {name!r} {e}") from None
        return headers


def _listing(headers: dict, limit: int = 8) -> str:
    names = sorted(headers)
    text = ", ".join(repr(n) for n in names[:limit]) or "none"
    return text + (f" and {len(names) - limit} more" if len(names) > limit else "")


def _read_entry(archive, name: str) -> np.ndarray:
    try:
        return archive[name]
    except READ_ERRORS as e:
        raise Invalid(f"entry {name!r} is damaged: {e}") from None


def _read_meta(archive, header) -> dict:
    if header is None:
        raise Invalid(f"entry {META_ENTRY!r} is not an array")
    shape, dtype = header
    if dtype != np.uint8 or len(shape) != 1:
        raise Invalid(f"entry {META_ENTRY!r} must be a 1-D uint8 array of UTF-8 JSON, "
                      f"got {dtype} with shape {shape}")
    raw = _read_entry(archive, META_ENTRY).tobytes()
    try:
        meta = json.loads(raw.decode("utf-8"), parse_constant=_refuse_constant)
    except UnicodeDecodeError:
        raise Invalid(f"entry {META_ENTRY!r} is not UTF-8 text") from None
    except (ValueError, RecursionError) as e:
        raise Invalid(f"entry {META_ENTRY!r} is not valid JSON: {e}") from None
    if not isinstance(meta, dict):
        raise Invalid(f"entry {META_ENTRY!r} must be a JSON object, got {type(meta).__name__}")
    return checked_meta(meta)


def _refuse_constant(name: str):
    raise ValueError(f"{name} is not a number JSON allows")


def _read_params(archive, headers: dict, wanted: Dict[str, np.ndarray], prefix: str = PARAM_PREFIX,
                 parameter: str = "parameter") -> Dict[str, np.ndarray]:
    """Every array under ``prefix`` the network needs (``wanted``: its params or state),
    checked against it before and after loading; ``parameter`` names them in messages."""
    stored = {name[len(prefix):]: name for name in headers if name.startswith(prefix)}
    missing = [n for n in wanted if n not in stored]
    extra = sorted(n for n in stored if n not in wanted)
    if missing:
        raise Invalid(f"{parameter} {missing[0]!r} is missing" +
                      (f" (and {len(missing) - 1} more: {', '.join(missing[1:6])})" if len(missing) > 1 else ""))
    if extra:
        raise Invalid(f"{parameter} {extra[0]!r} is not part of the architecture" +
                      (f" (and {len(extra) - 1} more)" if len(extra) > 1 else ""))
    weights = {}
    for name, target in wanted.items():
        header = headers[stored[name]]
        if header is None:
            raise Invalid(f"{parameter} {name!r} is not an array")
        shape, dtype = header
        if shape != target.shape:
            raise Invalid(f"{parameter} {name!r} has shape {shape}; the architecture needs {target.shape}")
        if dtype.kind != "f":
            raise Invalid(f"{parameter} {name!r} holds {dtype} values; it must be floating point")
        weights[name] = finite_float32(_read_entry(archive, stored[name]), f"{parameter} {name!r}")
    return weights


def finite_float32(value: np.ndarray, what: str) -> np.ndarray:
    """``value`` (any shape) as float32, refused if it holds NaN or infinities, including numbers
    too large for float32 (beyond 3.4e38) that the cast would turn into infinities."""
    with np.errstate(over="ignore", invalid="ignore"):
        out = value.astype(np.float32, copy=False)
    if not np.all(np.isfinite(out)):
        kind = "NaN or infinite values" if not np.all(np.isfinite(value)) else \
            f"values too large for float32 (largest magnitude {np.abs(value).max():.3g})"
        raise Invalid(f"{what} contains {kind}")
    return out
