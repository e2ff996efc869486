"""The words Billy understands: dimension names and their synonyms, aliases of well-known values, measure and
intent vocabulary. General English and FinOps vocabulary only: values (providers, teams, models, ...) always come
from the store itself (see agents.billy.resolve). The ordinary words a question may contain are in
agents.billy.stopwords (generic words, capitalised non-names) and agents.billy.filler.
"""

from __future__ import annotations

import re

NUMBER_WORDS = {
    "a": 1,
    "an": 1,
    "one": 1,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
    "ten": 10,
    "eleven": 11,
    "twelve": 12,
    "thirteen": 13,
    "fourteen": 14,
    "fifteen": 15,
    "twenty": 20,
    "thirty": 30,
    "sixty": 60,
    "ninety": 90,
    "hundred": 100,
    "single": 1,
    "couple": 2,
    "few": 3,  # "the last few days": three, said in the period's label
}

# Words that name a dimension (for "by X", "which X", "per X", "the X team"). Keys are dimension names;
# tag keys and virtual tags are added from the store at run time (their own name, plural and spacing variants).
BUILTIN_DIMENSION_WORDS: dict[str, tuple[str, ...]] = {
    "provider": (
        "provider",
        "providers",
        "vendor",
        "vendors",
        "cloud",
        "clouds",
        "supplier",
        "suppliers",
        "ai provider",
        "ai providers",
        "llm provider",
        "llm providers",
        "model provider",
        "model providers",
    ),
    "service": ("service", "services", "cloud service", "cloud services", "ai service", "ai services"),
    "model": (
        "model",
        "models",
        "llm",
        "llms",
        "ai model",
        "ai models",
        "language model",
        "language models",
        "foundation model",
        "foundation models",
    ),
    "sub_account": (
        "account",
        "accounts",
        "sub account",
        "sub accounts",
        "subaccount",
        "subaccounts",
        "project",
        "projects",
        "subscription",
        "subscriptions",
        "workspace",
        "workspaces",
        "aws account",
        "aws accounts",
        "gcp project",
        "gcp projects",
        "azure subscription",
        "azure subscriptions",
    ),
    "billing_account": ("billing account", "billing accounts"),
    "region": ("region", "regions", "location", "locations"),
    "token_type": (
        "token type",
        "token types",
        "type of token",
        "types of token",
        "kind of token",
        "kinds of token",
        "token kind",
        "token kinds",
    ),
    "charge_category": ("charge category", "charge categories", "charge type", "charge types"),
    "pricing_category": ("pricing category", "pricing categories", "pricing model", "pricing models"),
    "resource": ("resource", "resources", "deployment", "deployments", "endpoint", "endpoints"),
    "instance_type": (
        "instance type",
        "instance types",
        "machine type",
        "machine types",
        "gpu type",
        "gpu types",
    ),
    "commitment": ("commitment", "commitments", "reservation", "reservations"),
    "invoice_issuer": ("invoice issuer", "invoice issuers", "issuer", "issuers", "biller", "billers"),
    "publisher": ("publisher", "publishers"),
    "service_category": ("service category", "service categories", "category", "categories"),
    "day": ("day", "days", "daily", "date", "dates"),
    "week": ("week", "weeks", "weekly"),
    "month": ("month", "months", "monthly"),
}

# Synonyms of common tag keys; each applies only when the store has the key on the left.
TAG_SYNONYMS: dict[str, tuple[str, ...]] = {
    "team": (
        "team",
        "teams",
        "squad",
        "squads",
        "department",
        "departments",
        "group",
        "groups",
        "owner",
        "owners",
    ),
    "env": ("env", "envs", "environment", "environments", "stage", "stages"),
    "environment": ("environment", "environments", "env", "envs", "stage", "stages"),
    "customer": ("customer", "customers", "client", "clients", "tenant", "tenants", "partner", "partners"),
    "feature": ("feature", "features", "product feature", "product features"),
    "product": ("product", "products"),
    "app": ("app", "apps", "application", "applications"),
    "application": ("application", "applications", "app", "apps"),
    "cost_center": ("cost center", "cost centers", "cost centre", "cost centres", "costcenter"),
    "cost_centre": ("cost centre", "cost centres", "cost center", "cost centers", "costcentre"),
    "costcenter": ("cost center", "cost centers", "cost centre", "cost centres", "costcenter"),
    "costcentre": ("cost centre", "cost centres", "cost center", "cost centers", "costcentre"),
    "project": ("project", "projects"),
    "workload": ("workload", "workloads"),
    "owner": ("owner", "owners"),
    "dept": ("dept", "depts", "department", "departments"),
    "deploy": ("deploy", "deploys", "deployment", "deployments"),
    "service": ("service", "services"),
}

