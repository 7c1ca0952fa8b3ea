"""Fuzzing every file the program reads through its command line.

    python -m tests.fuzz --count 5000 [--seed 1] [--keep DIR]
    python tests/fuzz.py --count 5000      (the same, where another package owns the name "tests")

Makes ``count`` files (see :mod:`fuzzcorpus`: about 70% images, 20% model
files, 10% data sets, mutated from good and hostile seeds; from 1000 files on,
the gzip bomb unpacks past the readers' 256 MB limit) and runs the
commands on them in worker subprocesses, each under a 1 GiB address-space
limit: ``predict --json`` on batches of images with two good drawings in
each, ``predict --json --model`` on each model file, ``eval --json`` on each
data set. The workers call the command line's ``main`` once per command (so a
few thousand commands do not each pay a start-up); a worker that dies, by a
signal or a timeout, is reported with the command it was running and the next
worker carries on after it.

Checked for every command: no signal, no timeout, exit status 0, 1 or 2
(never 3, an internal error), no traceback, exactly one JSON document on
stdout, and in a batch the good drawings still classified. Printed at the
end: files, commands, exit statuses seen, the largest resident memory of a
worker, the time. The test suite runs a small fixed-seed corpus
(tests/test_fuzz.py); this module is the long run, not part of CI.
"""
from __future__ import annotations

import argparse
import collections
import contextlib
import io
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
import traceback
from pathlib import Path
from typing import Dict, List

import numpy as np

sys.path[:0] = [str(Path(__file__).resolve().parent), str(Path(__file__).resolve().parents[1])]
import fuzzcorpus  # noqa: E402  (tests/ is not a package)

ROOT = Path(__file__).resolve().parents[1]
MEMORY_LIMIT = 1 << 30
JOB_SECONDS = 60
BATCH = 40


# -- the corpus and the commands ------------------------------------------------------
def build(folder: Path, count: int, seed: int) -> List[dict]:
    """Write about ``count`` files under ``folder``; returns the commands, each
    {"argv": [...], "good": [image paths that must be classified], "what": a label for reports}."""
    from cnnviz.modelio import save_model
    from cnnviz.nn import Network
    rng = np.random.default_rng(seed)
    folder.mkdir(parents=True, exist_ok=True)
    good_model = folder / "tiny.npz"
    save_model(good_model, Network(fuzzcorpus.TINY_MODEL, seed=seed), [str(i) for i in range(10)])
    images, models, datasets = _images(folder, rng, int(count * 0.7)), _models(folder, rng, int(count * 0.2)), \
        _datasets(folder, rng, max(1, count - int(count * 0.7) - int(count * 0.2)), big_bomb=count >= 1000)
    good = []
    for i in range(2):
        path = folder / f"good{i}.png"
        path.write_bytes(fuzzcorpus.qt_bytes(fuzzcorpus.digit(rng), "PNG"))
        good.append(str(path))
    jobs = [{"argv": ["predict", "--json", "--model", str(good_model), *good, *images[i:i + BATCH]], "good": good,
             "what": f"predict of images {i} to {min(i + BATCH, len(images)) - 1} ({images[i]} ...)"}
            for i in range(0, len(images), BATCH)]
    jobs += [{"argv": ["predict", "--json", "--model", str(m), good[0]], "good": [], "what": f"predict --model {m}"}
             for m in models]
    jobs += [{"argv": ["eval", "--json", "--no-download", "--model", str(good_model), "--dataset", name,
                       "--data-dir", str(d)], "good": [], "what": f"eval --dataset {name} --data-dir {d}"}
             for d, name in datasets]
    return jobs


