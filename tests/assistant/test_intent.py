"""What the offline responder reads from a message, on the kind of messages the demo customers send."""

from __future__ import annotations

import pytest

from sapa.assistant.intent import content_words, detect_intent, order_number_in


@pytest.mark.parametrize(
    ("text", "number"),
    [
        ("Halo kak, pesanan saya #1042 sudah dikirim belum ya?", "1042"),
        ("Min, paket # 1042 sudah sampai mana ya? 🙏", "1042"),
        ("Kak, kemeja yang saya pesan kapan dikirim? No. pesanan 1042", "1042"),
        ("where is my order 1042", "1042"),
        ("1042", "1042"),
        ("#1042 kak", "1042"),
        ("Kak saya sudah transfer Rp 450.000 ke BCA", None),
        ("nomor saya 081234567890", None),
        ("resi JP1234567890 belum gerak", None),
    ],
)
def test_order_numbers(text: str, number: str | None) -> None:
    assert order_number_in(text) == number


@pytest.mark.parametrize(
    ("text", "kind", "detail"),
    [
        ("Halo kak, pesanan saya #1042 sudah dikirim belum ya?", "order_status", "1042"),
        ("Hi, has my order #1042 been shipped yet?", "order_status", "1042"),
        ("pesanan saya sudah sampai mana ya kak?", "order_status", None),
        ("Where is my package?", "order_status", None),
        ("Min, bukti transfer sudah saya kirim, kapan diproses?", "order_status", None),
        ("Kak, ongkir ke Bandung berapa ya?", "policy", "shipping"),
        ("Do you deliver to Makassar? How many days does it take?", "policy", "shipping"),
        ("Biasanya berapa hari sampai Medan kak?", "policy", "shipping"),
        ("Kak, bisa bayar COD?", "policy", "payment"),
        ("Do you accept international credit cards?", "policy", "payment"),
        ("Kalau barangnya nggak cocok bisa retur kak?", "policy", "returns"),
        ("What is your return policy?", "policy", "returns"),
        ("Jam operasional CS sampai jam berapa ya kak?", "policy", "hours"),
        ("Do you have a physical shop I can visit?", "policy", "hours"),
        ("Kak, Kemeja Batik Parang masih ready?", "product", "kemeja batik parang"),
        ("What fabric is the Dress Batik Sogan Midi made of?", "product", "dress batik sogan midi"),
        ("Halo kak", "greeting", None),
        ("Selamat pagi min!", "greeting", None),
        ("Oke kak, terima kasih banyak 🙏", "thanks", None),
        ("Great, thank you!", "thanks", None),
        ("Bisa bicara langsung dengan admin kak?", "handoff", "the customer asked for a person"),
        ("Tolong sambungkan ke CS ya", "handoff", "the customer asked for a person"),
        ("Can I talk to a person please?", "handoff", "the customer asked for a person"),
        ("admin", "handoff", "the customer asked for a person"),
        ("Barang dari pesanan #1042 jahitannya lepas kak, saya mau refund 😞", "handoff",
         "the customer reports a damaged or wrong item"),
        ("The dress arrived damaged.", "handoff", "the customer reports a damaged or wrong item"),
        ("Saya kecewa banget, pesanan lama sekali!!!", "handoff", "the customer is upset"),
        ("WHERE IS MY ORDER I PAID A WEEK AGO", "handoff", "the customer is upset"),
        ("Kak, kalau pesan 50 pcs untuk seragam kantor bisa harga grosir?", "handoff", "wholesale enquiry"),
        ("Please cancel order #1042, I placed it twice by mistake.", "handoff",
         "the customer wants to change or cancel an order"),
        ("Kak, saya mau ganti alamat pengiriman untuk pesanan #1042, bisa?", "handoff",
         "the customer wants to change or cancel an order"),
        ("apa itu blockchain", "unknown", None),
    ],
)  # fmt: skip
def test_intents(text: str, kind: str, detail: str | None) -> None:
    intent = detect_intent(text)

    assert intent.kind == kind
    found = {
        "order_status": intent.order_number,
        "policy": intent.topic,
        "product": intent.product_query,
        "handoff": intent.reason,
    }.get(kind)
    assert found == detail


def test_a_complaint_about_an_item_quotes_the_returns_policy_and_apologises() -> None:
    intent = detect_intent("The colour is very different from the photos and the seam is torn")

    assert (intent.kind, intent.topic, intent.upset) == ("handoff", "returns", True)


def test_content_words_drop_chat_particles_and_question_words() -> None:
    assert content_words("Kak, Tas Selempang Batik masih ready nggak ya?") == "tas selempang batik"
    assert content_words("Is the sarong still in stock?") == "sarong"
    assert content_words("halo kak 🙏") == ""


@pytest.mark.parametrize(
    ("text", "kind", "detail"),
    [
        # Chat Indonesian: abbreviations and spoken forms of the questions it answers.
        ("kak mau tuker ukuran, kebesaran… returnya brp hari?", "policy", "returns"),
        ("min klo barangnya ga cocok bs dibalikin gk?", "policy", "returns"),
        ("ongkirnya ke sby brp kak", "policy", "shipping"),
        ("psnan sy udh dikirim blm ya?", "order_status", None),
        ("bs bayar pake qris gk kak", "policy", "payment"),
        # Common English phrasings.
        ("How many working days does delivery to Surabaya take?", "policy", "shipping"),
        ("What's the delivery time to Bali?", "policy", "shipping"),
        ("Can I send it back if it doesn't fit?", "policy", "returns"),
    ],
)
def test_how_customers_write(text: str, kind: str, detail: str | None) -> None:
    intent = detect_intent(text)

    assert intent.kind == kind
    assert (intent.topic if kind == "policy" else intent.order_number) == detail


@pytest.mark.parametrize(
    "text",
    [
        "My order is only Rp 200.000, is shipping free?",
        "pesanan saya cuma 150rb kak",
        "order saya total 1,5 juta",
        "Kak saya sudah transfer IDR 350000 untuk pesanan saya",
    ],
)
def test_money_is_never_an_order_number(text: str) -> None:
    assert order_number_in(text) is None
    assert detect_intent(text).order_number is None


def test_words_of_one_or_two_letters_name_no_product() -> None:
    assert content_words("udh langganan dr thn lalu") == "langganan tahun lalu"
    assert "pr" not in content_words("PR kemeja batik").split()
