"""End to end: the classroom app in a real browser (Playwright + Debian's headless Chromium).

Starts ``coalition-sim app --port 0`` (the default scenario, as ``make app`` does) and drives
the page as a teacher would: every scenario picked, Reset and played; a scenario switched
while playing; both colour schemes and the theme toggle (contrast computed from the rendered
colours); the README's classroom walkthrough, sentence by sentence; a 1280x720 projector;
sliders, explanations and the map's tiles (names, overlaps, clipping). No request may fail or
leave 127.0.0.1. Saves docs/img/app.png. Nothing here is timed: waits are for states, with a
generous ceiling. Skipped without /usr/bin/chromium, except in CI (``CI`` set), where a
missing browser is a failure.
"""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path
from urllib.parse import urlparse

import pytest

from sim.app.components import CARD_TITLE
from sim.app.session import (
    DESIGN_HELP,
    HIDDEN_SCENARIOS,
    controls,
    defaults,
    design_choices,
    scenario_choices,
    scenario_title,
)
from sim.cli.app import start_process
from sim.scenario import load_scenario, scenario_names
from sim.scenario.designs import load_design

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = Path("/usr/bin/chromium")
SCREENSHOT = ROOT / "docs" / "img" / "app.png"
README = ROOT / "README.md"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]
TIMEOUT_MS = 90_000  # generous: the machine is shared; no timing is asserted
PROJECTOR = {"width": 1280, "height": 720}
DEV_CONTROLS = ("Render Interval", "Use Threads", "Play Interval", "Information", "Time: ")


def _need_browser() -> None:
    if CHROMIUM.exists():
        return
    reason = f"no Chromium at {CHROMIUM} (Debian: apt-get install chromium; .ci/run does it)"
    if os.environ.get("CI"):
        pytest.fail(f"CI is set but the browser test cannot run: {reason}")
    pytest.skip(reason)


@pytest.fixture(scope="module")
def server():
    """``coalition-sim app --port 0 --fixed-parameters`` (its own process, stopped by its PID
    at the end); the posterior, on by default, has its own test below."""
    _need_browser()
    try:
        proc, url = start_process("--port", "0", "--fixed-parameters", cwd=ROOT)
    except RuntimeError as exc:
        pytest.fail(str(exc))
    try:
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


@pytest.fixture(scope="module")
def browser():
    _need_browser()
    from playwright.sync_api import expect, sync_playwright

    expect.set_options(timeout=TIMEOUT_MS)
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        yield b
        b.close()


class Traffic:
    """Every request, failure, error status and websocket of a page."""

    def __init__(self, page, server: str) -> None:
        self.origin = urlparse(server)
        self.requests: list[str] = []
        self.failed: list = []
        self.bad: list = []
        page.on("request", lambda r: self.requests.append(r.url))
        page.on("requestfailed", lambda r: self.failed.append((r.url, r.failure)))
        page.on("response", lambda r: self.bad.append((r.url, r.status)) if r.status >= 400
                else None)
        page.on("websocket", lambda ws: self.requests.append(ws.url))

    def check(self) -> None:
        assert self.requests, "no request was recorded"
        outside = [u for u in self.requests if not u.startswith(("blob:", "data:"))
                   and (urlparse(u).hostname, urlparse(u).port)
                   != (self.origin.hostname, self.origin.port)]
        assert outside == [], f"requests left 127.0.0.1: {outside[:5]}"
        assert self.failed == [], f"failed requests: {self.failed[:5]}"
        assert self.bad == [], f"error responses: {self.bad[:5]}"


def _open(browser, server: str, viewport=PROJECTOR, scheme: str = "light"):
    page = browser.new_page(viewport=viewport, color_scheme=scheme)
    page.set_default_timeout(TIMEOUT_MS)
    traffic = Traffic(page, server)
    page.goto(server + "/", wait_until="domcontentloaded")
    _button(page, "Step").wait_for()
    page.locator(".status-month").wait_for()
    return page, traffic


def _button(page, name: str):
    return page.get_by_role("button", name=name, exact=True)


