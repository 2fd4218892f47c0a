"""The litellm edge: the lazy import, one completion request, and what its errors mean.

litellm takes seconds to import, so it is imported here on first use, never at module
import time (``germinate/__init__.py`` has already set ``LITELLM_LOCAL_MODEL_COST_MAP``).
"""

from __future__ import annotations

import functools
import random
import warnings
from dataclasses import dataclass
from types import ModuleType
from typing import Any

from pydantic import BaseModel

from germinate.errors import ConfigError


class MissingAPIKey(ConfigError):
    """A provider key the model needs is not set in the environment."""


class TransportError(Exception):
    """One request failed; ``retryable`` says whether trying again may help."""

    def __init__(
        self,
        message: str,
        *,
        retryable: bool,
        timeout: bool = False,
        retry_after: float | None = None,
    ):
        super().__init__(message)
        self.retryable = retryable
        self.timeout = timeout
        self.retry_after = retry_after  # seconds the provider asked us to wait, if it said


@dataclass(frozen=True)
class ToolCall:
    """One function call the model asked for: ``arguments`` is its JSON text, as sent."""

    id: str
    name: str
    arguments: str


@dataclass(frozen=True)
class Completion:
    """The parts of a litellm response the gateway uses."""

    text: str
    tokens_in: int
    tokens_out: int
    response_cost: float | None
    finish_reason: str = "stop"  # "length": cut off at the token limit; "tool_calls": see below
    tool_calls: tuple[ToolCall, ...] = ()


@functools.cache
def litellm_module() -> ModuleType:
    """Import litellm once, quietly, with the scripted provider registered."""
    # litellm's own TypedDicts trip a pydantic notice on first use; it is not about our code.
    warnings.filterwarnings("ignore", message=r".*`ReadOnly` qualifier", category=UserWarning)
    import litellm

    litellm.suppress_debug_info = True
    from germinate.llm import scripted

    scripted.register()
    return litellm


def check_scripted(model: str) -> None:
    """Fail early, as a ``ConfigError``, if a ``scripted/`` model's transcript is unusable."""
    if model.startswith("scripted/"):
        from germinate.llm.transcript import replay_for

        replay_for(model.removeprefix("scripted/"))


def missing_key(model: str) -> str | None:
    """The name of a missing API-key variable for ``model``, or None.

    Only secret-like names count: a local server's missing ``*_API_BASE`` has a default.
    """
    report = litellm_module().validate_environment(model=model)
    for name in report.get("missing_keys") or []:
        if "KEY" in name or "TOKEN" in name:
            return str(name)
    return None


def missing_key_error(model: str, role: str, variable: str) -> MissingAPIKey:
    return MissingAPIKey(
        f"model {model!r} (role {role}) needs the environment variable {variable}, which is not "
        f"set: export {variable}=... (for a local OpenAI-compatible server any non-empty value "
        f"works), or choose another model with GERMINATE_MODEL / GERMINATE_MODEL_{role.upper()} "
        f"or the seed's models section"
    )


@functools.cache
def supports_tools(model: str) -> bool:
    """Whether the model takes OpenAI-style ``tools`` (the scripted replay does)."""
    if model.startswith("scripted/"):
        return True
    try:
        return bool(litellm_module().supports_function_calling(model=model))
    except Exception:  # unknown provider: the plain-text fallback works everywhere
        return False


@functools.cache
def input_window(model: str) -> int | None:
    """The model's input window in tokens as litellm's bundled table knows it (None: unknown)."""
    try:
        info = litellm_module().get_model_info(model=model)
    except Exception:  # litellm raises for models it has no entry for
        return None
    value = info.get("max_input_tokens") or info.get("max_tokens")
    return int(value) if value else None


@functools.cache
def supports_schema(model: str) -> bool:
    """Whether litellm knows the model accepts a JSON-schema ``response_format``."""
    try:
        return bool(litellm_module().supports_response_schema(model=model))
    except Exception:  # litellm raises for unknown providers; then we parse text ourselves
        return False


def complete(
    model: str,
    messages: list[dict[str, Any]],
    *,
    role: str,
    timeout: float,
    temperature: float,
    schema: type[BaseModel] | None,
    tools: list[dict[str, Any]] | None = None,
    max_tokens: int | None = None,
) -> Completion:
    """One request, no retries inside litellm or the HTTP client (the gateway retries)."""
    litellm = litellm_module()
    kwargs: dict[str, Any] = {}
    if max_tokens is not None:
        kwargs["max_tokens"] = max_tokens
    if schema is not None:
        kwargs["response_format"] = schema
    if tools:
        kwargs["tools"] = tools
        # litellm 1.106.2 sends any request with tools through its MCP bridge first, which
        # imports the optional ``mcp`` package (not installed: ModuleNotFoundError). Our tools
        # are plain functions we answer ourselves: no MCP server is involved.
        kwargs["_skip_mcp_handler"] = True
    try:
        response = litellm.completion(
            model=model,
            messages=messages,
            timeout=timeout,
            temperature=temperature,
            num_retries=0,
            max_retries=0,
            drop_params=True,
            metadata={"germinate_role": role},
            **kwargs,
        )
    except Exception as exc:
        raise classify(exc) from exc
    return _completion(response)


