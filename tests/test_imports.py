"""Imports on demand: `import sim` and `coalition-sim --help` load none of the heavy libraries
or the analyses they do not use."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

HEAVY = ("scipy", "matplotlib", "pandas", "pyarrow", "SALib", "pyabc", "ema_workbench",
         "sim.analysis.sweep", "sim.analysis.sensitivity", "sim.analysis.calibration",
         "sim.api", "sim.engine.batch")


def loaded_after(code: str) -> set[str]:
    probe = (f"import sys, json\n{code}\n"
             "print(json.dumps(sorted(sys.modules)))")
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                         check=True).stdout
    return set(json.loads(out.splitlines()[-1]))


@pytest.mark.parametrize("code", [
    "import sim",
    "from sim.cli import main\ntry:\n    main(['--help'])\nexcept SystemExit:\n    pass",
], ids=["import-sim", "help"])
def test_nothing_heavy_is_imported(code: str):
    loaded = loaded_after(code)
    heavy = sorted(m for m in loaded if any(m == h or m.startswith(h + ".") for h in HEAVY))
    assert heavy == [], f"imported on a path that does not use them: {heavy}"


def test_the_api_loads_on_first_use():
    assert "sim.api" in loaded_after("import sim\nsim.load")


def test_a_silent_progress_bar_imports_no_tqdm():
    loaded = loaded_after("from sim.util.progress import progress\n"
                          "with progress(10, enabled=False) as bar:\n"
                          "    bar.update(3)\n"
                          "    bar.update(4)\n"
                          "assert bar.n == 7, bar.n")
    assert not any(m == "tqdm" or m.startswith("tqdm.") for m in loaded)
    assert "tqdm.auto" in loaded_after("from sim.util.progress import progress\n"
                                       "progress(10, enabled=True).close()")


def test_imports_run_without_the_garbage_collector_and_are_frozen(tmp_path, monkeypatch):
    import gc

    from sim.util.startup import imports_without_gc

    (tmp_path / "fresh_module_for_the_gc_test.py").write_text("DATA = [[i] for i in range(100)]\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    assert gc.isenabled()
    frozen = gc.get_freeze_count()
    try:
        with imports_without_gc():
            assert not gc.isenabled()
            with imports_without_gc():  # nested: the outer block resumes it
                pass
            assert not gc.isenabled()
            import fresh_module_for_the_gc_test  # noqa: F401
        assert gc.isenabled()
        assert gc.get_freeze_count() > frozen  # what was imported is out of the collector's sight
        frozen = gc.get_freeze_count()
        with imports_without_gc():  # nothing new imported: nothing frozen
            pass
        assert gc.isenabled() and gc.get_freeze_count() == frozen
    finally:
        gc.unfreeze()
        gc.enable()
        sys.modules.pop("fresh_module_for_the_gc_test", None)


@pytest.mark.parametrize(("given", "numpy_first", "expected"), [
    (None, False, "1"), ("3", False, "3"), (None, True, "None")])
def test_the_command_line_asks_for_one_blas_thread_unless_told(given, numpy_first, expected):
    import os

    env = {k: v for k, v in os.environ.items() if k != "OPENBLAS_NUM_THREADS"}
    if given:
        env["OPENBLAS_NUM_THREADS"] = given
    code = ("import numpy\n" if numpy_first else "") + (
        "import os\nfrom sim.util.startup import one_blas_thread\none_blas_thread()\n"
        "print(os.environ.get('OPENBLAS_NUM_THREADS'))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True, env=env).stdout
    assert out.strip() == expected


def test_a_command_imports_only_its_own_command_module():
    """`coalition-sim run ...` builds the parser of sim/cli/run.py alone; a command whose
    module has another name (`list`, in listing.py) or none gets every command."""
    probe = ("from sim.cli import _parser_for\n"
             "p = _parser_for(['--debug', 'run', 'x.yaml', '--out', 'o'], False)\n"
             "assert p.commands == {'run'}, p.commands\n"
             "assert p.parse_args(['run', 'x.yaml']).scenario == 'x.yaml'\n"
             "assert 'list' in _parser_for(['list'], False).commands")
    loaded = loaded_after(probe.split("\nassert 'list'")[0])
    others = sorted(m for m in loaded if m.startswith("sim.cli.")
                    and m not in ("sim.cli.run", "sim.cli.common"))
    assert others == []
    loaded_after(probe)  # the assertions hold
