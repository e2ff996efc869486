"""Provider export imports: `import aws-cur`, `import azure`, `import gcp`."""

from __future__ import annotations

from typing import Annotated

import typer

from spendscope.commands.store import run_imports
from spendscope.options import DbOption, JsonOption


def register(app: typer.Typer, import_app: typer.Typer) -> None:
    @import_app.command("aws-cur")
    def import_aws_cmd(
        files: Annotated[
            list[str],
            typer.Argument(
                help="AWS Cost and Usage Reports (CUR 2.0 or legacy): .csv, .csv.gz, .parquet files, export "
                "folders, or s3:// URLs"
            ),
        ],
        db: DbOption = None,
        as_json: JsonOption = False,
    ) -> None:
        """Import AWS CUR files (Bedrock tokens, GPU instances, everything else as FOCUS rows). Each file is
        all-or-nothing; re-importing the same file adds nothing."""
        from spendscope.data.import_aws import import_aws_cur

        run_imports(files, db, as_json, import_aws_cur)

    @import_app.command("azure")
    def import_azure_cmd(
        files: Annotated[
            list[str],
            typer.Argument(
                help="Azure Cost Management exports (EA/MCA, actual or amortised): .csv, .csv.gz, .parquet "
                "files, export folders, or az:// / abfs:// URLs"
            ),
        ],
        db: DbOption = None,
        as_json: JsonOption = False,
    ) -> None:
        """Import Azure cost exports (Azure OpenAI meters, 1K/1M units, PTU reservations). Each file is
        all-or-nothing; re-importing the same file adds nothing."""
        from spendscope.data.import_azure import import_azure

        run_imports(files, db, as_json, import_azure)

    @import_app.command("gcp")
    def import_gcp_cmd(
        files: Annotated[
            list[str],
            typer.Argument(
                help="GCP BigQuery billing export rows: .csv, .json/.jsonl (newline-delimited), .parquet "
                "files, folders, or gs:// URLs"
            ),
        ],
        db: DbOption = None,
        as_json: JsonOption = False,
    ) -> None:
        """Import GCP billing export rows (Vertex AI / Gemini SKUs, labels, credits). Each file is
        all-or-nothing; re-importing the same file adds nothing."""
        from spendscope.data.import_gcp import import_gcp

        run_imports(files, db, as_json, import_gcp)
