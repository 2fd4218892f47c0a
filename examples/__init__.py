"""Germinate examples: the demo target, its scripted-model transcript and the demo runner."""
