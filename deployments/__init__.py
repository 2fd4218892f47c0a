"""Deployments of the Germinate flows: ``serve.py`` (``germinate deploy``) and ``prefect.yaml``."""
