"""Draw the letters of strokes.py with the real mouse in the running app, and keep each drawing.

Run in an X session where `python main.py` shows its window (e.g. with
../shared/tools/xapp.sh), the mouse free, xdotool and xclip installed:

    python tests/data/handdrawn_letters/draw_with_xdotool.py LEFT,TOP,SIDE

where LEFT,TOP,SIDE is the paper's square on the screen in pixels (find it on a
screenshot). For each drawing the mouse draws the strokes (pressing, moving in
steps of at most 6 screen pixels, releasing), Edit > Copy drawing (Ctrl+C) puts
the canvas picture the network reads on the clipboard, xclip saves it, and
Edit > Clear drawing (Delete) clears the canvas.
"""
from __future__ import annotations

import math
import os
import subprocess
import sys
import time
from pathlib import Path

from PyQt5.QtGui import QImage

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from strokes import drawings  # noqa: E402

STEP = 6.0          # screen pixels between mouse positions


def xdotool(*args: str) -> None:
    subprocess.run(["xdotool", *args], check=True)


def screen_points(stroke, left: float, top: float, side: float):
    pts = [(left + x / 100 * side, top + y / 100 * side) for x, y in stroke]
    out = [pts[0]]
    for (x0, y0), (x1, y1) in zip(pts, pts[1:]):
        n = max(1, math.ceil(math.hypot(x1 - x0, y1 - y0) / STEP))
        out += [(x0 + (x1 - x0) * i / n, y0 + (y1 - y0) * i / n) for i in range(1, n + 1)]
    return [(round(x), round(y)) for x, y in out]


def draw_stroke(points) -> None:
    args = ["mousemove", str(points[0][0]), str(points[0][1]), "mousedown", "1"]
    for x, y in points[1:]:
        args += ["sleep", "0.01", "mousemove", str(x), str(y)]
    xdotool(*args, "sleep", "0.03", "mouseup", "1")


def main(argv) -> None:
    left, top, side = (float(v) for v in argv[1].split(","))
    out = HERE
    for stem, _letter, strokes in drawings():
        xdotool("key", "Delete")
        for stroke in strokes:
            draw_stroke(screen_points(stroke, left, top, side))
            time.sleep(0.05)
        time.sleep(0.2)
        xdotool("key", "ctrl+c")
        time.sleep(0.3)
        png = subprocess.run(["xclip", "-selection", "clipboard", "-t", "image/png", "-o"],
                             check=True, capture_output=True).stdout
        image = QImage.fromData(png, "PNG").convertToFormat(QImage.Format_Grayscale8)
        if image.isNull() or image.width() != 280:
            raise SystemExit(f"{stem}: the clipboard held no 280x280 drawing")
        image.save(str(out / f"{stem}.png"), "PNG", 0)
        print(stem, flush=True)
    xdotool("key", "Delete")


if __name__ == "__main__":
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    main(sys.argv)
