"""Forges: where tickets come from and where changes land.

``base.Forge`` is the protocol; ``local.LocalForge`` (the embedded default) and
``github.GitHubForge`` (PyGithub) are its kinds. Read methods may be called by anyone;
write methods are called only by ``germinate.writegate.WriteGate``.
"""

from germinate.forge.base import ChangeRequest, CheckStatus, Forge

__all__ = ["ChangeRequest", "CheckStatus", "Forge"]
