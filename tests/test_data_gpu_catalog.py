"""The GPU catalog: instance types read from a SKU, description or resource name, with their GPU count and model."""

from __future__ import annotations

import pytest
from spendscope.data.gpu_catalog import find_instance_type, gpu_count, gpu_model


@pytest.mark.parametrize(
    ("text", "instance_type", "gpus", "gpu"),
    [
        ("gd-8xh200ib-i128", "gd-8xh200ib-i128", 8, "H200"),
        ("gd-4xh200", "gd-4xh200", 4, "H200"),
        ("CoreWeave on-demand gd-1xl40s instance hours", "gd-1xl40s", 1, "L40S"),
    ],
)
def test_a_coreweave_type_names_its_gpus_with_or_without_the_cpu_suffix(
    text: str, instance_type: str, gpus: int, gpu: str
) -> None:
    assert find_instance_type(text) == instance_type
    assert (gpu_count(instance_type), gpu_model(instance_type)) == (gpus, gpu)


def test_a_word_that_only_starts_like_a_coreweave_type_is_no_instance() -> None:
    assert find_instance_type("gd-4xh200-report") is None
    assert find_instance_type("kgd-4xh200") is None