def _month(page) -> int:
    return int(page.locator(".status-month").inner_text().split()[0])


def _wait_month(page, at_least: int) -> None:
    page.wait_for_function(
        f"parseInt(document.querySelector('.status-month').innerText) >= {at_least}")


def _step(page, times: int = 1) -> None:
    for _ in range(times):
        before = _month(page)
        _button(page, "Step").click()
        _wait_month(page, before + 1)


def _pick(page, name: str) -> None:
    from playwright.sync_api import expect

    page.locator(".v-select").filter(has_text="Scenario").first.click()
    page.get_by_role("option", name=scenario_title(name), exact=True).click()
    expect(page.locator(".scenario-description")).to_have_text(load_scenario(name).description)


def _play_until(page, month: int) -> None:
    _button(page, "\u25b6").click()
    _button(page, "\u275a\u275a").wait_for()
    _wait_month(page, month)
    _button(page, "\u275a\u275a").click()
    _button(page, "\u25b6").wait_for()


def _slug(key: str) -> str:
    return key.replace(".", "-").replace("_", "-")


def _shows_scenario(page, name: str, month: int = 0) -> None:
    """The cards, the map and the sliders show scenario ``name`` at ``month``."""
    from playwright.sync_api import expect

    sc = load_scenario(name)
    expect(page.locator(".status-month")).to_have_text(f"{month} of {sc.horizon}")
    expect(page.locator(".map-tile")).to_have_count(len(sc.states()))
    names = sorted(page.locator(".map-tile").evaluate_all("ts => ts.map(t => t.dataset.name)"))
    assert names == sorted(s.name for s in sc.states())
    start = defaults(sc)
    for c in controls(sc):
        expect(page.locator(f".control-{_slug(c.key)} .control-value")).to_have_text(
            c.text(start[c.key]))
    label = load_design(sc.design).label  # the scenario's design, in the list and on the page
    expect(page.locator(".control-design .v-select")).to_contain_text(label)
    expect(page.locator(".design-label")).to_have_text(label)
    expect(page.locator(".slider-moved")).to_have_count(0)


# --------------------------------------------------------------------------- 1: every scenario


@pytest.mark.slow
def test_every_scenario_picked_then_reset_and_played(server, browser):
    page, traffic = _open(browser, server)
    _shows_scenario(page, "sep-2025-paris")  # the default, as `make app` opens it
    for name in scenario_names():
        if name in HIDDEN_SCENARIOS:
            continue
        _pick(page, name)
        _shows_scenario(page, name)
        _step(page)
        _button(page, "Reset").click()
        _shows_scenario(page, name)  # Reset keeps the scenario picked, at month 0
        _play_until(page, 1)
        _shows_scenario(page, name, _month(page))
        assert page.locator(".event-line").count() > 0
    traffic.check()
    page.close()


# --------------------------------------------------------------------------- 2: switch in play


@pytest.mark.slow
def test_switching_scenario_while_playing_plays_the_new_one(server, browser):
    from playwright.sync_api import expect

    page, traffic = _open(browser, server)
    _pick(page, "classroom-five")
    _button(page, "\u25b6").click()
    _wait_month(page, 2)
    expect(_button(page, "Step")).to_be_disabled()
    _pick(page, "us-full-backstop")
    horizon = load_scenario("us-full-backstop").horizon
    expect(page.locator(".map-tile")).to_have_count(len(load_scenario("us-full-backstop").states()))
    page.wait_for_function(  # the new model, and play goes on with it
        f"(t => parseInt(t) >= 2 && t.endsWith(' of {horizon}'))"
        "(document.querySelector('.status-month').innerText)")
    _button(page, "\u275a\u275a").click()
    _button(page, "\u25b6").wait_for()
    expect(_button(page, "Step")).to_be_enabled()
    month = _month(page)
    _step(page)
    assert _month(page) == month + 1
    _play_until(page, month + 2)  # ❚❚ then ▶ plays on
    traffic.check()
    page.close()


# --------------------------------------------------------------------------- 3: contrast

