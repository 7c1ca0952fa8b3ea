"""What the commands share: the error a user can fix, the human-readable output, data and model loading."""
from __future__ import annotations

import sys

from .args import dataset_name


class UserError(Exception):
    """A failure the user can fix (bad file, missing data): printed as one line."""


class Interrupted(KeyboardInterrupt):
    """Ctrl+C, with a sentence saying what was saved (exit status 130)."""


def say(args, text: str = "") -> None:
    """Human-readable output: stdout normally, stderr under --json (stdout is for the JSON)."""
    print(text, file=sys.stderr if getattr(args, "json", False) else sys.stdout, flush=True)


def data_args(p, default="mnist"):
    """The --dataset, --data-dir and --no-download options."""
    from ..data import available_datasets
    p.add_argument("--dataset", default=default, type=dataset_name, metavar="NAME_OR_FOLDER",
                   help=f"data set: {', '.join(available_datasets())} (default {default}), or a folder of "
                        f"images with one sub-folder per class")
    p.add_argument("--data-dir", help="folder with the data files (or where to download them); "
                                      "default: $CNNVIZ_DATA_DIR or the user cache folder")
    p.add_argument("--no-download", action="store_true", help="use local files only")


def load_data(args, splits=("train", "test")):
    """The data set named on the command line, with a download progress bar on stderr."""
    from ..data import DataError, load_dataset
    from ..data.imagefolder import is_image_folder
    from .progress import ProgressBar, bytes_text
    bar = {"b": None}

    def status(text):
        if bar["b"]:
            bar["b"].close()
        bar["b"] = ProgressBar(text.split(" (")[0][:40])

    def progress(done, total):
        if bar["b"] is None:
            bar["b"] = ProgressBar("downloading")
        bar["b"].update(done, total, f"{bytes_text(done)}" + (f" of {bytes_text(total)}" if total else ""))

    reader = None
    if is_image_folder(args.dataset):       # its images are decoded by Qt's readers
        from ..gui.imagefile import read_image as reader
    try:
        data = load_dataset(args.dataset, data_dir=args.data_dir, download=not args.no_download,
                            progress=progress, status=status, splits=splits, image_reader=reader)
    except DataError as e:
        raise UserError(str(e)) from None
    finally:
        if bar["b"]:
            bar["b"].close()
    return data


def open_model(path):
    """The model file ``path`` (cnnviz .npz or the textbook's params.pkl); UserError when it cannot be opened."""
    from ..modelio import ModelFileError, open_any_model
    try:
        return open_any_model(path)
    except ModelFileError as e:
        raise UserError(str(e)) from None
