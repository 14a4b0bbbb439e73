"""The privacy words: BERHENTI/STOP, MULAI, DATA SAYA and HAPUS DATA."""

from sqlmodel import func, select

from bot import regions
from bot.conversation import Flow, MenuEntry, Step, Turn, Word
from bot.erasure import erase_contact
from bot.feature import Feature
from bot.models import InboundMessage

FLOW_NAME = "privacy"


def stop_announcements(turn: Turn) -> None:
    turn.contact.opted_out_at = turn.now()
    turn.say("privacy.stopped")


def start_announcements(turn: Turn) -> None:
    turn.contact.opted_out_at = None
    turn.say("privacy.started")


def show_my_data(turn: Turn) -> None:
    """Tell the teacher everything stored about them."""
    contact = turn.contact
    if contact.consent_given_at is None:
        turn.say("privacy.my_data_none")
        return
    unknown = turn.content.render("privacy.value_unknown")
    count = turn.session.exec(
        select(func.count()).select_from(InboundMessage).where(InboundMessage.contact_id == contact.id)
    ).one()
    zone = regions.time_zone_of(contact.province_code).label if contact.province_code else unknown
    turn.say(
        "privacy.my_data",
        name=contact.name or unknown,
        channel=contact.channel,
        address=contact.address,
        province=regions.region_name(contact.province_code) or unknown,
        regency=regions.region_name(contact.regency_code) or unknown,
        role=contact.role or unknown,
        level=(contact.school_level or unknown).upper(),
        zone=zone,
        consent=contact.consent_given_at.strftime("%d-%m-%Y %H.%M UTC"),
        announcements=turn.content.render("privacy.stopped_label" if contact.opted_out_at else "privacy.active"),
        message_count=count,
    )


def privacy_menu(turn: Turn) -> None:
    show_my_data(turn)
    turn.show_menu()


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


FLOW = Flow(FLOW_NAME, {"confirm_erase": Step(ask_erase, answer_erase)}, label="privacy.label")
STOP = Word(stop_announcements, repeats=True, before_consent=True)
FEATURE = Feature(
    "privacy",
    flows=(FLOW,),
    words={
        "berhenti": STOP,
        "stop": STOP,
        "mulai": Word(start_announcements, repeats=True, before_consent=True),
        "data saya": Word(show_my_data, repeats=True, before_consent=True),
        "hapus data": Word(start_erase, before_consent=True),
    },
    menu=(MenuEntry(5, "menu.items.privacy", privacy_menu),),
)
