"""The page in a real headless Chromium (Debian's chromium + chromedriver, driven by selenium).

Skipped, saying how to install them, when chromium or chromedriver is missing; CI
(.ci/run) installs both first.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any, Callable, Iterator

import pytest
from web_helpers import BIDEN_ERROR, RELEASE_URL, Night, StartServer, add_post, nonzero, release_row

INSTALL = "apt-get install -y chromium chromium-driver"
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMEDRIVER = shutil.which("chromedriver") or "/usr/bin/chromedriver"
WAIT = 20  # seconds: the machine may be busy with something else


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """One headless Chromium for the module (starting one takes a second or two)."""
    if not (Path(CHROMIUM).exists() and Path(CHROMEDRIVER).exists()):
        pytest.skip(f"headless browser tests need chromium and chromedriver: {INSTALL}")
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for arg in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--window-size=1280,1000"):
        options.add_argument(arg)
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    driver.set_page_load_timeout(WAIT)
    try:
        yield driver
    finally:
        driver.quit()


def wait_for(driver: Any, condition: Callable[[Any], Any], what: str) -> Any:
    """Poll ``condition`` until truthy; a row re-rendered while being read is just read again."""
    from selenium.common.exceptions import StaleElementReferenceException
    from selenium.webdriver.support.ui import WebDriverWait

    wait = WebDriverWait(driver, WAIT, poll_frequency=0.1, ignored_exceptions=(StaleElementReferenceException,))
    return wait.until(condition, message=f"timed out waiting for {what}")


def css(driver: Any, selector: str) -> list[Any]:
    from selenium.webdriver.common.by import By

    return driver.find_elements(By.CSS_SELECTOR, selector)


def precinct_rows(driver: Any) -> list[Any]:
    return css(driver, "#precincts-table tbody tr[data-precinct]")


def open_page(driver: Any, url: str) -> None:
    """Load the page and wait until the precinct table has been filled from the API."""
    driver.get(url)
    filled = lambda d: precinct_rows(d) or css(d, "#precincts-table td.empty:not(.waiting)")  # noqa: E731
    wait_for(driver, filled, "the precinct table")


def number(text: str) -> float:
    return float(text.replace(",", "").strip())


def test_statewide_table_shows_the_stores_numbers(sqlite_night: Night, start_server: StartServer, browser: Any) -> None:
    """Normal case: the statewide table and the cards show the numbers the data implies, each linked."""
    night = sqlite_night
    open_page(browser, start_server(night.url).url)
    row = css(browser, '#statewide-table tr[data-candidate="Sanders"]')[0]
    cell = lambda field: row.find_element("css selector", f'td[data-field="{field}"] a.num')  # noqa: E731
    assert number(cell("shadow-first").text) == night.ames.first["Sanders"] + night.webster.first["Sanders"]
    assert number(cell("shadow-final").text) == night.ames.final["Sanders"] + night.adair.final["Sanders"]
    assert number(cell("official-final").text) == sum(final["Sanders"] for _, final in night.released)
    official_sde = sum(r.sde["Sanders"] for r, _ in night.released)
    assert number(cell("official-sde").text) == pytest.approx(official_sde, abs=5e-4)
    assert cell("official-sde").get_attribute("href") == RELEASE_URL
    assert cell("shadow-first").get_attribute("href").endswith("#precincts")  # a sum links to its parts
    assert browser.find_element("id", "c-posted").text == "3"
    assert "Live" in browser.find_element("id", "live-text").text


def test_numbers_link_to_the_post_that_said_them(sqlite_night: Night, start_server: StartServer, browser: Any) -> None:
    """Provenance case: a precinct's number links to its post; a discrepancy links the post and the release."""
    night = sqlite_night
    open_page(browser, start_server(night.url).url)
    ames = f'#precincts-table tr[data-precinct="{night.ames.precinct}"]'
    sanders = css(browser, f'{ames} td[data-round="first"] li[data-candidate="Sanders"] a.num')[0]
    assert number(sanders.text) == night.ames.first["Sanders"]
    assert sanders.get_attribute("href") == night.urls["ames_first"]
    derived = css(browser, f'{ames} td[data-round="sde"] a.num')[0]
    assert "derived" in derived.get_attribute("class")  # shown in italics, linked to the alignments' posts
    assert derived.get_attribute("href") == night.urls["ames_first"]
    wait_for(browser, lambda d: css(d, '#discrepancies-table tr[data-field="final"]'), "the discrepancy table")
    final = '#discrepancies-table tr[data-field="final"]'
    posts = css(browser, f'{final} td[data-side="posts"] li[data-candidate="Biden"] a')[0]
    release = css(browser, f'{final} td[data-side="release"] li[data-candidate="Biden"] a')[0]
    assert (number(posts.text), posts.get_attribute("href")) == (night.adair.final["Biden"], night.urls["adair_final"])
    assert (number(release.text), release.get_attribute("href")) == (night.adair.final["Biden"] + BIDEN_ERROR,
                                                                      RELEASE_URL)


