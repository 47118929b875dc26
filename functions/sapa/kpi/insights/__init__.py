"""Insights: a short paragraph on what changed in a store's KPIs and what to do, grounded in the figures.

With an OpenAI key the LLM writes it from the figures alone (figures_text: no customer data, no store
name). Its paragraph is kept only if every number in it is a number of that input (grounding);
otherwise, or when the LLM fails or there is no key, the rule-based offline paragraph answers, and
`source` says which."""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict

from sapa.assistant import llm_failures
from sapa.kpi.figures import KpiFigures
from sapa.kpi.insights.figures_text import figures_text
from sapa.kpi.insights.grounding import ungrounded_numbers
from sapa.kpi.insights.offline import offline_paragraph
from sapa.settings import Settings

logger = logging.getLogger(__name__)


class Insights(BaseModel):
    model_config = ConfigDict(frozen=True)

    paragraph: str
    source: Literal["llm", "offline"]
    """llm: written by the LLM and checked against the figures; offline: the rule-based paragraph."""
    figures: KpiFigures
    generated_at: datetime


def write_insights(figures: KpiFigures, settings: Settings) -> Insights:
    paragraph = _llm_paragraph(figures, settings)
    return Insights(
        paragraph=paragraph or offline_paragraph(figures),
        source="llm" if paragraph else "offline",
        figures=figures,
        generated_at=datetime.now(UTC),
    )


def _llm_paragraph(figures: KpiFigures, settings: Settings) -> str | None:
    """The LLM's paragraph if there is a key, the call works and every number in it is grounded."""
    if settings.openai_api_key is None or not settings.openai_api_key.get_secret_value():
        return None
    from sapa.kpi.insights.llm import EmptyInsights, write_with_llm  # only with a key

    failures: tuple[type[Exception], ...] = (*llm_failures(), EmptyInsights)
    source = figures_text(figures)
    try:
        paragraph = write_with_llm(source, settings)
    except failures as error:
        logger.warning("the LLM insights failed; writing them offline", extra={"error": type(error).__name__})
        return None
    invented = ungrounded_numbers(paragraph, source)
    if invented:
        # The paragraph itself is not logged: it may be wrong, and the numbers say enough.
        logger.warning(
            "the LLM insights state numbers not in the figures; writing them offline",
            extra={"numbers": invented[:10]},
        )
        return None
    return paragraph


__all__ = ["Insights", "write_insights"]
