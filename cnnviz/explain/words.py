"""Short "what am I looking at" texts for students, one per kind of result.

Each function returns two or three plain sentences that describe exactly what
the result next to them shows, with its own names and numbers.
"""
from __future__ import annotations

import string
from typing import Optional, Sequence

from ..data.registry import REGISTRY


def classes_text(class_names: Sequence[str]) -> str:
    """The class vocabulary in a few words: "the digits 0–9", "the letters A–Z", or the names."""
    names = [str(n) for n in class_names]
    if names and names == list(string.digits[:len(names)]):
        return f"the digits 0–{names[-1]}" if len(names) > 1 else "the digit 0"
    for alphabet, what in ((string.ascii_uppercase, "letters"), (string.ascii_lowercase, "letters")):
        if len(names) > 1 and names == list(alphabet[:len(names)]):
            return f"the {what} {names[0]}–{names[-1]}"
    if len(names) <= 6:
        return ", ".join(names)
    return f"{len(names)} classes ({', '.join(names[:3])}, …, {names[-1]})"


def trained_on(meta: Optional[dict]) -> Optional[str]:
    """The data set a model's meta data names, in words ("MNIST handwritten digits"), or None."""
    name = (meta or {}).get("dataset")
    if not name:
        return None
    info = REGISTRY.get(str(name).lower())
    return info.title if info is not None else str(name)


def overconfidence(class_names: Sequence[str], meta: Optional[dict] = None) -> str:
    """Why the bars look sure of themselves even for a drawing that is none of the classes."""
    text = (f"Softmax always sums to 100 %, so this network always answers with one of "
            f"{classes_text(class_names)}, even for a drawing that is none of them. ")
    data = trained_on(meta)
    if data:
        return text + (f"It was trained only on {data}: it has never seen anything else, so a "
                       f"scribble or a face can still get a tall bar.")
    return text + "Nothing in it can say \"none of these\": a tall bar is not proof that it is right."


def conv(kernel, stride, channels: int, padded: bool) -> str:
    kh, kw = kernel
    text = (f"This cell is one filter laid over a {kh}x{kw} window of the layer's input: each input "
            f"number times the weight on top of it, all added, plus the filter's bias. ")
    if channels > 1:
        text += (f"The filter has a slice for each of the {channels} input channels; the slices' sums "
                 f"add up to the total. ")
    if padded:
        text += "Cells outside the input are padding and count as 0. "
    return text + (f"The same filter slides {stride[0]} cell(s) down and {stride[1]} across per step "
                   f"to make the whole map, so every cell looks for the same pattern.")


def maxpool(kernel) -> str:
    return (f"Max pooling keeps the largest number of each {kernel[0]}x{kernel[1]} window and drops "
            f"the rest, so the map shrinks while the strongest responses survive. In training this "
            f"cell's gradient goes back only to the winner; the other cells of the window get none.")


def avgpool(kernel) -> str:
    return (f"Average pooling replaces each {kernel[0]}x{kernel[1]} window by the mean of its cells "
            f"(padding cells are left out of the mean). In training this cell's gradient is shared "
            f"equally by the cells it averaged.")


ACTIVATIONS = {
    "ReLU": ("ReLU keeps a positive number and turns a negative one into 0: max(0, x). Where x ≤ 0 "
             "it also blocks the gradient in training, so nothing before it learns from that cell."),
    "Sigmoid": ("The sigmoid squashes any number into (0, 1): 1/(1 + e^(−x)). Its slope y(1 − y) is "
                "at most 0.25, so a gradient shrinks each time it passes back through one."),
    "Tanh": ("tanh squashes any number into (−1, 1). Its slope 1 − y² is 1 at 0 and nearly 0 for "
             "large |x|, where the gradient barely passes."),
}


def dense(inputs: int, shown: int) -> str:
    return (f"A dense unit multiplies each of its {inputs} inputs by its own weight, adds them all "
            f"and adds a bias. The {shown} inputs that pushed this unit most (largest |input × "
            f"weight|) are listed; all the others are added up in one line.")


SOFTMAX = ("Softmax turns the last layer's scores (logits) into probabilities: the exponential of "
           "each, divided by the sum of all of them. Subtracting the largest logit first keeps the "
           "exponentials from overflowing and does not change the result.")

RESIDUAL = ("A residual block adds its input x back to what its layers computed: F(x) + x. Its "
            "layers only have to learn a correction to x, and in training the gradient flows back "
            "through the + x path unchanged.")

