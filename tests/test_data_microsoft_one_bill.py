"""One Microsoft Customer Agreement bill from two exports: the Azure cost export (MCA layout: `billingAccountId`
is the billing account, `billingProfileId` the profile the bill is issued for) and Microsoft's FOCUS export of
the same profile (BillingAccountId = the profile; finops-toolkit docs-mslearn/focus/mapping.md: "BillingProfileId
... Microsoft Customer Agreement: Use BillingAccountId"). Imported together they are one bill counted twice; the
one-bill rule (data/scopes.py) must see them as one bill in either order, on DuckDB and chdb, and
--replace-period must switch the bill between them. Files are written here (no vendor sample is copied)."""

from __future__ import annotations

import csv
from decimal import Decimal
from pathlib import Path

import pytest
from samples import SAMPLES, shared_file
from spendscope.data.errors import ImportRejected
from spendscope.data.importing import import_files
from spendscope.data.store import Store

ACCOUNT = "5c1b2f3e-7a6d-4b1c-9d8e-0f1a2b3c4d5e:8e7d6c5b-4a3f-4e2d-b1c0-9f8e7d6c5b4a_2019-05-31"
PROFILE = "AB12-CD34-EF5-GHI"
OTHER_PROFILE = "ZY98-XW76-VU5-TSR"
DAYS = range(3, 7)
# the MCA cost export's columns this file writes, spelt as Microsoft writes them (checked against a real MCA
# export's header below when ../shared is present)
MCA_HEADER = [
    "invoiceId",
    "billingAccountId",
    "billingAccountName",
    "billingProfileId",
    "billingProfileName",
    "invoiceSectionId",
    "invoiceSectionName",
    "billingPeriodEndDate",
    "billingPeriodStartDate",
    "date",
    "meterId",
    "meterName",
    "meterCategory",
    "subscriptionId",
    "subscriptionName",
    "resourceGroupName",
    "quantity",
    "unitOfMeasure",
    "chargeType",
    "billingCurrency",
    "costInBillingCurrency",
]
FOCUS_HEADER = [
    "BillingAccountId",
    "BillingAccountName",
    "BillingAccountType",
    "BillingCurrency",
    "BillingPeriodStart",
    "BillingPeriodEnd",
    "ChargePeriodStart",
    "ChargePeriodEnd",
    "ChargeCategory",
    "BilledCost",
    "EffectiveCost",
    "ProviderName",
    "PublisherName",
    "InvoiceIssuerName",
    "ServiceName",
    "SkuMeter",
    "SubAccountId",
    "x_BillingAccountId",
    "x_BillingProfileId",
]


def _cost(profile: str, day: int, item: int, version: int = 0) -> Decimal:
    other = Decimal("0.5") if profile != PROFILE else Decimal(0)
    return Decimal(item + 1) * Decimal("1.25") + Decimal(day) / 100 + other + Decimal(version) / 1000


