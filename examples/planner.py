"""A planner's session with the Python API: the base plan and three what-ifs, side by side.

Run it from anywhere after installing the package:  python examples/planner.py
"""

from __future__ import annotations

import pandas as pd

import eastwest_opt as ew


def headline(label: str, plan: ew.Plan) -> dict[str, object]:
    """One row of figures a planner compares across variants."""
    s = plan.summary()
    by_hub = plan.placements[plan.placements["status"] == "placed"].groupby("hub_id").size()
    return {
        "variant": label,
        "status": s["status"],
        "verified": s["verified"],
        "total_M_cny": round(s["objective_cny"] / 1e6, 3),
        "energy_M_cny": round(s["cost_cny"]["energy"] / 1e6, 3),
        "transfer_M_cny": round(s["cost_cny"]["transfer"] / 1e6, 3),
        "west_energy_share": round(s["west_energy_share"], 3),
        "emissions_t": round(s["emissions_t"]),
        "jobs_in_gansu": int(by_hub.get("gs", 0)),
        "unplaced": s["jobs_unplaced"],
    }


def main() -> None:
    base = ew.load_scenario()  # the shipped eight-hub scenario

    # What if Gansu negotiates 20% cheaper power?
    gansu_price = float(base.hubs.loc[base.hubs["hub_id"] == "gs", "price_cny_per_kwh"].iloc[0])
    cheaper_gansu = base.update("hubs", "gs", price_cny_per_kwh=round(0.8 * gansu_price, 4))

    # What if the Yangtze River Delta - Guizhou link is cut?
    cut = base.remove("links", "yrd-gz")

    # What if a new 2,048-accelerator pre-training run on the Yangtze River Delta web corpus arrives?
    first_dataset = str(base.datasets["dataset_id"].iloc[0])
    new_job = base.add(
        "jobs",
        job_id="new-pretrain",
        name="New 2k-accelerator pre-training run",
        dataset_id=first_dataset,
        accel_id="ascend-910b",
        accel_count=2048,
        runtime_h=480,
        artifact_tb=4.0,
        serving_hubs="yrd",
        max_latency_ms=20,
        unplaced_penalty_cny=8_000_000,
    )

    # What if carbon costs 200 CNY per tonne?
    carbon = base.with_settings(carbon_price_cny_per_t=200)

    rows = []
    for label, scenario in (
        ("base", base),
        ("Gansu power -20%", cheaper_gansu),
        ("yrd-gz link cut", cut),
        ("new 2k pre-training job", new_job),
        ("carbon 200 CNY/t", carbon),
    ):
        plan = ew.solve(scenario)
        rows.append(headline(label, plan))
    with pd.option_context("display.width", 160, "display.max_columns", 20):
        print(pd.DataFrame(rows).to_string(index=False))

    plan = ew.solve(base)
    print("\nWhere the base plan trains each data class (jobs per hub):")
    placed = plan.placements[plan.placements["status"] == "placed"]
    print(pd.crosstab(placed["class_id"], placed["hub_id"]).to_string())


if __name__ == "__main__":
    main()
