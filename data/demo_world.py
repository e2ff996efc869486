"""The fictional company of the embedded demo: its providers, sub-accounts, AI workloads, customers, GPU
instances and provisioned-throughput commitment. Static definitions only; data/demo_generate.py turns them into
rows. Prices are not here: token prices come from the price catalog, so the demo's bill and its telemetry
estimates agree the way real ones do.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

COMPANY = "Lumen Labs (demo)"
TOKEN_TYPES = ("input", "cached_input", "cache_write", "output")


@dataclass(frozen=True)
class Provider:
    """One bill: how it names itself in FOCUS and in OpenTelemetry."""

    key: str
    provider_name: str  # FOCUS ProviderName
    service: str  # FOCUS ServiceName
    telemetry: str  # gen_ai.provider.name the app records
    publisher: str
    invoice_issuer: str
    billing_account_id: str
    billing_account_name: str
    billing_account_type: str
    sub_account_type: str
    invoice_prefix: str
    region_id: str | None = None
    region_name: str | None = None
    service_category: str = "AI and Machine Learning"
    service_subcategory: str = "Generative AI"


PROVIDERS: dict[str, Provider] = {
    p.key: p
    for p in (
        Provider(
            "openai",
            "OpenAI",
            "OpenAI API",
            "openai",
            "OpenAI",
            "OpenAI",
            "org-LumenLabs7Q2x",
            "Lumen Labs",
            "Organization",
            "Project",
            "INV-OAI",
        ),
        Provider(
            "anthropic",
            "Anthropic",
            "Claude API",
            "anthropic",
            "Anthropic",
            "Anthropic",
            "org-4f1c7a2e-lumen",
            "Lumen Labs",
            "Organization",
            "Workspace",
            "INV-ANT",
        ),
        Provider(
            "bedrock",
            "AWS",
            "Amazon Bedrock",
            "aws.bedrock",
            "Amazon Web Services",
            "Amazon Web Services, Inc.",
            "111122223333",
            "lumen-payer",
            "Billing Account",
            "Account",
            "INV-AWS",
            "us-east-1",
            "US East (N. Virginia)",
        ),
        Provider(
            "ec2",
            "AWS",
            "Amazon Elastic Compute Cloud",
            "",
            "Amazon Web Services",
            "Amazon Web Services, Inc.",
            "111122223333",
            "lumen-payer",
            "Billing Account",
            "Account",
            "INV-AWS",
            "us-east-1",
            "US East (N. Virginia)",
            "Compute",
            "Virtual Machines",
        ),
        Provider(
            "azure",
            "Microsoft",
            "Azure OpenAI",
            "azure.ai.openai",
            "Microsoft",
            "Microsoft",
            "86115370",
            "Lumen Labs EA",
            "Billing Account",
            "Subscription",
            "INV-AZ",
            "eastus2",
            "East US 2",
        ),
        Provider(
            "vertex",
            "Google Cloud",
            "Vertex AI",
            "gcp.vertex_ai",
            "Google",
            "Google",
            "01A2B3-C4D5E6-F7A8B9",
            "Lumen Labs GCP",
            "Billing Account",
            "Project",
            "INV-GCP",
            "us-central1",
            "Iowa",
        ),
    )
}

# sub-account name -> id, per provider (names are what users and rule suggestion see)
ACCOUNTS: dict[tuple[str, str], str] = {
    ("openai", "search-prod"): "proj_Sx81kQe2LmV0",
    ("openai", "search-staging"): "proj_Sx81kQe2Stg4",
    ("openai", "search-experiments"): "proj_Sx81kQeExp77",
    ("openai", "insights-agent"): "proj_In5ghtAg3nt1",
    ("openai", "Default project"): "proj_Default00001",
    ("anthropic", "support-bot"): "wrkspc_01SupportBot",
    ("anthropic", "support-bot-staging"): "wrkspc_01SupportStg",
    ("anthropic", "ml-evals"): "wrkspc_01MlEvals",
    ("anthropic", "platform-tools"): "wrkspc_01PlatformTools",
    ("bedrock", "support-prod"): "210987654321",
    ("bedrock", "support-sandbox"): "210987654399",
    ("bedrock", "growth-prod"): "345678901234",
    ("ec2", "ml-prod"): "456789012345",
    ("azure", "growth-prod"): "3f2b9c1e-7a4d-4e8b-9c0f-1a2b3c4d5e6f",
    ("azure", "platform-prod"): "9d8c7b6a-5f4e-4d3c-8b2a-0f1e2d3c4b5a",
    ("vertex", "search-prod"): "search-prod-4821",
    ("vertex", "legal-prod"): "legal-prod-1170",
    ("vertex", "ml-sandbox"): "ml-sandbox-9035",
}


@dataclass(frozen=True)
class Model:
    """A model as the application calls it (`api_id`, what telemetry records) and as bills describe it."""

    api_id: str
    display: str  # as descriptions and meters name it
    latency_ms: float  # time to first token and overhead, per request
    ms_per_output_token: float


MODELS: dict[str, Model] = {
    m.api_id: m
    for m in (
        Model("gpt-4.1-mini-2025-04-14", "gpt-4.1-mini-2025-04-14", 450, 9),
        Model("gpt-4.1-2025-04-14", "gpt-4.1-2025-04-14", 700, 14),
        Model("o4-mini-2025-04-16", "o4-mini-2025-04-16", 2500, 8),
        Model("claude-sonnet-4-5-20250929", "Claude Sonnet 4.5", 1100, 16),
        Model("claude-haiku-4-5-20251001", "Claude Haiku 4.5", 500, 7),
        Model("us.anthropic.claude-haiku-4-5-20251001-v1:0", "Claude Haiku 4.5", 550, 7),
        Model("us.anthropic.claude-sonnet-4-5-20250929-v1:0", "Claude Sonnet 4.5", 1200, 16),
        # Bedrock's own description ("Mistral Large (24.07)") names no version the derivation can use, so
        # the demo's descriptions give the model id; the ResourceId arn carries the full Bedrock id.
        Model("mistral.mistral-large-2407-v1:0", "mistral-large-2407", 800, 12),
        Model("gpt-4o-mini-2024-07-18", "gpt-4o-mini-0718", 420, 8),
        Model("gpt-4o-2024-11-20", "gpt-4o-2024-11-20", 900, 12),
        Model("gemini-2.5-flash", "Gemini 2.5 Flash", 380, 5),
        Model("gemini-2.5-pro", "Gemini 2.5 Pro", 1600, 12),
    )
}


@dataclass(frozen=True)
class Workload:
    """One AI feature's traffic on one provider: the unit the generator simulates day by day."""

    feature: str
    team: str
    provider: str  # key of PROVIDERS
    account: str  # sub-account name (ACCOUNTS)
    model: str  # key of MODELS
    usd_per_day: float  # weekday spend at the first day, before noise
    mix: dict[str, int]  # tokens per request by token type (input excludes cached and cache-write)
    growth: float = 0.0  # per month, compounding
    weekend: float = 0.5  # Saturday/Sunday spend relative to a weekday
    env: str = "prod"
    staging_account: str | None = None  # where the feature's staging traffic is billed
    staging_share: float = 0.05
    customers: int = 0  # how many customers use it (0: internal)
    code_path: str = ""
    operation: str = "chat"
    tagged: bool = True  # the bill carries team/feature/env tags
    committed: bool = False  # served by the PTU commitment: no per-token bill rows
    telemetry: bool = True  # the app records usage events
    tier: str = "standard"  # service tier: batch (Message Batches), flex (OpenAI flex processing), ...
    geo: str | None = None  # inference geography: "us" for a Bedrock US cross-Region inference profile
    cache_1h_share: float = 0.0  # share of cache writes made with a 1-hour TTL
    long_share: float = 0.0  # extra requests above the model's long-context threshold, per ordinary request
    long_mix: dict[str, int] | None = None  # their tokens per request
    key: str = field(default="", compare=False)

    @property
    def name(self) -> str:
        return self.key or f"{self.feature}@{self.provider}:{self.account}"


