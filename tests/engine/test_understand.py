"""Free text on any screen: intents, the language of the text, and fallbacks that help."""

from __future__ import annotations

import itertools
from pathlib import Path

import pytest
import yaml
from babel.messages.pofile import read_po

from bot.engine import inputs as i
from bot.engine.engine import Engine, Turn
from bot.engine.replies import Erase, Message
from bot.engine.session import Session
from bot.engine.text import normalise
from harness.clock import FROZEN

ROOT = Path(__file__).resolve().parents[2]
EVAL = ROOT / "tests" / "eval" / "understand"


def first(turn: Turn) -> Message:
    return next(r for r in turn.replies if isinstance(r, Message))


def started(engine: Engine, lang: str = "nl") -> Session:
    turn = engine.handle(None, i.Start(lang=lang), FROZEN)
    assert turn.session is not None
    return turn.session


@pytest.mark.parametrize(
    ("text", "node", "why"),
    [
        ("ik maak me zorgen om mijn kinderen", "fear_children", "a parent's worry, typed"),
        ("ik ben bang dat ik mijn verblijfsvergunning kwijtraak", "fear_permit", "permit"),
        ("wat gebeurt er als ik de politie bel", "fear_police", "police"),
        ("hij pakt al mijn geld af", "control", "money control"),
        # the engine alone (no relay service): Veilig Thuis and 112 at once; the runner may search
        ("kan ik met een echt mens praten", "veilig_thuis", "asking for a person"),
        ("ben jij een robot?", "about", "what the bot is"),
        ("ik hoor de buren elke nacht schreeuwen", "other", "a bystander"),
        ("mijn oude moeder wordt slecht behandeld", "elderly", "an elderly person"),
        ("bedankt, doei", "goodbye", "thanks and goodbye"),
    ],
)
def test_typed_meaning_reaches_its_screen_from_any_screen(
    engine: Engine, text: str, node: str, why: str
) -> None:
    for at in ("start", "help", "veilig_thuis"):
        s = started(engine)
        s = Session(at, s.lang, s.version, s.started, s.updated)
        msg = first(engine.handle(s, i.Text(text), FROZEN))
        assert msg.node == node, f"{why} (typed on {at})"
        assert "112" in msg.text


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        ("ik heb mijn vrouw geslagen en ik wil stoppen", "nl"),
        ("I hit my wife and I want to stop", "en"),
    ],
)
def test_someone_who_hits_and_wants_to_stop_is_not_sent_to_the_police_screen(
    engine: Engine, text: str, lang: str
) -> None:
    """before_danger: the perpetrator intent is read before danger words for hitting."""
    assert engine.detector.detect(text, (lang,)) is not None  # the hitting words do match
    msg = first(engine.handle(started(engine, lang), i.Text(text), FROZEN))
    assert msg.node == "temper" and "112" in msg.text


@pytest.mark.parametrize(
    "text",
    [
        "hij slaat me",
        "hij slaat me en heeft een mes",
        "he hits me every day",
        # the intents for bystanders and people who use violence are read before hitting
        # words: a victim who mentions a sister, or says "he pushed me", is still a victim
        "mijn man slaat mij en mijn zus ziet het",
        "mijn man slaat me en de buren horen het geschreeuw",
        "my husband beats me and the neighbours hear the screaming",
        "kocam beni dövüyor, komşular bağırışları duyuyor",
        "he hits me and says i am the problem",
        "my husband beats me and my sister knows",
        "he pushed me against the wall",
        "він штовхнув мене",
        "mąż mnie bije",
        "kocam beni dövüyor",
        "زوجي بيضربني",
        "شوهرم منو میزنه",
    ],
)
def test_a_victim_of_hitting_still_gets_the_danger_screen(engine: Engine, text: str) -> None:
    msg = first(engine.handle(started(engine), i.Text(text), FROZEN))
    assert msg.node.startswith("danger") and msg.urgent


def test_hitting_words_about_someone_else_still_come_first(engine: Engine) -> None:
    """The bystander intent is not read before danger words: its rules (the neighbours,
    hearing, a sister) also fit a victim's own story, so hitting words open the danger screen
    (with 112 and a way on) for a bystander too."""
    msg = first(engine.handle(started(engine), i.Text("de man van mijn zus slaat haar"), FROZEN))
    assert msg.node.startswith("danger") and msg.urgent


