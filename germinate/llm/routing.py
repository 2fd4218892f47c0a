"""Which model answers which role, and what it costs: seed settings plus environment overrides.

Pure functions over the seed and ``os.environ`` (no litellm), so routing is cheap to test.
"""

from __future__ import annotations

import fnmatch
import os
from collections.abc import Mapping

from germinate.errors import ConfigError
from germinate.seed import ROLES, ModelPrice, Models

ENV_MODEL = "GERMINATE_MODEL"


def role_env_var(role: str) -> str:
    """``GERMINATE_MODEL_<ROLE>``: the variable that overrides one role's model."""
    return f"{ENV_MODEL}_{role.upper()}"


def check_role(role: str) -> str:
    if role not in ROLES:
        raise ConfigError(f"unknown agent role {role!r}: use one of {', '.join(ROLES)}")
    return role


def model_for_role(models: Models, role: str, env: Mapping[str, str] | None = None) -> str:
    """``GERMINATE_MODEL_<ROLE>``, else ``GERMINATE_MODEL``, else the seed's model for the role."""
    environ = os.environ if env is None else env
    check_role(role)
    for var in (role_env_var(role), ENV_MODEL):
        value = (environ.get(var) or "").strip()
        if value:
            return value
    return models.for_role(role)


def models_to_try(models: Models, role: str, env: Mapping[str, str] | None = None) -> list[str]:
    """The role's model, then the seed's fallbacks (each once, in order)."""
    primary = model_for_role(models, role, env)
    return list(dict.fromkeys([primary, *models.fallbacks]))


def price_for(models: Models, model: str) -> ModelPrice | None:
    """The seed's price for ``model``: an exact key first, then the first matching glob key."""
    if model in models.prices:
        return models.prices[model]
    for pattern, price in models.prices.items():
        if fnmatch.fnmatchcase(model, pattern):
            return price
    return None


def seed_cost(price: ModelPrice, tokens_in: int, tokens_out: int) -> float:
    """Dollars for a call at the seed's per-million-token prices."""
    return (tokens_in * price.input_per_mtok + tokens_out * price.output_per_mtok) / 1_000_000
