"""The staff console in a real browser: Debian's Chromium driven by selenium against
`concierge serve` (gunicorn) on loopback. One walk through what staff do, with a
screenshot of each step kept under the test's temporary folder:

log in; edit a manual so it becomes invalid and see the ``path:line`` message; fix it;
publish and watch the progress finish; ask in Try it and see the new answer; turn an
unanswered question into an FAQ answer, publish, and ask it again.

Each screenshot is taken only after the page shows what the step is about (``shot``
checks the text first), and every test ends by checking that the server answered no
request with a 5xx. A failing step says which page the browser was on, what it showed
and what the server logged: a server error otherwise surfaces in the browser only as a
selenium timeout or a missing element (how this test once failed, when the question log
it reads was being changed underneath the console).

The two tests share the server and the browser but not a session: each logs in itself.
"""

from __future__ import annotations

import os
import re
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import SAMPLE_KNOWLEDGE
from tests.fakes.serve_process import ServeProcess

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
DRIVER = shutil.which("chromedriver") or "/usr/bin/chromedriver"
HOUSE = "hakka-house"
MANUAL = f"houses/{HOUSE}/manual.en.md"
PASSWORD = "browser-pass-1"
UNANSWERED = "Where can I borrow snowshoes?"
#: gunicorn's access log line: ... "GET /staff/ HTTP/1.1" 500 ...
_SERVER_ERROR = re.compile(r'"[A-Z]+ (\S+) HTTP/[\d.]+" (5\d\d) ')

pytestmark = pytest.mark.skipif(not (Path(CHROMIUM).exists() and Path(DRIVER).exists()),
                                reason="chromium and chromium-driver are not installed (scripts/test.sh installs them)")


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    tmp = tmp_path_factory.mktemp("staff-browser")
    knowledge = tmp / "knowledge"
    shutil.copytree(SAMPLE_KNOWLEDGE, knowledge)
    env = {"CONCIERGE_KNOWLEDGE": str(knowledge), "CONCIERGE_STORE": str(tmp / "store"),
           "CONCIERGE_DATA": str(tmp / "data"), "CONCIERGE_STAFF_COOKIE_SECURE": "false",
           "HF_HUB_OFFLINE": "1", "ANONYMIZED_TELEMETRY": "False"}
    # The account (`concierge staff add` is tested in test_staff_publish.py), and a question a
    # stayer asked that got "I don't know", as the LINE or Alexa channel logs it.
    from bot.config import Settings
    from bot.engine.contract import Answer
    from bot.state import QuestionLog, database_for
    from bot.web.staff.accounts import Accounts

    db = database_for(Settings.from_env(env))
    Accounts(db).add("admin", PASSWORD, "admin")
    QuestionLog(db).record(channel="line", house_id=HOUSE, day="2026-12-01", text=UNANSWERED,
                           answer=Answer(text="I don't know.", lang="en", intent="abstain", confidence=0.0,
                                         abstained=True))
    db.dispose()
    server = ServeProcess(env).start(wait=120)
    try:
        yield {"url": f"http://127.0.0.1:{server.port}", "knowledge": knowledge, "shots": tmp / "screenshots",
               "server": server}
    finally:
        server.stop()


@pytest.fixture(scope="module")
def browser(site: dict[str, Any]) -> Iterator[Any]:
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    os.environ.setdefault("SE_OFFLINE", "true")  # never let selenium look for a driver online
    profile = tempfile.mkdtemp(prefix="chromium-profile-")
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 "--disable-dev-shm-usage", f"--user-data-dir={profile}", "--window-size=1280,1000",
                 "--lang=ja"):
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service(DRIVER), options=options)
    driver.set_page_load_timeout(30)
    site["shots"].mkdir(exist_ok=True)
    try:
        yield driver
    finally:
        driver.quit()
        shutil.rmtree(profile, ignore_errors=True)


# -- what went wrong, when something does ----------------------------------------------


