"""Danger detection on held-out lines, beside the round-1 matcher on the same lines.

The lines (tests/eval/danger/<lang>.yaml) were written by someone who had not seen the
lexicons. Printed per language and per kind:
- opens: danger lines that open a danger screen at once (recall);
- right: ... and it is the screen for that kind (112 first, 113, Centrum Seksueel Geweld, ...);
- asks: danger lines that only get the calm question "are you in danger now?";
- false: harmless look-alike lines that open a danger screen; asks-h: that get the question;
- other: danger lines typed in another language than the session's (session nl; en for nl).
Then the time of one check, typical and for a 4,096-character message, cold and warm.
Round 1 knew no kinds and no question: it opened the one danger screen or nothing.
"""

from __future__ import annotations

import statistics
import sys
import time
from collections import defaultdict
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.baseline.round1 import Round1  # noqa: E402
from bot.content.loader import load  # noqa: E402
from bot.engine.safety import Detector  # noqa: E402

# `--dev` measures the development lines instead (tests/dev/danger: tuned on, so only a guide);
# `--round5`, `--round6`, `--round7` a later round of development lines (tests/dev/danger/roundN, each
# written without seeing the lexicons, and measured before anything was tuned on it).
ROUND = next((a[2:] for a in sys.argv if a.startswith("--round")), None)
EVAL = ROOT / "tests" / ("dev" if ROUND or "--dev" in sys.argv else "eval") / "danger"
if ROUND:
    EVAL = EVAL / ROUND


def eval_sets() -> dict[str, dict[str, list]]:
    """language -> {"danger": [(kind, text)], "lookalike": [text]}"""
    out = {}
    for path in sorted(EVAL.glob("*.yaml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        danger = [(d["kind"], d["text"]) for d in data["danger"]]
        out[data["language"]] = {"danger": danger, "lookalike": list(data["lookalike"])}
    return out


def pct(n: int, d: int) -> str:
    return f"{100 * n / d:5.1f}%" if d else "   -  "


def main() -> None:
    loaded = load(ROOT / "dialogues")
    assert loaded.dialogue is not None, loaded.problems
    d = loaded.dialogue
    detector = Detector(loaded.lexicons)
    old = Round1()
    sets = eval_sets()

    def screen(kind: str) -> str:
        return d.danger_screens.get(kind, d.danger_node)

    totals: dict[str, list[int]] = defaultdict(lambda: [0] * 10)
    kinds: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])
    print(
        f"{'language':<10}{'lines':>6}{'opens':>8}{'right':>8}{'asks':>8}{'round1':>8}"
        f"{'looks':>7}{'false':>8}{'asks-h':>8}{'round1':>8}{'other':>8}{'round1':>8}"
    )
    for lang, s in sets.items():
        other = "en" if lang == "nl" else "nl"
        row = totals[lang]
        for kind, text in s["danger"]:
            found = detector.detect(text, (lang,))
            opened = found is not None and found.certain
            right = opened and screen(found.kind) == screen(kind)  # type: ignore[union-attr]
            row[0] += 1
            row[1] += opened
            row[2] += right
            row[3] += found is not None and not found.certain
            row[4] += old.detect(text, lang)
            elsewhere = detector.detect(text, (other,))
            row[8] += elsewhere is not None and elsewhere.certain
            row[9] += old.detect(text, other)
            k = kinds[kind]
            k[0] += 1
            k[1] += opened
            k[2] += old.detect(text, lang)
        for text in s["lookalike"]:
            found = detector.detect(text, (lang,))
            row[5] += 1
            row[6] += found is not None and found.certain
            row[7] += found is not None and not found.certain
        row.append(old_false := sum(old.detect(t, lang) for t in s["lookalike"]))
        del old_false
    grand = [sum(r[i] for r in totals.values()) for i in range(11)]
    for lang, r in [*totals.items(), ("all", grand)]:
        print(
            f"{lang:<10}{r[0]:>6}{pct(r[1], r[0]):>8}{pct(r[2], r[0]):>8}{pct(r[3], r[0]):>8}"
            f"{pct(r[4], r[0]):>8}{r[5]:>7}{pct(r[6], r[5]):>8}{pct(r[7], r[5]):>8}"
            f"{pct(r[10], r[5]):>8}{pct(r[8], r[0]):>8}{pct(r[9], r[0]):>8}"
        )
    print("targets: opens >= 95% on this set; false <= 10%")
    print()
    print(f"{'kind':<14}{'lines':>6}{'opens':>8}{'round1':>8}")
    for kind, (n, opened, old_opened) in sorted(kinds.items()):
        print(f"{kind:<14}{n:>6}{pct(opened, n):>8}{pct(old_opened, n):>8}")
    print()
    timing(loaded.lexicons, old, sets)


def timing(lexicons: dict, old: Round1, sets: dict[str, dict[str, list]]) -> None:
    """One check: a typical line (mean of all eval lines) and 4,096 characters, cold and warm."""
    lines = [t for s in sets.values() for _, t in s["danger"]] + [
        t for s in sets.values() for t in s["lookalike"]
    ]
    long_text = " ".join(lines)[:4096]
    fresh = Detector(lexicons)  # an empty memo: every word is new
    rows = []
    # _detect: the real work, without the per-text memo (a new message is never in it);
    # "warm" still has every word of the text in the per-word memo.
    t0 = time.perf_counter()
    fresh._detect(long_text, ())
    cold = time.perf_counter() - t0
    warm = _best(lambda: fresh._detect(long_text, ()))
    old_long = _best(lambda: old.detect(long_text, "nl"))
    typical = statistics.mean(_best(lambda t=t: fresh._detect(t, ()), 3) for t in lines)
    old_typical = statistics.mean(_best(lambda t=t: old.detect(t, "nl"), 3) for t in lines)
    rows.append(("one typical line (us)", typical * 1e6, old_typical * 1e6))
    rows.append(("4,096 characters, cold (ms)", cold * 1e3, old_long * 1e3))
    rows.append(("4,096 characters, warm (ms)", warm * 1e3, old_long * 1e3))
    print(f"{'speed':<32}{'now':>10}{'round1':>10}   target: 4,096 characters < 1 ms")
    for name, now, was in rows:
        print(f"{name:<32}{now:>10.3f}{was:>10.3f}")


def _best(fn: object, repeat: int = 20) -> float:
    best = float("inf")
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()  # type: ignore[operator]
        best = min(best, time.perf_counter() - t0)
    return best


if __name__ == "__main__":
    main()
