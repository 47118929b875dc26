"""The Realtime stand-in, driven through the gateway by supabase-py's async realtime client (vsn
1.0.0) and by raw websockets speaking vsn 2.0.0 as realtime-js does. Private topics are authorised by
a policy these tests create on realtime.messages: `test:<user id>` is readable by that user."""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import jwt
import psycopg
import pytest
from psycopg import sql
from realtime import RealtimeChannelConfig, RealtimeChannelOptions, RealtimeSubscribeStates
from supabase import AsyncClient, acreate_client
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import InvalidStatus

from sapa.local.config import StackConfig
from tests.local.conftest import Account

MakeUser = Callable[..., Account]
pytestmark = pytest.mark.anyio


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture
def own_topic_policies(local_config: StackConfig) -> Iterator[None]:
    """Users may read the private topic `test:<their id>`, and send to it with a `may_send` claim."""
    read, write = f"test read {uuid.uuid4().hex}", f"test write {uuid.uuid4().hex}"
    own_topic = "realtime.topic() = 'test:' || auth.uid()::text and extension = 'broadcast'"
    may_send = f"{own_topic} and auth.jwt() ->> 'may_send' = 'yes'"
    with psycopg.connect(local_config.db_url, autocommit=True) as conn:
        conn.execute(
            sql.SQL("create policy {} on realtime.messages for select to authenticated using ({})").format(
                sql.Identifier(read), sql.SQL(own_topic)
            )
        )
        conn.execute(
            sql.SQL(
                "create policy {} on realtime.messages for insert to authenticated with check ({})"
            ).format(sql.Identifier(write), sql.SQL(may_send))
        )
    yield
    with psycopg.connect(local_config.db_url, autocommit=True) as conn:
        for name in (read, write):
            conn.execute(sql.SQL("drop policy {} on realtime.messages").format(sql.Identifier(name)))


def send_from_database(
    config: StackConfig, topic: str, event: str, payload: dict[str, Any], private: bool
) -> None:
    with psycopg.connect(config.db_url, autocommit=True) as conn:
        conn.execute(
            "select realtime.send(%s::jsonb, %s, %s, %s)", [json.dumps(payload), event, topic, private]
        )


async def signed_in_client(config: StackConfig, user: Account) -> AsyncClient:
    client = await acreate_client(config.api_url, config.anon_key)
    session = (
        await client.auth.sign_in_with_password({"email": user.email, "password": user.password})
    ).session
    assert session is not None
    await client.realtime.set_auth(session.access_token)
    return client


async def subscribe(
    client: AsyncClient, topic: str, received: asyncio.Queue[tuple[float, Any]]
) -> tuple[str, str]:
    """Join `topic` privately, putting each broadcast on `received`; returns the subscribe state and error."""
    outcome: list[tuple[str, str]] = []

    def on_status(state: RealtimeSubscribeStates, error: Exception | None) -> None:
        outcome.append((state.value, str(error or "")))

    config = RealtimeChannelConfig(broadcast=None, presence=None, private=True)
    channel = client.channel(topic, RealtimeChannelOptions(config=config))
    channel.on_broadcast("*", lambda message: received.put_nowait((time.perf_counter(), message)))
    await channel.subscribe(on_status)
    return outcome[0]


async def test_a_broadcast_from_the_database_reaches_a_private_subscriber_within_a_second(
    local_config: StackConfig, make_user: MakeUser, own_topic_policies: None
) -> None:
    user = make_user()
    client = await signed_in_client(local_config, user)
    received: asyncio.Queue[tuple[float, Any]] = asyncio.Queue()
    topic = f"test:{user.id}"
    try:
        assert await subscribe(client, topic, received) == ("SUBSCRIBED", "")
        change = {
            "record": {"id": 1, "body": "Halo"},
            "old_record": None,
            "operation": "INSERT",
            "table": "messages",
            "schema": "public",
        }

        sent_at = time.perf_counter()
        await asyncio.to_thread(send_from_database, local_config, topic, "INSERT", change, True)
        arrived_at, message = await asyncio.wait_for(received.get(), timeout=1.0)
    finally:
        await client.remove_all_channels()

    print(
        f"\nbroadcast from database reached the supabase-py client in {(arrived_at - sent_at) * 1000:.1f} ms"
    )
    assert message["event"] == "INSERT"
    assert {key: message["payload"][key] for key in change} == change  # realtime.send adds an "id"
    assert message["meta"]["id"] == message["payload"]["id"]


async def test_joining_a_topic_rls_does_not_allow_is_refused(
    local_config: StackConfig, make_user: MakeUser, own_topic_policies: None
) -> None:
    owner, stranger = make_user(), make_user()
    client = await signed_in_client(local_config, stranger)
    try:
        state, error = await subscribe(client, f"test:{owner.id}", asyncio.Queue())
    finally:
        await client.remove_all_channels()

    assert state == "CHANNEL_ERROR"
    assert f"You do not have permissions to read from this Channel topic: test:{owner.id}" in error


