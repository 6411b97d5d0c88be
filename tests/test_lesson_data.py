"""The lesson page's data and file, without a browser: every setting computed, the same file
each time, nothing fetched from outside, within the size limit."""

from __future__ import annotations

import itertools
import json
import re

import pytest

from sim.app.lesson.grid import SLIDERS, WORLDS, designs, precompute
from sim.app.lesson.page import MAX_BYTES, build_page
from sim.model.parameters import PARAM_INFO


@pytest.fixture(scope="module")
def data():
    return precompute(replicates=3)


def test_every_setting_has_a_run_and_every_slider_value_is_allowed(data):
    for s in SLIDERS:
        info = PARAM_INFO[s.key]
        assert all(info.lo <= v <= info.hi for v in s.values), s.key
    for world in WORLDS:
        for design in designs():
            cell = data["grid"][world][design]
            for combo in itertools.product(*(range(len(s.values)) for s in SLIDERS)):
                node = cell
                for i in combo:
                    node = node[i]
                run = data["runs"][node]
                horizon = data["worlds"][world]["horizon"]
                assert len(run["pledges"]) == horizon + 1
                assert all(len(v) == horizon for v in run["series"].values())


@pytest.mark.slow
def test_the_page_is_the_same_each_time_self_contained_and_small(data):
    page = build_page(data)
    assert page == build_page(precompute(replicates=3))
    assert len(page.encode("utf-8")) <= MAX_BYTES
    assert not re.search(r"""(?:src|href|action)\s*=\s*["']?\s*(?:https?:)?//""", page, re.I)
    assert "@import" not in page and "url(" not in page
    assert "default-src 'none'" in page  # the browser itself refuses any request
    blob = re.search(r'<script id="lesson-data" type="application/json">(.*?)</script>', page, re.S)
    assert blob is not None and json.loads(blob.group(1))["runs"]
