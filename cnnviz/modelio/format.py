"""Model files that can never run code when opened.

A model is one ``.npz`` archive (a zip of ``.npy`` arrays) read only with
``np.load(..., allow_pickle=False)``:

- ``param/<name>``: every parameter under its network name, float32
  (``param/conv1.W``, ``param/res1.res1_conva.W``, ...). The prefix keeps them
  apart from the meta entry whatever the layers are called.
- ``meta``: UTF-8 JSON as a 1-D uint8 array: the architecture, the label
  vocabulary, the input shape, preprocessing, training history and so on
  (see :func:`save_model`).

Archives are written uncompressed: weights are float noise that deflate
shrinks by only a few percent, autosave checkpoints from the training thread
stay fast, and every member's size on disk is its real size. Compressed
archives are read too; either way the zip directory and each array header are
checked against size limits before any array is loaded, so a zip bomb or an
absurd architecture is refused instead of exhausting memory.

The textbook's pickled ``params.pkl`` is imported through
:func:`cnnviz.safepickle.safe_load` only.
"""
from __future__ import annotations

import datetime
import json
import lzma
import math
import os
import secrets
import zipfile
import zlib
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Dict, List, Optional, Sequence

import numpy as np

from . import __version__
from .nn.network import Network
from .nn.presets import preset_spec
from .safepickle import UnsafePickleError, safe_load

FORMAT_NAME = "cnnviz-model"
FORMAT_VERSION = 1
META_ENTRY = "meta"
PARAM_PREFIX = "param/"
PREPROCESSING_KINDS = ("mnist-centre", "resize-rgb")

MAX_MEMBER_BYTES = 1 << 30       # one array in the archive, uncompressed
MAX_TOTAL_BYTES = 2 << 30        # all of them together
MAX_META_BYTES = 64 << 20
MAX_MEMBERS = 10_000
MAX_PARAMETERS = 1 << 27         # numbers an architecture may allocate (512 MB as float32)
MAX_ACTIVATION = 1 << 26         # numbers in one layer output for one sample
MAX_PICKLE_BYTES = 1 << 30

_REQUIRED_META = ("format", "format_version", "architecture", "class_names", "input_shape",
                  "preprocessing")
# Errors a damaged archive can raise while numpy and zipfile read it.
_READ_ERRORS = (OSError, EOFError, ValueError, zipfile.BadZipFile, zlib.error, lzma.LZMAError,
                NotImplementedError, RuntimeError, MemoryError, KeyError, TypeError)
# Errors building a network from a (possibly hostile) architecture can raise.
_BUILD_ERRORS = (ValueError, TypeError, KeyError, OverflowError, RecursionError, MemoryError)


class ModelFileError(ValueError):
    """A model file that cannot be saved or opened; the message names the file and the problem."""

    def __init__(self, path, problem: str, action: str = "open"):
        self.path = str(path)
        self.problem = problem
        super().__init__(f"cannot {action} model {self.path!r}: {problem}")


class _Invalid(Exception):
    """A problem found while checking; turned into ModelFileError with the path."""


@dataclass
class LoadedModel:
    """A network with its weights plus everything its file said about it.

    ``meta`` is the checked meta data with every optional field present; the
    properties below read its fields of the same name.
    """

    network: Network
    class_names: List[str]
    meta: Dict[str, Any]
    path: Optional[Path] = None

    @property
    def input_shape(self) -> tuple:
        """(channels, height, width) the network takes."""
        return tuple(self.network.input_shape)

    @property
    def architecture(self) -> dict:
        return self.meta["architecture"]

    @property
    def preprocessing(self) -> dict:
        return self.meta["preprocessing"]

    @property
    def history(self) -> dict:
        return self.meta["history"]

    @property
    def dataset(self) -> Optional[str]:
        return self.meta["dataset"]

    @property
    def test_accuracy(self) -> Optional[float]:
        return self.meta["test_accuracy"]

    @property
    def command(self) -> Optional[str]:
        return self.meta["command"]

    @property
    def created(self) -> Optional[str]:
        return self.meta["created"]

    @property
    def extra(self) -> dict:
        return self.meta["extra"]


# -- saving --------------------------------------------------------------------

def default_preprocessing(input_shape: Sequence[int]) -> dict:
    """The preprocessing assumed when none is given: MNIST-style for one channel, else RGB."""
    if int(input_shape[0]) == 1:
        return {"kind": "mnist-centre", "scale": "1/255"}
    return {"kind": "resize-rgb", "scale": "1/255"}


