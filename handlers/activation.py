"""The activation walkthrough: one step per message, troubleshooting branches, hand-over to a human.

States of the flow: intro (is the account active already? a madrasah teacher?), resume (continue
where you left?), step (the current step), problems (which problem?), branch (a fix to try),
retry (try again later, then say so), retried (how did it go?), describe (tell the Duta
Teknologi). Where the teacher is lives in `activation_progress`, not only in the chat state, so it
survives leaving for the menu, a restart and days of silence.
"""

from datetime import datetime

from bot.activation import models as activation_tables
from bot.activation import progress as walking
from bot.activation.models import NUDGE_PROMPT, ActivationProgress
from bot.activation.nudges import ACTIVATION_NUDGES
from bot.activation.walkthrough import (
    FLOW_NAME,
    GUIDE_FLOW,
    RESUME_STATE,
    WalkStep,
    branch_message,
    done_key,
    problem_options,
    problems_message,
    step_message,
    step_options,
    walkthrough,
)
from bot.answers import choose
from bot.api.routes import stats
from bot.conversation import Flow, MenuEntry, PromptKind, Reply, Step, Turn, Word
from bot.feature import Feature
from bot.helpdesk.relay import walkthrough_report_added
from bot.local_time import date_text, zone_of
from bot.profile import greeting_name
from bot.prompts import Prompt

HANDOVER_AFTER_FAILURES = 2


def start(turn: Turn) -> None:
    """Open the walkthrough: offer to continue where the teacher left off, or begin; a teacher who
    has not consented reads it as a guide."""
    if turn.contact.consent_given_at is None:
        turn.contact.flow_data = {}
        turn.goto(GUIDE_FLOW, "intro")
        return
    progress = walking.progress_of(turn.session, turn.contact)
    walking.touch(turn.session, turn.contact, progress)
    if progress.completed_at is not None:
        turn.say("activation.already_done", date=local_date(turn, progress.completed_at))
        turn.goto(FLOW_NAME, "intro")
    elif progress.step in walkthrough().steps:
        turn.goto(FLOW_NAME, RESUME_STATE)
    else:
        turn.goto(FLOW_NAME, "intro")


def progress_now(turn: Turn) -> ActivationProgress:
    return walking.progress_of(turn.session, turn.contact)


def current_step(turn: Turn) -> WalkStep | None:
    return walkthrough().steps.get(progress_now(turn).step or "")


def show(turn: Turn, text: str, options: list[str]) -> None:
    turn.replies.append(Reply(text, options))


def ask_intro(turn: Turn) -> None:
    text = turn.render("activation.intro", total=walkthrough().total)  # asked again: its short form
    show(turn, text, turn.content.choices("activation.intro"))


def answer_intro(turn: Turn) -> bool:
    """Begin at step 1, at the PMM step for a teacher whose account is already active, or on the
    madrasah path."""
    if understood(turn):  # an error message or "sudah aktif" in words says more than a yes
        return True
    choice = turn.choose("activation.intro")
    if choice is None:
        return False
    begin(turn, walkthrough().intro_target(choice))
    return True


def ask_resume(turn: Turn) -> None:
    step = current_step(turn)
    if step is None:
        turn.goto(FLOW_NAME, "intro")
        return
    values = {"number": step.number, "total": step.total, "title": step.title}
    turn.ask("activation.resume", turn.content.choices("activation.resume"), **values)


def answer_resume(turn: Turn) -> bool:
    if understood(turn):  # an error message or "sudah aktif" in words says more than a yes
        return True
    choice = turn.choose("activation.resume")
    if choice is None:
        return False
    resume(turn, choice)
    return True


def resume(turn: Turn, choice: int) -> None:
    """1: continue at the step (or the branch) the teacher left; 2: start again from the intro."""
    progress = progress_now(turn)
    walking.touch(turn.session, turn.contact, progress)
    if choice == 2 or progress.step not in walkthrough().steps:
        turn.goto(FLOW_NAME, "intro")
    else:
        turn.goto(FLOW_NAME, "branch" if progress.branch in walkthrough().branches else "step")


