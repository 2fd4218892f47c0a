"""Which definitions matter for a ticket: a reference graph ranked by personalised PageRank.

Files are nodes; file A points to file B when A uses a name B defines. Names A imports
are followed to the module they come from (so ``from typing import Any`` never points at
a repository function called ``Any``); other names, and attributes (``x.merge``, weighted
far lower), point at every file defining them, split between those files. Builtins and
names defined almost everywhere carry no signal. The PageRank teleports to the ticket's scope files and to files defining or named by the
identifiers it mentions; a definition scores by the rank flowing into it along its name.
"""

from __future__ import annotations

import builtins
import math
import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from germinate.context.summary import Summary, module_name, resolve_import
from germinate.globs import glob_match

PAGERANK_DAMPING = 0.85
NOISY_NAME_FILES = 30  # a name defined in this many files says nothing about coupling
BUILTIN_NAMES = frozenset(dir(builtins)) | {"self", "cls"}
MENTION_BOOST = 10.0
# ``x.name`` could be any object's ``name``: far weaker evidence than a name resolved by import
ATTRIBUTE_WEIGHT = 0.1
SCOPE_WEIGHT, DEFINES_MENTION_WEIGHT, PATH_MENTION_WEIGHT = 10.0, 3.0, 1.0


@dataclass(frozen=True)
class Definition:
    path: str
    name: str
    kind: str  # class, def, const
    line: int
    depth: int
    signature: str
    parent: int  # line of the enclosing class, 0 at module level


def pagerank(
    edges: dict[str, dict[str, float]],
    nodes: list[str],
    personal: dict[str, float],
    *,
    damping: float = PAGERANK_DAMPING,
    iterations: int = 100,
    tol: float = 1e-8,
) -> dict[str, float]:
    """Personalised PageRank by power iteration; dangling nodes teleport along ``personal``."""
    if not nodes:
        return {}
    total = sum(personal.get(n, 0.0) for n in nodes)
    teleport = (
        {n: personal.get(n, 0.0) / total for n in nodes}
        if total > 0
        else dict.fromkeys(nodes, 1 / len(nodes))
    )
    out_weight = {n: sum(edges.get(n, {}).values()) for n in nodes}
    rank = dict(teleport)
    for _ in range(iterations):
        dangling = sum(rank[n] for n in nodes if out_weight[n] == 0)
        new = {n: (1 - damping + damping * dangling) * teleport[n] for n in nodes}
        for src, targets in edges.items():
            if out_weight[src] > 0:
                share = damping * rank[src] / out_weight[src]
                for dst, weight in targets.items():
                    new[dst] += share * weight
        delta = sum(abs(new[n] - rank[n]) for n in nodes)
        rank = new
        if delta < tol:
            break
    return rank


def in_scope(path: str, scope: Iterable[str]) -> bool:
    """Whether ``path`` is one of the scope entries: a file, a directory, or a glob."""
    for raw in scope:
        entry = raw.strip().removeprefix("./")
        if entry and glob_match(path, entry):
            return True
    return False


# Ticket titles and bodies are prose: their common words are not identifiers to boost.
_PROSE = """the and for with this that when then than from into onto have has had not but are was
    were will would should could can may must its it's our your their there here what which who
    how why all any each every some more most less few many much very also only just like make
    makes made use uses used using add adds added adding fix fixes fixed remove removes removed
    update updates updated change changes changed support supports new old set get run runs test
    tests file files code function functions method methods class classes module modules value
    values return returns error errors bug bugs issue issues case cases need needs able instead
    should after before about over under without within does done doing being been same other
    line lines name names type types data list dict string number true false none null"""
PROSE_WORDS = frozenset(_PROSE.split())
IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def _looks_like_code(word: str) -> bool:
    return "_" in word or any(c.isdigit() for c in word) or any(c.isupper() for c in word[1:])


def mention_words(mentions: Iterable[str]) -> set[str]:
    """Identifiers in the mentions: ``Session.merge`` gives ``Session`` and ``merge``.

    Mentions may be whole ticket texts: common English words are dropped unless they are
    written like code (``snake_case``, ``camelCase``, in backticks, or dotted).
    """
    words: set[str] = set()
    for mention in mentions:
        coded = {
            w
            for chunk in re.findall(r"`([^`]+)`|(\w+(?:\.\w+)+)", mention)
            for part in chunk
            for w in IDENTIFIER.findall(part)
        }
        for word in IDENTIFIER.findall(mention):
            if len(word) >= 3 and (
                word in coded or _looks_like_code(word) or word.lower() not in PROSE_WORDS
            ):
                words.add(word)
    return words


