"""Training history: loss/accuracy per step and per epoch, as JSON-able data."""
from __future__ import annotations

from dataclasses import asdict
from typing import Dict, Iterable, List, Optional

import numpy as np


class FloatSeries:
    """A growable column of floats that reads like a list (append, len, index, slice,
    iterate, ==) but keeps them in a float64 array: 8 bytes a value (amortised doubling)
    where a list of Python floats takes about 32. ``np.asarray`` gives the values."""

    __slots__ = ("_buf", "_n")

    def __init__(self, values: Iterable[float] = ()):
        a = np.asarray(list(values) if not isinstance(values, np.ndarray) else values, np.float64).ravel()
        self._buf = np.empty(max(256, 2 * len(a)))
        self._buf[:len(a)] = a
        self._n = len(a)

    def append(self, value: float) -> None:
        if self._n == len(self._buf):
            grown = np.empty(2 * len(self._buf))
            grown[:self._n] = self._buf[:self._n]
            self._buf = grown
        self._buf[self._n] = value
        self._n += 1

    def __len__(self) -> int:
        return self._n

    def __getitem__(self, index):
        if isinstance(index, slice):
            return self._buf[:self._n][index].tolist()
        return float(self._buf[:self._n][index])

    def __iter__(self):
        return iter(self.tolist())

    def __eq__(self, other) -> bool:
        return self.tolist() == list(other)

    def __array__(self, dtype=None, copy=None):
        return np.array(self._buf[:self._n], dtype=dtype)

    def tolist(self) -> List[float]:
        return self._buf[:self._n].tolist()

    def __repr__(self) -> str:
        return f"FloatSeries({self.tolist()!r})"


class History:
    """What a run measured. Steps grow by one entry per mini-batch (append is O(1); the
    values are kept in :class:`FloatSeries`, compact for long runs); epochs hold one dict
    per epoch (train/test loss and accuracy, seconds, samples/s).

    Steps are numbered globally: a second run on the same model continues the count.
    """

    def __init__(self):
        self.step_loss = FloatSeries()
        self.step_acc = FloatSeries()
        self.step_lr = FloatSeries()
        self.epochs: List[Dict] = []
        self.steps_per_epoch: Optional[int] = None
        self.step_stride = 1      # >1 after compaction: each stored step averages this many

    def add_step(self, loss: float, acc: float, lr: float) -> None:
        self.step_loss.append(loss)
        self.step_acc.append(acc)
        self.step_lr.append(lr)

    def add_epoch(self, event) -> None:
        """Record an EpochEvent (any object with the EpochEvent fields)."""
        entry = {k: v for k, v in asdict(event).items() if k != "kind"}
        entry["epoch"] = len(self.epochs) + 1
        entry["step"] = self.steps_done()
        self.epochs.append(entry)

    def steps_done(self) -> int:
        return len(self.step_loss) * self.step_stride

    def to_dict(self, max_steps: int = 20000) -> dict:
        """JSON-able form; more than ``max_steps`` step entries are averaged in blocks."""
        loss, acc, lr = (s.tolist() for s in (self.step_loss, self.step_acc, self.step_lr))
        stride = self.step_stride
        if len(loss) > max_steps:
            k = -(-len(loss) // max_steps)
            loss, acc, lr = (_block_mean(a, k) for a in (loss, acc, lr))
            stride *= k
        return {"step_loss": loss, "step_acc": acc, "step_lr": lr, "step_stride": stride,
                "steps_per_epoch": self.steps_per_epoch, "epochs": [dict(e) for e in self.epochs]}

    @classmethod
    def from_dict(cls, data: Optional[dict]) -> "History":
        """Inverse of :meth:`to_dict`; missing keys give an empty history."""
        h = cls()
        if not data:
            return h
        h.step_loss = FloatSeries(data.get("step_loss", []))
        h.step_acc = FloatSeries(data.get("step_acc", []))
        h.step_lr = FloatSeries(data.get("step_lr", []))
        h.step_stride = int(data.get("step_stride", 1) or 1)
        h.steps_per_epoch = data.get("steps_per_epoch")
        h.epochs = [dict(e) for e in data.get("epochs", [])]
        return h


def _block_mean(values: List[float], k: int) -> List[float]:
    a = np.asarray(values, dtype=np.float64)
    n = len(a) // k * k
    means = a[:n].reshape(-1, k).mean(axis=1).tolist()
    if n < len(a):
        means.append(float(a[n:].mean()))
    return means