def _write(path: Path, header: list[str], rows: list[list[str]]) -> Path:
    with open(path, "w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(header)
        w.writerows(rows)
    return path


def mca_export(path: Path, profiles: tuple[str, ...] = (PROFILE,), version: int = 0) -> Path:
    """The Azure cost export of billing account ACCOUNT (actual cost, MCA layout), rows of `profiles`."""
    rows = [
        [
            "",
            ACCOUNT,
            "Contoso Ltd",
            profile,
            f"Contoso {profile[:4]}",
            f"IS-{profile[:4]}",
            "Research",
            "10/31/2026",
            "10/01/2026",
            f"10/{d:02d}/2026",
            f"meter-{i}",
            "Hot LRS Data Stored",
            "Storage",
            f"sub-{profile[:4]}-{i}",
            "research",
            "rg",
            "1",
            "1 GB/Month",
            "Usage",
            "USD",
            str(_cost(profile, d, i, version)),
        ]
        for profile in profiles
        for d in DAYS
        for i in range(3)
    ]
    return _write(path, MCA_HEADER, rows)


def focus_export(path: Path, profile: str = PROFILE, account: str | None = None) -> Path:
    """Microsoft's FOCUS export of billing profile `profile` for the same days: BillingAccountId is the profile.
    `account`: a FOCUS file of the same bill that names the billing account instead, with the profile in its
    x_BillingProfileId (another tool's FOCUS conversion, or `spendscope export focus` of an Azure import)."""
    rows = [
        [
            account or profile,
            f"Contoso {profile[:4]}",
            "Billing Profile",
            "USD",
            "2026-10-01T00:00:00Z",
            "2026-11-01T00:00:00Z",
            f"2026-10-{d:02d}T00:00:00Z",
            f"2026-10-{d + 1:02d}T00:00:00Z",
            "Usage",
            str(_cost(profile, d, i)),
            str(_cost(profile, d, i)),
            "Microsoft",
            "Microsoft",
            "Microsoft",
            "Storage Accounts",
            "Hot LRS Data Stored",
            f"/subscriptions/sub-{profile[:4]}-{i}",
            ACCOUNT,
            profile,
        ]
        for d in DAYS
        for i in range(3)
    ]
    return _write(path, FOCUS_HEADER, rows)


def _bill(profiles: tuple[str, ...] = (PROFILE,), version: int = 0) -> Decimal:
    return sum((_cost(p, d, i, version) for p in profiles for d in DAYS for i in range(3)), Decimal(0))


def _held(store: Store) -> list[tuple[str, Decimal]]:
    """(source, billed cost) the store holds, by source."""
    with store.reader() as con:
        return [
            (s, Decimal(b))
            for s, b in con.execute(
                "SELECT x_Source, sum(BilledCost) FROM costs GROUP BY x_Source ORDER BY x_Source"
            ).fetchall()
        ]


@pytest.mark.parametrize("backend", ["duckdb", "chdb"])
def test_an_mca_cost_export_and_the_focus_export_of_its_profile_are_one_bill_in_either_order(
    store: Store, tmp_path: Path, backend: str
) -> None:
    """Whichever export the store holds, the other is refused by default (naming the source the store holds and
    how it names the bill), and --replace-period switches the bill to it: the bill is held once, never twice."""
    if backend == "chdb":
        pytest.importorskip("chdb", reason="the clickhouse extra (chdb) is not installed")
        store = Store(f"chdb:{tmp_path / 'chdb'}")
    mca, focus = mca_export(tmp_path / "mca.csv"), focus_export(tmp_path / "focus.csv")
    newer_mca = mca_export(tmp_path / "mca-2.csv", version=1)
    import_files(store, "azure", [mca])
    assert _held(store) == [("azure", _bill())]
    # the store holds the cost export, the FOCUS export arrives; then the other way round
    for held, second, path, bill in (
        ("azure", "focus", focus, _bill()),
        ("focus", "azure", newer_mca, _bill(version=1)),
    ):
        with pytest.raises(ImportRejected) as info:
            import_files(store, second, [path])
        assert info.value.code == "import_rejected"
        (part,) = info.value.details["sources"]
        assert f"`spendscope import {held}`" in part
        assert PROFILE in part and ACCOUNT in part
        assert _held(store)[0][0] == held
        import_files(store, second, [path], mode="replace-period")
        assert _held(store) == [(second, bill)]


def test_the_profile_is_kept_and_the_focus_export_of_another_profile_is_another_bill(
    store: Store, tmp_path: Path
) -> None:
    import_files(store, "azure", [mca_export(tmp_path / "mca.csv")])
    with store.reader() as con:
        named = con.execute("SELECT DISTINCT BillingAccountId, x_BillingProfileId FROM costs").fetchall()
    assert named == [(ACCOUNT, PROFILE)]
    import_files(store, "focus", [focus_export(tmp_path / "focus.csv", OTHER_PROFILE)])
    assert _held(store) == [("azure", _bill()), ("focus", _bill((OTHER_PROFILE,)))]


def test_switching_one_profile_of_an_account_wide_export_keeps_the_other_profiles_rows(
    store: Store, tmp_path: Path
) -> None:
    """An MCA export of the whole billing account holds two profiles' bills: the FOCUS export of one profile is
    refused, and with --replace-period replaces that profile's rows only. Back again: the account-wide export
    replaces it."""
    both = (PROFILE, OTHER_PROFILE)
    import_files(store, "azure", [mca_export(tmp_path / "mca.csv", both)])
    with pytest.raises(ImportRejected):
        import_files(store, "focus", [focus_export(tmp_path / "focus.csv")])
    import_files(store, "focus", [focus_export(tmp_path / "focus.csv")], mode="replace-period")
    assert _held(store) == [("azure", _bill((OTHER_PROFILE,))), ("focus", _bill())]
    newer = mca_export(tmp_path / "mca-2.csv", both, version=1)
    import_files(store, "azure", [newer], mode="replace-period")
    assert _held(store) == [("azure", _bill(both, version=1))]


def _chdb(store: Store, tmp_path: Path, backend: str) -> Store:
    if backend == "duckdb":
        return store
    pytest.importorskip("chdb", reason="the clickhouse extra (chdb) is not installed")
    return Store(f"chdb:{tmp_path / 'chdb'}")


@pytest.mark.parametrize("backend", ["duckdb", "chdb"])
def test_a_focus_file_naming_the_account_and_the_profile_is_the_bill_microsofts_focus_export_names_by_profile(
    store: Store, tmp_path: Path, backend: str
) -> None:
    """Two FOCUS files of one MCA bill: Microsoft's (BillingAccountId = the profile) and one naming the billing
    account with the profile in x_BillingProfileId. Both are `import focus`, so the scope rule (by
    BillingAccountId) used to add the second beside the first: the bill twice (probe 27)."""
    store = _chdb(store, tmp_path, backend)
    import_files(store, "focus", [focus_export(tmp_path / "ms.csv")])
    other = focus_export(tmp_path / "tool.csv", account=ACCOUNT)
    with pytest.raises(ImportRejected) as info:
        import_files(store, "focus", [other])
    assert info.value.code == "import_rejected"
    assert _held(store) == [("focus", _bill())]
    import_files(store, "focus", [other], mode="replace-period")
    assert _held(store) == [("focus", _bill())]
    with store.reader() as con:
        named = con.execute("SELECT DISTINCT BillingAccountId, x_BillingProfileId FROM costs").fetchall()
    assert named == [(ACCOUNT, PROFILE)]


@pytest.mark.parametrize("backend", ["duckdb", "chdb"])
def test_a_focus_file_naming_the_account_and_another_profile_is_another_bill(
    store: Store, tmp_path: Path, backend: str
) -> None:
    """The MCA cost export of profile P (billing account A) is held; a FOCUS file naming A with x_BillingProfileId
    = Q is Q's bill: added, not refused as the same bill (probe 27). The FOCUS file of P naming A is refused."""
    store = _chdb(store, tmp_path, backend)
    import_files(store, "azure", [mca_export(tmp_path / "mca.csv")])
    import_files(store, "focus", [focus_export(tmp_path / "q.csv", OTHER_PROFILE, account=ACCOUNT)])
    assert _held(store) == [("azure", _bill()), ("focus", _bill((OTHER_PROFILE,)))]
    with pytest.raises(ImportRejected):
        import_files(store, "focus", [focus_export(tmp_path / "p.csv", account=ACCOUNT)])


@pytest.mark.parametrize("backend", ["duckdb", "chdb"])
def test_a_restated_export_of_one_profile_keeps_the_other_profiles_rows_of_an_account_wide_export(
    store: Store, tmp_path: Path, backend: str
) -> None:
    """MCA invoices are per billing profile and the cost export is scoped to the account or to one profile: the
    account-wide export (P, Q), then a restated export scoped to P, replaces P's rows only (probe 28: Q's rows were
    deleted); the next account-wide export replaces both again."""
    store = _chdb(store, tmp_path, backend)
    both = (PROFILE, OTHER_PROFILE)
    import_files(store, "azure", [mca_export(tmp_path / "mca.csv", both)])
    import_files(store, "azure", [mca_export(tmp_path / "mca-p.csv", version=1)])
    assert _held(store) == [("azure", _bill(version=1) + _bill((OTHER_PROFILE,)))]
    import_files(store, "azure", [mca_export(tmp_path / "mca-2.csv", both, version=2)])
    assert _held(store) == [("azure", _bill(both, version=2))]


def test_the_mca_columns_written_here_are_spelt_as_in_a_real_mca_export() -> None:
    real = shared_file(SAMPLES / "real" / "azure_mca_koku_camel_azure_version_2.csv")
    with open(real, encoding="utf-8-sig", newline="") as fh:
        header = next(csv.reader(fh))
    assert [c for c in MCA_HEADER if c not in header] == []