def answer_nudge(turn: Turn, _prompt: Prompt, choice: int) -> None:
    """The nudge's "Lanjutkan" / "Mulai dari awal", whatever the teacher was doing meanwhile."""
    resume(turn, choice)


def ask_step(turn: Turn) -> None:
    step = current_step(turn)
    if step is None:  # staff removed the step since: begin again
        turn.goto(FLOW_NAME, "intro")
        return
    message = step_message(step, turn.content, turn.contact.role, again=turn.again)
    show(turn, message, step_options(step, turn.content))


def answer_step(turn: Turn) -> bool:
    """1 the step worked, 2 there is a problem, 3 a Duta Teknologi, or an error typed in words."""
    step = current_step(turn)
    if understood(turn):  # an error message or "sudah aktif" in words says more than a yes
        return True
    if step is None:
        return False
    choice = choose(turn.text, step_options(step, turn.content), "activation.step")
    if choice is None:
        return False
    progress = progress_now(turn)
    if choice == 1:
        advance(turn, progress)
    elif choice == 2:
        walking.mark_stuck(turn.session, turn.contact, progress)
        walking.touch(turn.session, turn.contact, progress)
        turn.goto(FLOW_NAME, "problems")
    else:
        turn.goto(FLOW_NAME, "describe")
    return True


def ask_problems(turn: Turn) -> None:
    step = current_step(turn)
    if step is None:
        turn.goto(FLOW_NAME, "intro")
        return
    show(turn, problems_message(step, turn.content), problem_options(walkthrough(), step, turn.content))


def answer_problems(turn: Turn) -> bool:
    """A branch by its number, the last number for a Duta Teknologi, or the error in words."""
    step = current_step(turn)
    if understood(turn):
        return True
    if step is None:
        return False
    choice = choose(turn.text, problem_options(walkthrough(), step, turn.content))
    if choice is None:
        return False
    if choice <= len(step.problems):
        open_branch(turn, step.problems[choice - 1], report=None)
    else:
        turn.goto(FLOW_NAME, "describe")
    return True


def ask_branch(turn: Turn) -> None:
    branch = walkthrough().branches.get(progress_now(turn).branch or "")
    if branch is None:
        turn.goto(FLOW_NAME, "step")
        return
    message = branch_message(branch, turn.content, turn.contact.role, again=turn.again)
    show(turn, message, turn.content.choices("activation.branch"))


def answer_branch(turn: Turn) -> bool:
    """1 fixed (the step is done), 2 still failing (twice: a human takes over), 3 a Duta Teknologi."""
    return understood(turn) or answer_result(turn)


def ask_retry(turn: Turn) -> None:
    turn.ask("activation.branch_retry", turn.content.choices("activation.retry"))


def answer_retry(turn: Turn) -> bool:
    """1: the teacher tried again, now the result is asked; 2: a Duta Teknologi."""
    if understood(turn):
        return True
    choice = turn.choose("activation.retry")
    if choice is None:
        return answer_result(turn)  # "berhasil", "masih gagal": the result without saying they tried
    turn.goto(FLOW_NAME, "retried" if choice == 1 else "describe")
    return True


def ask_retried(turn: Turn) -> None:
    turn.ask("activation.retry_result", turn.content.choices("activation.branch"))


def answer_result(turn: Turn) -> bool:
    """1 fixed (the step is done), 2 still failing (twice: a human takes over), 3 a Duta Teknologi."""
    choice = turn.choose("activation.branch")
    if choice is None:
        return False
    progress = progress_now(turn)
    if choice == 1:
        advance(turn, progress)
    elif choice == 2:
        branch_failed(turn, progress)
    else:
        turn.goto(FLOW_NAME, "describe")
    return True


def ask_describe(turn: Turn) -> None:
    turn.ask("activation.describe", turn.content.choices("skip"))


def answer_describe(turn: Turn) -> bool:
    """Whatever the teacher writes goes to the ticket; 1 skips."""
    skipped = turn.choose("skip") == 1
    hand_over(turn, progress_now(turn), report=None if skipped else turn.text)
    return True


