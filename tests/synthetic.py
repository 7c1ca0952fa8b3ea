"""A tiny synthetic image-classification problem shared by training tests."""
import numpy as np


def bars(n: int, side: int = 8, seed: int = 0):
    """Images (n, 1, side, side) uint8 of a horizontal bar (class 0), a vertical bar (1)
    or a diagonal (2) at a random position, with noise; labels (n,) int64."""
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 3, n)
    x = rng.integers(0, 40, (n, 1, side, side)).astype(np.float64)
    pos = rng.integers(1, side - 1, n)
    idx = np.arange(n)
    x[idx[y == 0], 0, pos[y == 0], :] = 255
    x[idx[y == 1], 0, :, pos[y == 1]] = 255
    diag = np.eye(side, dtype=bool)
    x[idx[y == 2], 0] = np.where(diag, 255, x[idx[y == 2], 0])
    return x.astype(np.uint8), y.astype(np.int64)


TINY_NET = {"name": "tiny", "input_shape": [1, 8, 8], "layers": [
    {"type": "conv", "name": "conv1", "filters": 4, "kernel": 3, "padding": "same"},
    {"type": "relu", "name": "relu1"},
    {"type": "maxpool", "name": "pool1", "kernel": 2, "stride": 2},
    {"type": "dropout", "name": "drop1", "rate": 0.1},
    {"type": "flatten", "name": "flatten"},
    {"type": "dense", "name": "fc1", "units": 3, "init": "xavier"}]}
