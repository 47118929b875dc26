"""The scheduled jobs through `sapa jobs` against the running test stack (as an operator or cron runs
them): listed with their schedules and last runs; a run killed half-way loses nothing and the next run
(after the lease) finishes the work; a second run changes nothing; two runners started at once never
work on the same store at the same time."""

from __future__ import annotations

import itertools
import json
import os
import secrets
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from typing import Any

import boto3
import psycopg
import pytest
from psycopg.rows import DictRow, dict_row

from tests.conftest import Stack

Db = psycopg.Connection[DictRow]
OLD_CONVERSATIONS = 20
MESSAGES_EACH = 50


def sapa_jobs(*args: str, **env: str) -> subprocess.Popen[str]:
    """`sapa jobs ARGS --profile test` with the stack found by its profile (no SUPABASE_URL), extra env."""
    environment = {k: v for k, v in os.environ.items() if k != "SUPABASE_URL"} | env
    command = [sys.executable, "-m", "sapa.cli", "jobs", *args, "--profile", "test"]
    return subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=environment
    )


def finish(process: subprocess.Popen[str]) -> tuple[int, list[dict[str, Any]], str]:
    out, err = process.communicate(timeout=120)
    return process.returncode, [json.loads(line) for line in out.splitlines()], err


@pytest.fixture
def db(stack: Stack) -> Iterator[Db]:
    with psycopg.connect(stack.db_url, autocommit=True, row_factory=dict_row) as conn:
        yield conn


@pytest.fixture
def old_store(db: Db) -> Iterator[str]:
    """A store keeping 1 month, with 20 conversations of 50 messages 3 months old (one a photo kept in
    S3) and one recent conversation."""
    row = db.execute(
        "insert into stores (name, retention_months, timezone) values ('Toko Lama', 1, 'Asia/Jakarta')"
        " returning id::text"
    ).fetchone()
    assert row is not None
    store_id: str = row["id"]
    db.execute(
        """
        with customers as (
          insert into customers (store_id, phone, first_seen_at)
          select %(store)s, '+62877' || lpad(i::text, 7, '0'), now() - interval '3 months'
          from generate_series(1, %(n)s + 1) i
          returning id, phone
        ), conversations as (
          insert into conversations (store_id, customer_id, status, resolved_at, resolution, created_at)
          select %(store)s, id, 'resolved', now() - interval '3 months', 'human',
                 case when phone = '+62877' || lpad((%(n)s + 1)::text, 7, '0') then now() - interval '1 day'
                      else now() - interval '3 months' end
          from customers
          returning id, created_at
        )
        insert into messages (store_id, conversation_id, direction, sender, body, status, created_at)
        select %(store)s, c.id, 'inbound', 'customer', 'pesan ' || j, 'received',
               c.created_at + j * interval '1 second'
        from conversations c, generate_series(1, %(each)s) j
        """,
        {"store": store_id, "n": OLD_CONVERSATIONS, "each": MESSAGES_EACH},
    )
    key = f"media/{store_id}/{secrets.token_hex(8)}/0.jpg"
    s3().put_object(
        Bucket=os.environ["KNOWLEDGE_BUCKET"], Key=key, Body=b"\xff\xd8photo", ContentType="image/jpeg"
    )
    db.execute(
        "insert into messages (store_id, conversation_id, direction, sender, body, status, created_at,"
        " media) select store_id, id, 'inbound', 'customer', '', 'received', created_at, %s::jsonb"
        " from conversations where store_id = %s and created_at < now() - interval '2 months' limit 1",
        (json.dumps([{"content_type": "image/jpeg", "storage_key": key}]), store_id),
    )
    yield store_id
    db.execute("delete from stores where id = %s", (store_id,))


def s3() -> Any:
    return boto3.client(
        "s3",
        endpoint_url=os.environ["S3_ENDPOINT_URL"],
        region_name="us-east-1",
        aws_access_key_id="local",  # the stack's moto server takes any credentials
        aws_secret_access_key="local",
    )


def kept_objects(store_id: str) -> int:
    listed = s3().list_objects_v2(Bucket=os.environ["KNOWLEDGE_BUCKET"], Prefix=f"media/{store_id}/")
    return int(listed.get("KeyCount", 0))


def counts(db: Db, store_id: str) -> tuple[int, int]:
    row = db.execute(
        "select (select count(*) from messages where store_id = %(s)s) as messages,"
        " (select count(*) from conversations where store_id = %(s)s) as conversations",
        {"s": store_id},
    ).fetchone()
    assert row is not None
    return row["messages"], row["conversations"]


def runs(db: Db, store_id: str, job: str = "retention") -> list[dict[str, Any]]:
    return db.execute(
        "select * from job_runs where store_id = %s and job = %s order by started_at", (store_id, job)
    ).fetchall()


