"""Retrieval and answer quality of the knowledge pipeline on its evaluation set (tests/knowledge/eval).

Run inside a local stack:
    .venv/bin/sapa exec --profile test -- .venv/bin/python scripts/eval_knowledge.py [--json]

Two question sets over the same documents, printed separately: the tuning set (questions.json, which
the retrieval and the responder were tuned on) and the held-out set (heldout.json, written before that
tuning and never tuned on: the honest figure).

The documents go through the real pipeline (upload_document → process_document: extraction, chunking,
local embeddings, store_knowledge_chunks) into a scratch store, which is deleted afterwards. Then:
- retrieval hit@3: share of questions whose gold passage (the one containing the question's `gold`
  text) is among the 3 passages match_knowledge returns;
- answer groundedness: share of offline answers (sapa.assistant.answer, no LLM) that quote the gold
  passage, plus, for questions no document answers, that cite no document (hand off or say so);
- the similarity threshold: the best passage's cosine similarity for answerable questions (gold found
  at rank 1) vs unanswerable ones, and the threshold that separates them best (the offline responder's
  KNOWLEDGE_THRESHOLD is set from it)."""

from __future__ import annotations

import argparse
import json
import os
import sys
import uuid
from pathlib import Path
from statistics import median
from typing import Any

from supabase import create_client

from sapa.assistant import AssistantRequest, ShopData, answer
from sapa.assistant.offline import KNOWLEDGE_THRESHOLD
from sapa.jobs.queue import Job
from sapa.knowledge.documents import KnowledgeDeps, Upload, process_document, upload_document
from sapa.knowledge.embed import embedder_from_settings
from sapa.knowledge.retrieve import search
from sapa.knowledge.storage import object_store
from sapa.settings import Settings

EVAL_DIR = Path(__file__).resolve().parents[1] / "tests" / "knowledge" / "eval"


def settings_from_stack() -> Settings:
    os.environ.setdefault("AWS_ACCESS_KEY_ID", "local")
    os.environ.setdefault("AWS_SECRET_ACCESS_KEY", "local")
    os.environ.setdefault("AWS_DEFAULT_REGION", "us-east-1")
    return Settings(
        supabase_url=os.environ["API_URL"],
        supabase_service_role_key=os.environ["SERVICE_ROLE_KEY"],
        supabase_jwt_secret=os.environ["JWT_SECRET"],
        aws_endpoint_url=os.environ["S3_ENDPOINT_URL"],
        knowledge_bucket=os.environ.get("KNOWLEDGE_BUCKET", "sapa-knowledge"),
        openai_api_key=None,
        embedding_provider="local",
    )


QUESTION_SETS = {"tuning": "questions.json", "held-out": "heldout.json"}


def evaluate(settings: Settings) -> dict[str, dict[str, Any]]:
    """The scores of each question set (QUESTION_SETS), by its name."""
    spec = json.loads((EVAL_DIR / "questions.json").read_text())
    supabase = create_client(settings.supabase_url, settings.supabase_service_role_key.get_secret_value())
    store = object_store(settings)
    deps = KnowledgeDeps(supabase, store, embedder_from_settings(settings))
    store_id = uuid.uuid4()
    supabase.table("stores").insert({"id": str(store_id), "name": "Batik Sapa Eval"}).execute()

    class RunNow:
        def enqueue(self, job: Job) -> None:
            assert job.store_id and job.document_id
            process_document(deps, job.store_id, job.document_id)

    try:
        for relative in spec["documents"]:
            path = (EVAL_DIR / relative).resolve()
            upload = Upload(path.read_bytes(), "text/markdown", path.name)
            upload_document(supabase, store, RunNow(), store_id=store_id, upload=upload, uploaded_by=None)
        sets = {name: json.loads((EVAL_DIR / file).read_text()) for name, file in QUESTION_SETS.items()}
        return {name: _score(questions, settings, supabase, store_id) for name, questions in sets.items()}
    finally:
        keys = supabase.table("knowledge_documents").select("storage_key").eq("store_id", str(store_id))
        for row in keys.execute().data:
            store.delete(str(row["storage_key"]))  # type: ignore[call-overload,index]
        supabase.table("stores").delete().eq("id", str(store_id)).execute()


