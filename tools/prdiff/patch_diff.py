"""The PR cost diff from patch text: what MCP clients over HTTP (and any tool without access to the server's
disk) send. Same estimate as `estimate_pr_cost_diff`, from the hunks of a unified diff instead of a repository."""

from __future__ import annotations

from pydantic import Field
from spendscope.data.prices import PriceCatalog, configured_catalog
from spendscope.data.store import Store
from spendscope.tools.prdiff.patch_source import (
    MAX_PATCH_CHARS,
    hunk_sites,
    new_text,
    parse_patch,
    source_files,
)
from spendscope.tools.prdiff.pr_diff import (
    MAPPING_FILE,
    PrDiffOptions,
    PrDiffResult,
    SitePair,
    analyse,
    load_mapping,
    site_pairs,
)
from spendscope.tools.registry import operation


class PatchDiffInput(PrDiffOptions):
    patch: str = Field(
        max_length=MAX_PATCH_CHARS,
        description="the pull request as a unified diff (`git diff BASE...HEAD`, or the PR's .diff); more context "
        "(`git diff -U20` or `--function-context`) lets more of each changed call be read",
    )
    feature_map: dict[str, str] = Field(
        default_factory=dict,
        description="path glob -> feature (like .spendscope/features.yaml), for call sites without a feature tag",
    )
    commits: list[str] = Field(
        default_factory=list, description="the pull request's commit shas, for the after-deploy check"
    )
    base_label: str = Field("base", description="how the comment names the base")
    head_label: str = Field("head", description="how the comment names the head")


@operation("estimate_pr_cost_diff_from_patch", input_model=PatchDiffInput, output_model=PrDiffResult)
def pr_cost_diff_from_patch(
    store: Store, params: PatchDiffInput, catalog: PriceCatalog | None = None
) -> PrDiffResult:
    """Did a pull request change LLM spend? The same estimate as estimate_pr_cost_diff, from the patch text
    (a unified diff) instead of a repository on the server: for remote clients. Traffic from telemetry, else the
    bill; the per-request price ratio of every model or tier change; what is unknown, named."""
    files = parse_patch(params.patch)
    mapping = [*params.feature_map.items(), *load_mapping(new_text(files, MAPPING_FILE))]
    pairs: list[SitePair] = []
    scanned = source_files(files)
    for f in scanned:
        for hunk in f.hunks:
            before, after = hunk_sites(f.path, hunk)
            pairs += site_pairs(before, after)
    with store.reader() as con:
        return analyse(
            con,
            pairs,
            mapping,
            params,
            catalog or configured_catalog(),
            base=params.base_label,
            head=params.head_label,
            files=[f.path for f in scanned],
            commits=params.commits,
        )