def test_a_retention_run_killed_half_way_is_finished_by_the_next_and_a_third_changes_nothing(
    db: Db, old_store: str
) -> None:
    recent = (MESSAGES_EACH, 1)
    assert counts(db, old_store) == (MESSAGES_EACH * (OLD_CONVERSATIONS + 1) + 1, OLD_CONVERSATIONS + 1)
    assert kept_objects(old_store) == 1

    first = sapa_jobs("run", "retention", "--store", old_store, RETENTION_BATCH_SIZE="20")
    deadline = time.monotonic() + 60
    while not any(run["rows_touched"] >= 100 for run in runs(db, old_store)):
        assert first.poll() is None, first.communicate()
        assert time.monotonic() < deadline
        time.sleep(0.02)
    first.send_signal(signal.SIGKILL)
    first.wait()
    messages_left, _ = counts(db, old_store)
    assert recent[0] < messages_left < MESSAGES_EACH * (OLD_CONVERSATIONS + 1)
    [killed] = runs(db, old_store)
    assert killed["finished_at"] is None  # its lease still holds

    code, [skipped], _ = finish(sapa_jobs("run", "retention", "--store", old_store))
    assert (code, skipped["skipped"]) == (0, True)  # the lease keeps a second runner off

    time.sleep(1.5)
    code, [resumed], err = finish(
        sapa_jobs("run", "retention", "--store", old_store, SCHEDULED_JOB_LEASE_SECONDS="1")
    )
    assert code == 0, err
    assert (resumed["more"], resumed["error"]) == (False, None)
    assert counts(db, old_store) == recent  # every old message and conversation, none of the recent ones
    assert kept_objects(old_store) == 0  # the old photo's object went from S3 too
    abandoned, done = runs(db, old_store)
    assert abandoned["error"].startswith("abandoned") and done["rows_touched"] == resumed["rows_touched"] > 0

    code, [again], _ = finish(sapa_jobs("run", "retention", "--store", old_store))
    assert (code, again["rows_touched"], again["error"]) == (0, 0, None)


def test_two_runners_at_once_never_work_on_the_same_store_together(db: Db, old_store: str) -> None:
    expected = MESSAGES_EACH * OLD_CONVERSATIONS + 1 + OLD_CONVERSATIONS  # old messages + conversations
    both = [sapa_jobs("run", "retention", "--store", old_store, RETENTION_BATCH_SIZE="25") for _ in range(2)]
    results = [finish(process) for process in both]

    assert [code for code, _, _ in results] == [0, 0], [err for _, _, err in results]
    reported = [run for _, lines, _ in results for run in lines]
    assert sum(run["rows_touched"] for run in reported) == expected
    assert counts(db, old_store) == (MESSAGES_EACH, 1)
    recorded = [run for run in runs(db, old_store) if run["finished_at"] is not None]
    for earlier, later in itertools.pairwise(recorded):
        assert earlier["finished_at"] <= later["started_at"]  # never two at the same time


def test_assumed_resolutions_and_the_list_of_jobs(db: Db, old_store: str) -> None:
    silent = db.execute(
        "insert into customers (store_id, phone) values (%s, '+6287799999999') returning id", (old_store,)
    ).fetchone()
    assert silent is not None
    conversation = db.execute(
        "insert into conversations (store_id, customer_id, created_at)"
        " values (%s, %s, now() - interval '2 days') returning id",
        (old_store, silent["id"]),
    ).fetchone()
    assert conversation is not None
    db.execute(
        "insert into messages (store_id, conversation_id, direction, sender, body, status, created_at) values"
        " (%(s)s, %(c)s, 'inbound', 'customer', 'ada stok?', 'received', now() - interval '2 days'),"
        " (%(s)s, %(c)s, 'outbound', 'bot', 'ada kak', 'sent',"
        "  now() - interval '2 days' + interval '5 seconds')",
        {"s": old_store, "c": conversation["id"]},
    )

    code, [run], err = finish(sapa_jobs("run", "assumed-resolutions", "--store", old_store))

    assert code == 0, err
    assert run["rows_touched"] == 1
    resolved = db.execute(
        "select status, resolution from conversations where id = %s", (conversation["id"],)
    ).fetchone()
    assert resolved == {"status": "resolved", "resolution": "bot_assumed"}
    listed = sapa_jobs("list")
    out, err = listed.communicate(timeout=60)
    assert listed.returncode == 0, err
    lines = {line.split()[0]: line for line in out.splitlines()[1:]}
    assert list(lines) == [
        "assumed-resolutions",
        "retention",
        "stale-sends",
        "woocommerce-health",
        "broadcasts",
    ]
    assert "rate(15 minutes)" in lines["assumed-resolutions"] and "started" in lines["assumed-resolutions"]
    assert "rate(1 minute)" in lines["broadcasts"]


def test_an_unknown_job_or_store_is_a_clear_error() -> None:
    code, _, err = finish(sapa_jobs("run", "purge-everything"))
    assert code == 2 and "assumed-resolutions" in err
    code, _, err = finish(sapa_jobs("run", "retention", "--store", "00000000-0000-0000-0000-000000000000"))
    assert code == 1 and "no store" in err
