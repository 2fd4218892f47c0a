"""The seed loader: the reference seed loads unchanged, and every bad input gets a message
that names file:line:column, the key path, what was wrong and how to fix it."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from germinate.cli import main
from germinate.errors import SeedError
from germinate.seed import ALWAYS_DISALLOWED_WRITES, Seed, load_seed, seed_hash

FIXTURE = Path(__file__).parents[1] / "fixtures" / "seed-interactive-cv.yaml"
MINIMAL = "version: 1\nproject:\n  name: demo\n"


def problems_for(tmp_path: Path, text: str | bytes) -> list[str]:
    path = tmp_path / "seed.yaml"
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text)
    with pytest.raises(SeedError) as info:
        load_seed(path)
    return info.value.problems


def only(problems: list[str]) -> str:
    assert len(problems) == 1, problems
    return problems[0]


def test_reference_seed_loads_unchanged() -> None:
    loaded = load_seed(FIXTURE)
    seed = loaded.seed
    assert seed.project.name == "in--midst--my-life"
    assert list(seed.architecture.modules) == [
        "schema_module", "content_module", "web_app", "api_app", "orchestrator_app"]
    assert seed.quality_gates.coverage.global_minimum == 0.75
    assert [c.minimum for c in seed.quality_gates.coverage.critical_paths] == [0.9, 0.85]
    assert seed.constraints.modules.forbidden_imports[0].from_ == "apps/web"
    assert seed.automation_contract.merge_policy.allow_auto_merge is False
    assert "infra/**" in seed.automation_contract.ai_access.effective_disallowed()
    assert set(ALWAYS_DISALLOWED_WRITES) <= set(seed.automation_contract.ai_access.effective_disallowed())
    assert loaded.sha256 == seed_hash(FIXTURE.read_bytes())
    assert loaded.path == FIXTURE.resolve()


def test_minimal_seed_gets_documented_defaults(tmp_path: Path) -> None:
    (tmp_path / "seed.yaml").write_text(MINIMAL)
    seed = load_seed(tmp_path / "seed.yaml").seed
    assert seed.budgets.per_cycle.dollars == 1.0
    assert seed.execution.test_command == "python -m pytest -q"
    assert seed.automation_contract.ai_access.write_paths == ["**"]
    assert seed.models.for_role("reviewer") == seed.models.default
    assert seed.forge.kind == "local"


def test_empty_sections_mean_defaults(tmp_path: Path) -> None:
    (tmp_path / "seed.yaml").write_text(MINIMAL + "quality_gates:\n  # all commented\ndomain:\n  non_goals:\n")
    seed = load_seed(tmp_path / "seed.yaml").seed
    assert seed.quality_gates.coverage.global_minimum == 0.0
    assert seed.domain.non_goals == []


def test_malformed_yaml_points_at_line_and_column(tmp_path: Path) -> None:
    msg = only(problems_for(tmp_path, "version: 1\nproject:\n  name: [unclosed\n"))
    assert msg.startswith(f"{tmp_path / 'seed.yaml'}:3:9: malformed YAML")
    assert "name: [unclosed" in msg and "Fix:" in msg


def test_bad_indentation_is_malformed_yaml(tmp_path: Path) -> None:
    msg = only(problems_for(tmp_path, "project:\n  name: a\n bad: b\n"))
    assert re.search(r"seed\.yaml:3:\d+: malformed YAML", msg), msg


def test_wrong_type_names_key_and_value(tmp_path: Path) -> None:
    msg = only(problems_for(tmp_path, MINIMAL + "execution:\n  max_parallel: two\n"))
    assert ":5:3: execution.max_parallel:" in msg
    assert "valid integer" in msg and "'two'" in msg and "Fix:" in msg


def test_section_given_a_scalar(tmp_path: Path) -> None:
    msg = only(problems_for(tmp_path, MINIMAL + "budgets: lots\n"))
    assert ":4:1: budgets: expected a mapping" in msg


def test_unknown_key_suggests_the_right_one(tmp_path: Path) -> None:
    msg = only(problems_for(tmp_path, MINIMAL + "quality_gates:\n  coverage:\n    global_minimun: 0.5\n"))
    assert ":6:5: quality_gates.coverage.global_minimun: unknown key" in msg
    assert "did you mean 'global_minimum'?" in msg


def test_unknown_key_inside_list_and_dict_entries(tmp_path: Path) -> None:
    text = MINIMAL + (
        "architecture:\n  modules:\n    core:\n      path: src/core\n      respons: [x]\n"
        "constraints:\n  modules:\n    forbidden_imports:\n      - from: a/**\n        too: b/**\n"
    )
    problems = problems_for(tmp_path, text)
    assert any(":8:7: architecture.modules.core.respons:" in p and "'responsibilities'" in p
               for p in problems), problems
    assert any("forbidden_imports[0].too:" in p and "did you mean 'to'?" in p for p in problems), problems


def test_unknown_key_without_close_match_lists_known_keys(tmp_path: Path) -> None:
    msg = only(problems_for(tmp_path, MINIMAL + "labels:\n  zzzz: 1\n"))
    assert "known keys: freeze, red_mode, fix" in msg


def test_missing_required_key(tmp_path: Path) -> None:
    msg = only(problems_for(tmp_path, "version: 1\nproject:\n  codename: x\n"))
    assert ":2:1: project.name: required key 'name' is missing" in msg
    assert "add 'name:'" in msg


def test_missing_project_section(tmp_path: Path) -> None:
    msg = only(problems_for(tmp_path, "version: 1\n"))
    assert "project: required key 'project' is missing" in msg


@pytest.mark.parametrize(
    ("glob", "why"),
    [("/etc/**", "absolute"), ("../up/**", "escapes"), ("src/[ab", "unbalanced"),
     ("src/**.py", "whole path component"), ("src\\\\x", "separator"), ("", "empty")],
)
def test_invalid_glob(tmp_path: Path, glob: str, why: str) -> None:
    text = MINIMAL + f'automation_contract:\n  ai_access:\n    write_paths: ["ok/**", "{glob}"]\n'
    msg = only(problems_for(tmp_path, text))
    assert ":6:" in msg and "automation_contract.ai_access.write_paths[1]:" in msg
    assert why in msg


def test_invalid_glob_in_module_path(tmp_path: Path) -> None:
    msg = only(problems_for(tmp_path, MINIMAL + "architecture:\n  modules:\n    m:\n      path: /abs\n"))
    assert ":7:7: architecture.modules.m.path:" in msg and "absolute" in msg


@pytest.mark.parametrize(("value", "hint"), [("80", "write 0.8 for 80%"), ("-0.1", "greater than or equal to 0"),
                                             ("1.5", "less than or equal to 1")])
def test_coverage_minimum_outside_unit_interval(tmp_path: Path, value: str, hint: str) -> None:
    text = MINIMAL + f"quality_gates:\n  coverage:\n    critical_paths:\n      - path: src\n        minimum: {value}\n"
    msg = only(problems_for(tmp_path, text))
    assert ":8:9: quality_gates.coverage.critical_paths[0].minimum:" in msg
    assert hint in msg


def test_bad_cron(tmp_path: Path) -> None:
    msg = only(problems_for(tmp_path, MINIMAL + "schedule:\n  cron: every day\n"))
    assert ":5:3: schedule.cron:" in msg and "not a cron expression" in msg and "0 */6 * * *" in msg


def test_good_cron_passes(tmp_path: Path) -> None:
    (tmp_path / "seed.yaml").write_text(MINIMAL + "schedule:\n  cron: '0 */6 * * *'\n")
    assert load_seed(tmp_path / "seed.yaml").seed.schedule.cron == "0 */6 * * *"


def test_duplicate_key(tmp_path: Path) -> None:
    msg = only(problems_for(tmp_path, MINIMAL + "labels:\n  freeze: a\n  freeze: b\n"))
    assert ":6:3: labels.freeze: key appears twice" in msg


def test_extension_keys_are_accepted_anywhere(tmp_path: Path) -> None:
    text = MINIMAL + "x-team: {anything: [1, 2]}\nmodels:\n  x-note: cheap first\n  default: openai/x\n"
    (tmp_path / "seed.yaml").write_text(text)
    assert load_seed(tmp_path / "seed.yaml").seed.models.default == "openai/x"


def test_github_forge_needs_repo(tmp_path: Path) -> None:
    msg = only(problems_for(tmp_path, MINIMAL + "forge:\n  kind: github\n"))
    assert "forge" in msg and "owner/name" in msg


def test_unknown_version(tmp_path: Path) -> None:
    msg = only(problems_for(tmp_path, "version: 2\nproject: {name: x}\n"))
    assert ":1:1: version: only seed version 1 exists" in msg


def test_several_problems_reported_at_once_in_file_order(tmp_path: Path) -> None:
    text = MINIMAL + "labels:\n  fraze: a\nschedule:\n  cron: nope\nexecution:\n  max_parallel: 0\n"
    problems = problems_for(tmp_path, text)
    assert len(problems) == 3
    lines = [int(p.split(":")[1]) for p in problems]
    assert lines == sorted(lines)


@pytest.mark.parametrize(("text", "expected"), [
    ("", ":1:1: the seed is empty"),
    ("# only a comment\n", ":1:1: the seed is empty"),
    ("- a\n- b\n", ":1:1: the seed must be a mapping of sections, got list"),
    ("just text\n", ":1:1: the seed must be a mapping of sections, got str"),
])
def test_empty_and_non_mapping(tmp_path: Path, text: str, expected: str) -> None:
    assert expected in only(problems_for(tmp_path, text))


def test_not_utf8(tmp_path: Path) -> None:
    msg = only(problems_for(tmp_path, b"version: 1\nproject: {name: \xff\xfe}\n"))
    assert "not UTF-8" in msg and "Fix: save the seed as UTF-8" in msg


def test_utf8_bom_is_fine(tmp_path: Path) -> None:
    (tmp_path / "seed.yaml").write_bytes(b"\xef\xbb\xbf" + MINIMAL.encode())
    assert load_seed(tmp_path / "seed.yaml").seed.project.name == "demo"


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(SeedError) as info:
        load_seed(tmp_path / "seed.yaml")
    assert "no seed file here" in str(info.value) and f"germinate init {tmp_path}" in str(info.value)


def test_missing_folder_is_not_told_to_init(tmp_path: Path) -> None:
    for path in (tmp_path / "nope" / "seed.yaml", tmp_path / "other.yaml"):
        with pytest.raises(SeedError) as info:
            load_seed(path)
        assert "no such file or folder" in str(info.value) and "germinate init" not in str(info.value)


def test_seed_model_is_frozen() -> None:
    seed = Seed.model_validate({"project": {"name": "x"}})
    with pytest.raises(Exception):  # noqa: B017 - pydantic raises ValidationError for frozen models
        seed.project.name = "y"  # type: ignore[misc]


# --- germinate validate -----------------------------------------------------------------


def test_validate_prints_summary(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["validate", str(FIXTURE)]) == 0
    out = capsys.readouterr().out
    assert "valid" in out and "modules      5:" in out and "write paths" in out and "budgets" in out


def test_validate_accepts_a_repository_dir(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    shutil.copy(FIXTURE, tmp_path / "seed.yaml")
    assert main(["validate", str(tmp_path)]) == 0


def test_validate_typo_exits_1_with_line_and_suggestion(tmp_path: Path) -> None:
    bad = tmp_path / "seed.yaml"
    bad.write_text(FIXTURE.read_text().replace("  allow_auto_merge:", "  allow_automerge:"))
    line = next(i for i, text in enumerate(bad.read_text().splitlines(), 1) if "allow_automerge" in text)
    proc = subprocess.run([sys.executable, "-m", "germinate.cli", "validate", str(bad)],
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 1
    assert f"seed.yaml:{line}:5: automation_contract.merge_policy.allow_automerge: unknown key" in proc.stderr
    assert "did you mean 'allow_auto_merge'?" in proc.stderr
    assert "Traceback" not in proc.stderr


def test_recursive_alias_is_an_error_not_a_crash(tmp_path: Path) -> None:
    msg = only(problems_for(tmp_path, MINIMAL + "domain:\n  non_goals: &loop [a, *loop]\n"))
    assert ":5:" in msg and "domain.non_goals[1]" in msg and "cycle" in msg


def test_alias_bomb_is_refused_quickly(tmp_path: Path) -> None:
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    lines += [f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 10)}]" for i in range(1, 8)]
    msg = only(problems_for(tmp_path, MINIMAL + "x-bomb:\n" + "\n".join("  " + line for line in lines) + "\n"))
    assert "expands to more than" in msg


def test_shared_aliases_are_fine(tmp_path: Path) -> None:
    text = MINIMAL + "x-paths: &w [src/**, tests/**]\nautomation_contract:\n  ai_access:\n    write_paths: *w\n"
    (tmp_path / "seed.yaml").write_text(text)
    assert load_seed(tmp_path / "seed.yaml").seed.automation_contract.ai_access.write_paths == ["src/**", "tests/**"]


def test_key_in_the_wrong_section_names_where_it_belongs(tmp_path: Path) -> None:
    msg = only(problems_for(tmp_path, MINIMAL + "test_command: make test\n"))
    assert ":4:1: test_command: unknown key" in msg
    assert "did you mean 'execution.test_command'?" in msg
