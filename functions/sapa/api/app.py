"""The FastAPI application: one router per resource."""

from __future__ import annotations

import threading
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware

from sapa.api.routes import conversations, health, members, messages, notes, templates, tickets
from sapa.api.routes.assistant_settings import router as assistant_settings_router
from sapa.api.routes.backups import router as backups_router
from sapa.api.routes.broadcasts import router as broadcasts_router
from sapa.api.routes.customers import router as customers_router
from sapa.api.routes.insights import router as insights_router
from sapa.api.routes.knowledge import router as knowledge_router
from sapa.api.routes.media import router as media_router
from sapa.api.routes.notifications import router as notifications_router
from sapa.api.routes.privacy import router as privacy_router
from sapa.api.routes.segments import router as segments_router
from sapa.api.routes.store_settings import router as store_settings_router
from sapa.api.routes.stores import router as stores_router
from sapa.api.routes.team import router as team_router
from sapa.api.routes.twilio import router as twilio_router
from sapa.api.routes.whatsapp_cloud import router as whatsapp_cloud_router
from sapa.api.routes.whatsapp_sender import router as whatsapp_sender_router
from sapa.api.routes.woocommerce import router as woocommerce_router
from sapa.settings import get_settings


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    """Under a server (the local stack), the in-process job queue lives as long as the app. On Lambda
    there is no lifespan: the queue is made on first use (see api.deps.get_reply_queue)."""
    from sapa.jobs.queue import InProcessQueue
    from sapa.jobs.worker import queue_from_settings

    queue = queue_from_settings(get_settings())
    app.state.reply_queue = queue
    if isinstance(queue, InProcessQueue):
        from sapa.jobs.recovery import requeue_pending_replies_when_ready
        from sapa.jobs.worker import warm_up

        def start_worker() -> None:
            warm_up()
            requeue_pending_replies_when_ready(queue)

        # Off the event loop: locally the database's gateway is served by this same loop and may not be
        # listening yet.
        threading.Thread(target=start_worker, daemon=True).start()
    try:
        yield
    finally:
        if isinstance(queue, InProcessQueue):
            queue.close()


def create_app() -> FastAPI:
    app = FastAPI(title="Sapa functions", version="0.1.0", lifespan=lifespan)
    app.add_middleware(
        CORSMiddleware,
        allow_origins=get_settings().cors_origins,
        allow_methods=["GET", "POST", "PATCH", "DELETE", "PUT"],
        allow_headers=["Authorization", "Content-Type"],
        max_age=3600,
    )
    app.include_router(health.router)
    app.include_router(twilio_router)
    app.include_router(woocommerce_router)
    app.include_router(stores_router)
    app.include_router(conversations.router)
    app.include_router(messages.router)
    app.include_router(notes.router)
    app.include_router(tickets.router)
    app.include_router(templates.router)
    app.include_router(members.router)
    app.include_router(insights_router)
    app.include_router(knowledge_router)
    app.include_router(media_router)
    app.include_router(whatsapp_cloud_router)
    app.include_router(whatsapp_sender_router)
    app.include_router(customers_router)
    app.include_router(privacy_router)
    app.include_router(backups_router)
    app.include_router(assistant_settings_router)
    app.include_router(store_settings_router)
    app.include_router(team_router)
    app.include_router(segments_router)
    app.include_router(broadcasts_router)
    app.include_router(notifications_router)
    return app
