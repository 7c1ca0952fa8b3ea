"""`python -m cnnviz.data [--data-dir DIR]`: make the data sets made on this computer, and time it.

Today that is ``letters``: both splits are drawn (again, even when they are
already there) into ``DIR/letters/`` (default: $CNNVIZ_DATA_DIR or the user
cache), and the time each took is printed.
"""
from __future__ import annotations

import argparse
import os
import time

from .letters import FILE_NAMES, LETTERS, PER_CLASS, write_split
from .paths import download_dir, resolve_data_dir


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(prog="python -m cnnviz.data", description="Make the data sets that are made on this computer (letters) "
                                                 "and print how long each split took.")
    parser.add_argument("--data-dir", help="data folder (default: $CNNVIZ_DATA_DIR or the user cache)")
    args = parser.parse_args(argv)
    folder = download_dir(resolve_data_dir(args.data_dir), "letters")
    total = 0.0
    for split, name in FILE_NAMES.items():
        t0 = time.perf_counter()
        write_split(folder / name, split)
        seconds = time.perf_counter() - t0
        total += seconds
        count = PER_CLASS[split] * len(LETTERS)
        print(f"letters {split}: {count:,} images in {seconds:.1f} s ({count / seconds:,.0f} images/s) "
              f"-> {folder / name}", flush=True)
    load = f"; load average {os.getloadavg()[0]:.1f}" if hasattr(os, "getloadavg") else ""
    print(f"letters, both splits: {total:.1f} s on {os.cpu_count()} cores{load}")


if __name__ == "__main__":
    main()
