"""Training history: loss/accuracy per step and per epoch, as JSON-able data."""
from __future__ import annotations

from dataclasses import asdict
from typing import Dict, List, Optional

import numpy as np


class History:
    """What a run measured. Steps grow by one entry per mini-batch (append is O(1));
    epochs hold one dict per epoch (train/test loss and accuracy, seconds, samples/s).

    Steps are numbered globally: a second run on the same model continues the count.
    """

    def __init__(self):
        self.step_loss: List[float] = []
        self.step_acc: List[float] = []
        self.step_lr: List[float] = []
        self.epochs: List[Dict] = []
        self.steps_per_epoch: Optional[int] = None
        self.step_stride = 1      # >1 after compaction: each stored step averages this many

    def add_step(self, loss: float, acc: float, lr: float) -> None:
        self.step_loss.append(float(loss))
        self.step_acc.append(float(acc))
        self.step_lr.append(float(lr))

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
        loss, acc, lr, stride = self.step_loss, self.step_acc, self.step_lr, self.step_stride
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
        h.step_loss = [float(v) for v in data.get("step_loss", [])]
        h.step_acc = [float(v) for v in data.get("step_acc", [])]
        h.step_lr = [float(v) for v in data.get("step_lr", [])]
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
