"""Insights without the stack: the grounding check, the offline paragraph for given figures, and the
comparison period. (The route, the LLM and the SQL figures: test_insights_route.py.)"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

import pytest
from pydantic import ValidationError

from sapa.kpi.figures import (
    Acquisition,
    BotResolution,
    KpiFigures,
    LabelShare,
    MessageTotals,
    OrderValue,
    PeriodFigures,
    Rate,
    ResponseTime,
)
from sapa.kpi.insights.figures_text import figures_text
from sapa.kpi.insights.grounding import ungrounded_numbers
from sapa.kpi.insights.offline import offline_paragraph
from sapa.kpi.period import Period, previous_period

SOURCE = (
    "Inbound messages from customers: 240; previous period 120; change +100.0%.\n"
    "Average order value: IDR 352,418 over 20 paid orders (revenue IDR 7,048,350).\n"
    "Escalation rate: 12.5% (6 of 48); previous period 10.0%; change +2.5 percentage points.\n"
    "Bot first response: median (p50) 12 seconds, p90 4.5 minutes."
)


@pytest.mark.parametrize(
    "paragraph",
    [
        "Inbound messages doubled to 240 (from 120, +100.0%).",
        "Average order value rose to IDR 352,418.",
        "Average order value is about Rp 352 thousand, or Rp352k; revenue IDR 7.0 million (7,048,350).",
        "Indonesian separators: Rp 352.418 and 12,5% escalation.",
        "Escalation rose 2.5 points to 13% (from 10%).",
        "Half of the bot's first answers came within 12 seconds; p90 was 4.5 minutes.",
        "Refund questions doubled; reply to people sooner.",  # no digits: no number stated
    ],
)
def test_numbers_given_or_rounded_are_grounded(paragraph: str) -> None:
    assert ungrounded_numbers(paragraph, SOURCE) == []


@pytest.mark.parametrize(
    ("paragraph", "invented"),
    [
        ("Inbound messages rose to 250.", ["250"]),
        ("40% of customers waited over 15 minutes.", ["40", "15"]),
        ("Average order value rose to IDR 360,000.", ["360,000"]),
        ("Average order value is Rp 35 thousand.", ["35 thousand"]),
        ("Escalation reached 12.7%.", ["12.7"]),
        ("Since Tuesday 17 November refunds grew.", ["17"]),
        ("Revenue was IDR 8 million.", ["8 million"]),
    ],
)
def test_numbers_not_in_the_figures_are_caught(paragraph: str, invented: list[str]) -> None:
    assert ungrounded_numbers(paragraph, SOURCE) == invented


# Figures ---------------------------------------------------------------------------------------------
def _period(start: str, end: str) -> Period:
    return Period.model_validate({"from": start, "to": end})


CURRENT = _period("2026-11-16T00:00:00+07:00", "2026-11-23T00:00:00+07:00")
PREVIOUS = _period("2026-11-09T00:00:00+07:00", "2026-11-16T00:00:00+07:00")


def _figures(period: Period, **changes: Any) -> PeriodFigures:
    base: dict[str, Any] = {
        "period": period,
        "messages": MessageTotals(inbound=120, outbound=130),
        "bot_first_response": ResponseTime(p50_seconds=9.5, p90_seconds=31.0, n=40),
        "human_first_response": ResponseTime(p50_seconds=240.0, p90_seconds=420.0, n=5),
        "bot_resolution": BotResolution(value=0.6, numerator=24, denominator=40, confirmed=20, assumed=4),
        "escalation": Rate(value=0.125, numerator=5, denominator=40),
        "conversion": Rate(value=0.25, numerator=9, denominator=36),
        "retention": Rate(value=0.5, numerator=10, denominator=20),
        "aov": OrderValue(value=300000.0, revenue=6000000.0, orders=20),
        "acquisition": Acquisition(value=12),
        "label_mix": [
            LabelShare(kind="category", label="delivery", share=0.5, n=60),
            LabelShare(kind="category", label="refund", share=0.2, n=24),
            LabelShare(kind="category", label="other", share=0.3, n=36),
            LabelShare(kind="urgency", label="high", share=0.1, n=12),
        ],
    }
    return PeriodFigures(**(base | changes))


def _kpis(current: PeriodFigures, previous: PeriodFigures) -> KpiFigures:
    return KpiFigures(
        store_id=uuid.UUID(int=1), timezone="Asia/Jakarta", currency="IDR", current=current, previous=previous
    )


def test_the_offline_paragraph_for_given_figures() -> None:
    figures = _kpis(
        _figures(
            CURRENT,
            messages=MessageTotals(inbound=240, outbound=250),
            escalation=Rate(value=0.2, numerator=8, denominator=40),
            aov=OrderValue(value=352417.5, revenue=7048350.0, orders=20),
            human_first_response=ResponseTime(p50_seconds=300.0, p90_seconds=1500.0, n=8),
            label_mix=[
                LabelShare(kind="category", label="refund", share=0.35, n=84),
                LabelShare(kind="category", label="delivery", share=0.3, n=72),
            ],
        ),
        _figures(PREVIOUS, label_mix=[LabelShare(kind="category", label="refund", share=0.175, n=21)]),
    )

    paragraph = offline_paragraph(figures)

    # 240 vs 120 → +100.0%; escalation moved 7.5 points (the most of the three rates); AOV 352,417.5 →
    # IDR 352,418, (352,417.5 - 300,000) / 300,000 = +17.5%; refund is the top category and grew from
    # 17.5%; the human p90 of 1,500 s (25.0 minutes) is over the 10-minute rule, which comes first.
    assert paragraph == (
        "Inbound messages rose 100.0% to 240 (from 120). "
        "The escalation rate rose from 12.5% to 20.0%. "
        "Average order value was IDR 352,418 over 20 paid orders (+17.5% on the previous period). "
        "The most common topic was refund (35.0% of inbound messages, up from 17.5%). "
        "To do: one in ten handed-off customers waited 25.0 minutes or more for a person, "
        "so put more of the team on the inbox at busy hours."
    )
    assert ungrounded_numbers(paragraph, figures_text(figures)) == []


def test_the_offline_action_follows_the_first_rule_that_applies() -> None:
    steady = _figures(CURRENT)
    more_escalations = _figures(CURRENT, escalation=Rate(value=0.25, numerator=10, denominator=40))
    fewer_resolved = _figures(
        CURRENT,
        bot_resolution=BotResolution(value=0.45, numerator=18, denominator=40, confirmed=15, assumed=3),
    )
    fewer_paid = _figures(CURRENT, conversion=Rate(value=0.1, numerator=4, denominator=40))

    def action(current: PeriodFigures) -> str:
        return offline_paragraph(_kpis(current, _figures(PREVIOUS))).split("To do: ")[1]

    assert action(steady) == "nothing needs urgent attention; keep an eye on these figures."
    assert action(more_escalations).startswith("read the conversations handed to people")
    assert action(fewer_resolved).startswith("check the conversations the assistant did not resolve")
    assert action(fewer_paid).startswith("follow up the conversations that did not end in a paid order")


def test_an_empty_store_says_there_is_nothing_to_compare() -> None:
    empty = _figures(
        CURRENT,
        messages=MessageTotals(inbound=0, outbound=0),
        aov=OrderValue(value=None, revenue=0.0, orders=0),
        bot_resolution=BotResolution(value=None, numerator=0, denominator=0, confirmed=0, assumed=0),
        label_mix=[],
    )
    figures = _kpis(empty, empty.model_copy(update={"period": PREVIOUS}))

    assert offline_paragraph(figures) == (
        "There were no customer messages and no paid orders in this period or the one before it, "
        "so there is nothing to compare yet."
    )
    assert "no data" in figures_text(figures)  # the LLM is told, not left to guess


def test_the_figures_text_states_every_kpi_of_both_periods() -> None:
    text = figures_text(
        _kpis(
            _figures(CURRENT),
            _figures(PREVIOUS, aov=OrderValue(value=250000.0, revenue=5000000.0, orders=20)),
        )
    )

    assert text.startswith(
        "Period: 2026-11-16 00:00 to 2026-11-23 00:00 (Asia/Jakarta); "
        "previous period: 2026-11-09 00:00 to 2026-11-16 00:00.\nCurrency: IDR.\n"
    )
    for line in [
        "- Inbound messages from customers: 120; previous period 120; change +0.0%.",
        "median (p50) 10 seconds, p90 31 seconds over 40 conversations",
        "median (p50) 4.0 minutes, p90 7.0 minutes over 5 conversations",
        "Bot resolution rate (conversations resolved without an agent): 60.0% (24 of 40)",
        "Of the resolved: 20 confirmed by the customer, 4 assumed",
        "- Escalation rate (conversations handed to a person): 12.5% (5 of 40)",
        "25.0% (9 of 36)",
        "- Average order value: IDR 300,000 over 20 paid orders (revenue IDR 6,000,000); previous period "
        "IDR 250,000 over 20 paid orders; change +20.0%.",
        "- New customers: 12;",
        "50.0% (10 of 20)",
        "delivery 50.0% (60), other 30.0% (36), refund 20.0% (24)",
        "- Urgency of inbound messages: high 10.0% (12);",
    ]:
        assert line in text


# The comparison period -----------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("start", "end", "previous_start", "previous_end"),
    [
        # today so far (midnight → 15:30 Jakarta) → yesterday, midnight → 15:30
        (
            "2026-11-23T00:00:00+07:00",
            "2026-11-23T15:30:00+07:00",
            "2026-11-22T00:00:00+07:00",
            "2026-11-22T15:30:00+07:00",
        ),
        # 7 days ending now (6 days and 15.5 hours) → moved back a whole week
        (
            "2026-11-17T00:00:00+07:00",
            "2026-11-23T15:30:00+07:00",
            "2026-11-10T00:00:00+07:00",
            "2026-11-16T15:30:00+07:00",
        ),
        # a custom run of whole days → the run of days just before it
        (
            "2026-11-01T00:00:00+07:00",
            "2026-11-11T00:00:00+07:00",
            "2026-10-22T00:00:00+07:00",
            "2026-11-01T00:00:00+07:00",
        ),
    ],
)
def test_the_previous_period_has_the_same_local_hours(
    start: str, end: str, previous_start: str, previous_end: str
) -> None:
    previous = previous_period(_period(start, end), "Asia/Jakarta")

    assert (previous.start, previous.end) == (
        datetime.fromisoformat(previous_start),
        datetime.fromisoformat(previous_end),
    )
    assert previous.end - previous.start == datetime.fromisoformat(end) - datetime.fromisoformat(start)


def test_the_previous_period_keeps_local_midnight_across_a_dst_change() -> None:
    # Amsterdam moved its clocks back on 2026-10-25: a week before 2 Nov 00:00 CET is 26 Oct 00:00 CET,
    # and the week before 26 Oct 00:00 (CET) starts 19 Oct 00:00 CEST, 25 hours earlier than 168 h.
    week = _period("2026-10-26T00:00:00+01:00", "2026-11-02T00:00:00+01:00")

    previous = previous_period(week, "Europe/Amsterdam")

    assert previous.start == datetime(2026, 10, 18, 22, 0, tzinfo=UTC)  # 19 Oct 00:00 CEST
    assert previous.end == datetime(2026, 10, 25, 23, 0, tzinfo=UTC)  # 26 Oct 00:00 CET


@pytest.mark.parametrize(
    "body",
    [
        {"from": "2026-11-23T00:00:00+07:00", "to": "2026-11-23T00:00:00+07:00"},  # empty
        {"from": "2026-11-23T00:00:00+07:00", "to": "2026-11-01T00:00:00+07:00"},  # backwards
        {"from": "2026-11-01T00:00:00", "to": "2026-11-23T00:00:00"},  # no offset: which zone?
        {"from": "2024-01-01T00:00:00Z", "to": "2026-11-23T00:00:00Z"},  # longer than any store keeps
        {"from": "yesterday", "to": "2026-11-23T00:00:00Z"},
        {"to": "2026-11-23T00:00:00Z"},
    ],
)
def test_a_bad_period_is_refused(body: dict[str, str]) -> None:
    with pytest.raises(ValidationError):
        Period.model_validate(body)
