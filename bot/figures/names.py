"""The figures that are counted: fixed names from the code, never anything a resident typed.

Each name is counted per ISO week and region. A conversation is counted once when it starts,
with its language, its entry route and its transport; the rest counts what was shown.
"""

from __future__ import annotations

REGIONS: tuple[str, ...] = ("twente", "ijsselland", "unknown")
CONVERSATIONS = "conversations"
LANGUAGE = "language."  # + language code; again when a conversation changes language
ROUTES: tuple[str, ...] = ("route.direct", "route.campaign", "route.trusted_person")
TRANSPORTS: tuple[str, ...] = (
    "transport.telegram",
    "transport.matrix",
    "transport.terminal",
    "transport.web",
)
DANGER = "danger."  # + the kind of acute-danger screen shown (see count.py)
VEILIG_THUIS = "veilig_thuis.shown"
# The trusted-person relay does not exist yet: only "offered" is counted today (a screen that
# lists trusted persons); the other three stay 0 until the relay is built.
TRUSTED: tuple[str, ...] = (
    "trusted.offered",
    "trusted.relay_accepted",
    "trusted.relay_completed",
    "trusted.relay_fell_back",
)
ERASURES = "erasures"
PLATFORMS = {"telegram": "telegram", "matrix": "matrix", "console": "terminal", "web": "web"}
