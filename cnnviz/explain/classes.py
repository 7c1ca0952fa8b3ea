"""Class names and class indices, checked against a network's outputs."""
from __future__ import annotations

from typing import List, Optional, Sequence

from ..nn import Network


def class_labels(network: Network, class_names: Optional[Sequence[str]]) -> List[str]:
    """``class_names`` as strings (the indices when None); ValueError unless one per output."""
    if class_names is None:
        return [str(i) for i in range(network.num_classes)]
    names = [str(n) for n in class_names]
    if len(names) != network.num_classes:
        raise ValueError(f"{len(names)} class names for {network.num_classes} outputs")
    return names


def checked_class(network: Network, index, what: str = "class") -> int:
    """``index`` as a valid output index, else ValueError naming the number of classes."""
    try:
        k = int(index)
        ok = k == index and 0 <= k < network.num_classes
    except (TypeError, ValueError):
        ok = False
    if not ok:
        raise ValueError(f"{what} {index!r} does not exist; the network has {network.num_classes} classes "
                         f"(0 to {network.num_classes - 1})")
    return k
