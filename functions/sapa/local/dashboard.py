"""Serves the built dashboard (dashboard/dist) with its runtime config, as a static host would."""

from __future__ import annotations

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from sapa.local.config import PROJECT_DIR, StackConfig

DIST_DIR = PROJECT_DIR / "dashboard" / "dist"


def create_dashboard_app(config: StackConfig) -> Starlette:
    async def runtime_config(_: Request) -> Response:
        return JSONResponse(
            {"supabaseUrl": config.api_url, "anonKey": config.anon_key, "functionsUrl": config.functions_url}
        )

    async def not_built(_: Request) -> Response:
        return PlainTextResponse("The dashboard is not built: run `make dashboard`.", status_code=503)

    routes: list[Route | Mount] = [Route("/config.json", runtime_config)]
    if (DIST_DIR / "index.html").exists():
        routes.append(Mount("/", StaticFiles(directory=DIST_DIR, html=True)))
    else:
        routes.append(Route("/", not_built))
    return Starlette(routes=routes)