CONTRAST = """els => els.map(el => {
  const parse = c => { const p = c.match(/[\\d.]+/g).map(Number);
                       return [p[0], p[1], p[2], p.length > 3 ? p[3] : 1]; };
  const lum = c => { const f = v => { v /= 255;
      return v <= 0.04045 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); };
    return 0.2126 * f(c[0]) + 0.7152 * f(c[1]) + 0.0722 * f(c[2]); };
  let bg = null, opacity = 1;
  for (let n = el; n && n.nodeType === 1; n = n.parentElement) {
    const s = getComputedStyle(n);
    opacity *= parseFloat(s.opacity);
    const c = parse(s.backgroundColor);
    if (!bg && c[3] >= 0.99) bg = c;
  }
  bg = bg || [255, 255, 255, 1];
  const fg = parse(getComputedStyle(el).color);
  const a = lum(fg), b = lum(bg);
  return {text: el.innerText, cls: el.className, opacity, fgAlpha: fg[3],
          ratio: (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05)};
})"""
THEME_BUTTON = (".v-app-bar button:has(i.mdi-brightness-auto), "
                ".v-app-bar button:has(i.mdi-weather-night), "
                ".v-app-bar button:has(i.mdi-weather-sunny)")


def _theme(page) -> str:
    return page.evaluate("document.querySelector('.v-application').classList"
                         ".contains('theme--dark') ? 'dark' : 'light'")


def _assert_cards_readable(page, theme: str) -> None:
    assert _theme(page) == theme
    page.wait_for_function("[...document.querySelectorAll('.cs-card')].every(e => {"
                           "for (let n = e; n; n = n.parentElement) if (getComputedStyle(n)"
                           ".opacity !== '1') return false; return true; })")
    values = page.locator(".cs-card-value").evaluate_all(CONTRAST)
    assert len(values) == 5
    texts = page.locator(".cs-card-title, .cs-card-detail, .card-help, .design-line"
                         ).evaluate_all(CONTRAST)
    for r in values + texts:
        assert r["opacity"] == 1 and r["fgAlpha"] == 1, r
        assert r["ratio"] >= 4.5, f"{theme}: {r['text']!r} ({r['cls']}) has contrast {r['ratio']:.2f}"


def _toggle_to(page, theme: str) -> None:
    for _ in range(3):
        if _theme(page) == theme:
            return
        button = page.locator(THEME_BUTTON)
        icon = button.locator("i").get_attribute("class")
        button.click()
        page.wait_for_function("icon => document.querySelector('.v-app-bar button i.mdi-'"
                               " + 'brightness-auto, .v-app-bar button i.mdi-weather-night, '"
                               " + '.v-app-bar button i.mdi-weather-sunny').className !== icon",
                               arg=icon)
    assert _theme(page) == theme


@pytest.mark.slow
@pytest.mark.parametrize("scheme", ["dark", "light"])
def test_card_numbers_keep_their_contrast_in_both_themes(server, browser, scheme):
    page, traffic = _open(browser, server, scheme=scheme)
    _assert_cards_readable(page, scheme)  # the browser's preference, before any step
    _pick(page, "classroom-five-tipped")
    _step(page, 5)  # troops pledged (green), deterrence, US backstop
    _assert_cards_readable(page, scheme)
    other = "light" if scheme == "dark" else "dark"
    _toggle_to(page, other)  # the theme icon at the top right
    _assert_cards_readable(page, other)
    _toggle_to(page, scheme)
    _assert_cards_readable(page, scheme)
    traffic.check()
    page.close()


# --------------------------------------------------------------------------- 5: README


def walkthrough() -> list[str]:
    """The numbered steps of the README's classroom walkthrough."""
    text = README.read_text(encoding="utf-8")
    body = text.split("<!-- classroom-walkthrough -->")[1].split("<!-- /classroom-walkthrough -->")[0]
    steps = re.split(r"\n(?=\d+\. )", "\n" + body.strip())
    return [" ".join(s.split()) for s in steps if re.match(r"\d+\. ", s)]


