"""The filter view: learned weights as pictures (see :mod:`.view`)."""
from .view import MAX_CHANNELS, FilterView

__all__ = ["FilterView", "MAX_CHANNELS"]
