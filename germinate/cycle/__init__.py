"""The growth cycle's stages, without Prefect: one module per stage.

``select`` picks the ticket, ``records`` keeps the cycle's rows, ``act`` describes a change,
``evidence`` runs the tests and the gates, ``decide`` turns gate results into a decision,
``land`` lands it through the write gate, ``log`` writes the growth records, ``report``
renders the cycle report. ``flows/`` and ``tasks/`` orchestrate these.
"""
