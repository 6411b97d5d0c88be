"""Provenance: every cited fact exists, every fact is cited, facts are paraphrased, not copied."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from sim.model.facts import COUNTRIES_FILE, MODELLING, load_facts
from sim.model.parameters import PARAM_INFO
from sim.model.world import coalition_states
from sim.scenario.provenance import citations

ARTICLES = Path(__file__).resolve().parents[2] / "shared" / "seeds"


def test_every_cited_fact_exists():
    known = set(load_facts())
    unknown = {f: sorted(w) for f, w in citations().items() if f not in known}
    assert not unknown, f"cited fact ids missing from seeds/facts.yaml: {unknown}"


def test_every_fact_is_used():
    unused = sorted(set(load_facts()) - set(citations()))
    assert not unused, f"facts cited nowhere (parameters, scenarios, country data): {unused}"


def test_every_parameter_cites_a_fact_or_says_it_is_an_assumption():
    for info in PARAM_INFO.values():
        assert info.facts, info.path
        assert all(f == MODELLING or f in load_facts() for f in info.facts), info.path
        assert info.doc and info.unit, info.path
        assert info.lo <= info.default <= info.hi, info.path


def test_article_facts_name_an_article_file_and_statistics_a_source():
    for f in load_facts().values():
        assert f.kind in {"article", "statistic", "modelling"}, f.id
        if f.kind == "article":
            assert all(re.fullmatch(r"00\d_[0-9a-f]{16}\.txt", s) for s in f.source), f.id
            assert any(s in f.paraphrase for s in f.source), f"{f.id}: paraphrase must cite its file"
        else:
            assert f.source and all(len(s) > 5 for s in f.source), f.id


@pytest.mark.skipif(not ARTICLES.is_dir(),
                    reason="the seed articles (../shared/seeds) are not beside the clone")
def test_paraphrases_copy_no_sentence_from_the_articles():
    """No run of eight words of an article appears in a paraphrase."""
    def words(text: str) -> list[str]:
        return re.findall(r"[a-z0-9]+", text.lower())

    grams: set[tuple[str, ...]] = set()
    for path in ARTICLES.glob("00*.txt"):
        w = words(path.read_text(encoding="utf-8"))
        grams |= {tuple(w[i:i + 8]) for i in range(len(w) - 7)}
    for f in load_facts().values():
        w = words(f.paraphrase)
        copied = [" ".join(w[i:i + 8]) for i in range(len(w) - 7) if tuple(w[i:i + 8]) in grams]
        assert not copied, f"{f.id} copies article text: {copied[0]!r}"


def test_article_figures_carry_over():
    facts = load_facts()
    assert facts["force_size_30k"].value == 30000
    assert facts["russia_growth_2023"].value == pytest.approx(4.1)
    assert facts["russia_growth_2024"].value == pytest.approx(4.3)
    assert PARAM_INFO["design.ground_troops"].default == facts["force_size_30k"].value
    assert PARAM_INFO["russia.growth0"].default == facts["russia_growth_2024"].value


def test_country_table_is_complete_and_sourced():
    data = yaml.safe_load(COUNTRIES_FILE.read_text(encoding="utf-8"))
    states = coalition_states()
    assert len(states) == 34 == len({s.code for s in states})
    columns = set(data["states"][0])
    assert columns <= set(data["sources"]), columns - set(data["sources"])
    by_code = {s.code: s for s in states}
    assert by_code["PL"].border_russia_belarus and not by_code["FR"].border_russia_belarus
    assert by_code["LU"].landlocked and by_code["IS"].active_personnel == 0


SEED_FILES = sorted((Path(__file__).resolve().parents[1] / "seeds").rglob("*.yaml"))


@pytest.mark.parametrize("path", SEED_FILES, ids=lambda p: p.name)
def test_seed_files_read_the_same_with_the_fast_loader(path: Path):
    """The seeds are read with libyaml's parser (sim.util.yamldata): same data as PyYAML's."""
    from sim.util import yamldata

    text = path.read_text(encoding="utf-8")
    assert yamldata.load_file(path) == yaml.load(text, Loader=yaml.SafeLoader)
