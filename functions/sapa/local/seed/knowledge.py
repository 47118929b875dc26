"""What the demo stores tell their assistant: a persona and a few policies in Indonesian and English.

The facts match what the seeded bot and agents say in the conversations (texts.py): couriers and
shipping costs, 7-day returns, the payment methods, the Solo showroom's hours."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

import psycopg

from sapa.local.seed.stores import DEMO

# fmt: off
PERSONAS = {
    DEMO.store_id:
        "Asisten Batik Sapa: ramah, sopan dan ringkas. Sapa pelanggan dengan \"kak\" dan nama depannya, "
        "pakai emoji secukupnya (😊🙏). Batik Sapa menjual batik tulis, cap dan print dari perajin Solo, "
        "Pekalongan dan Lasem. Tawarkan bantuan memilih ukuran atau motif, jangan pernah memaksa membeli. "
        "With English-speaking customers, be warm and concise.",
    DEMO.other_store_id:
        "Asisten Toko Lain: singkat dan to the point, panggil pelanggan \"kak\".",
}

# (store, topic, language, title, body)
POLICIES: list[tuple[str, str, str, str, str]] = [
    (DEMO.store_id, "shipping", "id", "Pengiriman dan ongkir",
     "Kami kirim ke seluruh Indonesia dari Solo via JNE, J&T Express, SiCepat dan AnterAja. Ongkir mulai "
     "Rp 18.000 tergantung kota tujuan, estimasi 2-4 hari kerja untuk Pulau Jawa dan 3-7 hari kerja untuk "
     "luar Jawa. Gratis ongkir untuk belanja di atas Rp 500.000. Pesanan yang dibayar sebelum jam 14.00 WIB "
     "dikirim hari itu juga (Senin-Sabtu), dan nomor resi dikirim lewat WhatsApp dan email."),
    (DEMO.store_id, "shipping", "en", "Shipping and delivery costs",
     "We ship all over Indonesia from Solo with JNE, J&T Express, SiCepat and AnterAja. Shipping starts at "
     "Rp 18.000 depending on the city, and takes 2-4 working days on Java and 3-7 working days elsewhere. "
     "Shipping is free for orders above Rp 500.000. Orders paid before 2 pm (Jakarta time) ship the same "
     "day (Monday-Saturday); the tracking number is sent by WhatsApp and email."),
    (DEMO.store_id, "returns", "id", "Pengembalian dan refund",
     "Barang bisa ditukar atau dikembalikan dalam 7 hari setelah diterima, selama belum dipakai atau dicuci "
     "dan label masih terpasang. Untuk barang cacat atau salah kirim, kirimkan foto barangnya lewat "
     "WhatsApp; ongkir retur kami tanggung. Refund ditransfer ke rekening kakak 1-3 hari kerja setelah "
     "barang kami terima. Kain potongan dan masker tidak bisa dikembalikan."),
    (DEMO.store_id, "returns", "en", "Returns and refunds",
     "Items can be exchanged or returned within 7 days of delivery if unworn, unwashed and with the label "
     "attached. For damaged or wrong items, send us a photo on WhatsApp and we pay the return shipping. "
     "Refunds are transferred to your bank account within 1-3 working days after we receive the item. "
     "Cut fabric and face masks cannot be returned."),
    (DEMO.store_id, "payment", "id", "Metode pembayaran",
     "Kami menerima transfer bank (BCA, Mandiri, BNI), QRIS, GoPay, OVO dan kartu kredit lewat Midtrans "
     "(cicilan 0% 3 bulan untuk kartu kredit BCA), serta COD untuk area Jabodetabek. Transfer bank dicek "
     "manual maksimal 1x24 jam pada jam kerja; pesanan diproses setelah pembayaran masuk."),
    (DEMO.store_id, "payment", "en", "Payment methods",
     "We accept bank transfer (BCA, Mandiri, BNI), QRIS, GoPay, OVO and credit cards via Midtrans (Visa and "
     "Mastercard from any country; 0% instalments over 3 months with BCA cards), plus cash on delivery in "
     "Greater Jakarta. Bank transfers are checked by hand within 24 working hours; orders are processed "
     "once the payment is in."),
    (DEMO.store_id, "hours", "id", "Jam buka dan showroom",
     "Showroom kami di Jl. Kauman No. 12, Solo, buka Senin-Sabtu 09.00-17.00 WIB (Minggu dan hari libur "
     "nasional tutup). Pesanan online bisa diambil di showroom. CS WhatsApp siap membantu setiap hari "
     "08.00-21.00 WIB."),
    (DEMO.store_id, "hours", "en", "Opening hours and showroom",
     "Our showroom is at Jl. Kauman No. 12, Solo, open Monday-Saturday 9 am-5 pm Jakarta time (closed on "
     "Sundays and public holidays). Online orders can be picked up there. WhatsApp support is available "
     "every day 8 am-9 pm."),
    (DEMO.store_id, "general", "id", "Pembelian grosir dan seragam",
     "Untuk pembelian mulai 12 pcs ada harga khusus, dan seragam bisa dengan motif custom (produksi sekitar "
     "2 minggu). Tim penjualan kami akan membantu detailnya."),
    (DEMO.other_store_id, "shipping", "id", "Pengiriman",
     "Pesanan dikirim dari Yogyakarta setiap Senin, Rabu dan Jumat via JNE. Ongkir mengikuti tarif JNE."),
    (DEMO.other_store_id, "hours", "id", "Jam layanan",
     "Admin Toko Lain membalas chat Senin-Jumat 10.00-16.00 WIB."),
]
# fmt: on


def write_store_knowledge(conn: psycopg.Connection[Any], written_at: datetime) -> None:
    """The demo stores' personas and policies (ids derived from their content: the same every time)."""
    for store_id, persona in PERSONAS.items():
        conn.execute("update public.stores set bot_persona = %s where id = %s", (persona, store_id))
    for store_id, topic, language, title, body in POLICIES:
        policy_id = uuid.uuid5(uuid.UUID(store_id), f"policy:{topic}:{language}:{title}")
        conn.execute(
            "insert into public.store_policies (id, store_id, topic, language, title, body, created_at,"
            " updated_at) values (%s, %s, %s, %s, %s, %s, %s, %s)",
            (policy_id, store_id, topic, language, title, body, written_at, written_at),
        )
