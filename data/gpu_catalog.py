"""GPU instance types: how many GPUs each has and which model. The three large clouds' types are listed; GPU
clouds that spell the GPU in the type are read from it (Lambda `gpu_8x_a100_80gb_sxm4`, Scaleway `H100-1-80G`)."""

from __future__ import annotations

import re

# instance type -> (GPU count, GPU model)
GPU_INSTANCES: dict[str, tuple[int, str]] = {
    # AWS
    "p5.4xlarge": (1, "H100"),
    "p5.48xlarge": (8, "H100"),
    "p5e.48xlarge": (8, "H200"),
    "p5en.48xlarge": (8, "H200"),
    "p6-b200.48xlarge": (8, "B200"),
    "p4d.24xlarge": (8, "A100"),
    "p4de.24xlarge": (8, "A100-80GB"),
    "p3.2xlarge": (1, "V100"),
    "p3.8xlarge": (4, "V100"),
    "p3.16xlarge": (8, "V100"),
    "p3dn.24xlarge": (8, "V100"),
    "g5.xlarge": (1, "A10G"),
    "g5.2xlarge": (1, "A10G"),
    "g5.4xlarge": (1, "A10G"),
    "g5.8xlarge": (1, "A10G"),
    "g5.16xlarge": (1, "A10G"),
    "g5.12xlarge": (4, "A10G"),
    "g5.24xlarge": (4, "A10G"),
    "g5.48xlarge": (8, "A10G"),
    "g6.xlarge": (1, "L4"),
    "g6.2xlarge": (1, "L4"),
    "g6.4xlarge": (1, "L4"),
    "g6.8xlarge": (1, "L4"),
    "g6.16xlarge": (1, "L4"),
    "g6.12xlarge": (4, "L4"),
    "g6.24xlarge": (4, "L4"),
    "g6.48xlarge": (8, "L4"),
    "g6e.xlarge": (1, "L40S"),
    "g6e.2xlarge": (1, "L40S"),
    "g6e.12xlarge": (4, "L40S"),
    "g6e.48xlarge": (8, "L40S"),
    "g4dn.xlarge": (1, "T4"),
    "g4dn.2xlarge": (1, "T4"),
    "g4dn.12xlarge": (4, "T4"),
    "g4dn.metal": (8, "T4"),
    # Azure
    "standard_nd96asr_v4": (8, "A100"),
    "standard_nd96amsr_a100_v4": (8, "A100-80GB"),
    "standard_nd96isr_h100_v5": (8, "H100"),
    "standard_nd96isr_h200_v5": (8, "H200"),
    "standard_nc24ads_a100_v4": (1, "A100-80GB"),
    "standard_nc48ads_a100_v4": (2, "A100-80GB"),
    "standard_nc96ads_a100_v4": (4, "A100-80GB"),
    "standard_nc40ads_h100_v5": (1, "H100-NVL"),
    "standard_nc80adis_h100_v5": (2, "H100-NVL"),
    "standard_nc4as_t4_v3": (1, "T4"),
    "standard_nc8as_t4_v3": (1, "T4"),
    "standard_nc16as_t4_v3": (1, "T4"),
    "standard_nc64as_t4_v3": (4, "T4"),
    "standard_nv36ads_a10_v5": (1, "A10"),
    # GCP
    "a2-highgpu-1g": (1, "A100"),
    "a2-highgpu-2g": (2, "A100"),
    "a2-highgpu-4g": (4, "A100"),
    "a2-highgpu-8g": (8, "A100"),
    "a2-megagpu-16g": (16, "A100"),
    "a2-ultragpu-1g": (1, "A100-80GB"),
    "a2-ultragpu-8g": (8, "A100-80GB"),
    "a3-highgpu-8g": (8, "H100"),
    "a3-megagpu-8g": (8, "H100"),
    "a3-ultragpu-8g": (8, "H200"),
    "g2-standard-4": (1, "L4"),
    "g2-standard-8": (1, "L4"),
    "g2-standard-24": (2, "L4"),
    "g2-standard-48": (4, "L4"),
    "g2-standard-96": (8, "L4"),
}

_TYPE_RE = re.compile(
    r"(?<![\w.])((?:p[3-6][a-z\-0-9]*|g[4-6][a-z]*|trn[12]n?|inf[12])\.(?:\d*x?large|metal)|"
    r"standard_n[cdv]\w+|a[23]-(?:high|mega|ultra)gpu-\d+g|g2-standard-\d+)(?![\w.])",
    re.I,
)


# GPU models a GPU cloud's instance type may spell out, longest first
GPU_FAMILIES = (
    "gb200",
    "gh200",
    "mi300x",
    "mi250x",
    "rtx6000",
    "a6000",
    "b200",
    "b100",
    "h200",
    "h100",
    "a100",
    "a10g",
    "l40s",
    "v100",
    "mi300",
    "a10",
    "a40",
    "l40",
    "l4",
    "t4",
)
_FAMILY = "(?:" + "|".join(GPU_FAMILIES) + ")"
# Lambda "gpu_8x_a100_80gb_sxm4" / "gpu_1x_gh200"; Scaleway "H100-1-80G", "H100-SXM-8-80G", "L40S-1-48G";
# Nebius platform and preset "gpu-h100-sxm-8gpu", "gpu-l40s-a-1gpu"; CoreWeave "gd-8xh200ib-i128", "gd-4xl40s-i64"
# and the same without the CPU suffix ("gd-4xh200", as some exports shorten it)
_CLOUD_TYPE_RE = re.compile(
    r"(?<![\w.-])(gpu_(?P<n>\d+)x_(?P<gpu>" + _FAMILY + r")(?:_[a-z0-9]+)*|"
    r"(?P<gpu2>" + _FAMILY + r")(?:-sxm|-pcie|-nvl)?-(?P<n2>\d+)-\d+g|"
    r"gpu-(?P<gpu3>" + _FAMILY + r")-(?:sxm|pcie|nvl|[a-d])-(?P<n3>\d+)gpu|"
    r"gd-(?P<n4>\d+)x(?P<gpu4>" + _FAMILY + r")(?:ib)?(?:-i\d+)?)(?![\w.-])",
    re.I,
)


def find_instance_type(text: str | None) -> str | None:
    """A GPU instance type named in `text` (a SKU, description or resource name), lower-cased."""
    if not text:
        return None
    m = _TYPE_RE.search(str(text)) or _CLOUD_TYPE_RE.search(str(text))
    return m.group(1).lower() if m else None


def _cloud_type(instance_type: str) -> tuple[int, str] | None:
    m = _CLOUD_TYPE_RE.fullmatch(instance_type)
    if m is None:
        return None
    return int(m.group("n") or m.group("n2") or m.group("n3") or m.group("n4")), (
        m.group("gpu") or m.group("gpu2") or m.group("gpu3") or m.group("gpu4")
    ).upper()


def gpu_count(instance_type: str | None) -> int | None:
    if not instance_type:
        return None
    hit = GPU_INSTANCES.get(instance_type.lower()) or _cloud_type(instance_type)
    return hit[0] if hit else None


def gpu_model(instance_type: str | None) -> str | None:
    """The GPU model of an instance type ("p4d.24xlarge" -> "A100", "gpu_1x_gh200" -> "GH200"), if known."""
    if not instance_type:
        return None
    hit = GPU_INSTANCES.get(instance_type.lower()) or _cloud_type(instance_type)
    return hit[1] if hit else None
