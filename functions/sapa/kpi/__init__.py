"""KPIs: the figures of a period and its comparison period (read from the SQL KPI functions, the one
definition shared with the dashboard and analysts), and insights written from them."""

from sapa.kpi.figures import KpiFigures, StoreNotVisible, as_caller, gather_figures
from sapa.kpi.period import Period, previous_period

__all__ = ["KpiFigures", "Period", "StoreNotVisible", "as_caller", "gather_figures", "previous_period"]
