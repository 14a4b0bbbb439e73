"""First contact: privacy notice and consent, then name, region, role and school level.

The same questions change one part of a finished profile (`UBAH DATA`): the flow that starts such
an edit names itself in flow_data (`EDIT_RETURN`), and the answer goes back there instead of on
to the next question; nothing else about the teacher changes.
"""

from bot import places, regions
from bot.answers import choose
from bot.conversation import Flow, Step, Turn
from bot.feature import Feature
from bot.models import Consent
from bot.places import Place
from bot.profile import EDIT_RETURN, ROLES, SCHOOL_LEVELS, greeting_name, place_text

FLOW_NAME = "onboarding"
REGENCY_EXAMPLES = 2


def editing(turn: Turn) -> bool:
    return bool(turn.recall(EDIT_RETURN))


def go_on(turn: Turn, step: str) -> None:
    """The next question of onboarding, or, in a profile edit, back to where the edit began."""
    if editing(turn):
        return_from_edit(turn)
    else:
        turn.goto(FLOW_NAME, step)


def return_from_edit(turn: Turn) -> None:
    back_flow, back_step = turn.recall(EDIT_RETURN)
    turn.goto(str(back_flow), str(back_step))


def ask_consent(turn: Turn) -> None:
    turn.ask("onboarding.privacy", turn.content.choices("consent"), controller=turn.settings.data_controller)


def answer_consent(turn: Turn) -> bool:
    choice = turn.choose("consent")
    if choice is None:
        return False
    if choice == 2:
        turn.finish()
        turn.say("onboarding.declined")
        return True
    turn.contact.consent_given_at = turn.now()
    assert turn.contact.id is not None
    version = turn.content.version("onboarding.privacy", controller=turn.settings.data_controller)
    turn.session.add(Consent(contact_id=turn.contact.id, text_version=version))
    turn.goto(FLOW_NAME, "name")
    return True


def ask_name(turn: Turn) -> None:
    turn.say("onboarding.ask_name")


def answer_name(turn: Turn) -> bool:
    """The name is kept as typed; greetings give it a capital."""
    name = " ".join(turn.text.split())
    if not 2 <= len(name) <= 60 or not any(ch.isalpha() for ch in name):
        turn.say("onboarding.name_invalid")
        return True
    turn.contact.name = name
    invited = turn.recall("invited_regency")
    if invited and not editing(turn):  # came through an invitation link: the place is confirmed, not asked
        settle(turn, places.place_of(str(invited)))
        return True
    go_on(turn, "province")
    return True


def ask_province(turn: Turn) -> None:
    if editing(turn):
        turn.say("onboarding.ask_province_edit")
    else:
        turn.say("onboarding.ask_province", name=greeting_name(turn.contact.name))


def answer_province(turn: Turn) -> bool:
    """A province, a kabupaten/kota anywhere ("makassar", "wamena") or both ("Sulsel, Gowa")."""
    found = places.places_named(turn.text)
    if not found:
        turn.say("onboarding.province_unknown")
    elif len(found) == 1:
        settle(turn, found[0])
    else:
        turn.remember(candidates=[place.code for place in found])
        turn.goto(FLOW_NAME, "province_choice")
    return True


def choice_labels(turn: Turn) -> list[str]:
    return [place_label(turn, places.place_of(code)) for code in turn.recall("candidates", [])]


def place_label(turn: Turn, place: Place) -> str:
    """ "Sulawesi Selatan", or "Kota Bandung (Jawa Barat)" among kabupaten/kota of several provinces."""
    if place.regency is None:
        return place.province.name
    return turn.content.render("onboarding.place_choice", regency=place.regency.name, province=place.province.name)


def ask_province_choice(turn: Turn) -> None:
    turn.ask("onboarding.province_choose", choice_labels(turn))


def answer_province_choice(turn: Turn) -> bool:
    """A number or a name of the list; else a new answer to the province question, when it is clear."""
    candidates: list[str] = turn.recall("candidates", [])
    choice = choose(turn.text, choice_labels(turn))
    if choice is not None:
        settle(turn, places.place_of(candidates[choice - 1]))
        return True
    found = places.places_named(turn.text)
    if len(found) != 1:
        return False
    settle(turn, found[0])
    return True


