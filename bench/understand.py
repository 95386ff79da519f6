"""Free text: first messages in people's own words, and the screen they land on.

The lines (tests/eval/understand/<lang>.yaml) were written without looking at the route words
or intents. Each is typed right after /start, as a resident's first message:
- own: the phone is in the line's language (the greeting came in that language);
- nl phone: the phone is in Dutch; then the right screen must come with an offer to switch to
  the line's language (or in that language, for a greeting or a request for it).
Printed per language and per intent, beside round 1 (the same engine without intents).
"""

from __future__ import annotations

import datetime as dt
import sys
from collections import defaultdict
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bot.content.loader import load  # noqa: E402
from bot.engine import inputs as i  # noqa: E402
from bot.engine.engine import Engine  # noqa: E402
from bot.engine.replies import Erase, Message  # noqa: E402
from bot.i18n.catalogs import Catalogs  # noqa: E402

# `--dev` measures the development lines instead (tests/dev/understand: tuned on, so only a guide).
# `--round2`, `--round3`, `--round4`: later rounds of development lines (written later, not
# copied into the intents; rounds 2 and 4 then guided new words, round 3 only measured them).
ROUND = next((a[2:] for a in sys.argv if a.startswith("--round")), None)
EVAL = ROOT / "tests" / ("dev" if ROUND or "--dev" in sys.argv else "eval") / "understand"
if ROUND:
    EVAL = EVAL / ROUND
MISSES = "--misses" in sys.argv  # print the lines that land wrong (only for development lines)
NOW = dt.datetime(2026, 1, 5, 10, 0, tzinfo=dt.UTC)
# intent -> the screens that fit it (the first is the one the dialogue means)
FITS: dict[str, set[str]] = {
    "greeting": {"start"},
    "thanks_bye": {"goodbye"},
    "ask_person": {"trusted", "veilig_thuis"},  # a person to talk to, with the number
    "what_is_bot": {"about"},
    "children": {"fear_children", "danger_child"},
    "permit": {"fear_permit"},
    "police": {"fear_police"},
    "control": {"control"},
    # forced marriage: the screen for being married off (Veilig Thuis, before the trip)
    "family_pressure": {"family_help", "family", "fear_family", "identity", "danger_abroad"},
    "abroad": {"abroad", "danger_abroad"},
    "perpetrator": {"temper", "temper_moment"},
    "bystander": {"other"},
    "elderly": {"elderly"},
    "home_story": {"tension", "home", "control", "not_normal", "man_victim"},
    "suicide": {"danger_suicide"},
    "sexual": {"danger_sexual"},
    "restart": {"start"},
    "help": {"help", "danger_check"},
}


def fits(engine: Engine, item: dict[str, Any], phone: str) -> bool:
    """Does the first reply to this line fit it?"""
    start = engine.handle(None, i.Start(lang=phone), NOW)
    turn = engine.handle(start.session, i.Text(str(item["text"])), NOW)
    if item["intent"] == "erase":
        return any(isinstance(r, Erase) for r in turn.replies)
    msgs = [r for r in turn.replies if isinstance(r, Message)]
    if not msgs:
        return False
    msg, lang = msgs[0], item.get("lang_of_line", phone)
    if item["intent"] == "language":
        return msg.lang == item["lang"]
    if msg.node not in FITS[item["intent"]]:
        return False
    if item["intent"] == "greeting" or msg.lang == lang:
        return msg.lang == lang
    return any(b.id == f"lang.{lang}" for b in msg.options)


def landed(engine: Engine, item: dict[str, Any], phone: str) -> str:
    """Where a line lands, and why (for --misses)."""
    start = engine.handle(None, i.Start(lang=phone), NOW)
    turn = engine.handle(start.session, i.Text(str(item["text"])), NOW)
    msgs = [r for r in turn.replies if isinstance(r, Message)]
    assert engine.understanding is not None
    meaning = engine.understanding.meaning(str(item["text"]), (phone,))
    where = f"{msgs[0].node} ({msgs[0].lang})" if msgs else "-"
    return f"{where}; {meaning.intent + ' ' + meaning.lang + ' ' + meaning.how if meaning else ''}"


