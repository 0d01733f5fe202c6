"""Counters and rolling timings for ``GET /metrics`` (Prometheus text format 0.0.4).

Everything here is updated on the event loop's thread only; it holds counts and
milliseconds, never anything about a face.
"""

from __future__ import annotations

import time
from collections import Counter, deque
from collections.abc import Callable, Iterable, Mapping, Sequence

import numpy as np

from tryon.server.workers import WorkerStats

__all__ = ["FrameStats", "Metrics"]

_WINDOW = 300
_FPS_SPAN_S = 2.0


class FrameStats:
    """One session's frames: counts, the delivered rate and rolling per-stage milliseconds."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self.received = 0
        self.processed = 0
        self.dropped = 0
        self.sent = 0
        self._sent_at: deque[float] = deque(maxlen=_WINDOW)
        self.stage_ms: dict[str, deque[float]] = {}

    def record_stages(self, timings_ms: Mapping[str, float]) -> None:
        for stage, ms in timings_ms.items():
            self.stage_ms.setdefault(stage, deque(maxlen=_WINDOW)).append(float(ms))

    def record_sent(self) -> None:
        self.sent += 1
        self._sent_at.append(self._clock())

    def fps(self) -> float:
        """Frames handed to the encoder per second over the last two seconds."""
        now = self._clock()
        recent = [t for t in self._sent_at if t >= now - _FPS_SPAN_S]
        if len(recent) < 2:
            return 0.0
        return (len(recent) - 1) / max(recent[-1] - recent[0], 1e-6)


class Metrics:
    """Server-wide counters plus the live sessions' :class:`FrameStats`."""

    def __init__(self) -> None:
        self.sessions_total = 0
        self.rejected: Counter[str] = Counter()
        #: Frame counts of sessions already closed, so totals never go down.
        self._closed: Counter[str] = Counter()

    def session_closed(self, stats: FrameStats) -> None:
        self._closed.update(
            received=stats.received,
            processed=stats.processed,
            dropped=stats.dropped,
            sent=stats.sent,
        )

    def render(
        self,
        live: Mapping[str, FrameStats],
        worker_threads: int,
        workers: Sequence[WorkerStats] = (),
    ) -> str:
        lines: list[str] = []

        def metric(name: str, kind: str, help_: str, samples: Iterable[tuple[str, float]]) -> None:
            lines.append(f"# HELP {name} {help_}")
            lines.append(f"# TYPE {name} {kind}")
            lines.extend(f"{name}{labels} {_num(value)}" for labels, value in samples)

        stats = list(live.values())
        metric("tryon_sessions", "gauge", "Peer connections open now.", [("", len(stats))])
        metric(
            "tryon_sessions_total", "counter", "Sessions ever opened.", [("", self.sessions_total)]
        )
        metric(
            "tryon_offers_rejected_total",
            "counter",
            "Offers turned away, by reason.",
            [(f'{{reason="{code}"}}', n) for code, n in sorted(self.rejected.items())],
        )
        for field, help_ in (
            ("received", "Camera frames received from browsers."),
            ("processed", "Frames that went through the engine."),
            ("dropped", "Stale frames skipped (a newer one arrived before work started)."),
            ("sent", "Frames handed to the video encoder."),
        ):
            total = self._closed[field] + sum(getattr(s, field) for s in stats)
            metric(f"tryon_frames_{field}_total", "counter", help_, [("", total)])
        fps = {sid: s.fps() for sid, s in live.items()}
        metric(
            "tryon_session_fps",
            "gauge",
            "Frames per second delivered back, per session.",
            [(f'{{session="{sid}"}}', v) for sid, v in sorted(fps.items())],
        )
        metric(
            "tryon_fps",
            "gauge",
            "Frames per second delivered, all sessions.",
            [("", sum(fps.values()))],
        )
        merged: dict[str, list[float]] = {}
        for s in stats:
            for stage, values in s.stage_ms.items():
                merged.setdefault(stage, []).extend(values)
        samples: list[tuple[str, float]] = []
        for stage, ms in sorted(merged.items()):
            q50, q95 = np.percentile(ms, [50, 95])
            samples.append((f'{{stage="{stage}",quantile="0.5"}}', float(q50)))
            samples.append((f'{{stage="{stage}",quantile="0.95"}}', float(q95)))
        metric(
            "tryon_stage_ms",
            "summary",
            "Per-frame milliseconds by stage over the recent frames of live sessions.",
            samples,
        )
        metric(
            "tryon_worker_threads", "gauge", "Engine worker threads alive.", [("", worker_threads)]
        )
        if workers:
            for name, help_, value in (
                ("up", "Engine worker process running (1) or not (0).", lambda w: int(w.alive)),
                ("sessions", "Sessions whose engine is on this worker.", lambda w: w.sessions),
                ("restarts_total", "Times the worker was started again.", lambda w: w.restarts),
            ):
                metric(
                    f"tryon_engine_worker_{name}",
                    "counter" if name.endswith("_total") else "gauge",
                    help_,
                    [(f'{{worker="{w.index}"}}', value(w)) for w in workers],
                )
        return "\n".join(lines) + "\n"


def _num(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else f"{value:.3f}"
