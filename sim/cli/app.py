"""``coalition-sim app [SCENARIO]``: the classroom web app (Solara + Mesa), on 127.0.0.1.

The web server runs in this process (uvicorn serving Solara's Starlette app), on a socket this
command binds itself before it says anything: a port that is taken is reported at once (exit
2) and no address is printed that is not served. There is no server child that could outlive
the command. Requests whose Host header is not 127.0.0.1 or localhost are refused (a web page
elsewhere cannot reach the app through DNS rebinding), and so are requests and WebSocket
upgrades whose Origin is another site or ``null`` (a page the teacher has open elsewhere
cannot open the app's WebSocket: no cross-site WebSocket hijacking).
"""

from __future__ import annotations

import argparse
import contextlib
import errno
import os
import re
import socket
import subprocess
import sys
import threading
import warnings
import webbrowser
from collections.abc import Awaitable, Callable, MutableMapping
from pathlib import Path
from typing import Any

from sim.cli.common import (
    add_command,
    add_posterior_option,
    fail,
    info,
    load_posterior,
    posterior_wanted,
    warn,
)

HOST = "127.0.0.1"
DEFAULT_PORT = 8765
APP_FILE = Path(__file__).resolve().parent.parent / "app" / "app.py"
LOOPBACK_NAMES = frozenset({"127.0.0.1", "localhost", "[::1]", "::1"})
"""Host header values (without the port) the server answers; anything else is refused."""

Scope = MutableMapping[str, Any]
ASGIApp = Callable[[Scope, Callable[[], Awaitable[Any]], Callable[[Any], Awaitable[None]]],
                   Awaitable[None]]


def register(subparsers: Any) -> None:
    p = add_command(
        subparsers, "app", help="start the classroom web app on this machine",
        description="""
        Start the classroom web app on 127.0.0.1 and print its address once it answers.
        It needs no internet: the page's assets come from the installed solara-assets
        package. Pick a scenario, press Step or Play; move a slider (US backstop, sanctions,
        peer influence, thresholds, seed) or pick a force design and press Reset to start
        again with it.
        Each run of a real-world scenario draws the parameters the 2025 record leaves
        uncertain from the shipped posterior (or --posterior DIR) by its seed (the page says
        which draw); a slider you move keeps its value. --fixed-parameters draws nothing.
        The classroom worlds (classroom-five*) never draw: they are pinned.
        Stop it with Ctrl+C. A port that is taken is an error (exit 2).""",
        examples=["coalition-sim app", "coalition-sim app classroom-five",
                  "coalition-sim app hague-2025-intel-only --port 8800 --no-open",
                  "coalition-sim app classroom-five --port 0   # any free port",
                  "coalition-sim app sep-2025-paris --fixed-parameters",
                  "coalition-sim app my-scenarios/what-if.yaml"])
    p.add_argument("scenario", nargs="?", default=None, metavar="SCENARIO",
                   help="scenario name (in scenarios/) or YAML file to open with "
                        "(default: sep-2025-paris)")
    p.add_argument("--port", type=int, default=None, metavar="N",
                   help=f"port on {HOST}; 0 lets the system pick a free one "
                        f"(default: the first free one from {DEFAULT_PORT})")
    p.add_argument("--no-open", action="store_true", help="do not open a web browser")
    add_posterior_option(p, then="seeds 2k and 2k+1 share a draw")
    p.set_defaults(func=handle)


# --------------------------------------------------------------------------- the socket


