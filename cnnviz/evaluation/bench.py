"""Evaluation figures (``python main.py bench --eval``): the shipped ``deep`` model on the
10,000 MNIST test images, and the embedding map of 2,000 of them.

Numbers, not pass/fail. Each timing is repeated and its median and minimum
printed; the machine's load average is printed too, since other work on a
shared machine slows every figure.
"""
from __future__ import annotations

import os
import statistics
import time
from typing import Callable, Optional


from ..data import load_dataset
from ..modelio import load_model
from ..shipped import model_path
from .batches import run_batches
from .embedding import embed, embed_images
from .run import DEFAULT_BATCH, DEFAULT_EMBED_COUNT, as_input, evaluate_model

#: seconds the issue asks for: the full test set, and the 2,000-image map including its forward pass
TARGETS = {"evaluation_s": 5.0, "embedding_s": 2.0}


def _timed(fn, repeats: int):
    """({"median", "min": wall seconds, "cpu": median CPU seconds of all this process's
    threads}, last result) of ``repeats`` calls of ``fn()``."""
    walls, cpus, result = [], [], None
    for _ in range(repeats):
        t0, c0 = time.perf_counter(), time.process_time()
        result = fn()
        walls.append(time.perf_counter() - t0)
        cpus.append(time.process_time() - c0)
    return {"median": statistics.median(walls), "min": min(walls), "cpu": statistics.median(cpus)}, result


def _load() -> Optional[float]:
    try:
        return round(os.getloadavg()[0], 2)
    except (AttributeError, OSError):
        return None


def bench_evaluation(data_dir=None, batch: int = DEFAULT_BATCH, repeats: int = 3,
                     report: Optional[Callable[[str], None]] = None) -> dict:
    """Time, on the MNIST test split in ``data_dir``, with the shipped digits model:

    - ``evaluation_s``: :func:`evaluate_model` over all test images (probabilities,
      metrics, 2,000 feature rows and the silent-channel counts, one pass);
    - ``forward_only_s``: ``Network.forward`` over the same batches, shared out over
      the cores the same way, nothing else (the engine's share; ``evaluation_s``
      minus it is the evaluation's own cost);
    - ``embedding_s``: :func:`embed_images` of 2,000 images (forward pass to the
      penultimate layer, then PCA) and ``pca_s``: the PCA alone.

    Each is {"median": s, "min": s, "cpu": s} over ``repeats`` runs: wall time,
    and the median CPU time of all this process's threads. Raises
    ``cnnviz.data.DataError`` when MNIST is not there.
    """
    say = report or (lambda text: None)
    loaded = load_model(model_path("digits"))
    net, names = loaded.network, loaded.class_names
    data = load_dataset("mnist", data_dir=data_dir, download=False, splits=("test",))
    x, y = data.x_test, data.y_test
    result = {"model": str(model_path("digits")), "architecture": net.name, "images": int(len(x)),
              "batch": batch, "repeats": repeats, "cpus": os.cpu_count(),
              "cnnviz_threads": os.environ.get("CNNVIZ_THREADS"),
              "openblas_threads": os.environ.get("OPENBLAS_NUM_THREADS"), "load_before": _load(),
              "targets": TARGETS}
    say(f"{net.name} ({net.num_params():,} parameters) on {len(x):,} MNIST test images, batch {batch}, "
        f"{repeats} runs each, load average {result['load_before']}")
    evaluate_model(net, x[:batch], y[:batch], names, batch=batch)           # warm-up

    def forward_only():                 # the batches shared out over the cores as the evaluation does
        run_batches(net, -(-len(x) // batch), lambda network, i: network.forward(
            as_input(x[i * batch:(i + 1) * batch], network.dtype)))
    figures = {}
    figures["evaluation_s"], evaluation = _timed(lambda: evaluate_model(net, x, y, names, "mnist", batch=batch),
                                                 repeats)
    figures["forward_only_s"], _ = _timed(forward_only, repeats)
    figures["embedding_s"], _ = _timed(lambda: embed_images(net, x, y, names, DEFAULT_EMBED_COUNT, batch=batch),
                                       repeats)
    figures["pca_s"], _ = _timed(lambda: embed(evaluation), repeats)
    for key, text in (("evaluation_s", f"full evaluation of {len(x):,} images"),
                      ("forward_only_s", "  of which the engine's forward pass alone"),
                      ("embedding_s", f"embedding map of {DEFAULT_EMBED_COUNT:,} images (forward + PCA)"),
                      ("pca_s", "  of which the PCA alone")):
        f = figures[key]
        target = f"   (target <= {TARGETS[key]:g} s)" if key in TARGETS else ""
        say(f"{text:<56} median {f['median']:6.2f} s  min {f['min']:6.2f} s  CPU {f['cpu']:6.2f} s{target}")
    result.update({key: {k: round(v, 3) for k, v in f.items()} for key, f in figures.items()})
    result["accuracy"] = evaluation.accuracy
    result["load_after"] = _load()
    say(f"accuracy {evaluation.accuracy:.4f}; load average after {result['load_after']}")
    return result
