"""Time-lapse: frames kept from real training snapshots, scrubbing through the inspector, exports."""
import numpy as np
import pytest
from PyQt5.QtGui import QImage, QImageReader

from cnnviz.gui.views.featuremaps import FeatureMapView
from cnnviz.gui.model.inspector import Inspector
from cnnviz.gui.training.snapshot import make_snapshot
from cnnviz.gui.training.timelapse import Frame, TimeLapse
from cnnviz.gui.training.timelapse_export import filter_picture, maps_picture
from cnnviz.gui.training.timelapse_view import TimeLapseView
from cnnviz.gui.widgets.qimage import qimage_to_rgb
from cnnviz.nn import Network
from cnnviz.nn.optim import make_optimizer
from cnnviz.train import TrainConfig, Trainer

from synthetic import TINY_NET, bars


pytestmark = pytest.mark.usefixtures("hold_widgets")


@pytest.fixture(scope="module")
def snapshots():
    """Snapshots of a real run (45 steps) with a probe bar image traced each step, step 0 first."""
    x, y = bars(300, seed=1)
    net = Network(TINY_NET, seed=0)
    tr = Trainer(net, make_optimizer("adam", 0.01), x, y, config=TrainConfig(epochs=3, batch_size=20, seed=0))
    probe = x[0].astype(np.float32) / 255
    snaps = [make_snapshot(net, 0, 1, probe, probe_id=1)]
    for ev in tr.steps():
        if ev.kind == "step":
            snaps.append(make_snapshot(net, ev.step, ev.epoch, probe, probe_id=1, stats={"loss": ev.loss}))
    return snaps


def live_inspector(snaps):
    net = Network(TINY_NET, seed=0)
    net.set_weights(snaps[-1].weights)
    ins = Inspector(net, ["horizontal", "vertical", "diagonal"])
    ins.set_input(snaps[-1].trace[0].value[0])
    return ins


# -- the data --------------------------------------------------------------------------
def test_frames_are_kept_every_n_steps_and_thinned_to_stay_bounded(snapshots):
    tl = TimeLapse(every=5, max_frames=6)
    kept = [s.step for s in snapshots if tl.offer(s)]
    assert kept[:3] == [0, 5, 10]
    assert len(tl) < 6 and tl.every > 5                   # thinned at least once
    steps = [f.step for f in tl.frames]
    assert steps[0] == 0 and steps[-1] >= 45 - tl.every   # still the whole run
    assert all(b - a >= 5 for a, b in zip(steps, steps[1:]))
    assert not tl.offer(snapshots[-1]) or tl.frames[-1].step == 45
    tl.clear()
    assert len(tl) == 0 and tl.every == 5


def test_a_frame_keeps_conv_weights_and_a_half_precision_trace(snapshots):
    s = snapshots[10]
    f = Frame.from_snapshot(s)
    assert list(f.weights) == ["conv1.W"]                 # dense weights are not kept
    np.testing.assert_array_equal(f.weights["conv1.W"], s.weights["conv1.W"])
    assert [t.name for t in f.trace] == [t.name for t in s.trace]
    assert all(t.value.dtype == np.float16 for t in f.trace)
    np.testing.assert_allclose(f.value("relu1"), s.trace[2].value[0], rtol=2e-3, atol=1e-4)
    outs = f.trace_outputs()
    assert outs[2].value.dtype == np.float32 and outs[2].shape == s.trace[2].shape
    assert f.nbytes < sum(t.value.nbytes for t in s.trace) + s.weights["conv1.W"].nbytes
    tl = TimeLapse(every=1)
    tl.offer(snapshots[0])
    assert tl.nbytes == tl.frames[0].nbytes > 0


def test_a_lower_step_starts_a_new_time_lapse(snapshots):
    tl = TimeLapse(every=1)
    for s in snapshots[:20]:
        tl.offer(s)
    assert tl.offer(snapshots[3]) and [f.step for f in tl.frames] == [3]
    with pytest.raises(ValueError):
        TimeLapse(every=0)


