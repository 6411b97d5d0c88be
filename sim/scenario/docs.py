"""Generate docs/scenarios.md from the scenario schema and PARAM_INFO.

``python -m sim.scenario.docs`` rewrites the file; ``coalition-sim schema`` prints it; a test
fails when the file is stale.
"""

from __future__ import annotations

import sys
import typing
from pathlib import Path
from typing import Any

from pydantic import BaseModel
from pydantic_core import PydanticUndefined

from sim.model.parameters import PARAM_INFO
from sim.model.world import StateAttributes
from sim.output.io import atomic_write_text
from sim.scenario.schema import Event, Position, Scenario

DOCS_FILE = Path(__file__).resolve().parent.parent.parent / "docs" / "scenarios.md"

EXAMPLE = """\
name: us-backstop-erodes            # must match the file name (us-backstop-erodes.yaml)
description: The US backstop falls to intelligence only at month 6.
extends: sep-2025-paris             # inherit everything, then override
facts: [us_intel_only, us_focus_domestic]
horizon: 36
replicates: 200
seed: 2025
parameters:
  us.backstop_scale: 1.0            # dotted paths ...
  sanctions:                        # ... or nested mappings
    eu: 0.6
events:
  - month: 6
    set: {us.backstop.air_support: 0.0, us.backstop.logistics: 0.0}
    note: The US backstop falls to intelligence only.
    facts: [us_intel_only]
"""


WHAT_IF_EXAMPLES: tuple[tuple[str, str, str], ...] = (
    ("A state changes its mind at a date (an event replaces its position)",
     """events:
  - month: 6
    note: Germany's new government offers troops.
    positions:
      DE:
        shift: {ground: -0.5}
        troops: 10000
        hypothetical: Merz's government might offer troops once a ceasefire is signed
""", "--set is per run, not dated: use an event in a file for a change at a date."),
    ("A stated position for a date range",
     """positions:
  IT:
    shift: {ground: 0.3}
    facts: [it_es_need_us_role]
    until: "2025-12"          # from the start to December 2025, then the rule alone
""", ""),
    ("A hypothetical with no article behind it (flagged by explain, manifests, reports)",
     """positions:
  NL:
    shift: {ground: -0.4}
    hypothetical: the Dutch parliament approves a deployment
""", "coalition-sim run sep-2025-paris --set NL.shift.ground=-0.4   # recorded as hypothetical"),
    ("Per-state settings: contribution by component, deployable share, threshold shift",
     """positions:
  GB:
    facts: [uk_troops_offer]
    troops: 10000             # the UK sends 10,000 when it pledges ground troops
    aircraft: 24
    deployable_share: 0.1     # or: a share of its active personnel
    shift: {ground: -0.55}
""", "coalition-sim run sep-2025-paris --set GB.troops=10000 --set GB.shift.ground=-0.6"),
    ("Initial conditions: pledges at the start, US frustration and credibility, Russian "
     "growth and the key rate",
     """positions:
  GB: {facts: [uk_troops_offer], pledged: [ground, air]}
parameters:
  us.frustration0: 0.5
  us.credibility0: 0.5
  russia.growth0: 1.1
  russia.key_rate: 0.18
events:
  - month: 4
    set: {russia.growth0: 0.6}   # a state variable observed at a date resets it
    note: Growth is reported at 0.6%.
    facts: [stat_russia_growth_2025]
""", "coalition-sim run sep-2025-paris --set us.frustration0=0.5"),
    ("A force design on the table, or a change of design at a date",
     """design: air-sea-presence       # scenarios/designs/air-sea-presence.yaml
events:
  - month: 12
    design: sustain-ukraine
    note: The coalition turns to sustaining Ukraine's own army.
    facts: [hague_shift]
""", "coalition-sim run sep-2025-paris --set design=tripwire"),
)
"""What-if examples for docs/scenarios.md: (question, YAML, command line)."""


