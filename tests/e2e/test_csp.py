"""The pages work under their Content-Security-Policy, in Chromium: no violation is
reported on the home, vocabulary, concept, search and SPARQL pages at phone and
desktop size, and the page script (autocomplete) still runs. Against a real
``glossary serve`` that fills its empty store with the bundled glossary."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import unavailable

CHROMIUM = "/usr/bin/chromium"
ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]  # fmt: skip
PAGES = [
    "/",
    "/vocab/community",
    "/community/content-pillar",
    "/search?q=community",
    "/sparql",
]
RECORD = """
window.__csp = [];
document.addEventListener('securitypolicyviolation',
  e => window.__csp.push(e.violatedDirective + ' ' + e.blockedURI));
"""

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def service(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    from test_serve import Server

    work = tmp_path_factory.mktemp("csp")
    server = Server(work / "store", work / "serve.log", workers=1)
    try:
        server.wait_healthy()
        yield server.url
    finally:
        server.stop()


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    if not Path(CHROMIUM).exists():
        unavailable(f"Chromium is missing at {CHROMIUM} (make setup installs it)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield b
        b.close()


@pytest.mark.parametrize("size", [(390, 844), (1280, 900)])
def test_no_page_breaks_its_policy(browser, service: str, size: tuple[int, int]) -> None:  # type: ignore[no-untyped-def]
    context = browser.new_context(viewport={"width": size[0], "height": size[1]})
    context.add_init_script(RECORD)
    page = context.new_page()
    console: list[str] = []
    page.on("console", lambda m: console.append(m.text))
    try:
        for path in PAGES:
            resp = page.goto(service + path)
            assert resp is not None and resp.status == 200, path
            policy = resp.headers.get("content-security-policy", "")
            assert "script-src 'self'" in policy and "frame-ancestors 'none'" in policy, path
            page.wait_for_load_state("networkidle")
            assert page.evaluate("window.__csp") == [], (path, page.evaluate("window.__csp"))
        # The page script runs under the policy: the search box suggests as you type.
        page.goto(service + "/")
        page.click("#q")
        page.keyboard.type("commun", delay=30)
        page.locator("#suggestions li").first.wait_for(timeout=10_000)
        assert page.evaluate("window.__csp") == []
        assert not [m for m in console if "Content Security Policy" in m], console
    finally:
        context.close()
