"""The simulator's conversation feed (issue #9): typed messages survive a reload, nothing twice,
and after HAPUS DATA the erased messages go and the chat goes on."""

from typing import Any

from tests.factories import Harness


async def say(harness: Harness, address: str, text: str) -> list[dict[str, Any]]:
    response = await harness.client.post("/simulator/messages", json={"address": address, "text": text})
    assert response.status_code == 202
    await harness.settle()
    return await feed(harness, address)


async def feed(harness: Harness, address: str) -> list[dict[str, Any]]:
    response = await harness.client.get("/simulator/messages", params={"address": address})
    assert response.status_code == 200
    messages: list[dict[str, Any]] = response.json()["messages"]
    return messages


async def test_the_feed_holds_both_sides_once_in_order(harness: Harness) -> None:
    await say(harness, "web-feed", "halo")
    messages = await say(harness, "web-feed", "1")
    assert [m["who"] for m in messages[:3]] == ["me", "bot", "me"]
    assert messages[0]["text"] == "" and messages[2]["text"] == "1"  # before consent nothing is kept
    assert {m["who"] for m in messages[3:]} == {"bot"}
    again = await feed(harness, "web-feed")
    assert again == messages  # a reload shows the same conversation, the teacher's lines included
    assert len({m["key"] for m in again}) == len(again)
    assert all("1." not in m["text"] for m in again if m["options"])  # options come once, as buttons


async def test_after_erasure_the_chat_starts_again(harness: Harness) -> None:
    for text in ["halo", "1", "Bu Sari", "sulsel", "gowa", "1", "2"]:
        await say(harness, "web-erase", text)
    before = await say(harness, "web-erase", "HAPUS DATA")
    assert await say(harness, "web-erase", "1") == []  # the goodbye, once sent, keeps nothing either
    restarted = await say(harness, "web-erase", "halo")
    assert [m["who"] for m in restarted] == ["me", "bot"] and "GuruBot" in restarted[1]["text"]
    assert not {m["key"] for m in restarted} & {m["key"] for m in before}, "new messages, new keys"