def what_if_section() -> list[str]:
    """docs/scenarios.md: one example per what-if key."""
    out = ["## What-if examples", "",
           "From Python the same keys go through `sim.variant(base, name, overrides, "
           "hypothetical=...)` or `sim.with_overrides(scenario, overrides)`, e.g. "
           "`sim.variant(\"sep-2025-paris\", \"de-troops\", {\"DE.troops\": 10000}, "
           "hypothetical=\"...\")`; every override is recorded in the result and its manifest.",
           ""]
    for question, yaml_text, command in WHAT_IF_EXAMPLES:
        out += [f"**{question}.**", "", "```yaml", yaml_text.rstrip(), "```", ""]
        if command.startswith("coalition-sim "):
            out += ["```bash", command, "```", ""]
        elif command:  # prose, not a command a reader could paste
            out += [f"*{command}*", ""]
    return out


def _type(ann: Any) -> str:
    origin = typing.get_origin(ann)
    args = typing.get_args(ann)
    if origin is typing.Literal:
        return " \\| ".join(f"`{a}`" for a in args)
    if origin in (typing.Union, __import__("types").UnionType):
        return " or ".join(_type(a) for a in args if a is not type(None)) + (
            " (optional)" if type(None) in args else "")
    if origin is list:
        return f"list of {_type(args[0])}"
    if origin is dict:
        return f"mapping {_type(args[0])} → {_type(args[1])}"
    if isinstance(ann, type) and issubclass(ann, BaseModel):
        return ann.__name__
    return {str: "text", int: "whole number", float: "number", bool: "true/false"}.get(
        ann, getattr(ann, "__name__", str(ann)))


def _bounds(field: Any) -> str:
    lo = hi = None
    for m in field.metadata:
        for a in ("ge", "gt"):
            if getattr(m, a, None) is not None:
                lo = f"{'≥' if a == 'ge' else '>'} {getattr(m, a):g}"
        for a in ("le", "lt"):
            if getattr(m, a, None) is not None:
                hi = f"{'≤' if a == 'le' else '<'} {getattr(m, a):g}"
        if getattr(m, "pattern", None):
            lo = f"pattern `{m.pattern}`"
        if getattr(m, "min_length", None):
            lo = f"at least {m.min_length}"
    return ", ".join(x for x in (lo, hi) if x).replace("|", "\\|")


def _default(field: Any) -> str:
    if field.default is PydanticUndefined:
        return "required" if field.default_factory is None else "(empty)"
    if isinstance(field.default, bool):
        return f"`{str(field.default).lower()}`"
    return f"`{field.default}`" if field.default is not None else "—"


def model_table(model: type[BaseModel], skip: tuple[str, ...] = ()) -> str:
    """A Markdown table of a pydantic model's fields."""
    rows = ["| key | type | default | allowed | meaning |", "|---|---|---|---|---|"]
    for name, f in model.model_fields.items():
        if name in skip:
            continue
        desc = (f.description or "").replace("|", "\\|")
        rows.append(f"| `{name}` | {_type(f.annotation)} | {_default(f)} | {_bounds(f)} | "
                    f"{desc} |")
    return "\n".join(rows)


def parameter_table() -> str:
    """Every parameter by dotted path: default, range, unit, facts, meaning."""
    rows = ["| parameter | default | range | unit | facts | meaning |",
            "|---|--:|---|---|---|---|"]
    for p in PARAM_INFO.values():
        rows.append(f"| `{p.path}` | {p.default:g} | {p.lo:g} – {p.hi:g} | {p.unit} | "
                    f"{', '.join(p.facts)} | {p.doc} |")
    return "\n".join(rows)


