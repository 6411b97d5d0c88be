"""Benchmark 4: the classroom app in Chromium, time from a Step click to the updated month card.

Starts ``coalition-sim app --port 0``, opens it in headless Chromium (Playwright, Debian's
/usr/bin/chromium), picks each scenario in the Scenario list and clicks Step ``--steps``
times. Each time is measured in the page: ``performance.now()`` just before the click, and
again when a MutationObserver sees the month card show the next month (the map's title is
timed too: the last view to change). The first step of each scenario is a warm-up and is not
counted. Prints the median and the 90th percentile per scenario.

    .venv/bin/python bench/bench_app.py
    .venv/bin/python bench/bench_app.py --steps 30 --scenarios classroom-five hague-2025-intel-only
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
from pathlib import Path

import common
import numpy as np

from sim.cli.app import start_process  # noqa: E402

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]
TIMEOUT_MS = 90_000

STEP_JS = """async () => {
  const month = () => document.querySelector('.status-month').innerText;
  const title = () => document.querySelector('.map-panel div').innerText;
  const before = month(), beforeTitle = title();
  const button = [...document.querySelectorAll('button')]
    .find(b => b.innerText.trim().toLowerCase() === 'step');
  return await new Promise(resolve => {
    let card = null;
    const t0 = performance.now();
    const check = () => {
      const now = performance.now();
      if (card === null && month() !== before) card = now - t0;
      if (card !== null && title() !== beforeTitle) {
        observer.disconnect();
        resolve({card, map: now - t0});
      }
    };
    const observer = new MutationObserver(check);
    observer.observe(document.body, {subtree: true, childList: true, characterData: true});
    button.click();
  });
}"""


def start_app() -> tuple[subprocess.Popen, str]:
    try:
        proc, url = start_process("--port", "0", cwd=common.ROOT)
    except RuntimeError as exc:
        raise SystemExit(f"the app did not start: {exc}") from None
    return proc, url + "/"


def measure(page, scenario: str, steps: int) -> dict[str, list[float]]:
    page.locator(".v-select").filter(has_text="Scenario").first.click()
    page.get_by_role("option", name=scenario, exact=True).click()
    page.wait_for_function(
        "t => document.querySelector('.scenario-description')?.innerText === t",
        arg=common_description(scenario))
    page.wait_for_function("document.querySelector('.status-month').innerText.startsWith('0 ')")
    out: dict[str, list[float]] = {"card": [], "map": []}
    for i in range(steps + 1):
        r = page.evaluate(STEP_JS)
        if i:  # the first step warms up
            out["card"].append(r["card"])
            out["map"].append(r["map"])
    return out


def common_description(scenario: str) -> str:
    from sim.scenario import load_scenario

    return load_scenario(scenario).description


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--scenarios", nargs="+", default=["classroom-five", "sep-2025-paris"])
    ap.add_argument("--steps", type=int, default=20, help="timed steps per scenario")
    ap.add_argument("--json", help="also write the figures to this JSON file")
    args = ap.parse_args()
    if not Path(CHROMIUM).exists():
        raise SystemExit(f"no Chromium at {CHROMIUM}")
    from playwright.sync_api import sync_playwright

    from sim.scenario import load_scenario

    for name in args.scenarios:
        if load_scenario(name).horizon <= args.steps:
            raise SystemExit(f"--steps {args.steps}: {name} ends after "
                             f"{load_scenario(name).horizon} months")
    proc, url = start_app()
    results = {}
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
            page = browser.new_page(viewport={"width": 1280, "height": 720})
            page.set_default_timeout(TIMEOUT_MS)
            page.goto(url, wait_until="domcontentloaded")
            page.get_by_role("button", name="Step", exact=True).wait_for()
            for name in args.scenarios:
                times = measure(page, name, args.steps)
                results[name] = {
                    k: {"median_ms": statistics.median(v),
                        "p90_ms": float(np.percentile(v, 90)), "max_ms": max(v), "n": len(v)}
                    for k, v in times.items()}
            browser.close()
    finally:
        proc.terminate()
        proc.wait(timeout=30)
    print(f"Step click -> updated view, {args.steps} steps per scenario (after one warm-up)")
    print(f"{'scenario':<24}{'month card median':>19}{'p90':>8}{'map median':>12}{'p90':>8}")
    for name, r in results.items():
        c, m = r["card"], r["map"]
        print(f"{name:<24}{c['median_ms']:>16.0f} ms{c['p90_ms']:>5.0f} ms"
              f"{m['median_ms']:>9.0f} ms{m['p90_ms']:>5.0f} ms")
    facts = common.machine()
    print("machine:", ", ".join(f"{k}={facts[k]}" for k in ("nproc", "cpu", "python", "loadavg")
                                if k in facts))
    if args.json:
        Path(args.json).write_text(json.dumps({"results": results, "machine": facts}, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
