"""The verifier's check of time: release dates, deadlines, runs within the horizon, the hours of
preemptible jobs and durable replicas held for the whole horizon (the family ``timing``).

:class:`TimingChecks` extends :class:`~eastwest_opt.plan.verify_flows.FlowChecks` and is a base of
the verifier's checker (:mod:`eastwest_opt.plan.verify`).
"""

from __future__ import annotations

from collections import defaultdict

from eastwest_opt.plan.schema import PLAN_SCHEMAS, as_text
from eastwest_opt.plan.verify_flows import FlowChecks, differ, over


class TimingChecks(FlowChecks):
    """The check of the family ``timing``."""

    def check_timing(self) -> None:
        """timing: a placed job starts no earlier than its release period and ends within its
        deadline period and the horizon; one that is not preemptible starts at a period and runs
        its runtime from there; a preemptible one runs its runtime in all, at most a period's hours
        in each period of its window; durable replicas are held for the whole horizon."""
        f = self.f
        rec = self.rec["placements"].set_index("job_id")
        start = dict(zip(self.t["placements"]["job_id"], as_text(self.t["placements"]["start_period"]), strict=True))
        hours: dict[str, list[tuple[int, float]]] = defaultdict(list)
        jp = self.rec["job_periods"]
        for j, p, v in zip(jp["job_id"], jp["period_id"], jp["hours"], strict=True):
            hours[j].append((f.period_pos[p], float(v)))
        for j, _h, _d in self.placed:
            i = int(f.job_index.get_loc(j))
            release, deadline = int(f.release[i]), int(f.deadline[i])
            flexible = bool(f.preemptible[i]) if f.preemptible is not None else False
            runs = sorted(hours.get(j, []))
            if not flexible and (start[j] not in f.period_pos or not runs):
                why = "is no period" if start[j] not in f.period_pos else "runs past the end of the horizon"
                self.fail("timing", "placements.csv", j, "start_period", f"job {j} starts {start[j]!r}, which {why}")
                continue
            first = runs[0][0] if runs else release
            last = runs[-1][0] if runs else release
            if first < release:
                self.fail(
                    "timing",
                    "placements.csv",
                    j,
                    "start_period",
                    f"job {j} runs in {f.periods[first]}, before its release period {f.periods[release]}",
                )
            if last > deadline:
                self.fail(
                    "timing",
                    "placements.csv",
                    j,
                    "end_period",
                    f"job {j} runs until {f.periods[last]}, after its deadline period {f.periods[deadline]}",
                )
            if flexible:
                self._check_flexible(j, runs, float(rec.at[j, "runtime_h"]), start[j])
        r = self.t["replicas"]
        for label, kind, a, b in zip(
            PLAN_SCHEMAS["replicas"].labels(r),
            r["kind"],
            as_text(r["from_period"]),
            as_text(r["to_period"]),
            strict=True,
        ):
            if kind == "durable" and (a, b) != (f.periods[0], f.periods[-1]):
                self.fail(
                    "timing",
                    "replicas.csv",
                    label,
                    "from_period",
                    f"a durable replica is kept for the whole horizon ({f.periods[0]}..{f.periods[-1]}), not {a}..{b}",
                )

    def _check_flexible(self, j: str, runs: list[tuple[int, float]], runtime: float, start: str) -> None:
        """A preemptible job's hours: its runtime in all, at most each period's hours, from its start."""
        f = self.f
        total = sum(v for _p, v in runs)
        if differ(total, runtime, 1e-6):
            self.fail(
                "timing",
                "job_periods.csv",
                j,
                "hours",
                f"preemptible job {j} runs {total:g} h in all, its runtime is {runtime:g} h",
                value=total,
                limit=runtime,
            )
        for p, v in runs:
            if over(v, float(f.hours[p]), 1e-6):
                self.fail(
                    "timing",
                    "job_periods.csv",
                    f"{j} {f.periods[p]}",
                    "hours",
                    f"job {j} runs {v:g} h in {f.periods[p]}, which has {f.hours[p]:g} h",
                    value=v,
                    limit=float(f.hours[p]),
                )
        if runs and start != f.periods[runs[0][0]]:
            self.fail(
                "timing",
                "placements.csv",
                j,
                "start_period",
                f"preemptible job {j} first runs in {f.periods[runs[0][0]]}, not {start!r}",
            )
