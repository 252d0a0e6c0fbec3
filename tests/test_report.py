"""The plan report: figures from the API, PNG and HTML files on disk, the CLI commands.

Rendered for the shipped scenario, for a portfolio made by the generator over the shipped hubs
(with unplaced jobs) and for a small hand-made one (random hubs east and west, a ring of links,
replicated datasets, one job that cannot be placed). The numbers the report shows are checked
against the plan's own tables; broken or mismatched plan folders must give one line and exit 2.
"""

from __future__ import annotations

import base64
import json
import random
import shutil
import struct
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

import pandas as pd
import pytest
from builders import write_scenario
from typer.testing import CliRunner

import eastwest_opt as ew
from eastwest_opt.cli import app
from eastwest_opt.generate import generate_scenario
from eastwest_opt.report import DPI, FIGURES, REPORT_FILE, figures, placement_table, write_report

runner = CliRunner()
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
SHIPPED_PIXELS = {"map": (1430, 990), "costs": (1430, 605), "utilisation": (1430, 605), "placements": (1210, 660)}


def generated_scenario(folder: Path, seed: int = 7) -> Path:
    """Four hubs (two east, two west) at random places in China, a ring of links with a chord,
    datasets born in the East and replicated twice, jobs served in the East, and one job too
    big for any hub (left unplaced at its penalty)."""
    rng = random.Random(seed)
    hubs = []
    for i in range(4):
        east = i < 2
        hubs.append(
            {
                "hub_id": f"h{i}",
                "name": f"{'East' if east else 'West'} hub {i}",
                "macro_region": "east" if east else "west",
                "grid_region": f"R{i}",
                "lat_deg": round(rng.uniform(24, 40), 1),
                "lon_deg": round(rng.uniform(113, 121) if east else rng.uniform(100, 108), 1),
                "price_cny_per_kwh": round(rng.uniform(0.5, 0.7) if east else rng.uniform(0.3, 0.4), 3),
                "grid_mw": 12.0,
                "storage_tb": 4000.0,
                "storage_price_cny_per_tb_month": 50.0,
            }
        )
    pairs = [("h0", "h1"), ("h1", "h2"), ("h2", "h3"), ("h3", "h0"), ("h0", "h2")]
    links = [
        {"link_id": f"{a}-{b}", "hub_a": a, "hub_b": b, "capacity_gbps": 20.0, "cost_cny_per_tb": 100.0}
        for a, b in pairs
    ]
    datasets = [
        {"dataset_id": "d0", "origin_hub": "h0", "size_tb": 300.0, "min_replicas": 2, "min_grid_regions": 2},
        {"dataset_id": "d1", "origin_hub": "h1", "size_tb": 150.0, "min_replicas": 2, "min_grid_regions": 2},
    ]
    jobs = [
        {
            "job_id": f"j{k}",
            "dataset_id": rng.choice(["d0", "d1"]),
            "accel_count": rng.choice([500, 1000, 2000]),
            "runtime_h": 80.0,
            "artifact_tb": 2.0,
            "serving_hubs": rng.choice(["h0", "h1"]),
        }
        for k in range(6)
    ]
    jobs.append({"job_id": "too-big", "dataset_id": "d0", "accel_count": 50000, "unplaced_penalty_cny": 1000.0})
    return write_scenario(folder, hubs=hubs, links=links, datasets=datasets, jobs=jobs)


@pytest.fixture(scope="module")
def shipped() -> tuple[ew.Scenario, ew.Plan]:
    scenario = ew.load_scenario()
    return scenario, ew.solve(scenario)


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> tuple[ew.Scenario, ew.Plan]:
    scenario = ew.load_scenario(generated_scenario(tmp_path_factory.mktemp("gen") / "generated"))
    return scenario, ew.solve(scenario)


@pytest.fixture(scope="module")
def portfolio() -> tuple[ew.Scenario, ew.Plan]:
    """A realistic portfolio from the generator over the shipped hubs: jobs are left unplaced."""
    scenario = generate_scenario(80, 4, 3)
    return scenario, ew.solve(scenario)


class _Page(HTMLParser):
    """The parts of the report page the tests read: images, references, tags and tables."""

    def __init__(self) -> None:
        super().__init__()
        self.images: list[str] = []
        self.tags: list[str] = []
        self.references: list[str] = []
        self.tables: list[list[list[str]]] = []
        self._cell: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        if tag == "table":
            self.tables.append([])
        elif tag == "tr" and self.tables:
            self.tables[-1].append([])
        elif tag in ("td", "th"):
            self._cell = []
        for name, value in attrs:
            if tag == "img" and name == "src":
                self.images.append(value or "")
            elif name in ("src", "href"):
                self.references.append(value or "")

    def handle_endtag(self, tag: str) -> None:
        if tag in ("td", "th") and self._cell is not None:
            self.tables[-1][-1].append("".join(self._cell).strip())
            self._cell = None

    def handle_data(self, data: str) -> None:
        if self._cell is not None:
            self._cell.append(data)


