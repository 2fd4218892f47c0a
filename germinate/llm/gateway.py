"""The gateway: the one place a model is called.

``Gateway.call(role, messages, schema)`` picks the role's model (seed, then environment
overrides), checks the budgets, sends the request through litellm with a timeout, retries
transport failures with backoff, moves on to the seed's fallback models, parses structured
output (with one repair round) and writes one ledger row per request. The model proposes;
nothing here changes the repository or the forge.
"""

from __future__ import annotations

import logging
import threading
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
    ANSWERED,
    LedgerEntry,
    Spend,
    answered_calls,
    archive_texts,
    complete_entry,
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
from germinate.llm.wallclock import WallClock
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
class _Ended:
    """How one request ended, as its ledger row tells it."""

    outcome: str
    completion: transport.Completion | None = None
    latency_ms: float = 0.0
    error: str = ""
    output_known: bool = True


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
        self.clock = WallClock.for_cycle(seed.budgets, store, project, cycle_id, run_id)
        self._pending: int | None = None  # the ledger row of the request in flight
        self._replayed = False

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

    def input_window(self, role: str) -> int | None:
        """The input window of the role's model in tokens (None: litellm does not know it)."""
        return transport.input_window(self.model_for(role))

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
        """One request with transport retries, each bounded and on record before it is sent.

        A request a killed run already got an answer to (same cycle, model and prompt) is not
        sent again: the answer is replayed from the ledger's archive. Otherwise the request's
        most possible spend is reserved (a pending ledger row) with ``max_tokens`` sized to the
        budgets left, and the row is completed with what really happened, failures included.
        """
        replayed = self._replay(model, messages, ctx)
        if replayed is not None:
            return replayed, 0.0
        attempts = self.seed.models.max_retries + 1
        for attempt in range(attempts):
            try:
                timeout = self.clock.call_timeout(self.seed.models.timeout_seconds, ctx.role)
            except BudgetExceeded as exc:
                self._record(model, messages, ctx, "budget", None, 0.0, str(exc))
                raise
            row_id, max_tokens = self._reserve(model, messages, ctx)
            self._pending = row_id
            started = time.perf_counter()
            try:
                completion = transport.complete(
                    model,
                    messages,
                    role=ctx.role,
                    timeout=timeout,
                    temperature=self.seed.models.temperature,
                    schema=native,
                    tools=list(ctx.tools) if ctx.tools and transport.supports_tools(model) else None,
                    max_tokens=max_tokens,
                )
            except transport.TransportError as exc:
                latency = (time.perf_counter() - started) * 1000
                outcome = "timeout" if exc.timeout else "error"
                # a timed-out request may have been answered (and billed) in full: unknown output
                unknown = transport.Completion("", transport.estimate_tokens(messages),
                                               max_tokens if exc.timeout else 0, None)
                self._record(model, messages, ctx, outcome, unknown, latency, str(exc),
                             output_known=not exc.timeout)
                pause = transport.backoff_seconds(attempt, self.backoff_base, exc.retry_after)
                self._out_of_time(model, messages, ctx, exc, timeout, pause if exc.retryable else 0.0)
                if not exc.retryable or attempt == attempts - 1:
                    raise
                time.sleep(pause)
                continue
            return completion, (time.perf_counter() - started) * 1000
        raise AssertionError("unreachable: the loop returns or raises")  # pragma: no cover

    def _out_of_time(self, model: str, messages: list[dict[str, Any]], ctx: _Call,
                     exc: transport.TransportError, timeout: float, pause: float) -> None:
        """A call cut by the wall-time budget ends the work with that reason (``BudgetExceeded``,
        recorded), not as a model failure; so does a retry whose backoff does not fit the time left."""
        try:
            self.clock.check_room(ctx.role, pause)
        except BudgetExceeded as out:
            cut = f"; the {ctx.role} call timed out at the {timeout:.1f} s left" if exc.timeout else ""
            reason = f"{out}{cut}"
            self._record(model, messages, ctx, "budget", None, 0.0, reason)
            raise BudgetExceeded(reason) from exc

    # --- budget and ledger --------------------------------------------------------------

    def _reserve(self, model: str, messages: list[dict[str, Any]], ctx: _Call) -> tuple[int | None, int]:
        prompt_tokens = transport.estimate_tokens(messages)
        cap = min(self.seed.models.output_cap(ctx.role), transport.output_limit(model) or 1 << 30)
        entry = self._entry(model, messages, ctx, _Ended("pending", output_known=False))
        entry.tokens_in = prompt_tokens

        def cost(tokens_in: int, tokens_out: int) -> tuple[float, bool]:
            return self._cost(model, tokens_in, tokens_out)

        try:
            return self.budget.reserve(entry, cap, cost)
        except BudgetExceeded as exc:
            self._record(model, messages, ctx, "budget", None, 0.0, str(exc))
            raise

    def _replay(self, model: str, messages: list[dict[str, Any]], ctx: _Call) -> transport.Completion | None:
        """The k-th identical request of this cycle gets the k-th recorded answer, if there is one."""
        if self.store is None or self.cycle_id is None or self.archive_dir is None or ctx.tools:
            return None  # (a turn that may call tools is not replayed: the archive keeps text only)
        prompt = prompt_sha256(messages)
        key = (self.project, self.cycle_id, model, prompt)
        with _ASKED_LOCK:
            nth = _ASKED.get(key, 0)
            _ASKED[key] = nth + 1
        rows = answered_calls(self.store, self.project, self.cycle_id, model, prompt)
        if nth >= len(rows):
            return None
        row = rows[nth]
        reply = self.archive_dir / f"{row.response_sha256}.txt"
        if not row.response_sha256 or not reply.exists() or not row.finish_reason:
            return None  # (no finish reason: a row from before it was kept; a cut reply must stay cut)
        log.info("%s %s via %s: answer replayed from ledger row %d (asked before this run was "
                 "restarted); not sent again", self.project, ctx.role, model, row.id)
        self._replayed = True
        return transport.Completion(reply.read_text(encoding="utf-8"), row.tokens_in, row.tokens_out, None,
                                    finish_reason=row.finish_reason)

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

    def _entry(self, model: str, messages: list[dict[str, Any]], ctx: _Call, ended: _Ended) -> LedgerEntry:
        completion = ended.completion
        tokens_in = completion.tokens_in if completion else 0
        tokens_out = completion.tokens_out if completion else 0
        cost, known = self._cost(
            model, tokens_in, tokens_out, completion.response_cost if completion else None
        )
        return LedgerEntry(
            project=self.project,
            role=ctx.role,
            model=model,
            prompt_sha256=prompt_sha256(messages),
            outcome=ended.outcome,
            cycle_id=self.cycle_id,
            ticket_id=ctx.ticket_id,
            run_id=self.run_id,
            template_sha256=ctx.template_sha256,
            response_sha256=sha256_text(completion.text) if completion and completion.text else "",
            tokens_in=tokens_in,
            tokens_out=tokens_out,
            cost_usd=cost,
            cost_known=known,
            latency_ms=ended.latency_ms,
            error=ended.error,
            output_known=ended.output_known,
            # only a reply that came back has a finish reason (a timeout's placeholder has none)
            finish_reason=completion.finish_reason if completion and ended.outcome in ANSWERED else "",
        )

    def _record(
        self,
        model: str,
        messages: list[dict[str, Any]],
        ctx: _Call,
        outcome: str,
        completion: transport.Completion | None,
        latency_ms: float,
        error: str = "",
        *,
        output_known: bool = True,
    ) -> None:
        """Complete the pending row of the request just made (or add a row: a refused call)."""
        if self._replayed:  # a replayed answer is on record already, from the run that paid for it
            self._replayed = False
            return
        entry = self._entry(model, messages, ctx, _Ended(outcome, completion, latency_ms, error, output_known))
        self.budget.record(entry.spend())
        if self.archive_dir is not None:
            archive_texts(
                self.archive_dir, entry, messages, completion.text if completion else None
            )
        pending, self._pending = self._pending, None
        if self.store is not None:
            if pending is not None and outcome != "budget":
                complete_entry(self.store, pending, entry)
            else:
                write_entry(self.store, entry)
        log.info(
            "%s %s via %s: %s, %d+%d tokens%s, %s, %.0f ms",
            self.project,
            ctx.role,
            model,
            outcome,
            entry.tokens_in,
            entry.tokens_out,
            "" if output_known else " (output unknown: at most)",
            f"${entry.cost_usd:.5f}" if entry.cost_known else "cost unknown",
            latency_ms,
        )


# How often each (project, cycle, model, prompt) was asked in this process: the k-th ask may
# replay the k-th recorded answer of a run that was killed before its stage finished.
_ASKED: dict[tuple[str, str, str, str], int] = {}
_ASKED_LOCK = threading.Lock()


def _with_instructions(messages: list[dict[str, Any]], instructions: str) -> list[dict[str, Any]]:
    """Append the JSON instructions to the system message (or add one)."""
    if messages and messages[0].get("role") == "system":
        first = {**messages[0], "content": f"{messages[0].get('content', '')}\n\n{instructions}"}
        return [first, *messages[1:]]
    return [{"role": "system", "content": instructions}, *messages]
