"""The web chat in a real browser: Debian's Chromium, driven by Selenium, against `vrede web`
running as a subprocess. A resident's paths (buttons, typing, danger, right to left), quick
exit three ways (and what it leaves: no history entry, no storage, no conversation on the
server), a reload, the headers of every response the browser got, keyboard use, axe-core,
and screenshots in nl, ar and ti (tests/artifacts/web/)."""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from selenium import webdriver
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.remote.webelement import WebElement

from tests.transports.web import chromium
from tests.transports.web.browser import ARTIFACTS, VredeWeb, axe_run, chrome, neutral_site, until

TYPED: list[str] = []  # everything a test typed: none of it may reach the server's log


@pytest.fixture(scope="session")
def browser_bin() -> chromium.Chromium:
    try:
        return chromium.ensure()
    except chromium.ChromiumError as exc:
        pytest.fail(f"Chromium could not be installed from Debian:\n{exc}", pytrace=False)


@pytest.fixture(scope="module")
def neutral() -> Iterator[str]:
    with neutral_site() as url:
        yield url


@pytest.fixture
def server(tmp_path: Path, neutral: str) -> Iterator[VredeWeb]:
    running = VredeWeb(tmp_path, neutral)
    TYPED.clear()
    yield running
    running.stop()
    logged = running.text()
    for trace in ("Mozilla", "HeadlessChrome", '"POST ', '"GET ', *TYPED):
        assert trace not in logged, f"{trace!r} reached the log"


@pytest.fixture
def browser(browser_bin: chromium.Chromium, tmp_path: Path) -> Iterator[webdriver.Chrome]:
    driver = chrome(browser_bin, tmp_path / "profile")
    yield driver
    driver.quit()


# ---------------------------------------------------------------------- a resident's actions
def bot_said(b: webdriver.Chrome) -> list[WebElement]:
    return b.find_elements(By.CSS_SELECTOR, ".msg.bot")


def act(b: webdriver.Chrome, action: Callable[[], None]) -> list[WebElement]:
    """Do something, then wait for the bot's new messages."""
    before = len(bot_said(b))
    action()
    until(b, lambda d: len(bot_said(d)) > before, "no answer")
    time.sleep(0.05)  # all messages of one answer are added together
    return bot_said(b)[before:]


def open_chat(b: webdriver.Chrome, server: VredeWeb, query: str = "?lang=nl") -> list[WebElement]:
    return act(b, lambda: b.get(server.url + query))


def press(b: webdriver.Chrome, label: str) -> list[WebElement]:
    button = b.find_element(By.XPATH, f"//button[normalize-space()='{label}']")
    return act(b, button.click)


def type_text(b: webdriver.Chrome, text: str) -> list[WebElement]:
    TYPED.append(text)
    field = b.find_element(By.ID, "text")
    return act(b, lambda: field.send_keys(text, Keys.ENTER))


def all_carry_112(b: webdriver.Chrome) -> bool:
    texts = [m.text for m in bot_said(b)]
    return bool(texts) and all("112" in t for t in texts)


def storage(b: webdriver.Chrome) -> dict[str, Any]:
    """Everything a page could have left on the device for its origin."""
    found: dict[str, Any] = b.execute_async_script(
        """
        const done = arguments[arguments.length - 1];
        (async () => ({
          cookie: document.cookie,
          local: localStorage.length,
          session: sessionStorage.length,
          indexeddb: (await indexedDB.databases()).length,
          workers: (await navigator.serviceWorker.getRegistrations()).length,
          caches: (await caches.keys()).length,
        }))().then(done, e => done({error: String(e)}));
        """
    )
    found["cookies"] = b.execute_cdp_cmd("Storage.getCookies", {})["cookies"]
    return found


EMPTY = {
    "cookie": "",
    "local": 0,
    "session": 0,
    "indexeddb": 0,
    "workers": 0,
    "caches": 0,
    "cookies": [],
}


def wait_for(check: Callable[[], bool], what: str, timeout: float = 10) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, what
        time.sleep(0.1)


# ---------------------------------------------------------------------- the paths
def test_to_veilig_thuis_by_buttons(browser: webdriver.Chrome, server: VredeWeb) -> None:
    open_chat(browser, server)
    start_history = browser.execute_script("return history.length")
    press(browser, "Ik zoek hulp")
    shown = press(browser, "Meer over Veilig Thuis")
    assert shown[-1].text.startswith("Bij Veilig Thuis kun je advies vragen")
    calls = browser.find_elements(By.CSS_SELECTOR, "a.call[href='tel:08002000']")
    assert calls, "Veilig Thuis can be called with one tap"
    assert all_carry_112(browser)
    assert browser.execute_script("return history.length") == start_history, "no history entries"
    assert storage(browser) == EMPTY


def test_to_veilig_thuis_by_typing(browser: webdriver.Chrome, server: VredeWeb) -> None:
    open_chat(browser, server)
    shown = type_text(browser, "ik wil veilig thuis bellen")
    assert "0800-2000" in shown[-1].text
    mine = browser.find_elements(By.CSS_SELECTOR, ".msg.mine")
    assert [m.text for m in mine] == ["ik wil veilig thuis bellen"]
    assert all_carry_112(browser)


def test_danger_opens_its_screen_first(browser: webdriver.Chrome, server: VredeWeb) -> None:
    open_chat(browser, server)
    shown = type_text(browser, "hij kneep mijn keel dicht")
    assert "urgent" in (shown[0].get_attribute("class") or "")
    assert "112" in shown[0].text
    assert all_carry_112(browser)


