"""minicalc: a tiny calculator library (the Germinate demo target)."""

from minicalc.evaluator import evaluate
from minicalc.tokenizer import tokenize

__all__ = ["evaluate", "tokenize"]