def _images(folder: Path, rng, count: int) -> List[str]:
    seeds = fuzzcorpus.image_seeds(rng)
    names = list(seeds)
    paths = []
    for name, data in seeds.items():
        paths.append(_write(folder / "images" / name, data))
    for i in range(max(0, count - len(seeds))):
        name = names[int(rng.integers(0, len(names)))]
        other = seeds[names[int(rng.integers(0, len(names)))]]
        paths.append(_write(folder / "images" / f"m{i}-{name}", fuzzcorpus.mutate(seeds[name], rng, other)))
    special = folder / "images" / "special"
    special.mkdir()
    os.mkfifo(special / "fifo.png")
    paths += [str(special / "fifo.png"), "/dev/zero", str(special), str(special / "missing.png"),
              str(special / ("x" * 300 + ".png"))]
    return paths


def _models(folder: Path, rng, count: int) -> List[str]:
    seeds = fuzzcorpus.model_seeds()
    paths = [_write(folder / "models" / name, data) for name, data in seeds.items()]
    valid = [n for n in seeds if n.startswith("model")]
    names = list(seeds)
    for i in range(max(0, count - len(seeds))):
        name = valid[i % len(valid)] if i % 2 else names[int(rng.integers(0, len(names)))]
        data = fuzzcorpus.mutate_file(name, seeds[name], rng)
        paths.append(_write(folder / "models" / f"m{i}-{name}", data))
    os.mkfifo(folder / "models" / "fifo.npz")
    return paths + [str(folder / "models" / "fifo.npz"), "/dev/zero", str(folder / ("y" * 300 + ".npz"))]


def _datasets(folder: Path, rng, count: int, big_bomb: bool) -> List[tuple]:
    """Data set folders: [(folder, data set name)]."""
    seeds = fuzzcorpus.dataset_seeds(rng, (300 << 20) if big_bomb else (1 << 20))
    made = [(_write_dataset(folder / "data" / name, dataset, files), dataset)
            for name, (dataset, files) in seeds.items()]
    good = [seeds[name] for name in ("good", "kmnist", "emnist", "cifar")]
    for i in range(max(0, count - len(seeds))):
        dataset, files = good[i % len(good)]
        files = dict(files)
        victim = sorted(files)[int(rng.integers(0, len(files)))]
        files[victim] = fuzzcorpus.mutate_file(victim, files[victim], rng)
        made.append((_write_dataset(folder / "data" / f"m{i}", dataset, files), dataset))
    return made + [(str(folder / "data" / ("z" * 300)), "mnist")]


def _write(path: Path, data: bytes) -> str:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return str(path)


def _write_dataset(folder: Path, dataset: str, files: Dict[str, bytes]) -> str:
    for name, data in files.items():
        _write(folder / dataset / name, data)
    return str(folder)


# -- running them -----------------------------------------------------------------------
def run(jobs: List[dict], workdir: Path, job_seconds: float = JOB_SECONDS) -> List[dict]:
    """Run every command in workers; returns one result per job (see :func:`_worker`), in order.

    A worker that dies leaves ``{"code": "signal N"}`` or ``{"code": "timeout"}``
    for the command it was running.
    """
    spec = workdir / "jobs.json"
    spec.write_text(json.dumps([j["argv"] for j in jobs]))
    results: List[dict] = []
    while len(results) < len(jobs):
        out = workdir / f"results-{len(results)}.jsonl"
        proc = subprocess.Popen([sys.executable, str(Path(__file__).resolve()), "--worker", str(spec), str(out),
                                 str(len(results))], cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                env={**os.environ, "QT_QPA_PLATFORM": "offscreen"}, preexec_fn=_limit_memory)
        ended = _wait(proc, out, job_seconds)
        done = [json.loads(line) for line in out.read_text().splitlines()] if out.exists() else []
        results += [d for d in done if "code" in d]
        if ended is not None and len(results) < len(jobs):     # it died in the middle of a job
            results.append({"code": ended, "stdout": "", "traceback": False, "maxrss": 0, "seconds": 0})
    return results


def _limit_memory() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_LIMIT, MEMORY_LIMIT))