def _parse(text: str) -> _Page:
    page = _Page()
    page.feed(text)
    page.close()
    return page


def _html_table(page: _Page, first_header: str) -> pd.DataFrame:
    """The page's table whose first header cell is ``first_header``, as text, indexed by its first column."""
    for rows in page.tables:
        if rows and rows[0] and rows[0][0] == first_header:
            return pd.DataFrame(rows[1:], columns=rows[0]).set_index(first_header)
    raise AssertionError(f"no table headed {first_header!r} in the report")


def check_placements(text: str, scenario: ew.Scenario, plan: ew.Plan) -> None:
    """The placements table of the page and of the API agree with counts made from plan.placements."""
    p = plan.placements
    placed = p[p["status"] == "placed"]
    names = dict(zip(scenario.hubs["hub_id"], scenario.hubs["name"], strict=True))
    expected = placed.groupby([placed["hub_id"].map(names), "class_id"]).size()
    table = placement_table(plan, scenario)
    shown = _html_table(_parse(text), "Hub")
    classes = list(scenario.data_classes["class_id"])
    assert list(shown.columns) == [*classes, "All classes", "MW placed"]
    for hub in scenario.hubs["name"]:
        for cls in classes:
            want = int(expected.get((hub, cls), 0))
            assert table.loc[hub, cls] == want, (hub, cls)
            assert int(shown.loc[hub, cls].replace(",", "")) == want, (hub, cls)
        mw = placed.loc[placed["hub_id"].map(names) == hub, "meter_mw"].sum()
        assert table.loc[hub, "MW placed"] == pytest.approx(mw)
    assert int(shown.loc["All hubs", "All classes"].replace(",", "")) == len(placed)
    unplaced = len(p) - len(placed)
    if unplaced:
        assert int(shown.loc["Unplaced", "All classes"].replace(",", "")) == unplaced
        assert int(shown.loc["All jobs", "All classes"].replace(",", "")) == len(p)
    else:
        assert "Unplaced" not in shown.index
    costs = _html_table(_parse(text), "")
    assert costs.loc["Whole plan", "Total"] == f"{plan.objective_cny:,.0f}"


def _png_size(blob: bytes) -> tuple[int, int]:
    assert blob[:8] == PNG_SIGNATURE, "not a PNG file"
    assert blob[12:16] == b"IHDR"
    return struct.unpack(">II", blob[16:24])


def check_report(html_file: Path, png_dir: Path, pixels: dict[str, tuple[int, int]] | None = None) -> str:
    """The HTML parses, embeds every PNG (byte for byte) and references nothing outside itself."""
    assert html_file.is_file()
    pngs = {}
    for name in FIGURES:
        png = png_dir / f"{name}.png"
        assert png.is_file(), f"{png} missing"
        blob = png.read_bytes()
        width, height = _png_size(blob)
        assert width >= 600 and height >= 400, f"{name}.png is only {width}x{height}"
        if pixels is not None:
            assert (width, height) == pixels[name], name
        pngs[name] = blob
    text = html_file.read_text(encoding="utf-8")
    page = _parse(text)
    assert page.tags[:1] == ["html"] and "body" in page.tags and "title" in page.tags
    prefix = "data:image/png;base64,"
    assert all(src.startswith(prefix) for src in page.images)
    embedded = [base64.b64decode(src[len(prefix) :], validate=True) for src in page.images]
    assert embedded == [pngs[name] for name in FIGURES], "the HTML must embed each PNG, byte for byte, in order"
    assert page.references == []
    assert "http://" not in text and "https://" not in text
    assert not [p for p in png_dir.iterdir() if p.name.startswith(".")], "temporary files left behind"
    return text


def test_api_returns_matplotlib_figures(shipped: tuple[ew.Scenario, ew.Plan]) -> None:
    from matplotlib.figure import Figure

    scenario, plan = shipped
    figs = figures(plan, scenario)
    assert list(figs) == list(FIGURES)
    for name, fig in figs.items():
        assert isinstance(fig, Figure)
        width, height = fig.get_size_inches() * DPI
        assert (round(width), round(height)) == SHIPPED_PIXELS[name]