def _path_named(path: str, words: set[str]) -> bool:
    """Whether a folder or the file stem of ``path`` is one of ``words`` (``cart`` for shop/cart.py)."""
    parts = path.removesuffix(".py").split("/")
    return any(part in words for part in parts)


class _Graph:
    """Edges between files, and which referrers feed each (file, name) definition."""

    def __init__(self, summaries: dict[str, Summary], words: set[str]) -> None:
        self.words = words
        self.modules = {module_name(p): p for p in summaries}
        self.prefixes = {
            ".".join(m.split(".")[:i]) for m in self.modules for i in range(1, m.count(".") + 2)
        }
        self.defined_in: dict[str, set[str]] = defaultdict(set)
        for path, summary in summaries.items():
            for _, name, *_ in summary["defs"]:
                self.defined_in[name].add(path)
        self.edges: dict[str, dict[str, float]] = defaultdict(lambda: defaultdict(float))
        self.feeds: dict[tuple[str, str], list[tuple[str, float]]] = defaultdict(list)
        for src, summary in summaries.items():
            for local, count in summary["refs"].items():
                self._link(src, local, count, summary["imports"].get(local), 1.0)
            for attr, count in summary["attrs"].items():
                self._link(src, attr, count, None, ATTRIBUTE_WEIGHT)

    def _owners(self, src: str, local: str, imported: list | None) -> tuple[str, set[str]]:
        if imported is None:
            if local in BUILTIN_NAMES:
                return local, set()
            return local, self.defined_in.get(local, set())
        module, level, name = imported
        origin = resolve_import(src, module, level)
        if origin not in self.prefixes:
            return name, set()  # imported from outside the repository
        submodule = self.modules.get(f"{origin}.{name}")
        if submodule is not None:
            return name, {submodule}
        inside = {
            p
            for p in self.defined_in.get(name, ())
            if (module_name(p) + ".").startswith(origin + ".")
        }
        return name, inside

    def _link(self, src: str, local: str, count: int, imported: list | None, base: float) -> None:
        name, owners = self._owners(src, local, imported)
        owners = owners - {src}
        if not owners or len(owners) >= NOISY_NAME_FILES:
            return
        mult = (
            base
            * (MENTION_BOOST if name in self.words else 1.0)
            * (0.1 if name.startswith("_") else 1.0)
        )
        weight = mult * math.sqrt(count) / len(owners)
        for dst in owners:
            self.edges[src][dst] += weight
            self.feeds[(dst, name)].append((src, weight))


def _personalisation(
    summaries: dict[str, Summary], graph: _Graph, scope: list[str]
) -> dict[str, float]:
    personal = dict.fromkeys(summaries, 0.0)
    for path in summaries:
        if in_scope(path, scope):
            personal[path] += SCOPE_WEIGHT
        if _path_named(path, graph.words):
            personal[path] += PATH_MENTION_WEIGHT
    for word in graph.words:
        for path in graph.defined_in.get(word, ()):
            personal[path] += DEFINES_MENTION_WEIGHT
    return personal


def rank_definitions(
    summaries: dict[str, Summary], scope: list[str], mentions: list[str]
) -> list[tuple[float, Definition]]:
    """Every definition with its score, best first."""
    graph = _Graph(summaries, mention_words(mentions))
    rank = pagerank(graph.edges, sorted(summaries), _personalisation(summaries, graph, scope))
    out_weight = {src: sum(targets.values()) for src, targets in graph.edges.items()}
    scored = []
    for path, summary in summaries.items():
        for kind, name, line, depth, sig, parent in summary["defs"]:
            inflow = sum(
                rank[src] * w / out_weight[src] for src, w in graph.feeds.get((path, name), ())
            )
            if name in graph.words:  # asked for by name: as relevant as its file, and then some
                score = MENTION_BOOST * (inflow + rank[path])
            else:
                score = inflow + 0.05 * rank[path] / (1 + depth)
            scored.append((score, Definition(path, name, kind, line, depth, sig, parent)))
    scored.sort(key=lambda item: (-item[0], item[1].path, item[1].line))
    return scored