def bind(port: int) -> socket.socket:
    """A listening socket on 127.0.0.1:port (port 0: a free one); OSError if it is taken."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        if os.name != "nt":  # lets a restart reuse a port in TIME_WAIT, never a listening one
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((HOST, port))
        sock.listen(128)
    except OSError:
        sock.close()
        raise
    sock.set_inheritable(False)
    return sock


def open_socket(requested: int | None) -> socket.socket:
    """The server's listening socket: on the requested port, or the first free one from
    DEFAULT_PORT. A taken or impossible port stops the command (exit 2)."""
    if requested is not None:
        if not 0 <= requested <= 65535:
            fail(f"--port: expected a number from 0 to 65535 (0: any free port), found {requested}")
        try:
            return bind(requested)
        except OSError as exc:
            if exc.errno == errno.EADDRINUSE:
                fail(f"--port {requested}: port {requested} on {HOST} is already in use "
                     "(another app?); pick another port, or --port 0 for any free one")
            fail(f"--port {requested}: cannot listen on {HOST}:{requested} ({exc.strerror})")
    for port in range(DEFAULT_PORT, DEFAULT_PORT + 100):
        with contextlib.suppress(OSError):
            return bind(port)
    fail(f"no free port on {HOST} from {DEFAULT_PORT} to {DEFAULT_PORT + 99}; "
         "pass --port N, or --port 0 for any free one")


def choose_port(requested: int | None) -> int:
    """The port ``open_socket`` would use (the socket is closed again)."""
    sock = open_socket(requested)
    try:
        return sock.getsockname()[1]
    finally:
        sock.close()


# --------------------------------------------------------------------------- the server


def host_of(scope: Scope) -> str:
    """The Host header of an ASGI request, without its port, lower case ('' if none)."""
    raw = (header(scope, b"host") or "").lower()
    if raw.startswith("["):  # [::1]:8765
        return raw.split("]", 1)[0] + "]"
    return raw.rsplit(":", 1)[0] if raw.count(":") == 1 else raw


def header(scope: Scope, name: bytes) -> str | None:
    """The value of header ``name`` (lower case) of an ASGI request, or None."""
    for key, value in scope.get("headers") or ():
        if key.lower() == name:
            return value.decode("latin-1").strip()
    return None


def origin_allowed(scope: Scope) -> bool:
    """Whether the request's Origin (if it sends one) is this app itself: http, a loopback
    name and the port the server listens on. ``null`` and any other site are refused; a
    request without Origin (not sent by a browser for a page of another site) passes."""
    origin = header(scope, b"origin")
    if origin is None:
        return True
    from urllib.parse import urlsplit

    try:
        u = urlsplit(origin.lower())
        port = u.port or 80
    except ValueError:
        return False
    name = f"[{u.hostname}]" if u.hostname and ":" in u.hostname else u.hostname
    server = scope.get("server") or (None, None)
    return (u.scheme == "http" and name in LOOPBACK_NAMES and not u.path.strip("/")
            and (server[1] is None or port == server[1]))


def loopback_only(app: ASGIApp) -> ASGIApp:
    """``app`` answering only requests whose Host is 127.0.0.1 or localhost (any port) and
    whose Origin, if any, is the app itself (:func:`origin_allowed`).

    Others get 400 (HTTP) or a refused handshake (WebSocket, 403): a page on another site that
    resolves its own name to 127.0.0.1 (DNS rebinding) or opens a WebSocket to the app
    (cross-site WebSocket hijacking) cannot read or drive it.
    """

    async def guarded(scope: Scope, receive, send) -> None:
        if scope["type"] not in ("http", "websocket") or (
                host_of(scope) in LOOPBACK_NAMES and origin_allowed(scope)):
            await app(scope, receive, send)
            return
        if scope["type"] == "websocket":
            await receive()  # websocket.connect
            await send({"type": "websocket.close", "code": 1008})
            return
        body = b"Refused: this app answers only http://127.0.0.1 or http://localhost\n"
        await send({"type": "http.response.start", "status": 400,
                    "headers": [(b"content-type", b"text/plain; charset=utf-8"),
                                (b"content-length", str(len(body)).encode())]})
        await send({"type": "http.response.body", "body": body})

    return guarded


def configure_solara(scenario: str, posterior: str | None = None) -> None:
    """Environment and settings for Solara, before it is imported: the app file, production
    mode, no telemetry, no "runs on Solara" badge, the scenario to open with and the
    posterior runs draw from (None: none, whatever the environment said)."""
    from sim.app.session import ENV_POSTERIOR, ENV_SCENARIO

    os.environ[ENV_SCENARIO] = scenario
    if posterior is None:
        os.environ.pop(ENV_POSTERIOR, None)
    else:
        os.environ[ENV_POSTERIOR] = posterior
    os.environ["SOLARA_APP"] = str(APP_FILE)
    os.environ["SOLARA_MODE"] = "production"
    os.environ["SOLARA_TELEMETRY_MIXPANEL_ENABLE"] = "False"
    os.environ["SOLARA_THEME_SHOW_BANNER"] = "False"  # the "runs on Solara" badge covered the log


def make_server(sock: socket.socket, on_started: Callable[[], None]):
    """A uvicorn server for the app on ``sock``; ``on_started`` runs once it accepts requests."""
    import uvicorn

    # Solara warns at each new session that samesite=none cookies need https: this server is
    # plain http on 127.0.0.1 and Solara falls back to samesite=lax, which is right here.
    warnings.filterwarnings("ignore", message="Cookies with samesite=none require https")
    host, port = sock.getsockname()[:2]
    os.environ["SERVER_NAME"], os.environ["SERVER_PORT"] = host, str(port)
    import solara.server.settings as solara_settings
    from solara.server.starlette import app as solara_app

    solara_settings.main.mode = "production"
    solara_settings.theme.show_banner = False

    class Server(uvicorn.Server):
        async def startup(self, sockets=None) -> None:
            await super().startup(sockets=sockets)
            if self.started:
                on_started()

    config = uvicorn.Config(loopback_only(solara_app), log_level="warning", access_log=False,
                            loop="asyncio", lifespan="on",
                            timeout_graceful_shutdown=3)
    return Server(config)


def handle(args: argparse.Namespace) -> int:
    from sim.engine.mesa_model import DEFAULT_SCENARIO
    from sim.scenario import load_scenario

    scenario = args.scenario or DEFAULT_SCENARIO
    load_scenario(scenario)  # a bad scenario stops here with its file, line and key (exit 2)
    if Path(scenario).suffix:
        scenario = str(Path(scenario).resolve())
    wanted = posterior_wanted(args)
    posterior = load_posterior(wanted)  # a bad folder stops here (exit 2)
    where = None if posterior is None else (
        "default" if wanted == "default" else str(posterior.folder.resolve()))
    sock = open_socket(args.port)  # a taken port stops here (exit 2), before any address
    port = sock.getsockname()[1]
    url = f"http://{HOST}:{port}/"
    cdn = Path(sys.prefix) / "share" / "solara" / "cdn"
    if not cdn.is_dir():
        warn(f"{cdn} is missing: without the solara-assets package the page needs internet")
    configure_solara(scenario, where)
    from sim.app.session import pinned

    drawing = ("; fixed parameters" if where is None else
               "; a classroom world: parameters pinned" if pinned(scenario) else
               f"; parameters drawn from {where}")

    def started() -> None:
        print(f"Classroom app: {url}  (scenario {args.scenario or DEFAULT_SCENARIO}"
              f"{drawing}; Ctrl+C to stop)", flush=True)
        if not args.no_open:
            threading.Thread(target=_open, args=(url,), daemon=True).start()

    server = make_server(sock, started)
    try:
        server.run(sockets=[sock])
    except KeyboardInterrupt:
        pass
    finally:
        sock.close()
    info("app stopped")
    return 0


def _open(url: str) -> None:
    with contextlib.suppress(Exception):
        webbrowser.open(url)


ADDRESS = re.compile(r"http://127\.0\.0\.1:\d+/?")
"""The address ``coalition-sim app`` prints once it serves."""


def start_process(*args: str, cwd: str | Path | None = None,
                  timeout: float = 120.0) -> tuple[subprocess.Popen, str]:
    """Start ``coalition-sim app ARGS --no-open`` in a process of its own and wait for the
    address it prints once it serves (for tests and benchmarks). Returns the process and the
    address (without a trailing slash); RuntimeError, with the process killed and its stderr
    in the message, if no address comes within ``timeout`` seconds."""
    proc = subprocess.Popen([sys.executable, "-m", "sim.cli", "app", *args, "--no-open"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=cwd)
    found: list[str] = []

    def read() -> None:
        assert proc.stdout is not None
        for line in proc.stdout:
            m = ADDRESS.search(line)
            if m:
                found.append(m.group(0).rstrip("/"))
                return

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    reader.join(timeout=timeout)
    if not found:
        proc.kill()
        err = proc.stderr.read()[-2000:] if proc.stderr else ""
        raise RuntimeError(f"coalition-sim app printed no address (exit code {proc.poll()}): "
                           f"{err}")
    return proc, found[0]