def _score(spec: dict[str, Any], settings: Settings, supabase: Any, store_id: uuid.UUID) -> dict[str, Any]:
    shop = ShopData(supabase, str(store_id), "+6281299990000")
    misses: list[dict[str, Any]] = []
    hits = grounded = 0
    answerable_best: list[float] = []
    unanswerable_best: list[float] = []
    for item in spec["questions"]:
        passages = search(supabase, settings, store_id, item["q"], limit=3, ignore_words=shop.name)
        ranks = [i for i, p in enumerate(passages) if item["gold"] in p.content]
        hits += bool(ranks)
        if ranks and ranks[0] == 0:
            answerable_best.append(passages[0].score)
        reply = _offline_answer(shop, settings, store_id, item["q"])
        quoted = item["gold"] in "\n".join(reply.parts)
        grounded += quoted
        if not ranks or not quoted:
            misses.append({"question": item["q"], "hit@3": bool(ranks), "quoted": quoted,
                           "top": [p.content[:70] for p in passages]})  # fmt: skip
    refused = 0
    for question in spec["unanswerable"]:
        passages = search(supabase, settings, store_id, question, limit=3, ignore_words=shop.name)
        unanswerable_best.append(passages[0].score if passages else 0.0)
        reply = _offline_answer(shop, settings, store_id, question)
        cited = any(source.startswith("document:") for source in reply.sources)
        refused += not cited
        if cited:
            misses.append({"question": question, "unanswerable": True, "answered_from_documents": True})
    answerable, unanswerable = len(spec["questions"]), len(spec["unanswerable"])
    return {
        "questions": answerable,
        "unanswerable_questions": unanswerable,
        "hit_at_3": round(hits / answerable, 3),
        "groundedness": round((grounded + refused) / (answerable + unanswerable), 3),
        "quoted_gold": f"{grounded}/{answerable}",
        "declined_unanswerable": f"{refused}/{unanswerable}",
        "threshold": {
            "current": KNOWLEDGE_THRESHOLD,
            "answerable_top_score": _summary(answerable_best),
            "unanswerable_top_score": _summary(unanswerable_best),
            "best_separating": _best_threshold(answerable_best, unanswerable_best),
        },
        "misses": misses,
    }


def _offline_answer(shop: ShopData, settings: Settings, store_id: uuid.UUID, text: str) -> Any:
    request = AssistantRequest(
        store_id=str(store_id),
        customer_phone=shop.customer_phone,
        conversation_id=str(uuid.uuid4()),
        text=text,
    )
    return answer(request, shop, settings)


def _summary(values: list[float]) -> dict[str, float]:
    if not values:
        return {}
    return {"min": round(min(values), 3), "median": round(median(values), 3), "max": round(max(values), 3)}


def _best_threshold(positives: list[float], negatives: list[float]) -> float:
    """The threshold (in steps of 0.01) with the fewest mistakes, where quoting a passage for a question
    no document answers counts as two (a hand-off is cheaper than a wrong quote); ties go to the highest
    one for the same reason."""
    best, best_cost = 0.0, float("inf")
    for step in range(0, 101):
        threshold = step / 100
        cost = sum(v < threshold for v in positives) + 2 * sum(v >= threshold for v in negatives)
        if cost <= best_cost:
            best, best_cost = threshold, cost
    return best


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--json", action="store_true", help="print the whole result as JSON")
    args = parser.parse_args()
    results = evaluate(settings_from_stack())
    if args.json:
        print(json.dumps(results, indent=2, ensure_ascii=False))
    else:
        for name, result in results.items():
            print(f"== {name} set")
            print(f"retrieval hit@3: {result['hit_at_3']:.3f} ({result['questions']} questions)")
            quoted, declined = result["quoted_gold"], result["declined_unanswerable"]
            print(f"answer groundedness: {result['groundedness']:.3f} (quoted the gold passage {quoted}, "
                  f"declined {declined} unanswerable)")  # fmt: skip
            print(f"threshold: {json.dumps(result['threshold'])}")
            for miss in result["misses"]:
                print(f"  miss: {json.dumps(miss, ensure_ascii=False)}")
    return 0 if results["tuning"]["hit_at_3"] >= 0.9 else 1


if __name__ == "__main__":
    sys.exit(main())