def save_model(path, network: Network, class_names: Sequence[str], *, preprocessing: Optional[dict] = None,
               history: Optional[dict] = None, dataset: Optional[str] = None,
               test_accuracy: Optional[float] = None, command: Optional[str] = None,
               extra: Optional[dict] = None) -> None:
    """Write ``network`` and its meta data to ``path`` (an .npz archive), atomically.

    The meta entry holds: ``format`` ("cnnviz-model"), ``format_version`` (1),
    ``architecture`` (``network.spec()``), ``class_names`` (one per output),
    ``input_shape`` [C, H, W], ``preprocessing`` ({"kind": one of
    PREPROCESSING_KINDS, ...}; by default :func:`default_preprocessing`),
    ``history`` ({name: [number | null | {key: scalar}]}), ``dataset``,
    ``test_accuracy`` (in [0, 1]), ``command`` (each may be null),
    ``created`` (ISO 8601, UTC), ``cnnviz_version`` and ``extra`` (a free
    JSON object).

    The archive is written to a temporary file in the same folder, flushed to
    disk and then renamed over ``path``, so a crash never leaves a half-written
    model in its place. Parameters are stored as float32 and read while the
    file is written: a training thread should save between steps (or pass
    ``network.copy()``). Non-finite numbers
    in ``history`` (a diverged loss) are stored as null. Raises ModelFileError
    when the arguments do not describe a valid model or the file cannot be written.
    """
    path = Path(path)
    try:
        meta = _checked_meta({
            "format": FORMAT_NAME,
            "format_version": FORMAT_VERSION,
            "architecture": _plain(network.spec(), "architecture"),
            "class_names": class_names if isinstance(class_names, str) else list(class_names),
            "input_shape": list(network.input_shape),
            "preprocessing": _plain(default_preprocessing(network.input_shape) if preprocessing is None
                                    else preprocessing, "preprocessing"),
            "history": _plain({} if history is None else history, "history", nan_to_null=True),
            "dataset": dataset,
            "test_accuracy": _plain(test_accuracy, "test_accuracy"),
            "command": command,
            "created": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
            "cnnviz_version": __version__,
            "extra": _plain({} if extra is None else extra, "extra", nan_to_null=True),
        }, network.num_classes)
        meta_bytes = json.dumps(meta, ensure_ascii=False, allow_nan=False).encode("utf-8")
    except _Invalid as e:
        raise ModelFileError(path, str(e), "save") from None
    entries = {PARAM_PREFIX + name: np.asarray(value, dtype=np.float32)
               for name, value in network.params.items()}
    entries[META_ENTRY] = np.frombuffer(meta_bytes, dtype=np.uint8)
    try:
        _write_atomically(path, entries)
    except OSError as e:
        raise ModelFileError(path, f"writing failed: {e}", "save") from None


def _write_atomically(path: Path, entries: Dict[str, np.ndarray]) -> None:
    folder = path.parent
    fd, tmp = _create_temporary(path)
    try:
        with os.fdopen(fd, "wb") as fh:
            # Only float32 and uint8 arrays: nothing to pickle. (numpy 1.x's savez has no
            # allow_pickle and would store the keyword as an array called "allow_pickle".)
            np.savez(fh, **entries)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise
    _fsync_folder(folder)


def _create_temporary(path: Path):
    """A new hidden file beside ``path``: (descriptor, path).

    Made with os.open rather than tempfile so the umask applies as it would to
    any file the user creates (tempfile's files are private to the owner).
    """
    while True:
        tmp = path.with_name(f".{path.name}.{secrets.token_hex(4)}.tmp")
        try:
            return os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), 0o666), tmp
        except FileExistsError:
            continue