def test_shipped_report_files_and_readable_map(shipped: tuple[ew.Scenario, ew.Plan], tmp_path: Path) -> None:
    from matplotlib.offsetbox import AnnotationBbox

    scenario, plan = shipped
    figs = figures(plan, scenario)
    out = write_report(plan, scenario, tmp_path / "report" / "plan.html", figs=figs)
    assert out == tmp_path / "report" / "plan.html"
    text = check_report(out, out.parent, SHIPPED_PIXELS)
    for name in scenario.hubs["name"]:  # hubs named as planners name them
        assert name in text
    assert "Beijing-Tianjin-Hebei" in set(scenario.hubs["name"])
    check_placements(text, scenario, plan)
    assert "<title>Plan report: eight-hubs</title>" in text
    assert "verified by the independent checker" in text
    # no two hub labels on the map overlap, and no label covers a hub marker
    fig = figs["map"]
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    ax = fig.axes[0]
    labels = [a for a in ax.artists if isinstance(a, AnnotationBbox)]
    assert len(labels) == len(scenario.hubs)
    boxes = [a.get_window_extent(renderer) for a in labels]
    for i, a in enumerate(boxes):
        for b in boxes[i + 1 :]:
            assert not a.overlaps(b), "two hub labels overlap on the map"
    marker_centres = ax.transData.transform(scenario.hubs[["lon_deg", "lat_deg"]].to_numpy(float))
    for box in boxes:
        for x, y in marker_centres:
            assert not box.contains(x, y), "a label covers a hub"


def test_generated_report_shows_unplaced_jobs(generated: tuple[ew.Scenario, ew.Plan], tmp_path: Path) -> None:
    scenario, plan = generated
    assert (plan.placements["status"] == "unplaced").any()
    assert plan.link_flows["total_tb"].sum() > 0
    out = write_report(plan, scenario, tmp_path / "r.html", png_dir=tmp_path / "png")
    text = check_report(out, tmp_path / "png")
    check_placements(text, scenario, plan)
    table = placement_table(plan, scenario)
    assert table.loc["Unplaced", "All classes"] == 1
    assert table.loc["All hubs", "All classes"] == len(plan.placements) - 1
    assert table.loc["All jobs", "All classes"] == len(plan.placements)


def test_generated_portfolio_report(portfolio: tuple[ew.Scenario, ew.Plan], tmp_path: Path) -> None:
    """A portfolio from the generator, drawn over the shipped hubs: same pixel sizes as the shipped
    map (same hubs), every figure embedded, the placement and cost numbers those of the plan."""
    scenario, plan = portfolio
    assert (plan.placements["status"] == "unplaced").any()
    out = write_report(plan, scenario, tmp_path / "report.html")
    text = check_report(out, tmp_path, {**SHIPPED_PIXELS, "placements": (1210, 770)})
    check_placements(text, scenario, plan)
    assert "Unplaced-job penalties" in text


def test_plan_folder_records_its_scenario(generated: tuple[ew.Scenario, ew.Plan], tmp_path: Path) -> None:
    scenario, plan = generated
    folder = plan.write(tmp_path / "plan")
    summary = json.loads((folder / "summary.json").read_text())
    assert summary["scenario_path"] == str(scenario.path)
    assert ew.read_plan(folder).scenario_path == str(scenario.path)
    changed = scenario.update("hubs", "h0", price_cny_per_kwh=0.9)  # no longer the folder's scenario
    assert ew.solve(changed).scenario_path is None


def test_cli_report_finds_the_scenario_from_the_plan(generated: tuple[ew.Scenario, ew.Plan], tmp_path: Path) -> None:
    scenario, plan = generated
    folder = plan.write(tmp_path / "plan")
    result = runner.invoke(app, ["report", str(folder)])
    assert result.exit_code == 0, result.output
    assert "Report written to" in result.output
    check_report(folder / REPORT_FILE, folder)
    # the shipped scenario does not have the generated hubs: refused as invalid input
    result = runner.invoke(app, ["report", str(folder), "--scenario", str(ew.load_scenario().path)])
    assert result.exit_code == 2
    assert "does not have" in result.output
    result = runner.invoke(
        app, ["report", str(folder), "--scenario", str(scenario.path), "-o", str(tmp_path / "x.html")]
    )
    assert result.exit_code == 0, result.output
    check_report(tmp_path / "x.html", tmp_path)


def _refused(args: list[str], *expected: str) -> None:
    """The CLI refuses with exit code 2 and one line naming the problem, no traceback, no report."""
    result = runner.invoke(app, args)
    assert result.exit_code == 2, result.output
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), result.output
    assert "Traceback" not in result.output
    for text in expected:
        assert text in lines[0]


