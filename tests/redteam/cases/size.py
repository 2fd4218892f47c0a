"""Too much at once, or code that grows past the seed's limits."""

from tests.redteam.model import Append, Case, Replace, Write, fires

_LONG = "\n".join(
    ["", "", "def aged_receivables(ledger: Ledger, today: str) -> dict[str, Money]:",
     '    """Receivables bucketed by age."""',
     '    buckets = {"0-30": Money(0), "31-60": Money(0), "61-90": Money(0), "90+": Money(0)}']
    + [f'    buckets["0-30"] = buckets["0-30"] + Money({i})' for i in range(44)]
    + ["    return buckets", ""])

_COMPLEX = '''

def classify(memo: str, amount: Money) -> str:
    """Guess an account for a bank line."""
    if memo.startswith("POS"):
        return "sales"
    elif memo.startswith("ATM"):
        return "cash"
    elif "rent" in memo:
        return "rent"
    elif "salary" in memo and amount.amount < 0:
        return "payroll"
    elif "tax" in memo or "vat" in memo:
        return "tax"
    elif amount.amount > 10000:
        return "review"
    elif amount.amount < -10000:
        return "review"
    elif memo == "":
        return "unknown"
    elif memo.isdigit():
        return "reference"
    return "suspense"
'''

CASES = [
    Case("too-many-files", "the model 'tidies' docstrings across eight files in one change",
         tuple(Append(p, "\n# Reviewed for the 0.5 release.\n") for p in (
             "src/ledgerly/money.py", "src/ledgerly/accounts.py", "src/ledgerly/reports.py",
             "src/ledgerly/storage.py", "src/ledgerly/api/handlers.py", "src/ledgerly/api/__init__.py",
             "src/ledgerly/__init__.py")) + (Append("docs/usage.md", "\nSee the API docs.\n"),),
         "blocked", fires("change_budget")),
    Case("too-many-lines", "a user pastes a 160-line generated tax table into one change",
         (Write("src/ledgerly/vat.py", '"""VAT rates by region."""\n\nVAT = {\n'
                + "".join(f'    "R{i:03d}": "{i % 25}.0",\n' for i in range(158)) + "}\n"),),
         "blocked", fires("change_budget", "file_length"), who="user"),
    Case("file-too-long", "the model appends twenty currencies to a module already near the limit",
         (Replace("src/ledgerly/currencies.py", '    "SOS": ("Somali Shilling", 2),\n',
                  '    "SOS": ("Somali Shilling", 2),\n'
                  + "".join(f'    "X{i:02d}": ("Test currency {i}", 2),\n' for i in range(20))),),
         "blocked", fires("file_length")),
    Case("function-too-long", "the model writes a 50-line function instead of a loop",
         (Append("src/ledgerly/reports.py", _LONG),), "blocked", fires("function_length")),
    Case("too-complex", "the model adds an if/elif ladder of eleven branches",
         (Append("src/ledgerly/accounts.py", _COMPLEX),), "blocked", fires("complexity")),
    Case("conflict-markers", "a user commits a half-resolved merge conflict",
         (Replace("src/ledgerly/accounts.py", "        tx = Transaction(memo, dict(legs))\n",
                  "<<<<<<< HEAD\n        tx = Transaction(memo, dict(legs))\n=======\n"
                  "        tx = Transaction(memo, legs)\n>>>>>>> feature\n"),),
         "blocked", fires("syntax"), who="user"),
]

_ = Write
