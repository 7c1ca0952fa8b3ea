"""The command line: `python main.py [command]`. Without a command the app opens.

Every command takes ``--json``: then exactly one JSON document goes to stdout,
even when the command fails (``{"error": "..."}``), and everything else
(progress bars, notes) goes to stderr.

Exit status: 0 done; 1 the command ran but reports a failure (a suspicious
gradient check, an image that could not be read or classified, a diverged
training); 2 a usage error or a problem the user can fix (bad argument, missing
or damaged data, unreadable or absurd model, a file name the system refuses);
3 an internal error (a bug: please report it); 130 interrupted.
"""
from __future__ import annotations

import argparse
import json
import math
import sys
import traceback
from typing import List, Optional

from . import commands

EXIT_FAILED, EXIT_USAGE, EXIT_INTERNAL, EXIT_INTERRUPTED = 1, 2, 3, 130


class _UsageError(Exception):
    """argparse refused the command line; carries the parser whose usage applies."""

    def __init__(self, parser: argparse.ArgumentParser, message: str):
        super().__init__(message)
        self.parser = parser


class _Parser(argparse.ArgumentParser):
    """An ArgumentParser that raises instead of printing and exiting, so --json can answer in JSON."""

    def error(self, message):
        raise _UsageError(self, message)


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="python main.py",
        description="cnnviz: watch a numpy CNN take a drawing apart, layer by layer. "
                    "Without a command the desktop app opens.")
    sub = parser.add_subparsers(dest="command", metavar="command")
    for name, (helptext, add_args, _run) in commands.COMMANDS.items():
        p = sub.add_parser(name, help=helptext, description=helptext)
        p.add_argument("--json", action="store_true", help="print one JSON document on stdout and nothing else there")
        add_args(p)
    return parser


def wants_json(argv: List[str]) -> bool:
    """True when the command line asks for --json (or an abbreviation argparse would accept)."""
    return any(len(a) > 2 and "--json".startswith(a) for a in argv)


def main(argv: Optional[List[str]] = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    as_json = wants_json(argv)
    try:
        args = build_parser().parse_args(argv)
    except _UsageError as e:
        if not as_json:
            e.parser.print_usage(sys.stderr)
        return _fail(as_json, str(e), EXIT_USAGE)
    if args.command is None:
        from ..gui.app.run import run_app   # the only place the CLI reaches into the GUI
        return run_app()
    _help, _add, run = commands.COMMANDS[args.command]
    try:
        result = run(args)
        document = json_document(result) if as_json else None
    except commands.UserError as e:
        return _fail(as_json, str(e), EXIT_USAGE)
    except KeyboardInterrupt as e:
        return _fail(as_json, str(e) or "interrupted", EXIT_INTERRUPTED)
    except Exception as e:      # a bug: say so plainly, never a bare traceback on a JSON consumer
        if not as_json:
            traceback.print_exc()
        return _fail(as_json, f"internal error in {args.command}: {type(e).__name__}: {e} "
                              f"(this is a bug in cnnviz; please report it)", EXIT_INTERNAL)
    if document is not None:
        print(document)
    return EXIT_FAILED if isinstance(result, dict) and result.get("failed") else 0


def _fail(as_json: bool, message: str, code: int) -> int:
    """Report ``message`` as one line on stderr (and as {"error": ...} on stdout under --json)."""
    if as_json:
        print(json.dumps({"error": message}))
    print(f"error: {message}", file=sys.stderr)
    return code


def json_document(result) -> str:
    """``result`` as strict JSON text: numpy values as numbers/lists, NaN and infinities as null."""
    return json.dumps(_plain(result), indent=2, allow_nan=False)


def _plain(obj):
    import numpy as np
    if isinstance(obj, dict):
        return {str(k): _plain(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_plain(v) for v in obj]
    if isinstance(obj, np.ndarray):
        return _plain(obj.tolist())
    if isinstance(obj, np.generic):
        obj = obj.item()
    if isinstance(obj, float) and not math.isfinite(obj):
        return None
    if obj is None or isinstance(obj, (str, int, float, bool)):
        return obj
    raise TypeError(f"not JSON serialisable: {type(obj).__name__}")
