"""Templated Indonesian and mixed-language training utterances (written for this project).

Bitext is English only, while Sapa's customers mostly write Indonesian on WhatsApp. These templates give
the model the shop vocabulary in Indonesian (ongkir, resi, transfer, retur …), with the casual spelling
of chat (yg, gak, udh, kak/min). They are added to the training split only; the hand-labelled
real-style test set was written separately, but by the same author, so the report says so.
Categories follow Bitext's conventions: "when will it arrive" is delivery, "status of my order" is
order, a change of shipping address is other (Bitext's SHIPPING).
"""

from __future__ import annotations

import random
import re

from sapa_model.urgency import weak_urgency

# (intent, category, template); slots: {order} {amount} {city} {days} {bank} {courier} {product}
TEMPLATES: tuple[tuple[str, str, str], ...] = (
    # delivery
    ("delivery_options", "delivery", "bisa kirim ke {city} gak?"),
    ("delivery_options", "delivery", "ongkir ke {city} berapa ya"),
    ("delivery_options", "delivery", "pengirimannya pakai kurir apa aja?"),
    ("delivery_options", "delivery", "bisa pakai {courier} nggak?"),
    ("delivery_options", "delivery", "ada same day delivery untuk {city}?"),
    ("delivery_options", "delivery", "bisa kirim instan pakai gojek atau grab?"),
    ("delivery_options", "delivery", "do you ship to {city}? ongkirnya berapa"),
    ("delivery_options", "delivery", "ada gratis ongkir gak untuk pembelian {product}?"),
    ("delivery_period", "delivery", "kalau kirim ke {city} berapa hari sampai?"),
    ("delivery_period", "delivery", "paket saya kira2 kapan sampai ya?"),
    ("delivery_period", "delivery", "estimasi pengiriman ke {city} berapa lama"),
    ("delivery_period", "delivery", "kapan barangnya nyampe?"),
    ("delivery_period", "delivery", "udah {days} hari paket belum sampai juga, kapan sampainya?"),
    ("delivery_period", "delivery", "pesanan dikirim hari ini sampai {city} kapan?"),
    ("delivery_period", "delivery", "when will my package arrive? udah lama nunggu"),
    # order
    ("place_order", "order", "mau order {product} 2 pcs bisa?"),
    ("place_order", "order", "cara pesannya gimana ya?"),
    ("place_order", "order", "{product} masih ready stok? mau beli"),
    ("place_order", "order", "saya mau pesan {product} warna hitam"),
    ("place_order", "order", "can i order {product} lewat WA aja?"),
    ("track_order", "order", "status pesanan {order} gimana?"),
    ("track_order", "order", "pesanan {order} sudah dikirim belum?"),
    ("track_order", "order", "minta nomor resi untuk order {order} dong"),
    ("track_order", "order", "orderan saya {order} udah diproses?"),
    ("track_order", "order", "cek order {order} ya"),
    ("track_order", "order", "pesanan {order} kok masih diproses terus"),
    ("cancel_order", "order", "saya mau batalin pesanan {order}"),
    ("cancel_order", "order", "tolong cancel order {order} ya"),
    ("cancel_order", "order", "bisa dibatalkan gak pesanan yg barusan?"),
    ("change_order", "order", "mau ganti ukuran pesanan {order} jadi L"),
    ("change_order", "order", "bisa tambah 1 {product} ke order {order}?"),
    ("change_order", "order", "tolong ubah warna pesanan saya jadi biru"),
    # payment
    ("check_payment_methods", "payment", "bisa bayar pakai {bank}?"),
    ("check_payment_methods", "payment", "pembayarannya bisa COD gak?"),
    ("check_payment_methods", "payment", "bisa bayar pakai qris atau ovo?"),
    ("check_payment_methods", "payment", "ada cicilan kartu kredit?"),
    ("check_payment_methods", "payment", "nomor rekening {bank} nya berapa kak"),
    ("check_payment_methods", "payment", "can i pay by transfer {bank}?"),
    ("payment_issue", "payment", "saya udah transfer {amount} tapi status masih belum dibayar"),
    ("payment_issue", "payment", "pembayaran gagal terus pas checkout"),
    ("payment_issue", "payment", "saldo saya kepotong tapi pesanan gak masuk"),
    ("payment_issue", "payment", "virtual account nya expired padahal sudah bayar"),
    ("payment_issue", "payment", "kenapa pembayaran pakai {bank} ditolak?"),
    ("payment_issue", "payment", "bukti transfer sudah saya kirim, tolong dicek"),
    ("payment_issue", "payment", "payment error terus, kartu saya kena charge"),
    # refund
    ("check_refund_policy", "refund", "kalau barang gak cocok bisa retur?"),
    ("check_refund_policy", "refund", "kebijakan refund nya gimana ya"),
    ("check_refund_policy", "refund", "bisa tukar atau uang kembali?"),
    ("check_refund_policy", "refund", "berapa hari batas pengembalian barang?"),
    ("get_refund", "refund", "saya minta refund untuk pesanan {order}"),
    ("get_refund", "refund", "barangnya gak sesuai, minta uang kembali {amount}"),
    ("get_refund", "refund", "tolong kembalikan dana saya"),
    ("get_refund", "refund", "mau ajukan refund, gimana caranya"),
    ("get_refund", "refund", "i want a refund buat order {order}"),
    ("track_refund", "refund", "refund saya kapan masuk ke rekening?"),
    ("track_refund", "refund", "dana refund {amount} belum masuk juga"),
    ("track_refund", "refund", "status pengembalian dana saya gimana?"),
    ("track_refund", "refund", "refund nya sudah diproses belum?"),
    # other
    ("recover_password", "other", "lupa password akun saya"),
    ("registration_problems", "other", "gak bisa daftar akun di website"),
    ("create_account", "other", "cara bikin akun gimana?"),
    ("delete_account", "other", "tolong hapus akun saya"),
    ("get_invoice", "other", "minta invoice untuk pesanan {order}"),
    ("check_invoice", "other", "faktur pembelian bisa dikirim ke email?"),
    ("contact_human_agent", "other", "mau ngobrol sama admin langsung"),
    ("contact_human_agent", "other", "bisa bicara dengan CS manusia?"),
    ("contact_customer_service", "other", "jam operasional toko jam berapa?"),
    ("complaint", "other", "pelayanannya lambat banget, saya kecewa"),
    ("complaint", "other", "mau komplain soal adminnya yang jutek"),
    ("review", "other", "barangnya bagus, makasih ya"),
    ("review", "other", "mantap kak, puas belanja disini"),
    ("change_shipping_address", "other", "mau ganti alamat pengiriman"),
    ("set_up_shipping_address", "other", "cara simpan alamat di akun gimana"),
    ("newsletter_subscription", "other", "tolong jangan kirim promo lagi"),
    ("newsletter_subscription", "other", "mau langganan info promo"),
    ("check_cancellation_fee", "other", "ada biaya pembatalan gak?"),
    ("contact_customer_service", "other", "halo kak"),
    ("review", "other", "ok kak terima kasih"),
    ("contact_customer_service", "other", "selamat pagi, ada yang bisa bantu?"),
)

