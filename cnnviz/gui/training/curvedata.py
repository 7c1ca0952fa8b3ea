"""The numbers behind the training curves, without Qt: what a run has reported so far
(:class:`CurveData`: growing columns, the moving averages), and where the curves' axes,
epoch marks and learning-rate labels go.
"""
from __future__ import annotations

import math
from typing import Dict, List, Optional, Tuple

import numpy as np

SMOOTH_STEPS = 30          # time constant of the moving average, in steps
#: while live, the step axis ends at the next of these (times a power of ten) past the last step: it
#: moves now and then instead of on every redraw (each move redraws all axes, twice)
LIVE_X_STEPS = (1.0, 1.2, 1.5, 2.0, 2.5, 3.0, 4.0, 5.0, 6.0, 8.0, 10.0)
MAX_EPOCH_LINES = 30       # more epochs than this: mark every k-th one
MAX_EPOCH_LABELS = 8       # epoch numbers written in the loss plot at most


class GrowingColumns:
    """Named float64 columns that grow by appending rows, with amortised doubling.

    ``view(name)`` is a contiguous array of the ``len(self)`` values so far
    (a view: valid until the next append that reallocates).
    """

    def __init__(self, names, capacity: int = 1024):
        self._cols: Dict[str, np.ndarray] = {n: np.empty(capacity) for n in names}
        self.n = 0

    def __len__(self) -> int:
        return self.n

    def append(self, **values: np.ndarray) -> None:
        k = len(next(iter(values.values())))
        need = self.n + k
        cap = len(next(iter(self._cols.values())))
        if need > cap:
            cap = max(need, 2 * cap)
            for name, old in self._cols.items():
                new = np.empty(cap)
                new[:self.n] = old[:self.n]
                self._cols[name] = new
        for name, v in values.items():
            self._cols[name][self.n:need] = v
        self.n = need

    def view(self, name: str) -> np.ndarray:
        return self._cols[name][:self.n]

    def last(self, name: str) -> float:
        return float(self._cols[name][self.n - 1])

    def clear(self) -> None:
        self.n = 0


class Ema:
    """Bias-corrected exponential moving average, fed one value (or a block) at a time."""

    def __init__(self, steps: float = SMOOTH_STEPS):
        self.decay = math.exp(-1.0 / steps)
        self.clear()

    def clear(self):
        self._raw = 0.0
        self._weight = 1.0      # decay ** (steps seen); 1 - it corrects the start-up bias

    def update(self, values: np.ndarray, stride: int = 1) -> np.ndarray:
        """Smoothed value after each of ``values`` (each standing for ``stride`` steps)."""
        a = self.decay ** stride
        out = np.empty(len(values))
        raw, weight = self._raw, self._weight
        for i, v in enumerate(values.tolist()):
            if math.isfinite(v):
                raw = a * raw + (1 - a) * v
                weight *= a
            out[i] = raw / (1 - weight) if weight < 1 else math.nan
        self._raw, self._weight = raw, weight
        return out


class CurveData:
    """What the curves show: a row per training step (or block of steps) and a record per epoch.

    ``steps`` has the columns step, loss, loss_ema (its moving average), acc and
    acc_ema (percent), lr; each row stands for ``stride`` steps (more than 1 in a
    compacted saved run). ``epochs`` holds one record per finished epoch (keys
    epoch, step, train_loss, train_accuracy, test_loss, test_accuracy, ...;
    accuracies in [0, 1]). ``lr_range`` is the lowest and highest learning rate seen.
    """

    def __init__(self):
        self.steps = GrowingColumns(("step", "loss", "loss_ema", "acc", "acc_ema", "lr"))
        self.epochs: List[dict] = []
        self.stride = 1
        self.lr_range = (math.inf, -math.inf)
        self._loss_ema, self._acc_ema = Ema(), Ema()

    def is_empty(self) -> bool:
        """True when no step and no epoch has arrived."""
        return not len(self.steps) and not self.epochs

    def add_steps(self, rows: np.ndarray) -> None:
        """Append rows (step, loss, accuracy, lr), float64 shape (n, 4); accuracy in [0, 1]."""
        self._append(rows[:, 0], rows[:, 1], rows[:, 2], rows[:, 3], 1)

    def add_epoch(self, record: dict) -> None:
        """Append a copy of one finished epoch's record (keys as in ``epochs``)."""
        self.epochs.append(dict(record))

    def load(self, history) -> None:
        """Replace everything by a saved run (a :class:`cnnviz.train.History`).

        With ``history.step_stride`` k > 1 each stored value is the mean of k
        steps; it is placed at the middle of its block.
        """
        self.clear()
        k = max(1, int(getattr(history, "step_stride", 1) or 1))
        n = len(history.step_loss)
        self.stride = k
        if n:
            step = np.arange(n) * k + (k + 1) / 2
            self._append(step, np.asarray(history.step_loss, np.float64),
                         np.asarray(history.step_acc, np.float64),
                         np.asarray(history.step_lr, np.float64), k)
        for e in history.epochs:
            self.epochs.append(dict(e))

    def clear(self) -> None:
        """Forget every step and epoch (and the moving averages' history)."""
        self.steps.clear()
        self.epochs = []
        self.stride = 1
        self.lr_range = (math.inf, -math.inf)
        self._loss_ema.clear()
        self._acc_ema.clear()

    def _append(self, step, loss, acc, lr, stride):
        lo, hi = self.lr_range
        self.lr_range = (min(lo, float(np.min(lr))), max(hi, float(np.max(lr))))
        self.steps.append(step=step, loss=loss, loss_ema=self._loss_ema.update(loss, stride),
                          acc=acc * 100, acc_ema=self._acc_ema.update(acc * 100, stride), lr=lr)


