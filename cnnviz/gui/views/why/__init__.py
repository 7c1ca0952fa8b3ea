"""Why this answer: saliency, Grad-CAM and occlusion on the shown input (see :mod:`.view`)."""
from .view import WhyView

__all__ = ["WhyView"]