def server_errors(site: dict[str, Any]) -> list[str]:
    """Requests the server answered with a 5xx, and the tracebacks it logged."""
    log = site["server"].output()
    errors = [f"{m.group(2)} {m.group(1)}" for m in _SERVER_ERROR.finditer(log)]
    lines = log.splitlines()
    for i, line in enumerate(lines):
        if line.startswith("Traceback"):  # up to the exception's own (unindented) line
            end = next((j for j in range(i + 1, len(lines)) if lines[j][:1] not in (" ", "\t")), len(lines) - 1)
            errors.append("\n".join(lines[max(0, i - 1):end + 1])[-2000:])
    return errors


@contextmanager
def explained(driver: Any, site: dict[str, Any]) -> Iterator[None]:
    """Add the browser's page and the server's errors to any failure of the block."""
    try:
        yield
    except Exception as exc:
        try:
            body = driver.execute_script("return document.body ? document.body.innerText : ''") or ""
            page = f"browser at {driver.current_url} ({driver.title!r}):\n{str(body)[:1500]}"
        except Exception as inner:  # the browser itself may be what failed
            page = f"browser unreadable: {inner!r}"
        exc.add_note(page)
        exc.add_note("server errors:\n" + ("\n".join(server_errors(site)) or "none"))
        raise


# -- steps ------------------------------------------------------------------------------


def text_of(driver: Any, css: str) -> str:
    from selenium.webdriver.common.by import By

    return str(driver.find_element(By.CSS_SELECTOR, css).text)


def shot(driver: Any, site: dict[str, Any], name: str, *expected: str) -> Path:
    """A screenshot of a console page that shows every ``expected`` text (checked first)."""
    shown = text_of(driver, "main")
    for text in expected:
        assert text in shown, f"{name}: {text!r} is not on the page"
    path = site["shots"] / f"{name}.png"
    driver.save_screenshot(str(path))
    assert path.stat().st_size > 1000
    return path


def set_textarea(driver: Any, css: str, value: str) -> None:
    from selenium.webdriver.common.by import By

    element = driver.find_element(By.CSS_SELECTOR, css)
    driver.execute_script("arguments[0].value = arguments[1];", element, value)


def click(driver: Any, css: str) -> None:
    """Click a submit button or link and wait until the next page has replaced this one.

    Without the wait, a check for an element both pages carry (the save message after a
    failed save, the publish run) could pass on the old page and then read a document that
    is half replaced.
    """
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions

    page = driver.find_element(By.TAG_NAME, "html")
    driver.find_element(By.CSS_SELECTOR, css).click()
    wait(driver, expected_conditions.staleness_of(page))


def wait(driver: Any, condition: Any, timeout: float = 30) -> Any:
    from selenium.common.exceptions import StaleElementReferenceException
    from selenium.webdriver.support.ui import WebDriverWait

    # an element read while the next page replaces the document goes stale: look again
    return WebDriverWait(driver, timeout, poll_frequency=0.2,
                         ignored_exceptions=[StaleElementReferenceException]).until(condition)


def log_in(driver: Any, site: dict[str, Any], name: str | None = None) -> None:
    """Log in from a browser without a session (the login page is where /staff/ sends it)."""
    from selenium.webdriver.common.by import By

    driver.delete_all_cookies()
    driver.get(site["url"] + "/staff/")
    assert "/staff/login" in driver.current_url
    driver.find_element(By.NAME, "username").send_keys("admin")
    driver.find_element(By.NAME, "password").send_keys(PASSWORD)
    click(driver, "#login-button")
    wait(driver, lambda x: x.find_elements(By.ID, "attention"))
    if name:
        shot(driver, site, name, "概要", HOUSE)


def publish(driver: Any, site: dict[str, Any], name: str, changed: str) -> str:
    """Publish and watch the progress run to its end; the finished run names ``changed``."""
    from selenium.webdriver.common.by import By

    driver.get(site["url"] + "/staff/publish")
    click(driver, "#publish-button")
    wait(driver, lambda d: d.find_element(By.ID, "run").get_attribute("data-status") != "running", 90)
    assert driver.find_element(By.ID, "run").get_attribute("data-status") == "ok", text_of(driver, "#run")
    bar = driver.find_element(By.ID, "run-progress")
    assert bar.get_attribute("value") == bar.get_attribute("max")
    shot(driver, site, name, changed)
    return text_of(driver, "#run")


