"""Image files of a folder data set are decoded on the UI thread, never by the loading thread
(a Python thread calling Qt's readers could deadlock with the UI thread destroying widgets)."""
import threading
import time

from cnnviz.gui.imagefile import ImageReadError, read_image
from cnnviz.gui.training.dataloader import DatasetLoader
from cnnviz.gui.training.imagedecoder import UiThreadDecoder

from test_imagefolder import make_folder


def test_a_folder_loads_with_every_image_decoded_on_the_ui_thread(qtbot, tmp_path):
    folder = make_folder(tmp_path / "shapes", {"ring": 5, "bar": 4})
    threads = []

    def recording_read(path):
        threads.append(threading.current_thread())
        return read_image(path)

    loader = DatasetLoader()
    loader.decoder = UiThreadDecoder(recording_read, parent=loader)
    with qtbot.waitSignal(loader.loaded, timeout=20000) as got:
        loader.load(str(folder), tmp_path)
    data = got.args[0]
    assert len(data.x_train) + len(data.x_test) == 9
    assert len(threads) == 9 and all(t is threading.main_thread() for t in threads)
    assert loader.wait(5.0)


def test_a_read_waiting_for_the_ui_thread_ends_when_the_decoder_stops(qtbot, tmp_path):
    decoder = UiThreadDecoder()
    decoder.start()                           # the UI thread is busy below (no events): nothing is decoded
    outcome = {}

    def reader():
        started = time.perf_counter()
        try:
            decoder.read(tmp_path / "never.png")
        except ImageReadError as e:
            outcome["error"] = str(e)
        outcome["seconds"] = time.perf_counter() - started

    thread = threading.Thread(target=reader)
    thread.start()
    time.sleep(0.3)
    assert thread.is_alive()                  # it waits for the UI thread ...
    decoder.stop()                            # ... until loading stops
    thread.join(2.0)
    assert not thread.is_alive() and "stopped" in outcome["error"]


def test_a_decoder_error_reaches_the_thread_that_asked(qtbot, tmp_path):
    bad = tmp_path / "bad.png"
    bad.write_bytes(b"not an image")
    decoder = UiThreadDecoder()
    decoder.start()
    outcome = {}

    def reader():
        try:
            decoder.read(bad)
        except ImageReadError as e:
            outcome["error"] = e

    thread = threading.Thread(target=reader)
    thread.start()
    qtbot.waitUntil(lambda: not thread.is_alive(), timeout=5000)
    assert isinstance(outcome.get("error"), ImageReadError)
    decoder.stop()


def test_a_file_asked_for_out_of_turn_is_decoded_though_the_decoded_ones_wait(qtbot, tmp_path):
    from cnnviz.gui.training.imagedecoder import AHEAD
    many = sorted((make_folder(tmp_path / "many", {"a": AHEAD + 8}) / "a").iterdir())
    late = next((make_folder(tmp_path / "late", {"b": 1}) / "b").iterdir())   # not in the first listing
    decoder = UiThreadDecoder()
    decoder.start()
    decoder.request(many)
    qtbot.wait(300)                           # the UI thread decodes AHEAD of them, then waits
    outcome = {}
    thread = threading.Thread(target=lambda: outcome.setdefault("image", decoder.read(late)))
    thread.start()
    qtbot.waitUntil(lambda: not thread.is_alive(), timeout=5000)
    assert outcome["image"].shape[:2] == read_image(late).shape[:2]
    decoder.stop()
