"""The pure parts of the Matrix transport: rendering, reading events, language hints, log scrub."""

from __future__ import annotations

import pytest
from nio import ErrorResponse

from bot.engine.language import guess
from bot.engine.replies import Button, ContactCard, Message
from bot.transports.matrix.homeserver import transient
from bot.transports.matrix.render import classify, content, entry_code, strip_reply
from harness.synapse import recommended

MSG = Message(
    "Bel <Veilig Thuis>: 0800-2000\n\nNu in gevaar? Bel 112.",
    "veilig_thuis",
    "nl",
    options=(Button("call", "Wat gebeurt er?"),),
    commands=(Button("cmd.erase", "Gesprek wissen"),),
    contacts=(ContactCard("veilig_thuis", "Veilig Thuis", "0800-2000", None),),
)


def test_content_has_numbered_choices_in_plain_text_and_html() -> None:
    c = content(MSG)
    assert c["msgtype"] == "m.text" and c["format"] == "org.matrix.custom.html"
    assert c["body"].endswith("112.\n\n1. Wat gebeurt er?\n2. Gesprek wissen")
    assert "<ol><li>Wat gebeurt er?</li><li>Gesprek wissen</li></ol>" in c["formatted_body"]
    assert "&lt;Veilig Thuis&gt;" in c["formatted_body"]  # text is escaped, never markup
    assert '<a href="tel:08002000">0800-2000</a>' in c["formatted_body"]


def test_right_to_left_messages_say_so_in_html() -> None:
    rtl = Message("مرحبا\n\n112", "start", "ar", rtl=True)
    assert content(rtl)["formatted_body"].startswith('<div dir="rtl">')


def test_classify_keeps_a_media_caption_but_not_a_file_name() -> None:
    image = {"msgtype": "m.image", "filename": "x.jpg", "body": "hij heeft een mes"}
    found = classify({"type": "m.room.message", "content": image})
    assert (found.kind, found.text, found.caption) == ("unsupported", "image", "hij heeft een mes")
    named = classify({"type": "m.room.message", "content": {**image, "body": "x.jpg"}})
    assert named.caption is None, "a body that is only the file name is no caption"


@pytest.mark.parametrize(
    ("source", "kind", "text", "why"),
    [
        (
            {"type": "m.room.message", "content": {"msgtype": "m.text", "body": "hoi"}},
            "text",
            "hoi",
            "plain text",
        ),
        (
            {"type": "m.room.message", "content": {"msgtype": "m.image", "body": "x.jpg"}},
            "unsupported",
            "image",
            "images are not read",
        ),
        (
            {"type": "m.room.message", "content": {"msgtype": "m.location", "body": "geo"}},
            "unsupported",
            "location",
            "neither are locations",
        ),
        ({"type": "m.sticker", "content": {"body": "x"}}, "unsupported", "sticker", "or stickers"),
        ({"type": "m.reaction", "content": {}}, "ignore", "", "reactions need no answer"),
        (
            {
                "type": "m.room.message",
                "content": {
                    "msgtype": "m.text",
                    "body": "* hoi",
                    "m.new_content": {"msgtype": "m.text", "body": "hallo"},
                },
            },
            "edit",
            "hallo",
            "an edit is its new text, read again for danger only",
        ),
        (
            {
                "type": "m.room.message",
                "content": {"msgtype": "m.text", "body": "> <@bot:x> Kies\n> 1. A\n\n1"},
            },
            "text",
            "1",
            "a reply loses its quote",
        ),
    ],
)
def test_classify(source: dict[str, object], kind: str, text: str, why: str) -> None:
    found = classify(source)
    assert (found.kind, found.text) == (kind, text), why


def test_strip_reply_leaves_ordinary_text_alone() -> None:
    assert strip_reply(">_< oh") == ">_< oh"


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("start campagne", "campagne"),
        ("Start CAMPAGNE", "campagne"),
        ("/start K3F9", "K3F9"),
        ("start", None),
        ("start met iets", None),
        ("hallo", None),
    ],
)
def test_entry_code(text: str, code: str | None) -> None:
    assert entry_code(text, {"campagne": "start"}) == code


@pytest.mark.parametrize(
    ("text", "lang", "why"),
    [
        ("Hello, I need help please", "en", "common English words"),
        ("hallo, ik wil graag praten", "nl", "common Dutch words"),
        ("English", "en", "a language's own name"),
        ("مرحبا", "ar", "Arabic script"),
        ("سلام، کمک می‌خواهم", "fa", "letters only Farsi uses"),
        ("1", None, "a number says nothing"),
        ("ok", None, "too little to tell"),
    ],
)
def test_guess(text: str, lang: str | None, why: str) -> None:
    names = {"nl": "Nederlands", "en": "English", "ar": "العربية", "fa": "فارسی"}
    assert guess(text, names, names.__getitem__) == lang, why


def test_a_guess_outside_the_offered_languages_is_no_guess() -> None:
    assert guess("Merhaba, yardım lütfen", ["nl", "en"], str) is None


@pytest.mark.parametrize(
    ("errcode", "status", "retry"),
    [("M_LIMIT_EXCEEDED", 429, True), ("M_UNKNOWN", 502, True), ("M_FORBIDDEN", 403, False)],
)
def test_transient(errcode: str, status: int, retry: bool) -> None:
    resp = ErrorResponse("x", errcode)

    class Answer:
        pass

    answer = Answer()
    answer.status = status  # type: ignore[attr-defined]
    resp.transport_response = answer  # type: ignore[assignment]
    assert transient(resp) is retry


def test_the_readme_recommends_a_short_redaction_retention() -> None:
    settings = recommended()
    assert settings["redaction_retention_period"] == "5m"
