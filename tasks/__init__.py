"""Prefect tasks: one thin, typed module per cycle stage, each calling into ``germinate/``.

sense.py plan.py act.py critique.py test.py decide.py log.py — the stages of a cycle (docs/architecture.md).
"""
