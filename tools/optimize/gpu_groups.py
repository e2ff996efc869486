"""GPU utilisation of a named set of instances ("the a100 boxes", "eval-l40s"): pick gpu_utilization's
per-instance rows by instance type, name or id, and combine their utilisation weighted by monitored GPU-hours
(the same weighting gpu_utilization uses for its own totals)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from spendscope.tools.optimize.gpu import GpuInstanceMonth

_FIELDS = {
    "instance_type": ("instance_type",),
    "resource": ("instance_name", "instance_id"),
    "resource_id": ("instance_id",),
    "instance_id": ("instance_id",),
    "instance_name": ("instance_name",),
}


def matching_instances(
    rows: Iterable[GpuInstanceMonth], wanted: Sequence[tuple[str, Sequence[str]]]
) -> list[GpuInstanceMonth]:
    """Rows whose instance matches every (dimension, values) pair, compared without letter case."""
    out = []
    for row in rows:
        ok = True
        for dim, values in wanted:
            names = {str(getattr(row, f) or "").lower() for f in _FIELDS.get(dim, ("instance_id",))}
            if not names & {v.lower() for v in values}:
                ok = False
                break
        if ok:
            out.append(row)
    return out


def combined_utilization(rows: Iterable[GpuInstanceMonth]) -> float | None:
    """Mean GPU utilisation over the rows' monitored GPU-hours (None: no monitored hours)."""
    num = den = 0.0
    for r in rows:
        if r.avg_utilization_pct is None or not r.monitored_hours:
            continue
        weight = r.monitored_hours * (r.gpus or 1)
        num += r.avg_utilization_pct * weight
        den += weight
    return num / den if den else None
