"""The commands of `python main.py`: each is (help, add_arguments, run).

``run(args)`` returns a JSON-able dict (printed by ``--json``) and prints the
human-readable form itself when ``--json`` is not given.
"""
from __future__ import annotations

import os
import sys
from typing import Callable, Dict, Tuple

import numpy as np

from .args import positive_float, positive_int, seed_int, window_size
from .common import UserError, data_args, load_data, open_model, say
from .train import train, train_args


# -- gradcheck -------------------------------------------------------------------
def _gradcheck_args(p):
    from ..nn import PRESETS
    p.add_argument("--arch", default="simple", choices=sorted(PRESETS), help="preset to check (default simple)")
    p.add_argument("--entries", type=positive_int, default=20, help="entries checked per parameter (default 20)")
    p.add_argument("--batch", type=positive_int, default=2, help="images in the checked batch (default 2)")
    p.add_argument("--seed", type=seed_int, default=0)


def _gradcheck(args):
    from ..nn import Network, preset_spec
    from ..nn.gradcheck import TOLERANCE, check_network
    net = Network(preset_spec(args.arch), seed=args.seed, dtype=np.float64)
    rng = np.random.default_rng(args.seed)
    x = rng.random((args.batch,) + net.input_shape)
    y = rng.integers(0, net.num_classes, args.batch)
    try:
        errors = check_network(net, x, y, max_entries=args.entries, seed=args.seed)
    except ValueError as e:
        raise UserError(str(e)) from None
    # a parameter that could not be checked comes back as NaN: it counts as a failure
    failed = any(not (v < TOLERANCE) for v in errors.values())
    worst = max((v for v in errors.values() if not np.isnan(v)), default=float("nan"))
    say(args, f"gradient check of {args.arch} (float64, {args.batch} images, up to {args.entries} "
              f"entries per parameter): worst relative error per parameter")
    for k, v in errors.items():
        say(args, f"  {k:<24} {v:.2e}" + ("  (could not be checked)" if np.isnan(v) else ""))
    verdict = "SUSPICIOUS" if failed else "ok"
    say(args, f"worst {worst:.2e}: {verdict} (backprop is right when this is about 1e-7 or smaller; "
              f"the limit is {TOLERANCE:.0e})")
    return {"arch": args.arch, "relative_errors": errors, "worst": worst, "tolerance": TOLERANCE, "failed": failed}


# -- bench -----------------------------------------------------------------------
def _bench_args(p):
    from ..nn import PRESETS
    p.add_argument("--presets", nargs="+", default=list(PRESETS), choices=list(PRESETS), metavar="PRESET",
                   help="presets to measure (default: all)")
    p.add_argument("--seconds", type=positive_float, default=3.0, help="training time measured per preset (default 3)")
    p.add_argument("--draw", action="store_true",
                   help="measure the app instead: stroke-to-updated-views latency and launch time")
    p.add_argument("--gui", action="store_true",
                   help="measure training in the app: in-app vs headless samples/s, UI timer delay")
    p.add_argument("--explain", action="store_true",
                   help="measure the explain computations (step-through, saliency, Grad-CAM, occlusion) "
                        "and what their views add in the app (a click to a drawn step-through, ...)")
    p.add_argument("--eval", action="store_true",
                   help="measure evaluation instead: the shipped model on the MNIST test set, the embedding map")
    p.add_argument("--eval-gui", action="store_true",
                   help="measure an evaluation in the app: UI timer delay while it runs and the user draws")
    p.add_argument("--data-dir", help="data directory for --gui, --eval and --eval-gui (MNIST)")
    p.add_argument("--compare-torch", action="store_true",
                   help="also run the same networks in PyTorch (if installed) in this process and print "
                        "the ratios cnnviz / PyTorch")
    p.add_argument("--headless-seconds", type=positive_float,
                   help="with --gui: seconds of the headless comparison (default: same as --seconds); "
                        "a short one makes a long memory run affordable")


