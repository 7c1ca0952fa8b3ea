"""bench --explain runs and reports every figure (the figures themselves are not judged here)."""
import json

from cnnviz.cli.main import json_document
from cnnviz.explain.bench import BUDGET_MS, bench_explain
from cnnviz.nn import Network, preset_spec


def test_bench_explain_reports_each_computation_and_its_target():
    lines = []
    result = bench_explain(report=lines.append, repeats=1, network=Network(preset_spec("simple")))
    text = "\n".join(lines)
    for label in ("click conv1", "click fc1", "click softmax", "saliency + grad-cam", "occlusion", "backward pass"):
        assert label in text
    for target in BUDGET_MS:
        assert f"{target}: p50" in text
    assert all(r["p50"] > 0 for r in result["ms"].values())
    assert json.loads(json_document(result))["targets_ms"] == BUDGET_MS
