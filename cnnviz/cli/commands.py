"""The commands of `python main.py`: each is (help, add_arguments, run).

``run(args)`` returns a JSON-able dict (printed by ``--json``) and prints the
human-readable form itself when ``--json`` is not given.
"""
from __future__ import annotations

import os
import platform
import sys
from typing import Callable, Dict, Tuple

import numpy as np


class UserError(Exception):
    """A failure the user can fix (bad file, missing data): printed as one line."""


def say(args, text: str = "") -> None:
    """Human-readable output: stdout normally, stderr under --json (stdout is for the JSON)."""
    print(text, file=sys.stderr if getattr(args, "json", False) else sys.stdout, flush=True)


# -- gradcheck -------------------------------------------------------------------
def _gradcheck_args(p):
    from ..nn import PRESETS
    p.add_argument("--arch", default="simple", choices=sorted(PRESETS), help="preset to check (default simple)")
    p.add_argument("--entries", type=int, default=20, help="entries checked per parameter (default 20)")
    p.add_argument("--batch", type=int, default=2, help="images in the checked batch (default 2)")
    p.add_argument("--seed", type=int, default=0)


def _gradcheck(args):
    from ..nn import Network, preset_spec
    from ..nn.gradcheck import check_network
    net = Network(preset_spec(args.arch), seed=args.seed, dtype=np.float64)
    rng = np.random.default_rng(args.seed)
    x = rng.random((args.batch,) + net.input_shape)
    y = rng.integers(0, net.num_classes, args.batch)
    errors = check_network(net, x, y, max_entries=args.entries, seed=args.seed)
    worst = max(errors.values())
    say(args, f"gradient check of {args.arch} (float64, {args.batch} images, up to {args.entries} "
              f"entries per parameter): worst relative error per parameter")
    for k, v in errors.items():
        say(args, f"  {k:<24} {v:.2e}")
    verdict = "ok" if worst < 1e-4 else "SUSPICIOUS"
    say(args, f"worst {worst:.2e}: {verdict} (backprop is right when this is about 1e-6 or smaller)")
    return {"arch": args.arch, "relative_errors": errors, "worst": worst, "failed": worst >= 1e-4}


# -- bench -----------------------------------------------------------------------
def _bench_args(p):
    from ..nn import PRESETS
    p.add_argument("--presets", nargs="+", default=list(PRESETS), choices=list(PRESETS), metavar="PRESET",
                   help="presets to measure (default: all)")
    p.add_argument("--seconds", type=float, default=3.0, help="training time measured per preset (default 3)")
    p.add_argument("--draw", action="store_true",
                   help="measure the app instead: stroke-to-updated-views latency and launch time")
    p.add_argument("--gui", action="store_true",
                   help="measure training in the app: in-app vs headless samples/s, UI timer delay")
    p.add_argument("--data-dir", help="data directory for --gui (MNIST)")


def _bench(args):
    if args.draw:
        from ..gui.drawbench import bench_draw
        return bench_draw(report=lambda text: say(args, text))
    if args.gui:
        from ..gui.trainbench import bench_gui
        return bench_gui(seconds=args.seconds, data_dir=args.data_dir, report=lambda text: say(args, text))
    from ..bench import bench_presets
    say(args, f"{'preset':<12} {'params':>10} {'train samples/s':>16} {'trace ms p50':>13} "
              f"{'p95':>7} {'peak MB':>8}")
    out = {}
    for name in args.presets:
        r = bench_presets([name], seconds=args.seconds)[name]
        out[name] = r
        say(args, f"{name:<12} {r['params']:>10,} {r['train_samples_per_s']:>16,.0f} {r['trace_ms_p50']:>13.3f} "
                  f"{r['trace_ms_p95']:>7.3f} {r['peak_memory_mb']:>8.1f}")
    return {"presets": out, "batch": 100, "optimizer": "adam", "dtype": "float32",
            "machine": {"cpus": os.cpu_count(), "python": platform.python_version(), "numpy": np.__version__}}


COMMANDS: Dict[str, Tuple[str, Callable, Callable]] = {
    "gradcheck": ("compare backprop gradients with numerical ones (float64)", _gradcheck_args, _gradcheck),
    "bench": ("measure training speed, single-image latency and memory per preset", _bench_args, _bench),
}
