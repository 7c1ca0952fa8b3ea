"""How the app describes a model: its status bar line and the "About this model" report."""
from __future__ import annotations

from pathlib import Path
from typing import List, Sequence

from ...nn import Network
from .modelchoice import is_untrained


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


def what_to_draw(class_names: List[str]) -> str:
    """"a digit", "a letter", '"cat", "dog" or "ㄱ"' (a few short names of one's own) or
    "something", from the class names."""
    if class_names and all(len(n) == 1 and n.isdigit() for n in class_names):
        return "a digit"
    if class_names and all(len(n) == 1 and n.isalpha() for n in class_names):
        return "a letter"
    if 2 <= len(class_names) <= 4 and all(len(n) <= 12 for n in class_names):
        quoted = [f"\u201c{n}\u201d" for n in class_names]
        return ", ".join(quoted[:-1]) + " or " + quoted[-1]
    return "something"
