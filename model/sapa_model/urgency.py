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
    # high: money or goods are being lost now, or the customer is complaining
    "payment_issue": "high",
    "complaint": "high",
    # medium: an existing order, payment, refund or account needs an action or an answer
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
    r"lost (?:package|parcel)|(?:package|parcel|paket) (?:is )?(?:lost|hilang)|damaged|broken|"
    r"wrong (?:item|size|colou?r|product)|lawyer|police|chargeback|penipu(?:an)?|nipu|ditipu|"
    r"kena tipu|uang (?:saya |aku |gue )?hilang|(?:ke)?potong (?:dua ?kali|2x|dobel)|dobel|"
    r"rusak|pecah|salah kirim|barang(?:nya)? salah|tidak sampai|gak sampai|ga sampai|"
    r"nggak sampai|polisi|lapor(?:kan)?|ylki|viral(?:kan)?|refund sekarang"
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
# Explicitly no hurry: one level down.
CALM = _words(
    r"no rush|no hurry|whenever|when you can|santai(?: aja)?|kapan[- ]kapan|"
    r"(?:ga|gak|nggak|tidak|ngga) (?:buru[- ]buru|urgent|penting)"
)


def _shift(level: str, steps: int) -> str:
    index = min(max(URGENCIES.index(level) + steps, 0), len(URGENCIES) - 1)
    return URGENCIES[index]


def weak_urgency(intent: str, text: str) -> str:
    """The rubric applied mechanically: base by intent, harm → high, pressure/anger +1, calm -1."""
    level = INTENT_BASE.get(intent, "low")
    if HARM.search(text) or text.count("!") >= 3:
        return "high"
    steps = int(bool(PRESSURE.search(text))) + int(bool(ANGER.search(text))) - int(bool(CALM.search(text)))
    return _shift(level, steps)
