"""Where customers live, as the segments' city and province rules read it."""

from __future__ import annotations

INDONESIAN_PROVINCES = {
    "AC": "Daerah Istimewa Aceh", "SU": "Sumatera Utara", "SB": "Sumatera Barat", "RI": "Riau",
    "KR": "Kepulauan Riau", "JA": "Jambi", "SS": "Sumatera Selatan", "BB": "Bangka Belitung",
    "BE": "Bengkulu", "LA": "Lampung", "JK": "DKI Jakarta", "JB": "Jawa Barat", "BT": "Banten",
    "JT": "Jawa Tengah", "JI": "Jawa Timur", "YO": "Daerah Istimewa Yogyakarta", "BA": "Bali",
    "NB": "Nusa Tenggara Barat", "NT": "Nusa Tenggara Timur", "KB": "Kalimantan Barat",
    "KT": "Kalimantan Tengah", "KI": "Kalimantan Timur", "KS": "Kalimantan Selatan", "KU": "Kalimantan Utara",
    "SA": "Sulawesi Utara", "ST": "Sulawesi Tengah", "SG": "Sulawesi Tenggara", "SR": "Sulawesi Barat",
    "SN": "Sulawesi Selatan", "GO": "Gorontalo", "MA": "Maluku", "MU": "Maluku Utara", "PA": "Papua",
    "PB": "Papua Barat",
}  # fmt: skip
"""WooCommerce's state codes for Indonesia (i18n/states.php) and the names a shop owner types in a
segment rule. A code not listed (another country's, or one WooCommerce adds later) is kept as it is."""


def province_name(state: str, country: str = "") -> str:
    """WooCommerce's state code as the province's name in Indonesia ("JT" → "Jawa Tengah"); a name, or
    another country's code, as it is."""
    state = state.strip()
    if country.strip().upper() not in ("ID", ""):
        return state
    return INDONESIAN_PROVINCES.get(state.upper(), state)
