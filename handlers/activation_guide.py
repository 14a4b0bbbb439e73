"""The activation walkthrough read as a guide by a teacher who has not consented (`aktivasi`
before consent, from handlers/activation.py): the same steps, branches and typed errors, but
nothing is stored except where the chat is in it (the contact's flow state). No progress row, no
funnel event, no nudge; a Duta Teknologi needs the teacher's name and region, so asking for one
brings the consent question.

States: intro (already active? madrasah?), step, problems (which problem?), branch (a fix)."""

from bot.activation.walkthrough import (
    GUIDE_FLOW,
    WalkStep,
    branch_message,
    problem_options,
    problems_message,
    step_message,
    step_options,
    walkthrough,
)
from bot.answers import choose
from bot.conversation import Flow, Reply, Step, Turn
from bot.feature import Feature


def show(turn: Turn, text: str, options: list[str]) -> None:
    turn.replies.append(Reply(text, options))


def guide_step(turn: Turn) -> WalkStep | None:
    return walkthrough().steps.get(str(turn.recall("step", "")))


def go_to_step(turn: Turn, step_id: str) -> None:
    turn.remember(step=step_id, branch=None)
    turn.goto(GUIDE_FLOW, "step")


def ask_intro(turn: Turn) -> None:
    text = turn.render("activation.intro", total=walkthrough().total)  # asked again: its short form
    show(turn, text, turn.content.choices("activation.intro"))


def answer_intro(turn: Turn) -> bool:
    if understood(turn):
        return True
    choice = turn.choose("activation.intro")
    if choice is None:
        return False
    go_to_step(turn, walkthrough().intro_target(choice))
    return True


def ask_step(turn: Turn) -> None:
    step = guide_step(turn)
    if step is None:
        turn.goto(GUIDE_FLOW, "intro")
        return
    show(turn, step_message(step, turn.content, again=turn.again), step_options(step, turn.content))


def answer_step(turn: Turn) -> bool:
    """1 on to the next step, 2 the problems, 3 a Duta Teknologi (who needs consent first)."""
    step = guide_step(turn)
    if understood(turn):
        return True
    choice = None if step is None else choose(turn.text, step_options(step, turn.content), "activation.step")
    if step is None or choice is None:
        return False
    if choice == 1:
        next_step(turn, step)
    elif choice == 2:
        turn.goto(GUIDE_FLOW, "problems")
    else:
        needs_consent(turn)
    return True


def next_step(turn: Turn, step: WalkStep) -> None:
    following = walkthrough().next_step(step.id)
    if following is None:
        turn.finish()
        turn.say("activation.guide_done")
    else:
        go_to_step(turn, following.id)


def ask_problems(turn: Turn) -> None:
    step = guide_step(turn)
    if step is None:
        turn.goto(GUIDE_FLOW, "intro")
        return
    show(turn, problems_message(step, turn.content), problem_options(walkthrough(), step, turn.content))


def answer_problems(turn: Turn) -> bool:
    """A branch by its number; the last number, a Duta Teknologi, needs consent."""
    step = guide_step(turn)
    if understood(turn):
        return True
    choice = None if step is None else choose(turn.text, problem_options(walkthrough(), step, turn.content))
    if step is None or choice is None:
        return False
    if choice <= len(step.problems):
        open_branch(turn, step.problems[choice - 1])
    else:
        needs_consent(turn)
    return True


def open_branch(turn: Turn, branch_id: str) -> None:
    if guide_step(turn) is None:  # typed before any step: the first step that offers it
        turn.remember(step=walkthrough().home_step(branch_id).id)
    turn.remember(branch=branch_id)
    turn.goto(GUIDE_FLOW, "branch")


def ask_branch(turn: Turn) -> None:
    branch = walkthrough().branches.get(str(turn.recall("branch", "")))
    if branch is None:
        turn.goto(GUIDE_FLOW, "step")
        return
    show(turn, branch_message(branch, turn.content, again=turn.again), turn.content.choices("activation.branch"))


def answer_branch(turn: Turn) -> bool:
    """1 fixed: the next step; still failing or a Duta Teknologi: a person, who needs consent."""
    step = guide_step(turn)
    if understood(turn):
        return True
    choice = turn.choose("activation.branch")
    if choice is None or step is None:
        return False
    if choice == 1:
        next_step(turn, step)
    else:
        needs_consent(turn)
    return True


def understood(turn: Turn) -> bool:
    """An error message typed (its branch), a madrasah teacher, or "sudah aktif"."""
    meaning = walkthrough().typed_meaning(turn.text, guide_step(turn))
    if meaning is None:
        return False
    kind, target = meaning
    if kind == "branch":
        open_branch(turn, target)
    else:
        go_to_step(turn, target)
    return True


def needs_consent(turn: Turn) -> None:
    """A Duta Teknologi needs the teacher's name and region: ask for consent (the notice)."""
    turn.finish()
    turn.say("onboarding.needs_consent")
    turn.goto("onboarding", "consent")


FLOW = Flow(
    GUIDE_FLOW,
    {
        "intro": Step(ask_intro, answer_intro),
        "step": Step(ask_step, answer_step),
        "problems": Step(ask_problems, answer_problems),
        "branch": Step(ask_branch, answer_branch),
    },
    label="activation.label",
    before_consent=True,
)
FEATURE = Feature("activation_guide", flows=(FLOW,))