WORKLOADS: tuple[Workload, ...] = (
    Workload(
        "search-rerank",
        "search",
        "openai",
        "search-prod",
        "gpt-4.1-mini-2025-04-14",
        430,
        {"input": 1800, "cached_input": 1200, "output": 120},
        growth=0.10,
        weekend=0.5,
        staging_account="search-staging",
        customers=26,
        code_path="app/search/rerank.py",
    ),
    Workload(
        "query-rewrite",
        "search",
        "vertex",
        "search-prod",
        "gemini-2.5-flash",
        115,
        {"input": 350, "output": 60},
        growth=0.12,
        weekend=0.5,
        staging_account="search-prod",
        staging_share=0.04,
        customers=26,
        code_path="app/search/rewrite.py",
    ),
    Workload(
        "support-bot",
        "support",
        "anthropic",
        "support-bot",
        "claude-sonnet-4-5-20250929",
        880,
        {"input": 1500, "cached_input": 9000, "cache_write": 700, "output": 380},
        growth=0.15,
        weekend=0.55,
        staging_account="support-bot-staging",
        customers=30,
        code_path="app/support/bot.py",
    ),
    Workload(
        "ticket-summary",
        "support",
        "bedrock",
        "support-prod",
        "us.anthropic.claude-haiku-4-5-20251001-v1:0",
        150,
        {"input": 3200, "output": 250},
        growth=0.05,
        weekend=0.45,
        staging_account="support-prod",
        staging_share=0.03,
        customers=30,
        code_path="app/support/summarize.py",
        geo="us",
    ),
    Workload(
        "email-drafts",
        "growth",
        "azure",
        "growth-prod",
        "gpt-4o-mini-2024-07-18",
        80,
        {"input": 900, "cached_input": 400, "output": 450},
        growth=0.18,
        weekend=0.4,
        staging_account="growth-prod",
        customers=22,
        code_path="app/growth/email_drafts.py",
    ),
    Workload(
        "lead-scoring",
        "growth",
        "bedrock",
        "growth-prod",
        "mistral.mistral-large-2407-v1:0",
        60,
        {"input": 1400, "output": 40},
        growth=0.10,
        weekend=0.6,
        customers=18,
        code_path="app/growth/lead_scoring.py",
    ),
    Workload(
        "contract-review",
        "legal",
        "vertex",
        "legal-prod",
        "gemini-2.5-pro",
        210,
        {"input": 30000, "cached_input": 12000, "output": 1800},
        growth=0.08,
        weekend=0.3,
        staging_account="legal-prod",
        staging_share=0.03,
        customers=12,
        code_path="app/legal/contract_review.py",
        long_share=0.05,
        long_mix={"input": 230000, "cached_input": 15000, "output": 2500},
    ),
    Workload(
        "insights-agent",
        "data-science",
        "openai",
        "insights-agent",
        "o4-mini-2025-04-16",
        290,
        {"input": 4000, "cached_input": 2500, "output": 2200},
        growth=0.20,
        weekend=0.5,
        staging_account="insights-agent",
        customers=20,
        code_path="app/insights/agent.py",
        tier="flex",
    ),
    Workload(
        "eval-harness",
        "data-science",
        "anthropic",
        "ml-evals",
        "claude-sonnet-4-5-20250929",
        110,
        {"input": 2500, "output": 600},
        growth=0.05,
        weekend=0.2,
        env="staging",
        code_path="evals/run_suite.py",
        tier="batch",
    ),
    Workload(
        "doc-ingest",
        "platform",
        "azure",
        "platform-prod",
        "gpt-4o-2024-11-20",
        330,
        {"input": 6000, "output": 350},
        growth=0.03,
        weekend=0.65,
        customers=20,
        committed=True,
        code_path="pipelines/ingest/extract.py",
        operation="batch",
    ),
    Workload(
        "code-review-bot",
        "platform",
        "anthropic",
        "platform-tools",
        "claude-sonnet-4-5-20250929",
        70,
        {"input": 6000, "cached_input": 4000, "cache_write": 1500, "output": 700},
        growth=0.06,
        weekend=0.15,
        code_path="tools/review_bot/review.py",
        cache_1h_share=0.5,  # a review session outlives the 5-minute cache
    ),
    # untagged spend: the bill carries no team/feature/env tags (telemetry still knows where most came from)
    Workload(
        "search-rerank",
        "search",
        "openai",
        "search-experiments",
        "gpt-4.1-mini-2025-04-14",
        80,
        {"input": 2400, "cached_input": 600, "output": 160},
        weekend=0.35,
        env="staging",
        tagged=False,
        code_path="app/search/rerank.py",
        key="search-experiments",
    ),
    Workload(
        "ticket-summary",
        "support",
        "bedrock",
        "support-sandbox",
        "us.anthropic.claude-haiku-4-5-20251001-v1:0",
        50,
        {"input": 3000, "output": 300},
        weekend=0.3,
        env="staging",
        tagged=False,
        code_path="app/support/summarize.py",
        key="support-sandbox",
        geo="us",
    ),
    Workload(
        "notebooks",
        "data-science",
        "vertex",
        "ml-sandbox",
        "gemini-2.5-pro",
        6,
        {"input": 5000, "output": 900},
        weekend=0.2,
        env="staging",
        tagged=False,
        telemetry=False,
        key="ml-sandbox",
    ),
    Workload(
        "adhoc",
        "unknown",
        "openai",
        "Default project",
        "gpt-4.1-2025-04-14",
        45,
        {"input": 3000, "output": 500},
        weekend=0.3,
        tagged=False,
        telemetry=False,
        key="default-project",
    ),
)

