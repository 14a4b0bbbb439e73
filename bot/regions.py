"""Provinces and kabupaten/kota by Kemendagri code, their time zones, and name matching.

Data: `content/wilayah-provinsi-kabkota.csv` and `content/provinsi-zona-waktu.csv`
(copied from shared/reference, sources in its README), and `content/wilayah-alias.csv`, the
towns teachers name for their kabupaten/kota ("wamena" for Jayawijaya).
"""

import csv
import difflib
import re
from dataclasses import dataclass
from functools import cached_property, lru_cache
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
# The first word of a kabupaten/kota as teachers write it, and the kind it names.
REGENCY_KINDS = {"kabupaten": "kabupaten", "kab": "kabupaten", "kota": "kota", "kotamadya": "kota", "kodya": "kota"}
ADMINISTRATIVE = ("administrasi", "adm")  # "Kota Administrasi Jakarta Selatan"
TOWN_ALIASES_FILE = "wilayah-alias.csv"
LOOSE_SIMILARITY = 0.75  # difflib ratio for names within one province (few to confuse)
STRICT_SIMILARITY = 0.82  # across the country: "makasar" → Makassar, not Mamasa
SIMILARITY_SPREAD = 0.05  # near misses as close as the best one are offered too ("semarng": both Semarangs)


@dataclass(frozen=True)
class Region:
    code: str
    name: str
    province_code: str
    kind: str  # provinsi, kabupaten or kota

    @cached_property
    def short_name(self) -> str:
        """ "gowa" for Kabupaten Gowa, "jakarta selatan" for Kota Administrasi Jakarta Selatan."""
        return split_kind(normalize(self.name))[1]

    @cached_property
    def compact(self) -> str:
        """The short name without spaces, as it is spelt either way ("palangkaraya", "baubau")."""
        return self.short_name.replace(" ", "")


@dataclass(frozen=True)
class TimeZone:
    label: str  # WIB, WITA or WIT
    iana: str


def normalize(text: str) -> str:
    text = re.sub(r"[^a-z0-9 ]+", " ", text.lower().replace(".", ". "))
    text = re.sub(r"\bprov(insi)?\b", " ", text)
    return re.sub(r"\s+", " ", text).strip()


def split_kind(name: str) -> tuple[str | None, str]:
    """ "kab gowa" → ("kabupaten", "gowa"); "makassar" → (None, "makassar")."""
    words = name.split()
    kind = REGENCY_KINDS.get(words[0]) if len(words) > 1 else None
    rest = words[1:] if kind else words
    if len(rest) > 1 and rest[0] in ADMINISTRATIVE:
        rest = rest[1:]
    return kind, " ".join(rest)


def compact(text: str) -> str:
    return text.replace(" ", "")


def _read_csv(name: str) -> list[dict[str, str]]:
    raw = (resources.files("content") / name).read_text(encoding="utf-8")
    return list(csv.DictReader(line for line in raw.splitlines() if not line.startswith("#")))


@lru_cache
def all_regions() -> dict[str, Region]:
    rows = _read_csv("wilayah-provinsi-kabkota.csv")
    return {row["code"]: Region(row["code"], row["name"].strip(), row["province_code"], row["kind"]) for row in rows}


@lru_cache
def provinces() -> dict[str, Region]:
    return {c: r for c, r in all_regions().items() if r.kind == "provinsi"}


@lru_cache
def regencies() -> dict[str, Region]:
    """Every kabupaten/kota of the country."""
    return {c: r for c, r in all_regions().items() if r.kind != "provinsi"}


@lru_cache
def regencies_of(province_code: str) -> dict[str, Region]:
    return {c: r for c, r in regencies().items() if r.province_code == province_code}


