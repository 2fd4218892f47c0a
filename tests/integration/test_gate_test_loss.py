"""The test-loss gates see every test pytest collects, driven through ``germinate gate``."""

from __future__ import annotations

import ast
from pathlib import Path
from typing import Any

from germinate.policy.collection import collected_tests, item_count
from tests.integration.cli_user import failed_gates, gate_json
from tests.integration.test_gate_cli import change

BASE_TESTS = '''from unittest import TestCase

import pytest

from tests.base import SharedCases
from lib import chunked


class ChunkedTests(TestCase):
    def test_even(self):
        self.assertEqual(chunked([1, 2], 1), [[1], [2]])

    def test_odd(self):
        self.assertEqual(chunked([1, 2, 3], 2), [[1, 2], [3]])
        self.assertEqual(chunked([], 2), [])


class MoreChunked(ChunkedTests):
    def test_more(self):
        self.assertTrue(chunked([1], 1))


class ImportedBase(SharedCases):
    def test_shared(self):
        self.assertTrue(True is not False)


def test_plain():
    assert chunked([1], 1) == [[1]]


@pytest.mark.parametrize("n", [1, 2, 3])
def test_sizes(n):
    assert len(chunked(list(range(n)), 1)) == n


class Helper:
    def test_not_collected(self):
        pass
'''
FILES = {
    "seed.yaml": "version: 1\nproject: {name: lib}\n",
    "lib.py": "def chunked(items, n):\n    return [items[i:i + n] for i in range(0, len(items), n)]\n",
    "tests/__init__.py": "",
    "tests/base.py": "from unittest import TestCase\n\n\nclass SharedCases(TestCase):\n    pass\n",
    "tests/test_chunked.py": BASE_TESTS,
}


def test_collection_counts_the_way_pytest_does() -> None:
    tests = collected_tests(ast.parse(BASE_TESTS))
    assert sorted(tests) == ["ChunkedTests.test_even", "ChunkedTests.test_odd", "ImportedBase.test_shared",
                             "MoreChunked.test_even", "MoreChunked.test_more", "MoreChunked.test_odd",
                             "test_plain", "test_sizes"]
    assert item_count(ast.parse(BASE_TESTS)) == 10  # pytest --collect-only says 10 too


def _judge(repo_factory: Any, tmp_path: Path, text: str | None, name: str) -> tuple[int, dict[str, list[str]]]:
    repo = repo_factory(FILES)
    if text is None:
        from tests.integration.test_gate_cli import git

        git(repo, "checkout", "-q", "-B", name, "main")
        git(repo, "rm", "-q", "tests/test_chunked.py")
        git(repo, "commit", "-q", "-m", name)
        sha = git(repo, "rev-parse", "HEAD").strip()
    else:
        sha = change(repo, {"tests/test_chunked.py": text}, name)
    code, report = gate_json(tmp_path / "user", repo, "--base", "main", "--head", sha, "--no-tests")
    return code, failed_gates(report)


def test_deleting_a_unittest_method_blocks(repo_factory: Any, tmp_path: Path) -> None:
    without_even = BASE_TESTS.replace(
        "    def test_even(self):\n        self.assertEqual(chunked([1, 2], 1), [[1], [2]])\n\n", "")
    code, failed = _judge(repo_factory, tmp_path, without_even, "drop-even")
    assert code == 1 and "tests_kept" in failed
    assert any("test ChunkedTests.test_even removed" in e for e in failed["tests_kept"])


def test_removing_an_assert_equal_blocks(repo_factory: Any, tmp_path: Path) -> None:
    weaker = BASE_TESTS.replace("        self.assertEqual(chunked([], 2), [])\n", "")
    code, failed = _judge(repo_factory, tmp_path, weaker, "weaken-odd")
    assert code == 1 and "ChunkedTests.test_odd checks less: 2 -> 1 assertions" in failed["assertions_kept"][0]


def test_dropping_a_parametrised_case_blocks(repo_factory: Any, tmp_path: Path) -> None:
    code, failed = _judge(repo_factory, tmp_path, BASE_TESTS.replace("[1, 2, 3]", "[1, 2]"), "fewer-cases")
    assert code == 1 and "test test_sizes lost parametrised cases: 3 -> 2" in failed["tests_kept"][0]


def test_deleted_file_reports_how_many_tests_it_held(repo_factory: Any, tmp_path: Path) -> None:
    code, failed = _judge(repo_factory, tmp_path, None, "delete-file")
    assert code == 1 and failed["tests_kept"] == ["tests/test_chunked.py: test module deleted (10 tests)"]


