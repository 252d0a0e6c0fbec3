"""The terminal summary of a plan, as a planner reads it: :func:`print_plan`, printed by ``solve``.

Cheap to import: it needs rich and the plan, not matplotlib or the report's drawing modules.
"""

from __future__ import annotations

from rich.console import Console
from rich.table import Table

from eastwest_opt.plan.plan import Plan
from eastwest_opt.report.data import horizon_flows
from eastwest_opt.scenario import Scenario

UNPLACED_SHOWN = 10  # unplaced jobs named in the terminal summary; the rest are counted


def _cny(v: float) -> str:
    if abs(v) >= 1e6:
        return f"{v / 1e6:,.2f} M"
    if abs(v) >= 1e3:
        return f"{v / 1e3:,.1f} k"
    return f"{v:,.0f}"


def _qty(v: float, decimals: int = 0) -> str:
    """A figure short enough for a table cell: 832, 7,680, 12.3k, 2.42M."""
    if abs(v) >= 1e6:
        return f"{v / 1e6:.2f}M"
    if abs(v) >= 1e4:
        return f"{v / 1e3:.1f}k"
    return f"{v:,.{decimals}f}"


def _used(used: float, available: float, decimals: int = 0) -> str:
    """``used`` and its share of ``available``: '4.2 27%'."""
    share = f"{100 * used / available:.0f}%" if available > 0 else "-"
    return f"{_qty(used, decimals)} {share}"


def print_plan(scenario: Scenario, plan: Plan, console: Console | None = None) -> None:
    """Print the headline, cost breakdown, hub usage and busiest links of a plan."""
    console = console or Console()
    s = plan.summary()
    status = s["status"]
    verified = "verified" if s["verified"] else "NOT verified"
    gap = f"{100 * s['gap']:.3f}%" if s["gap"] is not None else "n/a"
    bound = _cny(s["bound_cny"]) if s["bound_cny"] is not None else "n/a"
    n_periods = len(scenario.periods)
    span = (
        f"over {n_periods} periods ({scenario.planning_window_hours:,.0f} h)"
        if n_periods > 1
        else f"over a {scenario.planning_window_hours:g} h window"
    )
    console.print(
        f"[bold]{scenario.name}[/bold]: [green]{status}[/green], {verified}. "
        f"Total cost [bold]{_cny(s['objective_cny'])} CNY[/bold] "
        f"(lower bound {bound} CNY, gap {gap}) {span}."
    )
    west = s["west_energy_share"]
    west_text = f"{100 * west:.0f}% of training energy in the western hubs; " if west is not None else ""
    console.print(
        f"{s['jobs_placed']:,} of {s['jobs']:,} jobs placed; {west_text}"
        f"{s['emissions_t']:,.0f} tCO2; {s['transfer_tb']:,.0f} TB moved over the backbone. "
        f"Solved in {s['seconds'].get('total_s', 0):.2f} s."
    )
    console.print(_costs_table(plan))
    # a narrow terminal gets the hub ids (bth, yrd, ...) so that no figure is cut short
    console.print(_hubs_table(scenario, plan, narrow=console.width < 100))
    links = _links_table(plan)
    if links is not None:
        console.print(links)
    unplaced = plan.placements[plan.placements["status"] == "unplaced"]
    if len(unplaced):
        # the costliest first; a long list is cut short (placements.csv has every job)
        shown = unplaced.sort_values("unplaced_penalty_cny", ascending=False, kind="stable").head(UNPLACED_SHOWN)
        names = ", ".join(f"{r.job_id} (penalty {_cny(r.unplaced_penalty_cny)} CNY)" for r in shown.itertuples())
        if len(unplaced) > UNPLACED_SHOWN:
            names += f" and {len(unplaced) - UNPLACED_SHOWN:,} more (status 'unplaced' in placements.csv)"
        console.print(f"[yellow]Unplaced ({len(unplaced):,}):[/yellow] " + names)


def _costs_table(plan: Plan) -> Table:
    """Every cost term of the plan with its share of the total."""
    costs = Table(title="Cost breakdown", title_justify="left")
    costs.add_column("Term")
    costs.add_column("CNY", justify="right")
    costs.add_column("Share", justify="right")
    for row in plan.costs.itertuples(index=False):
        label = row.term.replace("_", " ")
        style = "bold" if row.term == "total" else None
        costs.add_row(label, f"{row.cost_cny:,.0f}", f"{100 * row.share:.1f}%", style=style)
    return costs


def _hubs_table(scenario: Scenario, plan: Plan, *, narrow: bool) -> Table:
    """Per hub: its price, jobs, power, accelerators and storage used (with their shares) and energy cost;
    hubs named by their ids when ``narrow``."""
    hubs = Table(title="Hubs: what each uses and its share of what it has; energy cost in CNY", title_justify="left")
    for col, justify in (
        ("Hub", "left"),
        ("CNY/kWh", "right"),
        ("Jobs", "right"),
        ("Power MW", "right"),
        ("Accel.", "right"),
        ("Storage TB", "right"),
        ("Energy", "right"),
    ):
        hubs.add_column(col, justify=justify, no_wrap=True)  # type: ignore[arg-type]
    price = dict(zip(scenario.hubs["hub_id"], scenario.hubs["price_cny_per_kwh"], strict=True))
    for h in plan.hub_usage.itertuples(index=False):
        side = " (W)" if h.macro_region == "west" else " (E)" if h.macro_region == "east" else ""
        hubs.add_row(
            f"{h.hub_id if narrow else h.name}{side}",
            f"{price[h.hub_id]:.3f}",
            f"{h.jobs:,}",
            _used(h.meter_mw, h.grid_mw, 1 if h.meter_mw < 100 else 0),
            _used(h.accelerators_used, h.accelerators),
            _used(h.storage_used_tb, h.storage_tb),
            _cny(h.energy_cost_cny).replace(" ", ""),
        )
    return hubs


def _links_table(plan: Plan) -> Table | None:
    """The ten busiest link directions by TB carried; None when nothing moves."""
    flows = horizon_flows(plan.link_flows)
    busy = flows[flows["total_tb"] > 0].sort_values("total_tb", ascending=False).head(10)
    if not len(busy):
        return None
    links = Table(title="Busiest links (TB over the planning horizon)", title_justify="left")
    for col in ("Link", "Replication", "Staging", "Artifacts", "Utilisation"):
        links.add_column(col, justify="left" if col == "Link" else "right")
    for f in busy.itertuples(index=False):
        links.add_row(
            f"{f.from_hub} -> {f.to_hub}",
            f"{f.replication_tb:,.0f}",
            f"{f.staging_tb:,.0f}",
            f"{f.artifact_tb:,.1f}",
            f"{100 * f.utilisation:.1f}%",
        )
    return links
