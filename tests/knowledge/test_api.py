"""The knowledge routes through the real app, database (PostgREST, pgvector) and object storage (moto's
S3 with boto3): upload → extraction job → ready → search → delete; refusals store nothing; roles; a
replacement; another store never sees the passages."""

from __future__ import annotations

import io
from typing import Any

from fastapi.testclient import TestClient

from sapa.knowledge import limits
from tests.api.inbox import Db, Shop
from tests.knowledge.conftest import RunNow, stored_keys
from tests.knowledge.files import docx_with_table, pdf_with_text, png_with_text

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
RETURNS = [
    "Kebijakan Pengembalian",
    "Barang bisa dikembalikan dalam 7 hari setelah diterima, selama label masih terpasang.",
    "Refund ditransfer ke rekening dalam 1-3 hari kerja setelah barang kami terima.",
]


def _upload(api: TestClient, shop: Shop, name: str, data: bytes, content_type: str, **form: str) -> Any:
    files = {"file": (name, io.BytesIO(data), content_type)}
    return api.post(shop.url("knowledge"), files=files, data=form, headers=shop.owner.headers)


def _rows(db: Db, store_id: str) -> list[dict[str, Any]]:
    return db.execute("select * from knowledge_documents where store_id = %s", (store_id,)).fetchall()


def test_an_uploaded_pdf_is_processed_and_its_passage_found(
    api: TestClient, shop: Shop, queue: RunNow, bucket: Any, db: Db
) -> None:
    response = _upload(api, shop, "retur.pdf", pdf_with_text([RETURNS]), "application/pdf", title="Retur")

    assert response.status_code == 201, response.text
    created = response.json()
    assert (created["title"], created["filename"], created["status"]) == ("Retur", "retur.pdf", "processing")
    assert [job.type for job in queue.jobs] == ["extract_document"] and queue.results == ["ready"]
    document = api.get(shop.url(f"knowledge/{created['id']}"), headers=shop.agent.headers).json()
    assert (document["status"], document["pages"], document["method"], document["error"]) == (
        "ready", 1, "pdf", None,
    )  # fmt: skip
    assert document["chunk_count"] >= 1 and "7 hari" in document["text_preview"]
    assert stored_keys(bucket, shop.id) == [f"knowledge/{shop.id}/{created['id']}/retur.pdf"]
    chunk = db.execute(
        "select embedding_model, vector_dims(embedding) as dims from knowledge_chunks where document_id = %s",
        (created["id"],),
    ).fetchone()
    assert chunk == {"embedding_model": "sentence-transformers/all-MiniLM-L6-v2", "dims": 384}

    found = api.post(
        shop.url("knowledge/search"), json={"question": "How many days to return an item?"},
        headers=shop.agent.headers,
    )  # fmt: skip

    assert found.status_code == 200
    best = found.json()["passages"][0]
    assert best["document_id"] == created["id"] and best["title"] == "Retur"
    assert "dikembalikan dalam 7 hari" in best["content"]
    listed = api.get(shop.url("knowledge"), headers=shop.agent.headers).json()
    assert [d["id"] for d in listed] == [created["id"]]


def test_another_store_never_gets_the_passages(api: TestClient, shop: Shop, db: Db) -> None:
    _upload(api, shop, "retur.pdf", pdf_with_text([RETURNS]), "application/pdf")

    # the stranger is an agent of the other store: its search and list are of that store only
    theirs = api.post(
        shop.url("knowledge/search", shop.other_store_id), json={"question": "dikembalikan dalam 7 hari"},
        headers=shop.stranger.headers,
    )  # fmt: skip
    assert theirs.status_code == 200 and theirs.json() == {"passages": []}
    assert api.get(shop.url("knowledge", shop.other_store_id), headers=shop.stranger.headers).json() == []
    # and it cannot ask in the first store
    mine = api.post(shop.url("knowledge/search"), json={"question": "retur"}, headers=shop.stranger.headers)
    assert mine.status_code == 403


def test_a_word_file_and_a_photo_become_searchable(api: TestClient, shop: Shop) -> None:
    table = [
        ["Kota", "Ongkir", "Estimasi"],
        ["Medan", "Rp 42.000", "4-6 hari"],
        ["Jakarta", "Rp 18.000", "2 hari"],
    ]
    docx = docx_with_table("Ongkir", [("Jadwal", ["Pesanan dikirim Senin sampai Sabtu."])], table)
    png = png_with_text(["Daftar Harga", "Selendang sutra Rp 275.000", "Kemeja batik tulis Rp 350.000"])

    assert _upload(api, shop, "ongkir.docx", docx, DOCX).status_code == 201
    assert _upload(api, shop, "harga.png", png, "image/png").status_code == 201

    documents = {d["filename"]: d for d in api.get(shop.url("knowledge"), headers=shop.owner.headers).json()}
    assert {name: (d["status"], d["method"]) for name, d in documents.items()} == {
        "ongkir.docx": ("ready", "docx"), "harga.png": ("ready", "ocr"),
    }  # fmt: skip
    medan = api.post(shop.url("knowledge/search"), json={"question": "ongkir ke Medan berapa?"},
                     headers=shop.owner.headers).json()["passages"][0]  # fmt: skip
    assert "Kota: Medan; Ongkir: Rp 42.000" in medan["content"] and medan["heading"] == "Tabel ongkir"
    price = api.post(shop.url("knowledge/search"), json={"question": "harga selendang sutra"},
                     headers=shop.owner.headers).json()["passages"][0]  # fmt: skip
    assert price["title"] == "harga" and "275.000" in price["content"]