MARK = "changed: press Reset"
"""The mark of a changed control (quoted in the README, shown only until Reset)."""
CARD_OF = {title: key for key, title in CARD_TITLE.items()}


def _quotes(step: str) -> list[str]:
    return re.findall(r"\u201c([^\u201d]+)\u201d", step)


def _card_values(step: str) -> list[tuple[str, str]]:
    """(selector, text) of every card value the step gives in bold: "the *Ceasefire* card
    reads **Holding**", "**24,375** troops are deployed"."""
    out = [(f".status-{CARD_OF[title]}", value) for title, value in re.findall(
        r"\*([^*]+)\* card (?:stays at|turns green at|reads) \*\*([^*]+)\*\*", step)]
    out += [(".status-deployed", v) for v in re.findall(r"\*\*([\d,]+)\*\* troops are deployed",
                                                        step)]
    return out


def _log_has(page, sentences: list[str]) -> None:
    log = page.locator(".event-log").inner_text()
    lines = [" ".join(x.split()) for x in log.splitlines() if x.strip()]
    for s in sentences:
        assert s in lines, f"README says {s!r}; the log shows {lines}"


def _shows_step(page, step: str) -> list[tuple[str, str]]:
    """Every quoted sentence of ``step`` is in the log (or, if not a log sentence, on the
    page) and every card value in bold is on its card."""
    from playwright.sync_api import expect

    quotes = [q for q in _quotes(step) if q != MARK]
    _log_has(page, [q for q in quotes if q.startswith("Month ")])
    text = " ".join(page.locator("body").inner_text().split())
    for q in quotes:
        if not q.startswith("Month "):
            assert q in text, f"README says {q!r}; the page does not show it"
    values = _card_values(step)
    for selector, value in values:
        expect(page.locator(selector)).to_have_text(value)
    return values


@pytest.mark.slow
def test_readme_classroom_walkthrough_is_what_the_app_shows(server, browser):
    from playwright.sync_api import expect

    steps = walkthrough()
    assert len(steps) == 5, steps
    page, traffic = _open(browser, server, viewport={"width": 1280, "height": 800})
    # 1. Pick classroom-five (the app was started with its default scenario), ▶ to the end:
    # the ships in month 1, no ground troops, no ceasefire.
    assert "classroom-five" in steps[0]
    _pick(page, "classroom-five")
    _play_to_end(page)
    assert _shows_step(page, steps[0])
    assert "ground troops" not in page.locator(".event-log").inner_text()
    # 2. Move the slider: it reads the new value and is marked until Reset.
    label, old, new = re.search(r"Move \*(.+?)\* from \*\*(\S+?)\*\* to \*\*(\S+?)\*\*",
                                steps[1]).groups()
    [control] = [c for c in controls(load_scenario("classroom-five")) if c.label == label]
    box = page.locator(f".control-{_slug(control.key)}")
    value = box.locator(".control-value")
    expect(value).to_have_text(old)
    slider = box.locator("[role=slider]")
    slider.focus()
    while value.inner_text() != new:
        before = value.inner_text()
        slider.press("ArrowRight")
        expect(value).not_to_have_text(before)
    assert MARK in _quotes(steps[1])
    expect(box.locator(".moved-mark")).to_have_text(MARK)
    expect(page.locator(".slider-moved")).to_have_count(1)
    _button(page, "Reset").click()
    expect(page.locator(".status-month")).to_have_text("0 of 24")
    expect(page.locator(".slider-moved")).to_have_count(0)
    expect(value).to_have_text(new)  # the run now uses it
    # 3. ▶ again: the cascade, sentence by sentence; 4. the ceasefires and the deployment.
    _play_to_end(page)
    assert _shows_step(page, steps[2])
    assert _shows_step(page, steps[3])
    SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
    tmp = SCREENSHOT.with_suffix(".tmp.png")
    page.screenshot(path=str(tmp))
    os.replace(tmp, SCREENSHOT)
    # 5. Another design, marked until Reset, then played: it never deploys.
    [label] = re.findall(r"Pick \*(.+?)\* in the \*Force design\* list", steps[4])
    assert label in design_choices()
    design = page.locator(".control-design")
    design.locator(".v-select").click()
    page.get_by_role("option", name=label, exact=True).click()
    assert MARK in _quotes(steps[4])
    expect(design.locator(".moved-mark")).to_have_text(MARK)
    expect(page.locator(".design-label")).not_to_have_text(label)  # not before Reset
    _button(page, "Reset").click()
    expect(page.locator(".design-label")).to_have_text(label)
    expect(page.locator(".slider-moved")).to_have_count(0)
    expect(value).to_have_text(new)  # the slider keeps its value
    _play_to_end(page)
    assert _shows_step(page, steps[4])
    assert "deploys" not in page.locator(".event-log").inner_text()
    traffic.check()
    page.close()