CUSTOMERS: tuple[str, ...] = (
    "acme-corp",
    "globex",
    "initech",
    "umbrella",
    "hooli",
    "stark-industries",
    "wayne-enterprises",
    "wonka",
    "tyrell",
    "cyberdyne",
    "soylent",
    "massive-dynamic",
    "aperture",
    "oscorp",
    "vandelay",
    "dunder-mifflin",
    "pied-piper",
    "blue-sun",
    "gringotts",
    "monsters-inc",
    "nakatomi",
    "bluth-company",
    "prestige-worldwide",
    "sterling-cooper",
    "wernham-hogg",
    "kramerica",
    "duff-beer",
    "oceanic-air",
    "weyland-yutani",
    "virtucon",
)


@dataclass(frozen=True)
class GpuInstance:
    instance_id: str  # = costs.ResourceId = gpu_samples.instance_id
    name: str
    instance_type: str
    gpus: int
    gpu_name: str
    memory_mib: float
    hourly: Decimal  # on-demand USD per instance hour
    team: str
    feature: str
    behaviour: str  # "idle", "busy" or "finetune" (launched for a job, then left running)
    host: str


GPU_INSTANCES: tuple[GpuInstance, ...] = (
    GpuInstance(
        "i-0c4f5e6a7b8c9d0e1",
        "legacy-embedder-g5",
        "g5.12xlarge",
        4,
        "NVIDIA A10G",
        23028,
        Decimal("5.672"),
        "platform",
        "legacy-embedder",
        "idle",
        "ip-10-20-4-17",
    ),
    GpuInstance(
        "i-0a7d3c9e1f2b4a6c8",
        "rerank-serving-g5",
        "g5.2xlarge",
        1,
        "NVIDIA A10G",
        23028,
        Decimal("1.212"),
        "search",
        "search-rerank",
        "busy",
        "ip-10-20-6-42",
    ),
    GpuInstance(
        "i-0e9b8a7c6d5f4e3a2",
        "finetune-p5",
        "p5.48xlarge",
        8,
        "NVIDIA H100 80GB HBM3",
        81559,
        Decimal("55.04"),
        "data-science",
        "fine-tuning",
        "finetune",
        "ip-10-20-9-5",
    ),
)


