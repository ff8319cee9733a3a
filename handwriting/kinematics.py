"""Pen kinematics of the ink synthesiser: when the pen is where along a stroke.

Fourth stage of ``handwriting synth`` (glyphs -> writer habits -> line
geometry -> **kinematics** -> ink). Two models of one pen-down stroke:

- ``bell_samples``: one bell-shaped speed profile over the whole stroke (the
  synthesiser's original model, kept for the ablation);
- ``lognormal_samples``: the sigma-lognormal model of Plamondon's kinematic
  theory. A stroke is cut at its sharp turns into components; component i
  covers D_i of arc with a speed profile D_i * lognormal(t - t0_i; mu_i,
  sigma_i), and the components overlap in time, so the pen slows in turns and
  speeds up on straight runs, as people's pens do.

Either is sampled at the writer's rate. ``add_hooks`` adds the short flicks
digitisers record at pen-down and pen-up.
"""

from __future__ import annotations

import numpy as np
from scipy.special import ndtr

TURN = np.deg2rad(45.0)  # a turn this sharp starts a new lognormal component
TURN_WINDOW = 2.0  # glyph units of arc over which a (rounded) turn is summed


def _arc(polyline: np.ndarray) -> np.ndarray:
    """Cumulative arc length (N,) of ``polyline`` (N, 2)."""
    return np.r_[0.0, np.cumsum(np.hypot(*np.diff(polyline, axis=0).T))]


def _positions(polyline: np.ndarray, arc: np.ndarray, s: np.ndarray) -> np.ndarray:
    """Points at arc lengths ``s`` along ``polyline``."""
    return np.column_stack([np.interp(s, arc, polyline[:, k]) for k in range(2)])


def _sample_times(duration: float, rate: float) -> np.ndarray:
    """Sample times every 1/rate s from 0, ending exactly at ``duration``."""
    times = np.arange(0.0, duration, 1.0 / rate)
    if len(times) > 1 and duration - times[-1] < 0.5 / rate:
        times = times[:-1]  # so close to the end that the end point replaces it
    return np.r_[times, duration]


def bell_samples(polyline: np.ndarray, speed: float, rate: float) -> tuple[np.ndarray, np.ndarray]:
    """Pen positions and times of ``polyline`` drawn with a bell-shaped speed (30-100%)."""
    arc = _arc(polyline)
    if arc[-1] <= 0:
        return polyline[:1], np.zeros(1)
    velocity = speed * (0.3 + 0.7 * np.sin(np.pi * arc / arc[-1]))
    clock = np.r_[0.0, np.cumsum(np.diff(arc) / ((velocity[1:] + velocity[:-1]) / 2))]
    times = _sample_times(clock[-1], rate)
    s = np.interp(times, clock, arc)
    return _positions(polyline, arc, s), times


def components(polyline: np.ndarray) -> np.ndarray:
    """Arc lengths where the stroke's lognormal components meet, ends included.

    A component boundary is a vertex where the heading turns by at least
    ``TURN`` within ``TURN_WINDOW`` of arc (a rounded corner spreads its turn
    over a few points); boundaries are at least ``TURN_WINDOW`` apart and away
    from the ends.
    """
    arc = _arc(polyline)
    if len(polyline) < 3 or arc[-1] <= 0:
        return np.array([0.0, arc[-1]])
    d = np.diff(polyline, axis=0)
    turn = np.abs(np.diff(np.unwrap(np.arctan2(d[:, 1], d[:, 0]))))  # at vertices 1..N-2
    vertex_arc = arc[1:-1]
    near = np.abs(vertex_arc[:, None] - vertex_arc[None, :]) <= TURN_WINDOW
    windowed = near.astype(float) @ turn
    cuts: list[float] = []
    for k in np.argsort(-windowed, kind="stable"):
        a = float(vertex_arc[k])
        if windowed[k] < TURN:
            break
        if min(a, arc[-1] - a) > TURN_WINDOW and all(abs(a - c) > TURN_WINDOW for c in cuts):
            cuts.append(a)
    return np.array([0.0, *sorted(cuts), arc[-1]])


def lognormal_samples(
    polyline: np.ndarray,
    speed: float,
    rate: float,
    sigma: float,
    rng: np.random.Generator,
) -> tuple[np.ndarray, np.ndarray]:
    """Pen positions and times of ``polyline`` under a sigma-lognormal speed profile.

    Component i spans D_i of arc; its median duration is D_i / speed scaled by
    a random factor, and it starts when the previous one is about half done.
    The arc length reached at time t is sum_i D_i * Phi((ln(t - t0_i) - mu_i) / sigma_i).
    """
    arc = _arc(polyline)
    if arc[-1] <= 0:
        return polyline[:1], np.zeros(1)
    bounds = components(polyline)
    lengths = np.diff(bounds)
    sigmas = sigma * rng.uniform(0.8, 1.25, len(lengths))
    durations = np.maximum(lengths / speed, 0.03) * rng.uniform(0.8, 1.3, len(lengths))
    mus = np.log(durations / 2)  # the median of the lognormal is about half the component
    starts = np.r_[0.0, np.cumsum(durations[:-1] * rng.uniform(0.35, 0.65, len(lengths) - 1))]
    end = float(starts[-1] + np.exp(mus[-1] + 3 * sigmas[-1]))
    times = _sample_times(end, rate)
    lag = np.maximum(times[:, None] - starts[None, :], 1e-9)
    reached = (lengths * ndtr((np.log(lag) - mus) / sigmas)).sum(axis=1)
    reached = np.minimum(np.maximum.accumulate(reached), arc[-1])
    reached[-1] = arc[-1]
    # the lognormal tails are long: start one sample before the pen moves, stop once it arrives
    tol = 1e-3 * arc[-1]
    first = max(int(np.argmax(reached > tol)) - 1, 0)
    last = min(int(np.argmax(reached >= arc[-1] - tol)), len(reached) - 1)
    times, reached = times[first : last + 1] - times[first], reached[first : last + 1]
    reached[0], reached[-1] = 0.0, arc[-1]
    return _positions(polyline, arc, reached), times


def add_hooks(
    xy: np.ndarray, times: np.ndarray, length: float, rate: float, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """``xy`` with a short flick of ``length`` (2 samples) before pen-down or after pen-up."""
    if len(xy) < 2 or length <= 0:
        return xy, times
    angle = rng.uniform(0, 2 * np.pi)
    flick = length * np.array([np.cos(angle), np.sin(angle)])
    steps = np.array([[0.5], [1.0]])
    if rng.random() < 0.5:
        tail = xy[-1] + steps * flick
        return np.vstack([xy, tail]), np.r_[times, times[-1] + np.arange(1, 3) / rate]
    head = xy[0] + steps[::-1] * flick
    return np.vstack([head, xy]), np.r_[times[0] - np.arange(2, 0, -1) / rate, times] + 2 / rate
