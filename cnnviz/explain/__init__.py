"""How the network computes and why it answers: everything the explain views show,
as frozen dataclasses, computed by the engine itself. No Qt here.

- step-throughs of any cell of any layer (:func:`step_through`, :func:`sweep`) and
  the output-size rule with a layer's numbers (:func:`size_formula`);
- the seed's toy examples through the engine (:func:`toy_convolution`,
  :func:`toy_maxpool`, :func:`mission_examples`);
- receptive fields (:func:`receptive_field`, :func:`field_sizes`);
- why this answer: saliency and Grad-CAM (:func:`why_this_answer`), occlusion
  (:func:`occlusion`);
- the backward pass (:func:`backward_pass`) and "teach it this drawing" (:func:`teach`);
- words for students on every result (``note`` fields, :func:`overconfidence`).
"""
from .backward import BackwardPass, EntryGradient, Teaching, backward_pass, teach
from .convstep import ConvStep
from .densestep import DenseStep
from .exactness import Rounding, number_text
from .gradients import Backprop, backprop
from .occlusion import Occlusion, occlusion
from .poolstep import PoolStep
from .receptive import FieldSize, ReceptiveField, field_sizes, receptive_field
from .simplesteps import ActivationStep, NormStep, PassStep, ResidualStep
from .sizeformula import AxisSize, SizeFormula, size_formula, size_formula_for
from .softmaxstep import SoftmaxStep
from .stepthrough import Step, Sweep, step_through, sweep
from .toy import ToyConvolution, ToyPool, filled_kernels, mission_examples, toy_convolution, toy_maxpool
from .why import GradCam, Saliency, WhyAnswer, gradcam_entry, why_this_answer
from .words import overconfidence

__all__ = [
    "ActivationStep", "NormStep", "AxisSize", "Backprop", "BackwardPass", "ConvStep", "DenseStep", "EntryGradient", "FieldSize",
    "GradCam", "Occlusion", "PassStep", "PoolStep", "ReceptiveField", "ResidualStep", "Rounding", "Saliency",
    "SizeFormula", "SoftmaxStep", "Step", "Sweep", "Teaching", "ToyConvolution", "ToyPool", "WhyAnswer",
    "backprop", "backward_pass", "field_sizes", "filled_kernels", "gradcam_entry", "mission_examples",
    "number_text", "occlusion", "overconfidence", "receptive_field", "size_formula", "size_formula_for",
    "step_through", "sweep", "teach", "toy_convolution", "toy_maxpool", "why_this_answer",
]
