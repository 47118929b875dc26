"""Every text the seed's customers, bot and agents send, and how a text is filled in for a conversation."""

from __future__ import annotations

from sapa.local.seed.catalogue import BANKS
from sapa.local.seed.model import Conversation, Message

# Every message the seed sends, by `<topic>.<part>` (opening, bot, more, bot_more, agent) or a shared
# key, then language. A message starts with "- "; indented lines continue it.
_MESSAGE_TEXT = """
[delivery_status.opening.id]
- Halo kak, pesanan saya #{order} sudah dikirim belum ya?
- Min, paket #{order} sudah sampai mana ya? 🙏
- Selamat siang, boleh minta nomor resi untuk order #{order}?
- Kak mau tanya, {product} yang saya pesan kapan dikirim? No. pesanan {order}
[delivery_status.opening.en]
- Hi, has my order #{order} been shipped yet?
- Hello! Could I get the tracking number for order #{order}?
- Hi there, any update on the delivery of order #{order}?
[delivery_status.bot.id]
- Halo kak {name} 👋 Pesanan #{order} sudah dikirim via {courier} dengan nomor resi {resi}.
  Estimasi tiba 2-4 hari kerja ya kak.
- Terima kasih sudah menunggu, kak {name}. Paket #{order} sudah diserahkan ke {courier},
  resinya {resi} 😊
[delivery_status.bot.en]
- Hi {name}! Order #{order} was shipped with {courier}, tracking number {resi}.
  It should arrive within 2-4 working days.
- Thanks for waiting, {name}. Order #{order} is with {courier} now; the tracking number is {resi}.
[delivery_status.more.id]
- Biasanya berapa hari sampai {city} kak?
- Kok di web {courier} belum update ya kak?
[delivery_status.more.en]
- How long does it usually take to {city}?
- The courier's website hasn't updated yet, is that normal?
[delivery_status.bot_more.id]
- Untuk tujuan {city} biasanya 2-4 hari kerja kak. Status di sistem kurir kadang baru muncul
  1x24 jam setelah paket diserahkan ya 🙏
[delivery_status.bot_more.en]
- Deliveries to {city} usually take 2-4 working days. The courier's tracking can take up to
  24 hours to show the first scan.
[delivery_status.agent.id]
- Halo kak {name}, saya {agent} dari tim {shop}. Sudah saya cek ke {courier}, paket #{order}
  sedang transit di {city} dan dijadwalkan diantar besok ya kak.
[delivery_status.agent.en]
- Hi {name}, this is {agent} from {shop}. I checked with {courier}: order #{order} is in transit
  in {city} and should be delivered tomorrow.

[delivery_late.opening.id]
- Kak, paket #{order} belum sampai juga padahal sudah {days} hari. Tolong dibantu cek ya
- Min ini gimana ya, resi {resi} statusnya nggak gerak dari kemarin 😕
- Pesanan #{order} lama banget sampainya, saya butuh buat kondangan hari Sabtu kak
[delivery_late.opening.en]
- My order #{order} still hasn't arrived after {days} days. Can you check please?
- The tracking for {resi} hasn't moved since yesterday, is something wrong?
[delivery_late.bot.id]
- Mohon maaf atas keterlambatannya kak {name} 🙏 Menurut data {courier}, paket #{order}
  (resi {resi}) masih dalam perjalanan ke {city}. Kami bantu pantau ya.
[delivery_late.bot.en]
- Sorry for the delay, {name}. According to {courier}, order #{order} (tracking {resi}) is still
  on its way to {city}. We'll keep an eye on it.
[delivery_late.more.id]
- Tolong ya kak, saya butuh cepat
- Bisa minta nomor CS {courier}?
[delivery_late.more.en]
- Please, I need it urgently.
- Could you give me the courier's contact?
[delivery_late.bot_more.id]
- Baik kak, kami tandai sebagai prioritas 🙏
[delivery_late.bot_more.en]
- Understood, we've flagged it as urgent.
[delivery_late.agent.id]
- Halo kak {name}, saya {agent} dari {shop}. Sudah kami ajukan komplain ke {courier} untuk resi
  {resi}; paket dijadwalkan diantar ulang besok pagi ya kak.
- Halo kak {name}, saya {agent}. Paket #{order} tertahan di gudang {courier} {city}, sudah kami
  minta diprioritaskan hari ini.
[delivery_late.agent.en]
- Hi {name}, {agent} from {shop} here. We've filed a complaint with {courier} for {resi};
  redelivery is scheduled for tomorrow morning.

[delivery_cost.opening.id]
- Kak, ongkir ke {city} berapa ya?
- Bisa kirim ke {city} kak? Kira-kira berapa hari?
- Ada gratis ongkir nggak kak kalau beli {product}?
[delivery_cost.opening.en]
- Hi, how much is shipping to {city}?
- Do you deliver to {city}? How many days does it take?
[delivery_cost.bot.id]
- Halo kak {name} 😊 Kami kirim ke seluruh Indonesia via JNE, J&T, SiCepat dan AnterAja.
  Ongkir ke {city} mulai Rp 18.000, estimasi 2-4 hari kerja; gratis ongkir untuk belanja di
  atas Rp 500.000.
[delivery_cost.bot.en]
- Hi {name}! We ship all over Indonesia with JNE, J&T, SiCepat and AnterAja. Shipping to {city}
  starts at Rp 18,000 and takes 2-4 working days; it's free above Rp 500,000.
[delivery_cost.agent.id]
- Halo kak {name}, saya {agent}. Untuk {city} bisa pakai SiCepat BEST, estimasi 1-2 hari ya kak.
[delivery_cost.agent.en]
- Hi {name}, {agent} here. For {city} we can use SiCepat BEST, which takes 1-2 days.

[order_change.opening.id]
- Kak, saya mau ganti alamat pengiriman untuk pesanan #{order}, bisa?
- Min, di pesanan #{order} {product}-nya bisa tukar warna nggak?
- Kak saya salah pilih motif di order #{order}, bisa diganti sebelum dikirim?
[order_change.opening.en]
- Can I change the delivery address for order #{order}?
- Could I swap the {product} in order #{order} for another colour?
[order_change.bot.id]
- Baik kak {name}, pesanan #{order} belum dikirim jadi masih bisa diubah. Mohon kirimkan detail
  perubahannya ya, tim kami akan memprosesnya.
[order_change.bot.en]
- Sure {name}, order #{order} hasn't shipped yet so it can still be changed. Please send the
  details and our team will update it.
[order_change.more.id]
- Alamat baru: {street}, {city}
- Jadi warna biru indigo ya kak, jumlahnya tetap
[order_change.more.en]
- New address: {street}, {city}
- Indigo blue please, same quantity.
[order_change.bot_more.id]
- Terima kasih kak, sudah kami catat 🙏
[order_change.bot_more.en]
- Thanks, noted!
[order_change.agent.id]
- Halo kak {name}, saya {agent}. Perubahan untuk pesanan #{order} sudah saya update ya kak,
  total tetap {total}.
[order_change.agent.en]
- Hi {name}, {agent} here. I've updated order #{order} for you; the total stays {total}.

[order_cancel.opening.id]
- Kak, pesanan #{order} tolong dibatalkan saja ya, saya double order
- Min, mau cancel order #{order}, ternyata salah warna
- Bisa batalkan pesanan #{order}? Belum saya bayar kok
[order_cancel.opening.en]
- Please cancel order #{order}, I placed it twice by mistake.
- Hi, can I cancel #{order}? I haven't paid yet.
[order_cancel.bot.id]
- Siap kak {name}, permintaan pembatalan pesanan #{order} sudah kami teruskan. Karena belum
  dibayar, tidak ada dana yang perlu dikembalikan ya.
[order_cancel.bot.en]
- No problem, {name}. The cancellation of order #{order} has been passed on; since it wasn't
  paid, there's nothing to refund.
[order_cancel.agent.id]
- Halo kak {name}, pesanan #{order} sudah saya batalkan ya. Ditunggu order berikutnya 😊
[order_cancel.agent.en]
- Hi {name}, order #{order} is cancelled now. Hope to see you again soon!

[order_confirm.opening.id]
- Kak, pesanan #{order} sudah masuk kan? Belum dapat email konfirmasi
- Pesanan saya #{order} sudah diproses belum ya kak?
- Kak, {product} di pesanan #{order} ada stoknya kan?
[order_confirm.opening.en]
- Hi, did my order #{order} go through? I didn't get a confirmation email.
- Is order #{order} being processed?
[order_confirm.bot.id]
- Halo kak {name}, pesanan #{order} sudah kami terima dengan total {total} dan statusnya
  {status} 😊
[order_confirm.bot.en]
- Hi {name}, we've received order #{order} (total {total}); its status is {status}.
[order_confirm.agent.id]
- Halo kak {name}, saya {agent}. Pesanan #{order} aman ya kak, sedang kami siapkan.
[order_confirm.agent.en]
- Hi {name}, {agent} here. Order #{order} is confirmed and being prepared.

[payment_confirm.opening.id]
- Kak, saya sudah transfer {total} ke {bank} untuk pesanan #{order}, mohon dicek ya 🙏
- Min, bukti transfer untuk order #{order} sudah saya kirim, kapan diproses?
- Sudah bayar ya kak #{order}, atas nama {full_name}
[payment_confirm.opening.en]
- Hi, I've transferred {total} to {bank} for order #{order}, could you check?
- Payment for #{order} is done, please confirm.
[payment_confirm.bot.id]
- Terima kasih kak {name} 🙏 Transfer bank kami cek manual maksimal 1x24 jam di jam kerja;
  pesanan #{order} langsung diproses setelah dana masuk.
[payment_confirm.bot.en]
- Thank you, {name}! Bank transfers are checked manually within 24 working hours; order
  #{order} will be processed as soon as the payment is in.
[payment_confirm.agent.id]
- Halo kak {name}, saya {agent}. Transfer {total} untuk pesanan #{order} sudah masuk ya kak,
  pesanan segera kami kirim.
[payment_confirm.agent.en]
- Hi {name}, {agent} here. Your transfer of {total} for #{order} has arrived; we'll ship it
  shortly.

[payment_failed.opening.id]
- Kak, bayar pakai GoPay gagal terus untuk pesanan #{order}, gimana ya?
- Pembayaran kartu kredit saya ditolak kak, padahal limit masih ada. Order #{order}
- Min, virtual account untuk #{order} kok sudah expired?
[payment_failed.opening.en]
- My card payment keeps failing for order #{order}. What should I do?
- The payment page for #{order} says the transaction failed.
[payment_failed.bot.id]
- Mohon maaf kak {name} 🙏 Silakan coba lagi lewat link pembayaran di email pesanan #{order},
  atau pilih transfer bank BCA/Mandiri. Kalau masih gagal, kabari kami ya.
[payment_failed.bot.en]
- Sorry about that, {name}. Please try again from the payment link in the order #{order} email,
  or choose bank transfer (BCA/Mandiri). Let us know if it still fails.
[payment_failed.agent.id]
- Halo kak {name}, saya {agent}. Sudah saya buatkan link pembayaran baru untuk #{order} ya kak,
  berlaku 24 jam.
[payment_failed.agent.en]
- Hi {name}, {agent} here. I've sent you a new payment link for #{order}, valid for 24 hours.

[payment_methods.opening.id]
- Kak, bisa bayar COD?
- Bisa cicilan pakai kartu kredit nggak kak?
- Pembayaran bisa lewat QRIS atau OVO?
[payment_methods.opening.en]
- Do you accept international credit cards?
- Can I pay cash on delivery?
[payment_methods.bot.id]
- Bisa kak {name} 😊 Kami menerima transfer bank (BCA, Mandiri, BNI), QRIS, GoPay, OVO dan
  kartu kredit lewat Midtrans, serta COD untuk area Jabodetabek.
[payment_methods.bot.en]
- Yes, {name}! We accept bank transfer (BCA, Mandiri, BNI), QRIS, GoPay, OVO and credit cards
  via Midtrans, plus cash on delivery in Greater Jakarta.
[payment_methods.agent.id]
- Halo kak {name}, saya {agent}. Untuk cicilan 0% bisa pakai kartu kredit BCA lewat Midtrans
  ya kak.
[payment_methods.agent.en]
- Hi {name}, {agent} here. Visa and Mastercard from any country work through Midtrans.

[refund_request.opening.id]
- Kak, {product} yang saya terima ada nodanya, bisa tukar atau refund?
- Barang dari pesanan #{order} jahitannya lepas kak, saya mau refund 😞
- Warna {product} beda jauh sama di foto kak, mau retur pesanan #{order}
- Paket #{order} datang tapi isinya kurang satu kak
[refund_request.opening.en]
- The {product} from order #{order} arrived damaged. I'd like a refund please.
- The colour of the {product} is very different from the photos, can I return it?
[refund_request.bot.id]
- Mohon maaf atas ketidaknyamanannya kak {name} 🙏 Pengembalian bisa dalam 7 hari setelah
  barang diterima. Boleh kirimkan foto barangnya? Saya teruskan ke tim kami.
[refund_request.bot.en]
- I'm sorry about that, {name}. Returns are accepted within 7 days of delivery. Could you send
  a photo of the item? I'll pass it to our team.
[refund_request.more.id]
- Ini fotonya kak
- Sudah saya kirim fotonya ya
[refund_request.more.en]
- Here's the photo.
[refund_request.bot_more.id]
- Terima kasih kak, fotonya sudah kami terima.
[refund_request.bot_more.en]
- Thanks, we got the photo.
[refund_request.agent.id]
- Halo kak {name}, saya {agent} dari {shop}. Sudah kami cek fotonya, refund {total} kami
  setujui dan diproses 1-3 hari kerja ya kak.
- Halo kak {name}, saya {agent}. Kami kirimkan pengganti {product} tanpa biaya tambahan ya kak,
  barang yang lama tidak perlu dikembalikan.
[refund_request.agent.en]
- Hi {name}, {agent} from {shop}. We've reviewed the photo and approved a refund of {total};
  it takes 1-3 working days.

[refund_status.opening.id]
- Kak, dana refund untuk pesanan #{order} kok belum masuk ya?
- Refund #{order} sudah diproses belum kak?
[refund_status.opening.en]
- Hi, I still haven't received the refund for order #{order}.
- Has the refund for #{order} been processed?
[refund_status.bot.id]
- Refund pesanan #{order} sebesar {total} sudah kami proses kak {name}. Dana biasanya masuk
  1-3 hari kerja tergantung bank ya 🙏
[refund_status.bot.en]
- The refund of {total} for order #{order} has been processed, {name}. It usually takes 1-3
  working days to reach your account.
[refund_status.agent.id]
- Halo kak {name}, saya {agent}. Ini bukti transfer refund #{order} ya kak, mohon dicek kembali.
[refund_status.agent.en]
- Hi {name}, {agent} here. Here's the transfer receipt for the refund on #{order}.

[product_question.opening.id]
- Kak, {product} masih ready?
- {product} bahannya apa ya kak? Adem nggak?
- Halo kak, {product} ada warna lain?
- Kak, {product} bisa dicuci pakai mesin?
- Ada diskon kalau beli 3 {product} kak?
[product_question.opening.en]
- Hi! Is the {product} still available?
- What fabric is the {product} made of?
- Does the {product} come in XL?
[product_question.bot.id]
- Halo kak {name} 😊 {product} masih ready, harganya {price}. Bahannya katun primisima yang adem
  dan tidak luntur. Bisa langsung dipesan di {site} ya kak.
- Ready kak {name}! {product} harganya {price}, stok terbatas. Mau dibantu pesan?
[product_question.bot.en]
- Hi {name}! The {product} is in stock at {price}. It's made of soft primisima cotton that
  doesn't fade. You can order it at {site}.
[product_question.more.id]
- Kalau beli 2 bisa dapat diskon kak?
- Bisa dikirim hari ini kak?
[product_question.more.en]
- Can it ship today?
- Is there another colour?
[product_question.bot_more.id]
- Bisa kak 😊 Pembelian 2 pcs dapat potongan 5%, dan pesanan sebelum jam 14.00 dikirim hari yang
  sama 🙏
[product_question.bot_more.en]
- Orders placed before 2 pm ship the same day, and most designs also come in sogan brown and
  indigo blue.
[product_question.agent.id]
- Halo kak {name}, saya {agent}. Stok {product} tinggal sedikit, mau saya bantu siapkan
  pesanannya?
[product_question.agent.en]
- Hi {name}, {agent} here. We only have a few {product} left; shall I set one aside for you?

[wholesale.opening.id]
- Kak, kalau pesan 50 pcs {product} untuk seragam kantor bisa harga grosir?
- Mau tanya kak, terima pesanan batik seragam untuk acara keluarga 30 orang?
- Ada harga reseller nggak kak?
[wholesale.opening.en]
- Do you offer wholesale prices for 40 pieces of {product} for our office?
[wholesale.bot.id]
- Bisa kak {name} 😊 Untuk pembelian mulai 12 pcs ada harga khusus dan bisa request motif.
  Tim penjualan kami akan membantu detailnya.
[wholesale.bot.en]
- Yes, {name}! Orders of 12 pieces or more get special prices, and custom patterns are
  possible. Our sales team will help with the details.
[wholesale.agent.id]
- Halo kak {name}, saya {agent}. Untuk {product} di atas 24 pcs kami beri diskon 15% ya kak,
  produksi 2 minggu. Boleh info ukuran yang dibutuhkan?
[wholesale.agent.en]
- Hi {name}, {agent} here. For more than 24 pieces of {product} we give 15% off, with two
  weeks of production. Which sizes do you need?

[store_info.opening.id]
- Kak, tokonya ada offline store nggak?
- Jam operasional CS sampai jam berapa ya kak?
- Kak, bisa ambil langsung di toko?
[store_info.opening.en]
- Do you have a physical shop I can visit?
- What are your opening hours?
[store_info.bot.id]
- Halo kak {name} 😊 Showroom kami di Jl. Kauman No. 12, Solo, buka Senin-Sabtu 09.00-17.00.
  CS WhatsApp siap membantu setiap hari 08.00-21.00.
[store_info.bot.en]
- Hi {name}! Our showroom is at Jl. Kauman No. 12, Solo, open Mon-Sat 9 am-5 pm. WhatsApp
  support is available daily 8 am-9 pm.
[store_info.agent.id]
- Halo kak {name}, saya {agent}. Boleh kak, pengambilan di showroom bisa mulai besok jam 10 ya.
[store_info.agent.en]
- Hi {name}, {agent} here. Yes, you can pick it up at the showroom from 10 am tomorrow.

[thanks.id]
- Oke kak, terima kasih banyak 🙏
- Siap, makasih infonya kak
- Terima kasih kak, sudah jelas
- Mantap, makasih min!
- Baik kak, terima kasih
- Sip kak, makasih ya
[thanks.en]
- Great, thank you!
- Thanks, that helps a lot.
- Perfect, thanks!
[bot_closing.id]
- Sama-sama kak {name} 😊 Senang bisa membantu!
- Sama-sama kak, selamat berbelanja di {shop} 🙏
[bot_closing.en]
- You're welcome, {name}! Happy to help.
- Anytime, {name}! Enjoy your batik 😊
[ask_human.id]
- Bisa bicara langsung dengan admin kak?
- Saya mau ngobrol sama orangnya langsung aja kak
- Tolong sambungkan ke CS ya
[ask_human.en]
- Can I talk to a person please?
- I'd like to speak to someone from your team.
[bot_handoff.id]
- Baik kak {name}, saya sambungkan dengan tim {shop} ya. Mohon ditunggu sebentar 🙏
[bot_handoff.en]
- Sure, {name}. I'm connecting you with the {shop} team; they'll reply shortly.
[acknowledge.id]
- Oke kak, ditunggu ya
- Baik, terima kasih kak
- Siap kak 👍
- Wah cepat, makasih kak
[acknowledge.en]
- Okay, thanks!
- Alright, thank you.
- Great, thanks for sorting it out.
[agent_closing.id]
- Sama-sama kak {name}. Kalau ada kendala lagi langsung kabari kami ya 🙏
[agent_closing.en]
- You're welcome, {name}. Let us know if there's anything else.
"""


