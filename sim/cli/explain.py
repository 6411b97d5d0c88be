"""``coalition-sim explain``: a scenario's resolved parameters and where each comes from."""

from __future__ import annotations

import argparse
import json
from typing import Any

from sim.cli.common import add_command, fail


def register(subparsers: Any) -> None:
    p = add_command(
        subparsers, "explain", help="show resolved parameters with their facts and articles",
        description="""
        Show a scenario after inheritance and events: the extends chain, the stated
        positions, the timeline, and every parameter with its value (and its value after
        each event), unit, the file and line that set it, and the fact ids and article files
        it rests on. The values are the scenario's own: explain draws nothing from a
        posterior (run, compare, sweep and app do, by default).""",
        examples=["coalition-sim explain sep-2025-paris",
                  "coalition-sim explain us-backstop-erodes --changed",
                  "coalition-sim explain my.yaml --only us. --json",
                  "coalition-sim explain us.backstop.air_support      # one parameter",
                  "coalition-sim explain sep-2025-paris us.backstop_scale"])
    p.add_argument("scenario", help="scenario name or .yaml file, or a parameter path alone")
    p.add_argument("parameter", nargs="?", default=None,
                   help="a parameter path: show only it (and its value in the scenario)")
    p.add_argument("--changed", action="store_true",
                   help="only parameters that differ from their defaults or change by events")
    p.add_argument("--only", metavar="PREFIX", help="only parameters whose path starts so")
    p.add_argument("--json", action="store_true", help="machine-readable output")
    p.set_defaults(func=handle)


def _citation(fid: str) -> dict[str, Any]:
    from sim.model.facts import MODELLING, load_facts

    if fid == MODELLING:
        return {"id": fid, "sources": ["docs/ODD.md"], "paraphrase": "modelling assumption"}
    f = load_facts().get(fid)
    if f is None:
        return {"id": fid, "sources": [], "paraphrase": "unknown fact id"}
    return {"id": fid, "sources": list(f.source), "paraphrase": f.paraphrase}


def explain(name_or_path: str, changed: bool = False, only: str | None = None) -> dict[str, Any]:
    """The resolved scenario as a dict: chain, positions, events and parameters with sources."""
    from sim.model.parameters import PARAM_INFO, flatten
    from sim.scenario.loader import display_path, load_resolved

    loaded = load_resolved(name_or_path)
    sc = loaded.scenario
    values = flatten(sc.parameters)
    timeline: dict[str, list[dict[str, Any]]] = {}
    for i, ev in enumerate(sorted(sc.events, key=lambda e: e.month)):
        for path, v in ev.set.items():
            timeline.setdefault(path, []).append({"month": ev.month, "value": v, "event": i})
    params = []
    for path, info in PARAM_INFO.items():
        if only and not path.startswith(only):
            continue
        v = values[path]
        if changed and v == info.default and path not in timeline:
            continue
        src = loaded.origin.get(("parameters", *path.split(".")))
        params.append({
            "path": path, "value": v, "default": info.default, "unit": info.unit,
            "range": [info.lo, info.hi], "doc": info.doc, "grade": info.grade,
            "set_in": f"{src.file}:{src.line}" if src else "default",
            "events": timeline.get(path, []),
            "facts": [_citation(f) for f in info.facts],
        })
    return {
        "name": sc.name, "description": sc.description,
        "chain": [display_path(p) for p in loaded.files], "files_sha256": loaded.hashes,
        "start": sc.start, "horizon": sc.horizon, "replicates": sc.replicates, "seed": sc.seed,
        "world": "coalition" if sc.world == "coalition" else [s.code for s in sc.states()],
        "design": _design(sc.design),
        "hypotheticals": _hypotheticals(sc),
        "overrides": dict(sc.overrides),
        "facts": [_citation(f) for f in sc.facts],
        "positions": {code: {"shift": dict(p.shift), "note": p.note,
                             "facts": [_citation(f) for f in p.facts],
                             "hypothetical": p.hypothetical, "troops": p.troops,
                             "aircraft": p.aircraft, "warships": p.warships,
                             "deployable_share": p.deployable_share, "pledged": list(p.pledged),
                             "start": p.start, "until": p.until,
                             "set_in": _where(loaded, ("positions", code))}
                      for code, p in sc.positions.items()},
        "events": [{"month": e.month, "set": dict(e.set), "note": e.note, "design": e.design,
                    "positions": sorted(e.positions), "hypothetical": e.hypothetical,
                    "facts": [_citation(f) for f in e.facts]}
                   for e in sorted(sc.events, key=lambda e: e.month)],
        "parameters": params,
    }


def _hypotheticals(sc: Any) -> list[str]:
    from sim.scenario.overrides import hypotheticals

    return hypotheticals(sc)


def _design(name: str) -> dict[str, Any]:
    from sim.scenario.designs import load_design

    d = load_design(name)
    return {"name": d.name, "label": d.label, "mission": d.mission,
            "hypothetical": d.hypothetical, "reason": d.reason,
            "facts": [_citation(f) for f in d.facts]}


def _where(loaded: Any, path: tuple) -> str:
    src = loaded.origin.get(path)
    return f"{src.file}:{src.line}" if src else "?"