def test_pictures_use_the_app_colours():
    W = np.zeros((2, 1, 3, 3), np.float32)
    W[0, 0, 0, 0], W[1, 0, 2, 2] = 1.0, -1.0
    img = filter_picture(W, zoom=1)
    assert img.shape == (3, 7, 3)                          # two 3x3 tiles and a 1-px gutter
    assert tuple(img[1, 1]) == tuple(img[0, 5]) and min(img[1, 1]) > 200      # 0 is (near) white
    r, g, b = img[0, 0].astype(int)
    assert r > b + 50 and r > g + 50                       # +1 is red
    r, g, b = img[2, 6].astype(int)
    assert b > r + 50 and b > g + 50                       # -1 is blue
    assert tuple(img[0, 3]) == (128, 128, 128)             # gutter
    maps = np.zeros((3, 4, 4), np.float32)
    maps[1] = 2.0
    pic = maps_picture(maps, "ReLU", zoom=2)
    assert pic[:8, :8].max() == 0                          # map 0 (all zero) is black
    assert pic[:8, 10:18].min() > 200                      # map 1 (the maximum) is white-hot


# -- the view ----------------------------------------------------------------------------
def make_view(qtbot, snaps, every=5):
    ins = live_inspector(snaps)
    tl = TimeLapse(every=every)
    for s in snaps:
        tl.offer(s)
    view = TimeLapseView(tl, ins)
    qtbot.addWidget(view)
    view.resize(700, 350)
    view.show()
    qtbot.waitExposed(view)
    return view, ins, tl


def test_scrubbing_shows_old_traces_and_back_to_live_restores(qtbot, snapshots):
    view, ins, tl = make_view(qtbot, snapshots)
    maps = FeatureMapView(ins)
    qtbot.addWidget(maps)
    ins.select(2)                                          # relu1
    live_trace = ins.trace
    live_weights = {k: v.copy() for k, v in ins.network.params.items()}
    assert view.slider.value() == len(tl) - 1 and not view.scrubbing
    with qtbot.waitSignal(view.scrubbingChanged) as sig:
        view.slider.setValue(1)                            # step 5
    assert sig.args == [True] and view.scrubbing and view.index == 1
    frame = tl.frames[1]
    np.testing.assert_allclose(ins.value(2), frame.value("relu1"))
    assert not np.allclose(ins.value(2), live_trace[2].value[0])      # an earlier network, visibly
    np.testing.assert_allclose(maps.image.image[~np.isnan(maps.image.image)].max(), frame.value("relu1").max(),
                               rtol=1e-6)                              # the feature map view followed
    assert "step 5, epoch 1" in view.status.text()
    np.testing.assert_array_equal(view.image.image, filter_picture(frame.weights["conv1.W"], zoom=1))
    for k, v in ins.network.params.items():
        np.testing.assert_array_equal(v, live_weights[k])             # the live weights are untouched
    with qtbot.waitSignal(view.scrubbingChanged) as sig:
        view.live_button.click()
    assert sig.args == [False] and "live" in view.status.text()
    np.testing.assert_allclose(ins.value(2), live_trace[2].value[0], rtol=1e-6)     # the live network again


def test_a_trace_pushed_while_scrubbing_becomes_the_live_one(qtbot, snapshots):
    view, ins, tl = make_view(qtbot, snapshots)
    view.show_frame(0)
    newer = snapshots[-1].trace
    ins.set_trace(newer)                                   # what a training controller would do
    np.testing.assert_allclose(ins.value(2), tl.frames[0].value("relu1"))   # still the frame
    view.back_to_live()
    np.testing.assert_allclose(ins.value(2), newer[2].value[0], rtol=1e-6)