def test_cli_report_refuses_missing_or_broken_plan_folders(
    shipped: tuple[ew.Scenario, ew.Plan], tmp_path: Path
) -> None:
    _refused(["report", str(tmp_path / "nope")], "plan folder does not exist")
    broken = tmp_path / "broken"
    broken.mkdir()
    (broken / "summary.json").write_text("{not json")
    _refused(["report", str(broken)], "summary.json", "not valid JSON")
    _scenario, plan = shipped
    good = plan.write(tmp_path / "good")
    for name, edit, said in [
        ("no-usage", lambda f: (f / "hub_usage.csv").unlink(), "hub_usage.csv"),
        ("no-columns", lambda f: (f / "placements.csv").write_text("x,y\n1,2\n"), "required columns missing: job_id"),
        ("not-a-number", _garble_meter_mw, "row 3, column meter_mw: not a number: 'lots'"),
    ]:
        folder = tmp_path / name
        shutil.copytree(good, folder)
        edit(folder)
        _refused(["report", str(folder)], said)
        assert not (folder / REPORT_FILE).exists()


def _garble_meter_mw(folder: Path) -> None:
    usage = pd.read_csv(folder / "hub_usage.csv", dtype={"meter_mw": str})
    usage.loc[1, "meter_mw"] = "lots"
    usage.to_csv(folder / "hub_usage.csv", index=False)


def test_cli_report_refuses_a_plan_of_another_scenario(
    shipped: tuple[ew.Scenario, ew.Plan], portfolio: tuple[ew.Scenario, ew.Plan], tmp_path: Path
) -> None:
    # same hubs, other jobs: a generated portfolio's plan has no scenario folder, so the shipped one is
    # tried and refused by its jobs
    _scenario, plan = portfolio
    folder = plan.write(tmp_path / "portfolio")
    _refused(["report", str(folder)], "the plan has 80 job(s) that scenario 'eight-hubs' does not", "--scenario")
    # same hubs and jobs, another price: the verifier's objective check refuses it
    scenario, plan = shipped
    folder = plan.write(tmp_path / "shipped")
    edited = tmp_path / "edited"
    shutil.copytree(scenario.path, edited)
    hubs = pd.read_csv(edited / "hubs.csv")
    hubs.loc[hubs["hub_id"] == "nx", "price_cny_per_kwh"] = 0.2
    hubs.to_csv(edited / "hubs.csv", index=False)
    _refused(["report", str(folder), "--scenario", str(edited)], "does not verify against scenario", "[figures]")
    # unwritable output: one line naming the file
    (tmp_path / "a-file").write_text("")
    _refused(["report", str(folder), "-o", str(tmp_path / "a-file" / "r.html")], "cannot write the report")


def test_cli_solve_report(generated: tuple[ew.Scenario, ew.Plan], tmp_path: Path) -> None:
    scenario, _plan = generated
    result = runner.invoke(app, ["solve", str(scenario.path), "--report"])
    assert result.exit_code == 2
    assert "--report needs --out" in result.output
    out = tmp_path / "plan"
    result = runner.invoke(app, ["solve", str(scenario.path), "--out", str(out), "--report"])
    assert result.exit_code == 0, result.output
    assert f"Report written to {out / REPORT_FILE}" in result.output
    check_report(out / REPORT_FILE, out)
    assert (out / "placements.csv").is_file()


def test_solve_without_report_does_not_import_matplotlib(generated: tuple[ew.Scenario, ew.Plan]) -> None:
    scenario, _plan = generated
    code = (
        "import sys\n"
        "import eastwest_opt.report\n"
        "from typer.testing import CliRunner\n"
        "from eastwest_opt.cli import app\n"
        f"result = CliRunner().invoke(app, ['solve', {str(scenario.path)!r}])\n"
        "assert result.exit_code == 0, result.output\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] == 'matplotlib'))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"


def test_large_plans_point_to_the_placements_table_instead_of_listing_every_job(
    shipped: tuple[ew.Scenario, ew.Plan], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    import eastwest_opt.report as report_module

    scenario, plan = shipped
    listed = (tmp_path / "a.html", tmp_path / "b.html")
    report_module.write_report(plan, scenario, listed[0])
    assert "Every job and where it trains (51 jobs)" in listed[0].read_text()
    monkeypatch.setattr(report_module, "JOB_TABLE_MAX", 50)
    report_module.write_report(plan, scenario, listed[1])
    page = listed[1].read_text()
    assert "Every job and where it trains" not in page
    assert "51 jobs: where each one trains is in <code>placements.csv</code>" in page
