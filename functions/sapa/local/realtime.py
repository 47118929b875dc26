"""DEV-ONLY stand-in for Supabase Realtime's broadcast channels, served at `/realtime/v1/websocket`.

It speaks the Phoenix channel protocol as Supabase Realtime does, in both serialisations clients use:
vsn 1.0.0 (JSON objects; supabase-py's `realtime`) and vsn 2.0.0 (JSON arrays, plus binary frames for
client broadcasts; realtime-js in supabase-js). What it covers:

- joins of `realtime:<topic>` with the caller's JWT (HS256, the stack's secret); private channels are
  authorised as Supabase does it: insert a probe row into `realtime.messages`, then, as the JWT's
  role with its claims and `realtime.topic` set, check that RLS lets the caller read it; roll back;
- "broadcast from database": `realtime.send` / `realtime.broadcast_changes` insert into
  `realtime.messages`, whose trigger NOTIFYs `sapa_realtime` with the row id; one listener per hub
  fetches the row and pushes it to every socket joined to that topic with the same privacy;
- `realtime.messages`' daily partitions, created as Realtime creates them (yesterday to three days
  ahead) when the hub starts and every hour after (Realtime's janitor), so `realtime.send` always
  finds a partition for today;
- client broadcasts relayed to the topic's other subscribers (`self`/`ack` options honoured; on
  private channels only if RLS lets the sender insert into `realtime.messages`);
- `access_token` updates, `phx_leave`, heartbeats.

It connects as `supabase_admin`, as Supabase Realtime does. Presence and postgres_changes are not
supported and say so. Production uses Supabase Realtime."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import time
import uuid
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any, Literal

import jwt
import psycopg
from starlette.websockets import WebSocket

from sapa.local.config import StackConfig

logger = logging.getLogger(__name__)

NOTIFY_CHANNEL = "sapa_realtime"
CHANNEL_PREFIX = "realtime:"
SUPPORTED_VSNS = ("1.0.0", "2.0.0")
LISTEN_TIMEOUT = 10.0  # seconds the hub waits at start-up for its database listener
PARTITION_INTERVAL = 3600.0  # seconds between two rounds of partition creation (Realtime's janitor)
OUTBOX_LIMIT = 1000  # frames queued for one socket before it counts as too slow and is closed
TRY_AGAIN_LATER = 1013  # websocket close code

Json = dict[str, Any]


# Wire format ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Frame:
    topic: str
    event: str
    payload: Json
    ref: str | None = None
    join_ref: str | None = None


def decode_text(text: str, vsn: str) -> Frame:
    data = json.loads(text)
    if vsn == "2.0.0":
        join_ref, ref, topic, event, payload = data
    else:
        join_ref, ref = data.get("join_ref"), data.get("ref")
        topic, event, payload = data["topic"], data["event"], data.get("payload")
    return Frame(str(topic), str(event), payload or {}, _ref(ref), _ref(join_ref))


def decode_binary(data: bytes) -> Frame:
    """A vsn 2.0.0 "user broadcast push" (kind 3), as realtime-js' serializer encodes it: lengths of
    join_ref, ref, topic, event and metadata, the payload encoding, those fields, then the payload."""
    if len(data) < 7 or data[0] != 3:
        raise ValueError("not a user broadcast push")
    *lengths, encoding = data[1:7]
    fields, offset = [], 7
    for length in lengths:
        fields.append(data[offset : offset + length].decode())
        offset += length
    join_ref, ref, topic, event, _metadata = fields
    if encoding != 1:
        raise ValueError("binary broadcast payloads are not supported by the local stand-in")
    payload = {"type": "broadcast", "event": event, "payload": json.loads(data[offset:] or b"{}")}
    return Frame(topic, "broadcast", payload, ref or None, join_ref or None)


def encode(frame: Frame, vsn: str) -> str:
    if vsn == "2.0.0":
        return json.dumps([frame.join_ref, frame.ref, frame.topic, frame.event, frame.payload])
    return json.dumps(
        {
            "topic": frame.topic,
            "event": frame.event,
            "payload": frame.payload,
            "ref": frame.ref,
            "join_ref": frame.join_ref,
        }
    )


def _ref(value: Any) -> str | None:
    return None if value is None else str(value)


# Partitions of realtime.messages ---------------------------------------------------------------


def message_partitions(today: date) -> list[tuple[str, date, date]]:
    """The partitions Realtime keeps (Realtime.Tenants.create_messages_partitions): one a day, from
    yesterday to three days ahead, named messages_YYYY_MM_DD, bounds in UTC (inserted_at is UTC)."""
    days = [today + timedelta(days=offset) for offset in range(-1, 4)]
    return [(f"messages_{day:%Y_%m_%d}", day, day + timedelta(days=1)) for day in days]


def _partition_statements(today: date) -> list[str]:
    statements = []
    for name, start, end in message_partitions(today):
        statements.append(
            f"create table if not exists realtime.{name} partition of realtime.messages"
            f" for values from ('{start.isoformat()}') to ('{end.isoformat()}')"
        )
        statements.append(f"alter table realtime.{name} owner to supabase_realtime_admin")
    return statements


def create_message_partitions(conn: psycopg.Connection[Any], today: date | None = None) -> None:
    """Create the missing partitions of realtime.messages, as `supabase_admin` (Realtime's role)."""
    for statement in _partition_statements(today or datetime.now(UTC).date()):
        conn.execute(statement)


async def create_message_partitions_async(db_url: str, today: date | None = None) -> None:
    async with await psycopg.AsyncConnection.connect(db_url, autocommit=True) as conn:
        for statement in _partition_statements(today or datetime.now(UTC).date()):
            await conn.execute(statement)


# Authorisation -------------------------------------------------------------------------------


class ChannelRefused(Exception):
    """Why a join (or a token update) is refused, worded as Supabase Realtime words it."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message

    @property
    def reason(self) -> str:
        return f"{self.code}: {self.message}"


def verify_token(token: str, secret: str) -> Json:
    try:
        claims: Json = jwt.decode(
            token, secret, algorithms=["HS256"], options={"verify_exp": False, "verify_aud": False}
        )
    except jwt.InvalidSignatureError as error:
        raise ChannelRefused("JwtSignatureError", "Failed to validate JWT signature") from error
    except jwt.PyJWTError as error:
        raise ChannelRefused("InvalidJWTToken", "Token claims must be a map") from error
    if "role" not in claims or "exp" not in claims:
        raise ChannelRefused("InvalidJWTToken", "Fields `role` and `exp` are required in JWT")
    expired_for = int(time.time()) - int(claims["exp"])
    if expired_for >= 0:
        raise ChannelRefused("InvalidJWTToken", f"Token has expired {expired_for} seconds ago")
    return claims


def read_refused(topic: str) -> ChannelRefused:
    message = f"You do not have permissions to read from this Channel topic: {topic}"
    return ChannelRefused("Unauthorized", message)


async def rls_allows(db_url: str, claims: Json, topic: str, action: Literal["read", "write"]) -> bool:
    """Whether RLS on `realtime.messages` lets the JWT's role read (or insert) broadcasts of `topic`.

    Mirrors Supabase Realtime's authorisation: a probe row is inserted (as the admin), then, as the
    JWT's role with `request.jwt.claims` and `realtime.topic` set, it is selected (or a row is
    inserted); everything is rolled back, so the probe NOTIFYs nobody."""
    try:
        conn = await psycopg.AsyncConnection.connect(db_url)
    except psycopg.OperationalError as error:
        logger.warning("realtime could not reach the database to authorise %s: %s", topic, error)
        raise ChannelRefused(
            "UnableToConnectToProject", "Realtime was unable to connect to the project database"
        ) from error
    async with conn, conn.transaction(force_rollback=True):
        cursor = await conn.execute(
            "insert into realtime.messages (topic, extension) values (%s, 'broadcast') returning id", [topic]
        )
        probe = await cursor.fetchone()
        try:
            await conn.execute(
                "select set_config('role', %s, true), set_config('request.jwt.claims', %s, true),"
                " set_config('realtime.topic', %s, true)",
                [str(claims["role"]), json.dumps(claims), topic],
            )
            if action == "write":
                await conn.execute(
                    "insert into realtime.messages (topic, extension) values (%s, 'broadcast')", [topic]
                )
                return True
            cursor = await conn.execute(
                "select 1 from realtime.messages where topic = %s and extension = 'broadcast' and id = %s",
                [topic, probe[0] if probe else None],
            )
            return await cursor.fetchone() is not None
        except psycopg.errors.InsufficientPrivilege:
            return False
        except psycopg.Error as error:  # a broken policy or an unknown role: Realtime refuses too
            logger.warning("RLS policy error while authorising %s on %s: %s", action, topic, error)
            return False


# Sockets and their channels ------------------------------------------------------------------


@dataclass
class Subscription:
    topic: str  # without the "realtime:" prefix
    private: bool
    claims: Json
    access_token: str
    self_broadcast: bool
    ack_broadcast: bool
    may_write: bool | None = None  # looked up on the first client broadcast of a private channel

    def expired(self) -> bool:
        return int(self.claims["exp"]) <= int(time.time())


@dataclass(eq=False)  # sockets are compared (and hashed) by identity
class Socket:
    websocket: WebSocket
    vsn: str
    apikey: str
    subscriptions: dict[str, Subscription] = field(default_factory=dict)  # by "realtime:<topic>"
    # None asks the writer to close the socket: it fell OUTBOX_LIMIT frames behind.
    outbox: asyncio.Queue[str | None] = field(default_factory=lambda: asyncio.Queue(OUTBOX_LIMIT))

    def send(self, frame: Frame) -> None:
        try:
            self.outbox.put_nowait(encode(frame, self.vsn))
        except asyncio.QueueFull:
            logger.warning("realtime socket fell %d frames behind; closing it", OUTBOX_LIMIT)
            while not self.outbox.empty():
                self.outbox.get_nowait()
            self.outbox.put_nowait(None)

    def reply(self, request: Frame, status: Literal["ok", "error"], response: Json) -> None:
        payload = {"status": status, "response": response}
        self.send(Frame(request.topic, "phx_reply", payload, request.ref, request.join_ref))

    def shut_down(self, topic: str, message: str) -> None:
        """End a joined channel from the server side, as Realtime does when its token lapses."""
        subscription = self.subscriptions.pop(topic)
        system = {"extension": "system", "status": "error", "message": message, "channel": subscription.topic}
        self.send(Frame(topic, "system", system))
        self.send(Frame(topic, "phx_close", {}))

    async def write_loop(self) -> None:
        while (text := await self.outbox.get()) is not None:
            await self.websocket.send_text(text)
        await self.websocket.close(TRY_AGAIN_LATER)


class RealtimeHub:
    """All sockets of one gateway and the one database listener that feeds them."""

    def __init__(self, config: StackConfig) -> None:
        self.config = config
        self.sockets: set[Socket] = set()
        self._listener: asyncio.Task[None] | None = None
        self._janitor: asyncio.Task[None] | None = None
        self._listening = asyncio.Event()

    async def start(self) -> None:
        """Create today's partitions and start listening for broadcasts; returns once LISTEN is in place."""
        await create_message_partitions_async(self.config.admin_db_url)
        self._janitor = asyncio.create_task(self._keep_partitions(), name="realtime-janitor")
        self._listener = asyncio.create_task(self._listen(), name="realtime-listener")
        try:
            await asyncio.wait_for(self._listening.wait(), LISTEN_TIMEOUT)
        except TimeoutError:
            await self.stop()
            raise RuntimeError(
                f"the realtime listener could not LISTEN on {self.config.admin_db_url}"
            ) from None

    async def stop(self) -> None:
        for task in (self._listener, self._janitor):
            if task is not None:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task

    async def _keep_partitions(self) -> None:
        while True:
            await asyncio.sleep(PARTITION_INTERVAL)
            try:
                await create_message_partitions_async(self.config.admin_db_url)
            except psycopg.Error as error:
                logger.warning("realtime could not create the partitions of realtime.messages: %s", error)

    # The database side ---------------------------------------------------------------------

    async def _listen(self) -> None:
        while True:
            try:
                async with (
                    await psycopg.AsyncConnection.connect(
                        self.config.admin_db_url, autocommit=True
                    ) as listener,
                    await psycopg.AsyncConnection.connect(
                        self.config.admin_db_url, autocommit=True
                    ) as reader,
                ):
                    await listener.execute(f"listen {NOTIFY_CHANNEL}")
                    self._listening.set()
                    async for notification in listener.notifies():
                        await self._deliver(reader, notification.payload)
            except psycopg.OperationalError as error:
                self._listening.clear()
                logger.warning("realtime listener lost the database (%s); reconnecting in 1 s", error)
                await asyncio.sleep(1)

    async def _deliver(self, reader: psycopg.AsyncConnection[Any], message_id: str) -> None:
        try:
            uuid.UUID(message_id)
        except ValueError:
            logger.warning("ignoring a %s notification that is not a message id", NOTIFY_CHANNEL)
            return
        cursor = await reader.execute(
            "select topic, event, payload, private from realtime.messages"
            " where id = %s and extension = 'broadcast'",
            [message_id],
        )
        row = await cursor.fetchone()
        if row is None:
            return
        topic, event, payload, private = row
        # Supabase Realtime's shape for a broadcast from the database (BatchBroadcast).
        body = {"type": "broadcast", "event": event, "payload": payload, "meta": {"id": message_id}}
        self._broadcast(Frame(CHANNEL_PREFIX + topic, "broadcast", body), bool(private), sender=None)

    def _broadcast(self, frame: Frame, private: bool, sender: Socket | None) -> None:
        for socket in list(self.sockets):
            subscription = socket.subscriptions.get(frame.topic)
            if subscription is None or subscription.private != private:
                continue
            if socket is sender and not subscription.self_broadcast:
                continue
            if subscription.expired():
                expired_for = int(time.time()) - int(subscription.claims["exp"])
                socket.shut_down(frame.topic, f"Token has expired {expired_for} seconds ago")
                continue
            socket.send(frame)

    # The client side -----------------------------------------------------------------------

    async def serve(self, websocket: WebSocket) -> None:
        """The websocket endpoint: `/realtime/v1/websocket?apikey=…&vsn=1.0.0|2.0.0`."""
        apikey = websocket.query_params.get("apikey") or websocket.headers.get("apikey") or ""
        vsn = websocket.query_params.get("vsn", "1.0.0")
        if apikey not in (self.config.anon_key, self.config.service_role_key) or vsn not in SUPPORTED_VSNS:
            await websocket.close(code=1008)
            return
        await websocket.accept()
        socket = Socket(websocket, vsn, apikey)
        self.sockets.add(socket)
        writer = asyncio.create_task(socket.write_loop())
        try:
            await self._read_loop(socket)
        finally:
            self.sockets.discard(socket)
            writer.cancel()
            # The writer ends cancelled, or failed on a socket that is already gone.
            await asyncio.gather(writer, return_exceptions=True)

    async def _read_loop(self, socket: Socket) -> None:
        while True:
            message = await socket.websocket.receive()
            if message["type"] == "websocket.disconnect":
                return
            try:
                if message.get("text") is not None:
                    frame = decode_text(message["text"], socket.vsn)
                else:
                    frame = decode_binary(message.get("bytes") or b"")
            except (ValueError, KeyError, TypeError, AttributeError) as error:
                logger.warning("ignoring an unreadable realtime frame: %s", error)
                continue
            await self._handle(socket, frame)

    async def _handle(self, socket: Socket, frame: Frame) -> None:
        if frame.topic == "phoenix" and frame.event == "heartbeat":
            socket.reply(frame, "ok", {})
        elif frame.event == "phx_join":
            await self._join(socket, frame)
        elif frame.topic not in socket.subscriptions:
            socket.reply(frame, "error", {"reason": "unmatched topic"})
        elif frame.event == "phx_leave":
            del socket.subscriptions[frame.topic]
            socket.reply(frame, "ok", {})
        elif frame.event == "access_token":
            await self._update_token(socket, frame)
        elif frame.event == "broadcast":
            await self._relay(socket, frame)
        elif frame.ref is not None:
            reason = f"{frame.event} is not supported by Sapa's local Realtime stand-in"
            socket.reply(frame, "error", {"reason": reason})

    async def _join(self, socket: Socket, frame: Frame) -> None:
        topic = frame.topic.removeprefix(CHANNEL_PREFIX)
        config = frame.payload.get("config") or {}
        token = frame.payload.get("access_token") or socket.apikey
        private = bool(config.get("private"))
        try:
            if not frame.topic.startswith(CHANNEL_PREFIX) or not topic:
                raise ChannelRefused("TopicNameRequired", "You must provide a topic name")
            if config.get("postgres_changes"):
                raise ChannelRefused(
                    "UnsupportedFeature", "postgres_changes is not supported locally; use broadcast"
                )
            claims = verify_token(token, self.config.jwt_secret)
            if private and not await rls_allows(self.config.admin_db_url, claims, topic, "read"):
                raise read_refused(topic)
        except ChannelRefused as refused:
            socket.reply(frame, "error", {"reason": refused.reason})
            return
        broadcast = config.get("broadcast") or {}
        socket.subscriptions[frame.topic] = Subscription(
            topic=topic,
            private=private,
            claims=claims,
            access_token=token,
            self_broadcast=bool(broadcast.get("self")),
            ack_broadcast=bool(broadcast.get("ack")),
        )
        socket.reply(frame, "ok", {"postgres_changes": []})

    async def _update_token(self, socket: Socket, frame: Frame) -> None:
        subscription = socket.subscriptions[frame.topic]
        token = frame.payload.get("access_token")
        if not isinstance(token, str) or token == subscription.access_token:
            return
        try:
            claims = verify_token(token, self.config.jwt_secret)
            if subscription.private and not await rls_allows(
                self.config.admin_db_url, claims, subscription.topic, "read"
            ):
                raise read_refused(subscription.topic)
        except ChannelRefused as refused:
            socket.shut_down(frame.topic, refused.message)
            return
        subscription.claims, subscription.access_token, subscription.may_write = claims, token, None

    async def _relay(self, socket: Socket, frame: Frame) -> None:
        subscription = socket.subscriptions[frame.topic]
        if subscription.private and subscription.may_write is None:
            try:
                subscription.may_write = await rls_allows(
                    self.config.admin_db_url, subscription.claims, subscription.topic, "write"
                )
            except ChannelRefused as refused:
                logger.warning("dropping a broadcast to %s: %s", subscription.topic, refused.reason)
                return
        if subscription.private and not subscription.may_write:
            return  # as Realtime: an unauthorised broadcast is dropped
        event, payload = frame.payload.get("event"), frame.payload.get("payload")
        body = {"type": "broadcast", "event": event, "payload": payload}
        self._broadcast(Frame(frame.topic, "broadcast", body), subscription.private, sender=socket)
        if subscription.ack_broadcast:
            socket.reply(frame, "ok", {})
