"""The offline responder's sentences, in Indonesian and English, and how an order or product reads."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from sapa.assistant import variations
from sapa.assistant.money import format_money
from sapa.assistant.types import Language, Order, Product

# fmt: off
TEXTS: dict[Language, dict[str, str]] = {
    "id": {
        "hello": "Halo kak{name} 👋",
        "greeting": "Saya {assistant}, asisten virtual {shop}. Ada yang bisa saya bantu? Saya bisa cek "
                    "status pesanan, info produk, ongkir, pembayaran, pengembalian dan jam buka.",
        "assistant_off": "Terima kasih sudah menghubungi {shop} 🙏 Tim kami akan membalas di chat ini "
                         "secepatnya.",
        "away": "Terima kasih sudah menghubungi {shop} 🙏 Tim kami sedang di luar jam kerja. Pesannya "
                "sudah kami teruskan, dan tim akan membalas di chat ini mulai {opens}.",
        "follow_up": "Tim kami sedang di luar jam kerja; kalau masih perlu bantuan, mereka akan "
                     "menindaklanjuti mulai {opens}.",
        "soon": "secepatnya",
        "thanks": "Sama-sama kak{name} 😊 Senang bisa membantu!",
        "handoff": "Baik kak, saya sambungkan dengan tim {shop} ya. Mohon ditunggu sebentar, mereka akan "
                   "membalas di chat ini 🙏",
        "handoff_upset": "Mohon maaf atas ketidaknyamanannya kak 🙏 Saya sambungkan langsung dengan tim "
                         "{shop} supaya segera dibantu di chat ini.",
        "handoff_unsure": "Maaf kak, pertanyaan ini belum bisa saya jawab sendiri. Saya teruskan ke tim "
                          "{shop} ya, mereka akan membalas di chat ini 🙏",
        "order_one": "Pesanan #{number} tanggal {date} (total {total}) {status}.",
        "order_items": "Isi pesanan: {items}.",
        "orders_intro": "Ini pesanan terakhir atas nomor WhatsApp ini:",
        "order_not_found": "Maaf kak, saya tidak menemukan pesanan #{number} untuk nomor WhatsApp ini. "
                           "Pesanan hanya bisa saya cek dari nomor yang dipakai saat checkout.",
        "orders_of_number": "Pesanan atas nomor ini: {numbers}.",
        "no_orders": "Saya belum menemukan pesanan atas nomor WhatsApp ini kak. Boleh kirimkan nomor "
                     "pesanannya? Pesanan hanya bisa saya cek dari nomor yang dipakai saat checkout.",
        "ask_person": "Kalau perlu dibantu tim kami, balas *admin* ya kak.",
        "products_intro": "Ini yang saya temukan di katalog {shop}:",
        "products_outro": "Bisa langsung dipesan lewat link di atas ya kak 😊",
        "policy_outro": "Ada lagi yang bisa saya bantu kak? 😊",
        "knowledge_intro": "Menurut dokumen *{source}*:",
    },
    "en": {
        "hello": "Hi{name}! 👋",
        "greeting": "I'm {assistant}, the virtual assistant of {shop}. How can I help? I can check your "
                    "order status and answer questions about products, shipping, payment, returns and "
                    "opening hours.",
        "assistant_off": "Thanks for contacting {shop}. Our team will reply in this chat shortly.",
        "away": "Thanks for contacting {shop}. Our team is outside working hours right now. We've passed "
                "your message on, and the team will reply in this chat from {opens}.",
        "follow_up": "Our team is outside working hours now; if you need more help, they'll follow up "
                     "from {opens}.",
        "soon": "as soon as they can",
        "thanks": "You're welcome{name}! Happy to help 😊",
        "handoff": "Sure, I'm connecting you with the {shop} team. They'll reply in this chat shortly.",
        "handoff_upset": "I'm sorry about this. I'm connecting you with the {shop} team right away so "
                         "they can help you in this chat.",
        "handoff_unsure": "Sorry, I can't answer that myself. I'm passing your question to the {shop} team; "
                          "they'll reply in this chat shortly.",
        "order_one": "Order #{number} from {date} (total {total}) {status}.",
        "order_items": "Items: {items}.",
        "orders_intro": "Here are the latest orders for this WhatsApp number:",
        "order_not_found": "Sorry, I can't find order #{number} for this WhatsApp number. I can only look up "
                           "orders placed with the number you are writing from.",
        "orders_of_number": "Orders for this number: {numbers}.",
        "no_orders": "I couldn't find any orders for this WhatsApp number yet. Could you send me the order "
                     "number? I can only look up orders placed with the number you are writing from.",
        "ask_person": "If you'd like help from our team, just reply *admin*.",
        "products_intro": "Here's what I found in the {shop} catalogue:",
        "products_outro": "You can order through the links above 😊",
        "policy_outro": "Anything else I can help with?",
        "knowledge_intro": "According to our document *{source}*:",
    },
}

_STATUS: dict[Language, dict[str, str]] = {
    "id": {"pending": "masih menunggu pembayaran", "on-hold": "menunggu konfirmasi pembayaran",
           "shipped": "sudah dikirim via {method} dengan nomor resi {tracking}",
           "processing": "sudah dibayar dan sedang kami siapkan untuk dikirim", "completed": "sudah selesai",
           "cancelled": "sudah dibatalkan", "refunded": "sudah di-refund", "failed": "pembayarannya gagal",
           "other": "berstatus {status}"},
    "en": {"pending": "is awaiting payment", "on-hold": "is awaiting payment confirmation",
           "shipped": "has been shipped with {method}, tracking number {tracking}",
           "processing": "is paid and being prepared for shipping", "completed": "is completed",
           "cancelled": "was cancelled", "refunded": "has been refunded", "failed": "has a failed payment",
           "other": "has status {status}"},
}
_STOCK: dict[Language, dict[str, str]] = {
    "id": {"instock": "ready", "few": "stok tinggal {n}", "outofstock": "stok habis",
           "onbackorder": "pre-order"},
    "en": {"instock": "in stock", "few": "only {n} left", "outofstock": "out of stock",
           "onbackorder": "on backorder"},
}
_MONTHS: dict[Language, list[str]] = {
    "id": ["Jan", "Feb", "Mar", "Apr", "Mei", "Jun", "Jul", "Agu", "Sep", "Okt", "Nov", "Des"],
    "en": ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"],
}
# fmt: on


def text(language: Language, key: str, **values: str) -> str:
    return TEXTS[language][key].format(**values)


def hello(language: Language, first_name: str | None) -> str:
    return text(language, "hello", name=f" {first_name}" if first_name else "")


def local_date(moment: datetime, timezone: str, language: Language) -> str:
    local = moment.astimezone(ZoneInfo(timezone))
    return f"{local.day} {_MONTHS[language][local.month - 1]} {local.year}"


def order_status_phrase(order: Order, language: Language) -> str:
    words = _STATUS[language]
    if order.status == "processing" and order.tracking_number:
        method = order.shipping_method or ("kurir" if language == "id" else "the courier")
        return words["shipped"].format(method=method, tracking=order.tracking_number)
    return words.get(order.status, words["other"]).format(status=order.status)


def order_sentence(order: Order, timezone: str, language: Language) -> str:
    return text(
        language,
        "order_one",
        number=order.number,
        date=local_date(order.created_at, timezone, language),
        total=format_money(order.total, order.currency),
        status=order_status_phrase(order, language),
    )


def order_items(order: Order, language: Language) -> str:
    items = ", ".join(f"{item.name} x{item.quantity}" for item in order.items)
    return text(language, "order_items", items=items) if items else ""


def product_line(product: Product, currency: str, language: Language) -> str:
    price = format_money(product.price, currency) if product.price is not None else ""
    details = ", ".join(d for d in (price, _stock(product, language)) if d)
    line = f"• {product.name}" + (f" ({details})" if details else "")
    options = variations.options_line(product, language)
    line += f"\n  {options}" if options else ""
    return f"{line}\n  {product.permalink}" if product.permalink else line


def _stock(product: Product, language: Language) -> str:
    words = _STOCK[language]
    quantity = product.stock_quantity
    if product.stock_status == "instock" and quantity is not None and 0 < quantity <= 5:
        return words["few"].format(n=str(quantity))
    return words.get(product.stock_status or "", "")