def _cite(c: dict[str, Any]) -> str:
    where = ", ".join(c["sources"]) or "?"
    return f"{c['id']} ({where})"


def render(d: dict[str, Any]) -> str:
    """Plain-text rendering of :func:`explain`."""
    out = [f"{d['name']}: {d['description']}",
           f"  chain: {' <- '.join(d['chain'])}",
           f"  start {d['start']}, horizon {d['horizon']} months, {d['replicates']} replicates,"
           f" seeds {d['seed']}..{d['seed'] + d['replicates'] - 1}",
           "  world: " + (d["world"] if isinstance(d["world"], str)
                          else f"{len(d['world'])} states of its own: {', '.join(d['world'])}")]
    if d["hypotheticals"]:
        out.append("  HYPOTHETICAL (no source states these; the modeller's assumptions):")
        out += [f"    - {h}" for h in d["hypotheticals"]]
    design = d["design"]
    out.append(f"  design: {design['name']} ({design['label']}; mission {design['mission']})"
               + (f" - HYPOTHETICAL: {design['reason']}" if design["hypothetical"] else ""))
    if d["facts"]:
        out.append("  facts:")
        out += [f"    {_cite(c)}: {c['paraphrase']}" for c in d["facts"]]
    if d["positions"]:
        out.append("\nstated positions (threshold shifts):")
        for code, p in d["positions"].items():
            shift = ", ".join(f"{m} {v:+g}" for m, v in p["shift"].items())
            flag = f"  HYPOTHETICAL: {p['hypothetical']}" if p.get("hypothetical") else ""
            extra = ", ".join(f"{k} {p[k]:g}" for k in ("troops", "aircraft", "warships",
                                                        "deployable_share") if p.get(k) is not None)
            span = (f" from {p['start'] or 'the start'} to {p['until'] or 'the horizon'}"
                    if p.get("start") or p.get("until") else "")
            out.append(f"  {code}: {shift}{'; ' + extra if extra else ''}{span}  "
                       f"[{p['set_in']}]  {p['note']}{flag}")
            if p["facts"]:
                out.append(f"      facts: {'; '.join(_cite(c) for c in p['facts'])}")
    if d["events"]:
        out.append("\ntimeline:")
        for e in d["events"]:
            changes = ", ".join([*(f"{k} = {v:g}" for k, v in e["set"].items()),
                                 *([f"design {e['design']}"] if e["design"] else []),
                                 *(f"position of {c}" for c in e["positions"])])
            if e["hypothetical"]:
                changes += f"; HYPOTHETICAL: {e['hypothetical']}"
            out.append(f"  month {e['month']}: {e['note']}  ({changes})")
            if e["facts"]:
                out.append(f"      facts: {'; '.join(_cite(c) for c in e['facts'])}")
    out.append("\nparameters (value [unit]; evidence grade; where set; facts and articles):")
    for p in d["parameters"]:
        mark = "" if p["value"] == p["default"] else f"  (default {p['default']:g})"
        out.append(f"  {p['path']} = {p['value']:g} [{p['unit']}] ({p['grade']}){mark}"
                   f"  <- {p['set_in']}")
        for e in p["events"]:
            out.append(f"      from month {e['month']}: {e['value']:g} (event)")
        out.append(f"      {p['doc']}")
        out.append(f"      facts: {'; '.join(_cite(c) for c in p['facts'])}")
    return "\n".join(out)


def explain_parameter(path: str) -> dict[str, Any]:
    """One parameter: its default, range, unit, evidence grade, meaning and sources."""
    from sim.model.parameters import PARAM_INFO

    info = PARAM_INFO[path]
    return {"path": path, "default": info.default, "range": [info.lo, info.hi],
            "unit": info.unit, "grade": info.grade, "doc": info.doc,
            "facts": [_citation(f) for f in info.facts]}


def render_parameter(d: dict[str, Any]) -> str:
    """Plain-text rendering of :func:`explain_parameter`."""
    return "\n".join([
        f"{d['path']} = {d['default']:g} [{d['unit']}] (default; range {d['range'][0]:g} to "
        f"{d['range'][1]:g}; evidence: {d['grade']})",
        f"  {d['doc']}",
        *(f"  {_cite(c)}: {c['paraphrase']}" for c in d["facts"]),
    ])


def handle(args: argparse.Namespace) -> int:
    from sim.model.parameters import PARAM_INFO, path_problem

    target, parameter = args.scenario, args.parameter
    if parameter is None and target in PARAM_INFO:
        d = explain_parameter(target)
        print(json.dumps(d, indent=2) if args.json else render_parameter(d))
        return 0
    if parameter is not None:
        problem = path_problem(parameter)
        if problem is not None:
            fail(f"{parameter}: {problem.problem}"
                 + (f" (did you mean {problem.suggestion!r}?)" if problem.suggestion else ""))
    d = explain(target, changed=args.changed, only=parameter or args.only)
    if parameter is not None:
        d["parameters"] = [p for p in d["parameters"] if p["path"] == parameter]
    print(json.dumps(d, indent=2) if args.json else render(d))
    return 0