def ask(driver: Any, site: dict[str, Any], question: str, name: str, *expected: str) -> str:
    from selenium.webdriver.common.by import By

    driver.get(site["url"] + "/staff/try")
    box = driver.find_element(By.ID, "try-q")
    box.clear()
    box.send_keys(question)
    click(driver, "#try-ask")
    wait(driver, lambda d: d.find_elements(By.ID, "try-result"))
    assert driver.find_element(By.ID, "try-q").get_attribute("value") == question
    shot(driver, site, name, *expected)
    return text_of(driver, "main")


# -- the walks --------------------------------------------------------------------------


def test_staff_edit_publish_try_and_answer_a_question(site: dict[str, Any], browser: Any) -> None:
    from selenium.webdriver.common.by import By

    d = browser
    with explained(d, site):
        # 1. log in
        log_in(d, site, "01-overview")

        # 2. edit the manual so that it becomes invalid: the path:line message shows beside the text
        d.get(site["url"] + f"/staff/knowledge/edit?path={MANUAL}")
        original = d.find_element(By.ID, "content").get_attribute("value")
        set_textarea(d, "#content", "---\nseason: autumn\n---\n" + original)
        click(d, "#save-button")
        wait(d, lambda x: x.find_elements(By.ID, "problems"))
        problems = text_of(d, "#problems")
        shot(d, site, "02-invalid", f"{MANUAL}:2:")
        assert f"{MANUAL}:2:" in problems and "autumn" in problems
        assert "autumn" not in (site["knowledge"] / MANUAL).read_text(encoding="utf-8")

        # 3. fix it, adding what the next step asks about
        fixed = original.rstrip() + "\n\n## Sauna\n\nThe garden sauna is open from 18:00 to 22:00. " \
            "Towels are in the hut.\n"
        set_textarea(d, "#content", fixed)
        click(d, "#save-button")
        wait(d, lambda x: x.find_elements(By.ID, "save-message"))
        shot(d, site, "03-fixed", MANUAL)
        assert not d.find_elements(By.ID, "problems")
        assert "The garden sauna" in (site["knowledge"] / MANUAL).read_text(encoding="utf-8")

        # 4. publish: the diff first, then the progress runs to its end
        d.get(site["url"] + "/staff/publish")
        assert "+The garden sauna is open from 18:00 to 22:00." in text_of(d, "main")
        publish(d, site, "04-published", MANUAL)

        # 5. Try it answers from the new text
        answer = ask(d, site, "When is the sauna open?", "05-try-sauna", "18:00")
        assert "18:00" in answer and "manual.en.md" in answer
    assert server_errors(site) == []


def test_staff_turn_an_unanswered_question_into_an_faq_answer(site: dict[str, Any], browser: Any) -> None:
    from selenium.webdriver.common.by import By

    from bot.web.staff import faq

    if not faq.available():
        pytest.skip("the FAQ format (ingest.faq) is not in this version yet")
    d = browser
    with explained(d, site):
        log_in(d, site)
        d.get(site["url"] + "/staff/questions")
        shot(d, site, "06-questions", UNANSWERED)
        click(d, "a.button[href*='/staff/questions/answer']")
        wait(d, lambda x: x.find_elements(By.ID, "faq-answer"))
        assert UNANSWERED in d.find_element(By.ID, "faq-variants").get_attribute("value")
        d.find_element(By.ID, "faq-answer").send_keys("Two pairs of snowshoes hang in the entrance closet.")
        shot(d, site, "07-faq", "FAQ")
        click(d, "#faq-save")
        wait(d, lambda x: x.find_elements(By.ID, "publish-button"))
        publish(d, site, "08-published-faq", f"houses/{HOUSE}/faq.yaml")
        answer = ask(d, site, UNANSWERED, "09-try-faq", "snowshoes hang in the entrance closet")
        assert "snowshoes hang in the entrance closet" in answer
        d.get(site["url"] + "/staff/questions")
        shot(d, site, "10-questions-after", "質問")
        assert UNANSWERED not in text_of(d, "main")  # answered with the FAQ entry: off the list
    assert server_errors(site) == []
