"""Which model the app shows: the shipped one, a file, or an untrained preset, and how
to describe it (status bar line, "About this model" text)."""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import List, Optional, Sequence, Tuple

from ... import shipped
from ...modelio import ModelFileError, load_model
from ...nn import Network, preset_spec
from ..views.probabilities import is_untrained_meta

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
    """True for a network with random weights (a preset never trained)."""
    return is_untrained_meta(meta)


def untrained_model(preset: str = "simple", input_shape: Sequence[int] = (1, 28, 28),
                    class_names: Sequence[str] = DIGITS, seed: int = 0) -> ModelChoice:
    """Preset ``preset`` with random initial weights: the "before training" picture."""
    network = Network(preset_spec(preset, input_shape, len(class_names)), seed=seed)
    return ModelChoice(network, list(class_names), {"untrained": True, "preset": preset, "seed": seed}, "")


def open_model_file(path) -> ModelChoice:
    """A model file as a ModelChoice: cnnviz .npz, or the textbook's params.pkl.

    Raises :class:`cnnviz.modelio.ModelFileError` with one clear message.
    """
    path = Path(path)
    if path.suffix.lower() == ".pkl":
        from ...modelio import import_textbook_params
        loaded = import_textbook_params(path)
    else:
        loaded = load_model(path)
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


def describe(choice_meta: dict, network: Network, source: str) -> str:
    """One line for the status bar: file, architecture, data set, accuracy."""
    if is_untrained(choice_meta):
        return f"Untrained '{network.name}' network (random weights)"
    parts = [Path(source).name if source else network.name, network.name]
    if choice_meta.get("dataset"):
        parts.append(str(choice_meta["dataset"]))
    acc = choice_meta.get("test_accuracy")
    if isinstance(acc, (int, float)):
        parts.append(f"test accuracy {100 * acc:.1f}%")
    return "Model: " + " · ".join(dict.fromkeys(parts))


def about_text(network: Network, class_names: Sequence[str], meta: dict, source: str) -> str:
    """The "About this model" report: architecture summary and training meta data."""
    lines = [network.summary(), ""]
    lines.append(f"file:           {source or '(not saved: built in memory)'}")
    names = ", ".join(class_names) if len(class_names) <= 40 else ", ".join(class_names[:40]) + ", …"
    lines.append(f"classes ({len(class_names)}):   {names}")
    lines.append(f"input:          {'x'.join(map(str, network.input_shape))} (channels x height x width)")
    if is_untrained(meta):
        lines.append(f"training:       none - random initial weights (seed {meta.get('seed', '?')})")
        return "\n".join(lines)
    acc = meta.get("test_accuracy")
    pre = meta.get("preprocessing") or {}
    lines += [
        f"data set:       {meta.get('dataset') or 'unknown'}",
        f"test accuracy:  {f'{100 * acc:.2f}%' if isinstance(acc, (int, float)) else 'unknown'}",
        f"history:        {history_text(meta.get('history') or {})}",
        f"command:        {meta.get('command') or 'unknown'}",
        f"preprocessing:  {pre.get('kind', 'default')}",
        f"created:        {meta.get('created') or 'unknown'}"
        + (f" by cnnviz {meta['cnnviz_version']}" if meta.get("cnnviz_version") else ""),
    ]
    return "\n".join(lines)


def history_text(history: dict) -> str:
    """"2 epochs (last: train 92.5%, test 93.2%), 240 steps" from a model's training history."""
    epochs = history.get("epochs")
    if isinstance(epochs, list):
        n = len(epochs)
    else:        # per-epoch lists such as "train_acc": as long as the longest one
        n = max((len(v) for k, v in history.items() if isinstance(v, list) and not k.startswith("step")),
                default=0)
    if not n and not history:
        return "none recorded"
    text = f"{n} epoch{'s' if n != 1 else ''}"
    last = epochs[-1] if isinstance(epochs, list) and epochs and isinstance(epochs[-1], dict) else {}
    parts = [f"{k.split('_')[0]} {100 * last[k]:.1f}%" for k in ("train_accuracy", "test_accuracy")
             if isinstance(last.get(k), (int, float))]
    if parts:
        text += f" (last: {', '.join(parts)})"
    steps = history.get("step_loss")
    if isinstance(steps, list) and steps:
        stride = history.get("step_stride") if isinstance(history.get("step_stride"), int) else 1
        text += f", {len(steps) * max(1, stride):,} training steps"
    return text


def _short(path: Path) -> str:
    try:
        return str(Path(path).resolve().relative_to(ROOT))
    except ValueError:
        return str(path)