def test_adding_a_test_passes(repo_factory: Any, tmp_path: Path) -> None:
    more = BASE_TESTS + "\n\ndef test_empty():\n    assert chunked([], 3) == []\n"
    code, failed = _judge(repo_factory, tmp_path, more, "add-test")
    assert (code, failed) == (0, {})


def test_a_skip_on_a_new_test_passes_but_on_an_old_one_blocks(repo_factory: Any, tmp_path: Path) -> None:
    new_skipped = BASE_TESTS + ('\n\n@pytest.mark.skipif(True, reason="windows only")\n'
                                "def test_windows():\n    assert chunked([], 1) == []\n")
    code, failed = _judge(repo_factory, tmp_path, new_skipped, "new-skipped")
    assert (code, failed) == (0, {})
    new_class = BASE_TESTS + ('\n\n@unittest.skipUnless(False, "slow")\nclass StampedeTests(TestCase):\n'
                              "    def test_many(self):\n        self.assertTrue(chunked)\n")
    code, failed = _judge(repo_factory, tmp_path, new_class.replace("from unittest import TestCase",
                                                                    "import unittest\nfrom unittest import TestCase"),
                          "new-skipped-class")
    assert (code, failed) == (0, {})
    old_skipped = BASE_TESTS.replace("def test_plain():", "@pytest.mark.skip\ndef test_plain():")
    code, failed = _judge(repo_factory, tmp_path, old_skipped, "old-skipped")
    assert code == 1 and "1 skip/xfail marker(s) added" in failed["tests_not_skipped"][0]


def test_pytest_options_that_only_look_like_deselection_pass() -> None:
    from germinate.policy.testsuite import _DESELECT

    assert not _DESELECT.search("pyright --verifytypes itsdangerous --ignoreexternal")
    assert _DESELECT.search('addopts = "--ignore=tests/slow"') and _DESELECT.search("--ignore-glob '*_slow.py'")
    assert _DESELECT.search("--deselect tests/test_a.py::test_b")


def test_a_renamed_test_is_kept_but_a_renamed_and_emptied_one_is_not(repo_factory: Any, tmp_path: Path) -> None:
    renamed = BASE_TESTS.replace("def test_plain():", "def test_plain_chunks():")
    code, failed = _judge(repo_factory, tmp_path, renamed, "renamed")
    assert (code, failed) == (0, {})
    hollow = BASE_TESTS.replace("def test_plain():\n    assert chunked([1], 1) == [[1]]\n",
                                "def test_plain_chunks():\n    pass\n")
    code, failed = _judge(repo_factory, tmp_path, hollow, "hollow")
    assert code == 1 and "test test_plain removed or renamed away" in failed["tests_kept"][0]


def test_a_test_moved_to_another_class_with_a_new_docstring_is_kept(repo_factory: Any, tmp_path: Path) -> None:
    body = "        self.assertEqual(chunked([1, 2], 1), [[1], [2]])\n"
    moved = BASE_TESTS.replace(f"    def test_even(self):\n{body}\n", "").replace(
        "class Helper:", f'class EvenTests(TestCase):\n    def test_pairs(self):\n        """Pairs."""\n{body}\n\n'
                        "class Helper:")
    code, failed = _judge(repo_factory, tmp_path, moved, "moved-class")
    # MoreChunked inherited test_even from ChunkedTests: it lost a test the move does not give back
    assert code == 1 and failed["tests_kept"] == [
        f"tests/test_chunked.py:{BASE_TESTS[:BASE_TESTS.index('    def test_even')].count(chr(10)) + 1}: "
        "test MoreChunked.test_even removed or renamed away"]


