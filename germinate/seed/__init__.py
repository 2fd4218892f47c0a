"""The seed: ``seed.yaml`` as a pydantic model, its loader, its reference and ``germinate init``.

- ``model.py`` (with ``base.py`` and ``operations.py``): the sections and their defaults;
- ``loader.py``: reading a seed with ``file:line`` errors, from the working tree or a commit;
- ``fields.py``: the keys as a flat walk, shared by the loader's hints and the reference;
- ``reference.py`` and ``meanings.py``: ``docs/seed-reference.md``, generated;
- ``init.py``: a starter seed written from what a repository holds.
"""

from germinate.seed.loader import growth_seed, load_seed, repo_seed
from germinate.seed.model import *  # noqa: F403
from germinate.seed.model import __all__ as _model_names

__all__ = [*_model_names, "growth_seed", "load_seed", "repo_seed"]
