"""Telling a run that has gone wrong from one that is merely noisy: the divergence guard.

:class:`~cnnviz.train.trainer.Trainer` asks its guard about every step, before
the step's update is applied:

- ``check_loss(loss, step)`` right after the forward pass. A loss that is not a
  finite number is a divergence at once. A loss far above the recent level is
  suspect: more than :attr:`~GuardSettings.factor` times the level, and at
  least :attr:`~GuardSettings.margin` nats above every good loss of the last
  :attr:`~GuardSettings.tail_window` steps. The level is the median of the last
  :attr:`~GuardSettings.window` good losses, and, until :attr:`~GuardSettings.min_steps` of them have been seen,
  at least ln(classes), the loss of a network that guesses (2.3 for ten
  classes). So the first steps, a well-trained network's tiny losses doubling
  and the noise of small batches (whose odd misclassified sample costs several
  nats, and which the window's largest loss then shows) do not count;
  :attr:`~GuardSettings.persist` suspect steps in a row are a divergence (a
  batch can be unlucky, a diverged run stays diverged).
- ``check_gradients(grads, batch, step)`` after the backward pass. When every
  weight gradient of a layer is exactly zero, no signal came back through it:
  the batch is traced (inference) to find a ReLU layer whose every output is
  0 on it (a "dead ReLU", which cannot learn again). That is a divergence at once.
- ``trusted`` then says whether the step's weights may be kept as the last
  good ones (not while steps are suspect), and ``accept(loss)`` records the
  loss of a step that was not suspect.

Each check returns None or a :class:`Divergence`. The trainer then stops,
puts back the weights and optimizer state of the last good step (from before
the first suspect step), and ends with a ``DoneEvent(reason="diverged")``
whose ``divergence`` is that object, ``restored_step`` the step of the weights
put back, and ``message`` says it in words a student understands::

    Training diverged at step 813: the learning rate 5 is too high: every unit
    of conv1 now outputs 0 after its ReLU ('dead ReLU'), so it cannot learn any
    more; the weights of step 812 (the last good ones) are kept. Try a lower
    learning rate.

The GUI's training worker, which runs :meth:`Trainer.steps`, gets the same
event; ``Trainer(..., guard=DivergenceGuard(net, GuardSettings(...)))`` sets
other thresholds. No Qt here.
"""
from __future__ import annotations

import math
from collections import deque
from dataclasses import dataclass
from typing import Dict, Optional

import numpy as np

from ..nn.network import Network


@dataclass(frozen=True)
class GuardSettings:
    """The thresholds of :class:`DivergenceGuard` (losses in nats per sample)."""

    factor: float = 10.0        # a loss this many times the recent level ...
    margin: float = 1.0         # ... and this far above the window's largest loss is suspect
    persist: int = 3            # suspect steps in a row that make a divergence
    window: int = 50            # good steps whose median is the recent level
    tail_window: int = 500      # good steps whose largest loss a suspect one must exceed
    min_steps: int = 20         # good steps before the level may fall below ln(classes)
    trace_cooldown: int = 50    # steps without a dead-ReLU search after one that found none


@dataclass(frozen=True)
class Divergence:
    """What the guard saw.

    ``cause``: "not-finite" (the loss is NaN or infinite), "loss-jump" (the loss
    stayed far above its recent level), "dead-relu" or "bad-update" (the last
    update left non-finite weights or an evaluation loss that is not finite);
    ``what``: the finding in plain words, without the learning rate or the
    weights kept (the trainer adds those); ``step``: how many updates had made
    the weights that first showed it; ``layer``: for "dead-relu", the layer
    whose every unit now outputs 0 after its ReLU (``relu`` names the ReLU layer).
    """

    cause: str
    what: str
    step: int
    layer: Optional[str] = None
    relu: Optional[str] = None


class DivergenceGuard:
    """Watches a run's losses and gradients for divergence (see the module docstring)."""

    def __init__(self, network: Network, settings: Optional[GuardSettings] = None):
        self.net = network
        self.settings = settings or GuardSettings()
        self._recent: deque = deque(maxlen=self.settings.window)
        self._tail: deque = deque(maxlen=self.settings.tail_window)
        self._guess_loss = math.log(max(2, network.num_classes))
        self._suspect: list = []          # (step, loss, level) of the suspect steps in a row
        self._no_trace_before = 0

    @property
    def trusted(self) -> bool:
        """Whether the weights of the step just checked may be kept as the last good ones."""
        return not self._suspect

    def level(self) -> Optional[float]:
        """The recent loss level (see the module docstring), or None before the first good step."""
        if not self._recent:
            return None
        level = float(np.median(self._recent))
        return level if len(self._recent) >= self.settings.min_steps else max(level, self._guess_loss)

    def check_loss(self, loss: float, step: int) -> Optional[Divergence]:
        """Whether ``loss``, given by the weights of ``step``, shows a divergence (or is suspect)."""
        s = self.settings
        if not math.isfinite(loss):
            first = self._suspect[0][0] if self._suspect else step
            return Divergence("not-finite", f"the loss became {loss} (not a finite number)", first)
        level = self.level()
        if level is None or not (loss > s.factor * level and loss > max(self._tail) + s.margin):
            self._suspect.clear()
            return None
        self._suspect.append((step, loss, level))
        if len(self._suspect) < s.persist:
            return None
        first, first_loss, before = self._suspect[0]
        return Divergence("loss-jump", f"the loss jumped to {first_loss:.4g}, more than {s.factor:g} times its "
                                       f"recent level ({before:.3g}) and above every recent loss, and stayed "
                                       f"there for {len(self._suspect)} steps (now {loss:.4g})", first)

    def check_gradients(self, grads: Dict[str, np.ndarray], batch: np.ndarray, step: int
                        ) -> Optional[Divergence]:
        """Whether a ReLU layer is dead on ``batch`` (N, C, H, W), the input of the step whose
        ``grads`` are given. Traces the batch only when some weight gradient is exactly zero."""
        if step < self._no_trace_before:
            return None
        if all(g.any() for name, g in grads.items() if name.endswith(".W")):
            return None
        previous = "the input"
        for entry in self.net.trace(batch):
            if entry.kind == "ReLU" and not entry.value.any():
                first = self._suspect[0][0] if self._suspect else step
                return Divergence("dead-relu", f"every unit of {previous} now outputs 0 after its ReLU "
                                               f"('dead ReLU'), so it cannot learn any more", first,
                                  layer=previous, relu=entry.name)
            previous = "the input" if entry.kind == "Input" else entry.name
        self._no_trace_before = step + self.settings.trace_cooldown
        return None

    def accept(self, loss: float) -> None:
        """Record the loss of a step that was not suspect (a suspect one is ignored)."""
        if not self._suspect:
            self._recent.append(float(loss))
            self._tail.append(float(loss))