def test_refused_uploads_store_nothing(
    api: TestClient, shop: Shop, bucket: Any, db: Db, queue: RunNow
) -> None:
    corrupt = _upload(api, shop, "rusak.pdf", b"%PDF-1.7\n1 0 obj << /Type /Catalog", "application/pdf")
    huge = _upload(api, shop, "besar.txt", b"a" * (limits.MAX_UPLOAD_BYTES + 1), "text/plain")
    audio = _upload(api, shop, "pesan.ogg", b"OggS\x00\x02", "audio/ogg")

    assert corrupt.status_code == 422 and "damaged" in corrupt.json()["detail"]
    assert huge.status_code == 413 and "larger than 4 MB" in huge.json()["detail"]
    assert audio.status_code == 415 and "PDF, Word" in audio.json()["detail"]
    assert _rows(db, shop.id) == [] and stored_keys(bucket, shop.id) == [] and queue.jobs == []


def test_only_owners_and_admins_upload_and_delete(api: TestClient, shop: Shop) -> None:
    files = {"file": ("a.txt", io.BytesIO(b"Jam buka 9-17."), "text/plain")}
    assert api.post(shop.url("knowledge"), files=files, headers=shop.agent.headers).status_code == 403
    assert api.post(shop.url("knowledge"), files=files).status_code == 401
    created = api.post(shop.url("knowledge"), files=files, headers=shop.admin.headers)
    assert created.status_code == 201
    document = shop.url(f"knowledge/{created.json()['id']}")
    assert api.delete(document, headers=shop.agent.headers).status_code == 403
    assert api.delete(document, headers=shop.stranger.headers).status_code == 403


def test_delete_removes_file_passages_and_row(api: TestClient, shop: Shop, bucket: Any, db: Db) -> None:
    created = _upload(api, shop, "retur.md", "\n".join(RETURNS).encode(), "text/markdown").json()
    assert stored_keys(bucket, shop.id) != []

    gone = api.delete(shop.url(f"knowledge/{created['id']}"), headers=shop.owner.headers)

    assert gone.status_code == 204
    assert _rows(db, shop.id) == [] and stored_keys(bucket, shop.id) == []
    assert db.execute(
        "select count(*) as n from knowledge_chunks where store_id = %s", (shop.id,)
    ).fetchone() == {"n": 0}
    assert api.delete(shop.url(f"knowledge/{created['id']}"), headers=shop.owner.headers).status_code == 404


def test_a_replacement_takes_the_old_documents_place_once_ready(
    api: TestClient, shop: Shop, bucket: Any, db: Db
) -> None:
    old = _upload(api, shop, "retur.md", b"# Retur\nRetur dalam 14 hari.", "text/markdown").json()

    new = _upload(
        api, shop, "retur-2025.md", b"# Retur\nRetur dalam 7 hari.", "text/markdown", replaces=old["id"]
    )

    assert new.status_code == 201
    assert [(str(r["id"]), r["status"]) for r in _rows(db, shop.id)] == [(new.json()["id"], "ready")]
    assert stored_keys(bucket, shop.id) == [f"knowledge/{shop.id}/{new.json()['id']}/retur-2025.md"]
    other = _upload(
        api, shop, "x.md", b"# X\nx.", "text/markdown", replaces="00000000-0000-4000-8000-000000000009"
    )
    assert other.status_code == 404 and len(_rows(db, shop.id)) == 1


def test_a_document_without_text_fails_in_plain_words(api: TestClient, shop: Shop) -> None:
    blank = png_with_text([])  # a white picture: it opens, but there is nothing to read

    created = _upload(api, shop, "kosong.png", blank, "image/png")

    assert created.status_code == 201
    document = api.get(shop.url(f"knowledge/{created.json()['id']}"), headers=shop.owner.headers).json()
    assert (document["status"], document["error"]) == ("failed", "No text was found in “kosong.png”.")


def test_a_chat_question_finds_the_passage_by_its_normalised_words(
    api: TestClient, shop: Shop, db: Db
) -> None:
    text = (
        "# Bantuan\n\n## Cara mengajukan retur\nKirim pesan WhatsApp dengan nomor pesanan dan foto.\n\n"
        "## Perawatan kain\nCuci dengan tangan dan setrika dari bagian dalam dengan suhu sedang.\n"
    )
    created = _upload(api, shop, "bantuan.md", text.encode(), "text/markdown").json()
    terms = db.execute(
        "select heading, heading_terms, content_terms from knowledge_chunks where document_id = %s"
        " order by ordinal",
        (created["id"],),
    ).fetchall()
    assert [(t["heading"], "aju" in t["heading_terms"].split()) for t in terms] == [
        ("Bantuan — Cara mengajukan retur", True), ("Perawatan kain", False),
    ]  # fmt: skip
    assert {"cuci", "setrika", "suhu"} <= set(terms[1]["content_terms"].split())

    def best(question: str) -> dict[str, Any]:
        found = api.post(shop.url("knowledge/search"), json={"question": question},
                         headers=shop.owner.headers)  # fmt: skip
        return dict(found.json()["passages"][0])

    ironing = best("nyetrikanya gimana kak?")  # nyetrika-nya → setrika, only in the normalised words
    assert ironing["heading"] == "Perawatan kain" and ironing["keyword_score"] > 0
    returns = best("gimana ngajuin retur?")  # ngajuin → ajukan → aju, in the heading
    assert returns["heading"].endswith("Cara mengajukan retur") and returns["heading_score"] > 0
