"""Learning-rate schedules: the learning rate as a function of the step number.

A schedule is a plain function ``lr(step)`` for steps 1, 2, ... that an
optimizer calls before each step (``Optimizer.schedule``). ``constant`` keeps
the learning rate given; ``one-cycle`` (Smith and Topin's "super-convergence"
policy) warms up from a small rate to a peak and anneals to almost zero by the
last step, which trains a network in a few epochs to what a constant rate
needs many for.
"""
from __future__ import annotations

import math
from typing import Callable, Optional

SCHEDULES = ("constant", "one-cycle")


def one_cycle(peak: float, total_steps: int, warmup: float = 0.25, start_div: float = 25.0,
              end_div: float = 1e4) -> Callable[[int], float]:
    """The one-cycle schedule over ``total_steps`` steps.

    The rate rises from ``peak / start_div`` to ``peak`` over the first
    ``warmup`` fraction of the steps and falls back to ``peak / end_div`` at the
    last one, both halves along a cosine. Steps past the end keep the last rate.
    """
    if not peak > 0 or total_steps < 1 or not 0 < warmup < 1:
        raise ValueError(f"one-cycle needs peak > 0, total_steps >= 1 and 0 < warmup < 1, "
                         f"got {peak}, {total_steps}, {warmup}")
    start, end = peak / start_div, peak / end_div
    rise = max(1, round(warmup * total_steps))

    def cosine(a: float, b: float, frac: float) -> float:
        return b + (a - b) * (1 + math.cos(math.pi * min(max(frac, 0.0), 1.0))) / 2

    def lr(step: int) -> float:
        if step <= rise:
            return cosine(start, peak, (step - 1) / max(rise - 1, 1))
        return cosine(peak, end, (step - rise) / max(total_steps - rise, 1))
    return lr


def make_schedule(name: str, lr: float, total_steps: int) -> Optional[Callable[[int], float]]:
    """The schedule called ``name`` (one of SCHEDULES) peaking at ``lr`` over ``total_steps``
    steps, or None for ``constant`` (the optimizer keeps its rate)."""
    if name == "constant":
        return None
    if name == "one-cycle":
        return one_cycle(lr, total_steps)
    raise ValueError(f"unknown schedule {name!r}; choose from {', '.join(SCHEDULES)}")
