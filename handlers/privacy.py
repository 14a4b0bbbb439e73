"""The privacy words: BERHENTI/STOP, MULAI, DATA SAYA, UBAH DATA and HAPUS DATA, and the privacy
menu that offers the last three.

`UBAH DATA` opens the profile: the teacher picks a part (name, place, role, level) and answers
onboarding's own question for it, which comes back here; nothing else about them changes.
"""

from bot.broadcasts.invitations import is_imported
from bot.broadcasts.optout import resume_announcements
from bot.conversation import Flow, MenuEntry, Step, Turn, Word
from bot.erasure import erase_contact
from bot.feature import Feature
from bot.helpdesk.volunteers import active_volunteer
from bot.local_time import zone_of
from bot.personal_data import my_data_text
from bot.profile import EDIT_RETURN, level_label, place_text, role_label

FLOW_NAME = "privacy"
PROFILE_FLOW = "profile"
ONBOARDING_FLOW = "onboarding"
EDITABLE_STEPS = ("name", "province", "role", "level")  # onboarding's questions, in the order of `profile.choose`
STEP_LABELS = {"menu": "privacy.menu_label", "confirm_erase": "privacy.label"}


def stop_announcements(turn: Turn) -> None:
    turn.contact.opted_out_at = turn.now()
    turn.say("privacy.stopped")


def start_announcements(turn: Turn) -> None:
    """MULAI: announcements and reminders again, after BERHENTI or BERHENTI PENGUMUMAN."""
    turn.contact.opted_out_at = None
    resume_announcements(turn.session, turn.contact.id or 0)
    turn.say("privacy.started")


def show_my_data(turn: Turn) -> None:
    """Tell the teacher everything stored about them, and who is responsible for it (also what a
    school's list brought in before they consented)."""
    if turn.contact.consent_given_at is None and not has_data_without_consent(turn):
        turn.say("privacy.my_data_none", controller=turn.settings.data_controller)
        return
    turn.show(my_data_text(turn.session, turn.contact, turn.now(), turn.settings.data_controller))


def has_data_without_consent(turn: Turn) -> bool:
    """A school's list brought the teacher in, or staff put them on the Duta Teknologi roster."""
    return is_imported(turn.session, turn.contact.id) or active_volunteer(turn.session, turn.contact) is not None


def open_privacy_menu(turn: Turn) -> None:
    turn.contact.flow_data = {}
    turn.goto(FLOW_NAME, "menu")


def ask_privacy_menu(turn: Turn) -> None:
    turn.ask("privacy.menu", turn.content.choices("privacy.menu"))


def answer_privacy_menu(turn: Turn) -> bool:
    """1 my data (then the main menu), 2 change it, 3 erase it."""
    choice = turn.choose("privacy.menu")
    if choice is None:
        return False
    if choice == 1:
        show_my_data(turn)
        turn.show_menu()
    elif choice == 2:
        open_profile(turn)
    else:
        start_erase(turn)
    return True


def open_profile(turn: Turn) -> None:
    """UBAH DATA: the profile as it is now, and which part to change."""
    turn.contact.flow_data = {}
    turn.goto(PROFILE_FLOW, "choose")


def ask_profile(turn: Turn) -> None:
    contact, unknown = turn.contact, turn.content.render("privacy.value_unknown")
    turn.contact.flow_data = {}  # back from an edit: nothing of it is pending any more
    turn.ask(
        "profile.choose",
        turn.content.choices("profile.choose"),
        name=contact.name or unknown,
        place=place_text(contact) or unknown,
        zone=zone_of(contact).label,
        role=role_label(contact.role) or unknown,
        level=level_label(contact.school_level) or unknown,
    )


def answer_profile(turn: Turn) -> bool:
    """A part to change goes to onboarding's question for it; the last choice ends the edit."""
    choice = turn.choose("profile.choose")
    if choice is None:
        return False
    if choice > len(EDITABLE_STEPS):
        turn.say("profile.done")
        turn.show_menu()
        return True
    turn.remember(**{EDIT_RETURN: [PROFILE_FLOW, "choose"]})
    turn.goto(ONBOARDING_FLOW, EDITABLE_STEPS[choice - 1])
    return True


def erase_now(turn: Turn) -> None:
    erase_contact(turn.session, turn.contact, turn.registry.erasure_hooks)
    turn.erased = True
    turn.say("privacy.erased")


def start_erase(turn: Turn) -> None:
    """HAPUS DATA: confirm first; before consent only the chat address is held, so it goes at once."""
    if turn.contact.consent_given_at is None:
        erase_now(turn)
        return
    if turn.contact.flow != FLOW_NAME:
        turn.remember(return_flow=turn.contact.flow, return_step=turn.contact.step)
    turn.goto(FLOW_NAME, "confirm_erase")


def ask_erase(turn: Turn) -> None:
    turn.ask("privacy.confirm_erase", turn.content.choices("erase"))


def answer_erase(turn: Turn) -> bool:
    choice = turn.choose("erase")
    if choice is None:
        return False
    if choice == 1:
        erase_now(turn)
        return True
    turn.say("privacy.erase_cancelled")
    back_flow, back_step = turn.recall("return_flow"), turn.recall("return_step")
    flows = turn.registry.flows
    if back_flow in flows and back_step in flows[back_flow].steps:
        turn.goto(back_flow, back_step)
    else:
        turn.show_menu()
    return True


def where(turn: Turn) -> str:
    """ "konfirmasi hapus data" or "menu data saya", for the one-line reminder after an interruption."""
    return turn.content.render(STEP_LABELS.get(turn.contact.step or "", "privacy.label"))


FLOW = Flow(
    FLOW_NAME,
    {"menu": Step(ask_privacy_menu, answer_privacy_menu), "confirm_erase": Step(ask_erase, answer_erase)},
    label="privacy.label",
    where=where,
)
PROFILE = Flow(PROFILE_FLOW, {"choose": Step(ask_profile, answer_profile)}, label="profile.label")
STOP = Word(stop_announcements, repeats=True, before_consent=True)
FEATURE = Feature(
    "privacy",
    flows=(FLOW, PROFILE),
    words={
        "berhenti": STOP,
        "stop": STOP,
        "mulai": Word(start_announcements, repeats=True, before_consent=True),
        "data saya": Word(show_my_data, repeats=True, before_consent=True),
        "ubah data": Word(open_profile, needs_profile=True),
        "hapus data": Word(start_erase, before_consent=True),
    },
    menu=(MenuEntry(5, "menu.items.privacy", open_privacy_menu),),
)
