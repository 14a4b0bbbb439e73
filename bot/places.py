"""What a teacher's answer to "which province?" names: a province ("sulsel"), a kabupaten/kota
anywhere in the country ("makassar", "kota bandung", a town such as "wamena", a near miss such as
"makasar"), or both at once ("Sulsel, Gowa", "gowa sulsel").
"""

import re
from collections.abc import Callable
from dataclasses import dataclass

from bot import regions
from bot.regions import Region

MAX_CHOICES = 6  # more kabupaten/kota than this is no answer, only a word many names share
MIN_LOOSE_LETTERS = 4  # a near miss of a shorter word is a guess
PARTS = re.compile(r"[,;/]| - ")


@dataclass(frozen=True)
class Place:
    """A province, and the kabupaten/kota in it when the answer named one."""

    province: Region
    regency: Region | None = None

    @property
    def code(self) -> str:
        return self.regency.code if self.regency else self.province.code


def place_of(code: str) -> Place:
    """The place a region code names: "73" a province, "73.06" a kabupaten/kota and its province."""
    region = regions.all_regions()[code]
    if region.kind == "provinsi":
        return Place(region)
    return Place(regions.provinces()[region.province_code], region)


def places_named(text: str) -> list[Place]:
    """One place when the answer is clear, several to choose from, none when it names nothing."""
    finders: tuple[Callable[[str], list[Place]], ...] = (
        province_exactly,
        province_and_regency,
        regency_exactly,
        province_loosely,
        regency_loosely,
    )
    for finder in finders:
        found = finder(text)
        if found:
            return found
    return []


def province_exactly(text: str) -> list[Place]:
    province = regions.exact_province(regions.normalize(text))
    return [Place(province)] if province else []


def province_and_regency(text: str) -> list[Place]:
    """ "Sulsel, Gowa" or "Makassar, Sulawesi Selatan"; without a comma only exact names: "gowa sulsel"."""
    parts = [part for part in PARTS.split(text) if regions.normalize(part)]
    if len(parts) == 2:
        return in_province(parts[0], parts[1]) or in_province(parts[1], parts[0])
    words = regions.normalize(text).split()
    cuts = [(" ".join(words[:cut]), " ".join(words[cut:])) for cut in range(1, len(words))]
    for loosely in (False, True):  # exact names first, then "sulsel gowaa"
        for head, tail in cuts:
            found = named_in_province(head, tail, loosely) or named_in_province(tail, head, loosely)
            if found:
                return found
    return []


def in_province(province_text: str, regency_text: str) -> list[Place]:
    """The province (when sure) with the kabupaten/kota of it the other part names, near misses too;
    the province alone when that part names none of its kabupaten/kota."""
    provinces = regions.match_province(province_text)
    if len(provinces) != 1:
        return []
    found = regions.match_regency(provinces[0].code, regency_text)[:MAX_CHOICES]
    return [Place(provinces[0], regency) for regency in found] or [Place(provinces[0])]


def named_in_province(province_text: str, regency_text: str, loosely: bool) -> list[Place]:
    """A province named exactly, and a kabupaten/kota of it (near misses too, `loosely`)."""
    province = regions.exact_province(province_text)
    if province is None or (loosely and len(regency_text) < MIN_LOOSE_LETTERS):
        return []
    if loosely:
        found = regions.match_regency(province.code, regency_text)
    else:
        found = regions.regencies_named(regency_text, regions.regencies_of(province.code))
    return [Place(province, regency) for regency in found[:MAX_CHOICES]]


def regency_exactly(text: str) -> list[Place]:
    return as_places(regions.regencies_named(text, regions.regencies()))


def province_loosely(text: str) -> list[Place]:
    return [Place(province) for province in regions.match_province(text)]


def regency_loosely(text: str) -> list[Place]:
    everywhere = regions.regencies()
    return as_places(regions.regencies_with_words(text, everywhere)) or as_places(
        regions.similar_regencies(text, everywhere)
    )


def as_places(found: list[Region]) -> list[Place]:
    if len(found) > MAX_CHOICES:
        return []
    return [place_of(region.code) for region in found]
