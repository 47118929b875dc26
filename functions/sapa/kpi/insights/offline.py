"""The insights paragraph without an LLM: fixed rules over the same figures, written with the same
phrases as the LLM's input (figures_text), so it states no number that is not in that input.

What it says, in order: how inbound volume moved; the rate that moved most (escalation, bot resolution,
conversion); average order value; the largest issue category; then one thing to do, chosen by the first
rule that applies (slow human replies, rising escalations, falling bot resolution, falling conversion,
a category that grew, else keep watching)."""

from __future__ import annotations

from collections.abc import Callable

from sapa.kpi.figures import KpiFigures, PeriodFigures, Rate
from sapa.kpi.insights.figures_text import Units, mix, relative_change, signed_percent

STEADY = 0.05
"""A relative change in volume smaller than this reads as "about the same"."""
NOTABLE_POINTS = 0.05
"""A rate that moved by at least 5 percentage points is worth a sentence and an action."""
SLOW_HUMAN_P90_SECONDS = 600.0
"""One customer in ten waiting more than 10 minutes for a person after a handoff is slow for chat."""


def offline_paragraph(figures: KpiFigures) -> str:
    u = Units(figures.currency, figures.timezone)
    now, before = figures.current, figures.previous
    if now.messages.inbound == 0 and now.aov.orders == 0 and before.messages.inbound == 0:
        return (
            "There were no customer messages and no paid orders in this period or the one before it, "
            "so there is nothing to compare yet."
        )
    sentences = [
        _volume(u, figures),
        _biggest_rate_move(u, figures),
        _orders(u, figures),
        _top_category(u, figures),
    ]
    sentences.append(_action(u, figures))
    return " ".join(s for s in sentences if s)


def _volume(u: Units, f: KpiFigures) -> str:
    current, previous = f.current.messages.inbound, f.previous.messages.inbound
    change = relative_change(current, previous)
    if change is None:
        return f"Customers sent {u.count(current)} messages in this period (none in the previous one)."
    if abs(change) < STEADY:
        return f"Customers sent {u.count(current)} messages, about as many as before ({u.count(previous)})."
    direction = "rose" if change > 0 else "fell"
    return (
        f"Inbound messages {direction} {signed_percent(change).lstrip('+-')} to {u.count(current)} "
        f"(from {u.count(previous)})."
    )


_RATES: dict[str, tuple[str, Callable[[PeriodFigures], Rate]]] = {
    "escalation": ("The escalation rate", lambda p: p.escalation),
    "bot_resolution": ("The bot resolution rate", lambda p: p.bot_resolution),
    "conversion": ("Conversion", lambda p: p.conversion),
}


def _pair(f: KpiFigures, name: str) -> tuple[float | None, float | None]:
    """A rate's value in this period and in the previous one."""
    rate_of = _RATES[name][1]
    return rate_of(f.current).value, rate_of(f.previous).value


def _moves(f: KpiFigures) -> dict[str, float]:
    moves: dict[str, float] = {}
    for name in _RATES:
        current, previous = _pair(f, name)
        if current is not None and previous is not None:
            moves[name] = current - previous
    return moves


def _biggest_rate_move(u: Units, f: KpiFigures) -> str:
    moves = _moves(f)
    if not moves:
        escalation = f.current.escalation.value
        return f"The escalation rate was {u.percent(escalation)}." if escalation is not None else ""
    name = max(moves, key=lambda n: abs(moves[n]))
    current, previous = _pair(f, name)
    label = _RATES[name][0]
    if abs(moves[name]) < NOTABLE_POINTS:
        return f"{label} was {u.percent(current)} ({u.percent(previous)} in the previous period)."
    direction = "rose" if moves[name] > 0 else "fell"
    return f"{label} {direction} from {u.percent(previous)} to {u.percent(current)}."


def _orders(u: Units, f: KpiFigures) -> str:
    now, before = f.current.aov, f.previous.aov
    if now.orders == 0:
        return "There were no paid orders in this period."
    change = relative_change(now.value, before.value)
    compared = f" ({signed_percent(change)} on the previous period)" if change is not None else ""
    orders = f"{u.count(now.orders)} paid order{'' if now.orders == 1 else 's'}"
    return f"Average order value was {u.money(now.value)} over {orders}{compared}."


def _top_category(u: Units, f: KpiFigures) -> str:
    top = mix(f.current, "category")
    if not top:
        return ""
    before = {row.label: row for row in mix(f.previous, "category")}
    earlier = before.get(top[0].label)
    was = (
        f", up from {u.percent(earlier.share)}"
        if earlier and (earlier.share or 0) < (top[0].share or 0)
        else ""
    )
    return f"The most common topic was {top[0].label} ({u.percent(top[0].share)} of inbound messages{was})."


def _action(u: Units, f: KpiFigures) -> str:
    human = f.current.human_first_response
    moves = _moves(f)
    if human.n > 0 and human.p90_seconds is not None and human.p90_seconds > SLOW_HUMAN_P90_SECONDS:
        return (
            f"To do: one in ten handed-off customers waited {u.duration(human.p90_seconds)} or more "
            "for a person, so put more of the team on the inbox at busy hours."
        )
    if moves.get("escalation", 0) >= NOTABLE_POINTS:
        return (
            "To do: read the conversations handed to people and add what the assistant lacked "
            "to its knowledge and policies."
        )
    if moves.get("bot_resolution", 0) <= -NOTABLE_POINTS:
        return (
            "To do: check the conversations the assistant did not resolve and fill the gaps in its knowledge."
        )
    if moves.get("conversion", 0) <= -NOTABLE_POINTS:
        return (
            "To do: follow up the conversations that did not end in a paid order "
            "(stock, price and payment questions)."
        )
    grown = _grown_category(f)
    if grown:
        return f"To do: look into why {grown} questions grew and answer them before customers ask."
    return "To do: nothing needs urgent attention; keep an eye on these figures."


def _grown_category(f: KpiFigures) -> str | None:
    before = {row.label: row.share or 0.0 for row in mix(f.previous, "category")}
    for row in mix(f.current, "category"):
        if row.label and (row.share or 0.0) - before.get(row.label, 0.0) >= NOTABLE_POINTS:
            return row.label
    return None