def understood(turn: Turn) -> bool:
    """Words instead of a number: an error message (its branch), a madrasah teacher, "sudah aktif"."""
    meaning = walkthrough().typed_meaning(turn.text, current_step(turn))
    if meaning is None:
        return False
    kind, target = meaning
    if kind == "branch":
        open_branch(turn, target, report=turn.text)
    else:
        begin(turn, target)
    return True


def begin(turn: Turn, step_id: str) -> None:
    progress = progress_now(turn)
    walking.enter_step(turn.session, turn.contact, progress, step_id)
    walking.touch(turn.session, turn.contact, progress)
    turn.goto(FLOW_NAME, "step")


def advance(turn: Turn, progress: ActivationProgress) -> None:
    """The step worked: on to the next one, or congratulations at the end."""
    finished = current_step(turn)
    following = walking.pass_step(turn.session, turn.contact, progress)
    if following is None:
        walking.touch(turn.session, turn.contact, progress)
        key = done_key(finished) if finished else "activation.done"
        turn.say(key, name=greeting_name(turn.contact.name), date=local_date(turn, progress.completed_at))
        turn.finish()
    else:
        begin(turn, following.id)


def open_branch(turn: Turn, branch_id: str, report: str | None) -> None:
    progress = progress_now(turn)
    walking.take_branch(turn.session, turn.contact, progress, branch_id, report)
    walking.touch(turn.session, turn.contact, progress)
    turn.goto(FLOW_NAME, "branch")


def branch_failed(turn: Turn, progress: ActivationProgress) -> None:
    """Once: encourage another try. Twice for the same branch: hand over to a human."""
    walking.touch(turn.session, turn.contact, progress)
    if walking.fail_branch(progress) >= HANDOVER_AFTER_FAILURES:
        turn.say("activation.auto_handover")
        hand_over(turn, progress, report=None)
    else:
        turn.goto(FLOW_NAME, "retry")


def hand_over(turn: Turn, progress: ActivationProgress, report: str | None) -> None:
    """Record a ticket and tell the teacher honestly what happens next."""
    if report:
        walking.add_report(progress, report)
    ticket, created = walking.hand_over(turn.session, turn.contact, progress)
    if not created:
        walkthrough_report_added(turn.session, ticket, turn.now())  # a volunteer holding it reads it
    turn.say("activation.ticket_created" if created else "activation.ticket_updated", ticket=ticket.id)
    turn.finish()


def local_date(turn: Turn, moment: datetime | None) -> str:
    """The date as Indonesians write it (30 September 2026), in the teacher's own zone."""
    return date_text(moment or turn.now(), zone_of(turn.contact), weekday=False)


def where(turn: Turn) -> str:
    """ "aktivasi, langkah 3 dari 5" for the one-line reminder after an interruption."""
    step = current_step(turn)
    if step is None or turn.contact.step == "intro":
        return turn.content.render("activation.label")
    return turn.content.render("activation.where", number=step.number, total=step.total)


FLOW = Flow(
    FLOW_NAME,
    {
        "intro": Step(ask_intro, answer_intro),
        RESUME_STATE: Step(ask_resume, answer_resume),
        "step": Step(ask_step, answer_step),
        "problems": Step(ask_problems, answer_problems),
        "branch": Step(ask_branch, answer_branch),
        "retry": Step(ask_retry, answer_retry),
        "retried": Step(ask_retried, answer_result),
        "describe": Step(ask_describe, answer_describe),
    },
    label="activation.label",
    where=where,
    resumable=True,
)
START = Word(start, needs_profile=True, before_consent=True)
FEATURE = Feature(
    "activation",
    flows=(FLOW,),
    words={"aktivasi": START, "belajar.id": START, "belajar id": START},
    prompt_kinds=(
        PromptKind(NUDGE_PROMPT, answer_nudge, choices="activation.resume"),
    ),
    menu=(MenuEntry(1, "menu.items.activation", start),),
    jobs=(ACTIVATION_NUDGES,),
    routers=(stats.router,),
    tables=(activation_tables,),
    erase=walking.forget_contact,
)