# Raw websockets, vsn 2.0.0 as realtime-js speaks it ------------------------------------------------


class RawSocket:
    def __init__(self, connection: ClientConnection) -> None:
        self.connection = connection
        self.ref = 0

    async def push(self, topic: str, event: str, payload: dict[str, Any], join_ref: str | None = None) -> str:
        self.ref += 1
        ref = str(self.ref)
        if event == "phx_join":
            join_ref = ref  # as Phoenix clients do: a join's ref becomes the channel's join_ref
        await self.connection.send(json.dumps([join_ref, ref, topic, event, payload]))
        return ref

    async def receive(self) -> list[Any]:
        frame: list[Any] = json.loads(await asyncio.wait_for(self.connection.recv(), 2.0))
        return frame

    async def join(self, topic: str, token: str, *, private: bool, self_broadcast: bool = False) -> list[Any]:
        config = {
            "broadcast": {"ack": True, "self": self_broadcast},
            "presence": {"key": "", "enabled": False},
            "postgres_changes": [],
            "private": private,
        }
        ref = await self.push(f"realtime:{topic}", "phx_join", {"config": config, "access_token": token})
        reply = await self.receive()
        assert reply[:4] == [ref, ref, f"realtime:{topic}", "phx_reply"], reply
        return reply

    async def nothing_arrives(self, within: float = 0.3) -> bool:
        try:
            await asyncio.wait_for(self.connection.recv(), within)
        except TimeoutError:
            return True
        return False


def websocket_url(config: StackConfig, apikey: str) -> str:
    return f"ws://{config.host}:{config.gateway_port}/realtime/v1/websocket?apikey={apikey}&vsn=2.0.0"


def access_token(config: StackConfig, user: Account, expires_in: int = 3600, **extra: str) -> str:
    now = int(time.time())
    claims = {
        "sub": str(user.id),
        "role": "authenticated",
        "aud": "authenticated",
        "iat": now,
        "exp": now + expires_in,
    }
    return jwt.encode({**claims, **extra}, config.jwt_secret, algorithm="HS256")


def user_broadcast_push(join_ref: str, ref: str, topic: str, event: str, payload: dict[str, Any]) -> bytes:
    """realtime-js' binary encoding of `channel.send({type: 'broadcast', ...})` (kind 3, JSON payload)."""
    fields = [part.encode() for part in (join_ref, ref, topic, event, "")]  # "" = no metadata
    header = bytes([3, *(len(part) for part in fields), 1])  # kind 3 ... encoding 1 = JSON
    return header + b"".join(fields) + json.dumps(payload).encode()


async def test_heartbeats_are_answered_and_unjoined_topics_are_unmatched(local_config: StackConfig) -> None:
    async with connect(websocket_url(local_config, local_config.anon_key)) as connection:
        socket = RawSocket(connection)
        heartbeat = await socket.push("phoenix", "heartbeat", {})
        assert await socket.receive() == [
            None,
            heartbeat,
            "phoenix",
            "phx_reply",
            {"status": "ok", "response": {}},
        ]
        stray = await socket.push("realtime:nowhere", "broadcast", {"event": "x", "payload": {}})
        assert (await socket.receive())[1:] == [
            stray,
            "realtime:nowhere",
            "phx_reply",
            {"status": "error", "response": {"reason": "unmatched topic"}},
        ]


async def test_an_unknown_apikey_cannot_open_a_socket(local_config: StackConfig) -> None:
    with pytest.raises(InvalidStatus) as refused:
        async with connect(websocket_url(local_config, "not-a-key")):
            pass
    assert refused.value.response.status_code == 401


async def test_an_expired_token_cannot_join(local_config: StackConfig, make_user: MakeUser) -> None:
    expired = access_token(local_config, make_user(), expires_in=-5)
    async with connect(websocket_url(local_config, local_config.anon_key)) as connection:
        reply = await RawSocket(connection).join("public-room", expired, private=False)
    assert reply[4]["status"] == "error"
    assert reply[4]["response"]["reason"].startswith("InvalidJWTToken: Token has expired")


async def test_public_subscribers_get_public_messages_only(local_config: StackConfig) -> None:
    topic = f"room-{uuid.uuid4().hex}"
    async with connect(websocket_url(local_config, local_config.anon_key)) as connection:
        socket = RawSocket(connection)
        reply = await socket.join(topic, local_config.anon_key, private=False)
        assert reply[4] == {"status": "ok", "response": {"postgres_changes": []}}

        await asyncio.to_thread(send_from_database, local_config, topic, "secret", {"n": 1}, True)
        await asyncio.to_thread(send_from_database, local_config, topic, "hello", {"n": 2}, False)
        frame = await socket.receive()

    assert frame[2:4] == [f"realtime:{topic}", "broadcast"]
    assert frame[4]["type"] == "broadcast" and frame[4]["event"] == "hello" and frame[4]["payload"]["n"] == 2


