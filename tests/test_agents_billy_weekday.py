"""Billy on days of the week, at two companies of earlier rounds (not the round 27 company the questions were first
asked at): weekday against weekend spend, the most expensive day of the week, a named day's spend, and the what-if
"if we had turned X off at weekends, how much would we have saved", worded several ways; a machine or resource that
does not exist is declined with what there is (never 0.00).

- Corvid Sentinel (tests/fixtures/billy/corvid.py, USD, "today" 2026-10-14): an 8x H200 box and a 4x L40S box on
  CoreWeave, billed hourly;
- Glazura Ceramika (tests/fixtures/billy/glazura.py, PLN, "today" 2027-06-09): a 2x H100 and a 4x L40S box on
  Scaleway, billed hourly, and a reserved deployment bought monthly.

Expected answers are hand-written SQL over the imported rows (DuckDB's own `dayofweek` / `dayname`, not
spendscope's dimension), judged by billy_harness.judge.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from billy_harness import BlindRound, between, cost, number_ok, round_store, which
from billy_harness import pytest_generate_tests as _round_params
from fixtures.billy.corvid import build as build_corvid
from fixtures.billy.glazura import build as build_glazura
from spendscope.agents.billy import ask
from spendscope.data.settings import Settings
from spendscope.data.store import Store

pytest_generate_tests = _round_params

WEEKEND = "dayofweek(ChargePeriodStart) IN (0, 6) AND ChargePeriodEnd <= ChargePeriodStart + INTERVAL 1 DAY"
WEEKDAY = (
    "dayofweek(ChargePeriodStart) BETWEEN 1 AND 5 AND ChargePeriodEnd <= ChargePeriodStart + INTERVAL 1 DAY"
)
DAYNAME = "dayname(ChargePeriodStart)"
ONE_DAY = "ChargePeriodEnd <= ChargePeriodStart + INTERVAL 1 DAY"

C = "2026-10-14"
C_AUG = between("2026-08-01", "2026-09-01")
C_SEP = between("2026-09-01", "2026-10-01")
C_H200 = "ResourceId = 'cw-h200-01'"
C_L40S = "ResourceId = 'cw-l40s-01'"

CORVID = [
    ("whatif", "if we turned the l40s box off at weekends in september, how much would we have saved", "number",
     cost(C_SEP, f"{C_L40S} AND {WEEKEND}"), C),
    ("whatif", "how much would switching off the h200 box on weekends have saved us last month", "number",
     cost(C_SEP, f"{C_H200} AND {WEEKEND}"), C),
    ("whatif", "what would we save by shutting down the l40s machine saturdays and sundays in august", "number",
     cost(C_AUG, f"{C_L40S} AND {WEEKEND}"), C),
    ("whatif", "what would we have saved by shutting down the a100 box on weekends in sept", "none", "", C),
    ("split", "weekend vs weekday spend in september", "number", cost(C_SEP, WEEKEND), C),
    ("split", "did we spend more on weekdays or weekends in august", "number", cost(C_AUG, WEEKDAY), C),
    ("rank", "which day of the week is most expensive in august", "which", which(C_AUG, DAYNAME, ONE_DAY), C),
    ("rank", "cheapest weekday last month", "which", which(C_SEP, DAYNAME, ONE_DAY, desc=False), C),
    ("day", "what did we spend on sundays in august", "number",
     cost(C_AUG, f"dayofweek(ChargePeriodStart) = 0 AND {ONE_DAY}"), C),
    ("day", "saturday spend last month", "number", cost(C_SEP, f"dayofweek(ChargePeriodStart) = 6 AND {ONE_DAY}"), C),
]  # fmt: skip

G = "2027-06-09"
G_MAY = between("2027-05-01", "2027-06-01")
G_APR = between("2027-04-01", "2027-05-01")
G_H100 = "ResourceId = 'scw-h100-glaze'"
G_L40S = "ResourceId = 'scw-l40s-render'"

GLAZURA = [
    ("whatif", "if we'd powered off the h100 box on weekends in may how much would we have saved", "number",
     cost(G_MAY, f"{G_H100} AND {WEEKEND}"), G),
    ("whatif", "savings if tile-render-l40s was turned off every weekend in april?", "number",
     cost(G_APR, f"{G_L40S} AND {WEEKEND}"), G),
    ("whatif", "how much would we have saved turning the b200 box off at weekends last month", "none", "", G),
    # a reserved deployment's hours are paid whether it runs or not: nothing saved (never its amortised weekend cost)
    ("whatif", "if we'd turned fw-reserved-vl off on weekends in may, what would we have saved", "number",
     f"SELECT coalesce(sum(EffectiveCost), 0) FROM costs WHERE {G_MAY} AND CommitmentDiscountName = "
     f"'fw-reserved-vl' AND CommitmentDiscountId IS NULL AND {WEEKEND}", G),
    ("split", "weekday vs weekend split for april", "number", cost(G_APR, WEEKEND), G),
    ("rank", "which weekday costs the most in may", "which", which(G_MAY, DAYNAME, ONE_DAY), G),
]  # fmt: skip


class TestCorvid(BlindRound):
    AS_OF = C
    QUESTIONS = CORVID

    def build(self, folder: Path) -> Store:
        return round_store(folder, build_corvid(folder), "corvid")


class TestGlazura(BlindRound):
    AS_OF = G
    CURRENCY = "PLN"
    QUESTIONS = GLAZURA

    def build(self, folder: Path) -> Store:
        return round_store(folder, build_glazura(folder), "glazura")

    def test_a_commitment_turned_off_at_weekends_says_its_weekend_hours_are_paid_anyway(
        self, store: Store, settings: Settings
    ) -> None:
        said = ask(
            store,
            "how much would we save by switching fw-reserved-vl off at weekends in may",
            as_of=dt.date.fromisoformat(G),
            settings=settings,
        )
        committed = number_ok(
            store, said, cost(G_MAY, f"CommitmentDiscountName = 'fw-reserved-vl' AND {WEEKEND}")
        )
        assert said.value == 0 and committed and "commitment" in said.answer, said.answer
