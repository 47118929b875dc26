"""Inbound WhatsApp media, read in the reply job: downloaded from a fake Twilio over HTTP (basic auth on the
API origin, a redirect to a CDN origin that must not see the credentials), kept in S3 (moto server, real
boto3), read by the real extractors (Tesseract OCR for a rendered PNG, pypdf for a PDF) and recorded on the
message in the real local database."""

from __future__ import annotations

import io
import secrets
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import boto3
import psycopg
import pytest
from fpdf import FPDF
from moto.server import ThreadedMotoServer
from PIL import Image, ImageDraw, ImageFont
from psycopg.rows import dict_row
from supabase import Client

from sapa.assistant import answer
from sapa.assistant.shop import ShopData
from sapa.assistant.types import AssistantReply, AssistantRequest
from sapa.channels.twilio.media import (
    MediaDeps,
    MediaItem,
    MediaUnavailable,
    TwilioCredentials,
    TwilioMediaClient,
    read_message_media,
)
from sapa.channels.twilio.sender import TwilioSender
from sapa.conversations.reply import ReplyDeps, reply_to_message
from sapa.knowledge.storage import ObjectStore
from sapa.settings import Settings
from tests.channels import fake_twilio_media
from tests.channels.fake_twilio_media import ACCOUNT_SID, AUTH_TOKEN, FakeTwilioMedia
from tests.conftest import Stack, make_settings

Db = psycopg.Connection[dict[str, Any]]
BUCKET = "sapa-media-test"
FONT = "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf"
CREDENTIALS = TwilioCredentials(ACCOUNT_SID, AUTH_TOKEN)


# Files made here -------------------------------------------------------------------------------------
def png_with_text(lines: list[str]) -> bytes:
    font = ImageFont.truetype(FONT, 40)
    image = Image.new("RGB", (1100, 90 + 70 * len(lines)), "white")
    draw = ImageDraw.Draw(image)
    for i, line in enumerate(lines):
        draw.text((40, 40 + 70 * i), line, font=font, fill="black")
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


def pdf_with_text(text: str) -> bytes:
    pdf = FPDF()
    pdf.add_page()
    pdf.set_font("helvetica", size=14)
    pdf.multi_cell(0, 8, text)
    return bytes(pdf.output())


OGG_VOICE_NOTE = b"OggS\x00\x02" + bytes(200)


# Fixtures ----------------------------------------------------------------------------------------------
@pytest.fixture
def twilio() -> Iterator[FakeTwilioMedia]:
    with fake_twilio_media.running() as fake:
        yield fake


@pytest.fixture(scope="module")
def s3() -> Iterator[Any]:
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    client = boto3.client(
        "s3",
        endpoint_url=f"http://{host}:{port}",
        region_name="us-east-1",
        aws_access_key_id="test",
        aws_secret_access_key="test",
    )
    client.create_bucket(Bucket=BUCKET)
    yield client
    server.stop()


@pytest.fixture
def db(stack: Stack) -> Iterator[Db]:
    with psycopg.connect(stack.db_url, autocommit=True, row_factory=dict_row) as conn:
        yield conn


@dataclass(frozen=True)
class Store:
    id: str
    number: str


@pytest.fixture
def store(db: Db) -> Iterator[Store]:
    """A store of its own with a Twilio account (so media is fetched with its SID and token)."""
    number = "+62813" + "".join(secrets.choice("0123456789") for _ in range(8))
    row = db.execute(
        "insert into stores (name, whatsapp_number) values ('Media Test Shop', %s) returning id::text",
        (number,),
    ).fetchone()
    assert row is not None
    db.execute(
        "insert into store_credentials (store_id, twilio_account_sid, twilio_auth_token) values (%s, %s, %s)",
        (row["id"], ACCOUNT_SID, AUTH_TOKEN),
    )
    yield Store(row["id"], number)
    db.execute("delete from stores where id = %s", (row["id"],))


@pytest.fixture
def settings(stack: Stack, twilio: FakeTwilioMedia) -> Settings:
    return make_settings(stack, openai_api_key=None, twilio_api_base_url=twilio.api_url)


@pytest.fixture
def media_deps(service_client: Client, s3: Any, twilio: FakeTwilioMedia) -> Iterator[MediaDeps]:
    client = TwilioMediaClient(twilio.api_url)
    yield MediaDeps(service_client, ObjectStore(s3, BUCKET), client)
    client.close()


def ingest(
    service_client: Client,
    store: Store,
    media: list[tuple[str, str]],
    body: str = "",
    phone: str | None = None,
) -> str:
    """Store an inbound message as the webhook does; its id."""
    params = {
        "p_to_phone": store.number,
        "p_from_phone": phone or "+62877" + "".join(secrets.choice("0123456789") for _ in range(7)),
        "p_profile_name": "Sari",
        "p_message_sid": "SM" + secrets.token_hex(16),
        "p_body": body,
        "p_media": [{"url": url, "content_type": content_type} for url, content_type in media],
    }
    [row] = service_client.rpc("ingest_whatsapp_message", params).execute().data  # type: ignore[misc]
    return str(row["message_id"])  # type: ignore[call-overload,index]


