"""Tool calls a model wrote as text: what servers without a tool parser for the model send back.

Small models served without their tool format (or with a chat handler that does not parse it) write
the call into the message content, as bare JSON (`{"name": "order_status", "arguments": {...}}`), as
Hermes/Qwen tags (`<tool_call>{...}</tool_call>`) or in a ```json fence. When no structured `tool_calls`
came back, such a content is read as the calls it names, and only if the whole content is calls of known
tools: a sentence with some JSON in it stays text (and the output guard refuses it)."""

from __future__ import annotations

import json
import re
import uuid
from typing import Any

from langchain_core.messages import ToolCall

_TAGGED = re.compile(r"<tool_call>\s*(.*?)\s*(?:</tool_call>|$)", re.DOTALL)
_FENCED = re.compile(r"^```(?:json|tool_call)?\s*(.*?)\s*```$", re.DOTALL)


def calls_in_text(text: str, tool_names: set[str]) -> list[ToolCall]:
    """The tool calls the text consists of; [] when it is anything else."""
    content = text.strip()
    if not content:
        return []
    if "<tool_call>" in content:
        if _TAGGED.sub("", content).strip():
            return []  # words around the tags: not only calls
        pieces = _TAGGED.findall(content)
    else:
        fenced = _FENCED.match(content)
        pieces = [fenced.group(1) if fenced else content]
    calls: list[ToolCall] = []
    for piece in pieces:
        try:
            value = json.loads(piece)
        except ValueError:
            return []
        for item in value if isinstance(value, list) else [value]:
            call = _call(item, tool_names)
            if call is None:
                return []
            calls.append(call)
    return calls


def _call(item: Any, tool_names: set[str]) -> ToolCall | None:
    if not isinstance(item, dict):
        return None
    if isinstance(item.get("function"), dict):  # {"type": "function", "function": {...}}
        item = item["function"]
    name = item.get("name")
    arguments = item.get("arguments", item.get("parameters", {}))
    if isinstance(arguments, str):
        try:
            arguments = json.loads(arguments) if arguments.strip() else {}
        except ValueError:
            return None
    if name not in tool_names or not isinstance(arguments, dict):
        return None
    return ToolCall(name=name, args=arguments, id=f"call_text_{uuid.uuid4().hex[:12]}", type="tool_call")