def _play_to_end(page) -> None:
    from playwright.sync_api import expect

    _button(page, "\u25b6").click()
    page.wait_for_function("(t => t.split(' of ')[0] === t.split(' of ')[1])"
                           "(document.querySelector('.status-month').innerText)")
    expect(_button(page, "\u25b6")).to_be_disabled()
    expect(page.locator(".run-over")).to_be_visible()


# --------------------------------------------------------------------------- 7: projector


def test_controls_are_above_the_fold_on_a_projector(server, browser):
    page, traffic = _open(browser, server, viewport=PROJECTOR)
    assert page.evaluate("window.scrollY") == 0
    for name in ("Reset", "\u25b6", "Step"):
        box = _button(page, name).bounding_box()
        assert box is not None, name
        assert box["x"] >= 0 and box["y"] >= 0, (name, box)
        assert box["x"] + box["width"] <= PROJECTOR["width"], (name, box)
        assert box["y"] + box["height"] <= PROJECTOR["height"], (name, box)
        on_top = page.evaluate("([x, y]) => document.elementFromPoint(x, y)"
                               ".closest('button')?.innerText.trim()",
                               [box["x"] + box["width"] / 2, box["y"] + box["height"] / 2])
        assert on_top is not None and on_top.lower() == name.lower(), (name, on_top)
    page.close()


# --------------------------------------------------------------------------- readability


TILES = """() => {
  const rect = e => { const r = e.getBoundingClientRect();
                      return {l: r.left, t: r.top, r: r.right, b: r.bottom}; };
  const tiles = [...document.querySelectorAll('.map-tile, .map-landmark')].map(t => ({
    name: t.dataset.name, code: t.dataset.code || '', title: t.title, box: rect(t)}));
  const labels = [...document.querySelectorAll(
      '.tile-name, .tile-troops, .tile-others, .landmark-name')].map(l => ({
    text: l.innerText, cls: l.className, box: rect(l), tile: rect(l.parentElement),
    sw: l.scrollWidth, cw: l.clientWidth}));
  return {tiles, labels}; }"""


def _assert_map_readable(page, small: bool) -> None:
    data = page.evaluate(TILES)
    tiles, labels = data["tiles"], data["labels"]
    assert tiles and labels
    key = "" if small else page.locator(".map-key").inner_text()
    for t in tiles:
        assert t["name"], t
        if t["code"]:  # a state: its name on hover, and in the key of a large map
            assert t["title"].startswith(t["name"] + ":"), t
            assert small or f"{t['code']} {t['name']}" in " ".join(key.split()), t["name"]
    for i, a in enumerate(tiles):
        for b in tiles[i + 1:]:
            dx = min(a["box"]["r"], b["box"]["r"]) - max(a["box"]["l"], b["box"]["l"])
            dy = min(a["box"]["b"], b["box"]["b"]) - max(a["box"]["t"], b["box"]["t"])
            assert dx <= 0.5 or dy <= 0.5, f"tiles {a['name']} and {b['name']} overlap"
    for lab in labels:
        assert lab["sw"] <= lab["cw"] + 1, f"{lab['text']!r} is cut: {lab}"
        box, tile = lab["box"], lab["tile"]
        assert (box["l"] >= tile["l"] - 0.5 and box["r"] <= tile["r"] + 0.5
                and box["t"] >= tile["t"] - 0.5 and box["b"] <= tile["b"] + 0.5), \
            f"{lab['text']!r} sticks out of its tile: {lab}"
    names = [lab["text"] for lab in labels if "tile-name" in lab["cls"]]
    expected = [t["name"] if small else t["code"] for t in tiles if t["code"]]
    assert sorted(names) == sorted(expected)


