"""The step-through view: the forward computation of one cell, the backward pass, and the toy
(see :mod:`.view`)."""
from .view import BACKWARD, FORWARD, MODES, TOY, StepThroughView

__all__ = ["BACKWARD", "FORWARD", "MODES", "TOY", "StepThroughView"]
