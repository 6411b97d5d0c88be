"""``coalition-sim app [SCENARIO]``: the classroom web app (Mesa SolaraViz), on 127.0.0.1."""

from __future__ import annotations

import argparse
import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import webbrowser
from pathlib import Path
from typing import Any

from sim.cli.common import add_command, fail, info, warn

HOST = "127.0.0.1"
DEFAULT_PORT = 8765
APP_FILE = Path(__file__).resolve().parent.parent / "app" / "app.py"


def register(subparsers: Any) -> None:
    p = add_command(
        subparsers, "app", help="start the classroom web app on this machine",
        description="""
        Start the classroom web app (Mesa SolaraViz) on 127.0.0.1 and print its address.
        It needs no internet: the page's assets come from the installed solara-assets
        package. Pick a scenario, move the sliders (US backstop, sanctions, peer influence,
        thresholds, seed), press Reset, then Step or Play. Stop it with Ctrl+C.""",
        examples=["coalition-sim app", "coalition-sim app classroom-five",
                  "coalition-sim app hague-2025-intel-only --port 8800 --no-open",
                  "coalition-sim app my-scenarios/what-if.yaml"])
    p.add_argument("scenario", nargs="?", default=None, metavar="SCENARIO",
                   help="scenario name (in scenarios/) or YAML file to open with "
                        "(default: sep-2025-paris)")
    p.add_argument("--port", type=int, default=None, metavar="N",
                   help=f"port on 127.0.0.1 (default: the first free one from {DEFAULT_PORT})")
    p.add_argument("--no-open", action="store_true", help="do not open a web browser")
    p.set_defaults(func=handle)


def port_free(port: int) -> bool:
    """True if nothing listens on 127.0.0.1:port."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        try:
            s.bind((HOST, port))
        except OSError:
            return False
    return True


def choose_port(requested: int | None) -> int:
    """The requested port (must be free) or the first free one from DEFAULT_PORT."""
    if requested is not None:
        if not 1 <= requested <= 65535:
            fail(f"--port: expected a number from 1 to 65535, found {requested}")
        if not port_free(requested):
            fail(f"--port {requested}: something already listens on {HOST}:{requested}; "
                 "pick another port")
        return requested
    for port in range(DEFAULT_PORT, DEFAULT_PORT + 100):
        if port_free(port):
            return port
    fail(f"no free port on {HOST} from {DEFAULT_PORT} to {DEFAULT_PORT + 99}; pass --port")
    raise AssertionError  # unreachable


def solara_command(port: int) -> list[str]:
    """The ``solara run`` command line for the app on 127.0.0.1:port."""
    exe = Path(sys.executable).parent / "solara"
    solara = str(exe) if exe.exists() else shutil.which("solara")
    if solara is None:
        raise RuntimeError("the 'solara' command is missing: install the app extra "
                           "(pip install -e '.[app]')")
    return [solara, "run", str(APP_FILE), "--host", HOST, "--port", str(port), "--no-open",
            "--production", "--no-check-version"]


def app_environment(scenario: str) -> dict[str, str]:
    """The server's environment: the scenario to open with, telemetry off."""
    from sim.app.session import ENV_SCENARIO

    env = dict(os.environ)
    env[ENV_SCENARIO] = scenario
    env["SOLARA_TELEMETRY_MIXPANEL_ENABLE"] = "False"
    return env


def wait_until_listening(port: int, proc: subprocess.Popen, timeout: float = 60.0) -> bool:
    """True once 127.0.0.1:port accepts connections; False if the server died or timed out."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            return False
        with contextlib.suppress(OSError), socket.create_connection((HOST, port), timeout=0.5):
            return True
        time.sleep(0.2)
    return False


def handle(args: argparse.Namespace) -> int:
    from sim.model import DEFAULT_SCENARIO
    from sim.scenario import load_scenario

    scenario = args.scenario or DEFAULT_SCENARIO
    load_scenario(scenario)  # a bad scenario stops here with its file, line and key (exit 2)
    if Path(scenario).suffix:
        scenario = str(Path(scenario).resolve())
    port = choose_port(args.port)
    cdn = Path(sys.prefix) / "share" / "solara" / "cdn"
    if not cdn.is_dir():
        warn(f"{cdn} is missing: without the solara-assets package the page needs internet")
    cmd = solara_command(port)
    url = f"http://{HOST}:{port}/"
    proc = subprocess.Popen(cmd, cwd=APP_FILE.parent, env=app_environment(scenario))
    # A SIGTERM to this command must stop the server too (the finally clause below).
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(128 + signal.SIGTERM))
    try:
        if not wait_until_listening(port, proc):
            code = proc.poll()
            if code is None:
                proc.terminate()
            raise RuntimeError(f"the app server did not start on {url} "
                               f"(exit code {proc.wait()})")
        print(f"Classroom app: {url}  (scenario {args.scenario or DEFAULT_SCENARIO}; "
              "Ctrl+C to stop)", flush=True)
        if not args.no_open:
            with contextlib.suppress(Exception):
                webbrowser.open(url)
        return proc.wait()
    except KeyboardInterrupt:
        info("stopping the app server")
        return 0
    finally:
        if proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
