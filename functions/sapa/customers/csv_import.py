"""Contacts from a CSV file, checked before anything is stored.

The file has a header row; `phone` (or `whatsapp`) is required, `name`, `email`, `marketing_opt_in`,
`labels` (separated by `;` or `|`), `city` (or `kota`) and `province` (or `provinsi`, `state`: a name, or
WooCommerce's code such as `JT`) are optional, in any order and letter case. Phone numbers become
E.164 with the store's country completing local numbers. Rows with the same number are merged (first
name and email given, labels together, a "no" to marketing wins over a "yes"). Each refused row is
reported with its line number and why; the accepted rows are stored in one transaction."""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field

from sapa.commerce.phones import to_e164
from sapa.commerce.places import province_name

PHONE_COLUMNS = ("phone", "whatsapp", "whatsapp_number", "phone_number", "mobile")
CITY_COLUMNS = ("city", "kota")
PROVINCE_COLUMNS = ("province", "provinsi", "state")
MAX_ROWS = 50_000
MAX_NAME = 200
MAX_EMAIL = 320
MAX_LABEL = 40
MAX_PLACE = 200
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_YES = {"yes", "y", "true", "1", "ya", "iya"}
_NO = {"no", "n", "false", "0", "tidak", "tdk"}


class UnreadableFile(ValueError):
    """The file as a whole cannot be imported (not CSV, no phone column, too many rows)."""


@dataclass
class Contact:
    phone: str
    name: str | None = None
    email: str | None = None
    marketing_opt_in: bool | None = None
    labels: list[str] = field(default_factory=list)
    lines: list[int] = field(default_factory=list)
    city: str | None = None
    province: str | None = None

    def merge(self, other: Contact) -> None:
        self.name = self.name or other.name
        self.email = self.email or other.email
        self.city = self.city or other.city
        self.province = self.province or other.province
        if other.marketing_opt_in is not None:
            self.marketing_opt_in = other.marketing_opt_in and self.marketing_opt_in is not False
        self.labels += [label for label in other.labels if label not in self.labels]
        self.lines += other.lines

    def as_row(self) -> dict[str, object]:
        return {
            "phone": self.phone,
            "name": self.name,
            "email": self.email,
            "marketing_opt_in": self.marketing_opt_in,
            "labels": self.labels,
            "address": {"city": self.city, "province": self.province},
        }


@dataclass(frozen=True)
class Refusal:
    line: int
    phone: str
    reason: str


@dataclass
class CheckedFile:
    contacts: list[Contact]
    refused: list[Refusal]
    merged: int
    """Rows folded into an earlier row with the same number."""


def read_contacts(text: str, country: str) -> CheckedFile:
    """Every row of the file either becomes (part of) a contact or a refusal with its reason."""
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff"), newline=""), dialect=_dialect(text))
    columns = {(name or "").strip().lower(): name for name in reader.fieldnames or []}
    phone_column = next((columns[name] for name in PHONE_COLUMNS if name in columns), None)
    if phone_column is None:
        raise UnreadableFile(f"the header row needs a phone column ({', '.join(PHONE_COLUMNS)})")

    def cell(row: dict[str, str | None], *names: str) -> str:
        column = next((columns[name] for name in names if name in columns), None)
        return (row.get(column) or "").strip() if column else ""

    contacts: dict[str, Contact] = {}
    refused: list[Refusal] = []
    merged = 0
    for index, row in enumerate(reader):
        if index >= MAX_ROWS:
            raise UnreadableFile(f"a file may have at most {MAX_ROWS} rows")
        line = reader.line_num
        # A leading ' is how exports (ours among them) keep spreadsheets from reading +62… as a formula.
        raw_phone = (row.get(phone_column) or "").strip().removeprefix("'")
        if not any((value or "").strip() for value in row.values() if isinstance(value, str)):
            continue  # a blank line
        contact_or_reason = _contact(
            raw_phone,
            cell(row, "name"),
            cell(row, "email"),
            cell(row, "marketing_opt_in"),
            cell(row, "labels"),
            country,
        )
        city, province = cell(row, *CITY_COLUMNS), province_name(cell(row, *PROVINCE_COLUMNS), country)
        if isinstance(contact_or_reason, str) or max(len(city), len(province)) > MAX_PLACE:
            reason = (
                contact_or_reason if isinstance(contact_or_reason, str) else "a city or province is too long"
            )
            refused.append(Refusal(line, raw_phone, reason))
            continue
        contact_or_reason.city, contact_or_reason.province = city or None, province or None
        contact_or_reason.lines.append(line)
        known = contacts.get(contact_or_reason.phone)
        if known is None:
            contacts[contact_or_reason.phone] = contact_or_reason
        else:
            known.merge(contact_or_reason)
            merged += 1
    return CheckedFile(list(contacts.values()), refused, merged)


def _dialect(text: str) -> type[csv.Dialect]:
    """Comma, or the semicolon spreadsheets write in locales (Indonesia's among them) with a decimal comma."""
    header = text.lstrip("\ufeff").split("\n", 1)[0]
    return _Semicolon if header.count(";") > header.count(",") else csv.excel


class _Semicolon(csv.excel):
    delimiter = ";"


def _contact(raw_phone: str, name: str, email: str, consent: str, labels: str, country: str) -> Contact | str:
    """The row as a contact, or why it is refused."""
    if not raw_phone:
        return "no phone number"
    phone = to_e164(raw_phone, country)
    if phone is None:
        return f"not a phone number: {raw_phone}"
    if len(name) > MAX_NAME:
        return f"the name is longer than {MAX_NAME} characters"
    if email and (len(email) > MAX_EMAIL or not _EMAIL.match(email)):
        return f"not an email address: {email}"
    opt_in: bool | None = None
    if consent:
        if consent.lower() in _YES:
            opt_in = True
        elif consent.lower() in _NO:
            opt_in = False
        else:
            return f"marketing_opt_in must be yes or no, not {consent}"
    parts = [part.strip() for part in re.split(r"[;|]", labels) if part.strip()]
    if any(len(part) > MAX_LABEL for part in parts):
        return f"a label is longer than {MAX_LABEL} characters"
    return Contact(phone, name or None, email or None, opt_in, list(dict.fromkeys(parts)))
