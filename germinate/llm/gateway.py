"""The gateway: the one place a model is called.

``Gateway.call(role, messages, schema)`` picks the role's model (seed, then environment
overrides), checks the budgets, sends the request through litellm with a timeout, retries
transport failures with backoff, moves on to the seed's fallback models, parses structured
output (with one repair round) and writes one ledger row per request. The model proposes;
nothing here changes the repository or the forge.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel

from germinate.errors import BudgetExceeded, GerminateError
from germinate.llm import transport
from germinate.llm.budget import BudgetGuard
from germinate.llm.ledger import (
    LedgerEntry,
    Spend,
    archive_texts,
    prompt_sha256,
    sha256_text,
    write_entry,
)
from germinate.llm.routing import check_role, models_to_try, price_for, seed_cost
from germinate.llm.structured import (
    OutputInvalid,
    parse_output,
    repair_messages,
    schema_instructions,
)
from germinate.seed import Seed
from germinate.store import Store

log = logging.getLogger("germinate.llm")
_T = TypeVar("_T")


class LLMError(GerminateError):
    """No model could answer: every model (the role's and the fallbacks) failed."""


class LLMOutputError(GerminateError):
    """The model answered, but not in the required shape, even after the repair round."""


@dataclass(frozen=True)
class _Call:
    """What every ledger row of one ``Gateway.call`` shares."""

    role: str
    ticket_id: str | None
    template_sha256: str
    tools: tuple[dict[str, Any], ...] = ()


@dataclass(frozen=True)
class Reply:
    """A free-text turn: the text, why it ended (``length``: cut off at the token limit) and
    the read-only tool calls the model asked for (function calling)."""

    text: str
    finish_reason: str = "stop"
    tool_calls: tuple[transport.ToolCall, ...] = ()
    model: str = ""

    @property
    def truncated(self) -> bool:
        return self.finish_reason == "length"


def check_models(seed: Seed) -> None:
    """Fail fast, before any cycle starts, if some role has no usable model.

    A role is usable when one of its models (the role's, then the fallbacks) has its API key
    set (scripted transcripts must also load). Raises the first role's ``MissingAPIKey``.
    """
    from germinate.seed import ROLES

    for role in ROLES:
        errors: list[transport.MissingAPIKey] = []
        models = models_to_try(seed.models, role)
        for model in models:
            transport.check_scripted(model)
            variable = transport.missing_key(model)
            if variable is not None:
                errors.append(transport.missing_key_error(model, role, variable))
        if errors and len(errors) == len(models):
            raise errors[0]


class Gateway:
    """Role-routed, budgeted, ledgered access to models through litellm."""

    def __init__(
        self,
        seed: Seed,
        store: Store | None,
        *,
        project: str,
        cycle_id: str | None = None,
        run_id: str | None = None,
        backoff_base: float = 1.0,
        archive_dir: Path | None = None,
    ):
        self.seed = seed
        self.store = store
        self.project = project
        self.cycle_id = cycle_id
        self.run_id = run_id
        self.backoff_base = backoff_base
        # Where prompt and reply texts are kept by their ledger hashes (None: hashes only).
        self.archive_dir = archive_dir
        self.budget = BudgetGuard(seed.budgets, store, project, cycle_id=cycle_id, run_id=run_id)

    # --- public -------------------------------------------------------------------------

    @property
    def spent(self) -> Spend:
        """The cycle's spend so far (from the ledger when there is a store and a cycle id)."""
        return self.budget.cycle_spend()

    def model_for(self, role: str) -> str:
        """The model that answers ``role`` now (environment overrides included)."""
        return models_to_try(self.seed.models, role)[0]

    def call(
        self,
        role: str,
        messages: list[dict[str, Any]],
        schema: type[BaseModel] | None,
        *,
        ticket_id: str | None = None,
        template_sha256: str = "",
    ) -> BaseModel | str:
        """Ask the role's model; a ``schema`` instance if one is given, else the reply text.

        Raises ``BudgetExceeded`` before a request that would cross a budget, ``LLMError`` when
        no model answers, ``LLMOutputError`` when the answer does not fit the schema.
        """
        ctx = _Call(check_role(role), ticket_id, template_sha256)
        return self._first_answer(role, ctx, lambda model: self._ask(model, messages, schema, ctx))

    def converse(
        self,
        role: str,
        messages: list[dict[str, Any]],
        *,
        tools: list[dict[str, Any]] | None = None,
        ticket_id: str | None = None,
        template_sha256: str = "",
    ) -> Reply:
        """One free-text turn of a conversation, with its finish reason and tool calls.

        ``tools`` (OpenAI function schemas) are offered only to models that support them; the
        caller describes a plain-text fallback in the prompt for the rest. Budgets, retries,
        fallbacks and the ledger row are those of ``call``.
        """
        ctx = _Call(check_role(role), ticket_id, template_sha256, tuple(tools or ()))

        def ask(model: str) -> Reply:
            completion, latency = self._send(model, messages, None, ctx)
            self._record(model, messages, ctx, "ok", completion, latency)
            return Reply(completion.text, completion.finish_reason, completion.tool_calls, model)

        return self._first_answer(role, ctx, ask)

    def supports_tools(self, role: str) -> bool:
        """Whether the role's model takes function calling (else: the plain-text fallback)."""
        return transport.supports_tools(self.model_for(role))

    def _first_answer(self, role: str, ctx: _Call, ask: Callable[[str], _T]) -> _T:
        """``ask`` each model of the role in turn (role's, then fallbacks) until one answers."""
        failures: list[str] = []
        missing: list[transport.MissingAPIKey] = []
        for model in models_to_try(self.seed.models, role):
            transport.check_scripted(model)
            variable = transport.missing_key(model)
            if variable is not None:
                missing.append(transport.missing_key_error(model, role, variable))
                failures.append(f"{model}: {variable} is not set")
                continue
            try:
                return ask(model)
            except transport.TransportError as exc:
                failures.append(f"{model}: {exc}")
                log.warning("model %s failed for %s, trying the next one: %s", model, role, exc)
        if missing and len(missing) == len(failures):
            raise missing[0]
        raise LLMError(f"no model answered the {role} call: " + "; ".join(failures) + f". {self._hint(role)}")

    def _hint(self, role: str) -> str:
        tried = models_to_try(self.seed.models, role)
        if all(m.startswith("scripted/") for m in tried):
            return "Check the transcript (docs/scripted-model.md)"
        return (
            "Check the provider is reachable and the key is valid; a slow model may need a larger "
            f"models.timeout_seconds (now {self.seed.models.timeout_seconds:g}s) or a smaller "
            f"max_tokens for the {role} role; or add fallbacks under models.fallbacks in seed.yaml"
        )

    # --- one model ----------------------------------------------------------------------

    def _ask(
        self, model: str, messages: list[dict[str, Any]], schema: type[BaseModel] | None, ctx: _Call
    ) -> BaseModel | str:
        if schema is None:
            completion, latency = self._send(model, messages, None, ctx)
            self._record(model, messages, ctx, "ok", completion, latency)
            return completion.text
        native, messages, completion, latency = self._send_structured(model, messages, schema, ctx)
        try:
            parsed = parse_output(completion.text, schema)
        except OutputInvalid as bad:
            self._record(model, messages, ctx, "invalid", completion, latency, str(bad))
            return self._repair(
                model, messages, schema if native else None, schema, completion.text, bad, ctx
            )
        self._record(model, messages, ctx, "ok", completion, latency)
        return parsed

    def _send_structured(
        self, model: str, messages: list[dict[str, Any]], schema: type[BaseModel], ctx: _Call
    ) -> tuple[bool, list[dict[str, Any]], transport.Completion, float]:
        """Send with ``response_format`` where supported; if the provider refuses the schema
        (a non-retryable error), once more with the schema in the prompt instead."""
        in_prompt = _with_instructions(messages, schema_instructions(schema))
        if transport.supports_schema(model):
            try:
                completion, latency = self._send(model, messages, schema, ctx)
                return True, messages, completion, latency
            except transport.TransportError as exc:
                if exc.retryable:
                    raise
                log.warning("%s refused response_format (%s); asking for JSON in text", model, exc)
        completion, latency = self._send(model, in_prompt, None, ctx)
        return False, in_prompt, completion, latency

    def _repair(
        self,
        model: str,
        messages: list[dict[str, Any]],
        native: type[BaseModel] | None,
        schema: type[BaseModel],
        reply: str,
        bad: OutputInvalid,
        ctx: _Call,
    ) -> BaseModel:
        repaired = repair_messages(messages, reply, str(bad), schema)
        completion, latency = self._send(model, repaired, native, ctx)
        try:
            parsed = parse_output(completion.text, schema)
        except OutputInvalid as still_bad:
            self._record(model, repaired, ctx, "invalid", completion, latency, str(still_bad))
            raise LLMOutputError(
                f"the {ctx.role} model {model} did not return a valid {schema.__name__} after one "
                f"repair round: {still_bad}. Try a stronger model for this role "
                f"(GERMINATE_MODEL_{ctx.role.upper()} or models.{ctx.role} in seed.yaml)"
            ) from still_bad
        self._record(model, repaired, ctx, "repaired", completion, latency)
        return parsed

    def _send(
        self,
        model: str,
        messages: list[dict[str, Any]],
        native: type[BaseModel] | None,
        ctx: _Call,
    ) -> tuple[transport.Completion, float]:
        """One request with transport retries; every failed attempt leaves a ledger row."""
        attempts = self.seed.models.max_retries + 1
        for attempt in range(attempts):
            self._check_budget(model, messages, ctx)
            started = time.perf_counter()
            try:
                completion = transport.complete(
                    model,
                    messages,
                    role=ctx.role,
                    timeout=self.seed.models.timeout_seconds,
                    temperature=self.seed.models.temperature,
                    schema=native,
                    tools=list(ctx.tools) if ctx.tools and transport.supports_tools(model) else None,
                )
            except transport.TransportError as exc:
                latency = (time.perf_counter() - started) * 1000
                outcome = "timeout" if exc.timeout else "error"
                self._record(model, messages, ctx, outcome, None, latency, str(exc))
                if not exc.retryable or attempt == attempts - 1:
                    raise
                time.sleep(transport.backoff_seconds(attempt, self.backoff_base, exc.retry_after))
                continue
            return completion, (time.perf_counter() - started) * 1000
        raise AssertionError("unreachable: the loop returns or raises")  # pragma: no cover

    # --- budget and ledger --------------------------------------------------------------

    def _check_budget(self, model: str, messages: list[dict[str, Any]], ctx: _Call) -> None:
        est_tokens = transport.estimate_tokens(messages)
        est_dollars, _known = self._cost(model, est_tokens, 0)
        try:
            self.budget.check(ctx.role, est_tokens, est_dollars)
        except BudgetExceeded as exc:
            self._record(model, messages, ctx, "budget", None, 0.0, str(exc))
            raise

    def _cost(
        self, model: str, tokens_in: int, tokens_out: int, reported: float | None = None
    ) -> tuple[float, bool]:
        """(dollars, known): the seed's price, else the provider's, else unknown (never a silent 0)."""
        price = price_for(self.seed.models, model)
        if price is not None:
            return seed_cost(price, tokens_in, tokens_out), True
        if reported is not None and reported > 0:
            return reported, True
        computed = transport.litellm_price(model, tokens_in, tokens_out)
        if computed is not None:
            return computed, True
        return 0.0, tokens_in + tokens_out == 0

    def _record(
        self,
        model: str,
        messages: list[dict[str, Any]],
        ctx: _Call,
        outcome: str,
        completion: transport.Completion | None,
        latency_ms: float,
        error: str = "",
    ) -> None:
        tokens_in = completion.tokens_in if completion else 0
        tokens_out = completion.tokens_out if completion else 0
        cost, known = self._cost(
            model, tokens_in, tokens_out, completion.response_cost if completion else None
        )
        entry = LedgerEntry(
            project=self.project,
            role=ctx.role,
            model=model,
            prompt_sha256=prompt_sha256(messages),
            outcome=outcome,
            cycle_id=self.cycle_id,
            ticket_id=ctx.ticket_id,
            run_id=self.run_id,
            template_sha256=ctx.template_sha256,
            response_sha256=sha256_text(completion.text) if completion else "",
            tokens_in=tokens_in,
            tokens_out=tokens_out,
            cost_usd=cost,
            cost_known=known,
            latency_ms=latency_ms,
            error=error,
        )
        self.budget.record(entry.spend())
        if self.archive_dir is not None:
            archive_texts(
                self.archive_dir, entry, messages, completion.text if completion else None
            )
        if self.store is not None:
            write_entry(self.store, entry)
        log.info(
            "%s %s via %s: %s, %d+%d tokens, %s, %.0f ms",
            self.project,
            ctx.role,
            model,
            outcome,
            tokens_in,
            tokens_out,
            f"${cost:.5f}" if known else "cost unknown",
            latency_ms,
        )


def _with_instructions(messages: list[dict[str, Any]], instructions: str) -> list[dict[str, Any]]:
    """Append the JSON instructions to the system message (or add one)."""
    if messages and messages[0].get("role") == "system":
        first = {**messages[0], "content": f"{messages[0].get('content', '')}\n\n{instructions}"}
        return [first, *messages[1:]]
    return [{"role": "system", "content": instructions}, *messages]
