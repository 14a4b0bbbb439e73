"""The activation flow file itself: every message fits a phone screen, the happy path stays light,
every branch can be reached, typed errors land in the right branch."""

import pytest

from bot.activation.walkthrough import (
    HAPPY_PATH_BUDGET,
    every_message,
    happy_path,
    parse_walkthrough,
    walkthrough,
)
from bot.content import SCREEN_BUDGET, read_yaml, texts
from bot.errors import ContentError


def test_every_walkthrough_message_fits_one_phone_screen() -> None:
    lengths = {where: len(message) for where, message in every_message(walkthrough(), texts())}
    longest = max(lengths, key=lambda where: lengths[where])
    assert lengths[longest] <= SCREEN_BUDGET, longest


def test_the_whole_happy_path_stays_within_3000_characters() -> None:
    messages = happy_path(walkthrough(), texts())
    assert len(messages) == walkthrough().total + 2  # the intro, one per step, the closing message
    assert sum(map(len, messages)) <= HAPPY_PATH_BUDGET


def test_no_images_and_only_short_spelled_out_links() -> None:
    for where, message in every_message(walkthrough(), texts()):
        assert "http" not in message and "www." not in message, where


def test_every_step_offers_a_way_out_and_every_branch_is_offered() -> None:
    walk = walkthrough()
    offered = {branch for step in walk.steps.values() for branch in step.problems}
    assert offered == set(walk.branches)
    assert {"akun_tidak_ditemukan", "lupa_password", "data_salah", "akun_dinonaktifkan", "pindah_sekolah"} <= offered
    assert all(step.problems for step in walk.steps.values())


@pytest.mark.parametrize(
    ("typed", "branch"),
    [
        ("AKUN TIDAK DITEMUKAN", "akun_tidak_ditemukan"),
        ("akun  belum terdaftar.", "akun_tidak_ditemukan"),
        ("katanya password salah", "lupa_password"),
        ("lupa kata sandi", "lupa_password"),
        ("Akun Dinonaktifkan!!", "akun_dinonaktifkan"),
        ("akun ditangguhkan", "akun_dinonaktifkan"),
        ("tanggal lahir salah", "data_salah"),
        ("NUPTK ganda", "data_salah"),
        ("pindah jenjang ke SMP", "pindah_sekolah"),
    ],
)
def test_typed_errors_match_their_branch(typed: str, branch: str) -> None:
    found = walkthrough().match_branch(typed)
    assert found is not None and found.id == branch


def test_ordinary_words_match_no_branch() -> None:
    assert walkthrough().match_branch("halo selamat pagi") is None
    assert walkthrough().match_branch("passwordnya salah") is None  # whole words only


def test_a_typed_phrase_claimed_by_two_branches_is_refused() -> None:
    data = read_yaml("activation.yaml")["walkthrough"]
    data["branches"]["data_salah"]["typed"] = [*data["branches"]["data_salah"]["typed"], "Password  salah"]
    with pytest.raises(ContentError, match=r"branch 'data_salah': typed 'password salah' also belongs"):
        parse_walkthrough(data)


@pytest.mark.parametrize(
    "report",
    [
        "HP (0812) 3456-7890",
        "HP 0812 - 3456 - 7890",
        "HP 0812–3456–7890",
        "wa +62 (812) 3456 7890",
        "nomor 0812/3456/7890",
        "NIK 7371012345670001",
    ],
)
def test_phone_numbers_and_nik_in_any_common_format_are_masked_in_tickets(report: str) -> None:
    from bot.activation.tickets import mask_long_numbers

    masked = mask_long_numbers(report)
    assert "3456" not in masked and "7371" not in masked


def test_an_npsn_stays_readable_in_tickets() -> None:
    from bot.activation.tickets import mask_long_numbers

    assert mask_long_numbers("NPSN sekolah 40312345") == "NPSN sekolah 40312345"
