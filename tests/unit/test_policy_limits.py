"""Size limits judge what a change makes worse, not what it inherits."""

from __future__ import annotations

from typing import Any

from tests.unit.test_policy_gates import gates, seed

_DOC = '    """' + "A long docstring line.\n    " * 30 + '"""\n'


def _function(name: str, code: int, doc: str = "") -> str:
    return f"def {name}():\n{doc}" + "".join(f"    v{i} = {i}  # step {i}\n\n" for i in range(code)) + "    return 0\n"


def test_file_already_over_the_limit_may_grow_by_the_allowance(repo_factory: Any) -> None:
    limits = seed(constraints={"repo": {"max_lines_per_file": 100, "over_limit_file_growth": 10}})
    big = "".join(f"x{i} = {i}\n" for i in range(150))
    one_more = big + "y = 1\n"
    assert gates(repo_factory, {"a.py": big}, {"a.py": one_more}, the_seed=limits)["file_length"].passed
    eleven = big + "".join(f"y{i} = {i}\n" for i in range(11))
    result = gates(repo_factory, {"a.py": big}, {"a.py": eleven}, the_seed=limits)["file_length"]
    assert not result.passed
    assert "was 150, already over; grew by 11 > allowance 10" in result.evidence[0]


def test_crossing_the_file_limit_fails_even_by_one_line(repo_factory: Any) -> None:
    limits = seed(constraints={"repo": {"max_lines_per_file": 100, "over_limit_file_growth": 50}})
    under = "".join(f"x{i} = {i}\n" for i in range(100))
    result = gates(repo_factory, {"a.py": under}, {"a.py": under + "y = 1\n"}, the_seed=limits)["file_length"]
    assert not result.passed and "was 100, crossed the limit" in result.evidence[0]


def test_function_length_ignores_docstrings_comments_and_blank_lines(repo_factory: Any) -> None:
    limits = seed(constraints={"repo": {"max_function_length_loc": 20}})
    before = _function("f", 10)
    after = _function("f", 15, _DOC)  # 17 lines of code, 70 lines in all
    assert gates(repo_factory, {"a.py": before}, {"a.py": after}, the_seed=limits)["function_length"].passed
    every_line = seed(constraints={"repo": {"max_function_length_loc": 20, "function_length_counts": "lines"}})
    result = gates(repo_factory, {"a.py": before}, {"a.py": after}, the_seed=every_line)["function_length"]
    assert not result.passed and "f is 63 lines >" in result.evidence[0]


def test_function_crossing_the_limit_in_code_lines_fails(repo_factory: Any) -> None:
    limits = seed(constraints={"repo": {"max_function_length_loc": 20}})
    result = gates(repo_factory, {"a.py": _function("f", 10)}, {"a.py": _function("f", 21)},
                   the_seed=limits)["function_length"]
    assert not result.passed
    assert "f is 23 lines of code > constraints.repo.max_function_length_loc 20 (was 12, crossed the limit)" \
        in result.evidence[0]


def test_complexity_already_over_may_not_rise_without_allowance(repo_factory: Any) -> None:
    ladder = "def f(x):\n" + "".join(f"    if x == {i}:\n        return {i}\n" for i in range(17)) + "    return -1\n"
    untouched_rise = ladder.replace("    return -1\n", "    return -2\n")
    assert gates(repo_factory, {"a.py": ladder}, {"a.py": untouched_rise})["complexity"].passed
    rise = ladder.replace("    return -1\n", "    if x == 99:\n        return 99\n    return -1\n")
    assert not gates(repo_factory, {"a.py": ladder}, {"a.py": rise})["complexity"].passed
    allowed = seed(constraints={"repo": {"over_limit_complexity_growth": 1}})
    assert gates(repo_factory, {"a.py": ladder}, {"a.py": rise}, the_seed=allowed)["complexity"].passed


# --- secrets: real keys still caught, comments, URLs and fixtures are not keys -------------

_COMMIT_URL = "# See https://github.com/more-itertools/more-itertools/commit/9fA3bC2d1E0f4a5B6c7D8e9F0a1b2C3d4E5f6A7b"


def test_commit_links_in_comments_and_urls_are_not_tokens(repo_factory: Any) -> None:
    from germinate.policy.secrets import scan_line

    assert scan_line(_COMMIT_URL, 4.5, [], comments=True) is None
    assert scan_line('DOC = "https://example.org/a/Zq8r3L0vX9mB2nW7kT4yH6cJ1pF5sD0aVe/raw"', 4.5, []) is None
    assert scan_line('KEY = "q8Zr3L0vX9mB2nW7kT4yH6cJ1pF5sD0aVe"  # signing key', 4.5, [], comments=True)
    assert scan_line("# ghp_4kQ9wZr2LmN8xV1bT7yH3cJ6pF0sD5aG2eUo", 4.5, [], comments=True), "token shapes in comments"
    results = gates(repo_factory, {"a.py": "x = 1\n"}, {"a.py": f"x = 1\n{_COMMIT_URL}\n"})
    assert results["secrets"].passed


def test_fixture_paths_relax_heuristics_but_never_known_keys(repo_factory: Any) -> None:
    fixtures = seed(quality_gates={"security": {"secrets": {"allow_paths": ["tests/fixtures/**"]}}})
    fake = 'SIGNED = "q8Zr3L0vX9mB2nW7kT4yH6cJ1pF5sD0aVe"\npassword = "hunter2-42!x"\n'
    relaxed = gates(repo_factory, {"a.py": "x = 1\n"}, {"tests/fixtures/data.py": fake}, the_seed=fixtures)
    assert relaxed["secrets"].passed
    elsewhere = gates(repo_factory, {"a.py": "x = 1\n"}, {"tests/data.py": fake}, the_seed=fixtures)
    assert not elsewhere["secrets"].passed
    real = {"tests/fixtures/forge.json": '{"token": "ghp_4kQ9wZr2LmN8xV1bT7yH3cJ6pF0sD5aG2eUo"}\n',
            "tests/fixtures/aws.py": 'ID = "AKIAIOSFODNN7QX3ZP4M"\n',
            "tests/fixtures/server.pem": "-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEA7\n"}
    result = gates(repo_factory, {"a.py": "x = 1\n"}, real, the_seed=fixtures)["secrets"]
    assert not result.passed and len(result.evidence) >= 4  # token, key id, credential file, private key
