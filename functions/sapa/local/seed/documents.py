"""DEV-ONLY: the demo store's knowledge documents (files in seed/files/), uploaded through the same
pipeline as the dashboard's upload (upload_document → the extract_document job) on the demo stack's
start when the store does not have them yet, so `make demo` has knowledge from the first question."""

from __future__ import annotations

import logging
import threading
import time
import uuid
from pathlib import Path

from sapa.local.seed.stores import DEMO

logger = logging.getLogger(__name__)

FILES_DIR = Path(__file__).resolve().parent / "files"
DEMO_RETURN_POLICY = FILES_DIR / "kebijakan-retur-batik-sapa.md"
"""The demo store's return policy (Indonesian and English), a Markdown file."""
DEMO_DOCUMENTS = [(DEMO_RETURN_POLICY, "text/markdown", "Kebijakan retur dan refund / Return policy")]


def seed_demo_documents() -> int:
    """Uploads and processes the demo documents the demo store lacks (by file name); returns how many."""
    from sapa.jobs.queue import Job
    from sapa.jobs.worker import knowledge_deps
    from sapa.knowledge.documents import Upload, process_document, upload_document
    from sapa.settings import get_settings

    deps = knowledge_deps(get_settings())
    supabase, store = deps.supabase, deps.store
    existing = supabase.table("knowledge_documents").select("filename").eq("store_id", DEMO.store_id)
    present = {str(row["filename"]) for row in existing.execute().data if isinstance(row, dict)}

    class RunNow:
        """Processes the document in this thread: the same job, without a queue."""

        def enqueue(self, job: Job) -> None:
            if job.store_id and job.document_id:
                process_document(deps, job.store_id, job.document_id)

    added = 0
    for path, content_type, title in DEMO_DOCUMENTS:
        if path.name in present:
            continue
        upload = Upload(path.read_bytes(), content_type, path.name, title)
        upload_document(supabase, store, RunNow(), store_id=uuid.UUID(DEMO.store_id), upload=upload,
                        uploaded_by=None)  # fmt: skip
        added += 1
    return added


def seed_demo_documents_in_background(attempts: int = 20) -> None:
    """Off the event loop (the gateway it calls is served by it); retried while the stack settles."""

    def run() -> None:
        for attempt in range(1, attempts + 1):
            try:
                added = seed_demo_documents()
                if added:
                    logger.warning("demo knowledge: %d document(s) uploaded and processed", added)
                return
            except Exception:
                if attempt == attempts:
                    logger.exception("could not seed the demo store's knowledge documents")
                time.sleep(0.5)

    threading.Thread(target=run, name="seed-demo-documents", daemon=True).start()
