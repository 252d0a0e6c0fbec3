"""The default family's catalogue: where data is born, the class mix, the kinds of job and their shapes.

Plain data, no drawing: :mod:`.portfolio` draws datasets, shapes and jobs from these proportions
(the package docstring states them in words).
"""

from __future__ import annotations

from dataclasses import dataclass

EAST_ORIGINS = {"bth": 0.35, "yrd": 0.40, "gba": 0.25}
EAST_SHARE = 0.8
CLASS_MIX = {"public": 0.55, "personal-info": 0.25, "origin-only": 0.10, "gov-north": 0.10}
GOV_ORIGINS = {"bth": 0.8, "imo": 0.2}
SIZE_MEDIAN_TB, SIZE_SIGMA, SIZE_MIN_TB, SIZE_MAX_TB = 25.0, 1.9, 1.0, 5000.0
KIND_SHARE = {"ft": 0.80, "mid": 0.17, "pt": 0.03}
N_SHAPES = {"ft": 160, "mid": 48, "pt": 16}
SERVING_SETS: list[tuple[str, ...]] = [
    (),
    ("bth",),
    ("yrd",),
    ("gba",),
    ("bth", "yrd"),
    ("yrd", "gba"),
    ("bth", "gba"),
    ("bth", "yrd", "gba"),
]
PURPOSES = (
    "chat",
    "code",
    "search",
    "ads",
    "speech",
    "vision",
    "safety",
    "embedding",
    "summarise",
    "translate",
    "rerank",
    "agent",
    "math",
    "recsys",
    "forecast",
    "ocr",
)
TOPICS = (
    "web text",
    "code",
    "short video",
    "speech",
    "images",
    "clickstream",
    "transactions",
    "telemetry",
    "documents",
    "imaging",
    "maps",
    "dialogue",
    "news",
    "satellite",
    "trips",
    "reviews",
)


@dataclass(frozen=True)
class KindSpec:
    """How shapes and campaigns of one kind of job are drawn."""

    counts: tuple[int, ...]
    count_p: tuple[float, ...]
    runtime_h: tuple[float, float]
    log_runtime: bool
    artifact_tb: tuple[float, float]
    accel_p: dict[str, float]
    serving_p: tuple[float, ...]
    must_place: float
    repeat_p: float
    repeat_range: tuple[int, int]
    label: str


KINDS: dict[str, KindSpec] = {
    "ft": KindSpec(
        counts=(8, 16, 32, 64, 128, 256),
        count_p=(0.22, 0.22, 0.20, 0.16, 0.12, 0.08),
        runtime_h=(2.0, 72.0),
        log_runtime=True,
        artifact_tb=(0.01, 0.5),
        accel_p={"h800": 0.30, "h20": 0.30, "ascend-910b": 0.30, "ascend-910c": 0.10},
        serving_p=(0.10, 0.20, 0.25, 0.15, 0.10, 0.08, 0.04, 0.08),
        must_place=0.01,
        repeat_p=0.12,
        repeat_range=(5, 50),
        label="fine-tune",
    ),
    "mid": KindSpec(
        counts=(512, 768, 1024),
        count_p=(0.45, 0.25, 0.30),
        runtime_h=(48.0, 240.0),
        log_runtime=True,
        artifact_tb=(0.5, 3.0),
        accel_p={"h800": 0.35, "h20": 0.15, "ascend-910b": 0.30, "ascend-910c": 0.20},
        serving_p=(0.25, 0.15, 0.20, 0.10, 0.10, 0.08, 0.04, 0.08),
        must_place=0.05,
        repeat_p=0.20,
        repeat_range=(2, 8),
        label="mid-size run",
    ),
    "pt": KindSpec(
        counts=(2048, 4096, 8192),
        count_p=(0.45, 0.40, 0.15),
        runtime_h=(240.0, 700.0),
        log_runtime=False,
        artifact_tb=(4.0, 20.0),
        accel_p={"h800": 0.40, "ascend-910b": 0.40, "ascend-910c": 0.20},
        serving_p=(0.15, 0.10, 0.10, 0.05, 0.15, 0.10, 0.05, 0.30),
        must_place=0.35,
        repeat_p=0.0,
        repeat_range=(1, 1),
        label="pre-training",
    ),
}
