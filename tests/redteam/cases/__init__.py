"""The red-team corpus: every case, bad and good."""

from tests.redteam.cases import good, imports_deps, paths, quality, secrets_labels, size, testsuite

ALL = [*paths.CASES, *size.CASES, *testsuite.CASES, *quality.CASES, *imports_deps.CASES,
       *secrets_labels.CASES, *good.CASES]