@dataclass(frozen=True)
class SelfHostedModel:
    """A model served on one of the GPU instances above (vLLM), recorded by the app's telemetry."""

    model: str
    instance_id: str  # = GpuInstance.instance_id
    feature: str
    team: str
    operation: str
    requests_per_day: float  # weekday requests on the first day, before noise
    mix: dict[str, int]  # tokens per request
    code_path: str
    growth: float = 0.0
    weekend: float = 0.5


SELF_HOSTED: tuple[SelfHostedModel, ...] = (
    SelfHostedModel(
        "bge-reranker-v2-m3",
        "i-0a7d3c9e1f2b4a6c8",
        "search-rerank",
        "search",
        "rerank",
        60_000,
        {"input": 700},
        "app/search/rerank_local.py",
        growth=0.10,
    ),
    SelfHostedModel(
        "bge-large-en-v1.5",
        "i-0c4f5e6a7b8c9d0e1",
        "legacy-embedder",
        "platform",
        "embeddings",
        300,
        {"input": 400},
        "pipelines/embed/legacy_embedder.py",
        weekend=0.3,
    ),
)
SELF_HOSTED_PROVIDER = "vllm"  # gen_ai.provider.name the serving stack records


@dataclass(frozen=True)
class Commitment:
    """Azure OpenAI provisioned throughput (PTU) reserved monthly for the doc-ingest batch pipeline. Its daily
    utilisation follows doc-ingest's traffic: about 55%, below the ~80% at which it beats pay-as-you-go."""

    name: str = "ptu-platform-gpt-4o"
    deployment: str = "doc-ingest-gpt-4o-ptu"
    account: str = "platform-prod"
    units: int = 50
    monthly_per_unit: Decimal = Decimal("260")
    team: str = "platform"
    feature: str = "doc-ingest"
    # pay-as-you-go value (price catalog) of the traffic the PTUs serve in a day at full use
    full_use_payg_per_day: float = 570.0


PTU = Commitment()
