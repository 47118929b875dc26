"""The KPI figures written out as the lines the LLM reads (and nothing else from the store: no names,
no message bodies, no store name), and the phrases both the LLM prompt and the offline paragraph use, so
every number either of them can state is written the same way."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from sapa.kpi.figures import KpiFigures, LabelShare, PeriodFigures, Rate, ResponseTime

NO_DATA = "no data"


@dataclass(frozen=True)
class Units:
    currency: str
    timezone: str

    def count(self, n: int) -> str:
        return f"{n:,}"

    def percent(self, fraction: float | None) -> str:
        return NO_DATA if fraction is None else f"{fraction * 100:.1f}%"

    def money(self, amount: float | None) -> str:
        if amount is None:
            return NO_DATA
        # Currencies like IDR have no minor unit in practice; cents matter only for small amounts.
        return f"{self.currency} {amount:,.0f}" if amount >= 1000 else f"{self.currency} {amount:,.2f}"

    def duration(self, seconds: float | None) -> str:
        if seconds is None:
            return NO_DATA
        if seconds < 120:
            return f"{seconds:.0f} seconds"
        if seconds < 7200:
            return f"{seconds / 60:.1f} minutes"
        return f"{seconds / 3600:.1f} hours"

    def moment(self, at: datetime) -> str:
        return at.astimezone(ZoneInfo(self.timezone)).strftime("%Y-%m-%d %H:%M")


def relative_change(current: float | None, previous: float | None) -> float | None:
    """(current - previous) / previous; None when there is nothing to compare with."""
    if current is None or previous is None or previous == 0:
        return None
    return (current - previous) / previous


def signed_percent(change: float | None) -> str:
    return NO_DATA if change is None else f"{change * 100:+.1f}%"


def signed_points(current: float | None, previous: float | None) -> str:
    if current is None or previous is None:
        return NO_DATA
    return f"{(current - previous) * 100:+.1f} percentage points"


def figures_text(figures: KpiFigures) -> str:
    """The LLM's whole view of the store: one line per KPI, this period against the previous one."""
    u = Units(figures.currency, figures.timezone)
    now, before = figures.current, figures.previous
    resolution = now.bot_resolution
    lines = [
        f"Period: {u.moment(now.period.start)} to {u.moment(now.period.end)} ({figures.timezone}); "
        f"previous period: {u.moment(before.period.start)} to {u.moment(before.period.end)}.",
        f"Currency: {figures.currency}.",
        _count_line("Inbound messages from customers", u, now.messages.inbound, before.messages.inbound),
        _count_line(
            "Outbound messages (assistant and agents)", u, now.messages.outbound, before.messages.outbound
        ),
        _response_line(
            "Bot first response time (first bot reply after the customer's first message)",
            u,
            now.bot_first_response,
            before.bot_first_response,
        ),
        _response_line(
            "Human first response time (first agent reply after a handoff)",
            u,
            now.human_first_response,
            before.human_first_response,
        ),
        _rate_line(
            "Bot resolution rate (conversations resolved without an agent)",
            u,
            resolution,
            before.bot_resolution,
        )
        + f" Of the resolved: {u.count(resolution.confirmed)} confirmed by the customer,"
        f" {u.count(resolution.assumed)} assumed (no customer message for 24 hours after the bot's answer).",
        _rate_line(
            "Escalation rate (conversations handed to a person)", u, now.escalation, before.escalation
        ),
        _rate_line(
            "Conversion rate (customers with a conversation who paid for an order within 7 days)",
            u,
            now.conversion,
            before.conversion,
        ),
        f"Average order value: {u.money(now.aov.value)} over {u.count(now.aov.orders)} paid orders"
        f" (revenue {u.money(now.aov.revenue)}); previous period {u.money(before.aov.value)} over"
        f" {u.count(before.aov.orders)} paid orders; change"
        f" {signed_percent(relative_change(now.aov.value, before.aov.value))}.",
        _count_line("New customers", u, now.acquisition.value, before.acquisition.value),
        _rate_line(
            "Retention rate (customers kept since the period began)", u, now.retention, before.retention
        ),
        _mix_line("Issue categories of inbound messages", u, now, before, "category"),
        _mix_line("Urgency of inbound messages", u, now, before, "urgency"),
    ]
    return "\n".join(lines[:2] + [f"- {line}" for line in lines[2:]])


def _count_line(label: str, u: Units, current: int, previous: int) -> str:
    change = signed_percent(relative_change(current, previous))
    return f"{label}: {u.count(current)}; previous period {u.count(previous)}; change {change}."


def _rate_line(label: str, u: Units, current: Rate, previous: Rate) -> str:
    of = f"{u.count(current.numerator)} of {u.count(current.denominator)}"
    change = signed_points(current.value, previous.value)
    was = u.percent(previous.value)
    return f"{label}: {u.percent(current.value)} ({of}); previous period {was}; change {change}."


def _response_line(label: str, u: Units, current: ResponseTime, previous: ResponseTime) -> str:
    return f"{label}: {_response(u, current)}; previous period {_response(u, previous)}."


def _response(u: Units, time: ResponseTime) -> str:
    if time.n == 0:
        return f"{NO_DATA} (0 conversations)"
    return (
        f"median (p50) {u.duration(time.p50_seconds)}, p90 {u.duration(time.p90_seconds)}"
        f" over {u.count(time.n)} conversations"
    )


def mix(figures: PeriodFigures, kind: str) -> list[LabelShare]:
    """The labelled shares of one kind, largest first (unlabelled messages are left out)."""
    rows = [row for row in figures.label_mix if row.kind == kind and row.label and row.share is not None]
    return sorted(rows, key=lambda row: (-(row.share or 0), row.label or ""))


def _mix_line(label: str, u: Units, now: PeriodFigures, before: PeriodFigures, kind: str) -> str:
    def shares(figures: PeriodFigures) -> str:
        rows = mix(figures, kind)
        return ", ".join(f"{r.label} {u.percent(r.share)} ({u.count(r.n)})" for r in rows) or NO_DATA

    return f"{label}: {shares(now)}; previous period {shares(before)}."
