"""Dead and lazy filters of the shown network, as one evaluation measured them.

The Evaluation panel measures them (:func:`cnnviz.evaluation.filter_health`) and hands
them to the :class:`~cnnviz.gui.model.inspector.Inspector`; the Filters view flags them and
the network strip counts them, each reading them from there.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import List, Optional, Tuple

from ...evaluation import FilterHealth, LayerFilterHealth


@dataclass(frozen=True)
class FilterFlags:
    """``health``: the measurement; ``measured``: on what and with which weights, in words
    that complete "measured ..." (e.g. "on 10,000 mnist test images, with the weights of
    step 1,200")."""
    health: FilterHealth
    measured: str

    def of_layer(self, name: str) -> Optional[LayerFilterHealth]:
        """The entry of convolution ``name`` (a strip name such as "conv2"), or None when it was not judged."""
        try:
            return self.health.layer(name)
        except KeyError:
            return None

    def kinds(self, layer: LayerFilterHealth) -> List[Tuple[str, Tuple[int, ...], str]]:
        """(kind, filter numbers, what the kind means) for the dead and the lazy filters of
        ``layer`` that there are, e.g. ("dead", (3, 7), "silent on every image")."""
        pct = round(100 * self.health.lazy_fraction)
        out = [("dead", layer.dead, "silent on every image"),
               ("lazy", layer.lazy, f"silent on at least {pct}% of the images")]
        return [k for k in out if k[1]]

    def describe(self, layer: LayerFilterHealth) -> str:
        """What the flags of one convolution say, in plain words with the filter numbers
        (e.g. "conv2: dead (silent on every image): filters 3, 7")."""
        parts = [f"{kind} ({meaning}): filter{'s' if len(found) > 1 else ''} {_numbers(found)}"
                 for kind, found, meaning in self.kinds(layer)]
        return f"{layer.conv}: " + ("; ".join(parts) if parts else "no dead or lazy filter")


def _numbers(indices, most: int = 12) -> str:
    shown = ", ".join(str(i) for i in indices[:most])
    return shown + (f" and {len(indices) - most} more" if len(indices) > most else "")
