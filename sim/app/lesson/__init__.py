"""The offline lesson page: one HTML file that replays runs the engine computed in advance.

``coalition-sim lesson export --out lesson.html`` runs the batch engine over a small grid of
the page's controls (US backstop, sanctions, peer influence, force design) for the classroom
worlds (``sim.app.lesson.grid``) and writes a self-contained page (``sim.app.lesson.page``):
data, script and styles inline, no server, no network. The rules stay in Python: the page only
shows the numbers and sentences computed here, and says so.
"""
