"""radon per file: known complexity, limits flagged, cache by blob hash re-analyses only changes."""

from __future__ import annotations

import subprocess
from pathlib import Path

from germinate.metrics.radon import (
    RadonCache,
    analyse_source,
    blob_sha,
    measure_complexity,
    measure_with_cache,
)
from germinate.seed import Seed

SOURCE = '''\
"""A module."""


def classify(n):  # complexity 1 + if + elif + for + if + and = 6
    if n < 0:
        return "negative"
    elif n == 0:
        return "zero"
    for _ in range(3):
        if n > 100 and n % 2:
            return "big-odd"
    return "positive"


class Box:
    def get(self, key):
        # FIXME: keys are case sensitive
        return key or None
'''


def seed(**limits: int) -> Seed:
    return Seed.model_validate({"project": {"name": "t"}, "constraints": {"repo": limits}})


def test_known_source_metrics() -> None:
    metric = analyse_source("m.py", SOURCE, "abc")
    functions = {f.name: f for f in metric.functions}
    assert set(functions) == {"classify", "Box.get"}
    assert (functions["classify"].complexity, functions["classify"].rank) == (6, "B")
    assert (functions["classify"].lineno, functions["classify"].endline, functions["classify"].length) == (4, 12, 9)
    assert functions["Box.get"].complexity == 2  # the "or"
    assert (metric.loc, metric.sloc) == (18, 12)  # blanks, the docstring and comment-only lines excluded
    assert metric.markers == ["17: FIXME keys are case sensitive"]
    assert 0 < metric.mi <= 100 and metric.mi_rank == "A"


def test_syntax_error_is_recorded() -> None:
    metric = analyse_source("bad.py", "def broken(:\n")
    assert metric.error.startswith("cannot parse") and metric.functions == []


def test_blob_sha_matches_git(tmp_path: Path) -> None:
    (tmp_path / "f.py").write_text(SOURCE)
    expected = subprocess.run(["git", "hash-object", "f.py"], cwd=tmp_path, capture_output=True, text=True).stdout
    assert blob_sha(SOURCE.encode()) == expected.strip()


def test_limits_are_flagged(repo_factory) -> None:
    repo = repo_factory({"m.py": SOURCE, "small.py": "X = 1\n"})
    report = measure_complexity(repo, seed(max_cyclomatic_complexity=5, max_lines_per_file=10,
                                           max_function_length_loc=8), repo=repo)
    assert report.files_over_limit == ["m.py: 18 lines > 10"]
    assert report.functions_over_limit == ["m.py:4 classify: complexity 6 > 5", "m.py:4 classify: 9 lines > 8"]
    assert report.max_complexity == 6 and report.mean_complexity == 4.0
    assert set(report.files) == {"m.py", "small.py"}


def test_cache_reanalyses_only_changed_files(repo_factory, tmp_path: Path) -> None:
    repo = repo_factory({f"pkg/m{i}.py": SOURCE.replace("classify", f"f{i}") for i in range(5)})
    cache = RadonCache(tmp_path / "cache")
    cold = measure_with_cache(repo, seed(), cache)
    assert (cache.hits, cache.misses) == (0, 5)
    warm_cache = RadonCache(tmp_path / "cache")
    warm = measure_with_cache(repo, seed(), warm_cache)
    assert (warm_cache.hits, warm_cache.misses) == (5, 0) and warm == cold
    (repo / "pkg" / "m3.py").write_text(SOURCE + "\n\ndef extra():\n    return 1\n")
    (repo / "pkg" / "copy.py").write_text(SOURCE.replace("classify", "f0"))  # same blob as m0, new path
    third = RadonCache(tmp_path / "cache")
    report = measure_with_cache(repo, seed(), third)
    assert (third.hits, third.misses) == (5, 1)
    assert report.files["pkg/copy.py"].functions[0].path == "pkg/copy.py"
    assert "extra" in {f.name for f in report.files["pkg/m3.py"].functions}
    only = measure_with_cache(repo, seed(), RadonCache(None), paths=["pkg/m1.py", "README.md", "gone.py"])
    assert set(only.files) == {"pkg/m1.py"}