def render() -> str:
    """The full text of docs/scenarios.md."""
    return "\n".join([
        "# Scenario files",
        "",
        "<!-- Generated by `python -m sim.scenario.docs` from sim/scenario/schema.py and",
        "     sim/model/parameters.py; do not edit by hand. `coalition-sim schema` prints it. -->",
        "",
        "A scenario is a YAML file in `scenarios/` (or anywhere, given by path). It has a name",
        "and a description, may `extends:` another scenario and override any parameter by its",
        "dotted path, sets its horizon, replicates and seed, may define its own world of states,",
        "and may schedule events on a timeline. Check a file with",
        "`coalition-sim validate FILE`; see what it resolves to with",
        "`coalition-sim explain FILE`.",
        "",
        "```yaml",
        EXAMPLE.rstrip(),
        "```",
        "",
        "## Rules",
        "",
        "- **Inheritance.** With `extends: NAME`, the scenario starts from NAME (looked up "
        "beside the file, then in `scenarios/`): mappings (parameters, positions) merge key by "
        "key, anything else is replaced; `events` and `facts` are joined (the parent's first); "
        "`name` and `description` are never inherited. A cycle is an error that names it.",
        "- **Parameters** may be written as dotted paths (`us.backstop.intelligence: 0.7`), "
        "nested mappings, or a mix; every value must be a finite number within its range.",
        "- **Events** change parameters, the force design (`design:`) or states' positions "
        "(`positions:`) from a month on (1 = first simulated month, at most the horizon) for "
        "every run, and appear in the run's event log with their note. An event that sets an "
        "initial-condition parameter (`us.credibility0`, `us.frustration0`, "
        "`us.secondary_tariffs`, `russia.growth0`, `ukraine.strength0`) also resets that state "
        "at its month.",
        "- **Provenance.** Positions and events cite `facts` (articles or public statistics) "
        "or say `hypothetical: <one-line reason>`; a scenario may be `hypothetical` as a "
        "whole. Hypotheticals are allowed everywhere and flagged by `explain`, in the manifest "
        "and in the report's first paragraph.",
        "- **Per-state settings** (`positions.CODE`: `troops`, `aircraft`, `warships`, "
        "`deployable_share`, `shift`, `pledged`, `start`/`until`) are checked against the "
        "world's state codes, with \"did you mean\"; from the command line "
        "`--set CODE.key=value` (e.g. `--set DE.troops=10000`, `--set DE.shift.ground=-0.5`).",
        "- **Worlds.** `world: coalition` is the 34 article-based participants "
        "(seeds/countries.yaml); a list of states defines a world of the scenario's own. "
        "`positions` name states by code; a code outside the world is an error, unless the "
        "position is inherited from a scenario with another world (then it has no effect).",
        "- **Facts.** `facts:` (scenario, positions, events) cite ids in seeds/facts.yaml.",
        "- **Safety.** Files are read as plain YAML data: tags that build Python objects, "
        "custom tags, alias bombs and recursive aliases are refused; NaN and infinity are "
        "refused; every error names the file, line, dotted key, what was expected and what "
        "was found, with \"did you mean\" for misspelt keys and state codes.",
        "",
        *what_if_section(),
        "## Top-level keys",
        "",
        model_table(Scenario),
        "",
        "## `events[]`",
        "",
        model_table(Event),
        "",
        "## `positions.CODE`",
        "",
        model_table(Position),
        "",
        "## `world[]` (a world of the scenario's own)",
        "",
        model_table(StateAttributes),
        "",
        "## `parameters`",
        "",
        "Every parameter, by dotted path. Fact ids refer to seeds/facts.yaml; `modelling` marks",
        "an assumption of the model (docs/ODD.md).",
        "",
        parameter_table(),
        "",
    ])


def main(argv: list[str] | None = None) -> int:
    """Write docs/scenarios.md (``--check``: exit 1 if it is stale)."""
    argv = sys.argv[1:] if argv is None else argv
    text = render()
    if "--check" in argv:
        current = DOCS_FILE.read_text(encoding="utf-8") if DOCS_FILE.exists() else ""
        if current != text:
            print(f"{DOCS_FILE} is stale: run python -m sim.scenario.docs", file=sys.stderr)
            return 1
        return 0
    atomic_write_text(DOCS_FILE, text)
    print(f"wrote {DOCS_FILE}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
