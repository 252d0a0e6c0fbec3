"""The report's figure names, titles, colours and sizes, shared by the figures and the HTML page.

A leaf module: it imports nothing, so every other module of the report can import it.
"""

from __future__ import annotations

FIGURES = ("map", "costs", "utilisation", "placements")
DPI = 110
TITLES = {
    "map": "Where the plan trains and how data moves",
    "costs": "What the plan costs",
    "utilisation": "How full each hub is",
    "placements": "Jobs placed per hub and data class",
    "power_by_period": "Power drawn against what the grid allows",
    "timeline": "Which job runs where, when",
}
TIME_FIGURES = ("power_by_period", "timeline")  # drawn for plans of two or more periods
TERM_NAMES = {
    "energy": "Energy",
    "carbon": "Carbon",
    "storage": "Storage",
    "transfer": "Transfer over the backbone",
    "unplaced_penalty": "Unplaced-job penalties",
}
TERM_COLOURS = {
    "energy": "#d9822b",
    "carbon": "#6b6b6b",
    "storage": "#3f7fbf",
    "transfer": "#8e5ea2",
    "unplaced_penalty": "#c23b3b",
}
REGIONS = ("east", "west", "")  # "" = the scenario does not say
REGION_NAMES = {"east": "East", "west": "West", "": ""}
REGION_COLOURS = {"east": "#b5523b", "west": "#3b7f5c", "": "#555555"}
REGION_LIGHT = {"east": "#e8a99a", "west": "#9fcdb2", "": "#c8c8c8"}  # bars with dark text on them
REGION_MARKERS = {"east": "s", "west": "o", "": "D"}
REGION_LEGEND = {
    "east": "Eastern hub: data born, models served",
    "west": "Western hub: compute",
    "": "Hub (side not given)",
}
OUTLINE_FACE = "#f4f1e8"
OUTLINE_EDGE = "#a39e93"
PRICE_CMAP = "YlOrRd"
LINK_CMAP = "Blues"
DATA_BULGE = 7.0  # points between a link's straight line and the middle of a data arc
ARTIFACT_BULGE = 15.0  # artifacts bulge further out, so both kinds in one direction stay apart
MIN_MARKER = 90.0  # marker area (pt^2) of a hub with no training placed
MAX_MARKER = 900.0  # marker area of the hub with the most power placed
TB_FLOOR = 1e-6
