import pytest

from minicalc.tokenizer import TokenError, tokenize


def test_numbers_and_operators():
    assert tokenize("12 + 3.5*(4)") == ["12", "+", "3.5", "*", "(", "4", ")"]


def test_rejects_letters():
    with pytest.raises(TokenError):
        tokenize("2 + x")
