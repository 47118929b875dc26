"""KPI insights: a short paragraph on what changed and what to do, grounded in the store's figures.

POST /api/stores/{store_id}/insights {"from": iso, "to": iso} → 200 {paragraph, source: "llm"|"offline",
figures, generated_at}. For owners and admins (DESIGN §1: KPIs and insights are theirs; an LLM call costs
money). 401 without a valid token, 403 for agents and non-members, 422 for a bad period. The figures are
read as the caller (RLS applies; see sapa.kpi.figures)."""

from __future__ import annotations

from fastapi import APIRouter, HTTPException, status

from sapa.api.deps import AccessToken, SettingsDep, StoreAdmin
from sapa.api.routes._errors import AUTH_RESPONSES, refusals_as_http_errors
from sapa.kpi import Period, StoreNotVisible, as_caller, gather_figures
from sapa.kpi.insights import Insights, write_insights

router = APIRouter(prefix="/api/stores/{store_id}", tags=["kpis"], responses=AUTH_RESPONSES)


@router.post("/insights", response_model=Insights)
def create_insights(period: Period, admin: StoreAdmin, token: AccessToken, settings: SettingsDep) -> Insights:
    with as_caller(settings, token) as client, refusals_as_http_errors():
        try:
            figures = gather_figures(client, admin.store_id, period)
        except StoreNotVisible as error:
            raise HTTPException(status.HTTP_403_FORBIDDEN, "you are not a member of this store") from error
    return write_insights(figures, settings)
