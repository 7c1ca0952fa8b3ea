#!/usr/bin/env python3
"""cnnviz: `python main.py` opens the app; `python main.py --help` lists the commands."""
import sys

from cnnviz.cli.main import main

if __name__ == "__main__":
    sys.exit(main())
