from minicalc.evaluator import evaluate


def test_precedence():
    assert evaluate("2 + 3 * 4") == 14


def test_parentheses():
    assert evaluate("2 * (3 + 4)") == 14
