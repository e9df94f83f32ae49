"""End to end, in headless Chromium, against a real running service: ``glossary serve``
(gunicorn) on a free loopback port with a temporary store that it fills with the
bundled community glossary. Type into the search box, pick a suggestion with the
keyboard, land on the concept page, read the definition and its author; follow a node
of the neighbourhood picture.

Chromium is Debian's (/usr/bin/chromium), driven by Playwright; nothing is fetched
from the internet (the service pages load no external asset). Set
``GLOSSARY_UPDATE_SCREENSHOTS=1`` to refresh docs/screenshots/ from this run.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import free_port, unavailable

CHROMIUM = "/usr/bin/chromium"
ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]  # fmt: skip
ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = ROOT / "docs" / "screenshots"

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def service(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """``glossary serve`` on a free port; yields its base URL; stopped with SIGTERM."""
    store = tmp_path_factory.mktemp("e2e") / "store"
    port = free_port()
    env = dict(os.environ, HF_HUB_OFFLINE="1", GLOSSARY_DUMPS_DIR=str(store.parent / "dumps"))
    log = (store.parent / "serve.log").open("wb")
    proc = subprocess.Popen(
        [sys.executable, "-m", "glossary", "serve", "--store", str(store),
         "--port", str(port), "--workers", "1"],
        stdout=log, stderr=subprocess.STDOUT, env=env, start_new_session=True,
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while True:
            if proc.poll() is not None:
                log.flush()
                pytest.fail("glossary serve exited: " + (store.parent / "serve.log").read_text())
            try:
                with urllib.request.urlopen(url + "/health", timeout=2) as resp:
                    if resp.status == 200:
                        break
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                pass
            if time.monotonic() > deadline:
                pytest.fail("glossary serve did not become healthy in 120 s")
            time.sleep(0.3)
        yield url
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
        log.close()


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    if not Path(CHROMIUM).exists():
        unavailable(f"Chromium is missing at {CHROMIUM} (make setup installs it)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield b
        b.close()


def _page(browser, service: str):  # type: ignore[no-untyped-def]
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    external: list[str] = []
    page.on(
        "request",
        lambda r: None if r.url.startswith((service, "data:")) else external.append(r.url),
    )
    return context, page, external


def test_search_pick_suggestion_read_definition(browser, service, tmp_path):  # type: ignore[no-untyped-def]
    context, page, external = _page(browser, service)
    page.goto(service + "/")
    assert "Community management glossary" in page.inner_text("table.vocabs")
    page.click("#q")
    page.keyboard.type("communi", delay=40)
    suggestions = page.locator("#suggestions li")
    suggestions.filter(has_text="Community-led").first.wait_for(timeout=10_000)
    labels = [t.strip() for t in page.locator("#suggestions li .pref").all_inner_texts()]
    assert "Community-led" in labels
    # keyboard navigation: arrow down to the suggestion, then Enter
    for _ in range(labels.index("Community-led") + 1):
        page.keyboard.press("ArrowDown")
    selected = page.locator('#suggestions li[aria-selected="true"] .pref').inner_text()
    assert selected == "Community-led"
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.url == service + "/community/community-led"
    assert page.inner_text("h1") == "Community-led"
    tom = page.locator("figure.definition", has=page.locator(".author", has_text="Tom Ross"))
    assert tom.count() == 1
    text = tom.locator("blockquote").inner_text()
    assert text.startswith("Community being prioritised in terms of mission/values")
    assert "What does being community-led actually mean?" in tom.locator("cite").inner_text()
    # the neighbourhood picture was drawn, with a clickable node per related concept
    nodes = page.locator("#graph svg a.node")
    assert nodes.count() >= 2  # itself and community-driven, the one term the text relates
    # a reply whose writer the thread does not name is shown as such, not as the starter's
    common = page.locator("figure.definition", has_text="The common thread")
    assert "author not named in the source" in common.locator(".author").inner_text()
    assert common.locator(".sequence").inner_text() == "#9"
    page.screenshot(path=str(tmp_path / "concept-page.png"), full_page=False)
    with page.expect_navigation():
        page.locator("#graph svg a.node.related").first.click()
    assert page.url.startswith(service + "/community/")
    assert page.url != service + "/community/community-led"
    # the picture of a concept with narrower senses and related terms
    page.goto(service + "/community/community")
    assert page.locator("#graph svg a.node.narrower").count() >= 3
    page.locator("section.neighbourhood").screenshot(path=str(tmp_path / "neighbourhood.png"))
    assert external == [], external
    for name in ("concept-page.png", "neighbourhood.png"):
        assert (tmp_path / name).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
        if os.environ.get("GLOSSARY_UPDATE_SCREENSHOTS") == "1":
            SCREENSHOTS.mkdir(parents=True, exist_ok=True)
            shutil.copy(tmp_path / name, SCREENSHOTS / name)
    context.close()


def test_matched_label_and_its_language_are_shown(browser, service):  # type: ignore[no-untyped-def]
    context, page, _ = _page(browser, service)
    page.goto(service + "/")
    page.click("#q")
    page.keyboard.type("crm", delay=40)
    item = page.locator("#suggestions li", has_text="Customer relationship management").first
    item.wait_for(timeout=10_000)
    assert item.locator(".matched").inner_text().startswith("CRM")
    assert item.locator(".matched .lang").inner_text() == "en"
    with page.expect_navigation():
        item.click()
    assert page.url == service + "/community/customer-relationship-management"
    context.close()


def test_vocabulary_tree_expands_lazily(browser, service):  # type: ignore[no-untyped-def]
    context, page, _ = _page(browser, service)
    page.goto(service + "/vocab/community/")
    toggles = page.locator("ul.tree > li.has-children > button.toggle")
    assert toggles.count() >= 1
    first = page.locator("ul.tree > li.has-children").first
    assert first.locator("ul").count() == 0  # nothing below it until asked
    toggles.first.click()
    first.locator("ul > li a").first.wait_for(timeout=10_000)
    assert first.locator("ul > li a").count() >= 1
    context.close()


def test_enter_without_a_pick_opens_the_results_page(browser, service):  # type: ignore[no-untyped-def]
    context, page, _ = _page(browser, service)
    page.goto(service + "/")
    page.click("#q")
    page.keyboard.type("content", delay=20)
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.url.startswith(service + "/search?q=content")
    assert page.locator("ul.results a", has_text="Content pillar").count() == 1
    context.close()
