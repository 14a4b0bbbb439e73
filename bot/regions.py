"""Provinces and kabupaten/kota by Kemendagri code, their time zones, and name matching.

Data: `content/wilayah-provinsi-kabkota.csv` and `content/provinsi-zona-waktu.csv`
(copied from shared/reference, sources in its README).
"""

import csv
import difflib
import re
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

# Everyday abbreviations teachers type for provinces.
PROVINCE_ALIASES = {
    "aceh": "11",
    "nad": "11",
    "sumut": "12",
    "sumbar": "13",
    "riau": "14",
    "jambi": "15",
    "sumsel": "16",
    "bengkulu": "17",
    "lampung": "18",
    "babel": "19",
    "bangka belitung": "19",
    "kepri": "21",
    "dki": "31",
    "jakarta": "31",
    "jkt": "31",
    "jabar": "32",
    "jateng": "33",
    "diy": "34",
    "jogja": "34",
    "yogya": "34",
    "yogyakarta": "34",
    "jogjakarta": "34",
    "jatim": "35",
    "banten": "36",
    "bali": "51",
    "ntb": "52",
    "ntt": "53",
    "kalbar": "61",
    "kalteng": "62",
    "kalsel": "63",
    "kaltim": "64",
    "kaltara": "65",
    "sulut": "71",
    "sulteng": "72",
    "sulsel": "73",
    "sultra": "74",
    "gorontalo": "75",
    "sulbar": "76",
    "maluku": "81",
    "malut": "82",
    "papua": "91",
    "pabar": "92",
    "papbar": "92",
    "papsel": "93",
    "dki jakarta": "31",
    "di yogyakarta": "34",
    "di jogja": "34",
    "papteng": "94",
    "pegunungan": "95",
    "papeg": "95",
    "pbd": "96",
}
REGENCY_PREFIXES = ("kabupaten ", "kab. ", "kab ", "kota ", "kotamadya ")


@dataclass(frozen=True)
class Region:
    code: str
    name: str
    province_code: str
    kind: str  # provinsi, kabupaten or kota

    @property
    def short_name(self) -> str:
        return strip_regency_prefix(normalize(self.name))


@dataclass(frozen=True)
class TimeZone:
    label: str  # WIB, WITA or WIT
    iana: str


def normalize(text: str) -> str:
    text = re.sub(r"[^a-z0-9 ]+", " ", text.lower().replace(".", ". "))
    text = re.sub(r"\bprov(insi)?\b", " ", text)
    return re.sub(r"\s+", " ", text).strip()


def strip_regency_prefix(name: str) -> str:
    for prefix in REGENCY_PREFIXES:
        if name.startswith(prefix.strip(". ") + " "):
            return name[len(prefix.strip(". ")) + 1 :]
    return name


def _read_csv(name: str) -> list[dict[str, str]]:
    raw = (resources.files("content") / name).read_text(encoding="utf-8")
    return list(csv.DictReader(raw.splitlines()))


@lru_cache
def all_regions() -> dict[str, Region]:
    rows = _read_csv("wilayah-provinsi-kabkota.csv")
    return {row["code"]: Region(row["code"], row["name"], row["province_code"], row["kind"]) for row in rows}


@lru_cache
def provinces() -> dict[str, Region]:
    return {c: r for c, r in all_regions().items() if r.kind == "provinsi"}


@lru_cache
def regencies_of(province_code: str) -> dict[str, Region]:
    return {c: r for c, r in all_regions().items() if r.kind != "provinsi" and r.province_code == province_code}


@lru_cache
def time_zones() -> dict[str, TimeZone]:
    rows = _read_csv("provinsi-zona-waktu.csv")
    return {row["province_code"]: TimeZone(row["zone_label"], row["iana_zone"]) for row in rows}


def time_zone_of(province_code: str) -> TimeZone:
    return time_zones()[province_code]


def region_name(code: str | None) -> str | None:
    region = all_regions().get(code or "")
    return region.name if region else None


def match_province(text: str) -> list[Region]:
    """Provinces a teacher may mean: one when sure, several to choose from, none when lost."""
    query = normalize(text)
    if not query:
        return []
    if query in PROVINCE_ALIASES:
        return [provinces()[PROVINCE_ALIASES[query]]]
    return _match(query, {r.code: normalize(r.name) for r in provinces().values()}, provinces())


def match_regency(province_code: str, text: str) -> list[Region]:
    """Kabupaten/kota of one province a teacher may mean."""
    query = normalize(text)
    if not query:
        return []
    candidates = regencies_of(province_code)
    exact_full = [r for r in candidates.values() if normalize(r.name) == query]
    if exact_full:
        return exact_full
    return _match(strip_regency_prefix(query), {c: r.short_name for c, r in candidates.items()}, candidates)


def _match(query: str, names: dict[str, str], regions: dict[str, Region]) -> list[Region]:
    exact = [code for code, name in names.items() if name == query]
    if exact:
        return [regions[code] for code in exact]
    if len(query) >= 3:
        partial = [code for code, name in names.items() if query in name]
        if partial:
            return [regions[code] for code in partial]
    close = difflib.get_close_matches(query, list(names.values()), n=4, cutoff=0.75)
    return [regions[code] for code, name in names.items() if name in close]
