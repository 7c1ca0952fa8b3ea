"""What a training run starts from: a new network of the panel's recipe, or the model shown."""
from __future__ import annotations

from dataclasses import replace
from typing import Optional, Tuple

from ...modelio import default_preprocessing
from ...nn import Network
from ...train.history import History
from ...train.recipe import Recipe, build_finetuned, build_network, with_overrides
from ..model.inspector import Inspector


def new_network(inspector: Inspector, data, recipe: Recipe, custom_spec: Optional[dict]) -> Tuple[History, int]:
    """Show a new untrained network of ``recipe`` (or of the edited ``custom_spec``) for
    ``data``'s images and classes, keep its weights as step 0; an empty history, offset 0.
    Raises ValueError (or SpecError, ShapeError) when it does not fit the data."""
    if custom_spec is not None:
        spec = with_overrides(dict(custom_spec, input_shape=list(data.image_shape)), recipe.init, recipe.dropout)
        net = Network(spec, seed=recipe.seed)
        if net.num_classes != len(data.class_names):
            raise ValueError(f"the edited network has {net.num_classes} outputs; {data.name} has "
                             f"{len(data.class_names)} classes")
    else:
        net = build_network(recipe, data.image_shape, len(data.class_names))
    meta = {"untrained": True, "preset": recipe.arch, "seed": recipe.seed, "dataset": data.name}
    inspector.set_network(net, list(data.class_names), meta)
    inspector.set_start_weights(net.get_weights())
    return History(), 0


def finetuned(inspector: Inspector, data, recipe: Recipe) -> Tuple[History, int, Recipe]:
    """Show the trained model ``recipe.finetune`` with a new output layer for ``data``'s classes,
    keep its weights as step 0 (the filters' "compare with start" then shows which moved); an
    empty history, offset 0, and the recipe naming the model's architecture. Raises ValueError
    (FineTuneError) when the model cannot be read or does not fit the data."""
    net = build_finetuned(recipe, data.image_shape, len(data.class_names))
    meta = {"finetune": recipe.finetune, "preset": net.name, "seed": recipe.seed, "dataset": data.name}
    inspector.set_network(net, list(data.class_names), meta)
    inspector.set_start_weights(net.get_weights())
    return History(), 0, replace(recipe, arch=net.name)


def continue_current(inspector: Inspector, data) -> Tuple[History, int]:
    """Go on training the shown model: its history and the step it counts on from.
    Raises ValueError when its input or classes do not fit ``data``."""
    net = inspector.network
    if tuple(net.input_shape) != tuple(data.image_shape) or net.num_classes != len(data.class_names):
        shape = "x".join(map(str, net.input_shape))
        want = "x".join(map(str, data.image_shape))
        raise ValueError(f"This model takes {shape} images and gives {net.num_classes} classes; {data.name} "
                         f"has {want} images and {len(data.class_names)} classes. Choose 'New network'.")
    history = History.from_dict(inspector.meta.get("history"))
    if inspector.start_weights is None:
        inspector.set_start_weights(net.get_weights())
    return history, history.steps_done()


def recipe_of(meta: dict) -> Optional[Recipe]:
    """The recipe a model was trained with (from its meta data), or None."""
    recipe = (meta.get("extra") or {}).get("recipe")
    if not isinstance(recipe, dict):
        return None
    try:
        return Recipe(**{k: v for k, v in recipe.items() if k in Recipe.__dataclass_fields__})
    except (TypeError, ValueError):
        return None


def run_meta(trainer, data, recipe: Recipe) -> dict:
    """The meta data of a network a run in the app trained: history, data set, test accuracy,
    preprocessing and the recipe (what Save writes and About this model shows)."""
    last = trainer.history.epochs[-1] if trainer.history.epochs else {}
    return {"history": trainer.history.to_dict(), "dataset": data.name,
            "test_accuracy": last.get("test_accuracy"), "command": "cnnviz app",
            "preprocessing": default_preprocessing(trainer.net.input_shape),
            "extra": {"recipe": recipe.to_dict(), "train_images": int(len(trainer.x))}}