def test_tests_moved_to_a_new_file_are_kept_and_a_deleted_one_still_blocks(repo_factory: Any, tmp_path: Path) -> None:
    from tests.integration.test_gate_cli import git

    plain = "def test_plain():\n    assert chunked([1], 1) == [[1]]\n"
    sizes = '@pytest.mark.parametrize("n", [1, 2, 3])\ndef test_sizes(n):\n    assert len(chunked(list(range(n)), 1)) == n\n'
    rest = BASE_TESTS.replace(plain, "").replace(sizes, "")
    new_file = ("import pytest\n\nfrom lib import chunked\n\n\ndef test_one_chunk():\n    assert chunked([1], 1) == [[1]]\n"
                "\n\n" + sizes)
    repo = repo_factory(FILES)
    moved = change(repo, {"tests/test_chunked.py": rest, "tests/test_sizes.py": new_file}, "moved-file")
    code, report = gate_json(tmp_path / "user", repo, "--base", "main", "--head", moved, "--no-tests")
    assert (code, failed_gates(report)) == (0, {})

    fewer = change(repo, {"tests/test_chunked.py": rest,
                          "tests/test_sizes.py": new_file.replace("[1, 2, 3]", "[1, 2]")}, "moved-fewer")
    code, report = gate_json(tmp_path / "user", repo, "--base", "main", "--head", fewer, "--no-tests")
    assert code == 1 and [e.split(": ", 1)[1] for e in failed_gates(report)["tests_kept"]] == [
        "test test_sizes removed or renamed away"]

    git(repo, "checkout", "-q", "-B", "split", "main")
    (repo / "tests/test_plain.py").write_text("from lib import chunked\n\n\n" + plain)
    git(repo, "rm", "-q", "tests/test_chunked.py")
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "keep only test_plain")
    split = git(repo, "rev-parse", "HEAD").strip()
    code, report = gate_json(tmp_path / "user", repo, "--base", "main", "--head", split, "--no-tests")
    assert code == 1 and failed_gates(report)["tests_kept"] == ["tests/test_chunked.py: test module deleted (9 tests)"]


def test_two_removed_tests_with_one_body_need_two_added_ones(repo_factory: Any, tmp_path: Path) -> None:
    twins = BASE_TESTS + "\n\ndef test_twin_a():\n    assert chunked([], 1) == []\n" \
                         "\n\ndef test_twin_b():\n    assert chunked([], 1) == []\n"
    repo = repo_factory({**FILES, "tests/test_chunked.py": twins})
    one = change(repo, {"tests/test_chunked.py": BASE_TESTS + "\n\ndef test_empty():\n    assert chunked([], 1) == []\n"},
                 "one-for-two")
    code, report = gate_json(tmp_path / "user", repo, "--base", "main", "--head", one, "--no-tests")
    assert code == 1 and len(failed_gates(report)["tests_kept"]) == 1


def test_the_seed_can_hand_a_test_removal_to_a_person(repo_factory: Any, tmp_path: Path) -> None:
    without_even = BASE_TESTS.replace(
        "    def test_even(self):\n        self.assertEqual(chunked([1, 2], 1), [[1], [2]])\n\n", "")
    verdicts = {}
    for policy in ("needs_approval", "allow"):
        seed = FILES["seed.yaml"] + f"quality_gates:\n  tests_removed: {policy}\n"
        repo = repo_factory({**FILES, "seed.yaml": seed})
        sha = change(repo, {"tests/test_chunked.py": without_even}, f"drop-even-{policy}")
        code, report = gate_json(tmp_path / policy, repo, "--base", "main", "--head", sha, "--no-tests")
        kept = next(g for g in report["gates"] if g["name"] == "tests_kept")
        verdicts[policy] = (code, report["verdict"], kept["passed"], kept["severity"])
        assert any("test ChunkedTests.test_even removed" in e for e in kept["evidence"])
    assert verdicts == {"needs_approval": (2, "needs_approval", False, "needs_approval"),
                        "allow": (0, "pass", False, "warn")}


def test_a_test_moved_where_pytest_does_not_look_is_lost(repo_factory: Any, tmp_path: Path) -> None:
    plain = "def test_plain():\n    assert chunked([1], 1) == [[1]]\n"
    files = {**FILES, "pyproject.toml": '[tool.pytest.ini_options]\ntestpaths = ["tests"]\n',
             "lib_checks/__init__.py": ""}
    repo = repo_factory(files)
    moved_out = change(repo, {"tests/test_chunked.py": BASE_TESTS.replace(plain, ""),
                              "lib_checks/test_plain.py": "from lib import chunked\n\n\n" + plain}, "moved-out")
    code, report = gate_json(tmp_path / "user", repo, "--base", "main", "--head", moved_out, "--no-tests")
    assert code == 1 and any("test test_plain removed or renamed away" in e
                             for e in failed_gates(report)["tests_kept"]), report
    moved_in = change(repo, {"tests/test_chunked.py": BASE_TESTS.replace(plain, ""),
                             "tests/test_plain.py": "from lib import chunked\n\n\n" + plain}, "moved-in")
    code, report = gate_json(tmp_path / "user2", repo, "--base", "main", "--head", moved_in, "--no-tests")
    assert (code, failed_gates(report)) == (0, {})
