"""The webhook-health job runs by itself: an EventBridge schedule on the background function (AWS), and by
hand or from cron as `sapa jobs run woocommerce-health` against the running local stack."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import yaml

from sapa.jobs.scheduled import JOBS
from sapa.local.config import StackConfig
from sapa.local.stack import local_credentials_key
from sapa.stores.crypto import CredentialsCipher
from tests.commerce.conftest import Db
from tests.commerce.fake_woocommerce import KEY, SECRET, FakeWooCommerce

ROOT = Path(__file__).resolve().parents[2]


def test_the_background_function_runs_the_health_job_on_a_schedule() -> None:
    spec = yaml.safe_load((ROOT / "serverless.yml").read_text())
    events = spec["functions"]["background"]["events"]
    [schedule] = [
        event["schedule"]
        for event in events
        if "schedule" in event and event["schedule"]["input"] == {"scheduled": "woocommerce-health"}
    ]
    assert schedule["rate"] == JOBS["woocommerce-health"].schedule == "rate(15 minutes)"


def test_the_cli_checks_a_store_and_reenables_its_disabled_webhook(db: Db, woo: FakeWooCommerce) -> None:
    config = StackConfig.for_profile("test")
    cipher = CredentialsCipher(local_credentials_key(config))
    row = db.execute(
        "insert into stores (name, site_url, woocommerce_connected_at) values ('Toko CLI', %s, now())"
        " returning id::text",
        (woo.url,),
    ).fetchone()
    assert row is not None
    store_id = row["id"]
    try:
        delivery_url = f"https://sapa.example.com/webhooks/woocommerce/{store_id}"
        for topic in ("order.created", "order.updated"):
            woo._create_webhook(
                {"name": f"Sapa {topic}", "topic": topic, "delivery_url": delivery_url, "secret": "s"}
            )
        ids = sorted(woo.webhooks)
        woo.webhooks[ids[1]]["status"] = "disabled"
        db.execute(
            "insert into store_credentials (store_id, woocommerce_webhook_secret,"
            " woocommerce_consumer_key_encrypted, woocommerce_consumer_secret_encrypted,"
            " woocommerce_webhook_ids) values (%s, 's', %s, %s, %s)",
            (store_id, cipher.encrypt(KEY), cipher.encrypt(SECRET), ids),
        )
        env = {k: v for k, v in os.environ.items() if k != "SUPABASE_URL"}
        done = subprocess.run(
            [
                sys.executable,
                "-m",
                "sapa.cli",
                "jobs",
                "run",
                "woocommerce-health",
                "--profile",
                "test",
                "--store",
                store_id,
            ],
            capture_output=True,
            text=True,
            env=env,
            timeout=120,
            check=False,
        )
        assert done.returncode == 0, done.stderr
        [report] = [json.loads(line) for line in done.stdout.splitlines()]
        states = {w["topic"]: w for w in report["webhooks"]}
        assert states["order.updated"]["reenabled"] is True and states["order.updated"]["status"] == "active"
        assert woo.webhooks[ids[1]]["status"] == "active"
        assert len(report["webhooks"]) == 11  # the missing nine were created again
        checked = db.execute(
            "select count(*) as n from woocommerce_webhooks where store_id = %s and status = 'active'",
            (store_id,),
        ).fetchone()
        assert checked == {"n": 11}
    finally:
        db.execute("delete from stores where id = %s", (store_id,))
