"""Where each state sits on the app's map: at its capital, nudged apart so tiles never overlap.

States in Europe are placed at their capitals' coordinates (equirectangular, corrected for
latitude); participants far from Europe (Canada, Japan, Australia, ...) sit in a column
'beyond Europe' at the right. A custom world whose coordinates carry no meaning (all equal,
or repeated) is laid out as a tile grid instead.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

EUROPE_LON = (-30.0, 50.0)
EUROPE_LAT = (30.0, 72.0)
"""Box (degrees) inside which a capital counts as European for the map."""
REF_LAT = 50.0
"""Latitude whose cosine shrinks longitudes (keeps Europe's shape)."""
TILE_W, TILE_H = 4.0, 3.0
"""Tile size on the geographic map (projected degrees)."""
LANDMARKS: tuple[tuple[str, float, float], ...] = (("Ukraine", 50.45, 30.52),
                                                    ("Russia", 55.75, 37.62))
"""Context tiles drawn on a geographic map (Kyiv, Moscow); they are not coalition states."""


@dataclass(frozen=True)
class Placement:
    """Tile centres of the states (and of the context landmarks) in map units."""

    x: np.ndarray  # (S,)
    y: np.ndarray  # (S,)
    width: float
    height: float
    geographic: bool
    far: np.ndarray  # (S,) bool: placed in the 'beyond Europe' column
    landmarks: tuple[tuple[str, float, float], ...] = ()  # (label, x, y)

    def overlaps(self) -> list[tuple[int, int]]:
        """Pairs of tiles that overlap (none after placement); indices past the states are
        the landmarks, in order."""
        xs = np.concatenate([self.x, [m[1] for m in self.landmarks]])
        ys = np.concatenate([self.y, [m[2] for m in self.landmarks]])
        out = []
        for i in range(len(xs)):
            for j in range(i + 1, len(xs)):
                if (abs(xs[i] - xs[j]) < self.width - 1e-9
                        and abs(ys[i] - ys[j]) < self.height - 1e-9):
                    out.append((i, j))
        return out


def coordinates_meaningful(lat: np.ndarray, lon: np.ndarray) -> bool:
    """True if the capitals can place the states: at least two, all distinct, spread out."""
    lat, lon = np.asarray(lat, float), np.asarray(lon, float)
    if len(lat) < 2:
        return False
    pairs = {(round(a, 2), round(b, 2)) for a, b in zip(lat, lon, strict=True)}
    spread = max(np.ptp(lat), np.ptp(lon))
    return len(pairs) == len(lat) and spread > 0.5


def project(lat: np.ndarray, lon: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Equirectangular projection with longitudes shrunk by cos(REF_LAT)."""
    return np.asarray(lon, float) * math.cos(math.radians(REF_LAT)), np.asarray(lat, float)


def grid(n: int) -> Placement:
    """A tile grid, row by row, about 1.5 times as wide as tall."""
    cols = max(1, math.ceil(math.sqrt(n * 1.5)))
    idx = np.arange(n)
    return Placement(x=(idx % cols).astype(float) * 1.15, y=-(idx // cols).astype(float) * 1.15,
                     width=1.0, height=1.0, geographic=False, far=np.zeros(n, bool))


def separate(x: np.ndarray, y: np.ndarray, w: float, h: float, fixed: np.ndarray,
             iterations: int = 2000) -> tuple[np.ndarray, np.ndarray]:
    """Push overlapping tiles apart along their axis of least overlap (deterministic).

    ``fixed`` tiles never move. Returns new arrays; stops as soon as nothing overlaps.
    """
    x, y = x.astype(float).copy(), y.astype(float).copy()
    n = len(x)
    for _ in range(iterations):
        moved = False
        for i in range(n):
            for j in range(i + 1, n):
                dx, dy = x[j] - x[i], y[j] - y[i]
                ox, oy = w - abs(dx), h - abs(dy)
                if ox <= 1e-9 or oy <= 1e-9 or (fixed[i] and fixed[j]):
                    continue
                moved = True
                share_i = 0.0 if fixed[i] else (1.0 if fixed[j] else 0.5)
                share_j = 1.0 - share_i
                if ox / w < oy / h:  # cheaper to separate sideways
                    sign = 1.0 if dx > 0 or (dx == 0 and i < j) else -1.0
                    step = ox + 1e-6
                    x[i] -= sign * step * share_i
                    x[j] += sign * step * share_j
                else:
                    sign = 1.0 if dy > 0 or (dy == 0 and i < j) else -1.0
                    step = oy + 1e-6
                    y[i] -= sign * step * share_i
                    y[j] += sign * step * share_j
        if not moved:
            break
    return x, y


def place_states(lat: np.ndarray, lon: np.ndarray, size: float = 1.0) -> Placement:
    """Tile centres for states with these capitals (see module doc); ``size`` scales the
    tiles of a geographic map (bigger tiles for a small world: they are pushed further apart)."""
    lat, lon = np.asarray(lat, float), np.asarray(lon, float)
    n = len(lat)
    if not coordinates_meaningful(lat, lon):
        return grid(n)
    far = ~((lon >= EUROPE_LON[0]) & (lon <= EUROPE_LON[1])
            & (lat >= EUROPE_LAT[0]) & (lat <= EUROPE_LAT[1]))
    if far.all():  # a world elsewhere: no 'beyond Europe' column, just its own map
        far = np.zeros(n, bool)
    x, y = project(lat, lon)
    near = ~far
    marks = []
    if far.any() or _near_europe(lat[near], lon[near]):
        marks = [(label, *project(np.array([la]), np.array([lo]))) for label, la, lo in LANDMARKS]
    mx = np.array([float(m[1][0]) for m in marks])
    my = np.array([float(m[2][0]) for m in marks])
    # Scale tiles with the spread of the world so a small custom world still fills its map.
    span = max(np.ptp(x[near]) if near.sum() > 1 else 0.0, np.ptp(y[near]) if near.sum() > 1
               else 0.0, 1e-6)
    k = min(1.0, span / 30.0) if not far.any() and not marks else 1.0
    k = max(k, 0.15)
    w, h = TILE_W * k * size, TILE_H * k * size
    if len(mx) > 1:  # big tiles may make the landmarks overlap: move all but the first
        mx, my = separate(mx, my, w * 1.04, h * 1.06, np.arange(len(mx)) == 0)
    all_x = np.concatenate([x[near], mx])
    all_y = np.concatenate([y[near], my])
    fixed = np.concatenate([np.zeros(near.sum(), bool), np.ones(len(marks), bool)])
    sx, sy = separate(all_x, all_y, w * 1.04, h * 1.06, fixed)
    x, y = x.copy(), y.copy()
    x[near], y[near] = sx[: near.sum()], sy[: near.sum()]
    if far.any():
        order = np.argsort(lon[far], kind="stable")
        right = float(np.max(np.concatenate([sx, [0.0]]))) + 2.2 * w
        top = float(np.max(sy))
        fx = np.full(far.sum(), right)
        fy = np.empty(far.sum())
        fy[order] = top - np.arange(far.sum()) * h * 1.35
        x[far], y[far] = fx, fy
    landmarks = tuple((label, float(sx[near.sum() + i]), float(sy[near.sum() + i]))
                      for i, (label, _, _) in enumerate(marks))
    return Placement(x=x, y=y, width=w, height=h, geographic=True, far=far, landmarks=landmarks)


def _near_europe(lat: np.ndarray, lon: np.ndarray) -> bool:
    """True if these capitals lie in the Europe box (then Ukraine and Russia are shown)."""
    return bool(len(lat)) and bool(np.all((lon >= EUROPE_LON[0]) & (lon <= EUROPE_LON[1])
                                          & (lat >= EUROPE_LAT[0]) & (lat <= EUROPE_LAT[1])))
