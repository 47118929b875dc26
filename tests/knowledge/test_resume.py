"""A document processed in bounded runs (issue 20, finding 7): each run of the `extract_document` job
stores some batches of passages, reports its progress and queues its continuation; the document is
ready once every passage is stored, exactly once, whatever runs twice, at once, or dies half-way. The
real worker handler, database (PostgREST, pgvector), object storage and local embedder; the job queue
is a list the test drains."""

from __future__ import annotations

import io
import threading
from collections.abc import Sequence
from types import SimpleNamespace
from typing import Any

import pytest
from fastapi.testclient import TestClient

from sapa.db import get_supabase
from sapa.jobs.queue import Job
from sapa.jobs.worker import give_up, handle
from sapa.knowledge.documents import PROCESSING_FAILED, KnowledgeDeps, process_document, reading_key
from sapa.knowledge.embed import Embedder, embedder_from_settings
from sapa.knowledge.storage import object_store
from sapa.settings import Settings
from tests.api.inbox import Db, Shop
from tests.knowledge.conftest import stored_keys

BATCH = 4


def policy(rules: int, topic: str) -> bytes:
    """A text of `rules` paragraphs of ~400 characters: one passage each."""
    lines = [
        f"Aturan {topic} nomor {n}: " + " ".join(f"{topic}{n}x{w}" for w in range(40)) + "."
        for n in range(rules)
    ]
    return ("# Kebijakan " + topic + "\n" + "\n".join(lines)).encode()


class Held:
    """The app's queue and the worker's follow-up queue: jobs wait here until the test runs them."""

    def __init__(self) -> None:
        self.jobs: list[Job] = []

    def enqueue(self, job: Job) -> None:
        self.jobs.append(job)

    def enqueue_reply(self, store_id: str, message_id: str) -> None:
        raise AssertionError("no replies here")

    def enqueue_summary(self, conversation_id: str) -> None:
        raise AssertionError("no summaries here")


@pytest.fixture
def queue() -> Held:  # replaces conftest's RunNow: nothing runs until the test says so
    return Held()


def upload(api: TestClient, shop: Shop, name: str, data: bytes, **form: str) -> str:
    files = {"file": (name, io.BytesIO(data), "text/markdown")}
    created = api.post(shop.url("knowledge"), files=files, data=form, headers=shop.owner.headers)
    assert created.status_code == 201, created.text
    return str(created.json()["id"])


def run(settings: Settings, job: Job, follow_ups: Held | None) -> None:
    """One delivery of the job to the worker, one batch per run (budget 0)."""
    tight = settings.model_copy(update={"knowledge_job_budget_seconds": 0, "knowledge_batch_size": BATCH})
    handle(job, deps=SimpleNamespace(supabase=get_supabase(), settings=tight), follow_ups=follow_ups)  # type: ignore[arg-type]


def document(db: Db, document_id: str) -> dict[str, Any]:
    row = db.execute(
        "select status, error, chunk_count, chunks_total, chunks_done from knowledge_documents where id = %s",
        (document_id,),
    ).fetchone()
    assert row is not None
    return dict(row)


def ordinals(db: Db, document_id: str) -> list[int]:
    found = db.execute(
        "select ordinal from knowledge_chunks where document_id = %s order by ordinal", (document_id,)
    ).fetchall()
    return [int(r["ordinal"]) for r in found]


