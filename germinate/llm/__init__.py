"""Everything that talks to a model: the gateway, its ledger and budgets, the scripted provider.

``Gateway`` is the only way Germinate calls a model. litellm is imported lazily on the first
call (it takes seconds), so importing this package is cheap.
"""

from germinate.llm.gateway import Gateway, LLMError, LLMOutputError, check_models
from germinate.llm.ledger import LedgerEntry, Spend, ledger_rows, spend_from_ledger
from germinate.llm.routing import model_for_role, models_to_try, role_env_var
from germinate.llm.transport import MissingAPIKey

__all__ = [
    "Gateway",
    "LLMError",
    "LLMOutputError",
    "LedgerEntry",
    "MissingAPIKey",
    "Spend",
    "check_models",
    "ledger_rows",
    "model_for_role",
    "models_to_try",
    "role_env_var",
    "spend_from_ledger",
]
