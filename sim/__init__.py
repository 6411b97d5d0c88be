"""coalition-sim: an agent-based scenario model of the European coalition of the willing.

``import sim`` is cheap; the Python API loads on first use::

    import sim
    result = sim.run("sep-2025-paris", replicates=50)
    comparison = sim.compare()
"""

from __future__ import annotations

from typing import Any

_API = ("load", "with_overrides", "variant", "run", "compare", "RunResult", "Comparison",
        "scenario_hash")


def __getattr__(name: str) -> Any:
    if name == "__version__":
        from sim.util.version import project_version

        return project_version()
    if name in _API:
        from sim import api

        return getattr(api, name)
    raise AttributeError(f"module 'sim' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted([*globals(), "__version__", *_API])


__all__ = ["__version__", *_API]
