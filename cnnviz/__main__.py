"""`python -m cnnviz`: the same as `python main.py` (the app, or a command)."""
import sys

from cnnviz.cli.main import main

if __name__ == "__main__":
    sys.exit(main())
