"""The FastAPI application: one router per resource."""

from __future__ import annotations

from fastapi import FastAPI

from sapa.api.routes import health


def create_app() -> FastAPI:
    app = FastAPI(title="Sapa functions", version="0.1.0")
    app.include_router(health.router)
    return app