FLATTEN = ("Flatten lays the maps out in one long row (channel by channel, row by row) so a dense "
           "layer can read them. No number changes.")

INPUT = "An input pixel, exactly as the network receives it (after preprocessing)."


def dropout(rate: float) -> str:
    return (f"When the network answers, dropout passes every number unchanged. In training it "
            f"zeroes each one with probability {rate:g} and scales the others by 1/(1 − {rate:g}), "
            f"so the network cannot rely on any single unit.")


def toy_conv(padding: str, kernels: int) -> str:
    pad = padding if padding == "no padding" else f"{padding}, all zeros"
    product = ("the whole convolution is one matrix product with the kernel laid out as a column"
               if kernels == 1 else "the maps are one matrix product with the kernels laid out as columns")
    return (f"Each output cell is the sum of the image cells under the kernel, each times the kernel "
            f"number on top of it ({pad}). The matrix holds one window per row (im2col), so {product}.")


def toy_pool(padding: str) -> str:
    pad = padding if padding == "no padding" else f"{padding}, which never wins"
    return (f"Each output cell is the largest image cell under the window ({pad}). The marked cell is "
            f"the winner: in training the output's gradient goes back to it alone.")


def sweep(stride) -> str:
    return (f"The window slides over the whole input, {stride[1]} cell(s) to the right per step and "
            f"{stride[0]} down at the end of a row; each position makes one output cell.")


def receptive_field(layer: str, size_text: str) -> str:
    return (f"The highlighted pixels are all the input {layer}'s cell depends on ({size_text}): "
            f"change one of them and the cell can change, change any other and it cannot. Deeper "
            f"layers see larger regions because each window spans several cells of the layer before.")


def saliency(class_name: str) -> str:
    return (f"Bright pixels are those whose small change would move the score of \"{class_name}\" "
            f"most: the gradient of that score with respect to each input pixel. It shows "
            f"sensitivity, which is not the same as importance.")


def gradcam(layer: str, class_name: str) -> str:
    return (f"Grad-CAM weighs each of {layer}'s maps by how much the score of \"{class_name}\" rises "
            f"with it on average, adds the weighted maps and keeps the positive part: bright where maps "
            f"that favour \"{class_name}\" are active, at {layer}'s resolution. Coarser than saliency, it "
            f"can light up a place the answer does not use.")


def occlusion(patch: int, stride: int, class_name: str, fill: float) -> str:
    return (f"A {patch}x{patch} patch of grey ({fill:g}) was put over the input at every position "
            f"{stride} pixels apart, and the probability of \"{class_name}\" measured again. Where "
            f"covering lowers it most, the network relied on those pixels for its answer.")


BACKWARD = ("One training step, run backwards: the loss gradient starts at the softmax (the "
            "probabilities minus the true answer) and flows back layer by layer. Max pooling sends "
            "each gradient only to its window's winner, ReLU blocks it where its input was ≤ 0, and "
            "each filter's weight gradient says how that filter would change. Dropout is off here, "
            "so the picture is the same every time.")


def teach(steps: int, optimizer: str, lr: float, label: str) -> str:
    return (f"A copy of the weights took {steps} step(s) of {optimizer} (learning rate {lr:g}) "
            f"towards answering \"{label}\" for this drawing, with the gradients shown. The model "
            f"itself is unchanged.")


BACKWARD_LINES = {
    "Softmax": "∂loss/∂logit = probability − (1 for the true class, 0 for the others).",
    "MaxPool2D": "Each output's gradient goes to its window's winner; the other cells get 0.",
    "AvgPool2D": "Each output's gradient is shared equally by the cells of its window.",
    "Conv2D": "Weight gradient: for each filter, the input windows weighted by the output gradient, added.",
    "Dense": "Weight gradient: each input times each output's gradient.",
    "Residual": "The gradient goes both through the block's layers and straight to x, and the two add.",
}


def backward_entry(kind: str, blocked: int = 0, cells: int = 0) -> str:
    """One line on what happens to the gradient at an entry of ``kind`` (ReLU: ``blocked``
    of ``cells`` cells had an input <= 0)."""
    if kind == "ReLU":
        return f"The gradient is blocked at {blocked} of {cells} cells, where the input was ≤ 0."
    return BACKWARD_LINES.get(kind, "The gradient passes back through this layer.")

BATCHNORM = ("Batch normalisation rescales each channel: it subtracts the channel's mean and divides by "
             "its spread, both learned over the training images, then multiplies by γ and adds β, two "
             "numbers it learned. It keeps every channel's values in a similar range, which lets training "
             "use larger steps.")