def epoch_column(records: List[dict], key: str, scale: float = 1.0) -> np.ndarray:
    """records[i][key] * scale as float64, NaN where missing or None."""
    return np.array([np.nan if r.get(key) is None else float(r[key]) * scale for r in records], np.float64)


def nearest_row(steps: np.ndarray, x: float) -> int:
    """Index of the value of the sorted, non-empty ``steps`` nearest to ``x`` (the first of a tie)."""
    i = int(np.clip(np.searchsorted(steps, x), 0, len(steps) - 1))
    return i - 1 if i > 0 and abs(steps[i - 1] - x) <= abs(steps[i] - x) else i


def live_axis_end(last: float) -> float:
    """Where the step axis ends while live: the first of LIVE_X_STEPS times a power of ten
    at or past ``last`` (the newest step) plus 5%."""
    power = 10.0 ** math.floor(math.log10(max(last * 1.05, 10.0)))
    return next(m * power for m in LIVE_X_STEPS if m * power >= last * 1.05)


def epoch_boundaries(epochs: List[dict]) -> Tuple[List[Tuple[float, int]], List[Tuple[float, int]]]:
    """(marked, labelled): (step, epoch) of the epochs that get a boundary line - every one, or
    every k-th past MAX_EPOCH_LINES - and of those the ones numbered (MAX_EPOCH_LABELS at most)."""
    every = max(1, math.ceil(len(epochs) / MAX_EPOCH_LINES))
    marks = [(e["step"], e["epoch"]) for i, e in enumerate(epochs) if (i + 1) % every == 0]
    label_every = max(1, math.ceil(len(marks) / MAX_EPOCH_LABELS))
    return marks, [(s, e) for i, (s, e) in enumerate(marks) if (i + 1) % label_every == 0]


def lr_axis(lo: float, top: float, current: float) -> Tuple[List[float], Tuple[float, float]]:
    """Labels and range of the log learning-rate axis for rates from ``lo`` to ``top``
    (0 < lo <= top): (the rates to label - highest, lowest, current, each only where it
    does not crowd the ones before - and the log10 range, with room for each label)."""
    a, b = math.log10(lo), math.log10(top)
    pad = max(0.4, 0.35 * (b - a))         # about half a label's height above and below
    levels: List[float] = []
    for v in (top, lo, current):
        if v > 0 and math.isfinite(v) and all(abs(math.log10(v) - math.log10(u)) > 0.15 * (b - a + 2 * pad)
                                              for u in levels):
            levels.append(v)
    return levels, (a - pad, b + pad)


def accuracy_range(data: CurveData) -> Optional[Tuple[float, float]]:
    """The accuracy plot's y range (percent) around the epoch results (97% vs 99% must be
    visible) and the smoothed batch accuracy since the last of them (the live line stays in
    view); the batch accuracy of earlier epochs, which starts near chance, may run below.
    None when there is nothing to fit."""
    epochs, steps = data.epochs, data.steps
    vals = np.concatenate([epoch_column(epochs, "train_accuracy", 100),
                           epoch_column(epochs, "test_accuracy", 100)])
    if len(vals) and len(steps):
        since = np.searchsorted(steps.view("step"), epochs[-1]["step"], side="right")
        vals = np.concatenate([vals, steps.view("acc_ema")[since:]])
    vals = vals[np.isfinite(vals)]
    if not len(vals):
        return None
    lo, hi = float(vals.min()), float(vals.max())
    pad = max(1.0, 0.2 * (hi - lo))
    return max(0.0, lo - pad), min(101.0, hi + pad)
