"""The scripted provider: a litellm custom provider that replays a YAML transcript.

``scripted/<path to transcript.yaml>`` is a model string like any other, so the whole
gateway (budgets, ledger, structured output, retries) runs unchanged in tests and in the
demo, offline. It is a replay, not a model: it answers with the transcript's next response
for the calling role and reports token usage counted from the text. See
``docs/scripted-model.md``. Importing this module imports litellm (slow); the gateway
imports it lazily.
"""

from __future__ import annotations

import json
import time
from typing import Any

import litellm
from litellm import CustomLLM
from litellm.llms.custom_llm import CustomLLMError
from litellm.types.utils import ChatCompletionMessageToolCall, Function, ModelResponse, Usage

from germinate.context.tokens import count_tokens
from germinate.errors import ConfigError
from germinate.llm.transcript import ScriptedResponse, next_response

PROVIDER = "scripted"
ROLE_METADATA_KEY = "germinate_role"

_ERROR_STATUS = {"rate_limit": 429, "server_error": 500, "bad_request": 400}


def prompt_text(messages: list[dict[str, Any]]) -> str:
    """All message text joined by newlines: what ``match`` regexes are searched in."""
    parts: list[str] = []
    for message in messages:
        content = message.get("content")
        if isinstance(content, str):
            parts.append(content)
        elif isinstance(content, list):
            parts.extend(str(p.get("text", "")) for p in content if isinstance(p, dict))
    return "\n".join(parts)


def _role_of(litellm_params: dict[str, Any] | None) -> str:
    metadata = (litellm_params or {}).get("metadata") or {}
    return str(metadata.get(ROLE_METADATA_KEY) or "default")


def _timeout_seconds(timeout: Any) -> float | None:
    if timeout is None:
        return None
    if isinstance(timeout, int | float):
        return float(timeout)
    read = getattr(timeout, "read", None)
    return float(read) if isinstance(read, int | float) else None


class ScriptedLLM(CustomLLM):
    """Answers each call with the transcript's next response for the calling role."""

    def completion(  # type: ignore[override]
        self,
        model: str,
        messages: list,
        api_base: str,
        custom_prompt_dict: dict,
        model_response: ModelResponse,
        print_verbose: Any,
        encoding: Any,
        api_key: Any,
        logging_obj: Any,
        optional_params: dict,
        acompletion: Any = None,
        litellm_params: dict | None = None,
        logger_fn: Any = None,
        headers: dict | None = None,
        timeout: Any = None,
        client: Any = None,
    ) -> ModelResponse:
        prompt = prompt_text(messages)
        try:
            response = next_response(model, _role_of(litellm_params), prompt)
        except ConfigError as exc:
            # 400: a broken or exhausted transcript is not worth retrying.
            raise CustomLLMError(status_code=400, message=str(exc)) from exc
        self._wait(response, model, _timeout_seconds(timeout))
        if response.error is not None:
            message = response.message or f"scripted {response.error.replace('_', ' ')}"
            if response.error == "timeout":
                raise litellm.Timeout(message=message, model=model, llm_provider=PROVIDER)
            raise CustomLLMError(status_code=_ERROR_STATUS[response.error], message=message)
        return self._fill(model_response, model, prompt, response)

    async def acompletion(self, *args: Any, **kwargs: Any) -> ModelResponse:  # type: ignore[override]
        return self.completion(*args, **kwargs)

    @staticmethod
    def _wait(response: ScriptedResponse, model: str, timeout: float | None) -> None:
        if response.delay_seconds <= 0:
            return
        if timeout is not None and response.delay_seconds > timeout:
            time.sleep(timeout)
            raise litellm.Timeout(
                message=f"scripted response took {response.delay_seconds}s > timeout {timeout}s",
                model=model,
                llm_provider=PROVIDER,
            )
        time.sleep(response.delay_seconds)

    @staticmethod
    def _fill(
        model_response: ModelResponse, model: str, prompt: str, response: ScriptedResponse
    ) -> ModelResponse:
        text = response.text()
        usage = response.usage
        prompt_tokens = usage.prompt_tokens if usage and usage.prompt_tokens is not None else None
        completion_tokens = (
            usage.completion_tokens if usage and usage.completion_tokens is not None else None
        )
        if prompt_tokens is None:
            prompt_tokens = count_tokens(prompt)
        if completion_tokens is None:
            completion_tokens = count_tokens(text)
        model_response.choices[0].message.content = text  # type: ignore[union-attr]
        model_response.choices[0].finish_reason = response.finish_reason
        if response.tool_calls:
            model_response.choices[0].message.tool_calls = [  # type: ignore[union-attr]
                ChatCompletionMessageToolCall(
                    id=f"call_{i}", type="function",
                    function=Function(name=c.name, arguments=json.dumps(c.arguments)),
                )
                for i, c in enumerate(response.tool_calls)
            ]
            model_response.choices[0].finish_reason = "tool_calls"
        model_response.model = f"{PROVIDER}/{model}"
        model_response.usage = Usage(  # type: ignore[attr-defined]
            prompt_tokens=prompt_tokens,
            completion_tokens=completion_tokens,
            total_tokens=prompt_tokens + completion_tokens,
        )
        return model_response


_HANDLER = ScriptedLLM()


def register() -> None:
    """Make ``scripted/<transcript>`` a litellm model (idempotent, cheap after the first call)."""
    if any(item.get("provider") == PROVIDER for item in litellm.custom_provider_map):
        return
    litellm.custom_provider_map = [
        *litellm.custom_provider_map,
        {"provider": PROVIDER, "custom_handler": _HANDLER},
    ]
    litellm.utils.custom_llm_setup()