def test_erase_and_start_again_are_understood_in_words(engine: Engine) -> None:
    turn = engine.handle(started(engine), i.Text("haal dit gesprek alsjeblieft weg"), FROZEN)
    assert any(isinstance(r, Erase) for r in turn.replies)
    again = first(engine.handle(started(engine), i.Text("ik wil opnieuw beginnen"), FROZEN))
    assert again.node == engine.dialogue.entry


@pytest.mark.parametrize(
    ("lang", "text"),
    [
        ("nl", "wis alles, hij kijkt in mijn telefoon"),
        ("uk", "видаліть усе, він перевіряє мій телефон"),
        ("tr", "hepsini sil, telefonumu kontrol ediyor"),
        ("fa", "همه رو پاک کن، گوشیمو چک میکنه"),
    ],
)
def test_a_request_to_erase_beats_the_topic_named_with_it(
    engine: Engine, lang: str, text: str
) -> None:
    """Someone whose phone is checked and who asks to erase is erased, not sent to the
    screen about control (erase `wins`)."""
    turn = engine.handle(started(engine, lang), i.Text(text), FROZEN)
    assert any(isinstance(r, Erase) for r in turn.replies)


def test_he_deletes_is_no_request_to_erase(engine: Engine) -> None:
    turn = engine.handle(
        started(engine), i.Text("hij wist mijn berichten en leest alles mee"), FROZEN
    )
    assert not any(isinstance(r, Erase) for r in turn.replies)
    assert first(turn).node == "control"


@pytest.mark.parametrize(
    ("text", "lang", "why"),
    [
        ("Arabisch", "ar", "the Dutch name"),
        ("english please", "en", "a request in English"),
        ("Türkçe", "tr", "the language's own name, as the language menu shows it"),
        ("po polsku", "pl", "'in Polish'"),
        ("فارسی", "fa", "in its own script"),
    ],
)
def test_a_language_asked_for_by_name(engine: Engine, text: str, lang: str, why: str) -> None:
    msg = first(engine.handle(started(engine), i.Text(text), FROZEN))
    assert msg.lang == lang, why


def test_a_language_named_in_a_story_is_not_a_request(engine: Engine) -> None:
    msg = first(
        engine.handle(
            started(engine), i.Text("mijn man spreekt alleen maar Arabisch thuis"), FROZEN
        )
    )
    assert msg.lang == "nl"


def test_the_greeting_comes_before_the_not_reviewed_note(engine: Engine) -> None:
    msg = first(engine.handle(None, i.Start(lang="tr"), FROZEN))
    greeting = engine.tr.text("tr", "start.text", engine.dialogue.nodes["start"].text)
    note = engine.tr.text("tr", "system.not_reviewed", engine.dialogue.system["not_reviewed"])
    assert msg.text.startswith(greeting.splitlines()[0])
    assert msg.text.index(note) > msg.text.index(greeting.splitlines()[0])


def test_fallbacks_help_and_never_repeat_the_same_line(engine: Engine) -> None:
    s: Session | None = started(engine)
    lines = []
    for _ in range(4):
        turn = engine.handle(s, i.Text("qwfp zxcv"), FROZEN)
        s = turn.session
        lines.append(first(turn).text.split("\n\n")[0])
    assert all(a != b for a, b in itertools.pairwise(lines)), lines
    second = first(engine.handle(started(engine), i.Text("qwfp"), FROZEN))
    assert second.node == "start"
    assert s is not None and s.node == engine.dialogue.help_node, "the second miss offers help"


def test_understood_input_resets_the_fallback_count(engine: Engine) -> None:
    s = engine.handle(started(engine), i.Text("qwfp zxcv"), FROZEN).session
    assert s is not None and s.misses == 1
    s = engine.handle(s, i.Text("1"), FROZEN).session
    assert s is not None and s.misses == 0


def test_without_understanding_free_text_falls_back_as_in_round_1(engine: Engine) -> None:
    plain = Engine(engine.dialogue, engine.tr, None, engine.detector, understand=False)
    msg = first(plain.handle(started(plain), i.Text("ik heb een vraag over de ind"), FROZEN))
    assert msg.node == "start"


