"""A small fixed-seed run of the fuzzer (tests/fuzz.py): hostile and mutated images, model files and
data sets through `predict --json` and `eval --json`, in workers limited to 1 GiB of address space."""
from fuzz import fuzz


def test_no_input_crashes_hangs_or_exhausts_the_memory(tmp_path):
    report, problems = fuzz(count=200, seed=7, folder=tmp_path)
    assert not problems, "\n".join(problems)
    assert report["files"] >= 200 and report["commands"] >= 50
    assert set(report["exit_codes"]) <= {"0", "1", "2"}
    assert "1" in report["exit_codes"] and "2" in report["exit_codes"]     # bad inputs were met
    assert report["max_rss_mb"] < 1024