@lru_cache
def town_aliases() -> dict[str, tuple[str, ...]]:
    """Town names written without spaces → the kabupaten/kota codes they name (`wilayah-alias.csv`)."""
    found: dict[str, tuple[str, ...]] = {}
    for row in _read_csv(TOWN_ALIASES_FILE):
        key = compact(normalize(row["alias"]))
        found[key] = (*found.get(key, ()), row["code"])
    return found


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
    exact = exact_province(query)
    if exact is not None:
        return [exact]
    return _match(query, {r.code: normalize(r.name) for r in provinces().values()}, provinces())


def exact_province(query: str) -> Region | None:
    """The province a normalised text names exactly (its name or an everyday short form)."""
    if query in PROVINCE_ALIASES:
        return provinces()[PROVINCE_ALIASES[query]]
    return next((region for region in provinces().values() if normalize(region.name) == query), None)


def match_regency(province_code: str, text: str) -> list[Region]:
    """Kabupaten/kota of one province a teacher may mean: by name, a town in it, or a near miss."""
    candidates = regencies_of(province_code)
    return regencies_named(text, candidates) or _match(
        split_kind(normalize(text))[1], {c: r.short_name for c, r in candidates.items()}, candidates
    )


def regencies_named(text: str, candidates: dict[str, Region]) -> list[Region]:
    """The kabupaten/kota among `candidates` a text names exactly: its name written with or without
    spaces and prefix ("kab. gowa", "palangka raya"), or a town in it ("watampone")."""
    query = normalize(text)
    kind, name = split_kind(query)
    if not name:
        return []
    same_name = [region for region in candidates.values() if region.compact == compact(name)]
    of_kind = [region for region in same_name if kind is None or region.kind == kind]
    if same_name:
        return of_kind or same_name
    codes = town_aliases().get(compact(query)) or town_aliases().get(compact(name), ())
    return [candidates[code] for code in codes if code in candidates]


def regencies_with_words(text: str, candidates: dict[str, Region]) -> list[Region]:
    """Kabupaten/kota whose name holds the text as whole words ("lombok", "toraja")."""
    name = split_kind(normalize(text))[1]
    if len(name) < 4:
        return []
    return [region for region in candidates.values() if f" {name} " in f" {region.short_name} "]


def similar_regencies(text: str, candidates: dict[str, Region]) -> list[Region]:
    """Kabupaten/kota with a name (or town) close to a misspelt one ("makasar", "semarng")."""
    name = compact(split_kind(normalize(text))[1])
    if len(name) < 4:
        return []
    spellings = [(code, region.compact) for code, region in candidates.items()]
    spellings += [(code, alias) for alias, codes in town_aliases().items() for code in codes if code in candidates]
    scores = [(score, code) for code, spelt in spellings if (score := similarity(name, spelt)) is not None]
    best = max((score for score, _ in scores), default=0.0)
    if best < STRICT_SIMILARITY:
        return []
    codes = dict.fromkeys(code for score, code in scores if score >= best - SIMILARITY_SPREAD)
    return [candidates[code] for code in codes]


def similarity(typed: str, spelt: str) -> float | None:
    """difflib's ratio of two names, or None when it is surely too low to count (checked cheaply first)."""
    matcher = difflib.SequenceMatcher(None, typed, spelt)
    floor = STRICT_SIMILARITY - SIMILARITY_SPREAD
    if matcher.real_quick_ratio() < floor or matcher.quick_ratio() < floor:
        return None
    ratio = matcher.ratio()
    return ratio if ratio >= floor else None


def _match(query: str, names: dict[str, str], regions: dict[str, Region]) -> list[Region]:
    exact = [code for code, name in names.items() if name == query]
    if exact:
        return [regions[code] for code in exact]
    if len(query) >= 3:
        partial = [code for code, name in names.items() if query in name]
        if partial:
            return [regions[code] for code in partial]
    close = difflib.get_close_matches(query, list(names.values()), n=4, cutoff=LOOSE_SIMILARITY)
    return [regions[code] for code, name in names.items() if name in close]
