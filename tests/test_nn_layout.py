"""Batch-last memory and the engine's own splitting of work over threads: the same numbers
whatever the layout of the input and however the work is cut."""
import numpy as np
import pytest

from cnnviz.nn import Network, layout, parallel, preset_spec
from cnnviz.nn.optim import OPTIMIZERS, make_optimizer


def test_batches_come_out_batch_last_and_single_images_plain_nchw():
    net = Network(preset_spec("bn-conv"), seed=0)
    x = np.random.default_rng(0).random((5, 1, 28, 28)).astype(np.float32)
    for entry in net.trace(x)[1:-1]:
        if entry.value.ndim == 4:
            assert layout.is_batch_last(entry.value), entry.name
    for entry in net.trace(x[:1]):
        assert entry.value.flags.c_contiguous, entry.name
    pooled = {t.name: t.value for t in net.trace(x)}["pool2"]
    flat = net.layer("flatten").forward(pooled)
    assert flat.shape == (5, pooled[0].size) and np.shares_memory(flat, pooled)     # flattening copies nothing
    np.testing.assert_array_equal(flat, np.ascontiguousarray(pooled).reshape(5, -1))


@pytest.mark.parametrize("preset", ["simple", "two-conv", "resnet-mini", "bn-conv", "liteocr"])
def test_any_input_layout_gives_the_same_outputs_and_gradients(preset):
    spec = preset_spec(preset, (1, 14, 14))
    nets = [Network(spec, seed=1, dtype=np.float64) for _ in range(2)]
    x = np.random.default_rng(2).random((4, 1, 14, 14))
    inputs = [x, layout.batch_last(x)]
    assert not layout.is_batch_last(x) and layout.is_batch_last(inputs[1])
    outs = [net.forward(xi, train=True) for net, xi in zip(nets, inputs)]
    np.testing.assert_allclose(outs[0], outs[1], rtol=1e-12)
    for net in nets:
        net.backward(np.ones_like(outs[0]))
    for key in nets[0].grads:
        np.testing.assert_allclose(nets[0].grads[key], nets[1].grads[key], rtol=1e-10, atol=1e-14)


def test_reshape_keeps_batch_last_memory_as_a_view():
    x = layout.empty((3, 2, 4, 5), np.float32)
    x[...] = np.arange(x.size, dtype=np.float32).reshape(x.shape)
    flat = layout.reshape(x, (40,))
    assert np.shares_memory(flat, x) and layout.is_batch_last(flat)
    np.testing.assert_array_equal(flat, np.ascontiguousarray(x).reshape(3, 40))
    np.testing.assert_array_equal(layout.reshape(flat, (2, 4, 5)), x)


@pytest.fixture
def split_everything(monkeypatch):
    """Split every piece of work over two threads, however small."""
    monkeypatch.setenv("CNNVIZ_THREADS", "2")
    monkeypatch.setattr(parallel, "MIN_WORK", 0)


def test_split_products_and_sums_equal_whole_ones(split_everything):
    rng = np.random.default_rng(3)
    for m, k, p in ((3, 5, 40), (40, 5, 3), (1, 7, 1), (17, 1, 9)):
        a, b = rng.random((m, k)), rng.random((k, p))
        np.testing.assert_allclose(parallel.matmul(a, b, np.empty((m, p))), a @ b, rtol=1e-12)
    v = rng.random(50)
    total = parallel.split_sum(lambda lo, hi: np.array([v[lo:hi].sum()]), 50, 50, np.empty(1))
    assert total[0] == pytest.approx(v.sum())


def test_a_thread_that_keeps_its_work_runs_every_piece_itself(split_everything):
    import threading
    ran = []
    assert parallel.share_work(False) is True             # sharing is the default
    try:
        parallel.split_run(lambda lo, hi: ran.append((threading.get_ident(), lo, hi)), 8, 8)
        other = []
        t = threading.Thread(target=lambda: other.append(parallel.share_work(True)))
        t.start()
        t.join()
        assert other == [True]                            # the setting is this thread's alone
    finally:
        assert parallel.share_work(True) is False
    assert {who for who, _, _ in ran} == {threading.get_ident()}
    assert sorted((lo, hi) for _, lo, hi in ran) == [(0, 8)]


def test_a_split_training_step_equals_a_whole_one(monkeypatch):
    x = np.random.default_rng(4).random((6, 1, 12, 12))
    results = []
    for threads in ("1", "2"):
        monkeypatch.setenv("CNNVIZ_THREADS", threads)
        monkeypatch.setattr(parallel, "MIN_WORK", 0 if threads == "2" else 1 << 60)
        net = Network(preset_spec("deep", (1, 12, 12)), seed=0, dtype=np.float64)
        out = net.forward(x, train=True)
        net.backward(out - out.mean())
        results.append(net.grads)
    for key in results[0]:
        np.testing.assert_allclose(results[0][key], results[1][key], rtol=1e-10, atol=1e-13)


def test_a_seeded_training_run_repeats_to_the_last_bit(split_everything):
    """Split sums add their pieces in a fixed order, not in the order the threads finish
    (which made a seeded run's weights differ from one run to the next)."""
    from cnnviz.bench import _stepper
    runs = []
    for _ in range(3):
        net = Network(preset_spec("resnet-mini", (1, 12, 12)), seed=0)
        step = _stepper(net, 16)
        for _ in range(3):
            step()
        runs.append({k: v.copy() for k, v in net.params.items()})
    for other in runs[1:]:
        for key, value in runs[0].items():
            np.testing.assert_array_equal(other[key], value, err_msg=key)


def test_a_split_sum_adds_the_same_pieces_in_the_same_order_on_any_thread_count(monkeypatch):
    v = np.random.default_rng(6).standard_normal(1000).astype(np.float32) * 10.0 ** np.arange(-3, 5).repeat(125)
    sums = []
    for threads, least in (("1", 1 << 60), ("2", 0), ("3", 0)):
        monkeypatch.setenv("CNNVIZ_THREADS", threads)
        monkeypatch.setattr(parallel, "MIN_WORK", least)
        sums.append(parallel.split_sum(lambda lo, hi: v[lo:hi].reshape(-1, 1).sum(axis=0), 1000, 1000,
                                       np.empty(1, np.float32))[0])
    assert sums[0] == sums[1] == sums[2]


@pytest.mark.parametrize("name", list(OPTIMIZERS))
def test_one_step_over_all_parameters_equals_one_step_per_parameter(name, split_everything):
    rng = np.random.default_rng(5)
    shapes = {"a.W": (30, 40), "a.b": (7,), "c.W": (5, 3)}
    together = {k: rng.standard_normal(s) for k, s in shapes.items()}
    apart = {k: v.copy() for k, v in together.items()}
    grads = {k: rng.standard_normal(s) for k, s in shapes.items()}
    opt = make_optimizer(name, 0.01, weight_decay=0.1)
    singles = {k: make_optimizer(name, 0.01, weight_decay=0.1) for k in shapes}
    for _ in range(3):
        opt.step(together, grads)
        for k in shapes:
            singles[k].step({k: apart[k]}, {k: grads[k]})
    for k in shapes:
        np.testing.assert_allclose(together[k], apart[k], rtol=1e-12)