def main() -> None:
    loaded = load(ROOT / "dialogues")
    assert loaded.dialogue is not None
    catalogs = Catalogs.load(ROOT / "locales")
    now = Engine(loaded.dialogue, catalogs, loaded.lexicons, loaded.detector)
    old = Engine(loaded.dialogue, catalogs, loaded.lexicons, loaded.detector, understand=False)
    per_intent: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0, 0])
    print(f"{'language':<10}{'lines':>6}{'own':>8}{'round1':>8}{'nl phone':>10}{'round1':>8}")
    total = [0, 0, 0, 0, 0]
    for path in sorted(EVAL.glob("*.yaml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        lang = data["language"]
        row = [0, 0, 0, 0, 0]
        for item in data["lines"]:
            item = {**item, "lang_of_line": lang}
            results = (
                fits(now, item, lang),
                fits(old, item, lang),
                fits(now, item, "nl"),
                fits(old, item, "nl"),
            )
            if MISSES and "eval" not in EVAL.parts:
                for ok, phone in ((results[0], lang), (results[2], "nl")):
                    if not ok:
                        print(
                            f"  miss [{phone} phone] {item['intent']}: {item['text']}"
                            f"  -> {landed(now, item, phone)}"
                        )
            row[0] += 1
            for k, ok in enumerate(results):
                row[k + 1] += ok
                per_intent[item["intent"]][k] += ok
            per_intent[item["intent"]].append(1)
        total = [a + b for a, b in zip(total, row, strict=True)]
        print(
            f"{lang:<10}{row[0]:>6}"
            + "".join(
                f"{_pct(v, row[0]):>{w}}" for v, w in zip(row[1:], (8, 8, 10, 8), strict=True)
            )
        )
    print(
        f"{'all':<10}{total[0]:>6}"
        + "".join(
            f"{_pct(v, total[0]):>{w}}" for v, w in zip(total[1:], (8, 8, 10, 8), strict=True)
        )
    )
    print("target: >= 90% on this set (own phone)")
    print()
    print(f"{'intent':<16}{'lines':>6}{'own':>8}{'round1':>8}{'nl phone':>10}{'round1':>8}")
    for intent, counts in sorted(per_intent.items()):
        n = len(counts) - 4
        cells = "".join(
            f"{_pct(v, n):>{w}}" for v, w in zip(counts[:4], (8, 8, 10, 8), strict=True)
        )
        print(f"{intent:<16}{n:>6}{cells}")
    print()
    off_topic(now)


def off_topic(engine: Engine) -> None:
    """Lines about something else (waste collection, a bus): the bot should say it did not
    understand (the opening stays), not guess a screen."""
    path = ROOT / "tests" / "dev" / "offtopic.yaml"
    lines = yaml.safe_load(path.read_text(encoding="utf-8"))["lines"]
    guessed = []
    for item in lines:
        start = engine.handle(None, i.Start(lang=item["lang"]), NOW)
        turn = engine.handle(start.session, i.Text(str(item["text"])), NOW)
        msgs = [r for r in turn.replies if isinstance(r, Message)]
        if msgs and msgs[0].node != "start":
            guessed.append(f"{item['text']} -> {msgs[0].node}")
    print(
        f"off-topic lines that land on a screen (a guess): {_pct(len(guessed), len(lines))}"
        f" of {len(lines)} (tests/dev/offtopic.yaml; lower is better)"
    )
    if MISSES:
        for line in guessed:
            print(f"  guess: {line}")


def _pct(n: int, d: int) -> str:
    return f"{100 * n / d:5.1f}%" if d else "  -  "


if __name__ == "__main__":
    main()
