"""How a large text document goes through the `extract_document` job in bounded runs (issue 20,
finding 7): number of runs, seconds per run (each must stay under the budget), progress, total time.

Run inside a local stack:
    .venv/bin/sapa exec --profile test -- .venv/bin/python scripts/bench_extraction.py [--mib 4]

A text of about `--mib` MiB (the evaluation documents, numbered and repeated) is uploaded to a scratch
store (upload_document, the API's path); then its job runs as the worker runs it (sapa.jobs.worker's
knowledge_deps: the local embedder, KNOWLEDGE_JOB_BUDGET_SECONDS, KNOWLEDGE_BATCH_SIZE), each run's
continuation going on a list that is drained one run at a time. The store is deleted afterwards."""

from __future__ import annotations

import argparse
import sys
import time
import uuid
from pathlib import Path

from supabase import create_client

from sapa.jobs.queue import Job
from sapa.knowledge import limits
from sapa.knowledge.documents import KnowledgeDeps, Upload, process_document, reading_key, upload_document
from sapa.knowledge.embed import embedder_from_settings
from sapa.knowledge.storage import knowledge_key, object_store

sys.path.insert(0, str(Path(__file__).resolve().parent))
from eval_knowledge import EVAL_DIR, settings_from_stack


def document_text(mib: float) -> bytes:
    sources = sorted((EVAL_DIR / "documents").glob("*.md")) or sorted(EVAL_DIR.rglob("*.md"))
    base = "\n\n".join(path.read_text() for path in sources)
    parts, size, copy = [], 0, 0
    while size < mib * 1024 * 1024:
        part = f"# Bagian {copy}\n" + base.replace("\n# ", f"\n# ({copy}) ") + "\n\n"
        parts.append(part)
        size += len(part.encode())
        copy += 1
    data = "".join(parts).encode()[: min(int(mib * 1024 * 1024), limits.MAX_UPLOAD_BYTES)]
    return data[: data.rindex(b"\n") + 1]  # whole lines, at most the upload limit


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--mib", type=float, default=4.0)
    parser.add_argument("--max-runs", type=int, default=0, help="stop after this many runs (0: until ready)")
    args = parser.parse_args()
    settings = settings_from_stack()
    supabase = create_client(settings.supabase_url, settings.supabase_service_role_key.get_secret_value())
    store = object_store(settings)
    deps = KnowledgeDeps(
        supabase,
        store,
        embedder_from_settings(settings),
        budget_seconds=settings.knowledge_job_budget_seconds,
        batch_size=settings.knowledge_batch_size,
    )
    jobs: list[Job] = []

    class Queue:
        def enqueue(self, job: Job) -> None:
            jobs.append(job)

    store_id = uuid.uuid4()
    supabase.table("stores").insert({"id": str(store_id), "name": "Sapa extraction bench"}).execute()
    data = document_text(args.mib)
    mib = len(data) / 1024 / 1024
    print(f"document {mib:.2f} MiB, budget {deps.budget_seconds:.0f} s, batch {deps.batch_size}")
    upload = Upload(data, "text/plain", "large.txt")
    created = upload_document(supabase, store, Queue(), store_id=store_id, upload=upload, uploaded_by=None)
    key = knowledge_key(str(store_id), str(created.id), upload.filename)
    try:
        runs, started = 0, time.monotonic()
        while jobs and (not args.max_runs or runs < args.max_runs):
            job = jobs.pop(0)
            assert job.store_id and job.document_id
            run_started = time.monotonic()
            status = process_document(deps, job.store_id, job.document_id, lambda job=job: jobs.append(job))
            runs += 1
            row = (
                supabase.table("knowledge_documents")
                .select("chunks_total, chunks_done")
                .eq("id", str(created.id))
                .execute()
                .data[0]
            )
            print(
                f"run {runs}: {time.monotonic() - run_started:.1f} s, {status}, "
                f"{row['chunks_done']}/{row['chunks_total']} passages",  # type: ignore[call-overload,index]
                flush=True,
            )
        print(f"{runs} runs, {time.monotonic() - started:.1f} s in all, pending runs: {len(jobs)}")
    finally:
        store.delete(key)
        store.delete(reading_key(key))
        supabase.table("stores").delete().eq("id", str(store_id)).execute()


if __name__ == "__main__":
    main()