def stored_media(db: Db, message_id: str) -> list[dict[str, Any]]:
    row = db.execute("select media from messages where id = %s", (message_id,)).fetchone()
    assert row is not None
    return list(row["media"])


def read(deps: MediaDeps, db: Db, store: Store, message_id: str) -> list[MediaItem]:
    items = [MediaItem.model_validate(item) for item in stored_media(db, message_id)]
    return read_message_media(
        deps, store_id=store.id, message_id=message_id, items=items, credentials=CREDENTIALS
    )


# Reading ------------------------------------------------------------------------------------------------
def test_a_photo_is_fetched_with_the_stores_credentials_and_its_text_read_by_ocr(
    db: Db, service_client: Client, store: Store, twilio: FakeTwilioMedia, media_deps: MediaDeps, s3: Any
) -> None:
    photo = png_with_text(["Bukti transfer BCA ke Batik Sapa", "Jumlah Rp 250.000 berhasil"])
    url = twilio.add("image/png", photo)
    message_id = ingest(service_client, store, [(url, "image/png")], body="Ini buktinya kak")

    (item,) = read(media_deps, db, store, message_id)

    (stored,) = stored_media(db, message_id)
    assert stored["status"] == item.status == "extracted"
    assert stored["method"] == "ocr"
    assert "TRANSFER" in stored["text"].upper() and "250.000" in stored["text"]
    assert stored["url"] == url and stored["content_type"] == "image/png"  # what Twilio said stays
    assert s3.get_object(Bucket=BUCKET, Key=stored["storage_key"])["Body"].read() == photo
    assert stored["storage_key"].startswith(f"media/{store.id}/{message_id}/")
    assert stored["size_bytes"] == len(photo)
    # Basic auth reached the API origin; the CDN it redirected to never saw the credentials.
    assert [r["authorization"] for r in twilio.api_requests] == [fake_twilio_media._expected_auth()]
    assert len(twilio.cdn_requests) == 1 and twilio.cdn_requests[0]["authorization"] is None


def test_a_pdf_is_read_page_by_page(
    db: Db, service_client: Client, store: Store, twilio: FakeTwilioMedia, media_deps: MediaDeps
) -> None:
    document = pdf_with_text("Invoice 2024-118. Batik tulis Pekalongan, 2 pcs. Total Rp 900.000.")
    message_id = ingest(service_client, store, [(twilio.add("application/pdf", document), "application/pdf")])

    (item,) = read(media_deps, db, store, message_id)

    assert item.status == "extracted"
    assert item.pages == 1
    assert item.text is not None and "Batik tulis Pekalongan" in item.text
    assert stored_media(db, message_id)[0]["text"] == item.text


def test_a_second_run_neither_downloads_again_nor_duplicates(
    db: Db, service_client: Client, store: Store, twilio: FakeTwilioMedia, media_deps: MediaDeps, s3: Any
) -> None:
    url = twilio.add("application/pdf", pdf_with_text("Nomor resi JNE 1234567890"))
    voice = twilio.add("audio/ogg", OGG_VOICE_NOTE)
    message_id = ingest(service_client, store, [(url, "application/pdf"), (voice, "audio/ogg")])

    first = read(media_deps, db, store, message_id)
    second = read(media_deps, db, store, message_id)

    assert first == second
    assert [item.status for item in second] == ["extracted", "unsupported"]
    assert twilio.downloads_of(url) == 1 and twilio.downloads_of(voice) == 1
    assert len(stored_media(db, message_id)) == 2
    listed = s3.list_objects_v2(Bucket=BUCKET, Prefix=f"media/{store.id}/{message_id}/")
    assert listed["KeyCount"] == 2


def test_twilio_unavailable_is_retried_later_and_nothing_is_recorded_meanwhile(
    db: Db, service_client: Client, store: Store, twilio: FakeTwilioMedia, media_deps: MediaDeps
) -> None:
    url = twilio.add("application/pdf", pdf_with_text("Retur diterima"))
    message_id = ingest(service_client, store, [(url, "application/pdf")])
    twilio.fail_next.append(503)

    with pytest.raises(MediaUnavailable):
        read(media_deps, db, store, message_id)
    assert "status" not in stored_media(db, message_id)[0]

    (item,) = read(media_deps, db, store, message_id)  # the job's retry
    assert item.status == "extracted"


