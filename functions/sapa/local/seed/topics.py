"""What customers ask the shop about, how such conversations tend to go, and when in an order's life."""

from __future__ import annotations

from datetime import datetime, timedelta

from sapa.local.seed.model import Order, Topic

# fmt: off
TOPICS: dict[str, Topic] = {t.key: t for t in [
    #     key                 category    urgency                      more  handoff ticket convert
    Topic("delivery_status",  "delivery", ("low", "medium"),           0.35, 0.12,   0,     0,
          "Asked where order #{order} is"),
    Topic("delivery_late",    "delivery", ("high", "high", "medium"),  0.4,  0.45,   0.35,  0,
          "Order #{order} delayed in transit", "Late delivery, order #{order}"),
    Topic("delivery_cost",    "delivery", ("low",),                    0,    0.05,   0,     0.2,
          "Asked about shipping to {city}"),
    Topic("order_change",     "order",    ("medium",),                 0.8,  0.5,    0.15,  0,
          "Asked to change order #{order}", "Change to order #{order}"),
    Topic("order_cancel",     "order",    ("medium",),                 0,    0.3,    0,     0,
          "Asked to cancel order #{order}"),
    Topic("order_confirm",    "order",    ("low",),                    0,    0.1,    0,     0,
          "Asked for confirmation of order #{order}"),
    Topic("payment_confirm",  "payment",  ("medium", "low"),           0,    0.3,    0.1,   0,
          "Confirmed a bank transfer for order #{order}", "Check transfer for order #{order}"),
    Topic("payment_failed",   "payment",  ("high", "medium"),          0,    0.35,   0.15,  0,
          "Payment problem with order #{order}", "Failed payment, order #{order}"),
    Topic("payment_methods",  "payment",  ("low",),                    0,    0.05,   0,     0.25,
          "Asked which payment methods are accepted"),
    Topic("refund_request",   "refund",   ("high", "medium"),          0.8,  0.75,   0.7,   0,
          "Asked for a refund or return on order #{order}", "Refund request, order #{order}"),
    Topic("refund_status",    "refund",   ("medium",),                 0,    0.4,    0.2,   0,
          "Asked about the refund for order #{order}", "Refund not received, order #{order}"),
    Topic("product_question", "other",    ("low",),                    0.4,  0.08,   0,     0.3,
          "Asked about {product}"),
    Topic("wholesale",        "other",    ("medium", "low"),           0,    0.7,    0.4,   0.25,
          "Wholesale enquiry about {product}", "Wholesale quote: {product}"),
    Topic("store_info",       "other",    ("low",),                    0,    0.05,   0,     0.1,
          "Asked about the showroom and opening hours"),
]}

# Which questions an order in a given (final) status tends to cause, and how likely each is.
ORDER_TOPICS: dict[str, tuple[tuple[str, float], ...]] = {
    "completed": (("payment_confirm", 0.3), ("order_change", 0.1), ("order_confirm", 0.15),
                  ("delivery_status", 0.3), ("delivery_late", 0.25), ("refund_request", 0.04)),
    "processing": (("payment_confirm", 0.3), ("order_change", 0.15), ("order_confirm", 0.15),
                   ("delivery_status", 0.35)),
    "on-hold": (("payment_confirm", 0.6), ("order_confirm", 0.15)),
    "pending": (("payment_failed", 0.3), ("order_confirm", 0.2)),
    "cancelled": (("order_cancel", 0.7),),
    "refunded": (("refund_request", 0.9), ("refund_status", 0.4)),
    "failed": (("payment_failed", 0.6),),
}
PRE_SALE_TOPICS = {"product_question": 55, "delivery_cost": 18, "payment_methods": 12, "store_info": 8,
                   "wholesale": 7}
# fmt: on

_H = timedelta(hours=1)


def _window(start: datetime | None, end: datetime | None) -> tuple[datetime, datetime] | None:
    return (start, end) if start is not None and end is not None and end > start else None


def question_window(topic: str, o: Order) -> tuple[datetime, datetime] | None:
    """When, in the order's own history, a customer asks this kind of question about it."""
    modified = o.date_modified or o.created_at
    match topic:
        case "payment_confirm" if o.payment_method == "bacs":  # between ordering and the transfer clearing
            return _window(o.created_at + 0.1 * _H, (o.date_paid or o.created_at + 4 * _H) - 0.05 * _H)
        case "payment_failed":
            return _window(modified, modified + 2 * _H)
        case "order_change":  # only before it ships
            return _window(o.created_at + 0.1 * _H, o.shipped_at or o.created_at + 12 * _H)
        case "order_cancel":
            return _window(o.created_at + 0.2 * _H, modified)
        case "order_confirm":
            return _window(o.created_at + 0.5 * _H, o.created_at + 20 * _H)
        case "delivery_status" if o.shipped_at:
            return _window(o.shipped_at, o.date_completed or o.shipped_at + 96 * _H)
        case "delivery_late" if o.shipped_at and o.date_completed:
            return _window(o.shipped_at + 60 * _H, o.date_completed - _H)
        case "refund_request" if o.date_completed:  # after delivery; for refunded orders, before the refund
            end = o.date_completed + 72 * _H if o.status == "completed" else modified - 24 * _H
            return _window(o.date_completed, end)
        case "refund_status":
            return _window(modified + 20 * _H, modified + 96 * _H)
    return None