SLOTS: dict[str, tuple[str, ...]] = {
    "city": ("Jakarta", "Surabaya", "Bandung", "Medan", "Makassar", "Bali", "Jogja", "Pontianak", "Bekasi"),
    "days": ("3", "5", "7", "10", "2"),
    "bank": ("BCA", "Mandiri", "BRI", "BNI", "GoPay", "OVO", "DANA", "ShopeePay"),
    "courier": ("JNE", "J&T", "SiCepat", "AnterAja", "Pos Indonesia", "Ninja Xpress"),
    "product": ("kaos polos", "sepatu", "tas", "kemeja batik", "hijab", "jaket", "sandal", "celana"),
}
SHORTHAND = (
    ("yang", "yg"),
    ("tidak", "tdk"),
    ("nggak", "gak"),
    ("sudah", "udh"),
    ("belum", "blm"),
    ("saya", "sy"),
    ("gimana", "gmn"),
    ("terima kasih", "makasih"),
    ("untuk", "utk"),
    ("bisa", "bs"),
    ("dong", "dnk"),
    ("tolong", "tlg"),
    ("berapa", "brp"),
)
GREETINGS = ("", "", "kak ", "min ", "halo kak, ", "permisi, ", "gan ", "sis ", "pagi kak ")
ENDINGS = ("", "", " ya", " kak", " dong", " ya kak", " makasih", " 🙏", "??", " min")


def _fill_slots(template: str, rng: random.Random) -> str:
    def replace(match: re.Match[str]) -> str:
        name = match.group(1)
        if name == "order":
            return rng.choice(("#", "", "no ")) + str(rng.randint(1040, 98999))
        if name == "amount":
            return rng.choice(("Rp", "Rp ", "")) + f"{rng.choice((49, 75, 120, 150, 250, 399))}.000"
        return rng.choice(SLOTS[name])

    return re.sub(r"\{(\w+)\}", replace, template)


def _casual(text: str, rng: random.Random) -> str:
    for long, short in SHORTHAND:
        if rng.random() < 0.4:
            text = re.sub(rf"\b{long}\b", short, text)
    if rng.random() < 0.15 and len(text) > 8:  # one typo: two neighbouring letters swapped
        i = rng.randrange(1, len(text) - 2)
        text = text[:i] + text[i + 1] + text[i] + text[i + 2 :]
    text = rng.choice(GREETINGS) + text + rng.choice(ENDINGS)
    return text.upper() if rng.random() < 0.03 else text


def generate(per_category: int, seed: int) -> list[dict[str, str]]:
    """`per_category` distinct utterances per category, weakly labelled for urgency by the rubric."""
    rng = random.Random(seed)  # noqa: S311 (data generation, not a secret)
    by_category: dict[str, list[tuple[str, str]]] = {}
    for intent, category, template in TEMPLATES:
        by_category.setdefault(category, []).append((intent, template))
    rows: list[dict[str, str]] = []
    for category, templates in sorted(by_category.items()):
        seen: set[str] = set()
        attempts = 0
        while len(seen) < per_category and attempts < per_category * 20:
            attempts += 1
            intent, template = rng.choice(templates)
            text = _casual(_fill_slots(template, rng), rng)
            if text.lower() in seen:
                continue
            seen.add(text.lower())
            rows.append(
                {
                    "text": text,
                    "category": category,
                    "urgency": weak_urgency(intent, text),
                    "source": f"templated-id:{intent}",
                }
            )
    return rows
