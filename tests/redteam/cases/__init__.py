"""The red-team corpus: every case, bad and good."""

from tests.redteam.cases import good, imports_deps, paths, quality, secrets_labels, size, testsuite, trust

ALL = [*paths.CASES, *size.CASES, *testsuite.CASES, *quality.CASES, *imports_deps.CASES,
       *secrets_labels.CASES, *trust.CASES, *good.CASES]
