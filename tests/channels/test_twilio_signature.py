"""Our X-Twilio-Signature agrees with the official SDK's RequestValidator, both ways."""

from __future__ import annotations

import random
import string

import pytest
from twilio.request_validator import RequestValidator  # type: ignore[import-untyped, unused-ignore]

from sapa.channels.twilio.signature import sign, verify

TOKEN = "12345"
URL = "https://sapa.example.com/webhooks/twilio"
FORM = {
    "MessageSid": "SM" + "a1" * 16,
    "AccountSid": "AC" + "b2" * 16,
    "From": "whatsapp:+6281234567890",
    "To": "whatsapp:+6281100000001",
    "Body": "Halo kak, pesanan #1042 sudah dikirim? 🙏 & ada diskon + ongkir?",
    "NumMedia": "0",
    "ProfileName": "Budi Santoso",
    "WaId": "6281234567890",
    "ReferralNumMedia": "",
}


def test_the_example_in_twilio_security_docs() -> None:
    params = {
        "CallSid": "CA1234567890ABCDE",
        "Caller": "+12349013030",
        "Digits": "1234",
        "From": "+12349013030",
        "To": "+18005551212",
    }

    assert (
        sign("https://mycompany.com/myapp.php?foo=1&bar=2", params, "12345") == "0/KCTR6DLpKmkAf8muzZqo1nDgQ="
    )


def test_the_sdk_accepts_what_we_sign() -> None:
    assert RequestValidator(TOKEN).validate(URL, FORM, sign(URL, FORM, TOKEN))


def test_we_accept_what_the_sdk_signs() -> None:
    assert verify(URL, FORM, RequestValidator(TOKEN).compute_signature(URL, FORM), TOKEN)


def _random_form(rng: random.Random) -> dict[str, str]:
    alphabet = string.ascii_letters + string.digits + " +&=%?/:#é日🙂"
    names = rng.sample(["Body", "From", "To", "body", "MediaUrl0", "A", "a", "Z_", "NumMedia", "ΩName"], k=5)
    return {name: "".join(rng.choices(alphabet, k=rng.randint(0, 30))) for name in names}


def test_both_agree_on_many_random_forms() -> None:
    rng = random.Random(1042)  # noqa: S311 (repeatable test data, not secrets)
    validator = RequestValidator(TOKEN)
    for _ in range(300):
        form, url = (
            _random_form(rng),
            f"https://h{rng.randint(1, 9)}.example.com/webhooks/twilio?x={rng.random()}",
        )
        assert sign(url, form, TOKEN) == validator.compute_signature(url, form)
        assert verify(url, form, validator.compute_signature(url, form), TOKEN)
        assert validator.validate(url, form, sign(url, form, TOKEN))


@pytest.mark.parametrize(
    ("requested", "signed"),
    [
        ("https://sapa.example.com/webhooks/twilio", "https://sapa.example.com:443/webhooks/twilio"),
        ("https://sapa.example.com:443/webhooks/twilio", "https://sapa.example.com/webhooks/twilio"),
        ("http://127.0.0.1:9100/webhooks/twilio", "http://127.0.0.1/webhooks/twilio"),
    ],
)
def test_ports_are_treated_as_the_sdk_treats_them(requested: str, signed: str) -> None:
    signature = sign(signed, FORM, TOKEN)

    assert RequestValidator(TOKEN).validate(requested, FORM, signature)
    assert verify(requested, FORM, signature, TOKEN)


def test_a_non_default_port_must_match() -> None:
    signature = sign("http://127.0.0.1:9100/webhooks/twilio", FORM, TOKEN)

    assert not verify("http://127.0.0.1:9200/webhooks/twilio", FORM, signature, TOKEN)
    assert not RequestValidator(TOKEN).validate("http://127.0.0.1:9200/webhooks/twilio", FORM, signature)


def _refused_by_both(url: str, form: dict[str, str], signature: str | None, token: str) -> bool:
    sdk_refuses = signature is None or not RequestValidator(token).validate(url, form, signature)
    return sdk_refuses and not verify(url, form, signature, token)


def test_a_tampered_body_is_refused() -> None:
    signature = sign(URL, FORM, TOKEN)

    assert _refused_by_both(URL, FORM | {"Body": FORM["Body"] + "!"}, signature, TOKEN)
    assert _refused_by_both(URL, FORM | {"From": "whatsapp:+6289999999999"}, signature, TOKEN)
    assert _refused_by_both(URL, FORM | {"Extra": ""}, signature, TOKEN)
    assert _refused_by_both(URL, {k: v for k, v in FORM.items() if k != "WaId"}, signature, TOKEN)


def test_a_signature_for_another_url_is_refused() -> None:
    signature = sign(URL, FORM, TOKEN)

    assert _refused_by_both("https://evil.example.com/webhooks/twilio", FORM, signature, TOKEN)
    assert _refused_by_both(URL + "?store=2", FORM, signature, TOKEN)
    assert _refused_by_both(URL.replace("https", "http"), FORM, signature, TOKEN)


def test_a_wrong_token_is_refused() -> None:
    assert _refused_by_both(URL, FORM, sign(URL, FORM, "another-token"), TOKEN)


@pytest.mark.parametrize("signature", [None, "", "not base64 at all", sign(URL, FORM, TOKEN)[:-2]])
def test_a_missing_or_garbled_signature_is_refused(signature: str | None) -> None:
    assert _refused_by_both(URL, FORM, signature, TOKEN)


def test_an_empty_token_verifies_nothing() -> None:
    assert not verify(URL, FORM, sign(URL, FORM, ""), "")


def test_a_url_with_a_garbled_port_is_refused_without_error() -> None:
    assert not verify("https://sapa.example.com:abc/webhooks/twilio", FORM, sign(URL, FORM, TOKEN), TOKEN)