async def test_client_broadcasts_are_relayed_to_the_other_subscribers(local_config: StackConfig) -> None:
    topic = f"room-{uuid.uuid4().hex}"
    url = websocket_url(local_config, local_config.anon_key)
    async with connect(url) as first, connect(url) as second:
        sender, listener = RawSocket(first), RawSocket(second)
        join_ref = (await sender.join(topic, local_config.anon_key, private=False))[0]
        await listener.join(topic, local_config.anon_key, private=False)

        await first.send(user_broadcast_push(join_ref, "9", f"realtime:{topic}", "typing", {"who": "Ayu"}))

        relayed = await listener.receive()
        ack = await sender.receive()
        assert await sender.nothing_arrives()  # broadcast.self is false

    assert relayed == [
        None,
        None,
        f"realtime:{topic}",
        "broadcast",
        {"type": "broadcast", "event": "typing", "payload": {"who": "Ayu"}},
    ]
    assert ack == [join_ref, "9", f"realtime:{topic}", "phx_reply", {"status": "ok", "response": {}}]


async def test_private_client_broadcasts_need_an_insert_policy(
    local_config: StackConfig, make_user: MakeUser, own_topic_policies: None
) -> None:
    owner = make_user()
    topic = f"test:{owner.id}"
    url = websocket_url(local_config, local_config.anon_key)
    async with connect(url) as first, connect(url) as second:
        writer, listener = RawSocket(first), RawSocket(second)
        join_ref = (await writer.join(topic, access_token(local_config, owner), private=True))[0]
        await listener.join(topic, local_config.service_role_key, private=True)  # bypasses RLS

        await first.send(user_broadcast_push(join_ref, "5", f"realtime:{topic}", "note", {"n": 1}))
        assert await listener.nothing_arrives()  # the insert policy wants the may_send claim
        may_send = access_token(local_config, owner, may_send="yes")
        await writer.push(f"realtime:{topic}", "access_token", {"access_token": may_send}, join_ref)
        await first.send(user_broadcast_push(join_ref, "7", f"realtime:{topic}", "note", {"n": 2}))

        assert (await listener.receive())[4]["payload"] == {"n": 2}


async def test_a_token_update_that_loses_access_closes_the_channel(
    local_config: StackConfig, make_user: MakeUser, own_topic_policies: None
) -> None:
    owner, stranger = make_user(), make_user()
    topic = f"realtime:test:{owner.id}"
    async with connect(websocket_url(local_config, local_config.anon_key)) as connection:
        socket = RawSocket(connection)
        join_ref = (await socket.join(f"test:{owner.id}", access_token(local_config, owner), private=True))[0]

        await socket.push(
            topic, "access_token", {"access_token": access_token(local_config, stranger)}, join_ref
        )
        system, close = await socket.receive(), await socket.receive()

    assert system[2:4] == [topic, "system"] and system[4]["status"] == "error"
    assert (
        system[4]["message"]
        == f"You do not have permissions to read from this Channel topic: test:{owner.id}"
    )
    assert close[2:4] == [topic, "phx_close"]


async def test_after_leaving_nothing_more_arrives(local_config: StackConfig) -> None:
    topic = f"room-{uuid.uuid4().hex}"
    async with connect(websocket_url(local_config, local_config.anon_key)) as connection:
        socket = RawSocket(connection)
        join_ref = (await socket.join(topic, local_config.anon_key, private=False))[0]
        leave = await socket.push(f"realtime:{topic}", "phx_leave", {}, join_ref)
        assert (await socket.receive())[1:] == [
            leave,
            f"realtime:{topic}",
            "phx_reply",
            {"status": "ok", "response": {}},
        ]

        await asyncio.to_thread(send_from_database, local_config, topic, "late", {}, False)
        assert await socket.nothing_arrives()


async def test_a_channel_whose_token_lapses_is_closed_instead_of_fed(
    local_config: StackConfig, make_user: MakeUser
) -> None:
    topic = f"room-{uuid.uuid4().hex}"
    async with connect(websocket_url(local_config, local_config.anon_key)) as connection:
        socket = RawSocket(connection)
        reply = await socket.join(topic, access_token(local_config, make_user(), expires_in=2), private=False)
        assert reply[4]["status"] == "ok"
        await asyncio.sleep(2.1)

        await asyncio.to_thread(send_from_database, local_config, topic, "late", {}, False)
        system, close = await socket.receive(), await socket.receive()

    assert system[3] == "system" and system[4]["message"].startswith("Token has expired")
    assert close[2:4] == [f"realtime:{topic}", "phx_close"]
