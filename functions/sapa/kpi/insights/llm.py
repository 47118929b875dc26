"""The insights paragraph by the assistant's LLM (the same ChatOpenAI settings), from the figures alone."""

from __future__ import annotations

from langchain_core.messages import HumanMessage, SystemMessage

from sapa.assistant.llm import chat_model
from sapa.settings import Settings

SYSTEM_PROMPT = (
    "You are the analyst of an online shop that serves its customers on WhatsApp with an assistant (a bot) "
    "and a support team. From the KPI figures the user gives you, write ONE short paragraph in plain "
    "English for the shop owner: what changed most since the previous period and what to do about it "
    "(one or two concrete actions). At most four sentences, no headings, no lists. Use only the figures "
    "given: quote numbers as written or rounded, never compute, estimate or invent a number, date or cause "
    "that is not in them. Where a figure says 'no data', do not guess it."
)


class EmptyInsights(RuntimeError):
    """The model answered without text."""


def insights_messages(figures_text: str) -> list[SystemMessage | HumanMessage]:
    return [SystemMessage(content=SYSTEM_PROMPT), HumanMessage(content=figures_text)]


def write_with_llm(figures_text: str, settings: Settings) -> str:
    reply = chat_model(settings).invoke(insights_messages(figures_text))
    paragraph = " ".join(str(reply.text).split())
    if not paragraph:
        raise EmptyInsights("the model gave no paragraph")
    return paragraph
