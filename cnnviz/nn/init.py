"""Weight initialisation: N(0, std^2), He and Xavier (Glorot), all normal."""
from __future__ import annotations

import numpy as np

INITS = ("normal", "he", "xavier")


def init_std(method: str, fan_in: int, fan_out: int, std: float = 0.01) -> float:
    """Standard deviation of the normal distribution a weight is drawn from.

    ``normal``: the given ``std`` (the textbook's 0.01); ``he``: sqrt(2/fan_in),
    for ReLU; ``xavier``: sqrt(2/(fan_in+fan_out)), for sigmoid and tanh.
    """
    if method == "normal":
        return float(std)
    if method == "he":
        return float(np.sqrt(2.0 / fan_in))
    if method == "xavier":
        return float(np.sqrt(2.0 / (fan_in + fan_out)))
    raise ValueError(f"unknown initialisation {method!r}; use one of {', '.join(INITS)}")


def normal_weights(rng: np.random.Generator, shape, method: str, fan_in: int, fan_out: int,
                   std: float = 0.01, dtype=np.float32) -> np.ndarray:
    """Weights of ``shape`` drawn from N(0, init_std(...)^2), as ``dtype``."""
    s = init_std(method, fan_in, fan_out, std)
    dtype = np.dtype(dtype)
    if dtype in (np.float32, np.float64):      # draw in the target precision: no float64 copy
        w = rng.standard_normal(shape, dtype=dtype)
        w *= s
        return w
    return (rng.standard_normal(shape) * s).astype(dtype)
