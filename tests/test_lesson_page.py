"""The offline lesson page (``coalition-sim lesson export``) in a real browser, offline.

The page is opened from a ``file://`` URL with the network switched off. Every control must
change what is shown to the run the engine computed for that setting: for three settings the
page's numbers are compared with ``sim.api.run`` (the same world, design and slider values).
No request may be made, the file stays under 5 MB, and at 1280x720 every text is at least
14 px and no two texts overlap. Skipped without /usr/bin/chromium, except in CI.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from test_app_browser import ARGS, CHROMIUM, TIMEOUT_MS, _assert_map_readable, _need_browser

from sim import api
from sim.app.lesson.grid import SERIES, SLIDERS, overrides
from sim.app.lesson.page import MAX_BYTES
from sim.cli import main

PROJECTOR = {"width": 1280, "height": 720}
SETTINGS = [  # (world, design, slider values in SLIDERS order)
    ("classroom-five", "rear-reassurance-30k", (1.0, 1.0, 0.6)),  # as written: nobody
    ("classroom-five-tipped", "rear-reassurance-30k", (1.0, 2.0, 0.45)),  # stops one short
    ("classroom-five", "deterrent-force", (1.5, 0.0, 1.0)),  # all five, a larger ask
]


@pytest.fixture(scope="module")
def lesson(tmp_path_factory):
    out = tmp_path_factory.mktemp("lesson") / "lesson.html"
    assert main(["lesson", "export", "--out", str(out), "--quiet"]) == 0
    return out


@pytest.fixture(scope="module")
def browser():
    _need_browser()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        yield b
        b.close()


def _open(browser, lesson):
    """The page from file://, offline; returns it and the list of every request it made."""
    context = browser.new_context(viewport=PROJECTOR, offline=True)
    page = context.new_page()
    page.set_default_timeout(TIMEOUT_MS)
    requests: list[str] = []
    errors: list[str] = []
    page.on("request", lambda r: requests.append(r.url))
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(lesson.as_uri())
    page.locator(".status-month").wait_for()
    return page, requests, errors


def _choose(page, world: str, design: str, values: tuple[float, ...]) -> None:
    """Pick the world and design and move each slider to its value, as a user would."""
    page.check(f"#world input[value={world}]")
    page.check(f"#design input[value={design}]")
    for s, v in zip(SLIDERS, values, strict=True):
        slider = page.locator(f"#slider-{s.key.replace('.', '-').replace('_', '-')}")
        slider.focus()
        while (i := int(slider.input_value())) != s.values.index(v):
            slider.press("ArrowRight" if i < s.values.index(v) else "ArrowLeft")


def _pct(v: float) -> str:
    return f"{v:.0%}"


@pytest.mark.slow
def test_every_control_shows_the_engines_run_for_its_setting(browser, lesson):
    assert lesson.stat().st_size <= MAX_BYTES
    page, requests, errors = _open(browser, lesson)
    expect_note = "computed in advance by the coalition-sim engine"
    assert expect_note in page.locator("#engine-note").inner_text()
    shown = set()
    for world, design, values in SETTINGS:
        _choose(page, world, design, values)
        if page.locator("#end").is_enabled():  # the first time; then a change keeps the month
            page.click("#end")
        setting = page.evaluate("window.lesson.setting()")
        assert setting == {"world": world, "design": design,
                           **{s.key: v for s, v in zip(SLIDERS, values, strict=True)}}
        res = api.run(world, replicates=1, overrides=overrides(
            design, {s.key: v for s, v in zip(SLIDERS, values, strict=True)}))
        steps = res.steps
        series = page.evaluate("window.lesson.run().series")
        for k in SERIES:  # every month of every outcome the page draws
            page_values = np.array([math.nan if v is None else v for v in series[k]])
            assert np.allclose(page_values, steps[k].to_numpy(), rtol=1e-5, atol=1e-9,
                               equal_nan=True), k
        last = steps.iloc[-1]
        horizon = res.scenario.horizon
        assert page.locator(".status-month").inner_text() == f"{horizon} of {horizon}"
        force = page.locator(".status-force").inner_text()
        assert force == f"{last.pledged_troops:,.0f}"
        assert page.locator(".status-deployed").inner_text() == f"{last.deployed_troops:,.0f}"
        assert page.locator(".status-deterrence").inner_text() == _pct(last.deterrence)
        assert page.locator(".status-ceasefire").inner_text() == (
            "Holding" if last.ceasefire_in_force > 0.5 else
            "Broken" if last.breakdowns > 0 else "None")
        ground = res.states["committed_ground"].to_numpy()
        tiles = page.locator(".map-tile[data-mode=ground]").count()
        assert tiles == int(ground.sum())
        shown.add(force)
    assert len(shown) == 3, "each setting shows its own outcome"
    assert requests == [lesson.as_uri()], f"the page made requests: {requests}"
    assert errors == []
    page.context.close()


TEXTS = """() => {
  const out = [];
  const walk = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let n = walk.nextNode(); n; n = walk.nextNode()) {
    const el = n.parentElement;
    if (!n.textContent.trim() || el.closest('script, option, select, style')) continue;
    const range = document.createRange();
    range.selectNodeContents(n);
    const rects = [...range.getClientRects()].filter(r => r.width > 0 && r.height > 0);
    if (!rects.length) continue;
    let size = parseFloat(getComputedStyle(el).fontSize);
    const svg = el.closest('svg');
    if (svg) size *= svg.getBoundingClientRect().width / svg.viewBox.baseVal.width;
    out.push({text: n.textContent.trim().slice(0, 40), size,
              rects: rects.map(r => [r.left, r.top, r.right, r.bottom])});
  }
  return out; }"""


@pytest.mark.slow
def test_legible_on_a_projector(browser, lesson):
    page, requests, _ = _open(browser, lesson)
    _choose(page, *SETTINGS[2])
    for _ in range(8):  # pledges, troops and a ceasefire on the map and in the log
        page.click("#step")
    texts = page.evaluate(TEXTS)
    assert len(texts) > 50
    small = [(t["text"], round(t["size"], 1)) for t in texts if t["size"] < 14 - 0.01]
    assert small == [], f"texts under 14 px: {small[:10]}"
    boxes = [(t["text"], r) for t in texts for r in t["rects"]]
    for i, (a, ra) in enumerate(boxes):
        for b, rb in boxes[i + 1:]:
            dx = min(ra[2], rb[2]) - max(ra[0], rb[0])
            dy = min(ra[3], rb[3]) - max(ra[1], rb[1])
            # text boxes are the glyphs' full height: lines set tight may touch by a little
            tight = 0.25 * min(ra[3] - ra[1], rb[3] - rb[1])
            assert dx <= 1 or dy <= tight, f"{a!r} overlaps {b!r}"
    _assert_map_readable(page, small=True)
    assert requests == [lesson.as_uri()]
    page.context.close()