def _bench(args):
    if args.explain:
        from ..explain.bench import bench_explain
        from ..gui.tools.explainbench import bench_explain_views
        computing = bench_explain(report=lambda text: say(args, text))
        return {"computing": computing, "views": bench_explain_views(report=lambda text: say(args, text))}
    if args.draw:
        from ..gui.tools.drawbench import bench_draw
        return bench_draw(report=lambda text: say(args, text))
    if args.gui:
        from ..gui.tools.trainbench import bench_gui
        return bench_gui(seconds=args.seconds, data_dir=args.data_dir, headless_seconds=args.headless_seconds,
                         report=lambda text: say(args, text))
    if args.eval_gui:
        from ..data import DataError
        from ..gui.tools.evalbench import bench_eval_gui
        try:
            return bench_eval_gui(args.data_dir, report=lambda text: say(args, text))
        except DataError as e:
            raise UserError(str(e)) from None
    if args.eval:
        from ..data import DataError
        from ..evaluation.bench import bench_evaluation
        try:
            return bench_evaluation(args.data_dir, report=lambda text: say(args, text))
        except DataError as e:
            raise UserError(str(e)) from None
    if args.compare_torch:
        from ..bench import compare_presets
        from ..torchref import NotComparable
        try:
            return compare_presets(args.presets, args.seconds, report=lambda text: say(args, text))
        except (ImportError, NotComparable) as e:
            raise UserError(str(e)) from None
    from ..bench import bench_presets, machine_info
    say(args, f"{'preset':<12} {'params':>10} {'train samples/s':>16} {'trace ms p50':>13} "
              f"{'p95':>7} {'peak MB':>8}")
    out = {}
    for name in args.presets:
        r = bench_presets([name], seconds=args.seconds)[name]
        out[name] = r
        say(args, f"{name:<12} {r['params']:>10,} {r['train_samples_per_s']:>16,.0f} {r['trace_ms_p50']:>13.3f} "
                  f"{r['trace_ms_p95']:>7.3f} {r['peak_memory_mb']:>8.1f}")
    return {"presets": out, "batch": 100, "optimizer": "adam", "dtype": "float32", "machine": machine_info()}


# -- eval ------------------------------------------------------------------------
def _eval_args(p):
    p.add_argument("--model", required=True, help="model file (.npz, or the textbook's params.pkl)")
    data_args(p)
    from ..evaluation import DEFAULT_BATCH
    p.add_argument("--batch", type=positive_int, default=DEFAULT_BATCH,
                   help=f"images per inference batch (default {DEFAULT_BATCH}; lowered when a batch would not "
                        f"fit in 512 MB)")


def _eval(args):
    from ..evaluation import EvaluationError, evaluate_model
    from ..modelio import batch_that_fits
    model = open_model(args.model)
    data = load_data(args, splits=("test",))
    net = model.network
    if tuple(data.image_shape) != net.input_shape:
        raise UserError(f"{args.model} expects images of shape {net.input_shape}, {data.name} has {data.image_shape}")
    if len(data.class_names) != net.num_classes:
        raise UserError(f"{args.model} has {net.num_classes} classes, {data.name} has {len(data.class_names)}")
    warnings = fit_warnings(args.model, model, data)
    batch = batch_that_fits(net, args.batch)
    if batch < args.batch:
        warnings.append(f"batch lowered from {args.batch} to {batch} images so that one batch fits in 512 MB")
    for text in warnings:
        print(f"warning: {text}", file=sys.stderr)
    try:
        evaluation = evaluate_model(net, data.x_test, data.y_test, model.class_names, data.name,
                                    batch=batch, embed_count=0)
    except EvaluationError as e:
        raise UserError(f"{args.model}: {e}") from None
    except MemoryError:
        raise UserError(f"not enough memory to run {args.model} on batches of {batch} images; "
                        f"try a smaller --batch") from None
    report, loss, seconds = evaluation.report(), evaluation.loss, evaluation.seconds
    say(args, f"{args.model} on {data.name} test set ({len(data.y_test):,} images, {seconds:.1f} s): "
              f"accuracy {report['accuracy']:.4f}, loss {loss:.4f}, mAP {report['mAP']:.4f}")
    say(args, f"{'class':>12} {'precision':>9} {'recall':>7} {'F1':>7} {'AP':>7} {'support':>8}")
    for row in report["classes"]:
        say(args, f"{row['name']:>12} {row['precision']:>9.4f} {row['recall']:>7.4f} {row['f1']:>7.4f} "
                  f"{row['ap']:>7.4f} {row['support']:>8}")
    say(args, "confusion matrix (rows: true class, columns: predicted)")
    names = [str(n)[:5] for n in model.class_names]
    say(args, "      " + " ".join(f"{n:>5}" for n in names))
    for n, row in zip(names, report["confusion_matrix"]):
        say(args, f"{n:>5} " + " ".join(f"{v:>5}" for v in row))
    return {"model": args.model, "dataset": data.name, "images": int(len(data.y_test)), "loss": loss,
            "batch": batch, "warnings": warnings, **report}


def fit_warnings(path, model, data) -> list:
    """Why a model that fits ``data`` by shape may still not be meant for it: one line per reason.

    Compares the data set recorded in the model's meta (if any) with
    ``data.name``, and the model's class names with the data set's.
    """
    warnings = []
    if model.dataset and model.dataset != data.name:
        warnings.append(f"{path} was trained on {model.dataset}, not {data.name}; "
                        f"its accuracy here says little about either")
    if [str(n) for n in model.class_names] != [str(n) for n in data.class_names]:
        warnings.append(f"{path} names its classes {_preview(model.class_names)} but {data.name} has "
                        f"{_preview(data.class_names)}; labels are compared by position only")
    return warnings