def test_arabic_reads_right_to_left(browser: webdriver.Chrome, server: VredeWeb) -> None:
    shown = open_chat(browser, server, "?lang=ar")
    assert browser.execute_script("return document.documentElement.dir") == "rtl"
    assert shown[0].get_attribute("dir") == "rtl" and shown[0].get_attribute("lang") == "ar"
    assert shown[0].value_of_css_property("direction") == "rtl"
    assert all_carry_112(browser)


# ---------------------------------------------------------------------- leaving
EXITS = {
    "button": lambda b: b.find_element(By.ID, "exit").click(),
    "escape": lambda b: ActionChains(b).send_keys(Keys.ESCAPE).perform(),
    "shift x3": lambda b: (
        ActionChains(b)
        .key_down(Keys.SHIFT)
        .key_up(Keys.SHIFT)
        .key_down(Keys.SHIFT)
        .key_up(Keys.SHIFT)
        .key_down(Keys.SHIFT)
        .key_up(Keys.SHIFT)
        .perform()
    ),
}


@pytest.mark.parametrize("how", EXITS)
def test_quick_exit_leaves_no_way_back(
    browser: webdriver.Chrome, server: VredeWeb, neutral: str, how: str
) -> None:
    open_chat(browser, server)
    type_text(browser, "Ik wil er even over praten")
    assert server.sessions() == 1
    length = browser.execute_script("return history.length")
    EXITS[how](browser)
    until(browser, lambda d: d.current_url == neutral, f"{how}: not on the neutral site")
    assert browser.execute_script("return history.length") == length, "the chat was replaced"
    wait_for(lambda: server.sessions() == 0, f"{how}: the server still has the conversation")
    browser.back()
    time.sleep(0.3)
    assert not browser.current_url.startswith(server.url), "Back returned to the chat"
    shown = open_chat(browser, server)  # the resident comes back on purpose, later
    assert "Ik wil er even over praten" not in browser.page_source
    assert len(shown) == 1 and storage(browser) == EMPTY


def test_a_reload_does_not_bring_the_conversation_back(
    browser: webdriver.Chrome, server: VredeWeb
) -> None:
    open_chat(browser, server)
    type_text(browser, "Het is thuis erg onrustig")
    browser.refresh()
    until(browser, lambda d: len(bot_said(d)) == 1, "no greeting after the reload")
    assert "Het is thuis erg onrustig" not in browser.page_source
    wait_for(lambda: server.sessions() == 1, "the old conversation was not erased on leaving")


def test_every_response_has_the_headers(browser: webdriver.Chrome, server: VredeWeb) -> None:
    open_chat(browser, server)
    press(browser, "Ik zoek hulp")
    browser.get(server.url + "no-such-page")
    seen: dict[str, dict[str, str]] = {}
    for entry in browser.get_log("performance"):
        event = json.loads(entry["message"])["message"]
        if event["method"] == "Network.responseReceived":
            response = event["params"]["response"]
            if response["url"].startswith(server.url):
                path = response["url"][len(server.url) - 1 :].split("?")[0]
                seen[path] = {k.lower(): v for k, v in response["headers"].items()}
    wanted = {"/", "/static/chat.js", "/static/chat.css", "/api/start", "/api/say", "/no-such-page"}
    assert wanted <= seen.keys(), seen.keys()
    for path, headers in seen.items():
        assert headers["cache-control"] == "no-store", path
        assert headers["referrer-policy"] == "no-referrer", path
        assert headers["x-robots-tag"].startswith("noindex"), path
        assert "script-src 'self'" in headers["content-security-policy"], path
        assert "frame-ancestors 'none'" in headers["content-security-policy"], path
        assert "set-cookie" not in headers, path


# ---------------------------------------------------------------------- access and looks
def test_keyboard_only(browser: webdriver.Chrome, server: VredeWeb) -> None:
    open_chat(browser, server)
    log = browser.find_element(By.ID, "log")
    assert log.get_attribute("role") == "log" and log.get_attribute("aria-live") == "polite"
    keys = ActionChains(browser)
    keys.send_keys(Keys.TAB).perform()
    active = browser.switch_to.active_element
    assert active.get_attribute("id") == "exit", "quick exit comes first"
    assert active.value_of_css_property("outline-style") == "solid", "focus is visible"
    for _ in range(10):
        keys.send_keys(Keys.TAB).perform()
        active = browser.switch_to.active_element
        if "choice" in (active.get_attribute("class") or ""):
            break
    assert active.text == "Vertel meer"
    act(browser, lambda: active.send_keys(Keys.ENTER))
    focused = browser.switch_to.active_element
    assert "choice" in (focused.get_attribute("class") or ""), "focus moves to the new choices"
    assert all_carry_112(browser)


@pytest.mark.parametrize("lang", ["nl", "ar", "ti"])
def test_looks_and_accessibility(browser: webdriver.Chrome, server: VredeWeb, lang: str) -> None:
    open_chat(browser, server, f"?lang={lang}")
    for el in browser.find_elements(By.CSS_SELECTOR, "button, textarea, a.call"):
        assert el.size["height"] >= 44 and el.size["width"] >= 44, (el.text, el.size)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    browser.save_screenshot(str(ARTIFACTS / f"web-{lang}.png"))
    serious = [v for v in axe_run(browser) if v["impact"] in ("serious", "critical")]
    assert not serious, json.dumps(serious, indent=1, ensure_ascii=False)[:4000]
