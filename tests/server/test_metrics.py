from __future__ import annotations

import re

from tryon.server.metrics import FrameStats, Metrics


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_fps_over_the_last_two_seconds() -> None:
    clock = Clock()
    stats = FrameStats(clock)
    for _ in range(90):  # 3 s at 30 fps
        clock.now += 1 / 30
        stats.record_sent()
    assert abs(stats.fps() - 30.0) < 0.5
    clock.now += 5  # nothing sent since: the rate falls to zero
    assert stats.fps() == 0.0


def test_prometheus_text_has_counts_fps_and_stage_quantiles() -> None:
    clock = Clock()
    live = FrameStats(clock)
    live.received, live.processed, live.dropped = 12, 10, 2
    for ms in range(1, 101):
        live.record_stages({"tracking": float(ms)})
    closed = FrameStats(clock)
    closed.received = 5
    metrics = Metrics()
    metrics.sessions_total = 2
    metrics.rejected["server-busy"] += 3
    metrics.session_closed(closed)
    text = metrics.render({"abcd": live}, worker_threads=1)
    values = dict(re.findall(r"^(\S+) (\S+)$", text, re.MULTILINE))
    assert values["tryon_sessions"] == "1"
    assert values["tryon_sessions_total"] == "2"
    assert values['tryon_offers_rejected_total{reason="server-busy"}'] == "3"
    assert values["tryon_frames_received_total"] == "17"  # live plus closed sessions
    assert values["tryon_frames_dropped_total"] == "2"
    assert float(values['tryon_stage_ms{stage="tracking",quantile="0.5"}']) == 50.5
    assert float(values['tryon_stage_ms{stage="tracking",quantile="0.95"}']) > 94
    assert values["tryon_worker_threads"] == "1"
    for name in {key.split("{")[0] for key in values}:
        assert f"# TYPE {name} " in text, f"{name} has no TYPE line"
