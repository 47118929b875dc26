"""DEV-ONLY gateway: one port in Supabase's URL layout, doing what Supabase's Kong does locally.

- `/rest/v1/*` is proxied to PostgREST, `/auth/v1/*` served by the Auth stand-in and
  `/realtime/v1/websocket` by the Realtime stand-in;
- every request needs an `apikey` (header or query) that is the anon or service-role key, else 401
  with Supabase's message; a request without `Authorization` gets `Authorization: Bearer <apikey>`;
- CORS is open to any origin (the dashboard on its own port, browsers in tests);
- as Supabase's Kong, `GET /auth/v1/verify` (the link in an e-mail) needs no key, nor does the local
  e-mail outbox at `/outbox` (like the Supabase CLI's Inbucket).

Production uses Supabase's API gateway; this module is never deployed."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx
from fastapi import FastAPI, Request, Response
from fastapi.responses import JSONResponse
from starlette.datastructures import Headers, QueryParams
from starlette.middleware.cors import CORSMiddleware
from starlette.types import ASGIApp, Receive, Scope, Send
from starlette.websockets import WebSocket

from sapa.local.auth import create_auth_router
from sapa.local.config import StackConfig
from sapa.local.outbox import create_outbox_router, local_outbox
from sapa.local.realtime import RealtimeHub

logger = logging.getLogger(__name__)

# Headers that describe one hop of a connection, not the request (RFC 9110 §7.6.1), plus the ones
# the proxy recomputes: the body is re-sent whole and decoded, and CORS is answered here.
_HOP_BY_HOP = {
    "connection",
    "keep-alive",
    "proxy-authenticate",
    "proxy-authorization",
    "te",
    "trailer",
    "transfer-encoding",
    "upgrade",
    "host",
    "content-length",
}
_NOT_FORWARDED = _HOP_BY_HOP | {"accept-encoding"}
_NOT_RETURNED = _HOP_BY_HOP | {"content-encoding"}
_EXPOSED_HEADERS = [
    "Content-Range",
    "Content-Location",
    "Content-Profile",
    "Location",
    "Preference-Applied",
    "Range-Unit",
    "X-Supabase-Api-Version",
]
_PROXY_METHODS = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE"]

NO_API_KEY = {
    "message": "No API key found in request",
    "hint": "No `apikey` request header or url param was found.",
}
INVALID_API_KEY = {
    "message": "Invalid API key",
    "hint": "Double check your Supabase `anon` or `service_role` API key.",
}


class ApiKeyMiddleware:
    """Kong's key-auth as Supabase configures it, for HTTP and websocket requests alike."""

    def __init__(self, app: ASGIApp, api_keys: frozenset[str]) -> None:
        self.app = app
        self.api_keys = api_keys

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket") or _open_route(scope):
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        apikey = headers.get("apikey") or QueryParams(scope["query_string"]).get("apikey")
        if apikey not in self.api_keys:
            refusal = JSONResponse(NO_API_KEY if apikey is None else INVALID_API_KEY, status_code=401)
            await _refuse(scope, receive, send, refusal)
            return
        if scope["type"] == "http" and "authorization" not in headers:
            extra = (b"authorization", f"Bearer {apikey}".encode())
            scope = {**scope, "headers": [*scope["headers"], extra]}
        await self.app(scope, receive, send)


def _open_route(scope: Scope) -> bool:
    """Kong's `auth-v1-open` route (the e-mail link) and the dev outbox take no API key."""
    path: str = scope.get("path", "")
    if scope["type"] != "http":
        return False
    return path.startswith("/outbox") or (path == "/auth/v1/verify" and scope.get("method") == "GET")


async def _refuse(scope: Scope, receive: Receive, send: Send, response: JSONResponse) -> None:
    if scope["type"] == "http":
        await response(scope, receive, send)
        return
    websocket = WebSocket(scope, receive, send)
    if "websocket.http.response" in scope.get("extensions", {}):
        # uvicorn 0.54 (websockets-sansio) then logs "ASGI callable returned without completing
        # handshake"; the client does get the 401.
        await websocket.send_denial_response(response)
    else:  # the server cannot answer a websocket upgrade with a body: a plain refusal (403)
        await websocket.close(code=1008)


async def proxy_to_postgrest(path: str, request: Request) -> Response:
    """Forward the request as it came (method, path, query, headers, body) and the answer back."""
    client: httpx.AsyncClient = request.app.state.postgrest
    query = request.scope["query_string"].decode("latin-1")
    url = f"/{path}" + (f"?{query}" if query else "")
    headers = [(k, v) for k, v in request.headers.raw if k.decode("latin-1").lower() not in _NOT_FORWARDED]
    try:
        upstream = await client.request(request.method, url, headers=headers, content=await request.body())
    except httpx.TransportError as error:
        logger.warning("PostgREST did not answer %s %s: %s", request.method, request.url.path, error)
        return JSONResponse({"message": "An invalid response was received from the upstream server"}, 502)
    response = Response(content=upstream.content, status_code=upstream.status_code)
    response.raw_headers.extend(
        (name.encode("latin-1"), value.encode("latin-1"))
        for name, value in upstream.headers.multi_items()
        if name.lower() not in _NOT_RETURNED and not name.lower().startswith("access-control-")
    )
    return response


def create_gateway_app(config: StackConfig) -> FastAPI:
    """The gateway for one stack; its lifespan runs the Realtime listener and the PostgREST client."""
    hub = RealtimeHub(config)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        async with httpx.AsyncClient(base_url=config.postgrest_url, timeout=30.0) as postgrest:
            app.state.postgrest = postgrest
            await hub.start()
            try:
                yield
            finally:
                await hub.stop()

    app = FastAPI(
        title="Sapa local gateway (dev only)",
        lifespan=lifespan,
        docs_url=None,
        redoc_url=None,
        openapi_url=None,
    )
    app.include_router(create_auth_router(config), prefix="/auth/v1")
    app.include_router(create_outbox_router(local_outbox(config)))
    app.add_api_websocket_route("/realtime/v1/websocket", hub.serve)
    app.add_api_route("/rest/v1/{path:path}", proxy_to_postgrest, methods=_PROXY_METHODS)
    app.add_middleware(ApiKeyMiddleware, api_keys=frozenset({config.anon_key, config.service_role_key}))
    # Added last, so it runs first: browsers send preflight requests without an apikey.
    app.add_middleware(
        CORSMiddleware,
        allow_origins=["*"],
        allow_methods=["*"],
        allow_headers=["*"],
        expose_headers=_EXPOSED_HEADERS,
        max_age=3600,
    )
    return app
