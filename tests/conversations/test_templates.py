from __future__ import annotations

import pytest

from sapa.conversations.templates import TemplateError, placeholders, render

BODY = "Halo kak {{1}}, pesanan #{{2}} sudah kami kirim. Terima kasih, {{1}}!"


def test_placeholders_are_listed_once_in_number_order() -> None:
    assert placeholders("{{2}} {{ 1 }} {{2}} {{10}}") == ["1", "2", "10"]
    assert placeholders("Tanpa variabel") == []


def test_render_fills_every_placeholder() -> None:
    assert render(BODY, {"1": "Budi", "2": "1042"}) == (
        "Halo kak Budi, pesanan #1042 sudah kami kirim. Terima kasih, Budi!"
    )


@pytest.mark.parametrize(
    ("variables", "message"),
    [
        ({"1": "Budi"}, r"\{\{2\}\}"),
        ({"1": "Budi", "2": ""}, r"\{\{2\}\}"),
        ({"1": "Budi", "2": "1042", "3": "x"}, "no variables 3"),
        ({"1": "Budi", "2": "x" * 1025}, "at most 1024"),
    ],
)
def test_render_refuses_variables_that_do_not_fit(variables: dict[str, str], message: str) -> None:
    with pytest.raises(TemplateError, match=message):
        render(BODY, variables)