def test_play_runs_to_the_last_frame_and_new_frames_extend_the_slider(qtbot, snapshots):
    view, ins, tl = make_view(qtbot, snapshots[:30])
    view.show_frame(len(tl) - 3)
    view.toggle_play()
    qtbot.waitUntil(lambda: view.index == len(tl) - 1 and not view._play.isActive(), timeout=5000)
    n = len(tl)
    for s in snapshots[30:]:
        tl.offer(s)
    view.refresh()
    assert view.slider.maximum() == len(tl) - 1 > n - 1
    assert view.scrubbing and view.slider.value() == n - 1     # still on the frame being looked at


def test_gif_and_png_exports_read_back(qtbot, snapshots, tmp_path):
    view, ins, tl = make_view(qtbot, snapshots)
    ins.select(2)
    pictures = list(view.frame_pictures("both"))
    assert len(pictures) == len(tl) and len({p.shape for p in pictures}) == 1
    calls = []
    path = view.export_gif(tmp_path / "tl.gif", "both", progress=lambda i, n: calls.append((i, n)))
    assert calls[-1] == (len(tl), len(tl))
    reader = QImageReader(str(path))
    assert reader.imageCount() == len(tl)
    assert (reader.size().height(), reader.size().width()) == pictures[0].shape[:2]
    decoded = [qimage_to_rgb(reader.read()) for _ in range(len(tl))]
    for got, want in zip(decoded, pictures):
        assert np.abs(got.astype(int) - want).mean() < 3
    pngs = view.export_pngs(tmp_path / "frames", "filters")
    assert [p.name for p in pngs[:2]] == ["frame_0001_step_000000.png", "frame_0002_step_000005.png"]
    img = QImage(str(pngs[-1]))
    assert not img.isNull()
    np.testing.assert_array_equal(qimage_to_rgb(img), list(view.frame_pictures("filters"))[-1])


def test_cancelled_or_impossible_exports_write_nothing(qtbot, snapshots, tmp_path):
    view, ins, tl = make_view(qtbot, snapshots)

    def cancel(i, n):
        if i == 3:
            raise KeyboardInterrupt
    with pytest.raises(KeyboardInterrupt):
        view.export_gif(tmp_path / "x.gif", "filters", progress=cancel)
    assert not list(tmp_path.iterdir())
    # frames without a probe trace have no feature maps to export
    blind = TimeLapse(every=1)
    for s in snapshots[:5]:
        blind.offer(make_snapshot(ins.network, s.step, s.epoch))
    other = TimeLapseView(blind, ins)
    qtbot.addWidget(other)
    with pytest.raises(ValueError, match="draw or load an image"):
        other.export_gif(tmp_path / "y.gif", "maps")
    assert len(list(other.frame_pictures("filters"))) == 5
    assert not list(tmp_path.iterdir())


def test_another_network_ends_scrubbing(qtbot, snapshots):
    view, ins, tl = make_view(qtbot, snapshots)
    view.show_frame(2)
    with qtbot.waitSignal(view.scrubbingChanged) as sig:
        ins.set_network(Network(TINY_NET, seed=5), ["a", "b", "c"])
    assert sig.args == [False] and not view.scrubbing


# -- the filter view's "compare with start" (the other look back in time) -------------------
def compare_view(qtbot, snapshots, size=(700, 350)):
    from cnnviz.gui.views.filters import FilterView
    ins = live_inspector(snapshots)
    view = FilterView(ins)
    qtbot.addWidget(view)
    view.resize(*size)
    view.show()
    qtbot.waitExposed(view)
    return view, ins


def test_compare_with_start_needs_start_weights(qtbot, snapshots):
    view, ins = compare_view(qtbot, snapshots)
    assert not view.compare_box.isEnabled() and "once training has started" in view.compare_box.toolTip()
    view.compare_box.setChecked(True)
    assert not view.comparing and not view.start_image.isVisible()
    ins.set_start_weights(dict(snapshots[0].weights))
    assert view.compare_box.isEnabled() and view.comparing and view.start_image.isVisible()


