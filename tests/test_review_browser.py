"""The HTML review as a reviewer sees it: rendered by headless Chromium, asserted on what shows.

Reviews are written by the installed ``dsql-scan review`` from the shipped examples and opened
as files through Selenium with the system ``chromedriver``. Every assertion reads the rendered
page (visible text, computed colours, element positions), never the HTML source: a layout bug
that the source hides (a section pushed off screen, a badge coloured by the wrong rule) fails.
"""

from __future__ import annotations

import colorsys
import re
import shutil
from pathlib import Path

import pytest

from tests.conftest import run_cli, write

webdriver = pytest.importorskip("selenium.webdriver", reason="selenium (the test extra) missing")

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"
CHROMIUM = next(
    (found for name in ("chromium", "chromium-browser") if (found := shutil.which(name))), None
)
CHROMEDRIVER = shutil.which("chromedriver")
VIEWPORT = (1280, 900)

pytestmark = pytest.mark.skipif(
    not (CHROMIUM and CHROMEDRIVER),
    reason="chromium and chromedriver not found on PATH (`make tools` installs them)",
)

# The first element, in document order, that renders any text: what a reviewer reads first.
FIRST_VISIBLE_TEXT = """
const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
for (let node = walker.nextNode(); node; node = walker.nextNode()) {
  const element = node.parentElement;
  const rect = element.getBoundingClientRect();
  if (node.textContent.trim() && rect.width > 0 && rect.height > 0
      && getComputedStyle(element).visibility !== 'hidden') {
    return [element, node.textContent.trim()];
  }
}
return [null, ''];
"""

# Every visible element's own background colour (transparent ones left out), with its text.
BACKGROUNDS = """
return Array.from(document.querySelectorAll('body *'))
  .filter(e => e.getClientRects().length > 0)
  .map(e => [getComputedStyle(e).backgroundColor, e.innerText.trim()])
  .filter(([colour]) => !/rgba\\(.*, 0\\)$/.test(colour) && colour !== 'transparent');
"""


# The rendered text of every visible table cell.
CELLS = """
return Array.from(document.querySelectorAll('td'))
  .filter(e => e.getClientRects().length > 0)
  .map(e => e.innerText.trim());
"""


@pytest.fixture(scope="module")
def browser():
    from selenium.webdriver.chrome.options import Options
    from selenium.webdriver.chrome.service import Service

    options = Options()
    options.binary_location = CHROMIUM
    for argument in (
        "--headless=new",
        "--no-sandbox",  # CI containers run as root
        "--disable-gpu",
        "--disable-dev-shm-usage",
        f"--window-size={VIEWPORT[0]},{VIEWPORT[1]}",
    ):
        options.add_argument(argument)
    driver = webdriver.Chrome(options=options, service=Service(CHROMEDRIVER))
    driver.set_page_load_timeout(60)
    try:
        yield driver
    finally:
        driver.quit()


def reviewed(tmp_path: Path, example: str, *args: str, expect: int) -> tuple[Path, list[dict]]:
    """Review a copy of a shipped example; (the HTML file, the findings `scan` reports)."""
    tree = tmp_path / "tree"
    shutil.copytree(EXAMPLES / example, tree)
    env = {"SOURCE_DATE_EPOCH": "1718000000"}
    run = run_cli(
        "review", *args, "-o", "review.html", "--reviewer", "R <r@example.com>", cwd=tree, env=env
    )
    assert run.code == expect, run.stderr
    scan = run_cli("scan", *args, "--format", "json", cwd=tree)
    return tree / "review.html", scan.json()["findings"]


def show(browser, document: Path):
    browser.get(document.as_uri())
    browser.execute_script("window.scrollTo(0, 0)")
    return browser


def hue(css_colour: str) -> tuple[float, float]:
    """(hue in degrees, saturation) of a computed ``rgb(...)``/``rgba(...)`` colour."""
    red, green, blue = (int(v) / 255 for v in re.findall(r"\d+", css_colour)[:3])
    h, _, s = colorsys.rgb_to_hls(red, green, blue)
    return h * 360, s


def is_red(css_colour: str) -> bool:
    degrees, saturation = hue(css_colour)
    return saturation > 0.4 and (degrees < 20 or degrees > 340)


def is_green(css_colour: str) -> bool:
    degrees, saturation = hue(css_colour)
    return saturation > 0.3 and 90 < degrees < 160


def top(browser, element) -> float:
    return browser.execute_script("return arguments[0].getBoundingClientRect().top", element)


