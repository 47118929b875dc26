"""What the demo shop sells and the world around it: products, cities, banks, couriers, names, hours."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from sapa.local.seed.model import Courier

JAKARTA = ZoneInfo("Asia/Jakarta")

# fmt: off
CATALOGUE: list[tuple[str, str, int]] = [
    ("Kemeja Batik Parang Lengan Panjang", "Kemeja Pria", 289_000),
    ("Kemeja Batik Mega Mendung Lengan Pendek", "Kemeja Pria", 229_000),
    ("Kemeja Batik Kawung Slim Fit", "Kemeja Pria", 259_000),
    ("Kemeja Batik Truntum Premium Furing", "Kemeja Pria", 399_000),
    ("Kemeja Batik Tulis Sogan Solo", "Kemeja Pria", 850_000),
    ("Kemeja Batik Sekar Jagad Lengan Pendek", "Kemeja Pria", 219_000),
    ("Kemeja Batik Lasem Tiga Negeri", "Kemeja Pria", 675_000),
    ("Kemeja Batik Cap Pekalongan Biru", "Kemeja Pria", 199_000),
    ("Blus Batik Encim Pekalongan", "Wanita", 245_000),
    ("Dress Batik Sogan Midi", "Wanita", 375_000),
    ("Dress Batik Mega Mendung A-Line", "Wanita", 329_000),
    ("Outer Batik Kimono Parang", "Wanita", 265_000),
    ("Tunik Batik Kawung", "Wanita", 239_000),
    ("Rok Lilit Batik Sidomukti", "Wanita", 189_000),
    ("Kebaya Kutubaru Batik", "Wanita", 425_000),
    ("Celana Kulot Batik Truntum", "Wanita", 179_000),
    ("Kain Batik Tulis Lasem 2 m", "Kain", 1_250_000),
    ("Kain Batik Cap Pekalongan 2 m", "Kain", 165_000),
    ("Kain Batik Tulis Madura Gentongan", "Kain", 1_850_000),
    ("Kain Batik Solo Sidoluhur 2,25 m", "Kain", 325_000),
    ("Kain Tenun Ikat Troso", "Kain", 475_000),
    ("Kain Batik Sutra Mega Mendung Cirebon", "Kain", 950_000),
    ("Sarung Batik Pekalongan Dewasa", "Kain", 135_000),
    ("Selendang Batik Sutra Sekar Jagad", "Kain", 385_000),
    ("Kemeja Batik Anak Parang", "Anak", 99_000),
    ("Dress Batik Anak Kawung", "Anak", 119_000),
    ("Setelan Batik Anak Mega Mendung", "Anak", 149_000),
    ("Tas Tote Batik Kawung", "Tas & Aksesoris", 159_000),
    ("Tas Selempang Batik Parang", "Tas & Aksesoris", 189_000),
    ("Pouch Batik Mega Mendung", "Tas & Aksesoris", 59_000),
    ("Dompet Batik Lipat", "Tas & Aksesoris", 69_000),
    ("Blangkon Solo Batik Sogan", "Tas & Aksesoris", 95_000),
    ("Udeng Bali Batik", "Tas & Aksesoris", 65_000),
    ("Dasi Batik Sutra", "Tas & Aksesoris", 125_000),
    ("Scarf Batik Segi Empat", "Tas & Aksesoris", 115_000),
    ("Masker Kain Batik 3 Lapis (isi 3)", "Masker", 45_000),
    ("Masker Batik Anak Earloop (isi 3)", "Masker", 39_000),
    ("Masker Batik Premium Tali Hijab", "Masker", 35_000),
    ("Taplak Meja Batik Tulis 150 x 220 cm", "Rumah", 285_000),
    ("Sarung Bantal Batik Kawung (2 pcs)", "Rumah", 89_000),
]
SKU_PREFIX = {"Kemeja Pria": "KMJ", "Wanita": "WNT", "Kain": "KAIN", "Anak": "ANK", "Tas & Aksesoris": "AKS",
              "Masker": "MSK", "Rumah": "RMH"}
WEARABLE = {"Kemeja Pria", "Wanita", "Anak"}
CITIES = ["Jakarta Selatan", "Jakarta Barat", "Bandung", "Surabaya", "Medan", "Makassar", "Yogyakarta",
          "Semarang", "Denpasar", "Balikpapan", "Palembang", "Malang", "Bekasi", "Depok", "Tangerang",
          "Bogor", "Pontianak", "Manado", "Solo", "Batam"]
# Each city's province, as the customers' addresses carry it (the names WooCommerce's state codes stand for).
PROVINCE_OF = {
    "Jakarta Selatan": "DKI Jakarta", "Jakarta Barat": "DKI Jakarta", "Bandung": "Jawa Barat",
    "Surabaya": "Jawa Timur", "Medan": "Sumatera Utara", "Makassar": "Sulawesi Selatan",
    "Yogyakarta": "Daerah Istimewa Yogyakarta", "Semarang": "Jawa Tengah", "Denpasar": "Bali",
    "Balikpapan": "Kalimantan Timur", "Palembang": "Sumatera Selatan", "Malang": "Jawa Timur",
    "Bekasi": "Jawa Barat", "Depok": "Jawa Barat", "Tangerang": "Banten", "Bogor": "Jawa Barat",
    "Pontianak": "Kalimantan Barat", "Manado": "Sulawesi Utara", "Solo": "Jawa Tengah",
    "Batam": "Kepulauan Riau",
}
BANKS = ["BCA", "Mandiri", "BNI", "BRI"]
# Indonesian mobile prefixes after +628 (Telkomsel, Indosat, XL, Axis, Tri, Smartfren).
MOBILE_PREFIXES = ["11", "12", "13", "21", "22", "23", "51", "52", "53", "14", "15", "16", "55", "56", "57",
                   "58", "17", "18", "19", "59", "77", "78", "31", "32", "33", "38", "95", "96", "97", "98",
                   "99", "81", "82", "83", "87", "88", "89"]
EXPAT_NAMES = ["Sarah Mitchell", "James O'Connor", "Emily Clarke", "Daniel Hughes", "Olivia Bennett",
               "Thomas Wright", "Hannah Schmidt", "Lucas Martin", "Chloe Anderson", "Ben Walker"]
EMAIL_DOMAINS = ["gmail.com"] * 7 + ["yahoo.co.id", "yahoo.com", "outlook.com", "ymail.com"]
COURIERS = [
    Courier("JNE", "JNE REG", lambda r: f"{r.randrange(10**15, 10**16)}"),
    Courier("J&T Express", "J&T Express EZ", lambda r: f"JP{r.randrange(10**9, 10**10)}"),
    Courier("SiCepat", "SiCepat REG", lambda r: f"00{r.randrange(10**9, 10**10)}"),
    Courier("AnterAja", "AnterAja Reguler", lambda r: f"10000{r.randrange(10**9, 10**10)}"),
]
# Relative chance that a customer writes or orders in each hour of the day (Jakarta time).
HOUR_WEIGHTS = [0.3, 0.15, 0.05, 0.05, 0.1, 0.4, 1.0, 1.6, 2.5, 3.0, 3.0, 2.8,
                2.6, 2.6, 2.4, 2.2, 2.0, 2.0, 2.3, 2.8, 3.1, 2.7, 1.7, 0.8]
# fmt: on
