"""A training run described as data, shared by `python main.py train` and the app.

A :class:`Recipe` names the preset, data set and every setting; :func:`prepare`
turns it and a loaded data set into a network and a ready :class:`Trainer`;
:func:`save_trained` writes the model file with the recipe, history and test
accuracy in its meta data.
"""
from __future__ import annotations

import copy
import math
import numbers
from dataclasses import asdict, dataclass, replace
from typing import Optional, Sequence

from ..augment import Augmenter
from ..modelio import default_preprocessing, save_model
from ..nn import Network, preset_spec
from ..nn.loss import SoftmaxCrossEntropy
from ..nn.optim import make_optimizer
from .finetune import conv_params, finetune_network, load_base
from .history import History
from .schedule import SCHEDULES, make_schedule
from .trainer import TrainConfig, Trainer


@dataclass
class Recipe:
    arch: str = "simple"
    dataset: str = "mnist"
    epochs: int = 5
    batch: int = 100
    optimizer: str = "adam"
    lr: float = 0.001
    weight_decay: float = 0.0
    init: Optional[str] = None        # None: the preset's own choice
    dropout: Optional[float] = None   # None: the preset's own rates
    augment: bool = False
    seed: int = 0
    limit: Optional[int] = None       # use only the first N training images
    schedule: str = "constant"        # learning-rate schedule (see cnnviz.train.schedule); lr is its peak
    label_smoothing: float = 0.0
    train_eval_limit: int = 10000     # training images whose accuracy is measured after each epoch
    finetune: Optional[str] = None    # start from this trained model ("digits", "letters" or a file),
                                      # with a new output layer; ``arch`` is then its architecture's name
    freeze_convs: bool = False        # leave every convolution's weights as they are

    def to_dict(self) -> dict:
        return asdict(self)

    def summary(self) -> str:
        """The training settings in one line, e.g. "3 epochs, batch 100, adam lr 0.005 one-cycle"."""
        parts = [f"{self.epochs} epochs, batch {self.batch}, {self.optimizer} lr {self.lr:g}"
                 + ("" if self.schedule == "constant" else f" {self.schedule}")]
        if self.weight_decay:
            parts.append(f"weight decay {self.weight_decay:g}")
        if self.label_smoothing:
            parts.append(f"label smoothing {self.label_smoothing:g}")
        if self.augment:
            parts.append("augmented")
        return ", ".join(parts)

    def problems(self) -> list:
        """The settings out of range, one sentence each (empty when the recipe can run)."""
        checks = (
            ("epochs", _positive_int(self.epochs), "a positive integer"),
            ("batch", _positive_int(self.batch), "a positive integer"),
            ("limit", self.limit is None or _positive_int(self.limit), "a positive integer or None"),
            ("lr", _finite(self.lr) and self.lr > 0, "a positive finite number"),
            ("weight_decay", _finite(self.weight_decay) and self.weight_decay >= 0, "a finite number >= 0"),
            ("dropout", self.dropout is None or (_finite(self.dropout) and 0 <= self.dropout < 1),
             "in [0, 1) or None"),
            ("seed", isinstance(self.seed, numbers.Integral) and self.seed >= 0, "an integer >= 0"),
            ("schedule", self.schedule in SCHEDULES, f"one of {', '.join(SCHEDULES)}"),
            ("label_smoothing", _finite(self.label_smoothing) and 0 <= self.label_smoothing < 1, "in [0, 1)"),
            ("train_eval_limit", _positive_int(self.train_eval_limit), "a positive integer"),
        )
        return [f"{name} must be {rule}, got {getattr(self, name)!r}" for name, ok, rule in checks if not ok]


# Named recipes: a preset with the schedule and settings that train it well.
RECIPES = {
    "fast": Recipe(arch="bn-conv", epochs=4, lr=0.005, schedule="one-cycle", label_smoothing=0.1, augment=True,
                   train_eval_limit=2000),
}


def make_recipe(name: Optional[str] = None, **settings) -> Recipe:
    """The recipe called ``name`` (or the defaults when None) with every setting in
    ``settings`` that is not None put in its place."""
    base = Recipe() if name is None else RECIPES[name]
    return replace(base, **{k: v for k, v in settings.items() if v is not None})


def _positive_int(value) -> bool:
    return isinstance(value, numbers.Integral) and not isinstance(value, bool) and value >= 1


