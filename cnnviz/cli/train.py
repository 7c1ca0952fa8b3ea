"""`python main.py train`: a preset on a data set, with epoch checkpoints, the divergence guard and Ctrl+C.

After each epoch ``<out>-epoch.npz`` (the latest) is written, and ``<out>-best.npz``
when the epoch beats the best test accuracy so far (see
:mod:`cnnviz.train.checkpoints`). The model file itself is written only when
the run ends well: a diverged run leaves an existing one untouched and exits
with status 1; Ctrl+C says what the checkpoints hold and exits with 130.
"""
from __future__ import annotations

import shlex
import sys
import time
from dataclasses import replace
from pathlib import Path
from typing import Callable, Tuple

from .args import dropout_rate, model_out_problem, non_negative_float, positive_float, positive_int, seed_int
from .common import Interrupted, UserError, data_args, load_data, say


def train_args(p):
    """The options of `train`."""
    from ..nn import PRESETS
    from ..nn.init import INITS
    from ..nn.optim import OPTIMIZERS
    from ..train.recipe import RECIPES
    named = "; ".join(f"{name}: {r.arch}, {r.summary()}" for name, r in RECIPES.items())
    p.add_argument("--recipe", choices=list(RECIPES),
                   help=f"start from a named recipe (the options below change it): {named}")
    # None: the recipe's value (without --recipe, the default in the help).
    p.add_argument("--arch", choices=list(PRESETS), help="preset (default simple)")
    data_args(p)
    p.add_argument("--epochs", type=positive_int, help="(default 5)")
    p.add_argument("--batch", type=positive_int, help="mini-batch size (default 100)")
    p.add_argument("--optimizer", choices=list(OPTIMIZERS), help="(default adam)")
    p.add_argument("--lr", type=positive_float, help="learning rate, the peak of a schedule (default 0.001)")
    p.add_argument("--weight-decay", type=non_negative_float, help="(default 0)")
    p.add_argument("--init", choices=INITS, help="weight initialisation for every layer (default: the preset's)")
    p.add_argument("--dropout", type=dropout_rate, help="dropout rate for every dropout layer, in [0, 1) "
                                                        "(default: the preset's)")
    p.add_argument("--limit", type=positive_int, help="train on the first N images only")
    p.add_argument("--augment", action="store_true", default=None,
                   help="random shifts, rotations, scaling, stroke thickness")
    p.add_argument("--seed", type=seed_int, default=0)
    p.add_argument("--out", default="model.npz", help="model file to write, ending in .npz (default model.npz)")
    p.add_argument("--finetune", metavar="MODEL", help="start from a trained model (digits, letters or a model "
                                                       "file) with a new output layer for the data set's classes; "
                                                       "--arch is then that model's")
    p.add_argument("--freeze-convs", action="store_true", default=None,
                   help="with --finetune: leave the convolutions' weights as they are")


def checkpoint_paths(out: Path) -> Tuple[Path, Path]:
    """The epoch checkpoints of ``train --out keep.npz``: (keep-epoch.npz, keep-best.npz)."""
    return out.with_name(f"{out.stem}-epoch.npz"), out.with_name(f"{out.stem}-best.npz")


