"""Proof that the write gate is the only writer: inspect every module's AST.

Fails if any module other than ``germinate/writegate.py``
- calls a forge write method (``WRITE_METHODS``) on anything but a ``WriteGate``, or reaches one
  by name: ``getattr(x, "merge")``, ``operator.methodcaller("push_branch")``, a name bound to such
  a string, ``"mer" + "ge"``, an f-string, ``vars(x)["merge"]``, or ``WRITE_METHODS`` itself;
- runs ``git push`` / ``merge`` / ``update-ref`` / ``read-tree`` (any process runner, GitPython's
  ``repo.git.push``, ``remote.push()``, ``ref.set_commit``), or ``git commit`` outside a worktree
  (the working directory argument must name a worktree).
``germinate/forge/*.py`` implement the writes: they may define them, run git inside, and call
their own (``self.``) write methods; nothing else may.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from germinate.forge.base import WRITE_METHODS

ROOT = Path(__file__).resolve().parents[2]
SCANNED = ("germinate", "flows", "tasks", "deployments")
WRITEGATE = "germinate/writegate.py"
FORGE_DIR = "germinate/forge/"
GIT_WRITES = frozenset({"push", "merge", "update-ref", "read-tree"})
GITPYTHON_WRITES = frozenset({"push", "update_ref", "set_commit", "set_object", "set_reference", "commit"})
RUNNERS = frozenset({"run", "Popen", "call", "check_call", "check_output", "system", "popen", "getoutput",
                     "getstatusoutput", "execute", "spawn", "create_subprocess_exec", "create_subprocess_shell",
                     "run_git", "git_bytes", "_git", "git"})
NAME_LOOKUPS = frozenset({"getattr", "methodcaller", "attrgetter", "__getattribute__", "hasattr"})


def _func_name(node: ast.expr) -> str:
    if isinstance(node, ast.Attribute):
        return node.attr
    return node.id if isinstance(node, ast.Name) else ""


class _Scanner(ast.NodeVisitor):
    def __init__(self, rel: str, tree: ast.Module):
        self.rel = rel
        self.is_forge = rel.startswith(FORGE_DIR)
        self.problems: list[str] = []
        self.strings: dict[str, set[str]] = {}  # name -> string constants bound to it
        self.gate_names: set[str] = set()  # names/attributes typed or built as WriteGate
        self.functions: list[str] = []  # enclosing function names
        self._collect(tree)

    # --- module-wide facts -------------------------------------------------------
    def _collect(self, tree: ast.Module) -> None:
        self.gate_types = {"WriteGate"} | {
            node.name for node in ast.walk(tree) if isinstance(node, ast.ClassDef) and self._gate_shaped(node)}
        for node in ast.walk(tree):
            if isinstance(node, ast.Assign | ast.AnnAssign | ast.AugAssign):
                targets = node.targets if isinstance(node, ast.Assign) else [node.target]
                value = node.value
                for target in targets:
                    name = _func_name(target) if isinstance(target, ast.Name | ast.Attribute) else ""
                    if name and value is not None:
                        self.strings.setdefault(name, set()).update(self._strings_in(value))
                        if isinstance(value, ast.Call) and _func_name(value.func) == "WriteGate":
                            self.gate_names.add(name)
                    if name and isinstance(node, ast.AnnAssign) and self._is_gate_type(node.annotation):
                        self.gate_names.add(name)
            elif isinstance(node, ast.For | ast.comprehension):
                name = _func_name(node.target) if isinstance(node.target, ast.Name) else ""
                if name:
                    self.strings.setdefault(name, set()).update(self._strings_in(node.iter))
            elif isinstance(node, ast.arg) and node.annotation is not None and self._is_gate_type(node.annotation):
                self.gate_names.add(node.arg)

    @staticmethod
    def _gate_shaped(cls: ast.ClassDef) -> bool:
        """A local protocol of the write gate: its write methods take the ``decision`` first."""
        methods = [n for n in cls.body if isinstance(n, ast.FunctionDef) and n.name in WRITE_METHODS]
        return bool(methods) and all(
            len(m.args.args) > 1 and m.args.args[1].arg == "decision" for m in methods)

    def _is_gate_type(self, annotation: ast.expr) -> bool:
        """``WriteGate``, ``WriteGate | None``, ``Callable[[Forge], WriteGate]`` and the like."""
        words = set(re.findall(r"[A-Za-z_][A-Za-z0-9_]*", ast.unparse(annotation)))
        return bool(words & self.gate_types)

    def _const(self, node: ast.AST) -> set[str]:
        """Strings an expression can evaluate to, as far as constants and bound names tell."""
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            return {node.value}
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
            return {a + b for a in self._const(node.left) for b in self._const(node.right)}
        if isinstance(node, ast.JoinedStr):
            parts = [self._const(v.value if isinstance(v, ast.FormattedValue) else v) for v in node.values]
            out = {""}
            for options in parts:
                out = {a + b for a in out for b in (options or {""})}
            return out
        if isinstance(node, ast.Name):
            return self.strings.get(node.id, set())
        if isinstance(node, ast.Call) and _func_name(node.func) == "join" and node.args:
            return {"".join(p) for p in [sorted(self._strings_in(node.args[0]))]}
        return set()

    def _strings_in(self, node: ast.AST, *, names: bool = False) -> set[str]:
        out: set[str] = set()
        for sub in ast.walk(node):
            out |= self._const(sub) if names or not isinstance(sub, ast.Name) else set()
        return out

    def _flag(self, node: ast.AST, what: str) -> None:
        self.problems.append(f"{self.rel}:{getattr(node, 'lineno', 0)}: {what}")

    # --- visitors ----------------------------------------------------------------
    def visit_FunctionDef(self, node: ast.FunctionDef | ast.AsyncFunctionDef) -> None:
        self.functions.append(node.name)
        self.generic_visit(node)
        self.functions.pop()

    visit_AsyncFunctionDef = visit_FunctionDef  # type: ignore[assignment]

    def visit_Name(self, node: ast.Name) -> None:
        if node.id == "WRITE_METHODS" and self.rel != "germinate/forge/base.py":
            self._flag(node, "uses WRITE_METHODS (a way to reach the write methods by name)")
        self.generic_visit(node)

    def visit_Attribute(self, node: ast.Attribute) -> None:
        if node.attr == "WRITE_METHODS":
            self._flag(node, "uses WRITE_METHODS (a way to reach the write methods by name)")
        receiver = ast.unparse(node.value)
        if node.attr in WRITE_METHODS and "forge" in receiver.lower() and not self._own(node.value):
            self._flag(node, f"reaches forge write method {receiver}.{node.attr}")
        self.generic_visit(node)

    def visit_Subscript(self, node: ast.Subscript) -> None:
        base = ast.unparse(node.value)
        if ("__dict__" in base or base.startswith("vars(")) and self._const(node.slice) & set(WRITE_METHODS):
            self._flag(node, f"looks a write method up in {base}")
        self.generic_visit(node)

    def visit_Call(self, node: ast.Call) -> None:
        func = node.func
        name = _func_name(func)
        if isinstance(func, ast.Attribute) and name in WRITE_METHODS and not self._own(func.value):
            self._flag(node, f"calls write method .{name}() on {ast.unparse(func.value)}")
        if name in NAME_LOOKUPS:
            for arg in node.args[1:] if name in ("getattr", "hasattr") else node.args:
                if self._const(arg) & set(WRITE_METHODS):
                    self._flag(node, f"{name}() with a write method's name")
        self._check_git(node, name)
        self.generic_visit(node)

    def _own(self, receiver: ast.expr) -> bool:
        """Calls allowed on this receiver: a WriteGate, or a forge implementation on itself."""
        if self.rel == WRITEGATE:
            return True
        if self.is_forge and (ast.unparse(receiver) == "self" or ast.unparse(receiver).startswith("super(")):
            return True
        # A forge implementation's own write (or its private helper) drives the real API.
        if self.is_forge and self.functions and (self.functions[0] in WRITE_METHODS or any(
                f in WRITE_METHODS or f.startswith("_") for f in self.functions)):
            return True
        if isinstance(receiver, ast.Call) and _func_name(receiver.func) in {"WriteGate", *self.gate_names}:
            return True
        return isinstance(receiver, ast.Name | ast.Attribute) and _func_name(receiver) in self.gate_names

    def _check_git(self, node: ast.Call, name: str) -> None:
        if self.rel == WRITEGATE or self.is_forge:
            return
        func = node.func
        if isinstance(func, ast.Attribute) and name in GITPYTHON_WRITES:
            owner = ast.unparse(func.value)
            on_git = owner.endswith(".git") or owner.endswith(".index")
            in_worktree = name == "commit" and "worktree" in ast.unparse(node).lower()
            if (name != "commit" or on_git) and not in_worktree:
                self._flag(node, f"GitPython write {owner}.{name}()")
        words: list[str] = []
        for arg in [*node.args, *(k.value for k in node.keywords)]:
            for text in sorted(self._strings_in(arg, names=True)):
                words += text.split()
        gitty = "git" in name.lower() or "git" in words
        if not gitty or name not in RUNNERS | {"git"} and "git" not in name.lower():
            return
        bad = GIT_WRITES & set(words)
        if bad:
            self._flag(node, f"runs git {'/'.join(sorted(bad))} outside the write gate")
        if "commit" in words and "worktree" not in ast.unparse(node).lower():
            self._flag(node, "runs git commit on something not named a worktree")


def scan(paths: list[Path], root: Path) -> list[str]:
    problems: list[str] = []
    for path in paths:
        rel = path.relative_to(root).as_posix()
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=rel)
        scanner = _Scanner(rel, tree)
        scanner.visit(tree)
        problems += scanner.problems
    return problems


def _modules(root: Path) -> list[Path]:
    return sorted(p for d in SCANNED if (root / d).is_dir() for p in (root / d).rglob("*.py"))


def test_no_module_but_the_write_gate_writes() -> None:
    modules = _modules(ROOT)
    assert any(p.name == "writegate.py" for p in modules)
    problems = scan(modules, ROOT)
    assert not problems, "writes outside germinate/writegate.py:\n" + "\n".join(problems)


TRICKS = {
    "direct": "def f(forge):\n    forge.merge(cr, head_sha='x', message='m')\n",
    "other receiver": "def f(client):\n    client.comment('ticket:1', 'hi')\n",
    "getattr": "def f(forge):\n    getattr(forge, 'push_branch')('b', None)\n",
    "getattr concat": "def f(f2):\n    getattr(f2, 'mer' + 'ge')(1)\n",
    "getattr via name": "NAME = 'close_ticket'\ndef f(x):\n    getattr(x, NAME)('1', 'c')\n",
    "getattr loop": "def f(x):\n    for n in ('a', 'set_labels'):\n        getattr(x, n)('t', [])\n",
    "fstring": "def f(x):\n    m = 'merge'\n    getattr(x, f'{m}')(1)\n",
    "methodcaller": "import operator\nop = operator.methodcaller('open_change_request')\n",
    "vars": "def f(x):\n    vars(type(x))['merge'](x)\n",
    "write methods": "from germinate.forge.base import WRITE_METHODS\ndef f(x):\n    [getattr(x, n) for n in WRITE_METHODS]\n",
    "bound method": "def f(self):\n    fn = self.forge.merge\n    fn(1)\n",
    "subprocess push": "import subprocess\nsubprocess.run(['git', 'push', 'origin', 'main'])\n",
    "shell push": "import os\nos.system('git push origin HEAD:main')\n",
    "list elsewhere": "import subprocess\nCMD = ['git', 'update-ref', 'refs/heads/main', 'x']\nsubprocess.run(CMD)\n",
    "run_git merge": "from germinate.workspace import run_git\ndef f(repo):\n    run_git(repo, 'merge', '--ff-only', 'x')\n",
    "run_git concat": "from germinate.workspace import run_git\ndef f(repo):\n    run_git(repo, 'pu' + 'sh')\n",
    "commit in repo": "from germinate.workspace import run_git\ndef f(repo):\n    run_git(repo, 'commit', '-m', 'x')\n",
    "git_bytes update-ref": "from germinate.workspace import git_bytes\ndef f(repo):\n"
                            "    git_bytes(repo, 'update-ref', 'refs/heads/main', 'x')\n",
    "gitpython push": "def f(repo):\n    repo.remote('origin').push()\n",
    "gitpython git": "def f(repo):\n    repo.git.merge('x')\n",
    "gitpython index commit": "def f(repo):\n    repo.index.commit('x')\n",
    "forge-shaped protocol": "from typing import Protocol\nclass L(Protocol):\n"
                             "    def set_labels(self, target, labels): ...\n"
                             "def f(x: L):\n    x.set_labels('repo', [])\n",
}


@pytest.mark.parametrize("name", sorted(TRICKS))
def test_each_trick_is_caught(name: str, tmp_path: Path) -> None:
    module = tmp_path / "germinate" / "sneaky.py"
    module.parent.mkdir(parents=True)
    module.write_text(TRICKS[name])
    assert scan([module], tmp_path), f"trick {name!r} was not caught"


ALLOWED = {
    "write gate in a flow": "from germinate.writegate import WriteGate\n"
                            "def f(gate: WriteGate, d):\n    gate.comment(d, 'ticket:1', 'x')\n",
    "built write gate": "from germinate.writegate import WriteGate\ndef f(s, p, fo, seed, d):\n"
                        "    wg = WriteGate(s, p, fo, seed)\n    wg.close_ticket(d, '1', 'done')\n",
    "commit in a worktree": "from germinate.workspace import run_git\ndef f(worktree):\n"
                            "    run_git(worktree, 'commit', '-q', '-m', 'x')\n",
    "reads": "from germinate.workspace import run_git\ndef f(repo, forge):\n"
             "    run_git(repo, 'merge-base', 'a', 'b')\n    forge.labels_of('ticket:1')\n",
    "a row's comment": "def f(row):\n    print(row.comment)\n",
    "gate factory": "from typing import Protocol\nclass Labeller(Protocol):\n"
                    "    def set_labels(self, decision, target, labels): ...\n"
                    "class W:\n    gate: Callable[[Forge], Labeller]\n"
                    "    def f(self, forge):\n        self.gate(forge).set_labels(None, 'repo', [])\n",
}


@pytest.mark.parametrize("name", sorted(ALLOWED))
def test_legitimate_code_is_not_flagged(name: str, tmp_path: Path) -> None:
    module = tmp_path / "flows" / "fine.py"
    module.parent.mkdir(parents=True)
    module.write_text(ALLOWED[name])
    assert scan([module], tmp_path) == []


def test_forge_implementations_may_define_and_run_git(tmp_path: Path) -> None:
    module = tmp_path / "germinate" / "forge" / "local.py"
    module.parent.mkdir(parents=True)
    module.write_text("from germinate.workspace import run_git\nclass F:\n"
                      "    def merge(self, c):\n        run_git(self.repo, 'update-ref', 'a', 'b')\n"
                      "    def close_ticket(self, t, c):\n        self.comment(t, c)\n")
    assert scan([module], tmp_path) == []
    module.write_text("class G:\n    def merge(self, c):\n        self._pull(1).merge(sha='x')\n")
    assert scan([module], tmp_path) == []
    module.write_text("def open_forge(other):\n    other.merge(1)\n")
    assert scan([module], tmp_path), "a forge module calling another object's write method"