def _fsync_folder(folder: Path) -> None:
    """Make the rename itself durable (POSIX; a no-op where folders cannot be opened)."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def _plain(value, where: str, nan_to_null: bool = False):
    """``value`` as JSON data: numpy scalars to Python numbers, tuples to lists."""
    if isinstance(value, dict):
        out = {}
        for k, v in value.items():
            if not isinstance(k, str):
                raise _Invalid(f"{where} has a non-text key {k!r}")
            out[k] = _plain(v, f"{where}[{k!r}]", nan_to_null)
        return out
    if isinstance(value, (list, tuple)):
        return [_plain(v, f"{where}[{i}]", nan_to_null) for i, v in enumerate(value)]
    if isinstance(value, np.ndarray) and value.ndim <= 1 and value.dtype.kind in "biuf":
        return _plain(value.tolist(), where, nan_to_null)
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and nan_to_null and not math.isfinite(value):
        return None
    if value is None or isinstance(value, (str, bool, int, float)):
        return value
    raise _Invalid(f"{where} holds a {type(value).__name__}, which a model file cannot store")


# -- loading -------------------------------------------------------------------

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
    except _Invalid as e:
        raise ModelFileError(path, str(e)) from None


def _load(path: Path) -> LoadedModel:
    if not path.exists():
        raise _Invalid("no such file")
    if not path.is_file():
        raise _Invalid("not a file")
    try:
        fh = open(path, "rb")
    except OSError as e:
        raise _Invalid(f"cannot be read: {e}") from None
    with fh:
        headers = _archive_headers(fh)
        if META_ENTRY not in headers:
            raise _Invalid(f"it has no {META_ENTRY!r} entry, so it is not a cnnviz model "
                           f"(entries: {_listing(headers)})")
        fh.seek(0)
        try:
            archive = np.load(fh, allow_pickle=False)
        except _READ_ERRORS as e:
            raise _Invalid(f"not a readable .npz archive: {e}") from None
        with archive:
            meta = _read_meta(archive, headers[META_ENTRY])
            network = _build(meta["architecture"])
            _check_class_count(meta["class_names"], network.num_classes)
            network.set_weights(_read_params(archive, headers, network))
    return LoadedModel(network=network, class_names=list(meta["class_names"]), meta=meta, path=path)


def _archive_headers(fh) -> Dict[str, tuple]:
    """Check the zip directory and read every .npy header without loading data.

    Returns {entry name: (shape, dtype)}.
    """
    try:
        zf = zipfile.ZipFile(fh)
    except zipfile.BadZipFile:
        raise _Invalid("not an .npz archive (not a zip file, or a truncated one)") from None
    except _READ_ERRORS as e:
        raise _Invalid(f"not a readable .npz archive: {e}") from None
    with zf:
        infos = zf.infolist()
        if len(infos) > MAX_MEMBERS:
            raise _Invalid(f"the archive has {len(infos):,} entries (at most {MAX_MEMBERS:,} allowed)")
        total = 0
        headers: Dict[str, tuple] = {}
        for info in infos:
            name = info.filename[:-4] if info.filename.endswith(".npy") else info.filename
            if name in headers:
                raise _Invalid(f"entry {name!r} appears twice in the archive")
            limit = MAX_META_BYTES if name == META_ENTRY else MAX_MEMBER_BYTES
            if info.file_size > limit:
                raise _Invalid(f"entry {name!r} unpacks to {info.file_size:,} bytes "
                               f"(limit {limit:,}); refusing to load it")
            total += info.file_size
            if total > MAX_TOTAL_BYTES:
                raise _Invalid(f"the archive unpacks to more than {MAX_TOTAL_BYTES:,} bytes; refusing to load it")
            if not info.filename.endswith(".npy"):
                headers[name] = None      # not an array: never loaded
                continue
            headers[name] = _npy_header(zf, info, name)
        return headers


def _npy_header(zf: zipfile.ZipFile, info: zipfile.ZipInfo, name: str) -> tuple:
    try:
        with zf.open(info) as member:
            version = np.lib.format.read_magic(member)
            if version == (1, 0):
                shape, _, dtype = np.lib.format.read_array_header_1_0(member)
            elif version == (2, 0):
                shape, _, dtype = np.lib.format.read_array_header_2_0(member)
            else:
                raise _Invalid(f"entry {name!r} uses .npy format version {version}, which is not supported")
    except _READ_ERRORS as e:
        raise _Invalid(f"entry {name!r} is not a readable array: {e}") from None
    if dtype.hasobject:
        raise _Invalid(f"entry {name!r} is an object array (pickled Python objects); "
                       f"refused without loading it")
    nbytes = math.prod(shape) * dtype.itemsize
    if nbytes > info.file_size:
        raise _Invalid(f"entry {name!r} declares shape {shape} ({nbytes:,} bytes) but holds only "
                       f"{info.file_size:,} bytes")
    return tuple(shape), dtype


def _listing(headers: dict, limit: int = 8) -> str:
    names = sorted(headers)
    text = ", ".join(repr(n) for n in names[:limit]) or "none"
    return text + (f" and {len(names) - limit} more" if len(names) > limit else "")


def _read_entry(archive, name: str) -> np.ndarray:
    try:
        return archive[name]
    except _READ_ERRORS as e:
        raise _Invalid(f"entry {name!r} is damaged: {e}") from None


def _read_meta(archive, header) -> dict:
    if header is None:
        raise _Invalid(f"entry {META_ENTRY!r} is not an array")
    shape, dtype = header
    if dtype != np.uint8 or len(shape) != 1:
        raise _Invalid(f"entry {META_ENTRY!r} must be a 1-D uint8 array of UTF-8 JSON, "
                       f"got {dtype} with shape {shape}")
    raw = _read_entry(archive, META_ENTRY).tobytes()
    try:
        meta = json.loads(raw.decode("utf-8"), parse_constant=_refuse_constant)
    except UnicodeDecodeError:
        raise _Invalid(f"entry {META_ENTRY!r} is not UTF-8 text") from None
    except (ValueError, RecursionError) as e:
        raise _Invalid(f"entry {META_ENTRY!r} is not valid JSON: {e}") from None
    if not isinstance(meta, dict):
        raise _Invalid(f"entry {META_ENTRY!r} must be a JSON object, got {type(meta).__name__}")
    return _checked_meta(meta)


def _refuse_constant(name: str):
    raise ValueError(f"{name} is not a number JSON allows")


def _read_params(archive, headers: dict, network: Network) -> Dict[str, np.ndarray]:
    """Every parameter the network needs, checked against it before and after loading."""
    wanted = network.params
    stored = {name[len(PARAM_PREFIX):]: name for name in headers if name.startswith(PARAM_PREFIX)}
    missing = [n for n in wanted if n not in stored]
    extra = sorted(n for n in stored if n not in wanted)
    if missing:
        raise _Invalid(f"parameter {missing[0]!r} is missing" +
                       (f" (and {len(missing) - 1} more: {', '.join(missing[1:6])})" if len(missing) > 1 else ""))
    if extra:
        raise _Invalid(f"parameter {extra[0]!r} is not part of the architecture" +
                       (f" (and {len(extra) - 1} more)" if len(extra) > 1 else ""))
    weights = {}
    for name, target in wanted.items():
        header = headers[stored[name]]
        if header is None:
            raise _Invalid(f"parameter {name!r} is not an array")
        shape, dtype = header
        if shape != target.shape:
            raise _Invalid(f"parameter {name!r} has shape {shape}; the architecture needs {target.shape}")
        if dtype.kind != "f":
            raise _Invalid(f"parameter {name!r} holds {dtype} values; it must be floating point")
        weights[name] = _finite_float32(_read_entry(archive, stored[name]), f"parameter {name!r}")
    return weights


def _finite_float32(value: np.ndarray, what: str) -> np.ndarray:
    """``value`` as float32, refused if it holds NaN or infinities, including numbers
    too large for float32 (beyond 3.4e38) that the cast would turn into infinities."""
    with np.errstate(over="ignore", invalid="ignore"):
        out = value.astype(np.float32, copy=False)
    if not np.all(np.isfinite(out)):
        kind = "NaN or infinite values" if not np.all(np.isfinite(value)) else \
            f"values too large for float32 (largest magnitude {np.abs(value).max():.3g})"
        raise _Invalid(f"{what} contains {kind}")
    return out


# -- meta checks ---------------------------------------------------------------

def _checked_meta(meta: dict, num_classes: Optional[int] = None) -> dict:
    """Meta with every known field checked and the optional ones filled in.

    Unknown keys are kept but never interpreted.
    """
    for key in _REQUIRED_META:
        if key not in meta:
            raise _Invalid(f"the meta data lacks the field {key!r}")
    if meta["format"] != FORMAT_NAME:
        raise _Invalid(f"meta field 'format' is {meta['format']!r}, expected {FORMAT_NAME!r}")
    version = meta["format_version"]
    if not _is_int(version) or version < 1:
        raise _Invalid(f"meta field 'format_version' must be a positive integer, got {version!r}")
    if version > FORMAT_VERSION:
        raise _Invalid(f"it was written in format version {version} by a newer cnnviz; "
                       f"this one reads up to version {FORMAT_VERSION}")
    arch = meta["architecture"]
    if not isinstance(arch, dict):
        raise _Invalid("meta field 'architecture' must be a JSON object")
    _check_class_names(meta["class_names"])
    if num_classes is not None:
        _check_class_count(meta["class_names"], num_classes)
    shape = meta["input_shape"]
    if not (isinstance(shape, list) and len(shape) == 3 and all(_is_int(s) and s > 0 for s in shape)):
        raise _Invalid(f"meta field 'input_shape' must be [channels, height, width] of positive integers, "
                       f"got {shape!r}")
    if shape != arch.get("input_shape"):
        raise _Invalid(f"meta field 'input_shape' {shape} differs from the architecture's "
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
            raise _Invalid(f"meta field {key!r} must be text or null, got {type(out[key]).__name__}")
    if out["created"] is not None:
        try:
            datetime.datetime.fromisoformat(out["created"])
        except ValueError:
            raise _Invalid(f"meta field 'created' is not an ISO timestamp: {out['created']!r}") from None
    acc = out["test_accuracy"]
    if acc is not None and not (_is_number(acc) and 0.0 <= acc <= 1.0):
        raise _Invalid(f"meta field 'test_accuracy' must be a number in [0, 1] or null, got {acc!r}")
    if not isinstance(out["extra"], dict):
        raise _Invalid(f"meta field 'extra' must be a JSON object, got {type(out['extra']).__name__}")
    return out


def _is_int(v) -> bool:
    return isinstance(v, int) and not isinstance(v, bool)


def _is_number(v) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v)


def _check_class_names(names) -> None:
    if not isinstance(names, list) or not names:
        raise _Invalid(f"meta field 'class_names' must be a non-empty list of text, got {type(names).__name__}")
    for i, n in enumerate(names):
        if not isinstance(n, str):
            raise _Invalid(f"meta field 'class_names'[{i}] must be text, got {n!r}")
    if len(set(names)) != len(names):
        dup = sorted(n for n, count in Counter(names).items() if count > 1)
        raise _Invalid(f"meta field 'class_names' repeats {', '.join(map(repr, dup))}")


def _check_class_count(names: list, num_classes: int) -> None:
    if len(names) != num_classes:
        raise _Invalid(f"there are {len(names)} class names but the network outputs {num_classes} classes")


def _check_preprocessing(pre) -> None:
    if not isinstance(pre, dict):
        raise _Invalid(f"meta field 'preprocessing' must be a JSON object, got {type(pre).__name__}")
    kind = pre.get("kind")
    if kind not in PREPROCESSING_KINDS:
        raise _Invalid(f"meta field 'preprocessing' has unknown kind {kind!r}; "
                       f"known: {', '.join(PREPROCESSING_KINDS)}")
    for key, value in pre.items():
        items = value if isinstance(value, list) else [value]
        for v in items:
            if not (v is None or isinstance(v, (str, bool)) or _is_number(v)):
                raise _Invalid(f"meta field 'preprocessing'[{key!r}] must hold text, numbers, "
                               f"true/false or null, got {v!r}")


def _check_history(history) -> None:
    if not isinstance(history, dict):
        raise _Invalid(f"meta field 'history' must be a JSON object of lists, got {type(history).__name__}")
    for key, values in history.items():
        where = f"meta field 'history'[{key!r}]"
        if values is None or _is_number(values):      # a setting such as steps_per_epoch
            continue
        if not isinstance(values, list):
            raise _Invalid(f"{where} must be a list, a number or null, got {type(values).__name__}")
        for i, v in enumerate(values):
            if isinstance(v, dict):
                for k, item in v.items():
                    if not (item is None or isinstance(item, (str, bool)) or _is_number(item)):
                        raise _Invalid(f"{where}[{i}][{k!r}] must be a finite number, text or null, got {item!r}")
            elif not (v is None or _is_number(v)):
                raise _Invalid(f"{where}[{i}] must be a finite number, null or a small object, got {v!r}")


# -- architecture size guard ---------------------------------------------------

def _check_architecture_size(arch: dict) -> None:
    """Refuse an architecture that does not build, or whose weights or activations
    would be absurdly large, before anything is allocated.

    The engine works out every shape without allocating (``allocate=False``),
    so a spec it refuses is reported here, before a real build could allocate
    the layers in front of the failing one.
    """
    try:
        sizing = Network(arch, allocate=False)
    except _BUILD_ERRORS as e:
        # SpecError and ShapeError are ValueErrors; their text names the layer.
        raise _Invalid(f"its architecture does not build: {e}") from None
    params, largest = sizing.num_params(), sizing.largest_output()
    if params > MAX_PARAMETERS:
        raise _Invalid(f"its architecture has about {params:,} parameters (limit {MAX_PARAMETERS:,}); "
                       f"refusing to build it")
    if largest > MAX_ACTIVATION:
        raise _Invalid(f"its architecture has a layer output of {largest:,} numbers per image "
                       f"(limit {MAX_ACTIVATION:,}); refusing to build it")


def _build(arch: dict) -> Network:
    """The float32 network of an architecture that passed :func:`_check_architecture_size`."""
    _check_architecture_size(arch)
    try:
        return Network(arch, dtype=np.float32)
    except _BUILD_ERRORS as e:
        raise _Invalid(f"its architecture does not build: {e}") from None


# -- the textbook's params.pkl -------------------------------------------------

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
    except _Invalid as e:
        raise ModelFileError(path, str(e), "import") from None


def _import_textbook(path: Path, class_names) -> LoadedModel:
    if not path.is_file():
        raise _Invalid("no such file" if not path.exists() else "not a file")
    size = path.stat().st_size
    if size > MAX_PICKLE_BYTES:
        raise _Invalid(f"it is {size:,} bytes (limit {MAX_PICKLE_BYTES:,})")
    try:
        data = safe_load(path.read_bytes())
    except UnsafePickleError as e:
        raise _Invalid(f"refused: {e}") from None
    except (ValueError, OSError) as e:
        raise _Invalid(str(e)) from None
    params = _textbook_arrays(data)
    network = _build(_textbook_spec(params))
    names = [str(i) for i in range(network.num_classes)] if class_names is None else list(class_names)
    meta = _checked_meta({
        "format": FORMAT_NAME, "format_version": FORMAT_VERSION, "architecture": network.spec(),
        "class_names": names, "input_shape": list(network.input_shape),
        "preprocessing": default_preprocessing(network.input_shape),
        "history": {}, "dataset": None, "test_accuracy": None, "command": None,
        "created": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        "cnnviz_version": __version__, "extra": {"imported_from": str(path)},
    }, network.num_classes)
    network.set_weights({_TEXTBOOK_NAMES[k]: v for k, v in params.items()})
    return LoadedModel(network=network, class_names=names, meta=meta, path=path)


def _textbook_arrays(data) -> Dict[str, np.ndarray]:
    if not isinstance(data, dict):
        raise _Invalid(f"it holds a {type(data).__name__}, not a dict of W1, b1, W2, b2, W3, b3")
    missing = [k for k in _TEXTBOOK_KEYS if k not in data]
    extra = sorted(map(repr, (k for k in data if k not in _TEXTBOOK_KEYS)))
    if missing or extra:
        raise _Invalid("it is not a SimpleConvNet params dict: " + "; ".join(
            part for part in ((f"missing {', '.join(missing)}" if missing else ""),
                              (f"unexpected {', '.join(extra)}" if extra else "")) if part))
    for key in _TEXTBOOK_KEYS:
        value = data[key]
        if not isinstance(value, np.ndarray) or value.dtype.kind != "f":
            what = f"{value.dtype} array" if isinstance(value, np.ndarray) else type(value).__name__
            raise _Invalid(f"{key} must be a floating-point array, got a {what}")
    # Check the sizes before touching the data: a pickle can declare huge empty arrays.
    total = sum(data[k].size for k in _TEXTBOOK_KEYS)
    if total > MAX_PARAMETERS:
        raise _Invalid(f"it holds {total:,} numbers (limit {MAX_PARAMETERS:,})")
    return {k: _finite_float32(data[k], k) for k in _TEXTBOOK_KEYS}


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
        raise _Invalid(f"the array shapes do not fit SimpleConvNet: got "
                       f"{', '.join(f'{k} {shapes[k]}' for k in _TEXTBOOK_KEYS)}; expected {expected}")
    filters, channels, kernel = w1[0], w1[1], w1[2]
    # fc1 sees filters * side^2 values, where side = (H - k + 1) / 2 after the 2x2 pool.
    per_filter, rem = divmod(w2[0], filters)
    side = math.isqrt(per_filter)
    if rem or side * side != per_filter:
        raise _Invalid(f"W2 has {w2[0]} inputs, which is not {filters} filters times a square "
                       f"pooled map; cannot infer the input size")
    height = 2 * side + kernel - 1
    spec = preset_spec("simple", (channels, height, height), w3[1])
    spec["layers"][0].update(filters=filters, kernel=kernel)
    next(layer for layer in spec["layers"] if layer.get("name") == "fc1")["units"] = w2[1]
    return spec
