"""Every file in tests/bad_scenarios/ is refused with a located, worded message.

The first line of each file states what its message must contain:
``# expect: line=N key=dotted.key message="..." suggestion=... expected="..." found=...``
"""

from __future__ import annotations

import shlex
import subprocess
import sys
from pathlib import Path

import pytest

from sim.cli.validate import validate_one
from sim.scenario.errors import ScenarioError
from sim.scenario.loader import clear_cache, load_scenario

BAD = Path(__file__).parent / "bad_scenarios"
FILES = sorted(BAD.glob("*.yaml"))


def expectations(path: Path) -> dict[str, str]:
    first = path.read_text(encoding="utf-8").splitlines()[0]
    assert first.startswith("# expect:"), f"{path.name} lacks its '# expect:' line"
    return dict(part.split("=", 1) for part in shlex.split(first[len("# expect:"):]))


def test_at_least_thirty_bad_files():
    assert len(FILES) >= 30


@pytest.mark.slow
@pytest.mark.parametrize("path", FILES, ids=[p.stem for p in FILES])
def test_bad_scenario_message(path: Path):
    exp = expectations(path)
    clear_cache()
    with pytest.raises(ScenarioError) as info:
        load_scenario(path)
    err = info.value
    issue = err.issues[0]
    assert Path(issue.file).name == exp.get("file", path.name), str(err)
    assert issue.line == int(exp["line"]), str(err)
    if "key" in exp:
        assert issue.key == exp["key"], str(err)
    assert exp["message"] in issue.message, str(err)
    if "suggestion" in exp:
        assert issue.suggestion == exp["suggestion"], str(err)
        assert f"did you mean {exp['suggestion']!r}?" in str(err)
    if "expected" in exp:
        assert exp["expected"] in (issue.expected or ""), str(err)
    if "found" in exp:
        assert exp["found"] in (issue.found or ""), str(err)
    # the text shown to the user starts with file:line: key
    head = f"{issue.file}:{issue.line}: " + (f"{issue.key}: " if issue.key else "")
    assert str(err).startswith(head)


@pytest.mark.parametrize("path", FILES, ids=[p.stem for p in FILES])
def test_validate_function_reports_without_raising(path: Path):
    issues = validate_one(path)
    assert issues and all(i.message for i in issues)


@pytest.mark.parametrize("name", ["misspelt-param", "python-object-tag", "alias-bomb",
                                  "cycle-a", "unknown-country"])
def test_validate_command_exit_2_without_traceback(name: str):
    path = BAD / f"{name}.yaml"
    exp = expectations(path)
    proc = subprocess.run([sys.executable, "-m", "sim.cli", "validate", str(path)],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr
    assert f":{exp['line']}: " in proc.stderr
    assert exp["message"] in proc.stderr


def test_python_tag_is_never_executed(tmp_path: Path):
    marker = tmp_path / "pwned"
    f = tmp_path / "evil.yaml"
    f.write_text(f"name: evil\ndescription: !!python/object/apply:os.system "
                 f"['touch {marker}']\n")
    with pytest.raises(ScenarioError, match="YAML tag not allowed"):
        load_scenario(f)
    assert not marker.exists()


def test_too_many_aliases_refused(tmp_path: Path):
    f = tmp_path / "aliases.yaml"
    refs = ", ".join(["*x"] * 150)
    f.write_text(f"name: aliases\ndescription: d\nfacts: &x [modelling]\nextra: [{refs}]\n")
    with pytest.raises(ScenarioError, match="too many YAML aliases") as info:
        load_scenario(f)
    assert info.value.line == 4


def test_recursive_alias_refused(tmp_path: Path):
    f = tmp_path / "loop.yaml"
    f.write_text("name: loop\ndescription: d\nfacts: &a [*a]\n")
    with pytest.raises(ScenarioError, match="recursive YAML alias"):
        load_scenario(f)


def test_all_problems_reported_together(tmp_path: Path):
    f = tmp_path / "many.yaml"
    f.write_text("name: many\ndescription: d\nhorizn: 3\nparameters:\n  us.follow_through: 2\n"
                 "  sanctions.eu: .nan\n")
    with pytest.raises(ScenarioError) as info:
        load_scenario(f)
    assert [(i.line, i.key) for i in info.value.issues] == [
        (3, "horizn"), (5, "parameters.us.follow_through"), (6, "parameters.sanctions.eu")]


def test_unknown_scenario_name_suggests():
    with pytest.raises(ScenarioError) as info:
        load_scenario("sep-2025-pari")
    assert info.value.suggestion == "sep-2025-paris"


@pytest.mark.parametrize("content, message", [
    (b"\xff\xfe\x00bad", "file is not UTF-8 text"),
    (b"", "empty scenario file"),
    (b"# just a comment\n", "empty scenario file"),
    (b"name: x\ndescription: d\nx: " + b"[" * 5000 + b"]" * 5000, "nested too deeply"),
    (b"name: x\ndescription: d\nseed: 99999999999999999999999\n", "number too large"),
])
def test_unreadable_files_are_refused(tmp_path: Path, content: bytes, message: str):
    f = tmp_path / "x.yaml"
    f.write_bytes(content)
    with pytest.raises(ScenarioError, match=message) as info:
        load_scenario(f)
    assert info.value.file.endswith("x.yaml")