def _finite(value) -> bool:
    return isinstance(value, numbers.Real) and not isinstance(value, bool) and math.isfinite(value)


def with_overrides(spec: dict, init: Optional[str] = None, dropout: Optional[float] = None) -> dict:
    """A copy of an architecture with every conv/dense layer's init and every dropout rate replaced."""
    spec = copy.deepcopy(spec)

    def visit(layers):
        for layer in layers:
            if init is not None and layer["type"] in ("conv", "dense"):
                layer["init"] = init
            if dropout is not None and layer["type"] == "dropout":
                layer["rate"] = float(dropout)
            if layer["type"] == "residual":
                visit(layer["layers"])
    visit(spec["layers"])
    return spec


def build_network(recipe: Recipe, image_shape: Sequence[int], classes: int) -> Network:
    """The recipe's preset for this input shape and class count, seeded by the recipe."""
    spec = with_overrides(preset_spec(recipe.arch, image_shape, classes), recipe.init, recipe.dropout)
    return Network(spec, seed=recipe.seed)


def build_finetuned(recipe: Recipe, image_shape: Sequence[int], classes: int) -> Network:
    """The trained model ``recipe.finetune`` with a new output layer of ``classes`` outputs
    (seeded by the recipe). Raises FineTuneError (a ValueError)."""
    base = load_base(recipe.finetune)
    return finetune_network(base.network, classes, image_shape, seed=recipe.seed, dropout=recipe.dropout)


def make_augmenter(image_shape: Sequence[int], seed: int) -> Augmenter:
    """Augmentation suited to the images: ink (1 channel) gets stroke-thickness
    changes and a zero border; photos (3 channels) gentler moves and an edge border."""
    if image_shape[0] == 1:
        return Augmenter(seed=seed)
    return Augmenter(shift=2.0, rotate=8.0, scale=(0.9, 1.1), thickness=False, border="edge", seed=seed)


def prepare(recipe: Recipe, data, network: Optional[Network] = None,
            history: Optional[History] = None) -> Trainer:
    """A Trainer for ``recipe`` on ``data`` (a cnnviz.data.Dataset with both splits).

    ``network`` continues training an existing network (its architecture must
    fit the data); otherwise the recipe's preset is built, or the model it
    fine-tunes. ``recipe.freeze_convs`` leaves the convolutions out of the
    updates. Raises ValueError for a recipe with :meth:`Recipe.problems`, data
    without a training split or a model to fine-tune that does not fit.
    """
    problems = recipe.problems()
    if problems:
        raise ValueError("; ".join(problems))
    if data.x_train is None:
        raise ValueError(f"{data.name}: no training images loaded")
    x, y = data.x_train, data.y_train
    if recipe.limit is not None:
        x, y = x[:recipe.limit], y[:recipe.limit]
    if network is None:
        build = build_finetuned if recipe.finetune else build_network
        network = build(recipe, data.image_shape, len(data.class_names))
    optimizer = make_optimizer(recipe.optimizer, recipe.lr, recipe.weight_decay)
    optimizer.schedule = make_schedule(recipe.schedule, recipe.lr, recipe.epochs * math.ceil(len(x) / recipe.batch))
    augment = make_augmenter(data.image_shape, recipe.seed) if recipe.augment else None
    config = TrainConfig(epochs=recipe.epochs, batch_size=recipe.batch, seed=recipe.seed,
                         train_eval_limit=recipe.train_eval_limit)
    frozen = conv_params(network) if recipe.freeze_convs else ()
    trainer = Trainer(network, optimizer, x, y, data.x_test, data.y_test, config, augment, history,
                      frozen=frozen)
    trainer.loss_fn = SoftmaxCrossEntropy(recipe.label_smoothing)
    return trainer


def save_trained(path, trainer: Trainer, data, recipe: Recipe, command: Optional[str] = None,
                 test_accuracy: Optional[float] = None, extra: Optional[dict] = None) -> None:
    """Write the trained network with its class names, history, recipe and test accuracy."""
    if test_accuracy is None and trainer.history.epochs:
        test_accuracy = trainer.history.epochs[-1].get("test_accuracy")
    net = trainer.net
    save_model(path, net, list(data.class_names),
               preprocessing=default_preprocessing(net.input_shape),
               history=trainer.history.to_dict(), dataset=data.name,
               test_accuracy=test_accuracy, command=command,
               extra={"recipe": recipe.to_dict(), "train_images": int(len(trainer.x)), **(extra or {})})
