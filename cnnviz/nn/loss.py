"""Softmax and the softmax cross-entropy loss."""
from __future__ import annotations

import numpy as np


def softmax(logits: np.ndarray) -> np.ndarray:
    """Row-wise softmax of (N, K) scores; rows sum to 1. Stable for large inputs."""
    z = logits - logits.max(axis=1, keepdims=True)
    np.exp(z, out=z)
    z /= z.sum(axis=1, keepdims=True)
    return z


class SoftmaxCrossEntropy:
    """Mean cross-entropy of softmax(logits) against integer labels.

    ``forward(logits (N, K), labels (N,) ints)`` -> loss (float, nats per sample);
    ``backward()`` -> d loss / d logits = (softmax - target) / N, shape (N, K).

    ``smoothing`` (label smoothing, in [0, 1)) trains against a softened target:
    1 - smoothing + smoothing / K for the labelled class, smoothing / K for every
    other; the loss is then the cross-entropy with that target (0 is plain one-hot).
    """

    def __init__(self, smoothing: float = 0.0):
        if not 0.0 <= smoothing < 1.0:
            raise ValueError(f"label smoothing must be in [0, 1), got {smoothing}")
        self.smoothing = float(smoothing)

    def forward(self, logits: np.ndarray, labels: np.ndarray) -> float:
        """Mean cross-entropy in nats per sample of logits (N, K) against labels (N,)."""
        n, k = logits.shape
        p = softmax(logits)
        self.probs, self.labels = p, labels
        log_p = np.log(np.maximum(p, np.finfo(p.dtype).tiny))
        picked = log_p[np.arange(n), labels]
        if self.smoothing == 0.0:
            return float(-np.mean(picked))
        e = self.smoothing
        return float(-np.mean((1.0 - e) * picked + e / k * log_p.sum(axis=1)))

    def backward(self) -> np.ndarray:
        """d loss / d logits of the last forward: (N, K) = (softmax - target) / N."""
        n, k = self.probs.shape
        d = self.probs - self.smoothing / k if self.smoothing else self.probs.copy()
        d[np.arange(n), self.labels] -= 1.0 - self.smoothing
        d /= n
        return d
