"""The command line: `python main.py [command]`. Without a command the app opens.

Every command takes ``--json``: then exactly one JSON document goes to stdout
and everything else (progress bars, notes) to stderr.
"""
from __future__ import annotations

import argparse
import json
import sys
from typing import List, Optional

from . import commands



def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python main.py",
        description="cnnviz: watch a numpy CNN take a drawing apart, layer by layer. "
                    "Without a command the desktop app opens.")
    sub = parser.add_subparsers(dest="command", metavar="command")
    for name, (helptext, add_args, _run) in commands.COMMANDS.items():
        p = sub.add_parser(name, help=helptext, description=helptext)
        p.add_argument("--json", action="store_true", help="print one JSON document on stdout and nothing else there")
        add_args(p)
    return parser


def main(argv: Optional[List[str]] = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        from ..gui.app import run_app   # the only place the CLI reaches into the GUI
        return run_app()
    _help, _add, run = commands.COMMANDS[args.command]
    try:
        result = run(args)
    except commands.UserError as e:
        if getattr(args, "json", False):
            print(json.dumps({"error": str(e)}))
        print(f"error: {e}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    if getattr(args, "json", False):
        print(json.dumps(result, indent=2, default=_jsonable))
    return 0 if not (isinstance(result, dict) and result.get("failed")) else 1


def _jsonable(obj):
    import numpy as np
    if isinstance(obj, np.generic):
        return obj.item()
    if isinstance(obj, np.ndarray):
        return obj.tolist()
    raise TypeError(f"not JSON serialisable: {type(obj).__name__}")
