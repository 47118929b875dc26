"""A broadcast to a 2,000-customer segment with the sending worker killed half-way (SIGKILL, in the
middle of a call to Twilio) and started again: every eligible customer gets the message exactly once,
nobody without consent or opted out gets it, and customers who opt out while it runs are skipped.

The worker is `sapa jobs run broadcasts` in its own process, against the local stack, sending through
the real `twilio` SDK to a fake Twilio that answers at once; its 1,000th call is held unanswered
while the worker is killed, so that message went out without the worker recording it (the worker that
takes its claim over must find it at Twilio rather than send it again)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from fastapi.testclient import TestClient

from tests.api.inbox import Db, Shop
from tests.broadcasts.factories import add_customers, add_template, broadcast_body, give_twilio_account
from tests.broadcasts.fake_twilio import FakeTwilioMessages

ELIGIBLE = 2000
SAPA = str(Path(sys.executable).with_name("sapa"))


def _worker(fake: FakeTwilioMessages) -> subprocess.Popen[str]:
    environment = os.environ | {
        "SUPABASE_URL": os.environ["API_URL"],
        "SUPABASE_SERVICE_ROLE_KEY": os.environ["SERVICE_ROLE_KEY"],
        "SUPABASE_JWT_SECRET": os.environ["JWT_SECRET"],
        "TWILIO_API_BASE_URL": fake.url,
        "BROADCAST_MESSAGES_PER_SECOND": "500",
        "BROADCAST_LEASE_SECONDS": "1",
        "BROADCAST_BATCH_SIZE": "100",
    }
    return subprocess.Popen(
        [SAPA, "jobs", "run", "broadcasts"],
        env=environment,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _status(db: Db, broadcast_id: str) -> str:
    row = db.execute("select status::text from broadcasts where id = %s", (broadcast_id,)).fetchone()
    assert row is not None
    return str(row["status"])


def test_a_killed_worker_sends_nobody_twice_and_nobody_is_forgotten(
    api: TestClient, shop: Shop, db: Db, fake_twilio: FakeTwilioMessages
) -> None:
    give_twilio_account(db, shop)
    eligible = add_customers(db, shop.id, ELIGIBLE, prefix="+62877")
    add_customers(db, shop.id, 50, opted_in=False, prefix="+62878")
    add_customers(db, shop.id, 50, opted_out=True, prefix="+62879")
    segment = api.post(
        shop.url("segments"), json={"name": "Semua", "rules": {"all": []}}, headers=shop.owner.headers
    ).json()
    assert segment["count"] == ELIGIBLE + 100
    created = api.post(
        shop.url("broadcasts"),
        json=broadcast_body(add_template(db, shop.id), segment["id"]),
        headers=shop.owner.headers,
    ).json()
    assert (created["recipients"], created["skipped"]) == (ELIGIBLE, 100)
    assert (
        api.post(shop.url(f"broadcasts/{created['id']}/send"), headers=shop.owner.headers).status_code == 200
    )

    fake_twilio.hold_after = ELIGIBLE // 2
    first = _worker(fake_twilio)
    try:
        held = fake_twilio.holding.wait(180)
    finally:
        first.send_signal(signal.SIGKILL)
        first.wait(10)
    assert held, (
        f"the worker did not reach the {ELIGIBLE // 2}th send: {first.stderr.read() if first.stderr else ''}"
    )
    fake_twilio.release.set()
    sent_before = set(fake_twilio.to_numbers())
    assert ELIGIBLE // 2 <= len(sent_before) < ELIGIBLE, "killed half-way"

    # Ten customers not reached yet opt out meanwhile: the restarted worker must skip them.
    leaving = [
        row["customer_id"]
        for row in db.execute(
            "select customer_id::text from broadcast_recipients"
            " where broadcast_id = %s and status = 'pending' order by id limit 10",
            (created["id"],),
        )
    ]
    db.execute("update customers set opted_out_at = now() where id = any(%s::uuid[])", (leaving,))

    deadline = time.monotonic() + 240
    reports = []
    while _status(db, created["id"]) != "completed":
        assert time.monotonic() < deadline, "the broadcast did not complete"
        again = _worker(fake_twilio)
        out, err = again.communicate(timeout=240)
        assert again.returncode == 0, err
        reports.append(json.loads(out.strip().splitlines()[-1]))
        time.sleep(0.5)

    sent = fake_twilio.to_numbers()
    phones = {
        row["id"]: row["phone"]
        for row in db.execute("select id::text, phone from customers where store_id = %s", (shop.id,))
    }
    expected = {phones[c] for c in eligible} - {phones[c] for c in leaving}
    assert len(sent) == len(set(sent)), "nobody got it twice"
    assert set(sent) == expected, (
        "every eligible customer got it; nobody without consent, opted out or leaving"
    )
    assert sum(report.get("recovered", 0) for report in reports) >= 1, "the held message was found at Twilio"
    counts = api.get(shop.url(f"broadcasts/{created['id']}"), headers=shop.owner.headers).json()["counts"]
    assert counts == {
        "total": ELIGIBLE + 100, "queued": ELIGIBLE - 10, "sent": 0, "delivered": 0, "read": 0, "failed": 0,
        "skipped": 110,
    }  # fmt: skip