def _preview(names, most: int = 4) -> str:
    shown = ", ".join(str(n) for n in names[:most])
    return f"({shown}, ...)" if len(names) > most else f"({shown})"


# -- predict ---------------------------------------------------------------------

def _predict_args(p):
    p.add_argument("images", nargs="+", metavar="IMAGE", help="image files (PNG, JPEG, BMP, ...)")
    p.add_argument("--model", help="model file (.npz, or the textbook's params.pkl), or a shipped model's "
                                   "name: digits, letters (default digits)")
    p.add_argument("--top", type=positive_int, default=3, help="how many classes to list per image (default 3)")


def _predict(args):
    from ..gui.imagefile import ImageReadError, read_image
    from ..nn.loss import softmax
    from ..preprocess import EmptyImageError, PreprocessError, preprocess
    from ..shipped import resolve_model
    args.model = str(resolve_model(args.model))
    model = open_model(args.model)
    net, names = model.network, model.class_names
    results, failures = [], 0
    for path in args.images:
        entry = {"file": path}
        try:
            p = softmax(net.forward(preprocess(read_image(path), net.input_shape)[None]))[0]
        except EmptyImageError:
            entry["error"] = "empty image: nothing drawn, not classified"
        except (ImageReadError, PreprocessError) as e:
            entry["error"] = str(e)
        except MemoryError:
            entry["error"] = "not enough memory to read and classify it"
        else:
            top = np.argsort(-p)[:args.top]
            entry["label"] = names[top[0]]
            entry["top"] = [{"class": names[k], "probability": float(p[k])} for k in top]
        if "error" in entry:
            failures += 1
            say(args, f"{path}: {entry['error']}")
        else:
            say(args, f"{path}: {entry['label']}   " +
                "  ".join(f"{t['class']} {t['probability'] * 100:.1f}%" for t in entry["top"]))
        results.append(entry)
    return {"model": args.model, "predictions": results, "failed": failures > 0}


# -- screenshot ------------------------------------------------------------------
def _screenshot_args(p):
    p.add_argument("--out", default="screenshots", help="folder for the PNG files (default screenshots)")
    p.add_argument("--model", help="model file (default: the shipped digits model)")
    p.add_argument("--digit", default="7", help="the digit the program draws (default 7)")
    p.add_argument("--layer", help="layer to select, e.g. conv1 (default: the first convolution)")
    p.add_argument("--size", type=window_size, default=(1400, 900),
                   help="window size WIDTHxHEIGHT in pixels, 320x240 to 7680x4320 (default 1400x900)")
    p.add_argument("--train", type=positive_float, metavar="SECONDS",
                   help="also train an untrained 'simple' on MNIST for SECONDS and picture the window "
                        "mid-training (needs MNIST: --data-dir)")
    p.add_argument("--evaluate", action="store_true",
                   help="also evaluate the shipped model on MNIST and picture the Evaluation panel (needs "
                        "MNIST: --data-dir)")
    p.add_argument("--data-dir", help="data folder for --train and --evaluate")


def _screenshot(args):
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from ..gui.tools.screenshot import screenshot_report
    from ..modelio import ModelFileError
    width, height = args.size
    try:
        report = screenshot_report(args.out, model_path=args.model, size=(width, height), digit=args.digit,
                                   layer=args.layer)
    except ModelFileError as e:
        raise UserError(str(e)) from None
    if args.train:
        from ..data import DataError
        from ..gui.tools.trainshot import training_screenshots
        try:
            paths = training_screenshots(args.out, args.data_dir, args.train, size=(width, height))
        except DataError as e:
            raise UserError(str(e)) from None
        report["files"] += [{"path": str(p), "bytes": p.stat().st_size} for p in paths]
    if args.evaluate:
        from ..gui.tools.evalshot import evaluation_screenshots
        try:
            paths = evaluation_screenshots(args.out, args.data_dir, size=(width, height))
        except RuntimeError as e:
            raise UserError(str(e)) from None
        report["files"] += [{"path": str(p), "bytes": p.stat().st_size} for p in paths]
    for f in report["files"]:
        say(args, f"{f['path']}" + (f"  {f['width']}x{f['height']}" if "width" in f else ""))
    return report


COMMANDS: Dict[str, Tuple[str, Callable, Callable]] = {
    "gradcheck": ("compare backprop gradients with numerical ones (float64)", _gradcheck_args, _gradcheck),
    "train": ("train a preset on a data set and save the model", train_args, train),
    "eval": ("accuracy, per-class precision/recall/F1/AP, mAP and confusion matrix of a model", _eval_args, _eval),
    "predict": ("classify image files the way the app classifies a drawing", _predict_args, _predict),
    "screenshot": ("render the window and each panel offscreen to PNG, with a digit drawn by the program",
                   _screenshot_args, _screenshot),
    "bench": ("measure training speed, single-image latency and memory per preset", _bench_args, _bench),
}
