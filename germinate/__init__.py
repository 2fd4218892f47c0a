"""Germinate: grow a Python repository from a seed.

The package is Prefect-free ("functional core, imperative shell"); Prefect flows and tasks
live in the top-level ``flows/`` and ``tasks/`` packages and call into this one.
"""

import os as _os

# litellm downloads a price list on import unless told not to; this must happen before any
# module imports litellm, so it lives at the package root.
_os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
_os.environ.setdefault("GIT_TERMINAL_PROMPT", "0")

__version__ = "0.1.0"
