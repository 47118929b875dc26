"""The KPI figures of a store for a period and its comparison period, read through the SQL functions of
migration 20261123000012_kpis.sql (the analysts' interface: DESIGN §6, docs/kpis.md), never recomputed here.

The functions are called AS THE SIGNED-IN USER (their access token in Authorization), not with the service
role: they are `security invoker`, so RLS decides what they count, exactly as for the dashboard and for an
analyst in Studio. The route checks the role first for a clear 403; RLS is the second wall, so a mistake in
a route can never show one store's figures to another store's member. (The service-role key only opens the
gateway as `apikey`; PostgREST takes the role from the Authorization token.)"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from datetime import timedelta
from typing import Annotated, Literal, TypeVar

from postgrest import SyncPostgrestClient
from pydantic import BaseModel, BeforeValidator, ConfigDict

from sapa.db import Row, rows
from sapa.kpi.period import Period, previous_period
from sapa.settings import Settings

PARALLEL_CALLS = 6
"""KPI calls in flight at once: one figure set is 22 RPCs, each a few milliseconds of SQL."""


def _none_as_zero(value: object) -> object:
    return 0 if value is None else value


Count = Annotated[int, BeforeValidator(_none_as_zero)]
"""A count; an empty period may give null where there is nothing to count."""


class _Row(BaseModel):
    model_config = ConfigDict(frozen=True, extra="ignore")


class ResponseTime(_Row):
    """kpi_bot_first_response / kpi_human_first_response."""

    p50_seconds: float | None
    p90_seconds: float | None
    n: Count


class Rate(_Row):
    """kpi_escalation / kpi_conversion / kpi_retention: value = numerator ÷ denominator (null when 0/0)."""

    value: float | None
    numerator: Count
    denominator: Count


class BotResolution(Rate):
    """kpi_bot_resolution: numerator = confirmed + assumed."""

    confirmed: Count
    assumed: Count


class OrderValue(_Row):
    """kpi_aov: value = revenue ÷ orders over paid orders."""

    value: float | None
    revenue: float | None
    orders: Count


class Acquisition(_Row):
    """kpi_acquisition: new customers in the period."""

    value: Count


class LabelShare(_Row):
    """One row of kpi_label_mix: the share of inbound messages with this label."""

    kind: Literal["category", "urgency"]
    label: str | None
    share: float | None
    n: Count


class VolumeBucket(_Row):
    """One row of kpi_message_volume."""

    bucket: str
    inbound: Count
    outbound: Count


class MessageTotals(_Row):
    """kpi_message_volume summed over the period's buckets."""

    inbound: int
    outbound: int


class PeriodFigures(_Row):
    period: Period
    messages: MessageTotals
    bot_first_response: ResponseTime
    human_first_response: ResponseTime
    bot_resolution: BotResolution
    escalation: Rate
    conversion: Rate
    retention: Rate
    aov: OrderValue
    acquisition: Acquisition
    label_mix: list[LabelShare]


class KpiFigures(_Row):
    """What the insights are written from: the period, the one before it, and the store's units."""

    store_id: uuid.UUID
    timezone: str
    currency: str
    current: PeriodFigures
    previous: PeriodFigures


class StoreNotVisible(LookupError):
    """The caller cannot read the store (not a member, or no such store)."""


@contextmanager
def as_caller(settings: Settings, access_token: str) -> Iterator[SyncPostgrestClient]:
    """A PostgREST client that acts as the user whose access token this is (RLS applies)."""
    key = settings.supabase_service_role_key.get_secret_value()
    client = SyncPostgrestClient(
        f"{settings.supabase_url.rstrip('/')}/rest/v1",
        headers={
            "apikey": key,
            "Authorization": f"Bearer {access_token}",
            "Accept": "application/json",
            "Content-Type": "application/json",
        },
    )
    with client:
        yield client


def bucket_for(length: timedelta) -> Literal["hour", "day", "week", "month"]:
    """The message volume's bucket for a period of this length (the dashboard's rule too)."""
    if length <= timedelta(days=2):
        return "hour"
    if length <= timedelta(days=62):
        return "day"
    if length <= timedelta(days=370):
        return "week"
    return "month"


M = TypeVar("M", bound=_Row)


def gather_figures(client: SyncPostgrestClient, store_id: uuid.UUID, period: Period) -> KpiFigures:
    """Every KPI for `period` and its comparison period, as the client's user sees them."""
    found = rows(client.table("stores").select("timezone,currency").eq("id", str(store_id)).execute().data)
    if not found:
        raise StoreNotVisible(str(store_id))
    store = found[0]
    previous = previous_period(period, store["timezone"])
    with ThreadPoolExecutor(max_workers=PARALLEL_CALLS) as pool:
        current_calls = _submit_all(pool, client, store_id, period)
        previous_calls = _submit_all(pool, client, store_id, previous)
        current = _assemble(period, {name: call.result() for name, call in current_calls.items()})
        before = _assemble(previous, {name: call.result() for name, call in previous_calls.items()})
    return KpiFigures(
        store_id=store_id,
        timezone=store["timezone"],
        currency=store["currency"],
        current=current,
        previous=before,
    )


_ONE_ROW: dict[str, tuple[str, type[_Row]]] = {
    "bot_first_response": ("kpi_bot_first_response", ResponseTime),
    "human_first_response": ("kpi_human_first_response", ResponseTime),
    "bot_resolution": ("kpi_bot_resolution", BotResolution),
    "escalation": ("kpi_escalation", Rate),
    "conversion": ("kpi_conversion", Rate),
    "retention": ("kpi_retention", Rate),
    "aov": ("kpi_aov", OrderValue),
    "acquisition": ("kpi_acquisition", Acquisition),
}


def _submit_all(
    pool: ThreadPoolExecutor, client: SyncPostgrestClient, store_id: uuid.UUID, period: Period
) -> dict[str, Future[list[Row]]]:
    """Every KPI call of one period, started: PostgREST answers them side by side."""
    params = {"p_store_id": str(store_id), **period.as_params()}
    calls = {name: pool.submit(_rpc, client, function, params) for name, (function, _) in _ONE_ROW.items()}
    calls["label_mix"] = pool.submit(_rpc, client, "kpi_label_mix", params)
    volume = {**params, "p_bucket": bucket_for(period.length)}
    calls["messages"] = pool.submit(_rpc, client, "kpi_message_volume", volume)
    return calls


def _rpc(client: SyncPostgrestClient, function: str, params: dict[str, str]) -> list[Row]:
    """A KPI function's rows (every one `returns table`, so PostgREST answers an array)."""
    return rows(client.rpc(function, params).execute().data)


def _assemble(period: Period, data: dict[str, list[Row]]) -> PeriodFigures:
    one_row = {name: _one(model, data[name], function) for name, (function, model) in _ONE_ROW.items()}
    buckets = [VolumeBucket.model_validate(row) for row in data["messages"]]
    return PeriodFigures(
        period=period,
        messages=MessageTotals(
            inbound=sum(b.inbound for b in buckets), outbound=sum(b.outbound for b in buckets)
        ),
        label_mix=[LabelShare.model_validate(row) for row in data["label_mix"]],
        **one_row,
    )


def _one(model: type[M], found: list[Row], function: str) -> M:
    if len(found) != 1:
        raise ValueError(f"{function} answered {len(found)} rows, not one")
    return model.model_validate(found[0])