def settle(turn: Turn, place: Place) -> None:
    """Store the place (the time zone follows the province); a kabupaten/kota is confirmed back."""
    turn.contact.province_code = place.province.code
    turn.contact.regency_code = place.regency.code if place.regency else None
    turn.contact.time_zone = regions.time_zone_of(place.province.code).iana
    if place.regency is None:
        turn.goto(FLOW_NAME, "regency")
    else:
        settle_regency(turn, place.regency.code)


def settle_regency(turn: Turn, code: str) -> None:
    turn.contact.regency_code = code
    turn.say("onboarding.place_saved", place=place_text(turn.contact))
    go_on(turn, "role")


def ask_regency(turn: Turn) -> None:
    code = turn.contact.province_code or ""
    example = ", ".join(r.name for r in list(regions.regencies_of(code).values())[:REGENCY_EXAMPLES])
    turn.ask(
        "onboarding.ask_regency", turn.content.choices("skip"), province=regions.region_name(code), example=example
    )


def answer_regency(turn: Turn) -> bool:
    if turn.choose("skip") == 1:
        go_on(turn, "role")
        return True
    province = turn.contact.province_code or ""
    matches = regions.match_regency(province, turn.text)
    elsewhere = [place for place in places.places_named(turn.text) if place.regency] if not matches else []
    if len(elsewhere) == 1:  # a kabupaten/kota of another province: the province was a slip
        settle(turn, elsewhere[0])
    elif not matches:
        turn.ask("onboarding.regency_unknown", turn.content.choices("skip"), province=regions.region_name(province))
    elif len(matches) == 1:
        settle_regency(turn, matches[0].code)
    else:
        turn.remember(candidates=[region.code for region in matches[: places.MAX_CHOICES]])
        turn.goto(FLOW_NAME, "regency_choice")
    return True


def ask_regency_choice(turn: Turn) -> None:
    names = [regions.region_name(code) or code for code in turn.recall("candidates", [])]
    turn.ask("onboarding.regency_choose", names)


def answer_regency_choice(turn: Turn) -> bool:
    candidates: list[str] = turn.recall("candidates", [])
    choice = choose(turn.text, [regions.region_name(code) or code for code in candidates])
    if choice is None:
        return False
    settle_regency(turn, candidates[choice - 1])
    return True


def ask_role(turn: Turn) -> None:
    turn.ask("onboarding.ask_role", turn.content.choices("roles"))


def answer_role(turn: Turn) -> bool:
    choice = turn.choose("roles")
    if choice is None:
        return False
    turn.contact.role = ROLES[choice - 1]
    go_on(turn, "level")
    return True


def ask_level(turn: Turn) -> None:
    turn.ask("onboarding.ask_level", turn.content.choices("levels"))


def answer_level(turn: Turn) -> bool:
    choice = turn.choose("levels")
    if choice is None:
        return False
    turn.contact.school_level = SCHOOL_LEVELS[choice - 1]
    if editing(turn):
        return_from_edit(turn)
        return True
    turn.contact.onboarded_at = turn.now()
    zone = regions.time_zone_of(turn.contact.province_code or "").label
    turn.finish()
    turn.say("onboarding.done", name=greeting_name(turn.contact.name), zone=zone)
    turn.show_menu()
    return True


def where(turn: Turn) -> str:
    """ "pendaftaran", or "ubah data" in a profile edit, for the one-line reminder after an interruption."""
    return turn.content.render("onboarding.edit_label" if editing(turn) else "onboarding.label")


FLOW = Flow(
    FLOW_NAME,
    {
        "consent": Step(ask_consent, answer_consent),
        "name": Step(ask_name, answer_name),
        "province": Step(ask_province, answer_province),
        "province_choice": Step(ask_province_choice, answer_province_choice),
        "regency": Step(ask_regency, answer_regency),
        "regency_choice": Step(ask_regency_choice, answer_regency_choice),
        "role": Step(ask_role, answer_role),
        "level": Step(ask_level, answer_level),
    },
    label="onboarding.label",
    where=where,
)
FEATURE = Feature("onboarding", flows=(FLOW,))
