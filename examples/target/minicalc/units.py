"""Convert between units of length and mass."""

from __future__ import annotations

# Factor to the base unit of each dimension (metre, kilogram).
LENGTH = {"mm": 0.001, "cm": 0.01, "m": 1.0, "km": 1000.0, "in": 0.0254, "ft": 0.3048, "mi": 1609.344}
MASS = {"g": 0.001, "kg": 1.0, "lb": 0.45359237, "oz": 0.028349523125}


class UnitError(ValueError):
    """Unknown unit, or units of different dimensions."""


def dimension(unit: str) -> dict[str, float]:
    """The conversion table that knows ``unit``."""
    for table in (LENGTH, MASS):
        if unit in table:
            return table
    raise UnitError(f"unknown unit {unit!r}")


def convert(value: float, from_unit: str, to_unit: str) -> float:
    """``value`` in ``from_unit`` expressed in ``to_unit``."""
    table = dimension(from_unit)
    if to_unit not in table:
        raise UnitError(f"cannot convert {from_unit!r} to {to_unit!r}")
    return value * table[from_unit] / table[to_unit]
