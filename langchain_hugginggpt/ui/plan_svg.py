"""The plan as an SVG graph: one box per task, arrows for links, colours for task status."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from html import escape
from typing import Any

from langchain_hugginggpt.plan.types import chain_depths

__all__ = ["STATUS_COLOURS", "plan_svg"]

STATUS_COLOURS = {
    "pending": "#e5e7eb",
    "running": "#fde68a",
    "ok": "#bbf7d0",
    "error": "#fecaca",
    "skipped": "#e9d5ff",
}
_W, _H, _GAP_X, _GAP_Y = 190, 52, 40, 28


def plan_svg(
    plan: Sequence[Mapping[str, Any]],
    statuses: Mapping[int, str],
    models: Mapping[int, str] | None = None,
) -> str:
    """An SVG of `plan`, left to right by dependency depth; `statuses` by task id."""
    if not plan:
        return '<div id="plan-empty">No plan yet.</div>'
    models = models or {}
    level = {task_id: depth - 1 for task_id, depth in chain_depths(plan).items()}
    rows: dict[int, int] = {}
    pos: dict[int, tuple[int, int]] = {}
    for task in plan:
        col = level[task["id"]]
        row = rows.get(col, 0)
        rows[col] = row + 1
        pos[task["id"]] = (10 + col * (_W + _GAP_X), 10 + row * (_H + _GAP_Y))
    width = 20 + (max(level.values()) + 1) * (_W + _GAP_X)
    height = 20 + max(rows.values()) * (_H + _GAP_Y)
    parts = [
        f'<svg id="plan-svg" xmlns="http://www.w3.org/2000/svg" width="{width}" '
        f'height="{height}" viewBox="0 0 {width} {height}" font-family="sans-serif">',
        '<defs><marker id="arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="7" '
        'markerHeight="7" orient="auto"><path d="M0,0 L10,5 L0,10 z" fill="#555"/></marker></defs>',
    ]
    for task in plan:
        x2, y2 = pos[task["id"]]
        for dep in task["dep"]:
            x1, y1 = pos[dep]
            parts.append(
                f'<line class="plan-edge" data-source="{dep}" data-target="{task["id"]}" '
                f'x1="{x1 + _W}" y1="{y1 + _H // 2}" x2="{x2}" y2="{y2 + _H // 2}" '
                'stroke="#555" marker-end="url(#arrow)"/>'
            )
    for task in plan:
        x, y = pos[task["id"]]
        status = statuses.get(task["id"], "pending")
        fill = STATUS_COLOURS.get(status, STATUS_COLOURS["pending"])
        model = models.get(task["id"], "")
        parts.append(
            f'<g class="plan-node" data-task="{task["id"]}" data-status="{escape(status)}">'
            f'<rect x="{x}" y="{y}" width="{_W}" height="{_H}" rx="8" fill="{fill}" '
            'stroke="#333"/>'
            f'<text x="{x + 8}" y="{y + 20}" font-size="13">{task["id"]}. '
            f"{escape(task['task'])}</text>"
            f'<text x="{x + 8}" y="{y + 40}" font-size="11" fill="#333">'
            f"{escape(model[:30])} · {escape(status)}</text></g>"
        )
    parts.append("</svg>")
    return "".join(parts)
