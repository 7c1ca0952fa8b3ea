"""What opening a model file gives: the network and everything its file said about it."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Dict, List, Optional

from ..nn.network import Network


def _meta_field(key: str, doc: str) -> property:
    return property(lambda self: self.meta[key], doc=doc)


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

    architecture = _meta_field("architecture", "The architecture spec (dict), as Network takes it.")
    preprocessing = _meta_field("preprocessing", "How images become input: {'kind': ..., ...}.")
    history = _meta_field("history", "The training history (dict of lists and numbers).")
    dataset = _meta_field("dataset", "The data set it was trained on, or None.")
    test_accuracy = _meta_field("test_accuracy", "Test accuracy in [0, 1], or None.")
    command = _meta_field("command", "The command line that trained it, or None.")
    created = _meta_field("created", "When it was saved (ISO 8601, UTC), or None.")
    extra = _meta_field("extra", "Free JSON data (dict).")