# Tag keys that carry a concept under another name, in order of preference: when the store has no key named
# like the concept, the concept's words ("team", "squad", "feature") name the first of these keys it has.
CONCEPT_KEYS: dict[str, tuple[str, ...]] = {
    "team": (
        "team",
        "owner",
        "squad",
        "department",
        "dept",
        "division",
        "practice",
        "cost_center",
        "costcenter",
        "cost_centre",
        "costcentre",
        "business_unit",
        "group",
        "guild",
        "tribe",
        "pod",
        "crew",
        "vertical",
        "line_of_business",
        "org",
    ),
    "feature": (
        "feature",
        "app",
        "application",
        "product",
        "workload",
        "use_case",
        "usecase",
        "project",
        "tool",
        "capability",
        "module",
    ),
    "env": ("env", "environment", "stage", "tier", "deploy", "deployment"),
}

# Which tag key "untagged" means when the question names none, in order of preference.
OWNERSHIP_KEYS = (
    "team",
    "owner",
    "cost_center",
    "costcenter",
    "cost_centre",
    "costcentre",
    "department",
    "dept",
    "division",
    "practice",
    "project",
    "product",
    "app",
    "application",
    "customer",
    "feature",
)

# Extra names of well-known values, applied only when the value on the right exists in that dimension.
VALUE_ALIASES: dict[str, dict[str, tuple[str, ...]]] = {
    "provider": {
        "aws": ("amazon", "amazon web services"),
        "amazon web services": ("aws", "amazon"),
        "microsoft": ("azure", "microsoft azure"),
        "azure": ("microsoft", "microsoft azure"),
        "google cloud": ("google", "gcp", "google cloud platform"),
        "gcp": ("google", "google cloud"),
        "google cloud platform": ("google", "google cloud"),
        "microsoft azure": ("azure", "microsoft"),
        "openai": ("open ai",),
    },
    "service": {
        "amazon elastic compute cloud": ("ec2", "aws ec2", "amazon ec2"),
        "amazon ec2": ("ec2", "aws ec2", "elastic compute cloud"),
        "amazon simple storage service": ("s3", "amazon s3"),
        "vertex ai": ("vertex",),
        "amazon bedrock": ("bedrock", "aws bedrock"),
        "compute engine": ("gce", "google compute engine", "gcp compute engine"),
        "google compute engine": ("gce", "compute engine"),
        "azure openai": ("aoai", "azure open ai"),
    },
}

# Environment spellings (a tag value "prod" answers to "production", and so on).
VALUE_SYNONYMS: dict[str, tuple[str, ...]] = {
    "prod": ("production",),
    "prd": ("production", "prod"),
    "production": ("prod",),
    "dev": ("development",),
    "development": ("dev",),
    "stg": ("staging", "stage"),
    "staging": ("stage", "stg"),
    # homologation, user acceptance and pre-production environments are what others call staging
    "hml": ("staging", "homologation", "homolog"),
    "homolog": ("staging", "homologation", "hml"),
    "homologation": ("staging", "hml"),
    "uat": ("staging", "user acceptance"),
    "preprod": ("staging", "pre-production", "pre-prod"),
    "pre-prod": ("staging", "pre-production", "preprod"),
    "test": ("testing",),
    "qa": ("quality assurance",),
}

MONEY_MEASURES = {"cost", "effective_cost", "billed_cost", "list_cost", "contracted_cost"}
TOKEN_TYPES = ("input", "output", "cached_input", "cache_write", "reasoning")

SUPERLATIVE_HIGH = (
    r"most|highest|biggest|largest|greatest|top|max|maximum|heaviest|costliest|priciest|leading|peak|peaked|"
    r"most expensive|largest share|biggest share|the most"
)
# "which team owns that model": the data records no owner, so the owner is read as who spent the most on it
OWNERSHIP_VERBS = r"owns|owned"
SUPERLATIVE_LOW = r"least|lowest|smallest|cheapest|fewest|min|minimum|least expensive|bottom"

UP_WORDS = {
    "increase",
    "increased",
    "increases",
    "increasing",
    "grow",
    "grew",
    "grown",
    "growing",
    "growth",
    "rise",
    "rose",
    "risen",
    "rising",
    "up",
    "jump",
    "jumped",
    "climb",
    "climbed",
    "spike",
    "spiked",
    "higher",
    "more",
    "gain",
    "gained",
    "pricier",
    "costlier",
}
DOWN_WORDS = {
    "decrease",
    "decreased",
    "decreases",
    "decreasing",
    "fall",
    "fell",
    "fallen",
    "falling",
    "drop",
    "dropped",
    "down",
    "decline",
    "declined",
    "shrink",
    "shrank",
    "lower",
    "less",
    "fewer",
    "reduce",
    "reduced",
    "cut",
    "saved",
    "cheaper",
}


def words_re(words: tuple[str, ...] | list[str] | set[str]) -> str:
    """A regex alternation that matches any of the phrases as whole words (longest first)."""
    parts = sorted({w for w in words if w}, key=len, reverse=True)
    return r"(?<![\w-])(?:" + "|".join(re.escape(p).replace(r"\ ", r"[\s_-]+") for p in parts) + r")(?![\w-])"