@pytest.mark.slow
def test_sliders_explanations_and_map_read_in_full(server, browser):
    from playwright.sync_api import expect

    page, traffic = _open(browser, server, viewport={"width": 1280, "height": 900})
    body = page.locator("body").inner_text()
    for dev in DEV_CONTROLS:
        assert dev not in body, f"developer control {dev!r} is on the page"
    sc = load_scenario("sep-2025-paris")
    for c in controls(sc):  # value with unit, a one-line explanation (caption and hover)
        box = page.locator(f".control-{_slug(c.key)}")
        expect(box.locator(".control-label")).to_have_text(c.label)
        expect(box.locator(".control-value")).to_have_text(c.text(defaults(sc)[c.key]))
        expect(box.locator(".control-help")).to_have_text(c.help)
        assert box.locator(".control-head").get_attribute("title") == c.help
    for card in page.locator(".cs-card").all():
        assert card.get_attribute("title")
        assert card.locator(".card-help").inner_text().strip() == card.get_attribute("title")
    design = page.locator(".control-design")  # the design list reads like a slider
    expect(design.locator(".control-help")).to_have_text(DESIGN_HELP)
    assert design.locator(".control-head").get_attribute("title") == DESIGN_HELP
    assert page.locator(".design-line").get_attribute("title") == load_design(sc.design).description
    # A moved slider is marked until Reset.
    slider = page.locator(".control-coalition-peer-weight [role=slider]")
    slider.focus()
    slider.press("ArrowLeft")
    expect(page.locator(".control-coalition-peer-weight.slider-moved .moved-mark")).to_be_visible()
    _step(page)
    expect(page.locator(".slider-moved")).to_have_count(1)  # a step does not use it
    _button(page, "Reset").click()
    expect(page.locator(".slider-moved")).to_have_count(0)
    # The 34-state map after six months, and the classroom map with every tile pledging troops.
    _step(page, 6)
    _assert_map_readable(page, small=False)
    _pick(page, "classroom-five-tipped")
    _step(page, 5)
    expect(page.locator(".tile-troops")).to_have_count(5)
    _assert_map_readable(page, small=True)
    traffic.check()
    page.close()


# --------------------------------------------------------------------------- posterior


@pytest.mark.slow
def test_with_a_posterior_the_page_says_which_draw_each_seed_runs(browser):
    """``--posterior default``: the status bar names the draw of the seed, and a Reset with
    another seed (of another seed pair) draws anew."""
    from playwright.sync_api import expect

    from sim.analysis.posterior import load

    post = load("default")
    seed = load_scenario("sep-2025-paris").seed
    try:
        proc, url = start_process("--port", "0", "--posterior", "default", cwd=ROOT)
    except RuntimeError as exc:
        pytest.fail(str(exc))
    try:
        page, traffic = _open(browser, url)
        line = page.locator(".posterior-line")
        for s in (seed, seed + 1):
            if s != seed:  # one step of the seed slider, then Reset
                slider = page.locator(".control-rng [role=slider]")
                slider.focus()
                slider.press("ArrowRight")
                _button(page, "Reset").click()
            draw = int(post.draw([s])[0]) + 1
            expect(line).to_contain_text(
                "Parameters drawn from the posterior (seeds/posterior), draw "
                f"{draw:,} of {len(post.particles):,}: each seed is one plausible world")
            assert line.get_attribute("title").startswith(line.inner_text().strip())
        assert post.draw([seed])[0] != post.draw([seed + 1])[0]
        expect(page.locator(".drawn-mark")).to_have_count(0)  # no slider is a drawn parameter
        traffic.check()
        page.close()
    finally:
        proc.terminate()
        proc.wait(timeout=60)


