"""What the Evaluation panel says: which data sets fit a model, which weights were evaluated,
the summary of a result, and how a picked test image is named in every view."""
from __future__ import annotations

import html
import os
from dataclasses import replace
from pathlib import Path
from typing import List, Optional, Sequence, Tuple

import numpy as np

from ....data import DATA_DIR_ENV, REGISTRY, available_datasets, resolve_data_dir
from ....evaluation import Embedding
from ....evaluation.results import frozen_array
from ...model.inspector import InputSource, Inspector
from ...model.modelchoice import is_untrained
from .runner import EvaluationResult


def default_place() -> Tuple[str, bool]:
    """The data folder of $CNNVIZ_DATA_DIR (or the user's cache), without downloads."""
    return str(resolve_data_dir(os.environ.get(DATA_DIR_ENV))), False


def fitting_datasets(input_shape, class_count: int) -> List[str]:
    """Names of the known data sets whose images fit ``input_shape`` and whose class count is ``class_count``."""
    return [n for n in available_datasets()
            if tuple(REGISTRY[n].image_shape) == tuple(input_shape) and REGISTRY[n].num_classes == class_count]


def preferred_dataset(inspector: Inspector, fitting: Sequence[str]) -> Optional[str]:
    """Of ``fitting``, the data set the model was trained on, else the one whose class names
    are the model's, else the first."""
    meta = inspector.meta
    if meta.get("dataset") in fitting:
        return meta["dataset"]
    names = tuple(str(n) for n in inspector.class_names)
    same = [n for n in fitting if tuple(REGISTRY[n].class_names) == names]
    return (list(same) or list(fitting) or [None])[0]


def weights_words(inspector: Inspector) -> Tuple[str, Optional[int]]:
    """(which weights are shown, in words; their training step or None)."""
    step = inspector.weights_step
    if step is not None:
        return f"the weights of training step {step:,}", step
    if is_untrained(inspector.meta):
        return "its random, untrained weights", None
    if inspector.model_path:
        return f"the weights in {Path(inspector.model_path).name}", None
    return "the weights shown", None


def summary_html(result: EvaluationResult, shown_step: Optional[int], training: bool = False) -> str:
    """The result in a line or three (rich text): accuracy, mAP, loss; which moment of a
    training run; class names that differ from the data set's; weights changed since
    (``shown_step``: the step of the weights shown now; ``training``: a run goes on)."""
    ev = result.evaluation
    right = ev.n_images - int(np.sum(ev.labels != ev.predictions))
    text = (f"<b>{100 * ev.accuracy:.2f}% right</b> ({right:,} of {ev.n_images:,} {escape(result.dataset)} test "
            f"images) · mAP {ev.mean_ap:.4f} · loss {ev.loss:.4f}")
    if result.step is not None:                        # from a training run: which moment of it
        text += f" · {escape(result.weights)}"
    theirs = tuple(REGISTRY[result.dataset].class_names) if result.dataset in REGISTRY else ev.class_names
    if tuple(theirs) != tuple(ev.class_names):
        text += (f"<br><i>This model calls its classes {escape(preview(ev.class_names))}, {escape(result.dataset)} "
                 f"calls them {escape(preview(theirs))}: labels are compared by position.</i>")
    if training and shown_step is not None:
        text += f"<br><i>Training goes on (now step {shown_step:,}): this is the picture of step {result.step:,}.</i>" \
            if result.step is not None else f"<br><i>Training goes on (now step {shown_step:,}).</i>"
    elif shown_step != result.step:
        text += (f"<br><i>The weights have changed since (now step {shown_step:,}): this is an older picture.</i>"
                 if shown_step is not None else "<br><i>The weights have changed since.</i>")
    return text


def picked_source(result: EvaluationResult, index: int, current: bool) -> InputSource:
    """How the window names test image ``index`` of ``result``: what the evaluated weights read
    it as, said plainly when they are the weights shown (``current``), else with their name."""
    ev = result.evaluation
    names = ev.class_names
    true, pred = names[int(ev.labels[index])], names[int(ev.predictions[index])]
    true = with_article(true)
    if current:
        return InputSource("test", f"test #{index:,} of {result.dataset}, {true} read as {pred}",
                           f"test #{index:,} ({true} read as {pred})", dataset=result.dataset, index=index)
    return InputSource("test", f"test #{index:,} of {result.dataset}, {true} (read as {pred} with "
                               f"{result.weights})", f"test #{index:,} ({true})", dataset=result.dataset, index=index)


def aligned(embedding: Optional[Embedding], before: Optional[Embedding]) -> Optional[Embedding]:
    """``embedding`` with each axis's sign turned to agree with ``before``'s (the map of the
    same layer a moment ago, e.g. the last epoch's), so the picture does not flip from one
    epoch to the next; a principal direction's sign is arbitrary, so this changes nothing
    it says. As it is when there is nothing to agree with."""
    if embedding is None or before is None:
        return embedding
    new, old = embedding.projection, before.projection
    if new.layer != old.layer or new.components.shape != old.components.shape:
        return embedding
    signs = np.where(np.sum(new.components * old.components, axis=1) < 0, -1.0, 1.0)
    if np.all(signs > 0):
        return embedding
    projection = replace(new, components=frozen_array(new.components * signs[:, None]))
    return replace(embedding, projection=projection, points=frozen_array(embedding.points * signs))


#: letters whose names start with a vowel sound ("an F", "an X")
_AN_LETTERS = set("AEFHILMNORSX")


def with_article(name) -> str:
    """A class name after "a" or "an" as it is said: "a 7", "an 8", "an 11", "an F", "a T-shirt/top",
    "an Ankle boot"."""
    name = str(name)
    if name.isdigit():
        an = name.startswith("8") or name in ("11", "18")
    elif len(name) == 1 and name.isalpha():
        an = name.upper() in _AN_LETTERS
    else:
        an = name[:1].lower() in "aeiou"
    return f"{'an' if an else 'a'} {name}"


def preview(names, most: int = 4) -> str:
    """"cat, dog, bird, fish, …" for a list of class names."""
    return ", ".join(str(n) for n in names[:most]) + (", …" if len(names) > most else "")


def escape(text) -> str:
    return html.escape(str(text))
