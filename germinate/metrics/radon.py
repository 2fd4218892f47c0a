"""radon metrics per file, cached by git blob hash.

Per file: cyclomatic complexity of every function and method (with radon's rank and the
function's length in lines), the maintainability index, raw counts (LOC, SLOC, comments)
and TODO/FIXME markers. Results are cached under ``project_dir(repo, "cache", "radon")``
keyed by the file's git blob hash (and the radon version), so after a change only the
changed files are analysed again. Files and functions over the seed's limits are flagged.
"""

from __future__ import annotations

import ast
import hashlib
import json
import os
import re
from pathlib import Path

import radon
from radon.complexity import cc_rank, cc_visit
from radon.metrics import mi_rank, mi_visit
from radon.raw import analyze
from radon.visitors import Function

from germinate.home import project_dir
from germinate.models import ComplexityReport, FileMetric, FunctionMetric
from germinate.seed import Seed
from germinate.sourcelines import code_line_numbers
from germinate.workspace import python_files

CACHE_FORMAT = f"2-radon{radon.__version__}"  # 2: functions carry code_length
MARKER = re.compile(r"#\s*(TODO|FIXME|XXX|HACK)\b[:\s]*(.*)")


def blob_sha(data: bytes) -> str:
    """The git blob hash of ``data`` (what ``git hash-object`` prints)."""
    return hashlib.sha1(b"blob %d\0" % len(data) + data).hexdigest()


def analyse_source(path: str, source: str, sha: str = "") -> FileMetric:
    """radon's metrics of one file's source (a syntax error is recorded, not raised)."""
    try:
        blocks = cc_visit(source)
        raw = analyze(source)
        mi = float(mi_visit(source, True))
    except (SyntaxError, ValueError) as exc:
        return FileMetric(path=path, blob_sha=sha, loc=source.count("\n") + 1, error=f"cannot parse: {exc}")
    code = code_line_numbers(source, ast.parse(source))
    functions = [
        FunctionMetric(path=path, name=b.fullname, lineno=b.lineno, endline=b.endline, complexity=b.complexity,
                       rank=cc_rank(b.complexity), length=b.endline - b.lineno + 1,
                       code_length=sum(1 for n in code if b.lineno <= n <= b.endline))
        for b in blocks if isinstance(b, Function)
    ]
    markers = [f"{n}: {m.group(1)} {m.group(2).strip()}".strip()
               for n, line in enumerate(source.splitlines(), 1) if (m := MARKER.search(line))]
    return FileMetric(path=path, blob_sha=sha, loc=raw.loc, sloc=raw.sloc, comments=raw.comments + raw.multi,
                      mi=round(mi, 2), mi_rank=mi_rank(mi), functions=functions, markers=markers[:50])


class RadonCache:
    """File metrics keyed by blob hash; a path change reuses the entry."""

    def __init__(self, root: Path | None):
        self.root = root
        self.hits = 0
        self.misses = 0

    def _file(self, sha: str) -> Path:
        assert self.root is not None
        return self.root / sha[:2] / f"{sha}-{CACHE_FORMAT}.json"

    def get(self, sha: str, path: str) -> FileMetric | None:
        if self.root is None:
            return None
        try:
            data = json.loads(self._file(sha).read_text())
        except (OSError, ValueError):
            return None
        data["path"] = path
        for fn in data.get("functions", []):
            fn["path"] = path
        self.hits += 1
        return FileMetric.model_validate(data)

    def put(self, metric: FileMetric) -> None:
        self.misses += 1
        if self.root is None:
            return
        target = self._file(metric.blob_sha)
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = target.with_suffix(f".{os.getpid()}.tmp")
        tmp.write_text(metric.model_dump_json())
        tmp.replace(target)  # atomic: parallel cycles may write the same entry


def file_metric(worktree: Path, path: str, cache: RadonCache) -> FileMetric:
    data = (worktree / path).read_bytes()
    sha = blob_sha(data)
    cached = cache.get(sha, path)
    if cached is not None:
        return cached
    metric = analyse_source(path, data.decode("utf-8", errors="replace"), sha)
    cache.put(metric)
    return metric


def summarise(files: dict[str, FileMetric], seed: Seed) -> ComplexityReport:
    """Aggregate file metrics and flag what is over the seed's limits."""
    limits = seed.constraints.repo
    functions = [fn for f in files.values() for fn in f.functions]
    parsed = [f for f in files.values() if not f.error]
    over_files = [f"{f.path}: {f.loc} lines > {limits.max_lines_per_file}"
                  for f in files.values() if f.loc > limits.max_lines_per_file]
    over_functions = []
    for fn in functions:
        if fn.complexity > limits.max_cyclomatic_complexity:
            over_functions.append(f"{fn.path}:{fn.lineno} {fn.name}: complexity {fn.complexity} > "
                                  f"{limits.max_cyclomatic_complexity}")
        length = fn.length if limits.function_length_counts == "lines" or fn.code_length is None else fn.code_length
        if length > limits.max_function_length_loc:
            unit = "lines" if length == fn.length else "lines of code"
            over_functions.append(f"{fn.path}:{fn.lineno} {fn.name}: {length} {unit} > "
                                  f"{limits.max_function_length_loc}")
    return ComplexityReport(
        files=files,
        mean_complexity=round(sum(f.complexity for f in functions) / len(functions), 3) if functions else 0.0,
        max_complexity=max((f.complexity for f in functions), default=0),
        mean_mi=round(sum(f.mi for f in parsed) / len(parsed), 3) if parsed else 100.0,
        files_over_limit=over_files,
        functions_over_limit=over_functions,
    )


def measure_complexity(worktree: Path, seed: Seed, *, repo: Path | None = None,
                       paths: list[str] | None = None) -> ComplexityReport:
    """radon over the worktree's Python files (or just ``paths``), cached per blob hash."""
    cache = RadonCache(project_dir(repo, "cache", "radon") if repo is not None else None)
    return measure_with_cache(worktree, seed, cache, paths)


def measure_with_cache(worktree: Path, seed: Seed, cache: RadonCache,
                       paths: list[str] | None = None) -> ComplexityReport:
    wanted = python_files(worktree) if paths is None else sorted(
        p for p in paths if p.endswith(".py") and (worktree / p).is_file())
    files = {p: file_metric(worktree, p, cache) for p in wanted}
    return summarise(files, seed)
