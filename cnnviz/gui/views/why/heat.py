"""Heat maps laid over the network input: the RGBA pixels of the Why view's three pictures."""
from __future__ import annotations

import numpy as np

from ...widgets import colormaps as cm

#: the heat's largest opacity (0..255): the drawing stays visible under it
MAX_ALPHA = 215
RELIED, HELPED = (230, 40, 30), (40, 110, 240)      # occlusion: covering lowers / raises the probability


def input_rgba(x: np.ndarray) -> np.ndarray:
    """The network input (C, H, W) in [0, 1] as RGBA: grey, or true colour for 3 channels."""
    if x.shape[0] == 3:
        rgb = np.clip(x.transpose(1, 2, 0), 0, 1) * 255
        alpha = np.full(rgb.shape[:2] + (1,), 255.0)
        return np.concatenate([rgb, alpha], axis=2).astype(np.uint8)
    return cm.to_rgba(x.mean(axis=0), cm.INPUT, (0.0, 1.0))


def heat_rgba(heat: np.ndarray, peak: float) -> np.ndarray:
    """A non-negative heat (H, W) as warm colours whose opacity grows with heat / ``peak``."""
    level = np.clip(heat / peak, 0.0, 1.0) if peak > 0 else np.zeros_like(heat)
    rgba = cm.to_rgba(0.35 + 0.65 * level, cm.ACTIVATION, (0.0, 1.0))
    rgba[..., 3] = (MAX_ALPHA * level).astype(np.uint8)
    return rgba


def signed_rgba(values: np.ndarray) -> np.ndarray:
    """A signed map (H, W): red where positive, blue where negative, opacity by |value| / max|value|."""
    top = float(np.abs(values).max()) if values.size else 0.0
    level = np.abs(values) / top if top > 0 else np.zeros_like(values)
    rgba = np.zeros(values.shape + (4,), np.uint8)
    rgba[values > 0, :3] = RELIED
    rgba[values < 0, :3] = HELPED
    rgba[..., 3] = (MAX_ALPHA * np.clip(level, 0, 1)).astype(np.uint8)
    return rgba