def heading(browser, tag: str, text: str):
    """The one visible heading whose text contains ``text``."""
    found = [h for h in browser.find_elements("tag name", tag) if text in h.text]
    assert len(found) == 1, (tag, text, [h.text for h in browser.find_elements("tag name", tag)])
    return found[0]


def row_value(browser, key: str) -> str:
    rows = [
        r.find_elements("tag name", "td")
        for r in browser.find_elements("css selector", "tr")
        if r.find_elements("tag name", "td")
    ]
    values = [cells[1].text for cells in rows if cells[0].text == key and len(cells) == 2]
    assert len(values) == 1, (key, values)
    return values[0]


def assert_reads_like_a_review(browser, document: Path, verdict: str, findings: list[dict]):
    """What every review must show, whatever its verdict."""
    show(browser, document)
    first, text = browser.execute_script(FIRST_VISIBLE_TEXT)
    assert text == f"Verdict: {verdict}", text
    assert first.tag_name == "h1"
    viewport = browser.execute_script("return window.innerHeight")
    # the requirement matrix starts in the first screen
    matrix = heading(browser, "h2", "Requirements")
    table = matrix.find_element("xpath", "following-sibling::table")
    assert top(browser, table) < viewport, (top(browser, table), viewport)
    # the rule table is an appendix after the findings
    findings_heading = heading(browser, "h2", "Findings")
    appendix = heading(browser, "h2", "Appendix")
    rule_tables = [
        t
        for t in browser.find_elements("tag name", "table")
        if [th.text for th in t.find_elements("tag name", "th")][-1:] == ["Enabled"]
    ]
    assert len(rule_tables) == 1
    assert top(browser, findings_heading) < top(browser, appendix) < top(browser, rule_tables[0])
    in_appendix = rule_tables[0].find_element("xpath", "ancestor::section[1]/h2")
    assert in_appendix.text == "Appendix"
    # no template prose stands in for a value
    body = browser.find_element("tag name", "body").text
    assert "the configured" not in body
    # each finding is listed once, as a cell of its own (one message can contain another, and
    # two findings can share a message: count whole cells, and count the findings alike)
    cells = browser.execute_script(CELLS)
    active = [f for f in findings if not f.get("suppressed")]
    for message in {f["message"] for f in active}:
        expected = sum(1 for f in active if f["message"] == message)
        assert cells.count(message) == expected, message
    return body


def test_legacy_review_leads_with_a_red_fail_and_lists_each_finding_once(browser, tmp_path):
    document, findings = reviewed(tmp_path, "legacy", ".", expect=1)
    assert findings
    assert_reads_like_a_review(browser, document, "FAIL", findings)
    verdict = heading(browser, "h1", "Verdict")
    assert is_red(verdict.value_of_css_property("color"))
    box = verdict.find_element("xpath", "..")
    assert is_red(box.value_of_css_property("border-left-color"))
    # the failing requirements show red badges: the colour check below can see one
    assert any(is_red(colour) for colour, _ in browser.execute_script(BACKGROUNDS))
    assert row_value(browser, "Scanned paths") == "."


def test_migrated_review_passes_in_green_without_a_red_badge_and_unsigned(browser, tmp_path):
    document, findings = reviewed(tmp_path, "migrated", "cloudformation", "app", expect=0)
    body = assert_reads_like_a_review(browser, document, "PASS", findings)
    verdict = heading(browser, "h1", "Verdict")
    assert is_green(verdict.value_of_css_property("color"))
    assert is_green(verdict.find_element("xpath", "..").value_of_css_property("border-left-color"))
    red = [text for colour, text in browser.execute_script(BACKGROUNDS) if is_red(colour)]
    assert not red, red
    assert not re.search(r"\b0 fail\b", body)
    assert row_value(browser, "Signature") == "none"


def test_scanned_paths_without_arguments_are_the_configured_include(browser, tmp_path):
    tree = tmp_path / "tree"
    shutil.copytree(EXAMPLES / "migrated" / "cloudformation", tree / "infra")
    shutil.copytree(EXAMPLES / "migrated" / "app", tree / "app")
    write(tree, {".dsql-scan.yaml": "include: [infra, app]\n"})
    run = run_cli("review", "-o", "review.html", "--reviewer", "R <r@example.com>", cwd=tree)
    assert run.code == 0, run.stderr
    show(browser, tree / "review.html")
    assert row_value(browser, "Scanned paths") == "infra, app"
    assert "the configured" not in browser.find_element("tag name", "body").text
