"""Argument types shared by several commands (argparse reports a bad value as a usage error)."""

from __future__ import annotations

import argparse


def port_number(text: str) -> int:
    """A TCP port, 0 to 65535 (0: any free one)."""
    try:
        port = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a port number") from None
    if not 0 <= port <= 65535:
        raise argparse.ArgumentTypeError(f"{port} is not a port (0 to 65535)")
    return port
