"""Prefect flows: orchestration only. ``growth_cycle`` runs one cycle, ``grow`` runs cycles
until the energy budget is spent, ``intake`` turns forge events into tickets."""