def _wait(proc: subprocess.Popen, out: Path, job_seconds: float):
    """Wait for a worker; None when it finished its jobs, else how it died ("signal N" or "timeout")."""
    last, seen = time.monotonic(), -1
    while proc.poll() is None:
        size = out.stat().st_size if out.exists() else 0
        if size != seen:
            last, seen = time.monotonic(), size
        elif time.monotonic() - last > job_seconds:
            proc.kill()
            proc.wait()
            return "timeout"
        time.sleep(0.05)
    return None if proc.returncode == 0 else (f"signal {-proc.returncode}" if proc.returncode < 0
                                              else f"worker exit {proc.returncode}")


def _worker(spec: str, out: str, start: int) -> None:
    """Run the commands of ``spec`` from index ``start``, one JSON line per command in ``out``:
    {"code": exit status, "stdout": text, "traceback": bool, "maxrss": KiB, "seconds": s}."""
    from cnnviz.cli.main import main
    jobs = json.loads(Path(spec).read_text())
    with open(out, "w") as fh:
        for argv in jobs[start:]:
            stdout, stderr = io.StringIO(), io.StringIO()
            t0 = time.perf_counter()
            with contextlib.redirect_stdout(stdout), contextlib.redirect_stderr(stderr):
                try:
                    code = main(argv)
                except BaseException:      # main must never raise: report it as a finding
                    traceback.print_exc()
                    code = "raised"
            fh.write(json.dumps({"code": code, "stdout": stdout.getvalue(),
                                 "traceback": "Traceback (most recent call last)" in stderr.getvalue(),
                                 "maxrss": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
                                 "seconds": time.perf_counter() - t0}) + "\n")
            fh.flush()


# -- judging ----------------------------------------------------------------------------
def problems(jobs: List[dict], results: List[dict]) -> List[str]:
    """Every broken promise, one line each (empty when all is well)."""
    found = []
    for job, res in zip(jobs, results):
        what = job["what"][:200]
        if res["code"] not in (0, 1, 2):
            found.append(f"{what}: exit {res['code']}")
            continue
        if res["traceback"]:
            found.append(f"{what}: a traceback on stderr")
        try:
            doc = json.loads(res["stdout"])
        except ValueError:
            found.append(f"{what}: stdout is not exactly one JSON document: {res['stdout'][:200]!r}")
            continue
        answered = {p["file"] for p in doc.get("predictions", []) if "label" in p}
        missing = [g for g in job["good"] if g not in answered]
        if missing:
            found.append(f"{what}: good files not classified: {missing}")
    return found


def summary(jobs: List[dict], results: List[dict], files: int, seconds: float) -> dict:
    codes = collections.Counter(str(r["code"]) for r in results)
    return {"files": files, "commands": len(jobs), "exit_codes": dict(sorted(codes.items())),
            "max_rss_mb": round(max((r["maxrss"] for r in results), default=0) / 1024, 1),
            "seconds": round(seconds, 1)}


def fuzz(count: int, seed: int, folder: Path) -> tuple:
    """Build, run and judge a corpus in ``folder``: (summary dict, problem lines)."""
    t0 = time.perf_counter()
    jobs = build(folder / "corpus", count, seed)
    files = sum(1 for p in (folder / "corpus").rglob("*") if not p.is_dir()) + 1   # + /dev/zero
    results = run(jobs, folder)
    return summary(jobs, results, files, time.perf_counter() - t0), problems(jobs, results)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python tests/fuzz.py", description=__doc__.split("\n\n")[0])
    parser.add_argument("--count", type=int, default=1000, help="files to make (default 1000)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--keep", help="folder to keep the corpus and results in (default: a temporary one)")
    parser.add_argument("--worker", nargs=3, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        _worker(args.worker[0], args.worker[1], int(args.worker[2]))
        return 0
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(args.keep) if args.keep else Path(tmp)
        report, found = fuzz(args.count, args.seed, folder)
    print(json.dumps(report, indent=2))
    for line in found:
        print("PROBLEM", line)
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