def _parse_messages(text: str) -> dict[str, dict[str, tuple[str, ...]]]:
    messages: dict[str, dict[str, list[str]]] = {}
    current: list[str] = []
    for line in text.splitlines():
        if line.startswith("["):
            key, _, lang = line.strip("[]").rpartition(".")
            current = messages.setdefault(key, {}).setdefault(lang, [])
        elif line.startswith("- "):
            current.append(line[2:])
        elif line.startswith("  "):
            current[-1] += " " + line.strip()
    return {key: {lang: tuple(texts) for lang, texts in by_lang.items()} for key, by_lang in messages.items()}


MESSAGES = _parse_messages(_MESSAGE_TEXT)

# fmt: off
_STATUS_WORDS = {
    "id": {"processing": "sedang diproses", "on-hold": "menunggu konfirmasi pembayaran",
           "pending": "menunggu pembayaran", "completed": "selesai"},
    "en": {"processing": "processing", "on-hold": "awaiting payment confirmation",
           "pending": "awaiting payment", "completed": "completed"},
}
# fmt: on


def render(template: str, conversation: Conversation, message: Message, shop: str, site: str) -> str:
    """The final text of a seeded message: placeholders filled from the conversation's real rows."""
    customer, order, lang = conversation.customer, conversation.order, conversation.customer.lang
    values = {
        "name": customer.first_name,
        "full_name": customer.name,
        "shop": shop,
        "site": site.removeprefix("https://"),
        "product": conversation.product.name,
        "price": _rupiah(conversation.product.price, lang),
        "city": conversation.city,
        "agent": conversation.agent.first_name if conversation.agent else "",
        "bank": BANKS[conversation.id.int % len(BANKS)],
        "street": f"Jl. Melati No. {conversation.id.int % 97 + 1}",
    }
    if order is not None:
        shipped_or_ordered = order.shipped_at or order.created_at
        values |= {
            "order": str(order.number),
            "total": _rupiah(order.total, lang),
            "courier": order.courier.name,
            "resi": order.tracking_number or "-",
            "days": str(max(3, (conversation.created_at - shipped_or_ordered).days)),
            "status": _STATUS_WORDS[lang][order.status_at(message.at)],
        }
    return template.format(**values)


def _rupiah(amount: int, lang: str) -> str:
    grouped = f"{amount:,}"
    return f"Rp {grouped.replace(',', '.') if lang == 'id' else grouped}"