def test_start_filters_beside_the_current_ones_on_one_scale(qtbot, snapshots):
    from cnnviz.gui.widgets import colormaps as cm
    view, ins = compare_view(qtbot, snapshots)
    W0, W = snapshots[0].weights["conv1.W"], ins.network.params["conv1.W"]
    ins.set_start_weights(dict(snapshots[0].weights))
    ins.set_weights(dict(ins.network.params), step=45, rerun=False)
    view.compare_box.setChecked(True)
    start = view.start_image.image
    assert start.shape == view.image.image.shape
    np.testing.assert_array_equal(np.sort(start[~np.isnan(start)]), np.sort(W0.ravel()))
    shared = cm.nice_ceil(max(np.abs(W0).max(), np.abs(W).max()))
    assert view.image.levels[1] == view.start_image.levels[1] == pytest.approx(shared)
    assert view.start_label.toPlainText() == "start (step 0)" and view.now_label.toPlainText() == "now (step 45)"
    assert view.start_image.pos().x() < 0                  # a wide view: start on the left
    # own scales: each side scaled by its own largest |w|
    view.own_scale_box.setChecked(True)
    assert view.start_image.levels[1] == pytest.approx(cm.symmetric_range(W0)[1])
    assert view.image.levels[1] == pytest.approx(cm.symmetric_range(W)[1])
    assert tuple(view.colorbar.levels()) == pytest.approx(cm.symmetric_range(W))    # the bar is "now"'s
    # new current weights redraw the current mosaic only
    ins.set_weights(snapshots[20].weights)
    assert view.start_image.image is start
    np.testing.assert_array_equal(np.sort(view.image.image[~np.isnan(view.image.image)]),
                                  np.sort(snapshots[20].weights["conv1.W"].ravel()))


def test_compare_hover_reads_step0_weights_and_tall_views_stack(qtbot, snapshots):
    from PyQt5.QtWidgets import QApplication
    view, ins = compare_view(qtbot, snapshots, size=(300, 600))
    ins.set_start_weights(dict(snapshots[0].weights))
    view.compare_box.setChecked(True)
    QApplication.processEvents()
    assert view.start_image.pos().x() == 0 and view.start_image.pos().y() < 0      # above the current ones
    W0 = snapshots[0].weights["conv1.W"]
    view._hover(view.start_image.mapToScene(0.5, 0.5))
    assert view.readout.text() == f"conv1 at step 0 · filter 0 · input channel 0 · row 0, col 0 · w = {W0[0, 0, 0, 0]:.4g}"
    ins.select([e.name for e in ins.entries()].index("fc1"))
    assert view.mode == "unit" and view.start_image.image.shape == view.image.image.shape
    view.compare_box.setChecked(False)
    assert not view.start_image.isVisible() and not view.start_label.isVisible()


def test_frames_kept_before_a_probe_was_drawn_export_as_blanks(qtbot, snapshots, tmp_path):
    ins = live_inspector(snapshots)
    tl = TimeLapse(every=1)
    for s in snapshots[:3]:
        tl.offer(make_snapshot(ins.network, s.step, s.epoch))      # no probe yet
    for s in snapshots[3:6]:
        tl.offer(s)
    view = TimeLapseView(tl, ins)
    qtbot.addWidget(view)
    ins.select(2)
    pictures = list(view.frame_pictures("maps"))
    assert len(pictures) == 6 and len({p.shape for p in pictures}) == 1
    grey = [np.mean(np.all(p == 128, axis=-1)) for p in pictures]
    assert grey[0] > 0.5 and grey[4] < 0.25                            # grey: nothing to show yet
    view.show_frame(0)
    assert "no feature maps kept" in view.status.text()
    view.show_frame(4)
    np.testing.assert_allclose(ins.value(2), tl.frames[4].value("relu1"))
