"""The repo map: AST summaries, import-aware reference graph, PageRank, budget, cache."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from germinate.context import build_repo_map, count_tokens, pagerank, summary_cache_dir
from germinate.context import tokens as tokens_module
from germinate.context.ranking import rank_definitions
from germinate.context.summary import cached_summary, module_name, resolve_import, summarise

SHOP = {
    "shop/__init__.py": "",
    "shop/models.py": (
        "from dataclasses import dataclass\n\n\n@dataclass\nclass Item:\n    name: str\n    price: float\n\n"
        "    def discounted(self, rate: float) -> float:\n        return self.price * (1 - rate)\n"
    ),
    "shop/cart.py": (
        "from .models import Item\n\n\nclass Cart:\n    def __init__(self) -> None:\n        self.items: list[Item] = []\n\n"
        "    def add(self, item: Item) -> None:\n        self.items.append(item)\n\n"
        "    def total(self) -> float:\n        return sum(i.price for i in self.items)\n"
    ),
    "shop/checkout.py": (
        "from typing import Any\n\nfrom shop.cart import Cart\n\n\ndef checkout(cart: Cart, **opts: Any) -> float:\n"
        "    return cart.total()\n"
    ),
    "shop/typing_helpers.py": "def Any(x):\n    return x\n",
    "shop/broken.py": "def oops(:\n",
    "docs/conf.py": "PROJECT = 'shop'\n",
}


def test_count_tokens_is_cl100k_offline() -> None:
    assert tokens_module.encoder() is not None
    assert count_tokens("hello world") == 2
    assert count_tokens("") == 0


def test_count_tokens_falls_back_to_chars_over_four(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(tokens_module, "encoder", lambda: None)
    assert tokens_module.count_tokens("x" * 10) == 3


def test_pagerank_is_a_distribution_pulled_toward_the_personalisation() -> None:
    nodes = ["a", "b", "c"]
    edges = {"a": {"b": 1.0}, "b": {"c": 1.0}, "c": {"a": 1.0}}
    uniform = pagerank(edges, nodes, {})
    assert sum(uniform.values()) == pytest.approx(1.0)
    assert uniform["a"] == pytest.approx(1 / 3, abs=1e-6)  # a cycle: every node equal
    pulled = pagerank(edges, nodes, {"a": 1.0})
    assert sum(pulled.values()) == pytest.approx(1.0)
    assert pulled["a"] > pulled["b"] > pulled["c"]
    # fixed point of r = 0.15 * e_a + 0.85 * P r on the cycle
    assert pulled["a"] == pytest.approx(0.15 / (1 - 0.85**3), abs=1e-6)


def test_summary_has_signatures_and_survives_syntax_errors() -> None:
    summary = summarise(SHOP["shop/cart.py"].encode())
    sigs = [d[4] for d in summary["defs"]]
    assert sigs == [
        "class Cart:",
        "def __init__(self) -> None",
        "def add(self, item: Item) -> None",
        "def total(self) -> float",
    ]
    assert summary["imports"]["Item"] == ["models", 1, "Item"]
    assert summarise(b"def oops(:\n")["defs"] == []


def test_import_resolution() -> None:
    assert module_name("src/pkg/sub/__init__.py") == "pkg.sub"
    assert resolve_import("shop/cart.py", "models", 1) == "shop.models"
    assert resolve_import("shop/__init__.py", "", 1) == "shop"
    assert resolve_import("shop/sub/x.py", "models", 2) == "shop.models"


def test_names_imported_from_outside_do_not_link_to_repo_definitions() -> None:
    summaries = {p: summarise(t.encode()) for p, t in SHOP.items()}
    scores = {(d.path, d.name): s for s, d in rank_definitions(summaries, ["shop/checkout.py"], [])}
    # checkout.py uses typing.Any, not shop/typing_helpers.Any; it does use Cart
    assert scores[("shop/typing_helpers.py", "Any")] < scores[("shop/cart.py", "Cart")]
    assert scores[("shop/cart.py", "Cart")] == max(scores.values())


def test_repo_map_shows_scope_in_full_and_ranks_mentions(repo_factory) -> None:
    repo = repo_factory(SHOP)
    result = build_repo_map(
        repo, scope=["shop/checkout.py"], mentions=["Item.discounted"], token_budget=2000
    )
    assert (
        "# In-scope files (full text)\nshop/checkout.py\n```python\n" + SHOP["shop/checkout.py"]
        in result.text
    )
    assert "    class Item:\n        def discounted(self, rate: float) -> float" in result.text
    assert result.files[0] == "shop/checkout.py"
    assert result.tokens == count_tokens(result.text) <= 2000


@pytest.mark.parametrize("budget", [0, 10, 40, 120, 400, 5000])
def test_repo_map_never_exceeds_the_budget(repo_factory, budget: int) -> None:
    repo = repo_factory(SHOP)
    result = build_repo_map(repo, scope=["shop/"], mentions=["Cart"], token_budget=budget)
    assert result.tokens <= budget
    assert result.tokens == count_tokens(result.text)


def test_more_budget_shows_more(repo_factory) -> None:
    repo = repo_factory(SHOP)
    small = build_repo_map(repo, scope=[], mentions=["Cart"], token_budget=30)
    large = build_repo_map(repo, scope=[], mentions=["Cart"], token_budget=3000)
    assert 0 < small.tokens < large.tokens
    assert small.files[0] == "shop/cart.py"  # the mentioned class's file comes first
    assert set(small.files) < set(large.files)


def test_summaries_are_cached_by_content_hash(tmp_path: Path, repo_factory) -> None:
    repo = repo_factory(SHOP)
    cache = tmp_path / "cache"
    first = build_repo_map(repo, scope=[], mentions=["Cart"], token_budget=3000, cache_dir=cache)
    entries = sorted(cache.rglob("*.json"))
    assert len(entries) == len({t for p, t in SHOP.items() if p.endswith(".py")})
    # the cache is what is read: a doctored entry shows up in the next map
    cart = cached_summary(SHOP["shop/cart.py"].encode(), cache)
    doctored = next(e for e in entries if json.loads(e.read_text()) == cart)
    cart["defs"].append(["def", "from_cache", 99, 1, "def from_cache(self)", 4])
    doctored.write_text(json.dumps(cart))
    second = build_repo_map(repo, scope=[], mentions=["Cart"], token_budget=3000, cache_dir=cache)
    assert "def from_cache(self)" in second.text and "from_cache" not in first.text
    # an edited file gets a new entry, the old one stays for other worktrees
    (repo / "shop/cart.py").write_text(
        SHOP["shop/cart.py"] + "\n\ndef helper() -> None:\n    pass\n"
    )
    build_repo_map(repo, scope=[], mentions=[], token_budget=3000, cache_dir=cache)
    assert len(list(cache.rglob("*.json"))) == len(entries) + 1


def test_planner_and_implementer_share_one_summary_cache(repo_factory, germinate_home: Path) -> None:
    from germinate.agents.implementer import _repo_map
    from germinate.models import Plan, Ticket

    repo = repo_factory(SHOP)
    assert summary_cache_dir() == germinate_home / "cache" / "repo-map"  # not per project: keyed by content
    build_repo_map(repo, scope=[], mentions=["Cart"], token_budget=3000, cache_dir=summary_cache_dir())
    cart = cached_summary(SHOP["shop/cart.py"].encode(), summary_cache_dir())
    entry = next(e for e in summary_cache_dir().rglob("*.json") if json.loads(e.read_text()) == cart)
    cart["defs"].append(["def", "from_planner_cache", 99, 1, "def from_planner_cache(self)", 4])
    entry.write_text(json.dumps(cart))
    text = _repo_map(repo, Plan(ticket=Ticket(id="t", title="Cart total", kind="bug", source="local")), 8000)
    assert "def from_planner_cache(self)" in text  # the implementer read what the planner cached


def test_untracked_and_ignored_files(repo_factory) -> None:
    repo = repo_factory({**SHOP, ".gitignore": "generated/\n"})
    (repo / "generated").mkdir()
    (repo / "generated/big.py").write_text("def generated_thing():\n    pass\n")
    (repo / "shop/new.py").write_text("def brand_new():\n    pass\n")
    text = build_repo_map(
        repo, scope=[], mentions=["brand_new", "generated_thing"], token_budget=3000
    ).text
    assert "def brand_new()" in text and "generated_thing" not in text


def test_prose_mentions_keep_identifiers_and_drop_common_words() -> None:
    from germinate.context.ranking import mention_words

    words = mention_words(["Add a `get` helper to Cart.total when the identity_map is stale"])
    assert {"get", "Cart", "total", "identity_map", "stale"} <= words
    assert not {"Add", "add", "the", "when"} & words


def test_a_whole_ticket_text_as_mention_steers_the_map(repo_factory) -> None:
    repo = repo_factory(SHOP)
    about_items = "Checkout should apply Item.discounted prices. Add a test for the new behaviour."
    about_cart = "The cart total is wrong when the same item is added twice; fix Cart.total."
    items = build_repo_map(repo, scope=[], mentions=["Discounted checkout", about_items], token_budget=60)
    cart = build_repo_map(repo, scope=[], mentions=["Cart total", about_cart], token_budget=60)
    assert items.files[0] == "shop/models.py" and "def discounted(self, rate: float)" in items.text
    assert cart.files[0] == "shop/cart.py" and "def total(self) -> float" in cart.text


def test_an_in_scope_file_too_long_for_the_budget_is_shown_in_parts_never_dropped(repo_factory) -> None:
    long_body = "".join(f"def f{i}(x):\n    return x + {i}\n\n\n" for i in range(600))
    repo = repo_factory({**SHOP, "shop/long.py": long_body})
    result = build_repo_map(repo, scope=["shop/long.py", "shop/checkout.py"], mentions=[], token_budget=3000,
                            map_tokens=500)
    assert result.tokens == count_tokens(result.text) <= 3000
    assert "[shop/long.py has 2400 lines, more than fits here: lines 1-" in result.text
    assert "read_file tool" in result.text and "shop/long.py (lines 1-" in result.text
    assert "shop/checkout.py" in result.text  # the other in-scope file is still there


def test_context_budget_follows_the_model_window_and_the_seed_cap() -> None:
    from germinate.context.window import UNKNOWN_MODEL_CONTEXT, context_tokens
    from germinate.llm.transport import input_window

    assert input_window("openai/gpt-4o-mini") == 128_000  # litellm's bundled table, offline
    assert context_tokens(128_000) == 64_000
    assert context_tokens(128_000, cap=20_000) == 20_000
    assert context_tokens(input_window("scripted/x.yaml")) == UNKNOWN_MODEL_CONTEXT