def _completion(response: Any) -> Completion:
    choice = response.choices[0] if response.choices else None
    text = (choice.message.content if choice is not None else "") or ""
    usage = getattr(response, "usage", None)
    hidden = getattr(response, "_hidden_params", {}) or {}
    cost = hidden.get("response_cost")
    return Completion(
        text=str(text),
        tokens_in=int(getattr(usage, "prompt_tokens", 0) or 0),
        tokens_out=int(getattr(usage, "completion_tokens", 0) or 0),
        response_cost=float(cost) if cost is not None else None,
        finish_reason=str(getattr(choice, "finish_reason", None) or "stop"),
        tool_calls=_tool_calls(choice),
    )


def _tool_calls(choice: Any) -> tuple[ToolCall, ...]:
    calls = getattr(getattr(choice, "message", None), "tool_calls", None) or []
    out = []
    for i, call in enumerate(calls):
        function = getattr(call, "function", None)
        name = str(getattr(function, "name", "") or "")
        if name:
            out.append(ToolCall(id=str(getattr(call, "id", "") or f"call_{i}"), name=name,
                                arguments=str(getattr(function, "arguments", "") or "{}")))
    return tuple(out)


def classify(exc: Exception) -> TransportError:
    """Map a litellm/openai exception to a ``TransportError`` (retryable or not)."""
    litellm = litellm_module()
    message = f"{type(exc).__name__}: {str(exc)[:1000]}"
    if isinstance(exc, litellm.Timeout):
        return TransportError(message, retryable=True, timeout=True)
    retryable_types = (
        litellm.RateLimitError,
        litellm.APIConnectionError,
        litellm.InternalServerError,
        litellm.ServiceUnavailableError,
        litellm.BadGatewayError,
    )
    if isinstance(exc, retryable_types):
        return TransportError(message, retryable=True, retry_after=retry_after_seconds(exc))
    status = getattr(exc, "status_code", None)
    if isinstance(status, int) and status >= 500:
        return TransportError(message, retryable=True)
    return TransportError(message, retryable=False)


def retry_after_seconds(exc: Exception) -> float | None:
    """The provider's ``Retry-After`` (or ``retry-after-ms``) on a failed response, in seconds."""
    headers = getattr(exc, "litellm_response_headers", None) or getattr(
        getattr(exc, "response", None), "headers", None
    )
    if not headers:
        return None
    for name, scale in (("retry-after-ms", 0.001), ("retry-after", 1.0)):
        value = headers.get(name)
        if value is None:
            continue
        try:
            return max(0.0, float(value) * scale)
        except ValueError:
            continue  # an HTTP date: rare for model APIs; fall back to our backoff
    return None


def estimate_tokens(messages: list[dict[str, Any]]) -> int:
    """Prompt tokens by litellm's bundled tokenizer (offline)."""
    try:
        return int(litellm_module().token_counter(model="gpt-4o", messages=messages))
    except Exception:  # an exotic message shape: fall back to ~4 characters a token
        return sum(len(str(m.get("content", ""))) for m in messages) // 4 + 1


@functools.cache
def output_limit(model: str) -> int | None:
    """The model's own most output tokens per answer (litellm's model table), None if unknown."""
    try:
        info = litellm_module().get_model_info(model)
    except Exception:  # unknown model (a local or scripted one): no limit known
        return None
    value = info.get("max_output_tokens") or info.get("max_tokens")
    return int(value) if value else None


def litellm_price(model: str, tokens_in: int, tokens_out: int) -> float | None:
    """Dollars by litellm's price table, or None when the model has no (non-zero) price."""
    try:
        prompt_cost, completion_cost = litellm_module().cost_per_token(
            model=model, prompt_tokens=tokens_in, completion_tokens=tokens_out
        )
    except Exception:  # unknown model: litellm raises; the caller records cost_known=False
        return None
    total = float(prompt_cost) + float(completion_cost)
    return total if total > 0 else None


def backoff_seconds(
    attempt: int, base: float, retry_after: float | None = None, cap: float = 60.0
) -> float:
    """Exponential backoff with +-20% jitter (base, 2*base, 4*base...), at least the
    provider's ``Retry-After``, never more than ``cap``."""
    delay = base * (2**attempt) * random.uniform(0.8, 1.2)
    return min(cap, max(delay, retry_after or 0.0))
