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
    ``backward()`` -> d loss / d logits = (softmax - onehot) / N, shape (N, K).
    """

    def forward(self, logits: np.ndarray, labels: np.ndarray) -> float:
        """Mean cross-entropy in nats per sample of logits (N, K) against labels (N,)."""
        n = logits.shape[0]
        p = softmax(logits)
        self.probs, self.labels = p, labels
        picked = p[np.arange(n), labels]
        return float(-np.mean(np.log(np.maximum(picked, np.finfo(p.dtype).tiny))))

    def backward(self) -> np.ndarray:
        """d loss / d logits of the last forward: (N, K) = (softmax - onehot) / N."""
        n = self.probs.shape[0]
        d = self.probs.copy()
        d[np.arange(n), self.labels] -= 1.0
        d /= n
        return d
