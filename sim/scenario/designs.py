"""Force designs: what a reassurance force is, in files of their own (scenarios/designs/).

A design names a mission, sets the ``design.*`` parameters (size by component, distance from
the front, enabler need, lead time, how Russia regards it, support redirected to Ukraine's own
army) and carries its provenance: article facts, or ``hypothetical: true`` with a one-line
reason. A scenario names the design on the table (``design: NAME``); ``compare --designs``
runs every scenario with every design.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from sim.model.parameters import PARAM_INFO
from sim.scenario.errors import Issue, ScenarioError, did_you_mean
from sim.scenario.yaml_safe import read

DESIGNS_DIR = Path(__file__).resolve().parent.parent.parent / "scenarios" / "designs"
"""Where design files live."""
DEFAULT_DESIGN = "rear-reassurance-30k"
"""The design of the articles: about 30,000 troops kept back from the front (003)."""

Mission = Literal["reassurance", "air-sea", "sustain-ukraine", "tripwire", "deterrent"]


class ForceDesign(BaseModel):
    """One reassurance-force design and its provenance."""

    model_config = ConfigDict(extra="forbid", allow_inf_nan=False, strict=True)

    name: str = Field(pattern=r"^[a-z0-9][a-z0-9_-]*$", description="Short id (file stem).")
    label: str = Field(min_length=1, description="Name for tables and figures.")
    description: str = Field(min_length=1, description="What the force is and does.")
    mission: Mission = Field(description="What the force is for.")
    hypothetical: bool = Field(False, description="True when no article describes the design.")
    reason: str = Field("", description="Why a hypothetical design is worth comparing.")
    facts: list[str] = Field(default_factory=list, description="Fact ids it rests on.")
    parameters: dict[str, float] = Field(
        description="design.* parameters (any not given keep their defaults).")

    @model_validator(mode="after")
    def _provenance(self) -> ForceDesign:
        if self.hypothetical and not self.reason.strip():
            raise ValueError("a hypothetical design needs a one-line reason")
        if not self.hypothetical and not self.facts:
            raise ValueError("a design from the articles cites at least one fact "
                             "(or says hypothetical: true with a reason)")
        for path, value in self.parameters.items():
            if not path.startswith("design.") or path not in PARAM_INFO:
                raise ValueError(f"unknown design parameter {path!r}"
                                 + (f" (did you mean {s!r}?)" if (s := did_you_mean(
                                     path, [k for k in PARAM_INFO if k.startswith("design.")]))
                                    else ""))
            info = PARAM_INFO[path]
            if not info.lo <= value <= info.hi:
                raise ValueError(f"{path} must be from {info.lo:g} to {info.hi:g}, found {value:g}")
        return self

    def values(self) -> dict[str, float]:
        """Every design.* parameter: the file's values over the defaults."""
        out = {k: info.default for k, info in PARAM_INFO.items() if k.startswith("design.")}
        out.update(self.parameters)
        return out


def design_names(directory: Path = DESIGNS_DIR) -> list[str]:
    """Names of the design files in ``directory``, sorted."""
    return sorted(p.stem for p in directory.glob("*.yaml"))


@cache
def load_design(name: str, directory: Path = DESIGNS_DIR) -> ForceDesign:
    """The design ``name`` (scenarios/designs/NAME.yaml), validated; ScenarioError if bad."""
    names = design_names(directory)
    if name not in names:
        raise ScenarioError("unknown design", key="design", found=repr(name),
                            expected="one of " + ", ".join(names),
                            suggestion=did_you_mean(name, names))
    path = directory / f"{name}.yaml"
    doc = read(path)
    data = dict(doc.data)
    if isinstance(data.get("parameters"), dict):  # the reader nests dotted keys: flatten them
        data["parameters"] = _dotted(data["parameters"])
    try:
        design = ForceDesign.model_validate(data)
    except ValidationError as exc:
        issues = []
        for err in exc.errors():
            loc = tuple(err["loc"])
            issues.append(Issue(err["msg"], doc.file, doc.lines.get(loc), ".".join(
                str(x) for x in loc) or None))
        raise ScenarioError(issues) from None
    if design.name != name:
        raise ScenarioError("design name differs from its file name", file=doc.file, key="name",
                            expected=repr(name), found=repr(design.name))
    return design


def _dotted(tree: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    out: dict[str, Any] = {}
    for k, v in tree.items():
        if isinstance(v, dict):
            out.update(_dotted(v, f"{prefix}{k}."))
        else:
            out[f"{prefix}{k}"] = v
    return out


def apply_design(data: dict[str, Any]) -> dict[str, Any]:
    """Raw scenario data with its design's values under any design.* it sets itself."""
    name = data.get("design")
    if not isinstance(name, str):
        return data
    values = load_design(name).values()
    params = data.setdefault("parameters", {})
    if not isinstance(params, dict):
        return data
    own = params.get("design")
    own = own if isinstance(own, dict) else {}
    params["design"] = {**{k.split(".", 1)[1]: v for k, v in values.items()}, **own}
    return data