# ----------------------------------------------------------------- held out
def test_no_evaluation_line_is_copied_into_the_intents() -> None:
    """The held-out first messages stay held out: not in intents.yaml nor in a catalog.

    Lines of three words or fewer ("who are you", "hallo") are what everybody types, so
    independent writers share them; from four words on a shared line counts as a copy.
    """
    taught = set()
    intents = yaml.safe_load((ROOT / "dialogues/intents.yaml").read_text(encoding="utf-8"))
    for spec in intents["intents"].values():
        taught |= {normalise(t) for t in (*spec.get("words", []), *spec.get("examples", []))}
    for po in (ROOT / "locales").glob("*/LC_MESSAGES/messages.po"):
        with po.open("rb") as fh:
            for m in read_po(fh):
                if (m.context or "").startswith("intent.") and m.string:
                    taught |= {normalise(t) for t in str(m.string).split("|")}
    for path in EVAL.glob("*.yaml"):
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        for item in data["lines"]:
            norm = normalise(item["text"])
            if len(norm.split()) >= 4:
                assert norm not in taught, f"{path.name}: evaluation line copied: {item['text']}"


def test_a_first_message_greets_in_the_language_it_is_written_in(engine: Engine) -> None:
    assert first(engine.handle(None, i.Text("merhaba"), FROZEN)).lang == "tr"
    assert first(engine.handle(None, i.Text("سلام"), FROZEN)).lang in ("ar", "fa")
    assert first(engine.handle(None, i.Text("ሰላም"), FROZEN)).lang == "ti"


def test_a_dutch_word_in_an_arabic_sentence_still_offers_arabic(engine: Engine) -> None:
    msg = first(
        engine.handle(started(engine), i.Text("خايفة على الverblijfsvergunning تبعي"), FROZEN)
    )
    assert msg.lang == "nl"
    assert msg.node == "fear_permit", "the Arabic article glued to the Dutch word is split off"
    assert any(b.id == "lang.ar" for b in msg.options)


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        ("my husband says the IND will take my verblijfsvergunning away", "en"),
        ("mój mąż mówi, że IND zabierze mi verblijfsvergunning", "pl"),
        ("زوجي بيقول رح يتصل بال IND", "ar"),
    ],
)
def test_a_dutch_word_does_not_make_a_sentence_dutch(engine: Engine, text: str, lang: str) -> None:
    """The permit rule matches a Dutch word, but the sentence is in another language: the
    screen comes with the offer to switch to it (a Latin-script sentence too)."""
    msg = first(engine.handle(started(engine), i.Text(text), FROZEN))
    assert msg.node == "fear_permit"
    assert [b.id for b in msg.options if b.id.startswith("lang.")] == [f"lang.{lang}"]


def test_a_short_answer_that_says_more_than_the_button_is_understood(engine: Engine) -> None:
    """On the opening screen "oke" picks "Vertel meer"; "ok bedankt doei" says goodbye."""
    assert first(engine.handle(started(engine), i.Text("oke"), FROZEN)).node == "topic"
    assert first(engine.handle(started(engine), i.Text("oke dank je"), FROZEN)).node == "topic"
    assert (
        first(engine.handle(started(engine), i.Text("ok bedankt doei"), FROZEN)).node == "goodbye"
    )
    english = engine.handle(started(engine, "en"), i.Text("ok thanks bye"), FROZEN)
    assert first(english).node == "goodbye"


def test_farsi_without_its_own_letters_is_still_farsi(engine: Engine) -> None:
    """Arabic script without پ چ ژ گ: the lines most like it decide between Arabic and Farsi."""
    farsi = first(engine.handle(started(engine), i.Text("ممنون بابت اطلاعات، خداحافظ"), FROZEN))
    assert [b.id for b in farsi.options if b.id.startswith("lang.")] == ["lang.fa"]
    arabic = first(engine.handle(started(engine), i.Text("شكرا على المعلومات، مع السلامة"), FROZEN))
    assert [b.id for b in arabic.options if b.id.startswith("lang.")] == ["lang.ar"]


def test_a_weak_danger_signal_asks_before_a_meaning_that_is_only_alike(engine: Engine) -> None:
    """ "hij heeft een mes" shares letters with an example line about control; the calm
    question "are you in danger now?" comes first (on a screen, and as a first message)."""
    assert first(engine.handle(started(engine), i.Text("hij heeft een mes"), FROZEN)).node == (
        "danger_check"
    )
    assert first(engine.handle(None, i.Text("hij heeft een mes"), FROZEN)).node == "danger_check"