def test_refused_credentials_and_foreign_urls_are_recorded_as_unavailable_for_the_agent(
    db: Db, service_client: Client, store: Store, twilio: FakeTwilioMedia, media_deps: MediaDeps
) -> None:
    url = twilio.add("image/png", png_with_text(["X"]))
    foreign = "http://169.254.169.254/latest/meta-data/iam"
    message_id = ingest(service_client, store, [(url, "image/png"), (foreign, "image/png")])
    items = [MediaItem.model_validate(item) for item in stored_media(db, message_id)]

    wrong = TwilioCredentials(ACCOUNT_SID, "not-the-token")
    refused, elsewhere = read_message_media(
        media_deps, store_id=store.id, message_id=message_id, items=items, credentials=wrong
    )

    assert refused.status == "unavailable" and refused.error is not None and "credentials" in refused.error
    assert (
        elsewhere.status == "unavailable"
        and elsewhere.error is not None
        and "not on Twilio" in elsewhere.error
    )
    assert twilio.downloads_of(url) == 1 and not twilio.cdn_requests  # the foreign URL was never requested


def test_an_item_over_the_limit_is_not_stored_and_marked_oversized(
    db: Db, service_client: Client, store: Store, twilio: FakeTwilioMedia, s3: Any
) -> None:
    client = TwilioMediaClient(twilio.api_url, max_bytes=1024)
    deps = MediaDeps(service_client, ObjectStore(s3, BUCKET), client)
    message_id = ingest(service_client, store, [(twilio.add("video/mp4", bytes(5000)), "video/mp4")])

    (item,) = read(deps, db, store, message_id)
    client.close()

    assert item.status == "oversized"
    assert item.storage_key is None and item.size_bytes is not None and item.size_bytes > 1024
    assert s3.list_objects_v2(Bucket=BUCKET, Prefix=f"media/{store.id}/{message_id}/")["KeyCount"] == 0


# In the reply job --------------------------------------------------------------------------------------
@dataclass
class RecordingAnswer:
    """The real assistant, with the requests it was given kept for the test to read."""

    requests: list[AssistantRequest]

    def __call__(self, request: AssistantRequest, shop: ShopData, settings: Settings) -> AssistantReply:
        self.requests.append(request)
        return answer(request, shop, settings)


def test_a_voice_message_gets_a_polite_reply_and_goes_to_a_person_with_the_item_kept(
    db: Db,
    service_client: Client,
    store: Store,
    twilio: FakeTwilioMedia,
    media_deps: MediaDeps,
    settings: Settings,
    s3: Any,
) -> None:
    assistant = RecordingAnswer([])
    deps = ReplyDeps(service_client, settings, TwilioSender(settings), assistant, media=media_deps)
    message_id = ingest(service_client, store, [(twilio.add("audio/ogg", OGG_VOICE_NOTE), "audio/ogg")])

    assert reply_to_message(deps, message_id) == "done"

    assert assistant.requests == []  # it cannot hear the message: it is not asked
    (voice,) = stored_media(db, message_id)
    assert voice["status"] == "unsupported"
    assert s3.get_object(Bucket=BUCKET, Key=voice["storage_key"])["Body"].read() == OGG_VOICE_NOTE
    (sent,) = twilio.sent
    assert "pesan suara" in sent["Body"][0]  # no words to go by: the store's default, Indonesian
    row = db.execute(
        "select c.status::text as status, count(t.id) as tickets from messages m"
        " join conversations c on c.id = m.conversation_id left join tickets t on t.conversation_id = c.id"
        " where m.id = %s group by c.status",
        (message_id,),
    ).fetchone()
    assert row == {"status": "human", "tickets": 1}


def test_english_caption_gets_the_polite_reply_in_english(
    db: Db,
    service_client: Client,
    store: Store,
    twilio: FakeTwilioMedia,
    media_deps: MediaDeps,
    settings: Settings,
) -> None:
    deps = ReplyDeps(service_client, settings, TwilioSender(settings), answer, media=media_deps)
    video = twilio.add("video/mp4", b"\x00\x00\x00\x18ftypmp42" + bytes(100))
    message_id = ingest(
        service_client, store, [(video, "video/mp4")], body="Hi, this is how the parcel arrived"
    )

    reply_to_message(deps, message_id)

    (sent,) = twilio.sent
    assert "received your video" in sent["Body"][0]


def test_the_assistant_reads_the_text_of_a_photo_with_the_message(
    db: Db,
    service_client: Client,
    store: Store,
    twilio: FakeTwilioMedia,
    media_deps: MediaDeps,
    settings: Settings,
) -> None:
    assistant = RecordingAnswer([])
    deps = ReplyDeps(service_client, settings, TwilioSender(settings), assistant, media=media_deps)
    photo = twilio.add(
        "image/png", png_with_text(["Pesanan 1042 rusak saat diterima", "Kain sobek di bagian bawah"])
    )
    message_id = ingest(service_client, store, [(photo, "image/png")], body="Tolong dicek kak")

    assert reply_to_message(deps, message_id) == "done"

    (request,) = assistant.requests
    assert request.text.startswith("Tolong dicek kak")
    assert "1042" in request.text and "RUSAK" in request.text.upper()
    assert len(twilio.sent) >= 1  # the assistant's answer went out