def train(args):
    """Run `train`: returns the JSON-able result (see the module docstring)."""
    from ..train.checkpoints import Checkpoints
    from ..train.recipe import make_recipe, prepare
    out = Path(args.out)
    latest, best = checkpoint_paths(out)
    problem = model_out_problem(args.out, also=(latest, best))
    if problem:
        raise UserError(problem)
    recipe = make_recipe(args.recipe, arch=args.arch, dataset=args.dataset, epochs=args.epochs, batch=args.batch,
                         optimizer=args.optimizer, lr=args.lr, weight_decay=args.weight_decay, init=args.init,
                         dropout=args.dropout, augment=args.augment, seed=args.seed, limit=args.limit,
                         finetune=args.finetune, freeze_convs=args.freeze_convs)
    if recipe.freeze_convs and not recipe.finetune:
        raise UserError("--freeze-convs needs --finetune: a new network's convolutions have learned nothing to keep")
    data = load_data(args)
    for text in data.notes:
        say(args, f"note: {text}")
    try:
        trainer = prepare(recipe, data)
    except ValueError as e:
        raise UserError(str(e)) from None
    if recipe.finetune:
        recipe = replace(recipe, arch=trainer.net.name)
        say(args, f"fine-tuning {args.finetune} ({trainer.net.name}) with a new output layer for "
                  f"{len(data.class_names)} classes" + (", its convolutions frozen" if recipe.freeze_convs else ""))
    command = "python main.py " + shlex.join(sys.argv[1:]) if sys.argv[1:2] == ["train"] else None
    t_start = time.perf_counter()
    checkpoints = Checkpoints(latest, _saver(trainer, data, recipe, command, t_start, checkpoint=True), best=best)
    net = trainer.net
    say(args, f"training {recipe.arch} ({net.num_params():,} parameters) on {data.name}: "
              f"{len(trainer.x):,} training and {len(data.x_test):,} test images, {recipe.summary()}")
    say(args, f"after each epoch: {latest} (the latest) and {best} (the best test accuracy)")
    try:
        done = _run_training(args, trainer, checkpoints)
    except KeyboardInterrupt:
        raise Interrupted(f"training interrupted at step {trainer.step_count}; {args.out} was not written. "
                          f"{_checkpoints_text(checkpoints)}") from None
    except MemoryError:
        raise UserError(f"not enough memory to train {recipe.arch} with batch {recipe.batch}; "
                        f"try a smaller --batch") from None
    wall = time.perf_counter() - t_start
    result = {"model": None, "ended": done.reason, "message": done.message, "steps": done.step,
              "epochs": trainer.history.epochs, "seconds": round(wall, 1), "recipe": recipe.to_dict(),
              "checkpoints": _checkpoints_json(checkpoints)}
    if done.reason == "diverged":
        say(args, f"{done.message}\n{args.out} was not written. {_checkpoints_text(checkpoints)}")
        cause = done.divergence
        return {**result, "divergence": None if cause is None else vars(cause), "restored_step": done.restored_step,
                "test_accuracy": None, "failed": True}
    try:
        _saver(trainer, data, recipe, command, t_start)(out)
    except KeyboardInterrupt:
        raise Interrupted(f"interrupted while writing {args.out}. {_checkpoints_text(checkpoints)}") from None
    if checkpoints.latest is not None and done.reason == "completed":
        latest.unlink(missing_ok=True)           # the model file now holds the same weights
        checkpoints.latest = None
    last = trainer.history.epochs[-1] if trainer.history.epochs else {}
    say(args, f"{done.message}; wrote {args.out} (test accuracy {last.get('test_accuracy', float('nan')):.4f}, "
              f"{wall:.0f} s in all)" + (f"; the best epoch is in {best}" if checkpoints.best else ""))
    return {**result, "model": args.out, "checkpoints": _checkpoints_json(checkpoints),
            "test_accuracy": last.get("test_accuracy"), "failed": False}


def _saver(trainer, data, recipe, command, t_start: float, checkpoint: bool = False) -> Callable[[Path], None]:
    """A function writing the trainer's model to a path, for the checkpoints and the final file."""
    from ..modelio import ModelFileError
    from ..train.recipe import save_trained

    def save(path: Path) -> None:
        extra = {"train_seconds": round(time.perf_counter() - t_start, 1), **({"checkpoint": True} if checkpoint else {})}
        try:
            save_trained(path, trainer, data, recipe, command=command, extra=extra)
        except ModelFileError as e:
            raise UserError(str(e)) from None
    return save


def _run_training(args, trainer, checkpoints):
    """Run the trainer with a progress bar and a line per epoch, writing the checkpoints; returns its DoneEvent."""
    from .progress import ProgressBar
    bar, done = None, None
    try:
        for event in trainer.steps():
            if event.kind == "step":
                if bar is None:
                    bar = ProgressBar(f"epoch {event.epoch}/{trainer.cfg.epochs}")
                bar.update(event.batch, event.batches,
                           f"loss {event.loss:.3f}  {event.samples_per_s:,.0f} samples/s")
            elif event.kind == "epoch":
                if bar:
                    bar.close()
                    bar = None
                test = f"{event.test_accuracy:.4f}" if event.test_accuracy is not None else "-"
                written = checkpoints.after_epoch(event.epoch, event.test_accuracy)
                say(args, f"epoch {event.epoch:>3}: loss {event.train_loss:.4f}  train acc "
                          f"{event.train_accuracy:.4f}  test acc {test}  {event.samples_per_s:,.0f} samples/s  "
                          f"{event.seconds:.1f} s" + ("  (best so far)" if written.best else ""))
            elif event.kind == "done":
                done = event
    finally:
        if bar:
            bar.close()
    return done


def _checkpoints_text(checkpoints) -> str:
    """What the epoch checkpoints hold, in a sentence: for a run that ends without its model file."""
    parts = [f"{kind} is {saved.path} ({'from an earlier run' if saved.epoch is None else f'epoch {saved.epoch}'}"
             + (f", test accuracy {saved.test_accuracy:.4f})" if saved.test_accuracy is not None else ")")
             for kind, saved in (("the last epoch checkpoint", checkpoints.latest),
                                 ("the best checkpoint", checkpoints.best)) if saved is not None]
    if not parts:
        return "No epoch had finished, so nothing was saved."
    text = "; ".join(parts)
    return text[0].upper() + text[1:] + "."


def _checkpoints_json(checkpoints) -> dict:
    return {kind: None if saved is None else {"path": str(saved.path), "epoch": saved.epoch,
                                              "test_accuracy": saved.test_accuracy}
            for kind, saved in (("latest", checkpoints.latest), ("best", checkpoints.best))}
