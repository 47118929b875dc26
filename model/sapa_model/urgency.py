"""Weak urgency labels by the rubric in model/URGENCY.md: a base level from the intent, then cue words
(English and Indonesian) that raise or lower it. The model's urgency head is trained on these labels;
the hand-labelled real-style set measures how far the rubric's letter and the model's guess are from a
person reading the message.
"""

from __future__ import annotations

import re

from sapa_model.config import URGENCIES

# Base level per Bitext intent (and per intent of the templated Indonesian utterances).
INTENT_BASE: dict[str, str] = {
    # high: the customer is complaining (anger)
    "complaint": "high",
    # medium: an existing order, payment, refund or account needs an action or an answer. A payment
    # problem is medium until money is lost (charged twice, debited without an order: HARM cues)
    "payment_issue": "medium",
    "cancel_order": "medium",
    "change_order": "medium",
    "track_order": "medium",
    "delivery_period": "medium",
    "get_refund": "medium",
    "track_refund": "medium",
    "change_shipping_address": "medium",
    "recover_password": "medium",
    "registration_problems": "medium",
    "contact_human_agent": "medium",
    "delete_account": "medium",
    # low: information before buying, policies, feedback, account admin
    "place_order": "low",
    "delivery_options": "low",
    "check_payment_methods": "low",
    "check_refund_policy": "low",
    "check_cancellation_fee": "low",
    "create_account": "low",
    "edit_account": "low",
    "switch_account": "low",
    "set_up_shipping_address": "low",
    "newsletter_subscription": "low",
    "review": "low",
    "check_invoice": "low",
    "get_invoice": "low",
    "contact_customer_service": "low",
}


def _words(alternatives: str) -> re.Pattern[str]:
    """Whole words or phrases only ("now" does not match inside "know")."""
    return re.compile(r"(?<![\w])(?:" + alternatives + r")(?![\w])", re.IGNORECASE)


# Harm happening now, or a customer about to escalate outside the shop: always high.
HARM = _words(
    r"fraud|scam(?:med)?|stolen|charged twice|double[- ]?charged?|charged 2x|"
    r"money (?:is )?gone|never (?:arrived|came|received)|not received|didn'?t receive|"
    r"lost (?:package|parcel)|(?:package|parcel|paket)(?:nya)? (?:is )?(?:lost|hilang|ilang)|damaged|"
    r"broken|cracked|hacked|unauthori[sz]ed|"
    r"wrong (?:item|size|colou?r|product)|lawyer|police|chargeback|penipu(?:an)?|nipu|ditipu|"
    r"kena tipu|uang (?:saya |aku |gue )?hilang|(?:ke|ter)?potong|dobel|dihack|diretas|"
    r"rusak|pecah|retak|cacat|salah kirim|barang(?:nya)? salah|tidak sampai|gak sampai|ga sampai|"
    r"nggak sampai|polisi|lapor(?:kan)?|ylki|bpsk|pengacara|viral(?:kan)?|refund sekarang"
)
# Time pressure: one level up.
PRESSURE = _words(
    r"urgent(?:ly)?|asap|immediately|right now|right away|today|tonight|as soon as possible|"
    r"still (?:waiting|not)|(?:two|three|\d+) weeks?|segera|secepatnya|cepat(?:an)?|cepetan|"
    r"buruan|sekarang|hari ini|darurat|urgen|penting banget|udah (?:seminggu|\d+ hari|lama)|"
    r"sudah (?:seminggu|\d+ hari|lama)|masih belum|blm juga|belum juga"
)
# Anger and profanity (Bitext's offensive variation included): one level up.
ANGER = _words(
    r"f+u+c+k\w*|goddamn\w*|damn\w*|bloody|shit\w*|crap\w*|worst|terrible|ridiculous|"
    r"unacceptable|kecewa|parah|anjir|anjing|bangsat|sialan|brengsek|gila|payah|ngecewain"
)
# A thank-you or a greeting that asks nothing: never more than low.
GRATITUDE = _words(
    r"thanks?|thank (?:you|u)|thx|appreciate(?:d)?|terima ?kasih|makasih|makasi|mksh|trims|tq|"
    r"mantap|sukses terus|good (?:morning|afternoon|evening)|selamat (?:pagi|siang|sore|malam)"
)
# A request or a question: a message with one is not a thank-you note, even when it ends "makasih".
REQUEST = _words(
    r"mau|tolong|tlg|please|pls|bisa|minta|mohon|can|could|would|want|need|how|when|where|why|"
    r"kapan|gimana|bagaimana|berapa|brp|kenapa|knp|kok|mana|batal\w*|cancel\w*|refund|retur\w*"
)
# Explicitly no hurry: one level down.
CALM = _words(
    r"no rush|no hurry|whenever|when you can|santai(?: aja)?|kapan[- ]kapan|"
    r"(?:ga|gak|nggak|tidak|ngga) (?:buru[- ]buru|urgent|penting)"
)


def _shift(level: str, steps: int) -> str:
    index = min(max(URGENCIES.index(level) + steps, 0), len(URGENCIES) - 1)
    return URGENCIES[index]


def weak_urgency(intent: str, text: str) -> str:
    """The rubric applied mechanically: a thank-you note (no request, no question, no anger) is low;
    harm → high; else the intent's base, pressure/anger +1, calm -1, and a question for information
    (base low) at most medium."""
    anger = bool(ANGER.search(text)) or text.count("!") >= 3
    if GRATITUDE.search(text) and "?" not in text and not REQUEST.search(text) and not anger:
        return "low"
    if HARM.search(text) or text.count("!") >= 3:
        return "high"
    base = INTENT_BASE.get(intent, "low")
    steps = int(bool(PRESSURE.search(text))) + int(bool(ANGER.search(text))) - int(bool(CALM.search(text)))
    level = _shift(base, steps)
    return "medium" if base == "low" and level == "high" else level