def test_a_document_is_stored_over_several_runs_and_ready_with_every_passage_once(
    api: TestClient, shop: Shop, db: Db, queue: Held, knowledge_settings: Settings, bucket: Any
) -> None:
    document_id = upload(api, shop, "retur.md", policy(18, "retur"))
    follow_ups = Held()
    runs, progress = 0, []
    pending = list(queue.jobs)
    while pending:
        run(knowledge_settings, pending.pop(0), follow_ups)
        runs += 1
        pending += follow_ups.jobs
        follow_ups.jobs.clear()
        row = document(db, document_id)
        progress.append(row["chunks_done"])
        if runs == 1:  # half-way: the progress is in the API's listing; the passages are not searchable
            assert row["status"] == "processing"
            listed = api.get(shop.url("knowledge"), headers=shop.agent.headers).json()
            assert [(d["status"], d["chunks_done"], d["chunks_total"]) for d in listed] == [
                ("processing", BATCH, row["chunks_total"])
            ]
            found = api.post(shop.url("knowledge/search"), json={"question": "aturan retur nomor 1"},
                             headers=shop.agent.headers)  # fmt: skip
            assert found.json()["passages"] == []
            assert reading_key(f"knowledge/{shop.id}/{document_id}/retur.md") in stored_keys(bucket, shop.id)

    total = document(db, document_id)["chunks_total"]
    assert total is not None and total > 3 * BATCH
    assert runs == -(-total // BATCH)  # one batch per run, each resuming where the last stopped
    assert progress == sorted(progress) and len(set(progress)) == runs and progress[-1] == total
    assert document(db, document_id) == {
        "status": "ready", "error": None, "chunk_count": total, "chunks_total": total, "chunks_done": total
    }  # fmt: skip
    assert ordinals(db, document_id) == list(range(total))
    assert stored_keys(bucket, shop.id) == [f"knowledge/{shop.id}/{document_id}/retur.md"]  # reading removed
    found = api.post(shop.url("knowledge/search"), json={"question": "aturan retur nomor 17"},
                     headers=shop.agent.headers).json()["passages"]  # fmt: skip
    assert found and found[0]["document_id"] == document_id


class Failing:
    """The local embedder, failing on its `fail_on`-th call (a crash or timeout in the middle of a run)."""

    def __init__(self, inner: Embedder, fail_on: int) -> None:
        self.inner, self.fail_on, self.calls = inner, fail_on, 0

    @property
    def model(self) -> str:
        return self.inner.model

    def embed_documents(self, texts: Sequence[str]) -> list[list[float]]:
        self.calls += 1
        if self.calls == self.fail_on:
            raise ConnectionError("the embedder went away")
        return self.inner.embed_documents(texts)

    def embed_query(self, text: str) -> list[float]:
        return self.inner.embed_query(text)


def test_a_run_that_dies_half_way_keeps_its_batches_and_the_redelivery_completes_it(
    api: TestClient, shop: Shop, db: Db, queue: Held, knowledge_settings: Settings
) -> None:
    document_id = upload(api, shop, "ongkir.md", policy(14, "ongkir"))
    embedder = embedder_from_settings(knowledge_settings)
    deps = KnowledgeDeps(get_supabase(), object_store(knowledge_settings), embedder, batch_size=BATCH)

    dying = KnowledgeDeps(deps.supabase, deps.store, Failing(embedder, fail_on=3), batch_size=BATCH)
    with pytest.raises(ConnectionError):
        process_document(dying, shop.id, document_id)

    half = document(db, document_id)
    assert (half["status"], half["chunks_done"]) == ("processing", 2 * BATCH)  # kept for the retry
    assert ordinals(db, document_id) == list(range(2 * BATCH))

    assert process_document(deps, shop.id, document_id) == "ready"  # the redelivery resumes at 8
    assert process_document(deps, shop.id, document_id) == "ready"  # and a late duplicate changes nothing
    total = document(db, document_id)["chunks_total"]
    assert ordinals(db, document_id) == list(range(total))
    assert document(db, document_id)["chunk_count"] == total


def test_two_runs_at_once_store_each_passage_once(
    api: TestClient, shop: Shop, db: Db, queue: Held, knowledge_settings: Settings
) -> None:
    document_id = upload(api, shop, "jam.md", policy(16, "jam"))
    embedder = embedder_from_settings(knowledge_settings)
    results: list[str | None] = []
    errors: list[BaseException] = []

    def run_once() -> None:
        deps = KnowledgeDeps(get_supabase(), object_store(knowledge_settings), embedder, batch_size=BATCH)
        try:
            results.append(process_document(deps, shop.id, document_id))
        except BaseException as error:  # reported below, not lost in the thread
            errors.append(error)

    threads = [threading.Thread(target=run_once) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=300)

    assert errors == [] and results == ["ready", "ready"]
    row = document(db, document_id)
    assert row["status"] == "ready" and ordinals(db, document_id) == list(range(row["chunks_total"]))


def test_a_replaced_document_answers_until_its_replacement_is_complete(
    api: TestClient, shop: Shop, db: Db, queue: Held, knowledge_settings: Settings
) -> None:
    old_id = upload(api, shop, "retur.md", b"# Retur\nRetur dalam 14 hari setelah barang diterima.")
    run(knowledge_settings, queue.jobs.pop(), None)  # no follow-up queue: the run goes on to the end
    assert document(db, old_id)["status"] == "ready"
    new_id = upload(api, shop, "retur-2025.md", policy(10, "retur"), replaces=old_id)
    follow_ups = Held()

    run(knowledge_settings, queue.jobs.pop(), follow_ups)

    assert document(db, new_id)["status"] == "processing" and len(follow_ups.jobs) == 1
    found = api.post(shop.url("knowledge/search"), json={"question": "retur 14 hari"},
                     headers=shop.agent.headers).json()["passages"]  # fmt: skip
    assert {p["document_id"] for p in found} == {old_id}
    while follow_ups.jobs:
        run(knowledge_settings, follow_ups.jobs.pop(), follow_ups)
    assert document(db, new_id)["status"] == "ready"
    assert db.execute("select id from knowledge_documents where id = %s", (old_id,)).fetchone() is None


def test_a_document_whose_runs_keep_failing_is_marked_failed_after_the_last_try(
    api: TestClient, shop: Shop, db: Db, queue: Held
) -> None:
    document_id = upload(api, shop, "x.md", b"# X\nSatu baris saja.")

    give_up(queue.jobs.pop(), ConnectionError("the embedder went away"))

    assert document(db, document_id)["status"] == "failed"
    assert document(db, document_id)["error"] == PROCESSING_FAILED
