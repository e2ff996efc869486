"""Words a company uses for its customers ("which resort cost us the most", "top site", "the distributors"):
a noun naming a kind of customer is read as telemetry's customers only where the store says so, and Billy says it
read it so.

The evidence, in the store's own data:
- every customer value holds the noun as a word ('site-tumelo', 'site-kgotla': "site"), or starts with the same
  short prefix that abbreviates it ('dyst-kafelek', 'dyst-bauhof': "distributor"; 'prop-bos01': "property");
- the company's name (the billing account) holds it ('Sable Ridge Resorts': "resort").
Only nouns for a kind of party a company bills or serves qualify (no products: "which wine cost the most" at a
winery is no customer), and never a word that already names a dimension or a value of the store."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from spendscope.agents.billy.catalog_index import ValueIndex

_TOKEN = re.compile(r"[a-z0-9]+")


def tokens(text: str) -> list[str]:
    return _TOKEN.findall(text.lower())


# Kinds of party a company's telemetry customers are (singular; plurals are derived)
CUSTOMER_KINDS = (
    "resort",
    "hotel",
    "property",
    "lodge",
    "site",
    "store",
    "shop",
    "clinic",
    "hospital",
    "branch",
    "location",
    "farm",
    "mine",
    "plant",
    "factory",
    "mill",
    "school",
    "campus",
    "restaurant",
    "venue",
    "warehouse",
    "depot",
    "outlet",
    "franchise",
    "franchisee",
    "distributor",
    "dealer",
    "dealership",
    "reseller",
    "retailer",
    "wholesaler",
    "brand",
    "agency",
    "broker",
    "station",
    "pharmacy",
    "studio",
    "gym",
)


def plural(noun: str) -> str:
    if noun.endswith("y") and noun[-2:-1] not in "aeiou":
        return noun[:-1] + "ies"
    return noun + ("es" if noun.endswith(("s", "x", "ch", "sh")) else "s")


def _abbreviates(prefix: str, noun: str) -> bool:
    """'prop' for property, 'acct' for account, 'dyst' for distributor: the noun's first letter, and the prefix's
    letters in order in the noun or the noun's start with one letter changed."""
    if len(prefix) < 3 or not prefix.isalpha() or prefix[0] != noun[0] or len(prefix) >= len(noun):
        return False
    it = iter(noun)
    if all(ch in it for ch in prefix):
        return True
    return sum(a != b for a, b in zip(prefix, noun[: len(prefix)], strict=True)) == 1


def _evidence(noun: str, customers: list[list[str]], company: list[str]) -> str | None:
    if len(customers) >= 2 and all(noun in toks or plural(noun) in toks for toks in customers):
        return f"every customer's name holds '{noun}'"
    firsts = {toks[0] for toks in customers if toks}
    if len(customers) >= 2 and len(firsts) == 1 and all(len(t) > 1 for t in customers):
        prefix = next(iter(firsts))
        if _abbreviates(prefix, noun):
            return f"every customer's name starts '{prefix}-'"
    if noun in company or plural(noun) in company:
        return f"the company is {' '.join(company).title()}"
    return None


def customer_nouns(idx: ValueIndex) -> None:
    """Name telemetry's customer dimension by the company's own word for its customers (`idx.dim_words`), and
    keep the reason for the answer's assumptions (`idx.noun_reasons`)."""
    keys = [k for k in idx.telemetry_keys() if k.lower() in ("customer", "customers", "customer_id")]
    if not keys:
        return
    key = keys[0]
    customers = [tokens(v) for v in idx.values.get(key, []) if isinstance(v, str)]
    company = [t for v in idx.values.get("billing_account", []) if isinstance(v, str) for t in tokens(v)]
    for noun in CUSTOMER_KINDS:
        forms = ((noun,), (plural(noun),))
        if any(f in idx.dim_words for f in forms):
            continue
        why = _evidence(noun, customers, company)
        if why is None:
            continue
        for f in forms:
            idx.dim_words[f] = key
            idx.noun_reasons[f[0]] = f"'{f[0]}' read as the customers in telemetry ({why})"


def said_customer_nouns(words: list[str], idx: ValueIndex) -> list[str]:
    """The assumptions to state for a company's own customer words in a question (once each)."""
    seen = dict.fromkeys(w for w in words if w in idx.noun_reasons)
    return [idx.noun_reasons[w] for w in seen]