def test_filtering_by_status_and_county(sqlite_night: Night, start_server: StartServer, browser: Any) -> None:
    """Filter case: choosing a status, then a county, leaves only their rows, and the address says so."""
    from selenium.webdriver.support.select import Select

    night = sqlite_night
    open_page(browser, start_server(night.url).url)
    assert len(precinct_rows(browser)) == 5
    Select(browser.find_element("id", "f-status")).select_by_value("mismatch")
    wait_for(browser, lambda d: [r.get_attribute("data-precinct") for r in precinct_rows(d)] == [night.adair.precinct],
             "only the mismatch row")
    assert "status=mismatch" in browser.current_url
    Select(browser.find_element("id", "f-status")).select_by_value("")
    Select(browser.find_element("id", "f-county")).select_by_value("Polk")
    wait_for(browser, lambda d: {r.get_attribute("data-precinct") for r in precinct_rows(d)}
             == {night.unresolved.precinct, night.official_only.precinct}, "only the Polk rows")


def test_bad_filter_in_the_address_is_explained(sqlite_night: Night, start_server: StartServer, browser: Any) -> None:
    """Bad parameter case: a hand-edited ?status= shows the server's message instead of a silent empty table."""
    browser.get(start_server(sqlite_night.url).url + "?status=lost")
    box = wait_for(browser, lambda d: [e for e in css(d, "#precincts-error") if e.is_displayed()], "the filter error")
    assert "unknown status" in box[0].text


def test_live_update_shows_a_new_precinct_without_reload(sqlite_night: Night, start_server: StartServer,
                                                          browser: Any) -> None:
    """Live update case: with the page open, a new post and accepted claim appear as a new row, no reload."""
    night = sqlite_night
    open_page(browser, start_server(night.url).url)
    browser.execute_script("window.__sameDocument = true;")
    polk = release_row("Polk", night.official_only.precinct)
    link = add_post(night.url, "88", 400, "Polk", polk.precinct, "first", nonzero(polk.first))
    row = f'#precincts-table tr[data-precinct="{polk.precinct}"]'
    wait_for(browser, lambda d: css(d, f'{row} td[data-round="first"] a.num'), "the new precinct's posted numbers")
    first = css(browser, f'{row} td[data-round="first"] a.num')[0]
    assert first.get_attribute("href") == link
    assert browser.execute_script("return window.__sameDocument === true;")
    wait_for(browser, lambda d: d.find_element("id", "c-posted").text == "4", "the coverage card")
    assert "Live" in browser.find_element("id", "live-text").text


def test_polling_fallback_without_event_source(sqlite_night: Night, start_server: StartServer, browser: Any) -> None:
    """Fallback case: a browser without EventSource polls /api/summary and still shows new posts."""
    night = sqlite_night
    script = browser.execute_cdp_cmd("Page.addScriptToEvaluateOnNewDocument", {"source": "delete window.EventSource;"})
    try:
        open_page(browser, start_server(night.url).url)
        wait_for(browser, lambda d: "Checking every" in d.find_element("id", "live-text").text, "polling mode")
        add_post(night.url, "89", 410, "Story", "Ames 1-2", "first", {"Sanders": 50, "Warren": 40})
        wait_for(browser, lambda d: css(d, '#precincts-table tr[data-precinct="Ames 1-2"]'), "the polled row")
    finally:
        browser.execute_cdp_cmd("Page.removeScriptToEvaluateOnNewDocument", {"identifier": script["identifier"]})


def test_missing_store_shows_a_clear_message(tmp_path: Path, start_server: StartServer, browser: Any) -> None:
    """Missing store case: the page loads and says what is wrong and what to run."""
    browser.get(start_server(str(tmp_path / "shadowtally-demo.db")).url)
    box = wait_for(browser, lambda d: [e for e in css(d, "#alert") if e.is_displayed()], "the alert")
    assert "no store" in box[0].text and "shadowtally demo" in box[0].text
