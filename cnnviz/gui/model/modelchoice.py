"""Which model the app shows: the shipped one, a file, or an untrained preset."""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import List, Optional, Sequence, Tuple

from ... import shipped
from ...modelio import ModelFileError, open_any_model
from ...nn import Network, preset_spec

#: the folder holding the cnnviz package: paths under it are shown relative to it
ROOT = Path(__file__).resolve().parents[3]
DIGITS = [str(i) for i in range(10)]


@dataclass
class ModelChoice:
    """A network ready to show, its class names, meta data and where it came from."""
    network: Network
    class_names: List[str]
    meta: dict = field(default_factory=dict)
    source: str = ""                     # file path, or "" for a preset built in memory


def is_untrained(meta: dict) -> bool:
    """True for a network with random weights (a preset never trained), from its meta data."""
    return bool(meta.get("untrained") or (meta.get("extra") or {}).get("untrained"))


def untrained_model(preset: str = "simple", input_shape: Sequence[int] = (1, 28, 28),
                    class_names: Sequence[str] = DIGITS, seed: int = 0) -> ModelChoice:
    """Preset ``preset`` with random initial weights: the "before training" picture."""
    network = Network(preset_spec(preset, input_shape, len(class_names)), seed=seed)
    return ModelChoice(network, list(class_names), {"untrained": True, "preset": preset, "seed": seed}, "")


def open_model_file(path) -> ModelChoice:
    """A model file as a ModelChoice: a cnnviz .npz, or the textbook's pickled params.pkl
    (told apart by content, see :func:`cnnviz.modelio.open_any_model`).

    Raises :class:`cnnviz.modelio.ModelFileError` with one clear message.
    """
    loaded = open_any_model(path)
    return ModelChoice(loaded.network, list(loaded.class_names), dict(loaded.meta), str(path))


def startup_model(path: Optional[Path] = None) -> Tuple[ModelChoice, str]:
    """The model the app opens with, and a status-bar note about it.

    The shipped digits model when it can be read; otherwise the untrained
    ``simple`` preset, with a note saying why.
    """
    path = Path(path) if path is not None else shipped.model_path()
    if not path.is_file():
        return untrained_model(), (f"No trained model found ({_short(path)}): showing an untrained "
                                   f"network.")
    try:
        choice = open_model_file(path)
    except ModelFileError as e:
        return untrained_model(), f"{e}. Showing an untrained 'simple' network instead."
    return choice, f"Loaded {_short(path)}."


def _short(path: Path) -> str:
    try:
        return str(Path(path).resolve().relative_to(ROOT))
    except ValueError:
        return str(path)
