"""The ``germinate`` command.

Each sub-command is a module in this package with a ``register(subparsers)`` function;
they are discovered, so adding a command is adding a file. Command modules import heavy
libraries (Prefect, litellm) inside their handlers, so ``germinate --help`` stays fast.
Errors a user can cause (``GerminateError``) print as one clear message and exit non-zero.
"""

from __future__ import annotations

import argparse
import importlib
import pkgutil
import sys
from collections.abc import Sequence

from germinate import __version__
from germinate.errors import GerminateError

DESCRIPTION = """\
Grow a Python repository from a seed: metric-driven, policy-governed, auditable growth
cycles on Prefect. Start with 'germinate init REPO', check with 'germinate validate',
measure with 'germinate sense', grow with 'germinate run'."""


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="germinate", description=DESCRIPTION,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--version", action="version", version=f"germinate {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for info in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
        if info.name.startswith("_"):
            continue
        module = importlib.import_module(f"{__name__}.{info.name}")
        register = getattr(module, "register", None)
        if register is not None:
            register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    try:
        return int(args.func(args) or 0)
    except GerminateError as exc:
        print(f"germinate {args.command}: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        # `germinate ... | head`: the reader left; say nothing more and exit quietly.
        import os

        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 141


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