# --------------------------------------------------------------------------- front of a room

MONTH_CARD_COVERED = """() => {
  const card = document.querySelector('.card-month').getBoundingClientRect();
  const points = [[0.5, 0.5], [0.05, 0.05], [0.95, 0.05], [0.05, 0.95], [0.95, 0.95]];
  return points.map(([fx, fy]) => {
    const x = card.left + fx * card.width, y = card.top + fy * card.height;
    const top = document.elementFromPoint(x, y);
    return top && top.closest('.card-month') ? null : [x, y, top ? top.outerHTML.slice(0, 80) : 'nothing'];
  }).filter(Boolean); }"""
LAYOUT = """() => {
  const box = s => document.querySelector(s).getBoundingClientRect();
  return {side: box('nav.v-navigation-drawer').right, main: box('.v-content__wrap').left,
          status: box('.status-bar').left, card: box('.card-month').left,
          chart: [box('.force-chart').top, box('.force-chart').bottom]}; }"""
SMALL_TEXT = """sel => {
  const out = [];
  for (const root of document.querySelectorAll(sel)) {
    const walk = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
    for (let n = walk.nextNode(); n; n = walk.nextNode()) {
      const el = n.parentElement;
      if (!n.textContent.trim() || !el.getClientRects().length) continue;
      let size = parseFloat(getComputedStyle(el).fontSize);
      const svg = el.closest('svg');
      if (svg) size *= svg.getBoundingClientRect().width / svg.viewBox.baseVal.width;
      if (size < 14 - 0.01) out.push([n.textContent.trim().slice(0, 30), size]);
    }
  }
  return out; }"""


@pytest.mark.slow
@pytest.mark.parametrize("viewport", [PROJECTOR, {"width": 1920, "height": 1080}],
                         ids=["1280x720", "1920x1080"])
def test_sidebar_never_covers_the_main_panel(server, browser, viewport):
    """Each design picked (and Reset): the sidebar keeps its width, the main panel starts right
    of it, nothing covers the month card. No badge over content; the force chart is on screen
    without scrolling; the cards, charts and log read at 14 px or more; the scenario list
    shows plain titles and no ``base``."""
    from playwright.sync_api import expect

    page, traffic = _open(browser, server, viewport=viewport)
    assert "runs on Solara" not in page.locator("body").inner_text()
    page.locator(".v-select").filter(has_text="Scenario").first.click()
    options = page.get_by_role("option").all_inner_texts()
    assert options == list(scenario_choices("sep-2025-paris"))
    assert not set(options) & (HIDDEN_SCENARIOS | set(scenario_names())), options
    page.keyboard.press("Escape")
    _pick(page, "classroom-five-tipped")
    _step(page, 3)  # three tiles with troops
    assert page.locator(".tile-troops").count() == 3
    small = page.evaluate(SMALL_TEXT, ".status-bar, .coalition-map, .charts, .log-panel, .cs-control")
    assert small == [], small
    for label in design_choices():
        design = page.locator(".control-design")
        design.locator(".v-select").click()
        page.get_by_role("option", name=label, exact=True).click()
        expect(design.locator(".v-select")).to_contain_text(label.split(" (")[0])
        for stage in ("picked", "reset"):
            if stage == "reset":
                _button(page, "Reset").click()
                expect(page.locator(".design-label")).to_have_text(label)
            lay = page.evaluate(LAYOUT)
            where = f"{label} ({stage}) at {viewport}: {lay}"
            assert lay["side"] <= lay["main"] + 0.5 and lay["side"] <= lay["status"] + 0.5, where
            assert lay["side"] <= lay["card"] + 0.5, where
            assert page.evaluate(MONTH_CARD_COVERED) == [], where
    lay = page.evaluate(LAYOUT)
    assert lay["chart"][0] >= 0 and lay["chart"][1] <= viewport["height"], lay
    traffic.check()
    page.close()
