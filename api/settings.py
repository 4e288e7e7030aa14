"""Settings: one pydantic-settings class, `CHAINKG_` prefix, read once through a cached getter."""

from __future__ import annotations

from enum import StrEnum
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from graph.stores.factory import BackendConfig
from loaders.tabular import (
    MAX_CELL_CHARS,
    MAX_CELLS,
    MAX_COLUMNS,
    MAX_FILE_BYTES,
    MAX_ROWS,
    MAX_UNPACKED_BYTES,
    MB,
    Limits,
)
from tracking.stores.sql import sqlite_url


class BackendKind(StrEnum):
    """Which graph backend serves the catalog (graph/stores/factory.py opens it)."""

    MEMORY = "memory"
    NEO4J = "neo4j"


class LoadPolicy(StrEnum):
    """When a serving process loads CHAINKG_DATA into the backend."""

    AUTO = "auto"  # memory: always; neo4j: only when the database holds no catalog yet
    ALWAYS = "always"
    NEVER = "never"  # neo4j: serve what `chainkg load` put there (memory loads regardless)


LogLevel = Literal["critical", "error", "warning", "info", "debug"]


def shipped_catalog() -> Path:
    """The catalog shipped with chainkg: data/ in a checkout, chainkg_data in a wheel."""
    checkout = Path(__file__).resolve().parents[1] / "data"
    if (checkout / "industries.csv").is_file():
        return checkout
    return Path(str(resources.files("chainkg_data")))


class Settings(BaseSettings):
    """Every setting of chainkg; each is documented in README.md (a test checks)."""

    model_config = SettingsConfigDict(env_prefix="CHAINKG_", extra="ignore")

    backend: BackendKind = Field(BackendKind.MEMORY, description="Graph backend: memory or neo4j.")
    data: Path | None = Field(
        None, description="Catalog to load at start (folder of CSVs or .xlsx); default: shipped."
    )
    load_on_start: LoadPolicy = Field(
        LoadPolicy.AUTO,
        description="auto: memory always loads; neo4j loads only into an empty database, so "
        "API replicas never overwrite a catalog `chainkg load` put there. always, never.",
    )
    neo4j_uri: str = Field("bolt://127.0.0.1:7687", description="Neo4j URI (bolt:// or neo4j://).")
    neo4j_user: str = Field("neo4j", description="Neo4j user.")
    neo4j_password: SecretStr = Field(
        SecretStr("chainkg-dev-pw"), description="Neo4j password (never logged)."
    )
    neo4j_database: str = Field("neo4j", description="Neo4j database name.")
    host: str = Field("127.0.0.1", description="Address `chainkg serve` binds.")
    port: int = Field(8000, description="Port `chainkg serve` listens on.")
    log_level: LogLevel = Field("info", description="Log level: debug, info, warning, error.")
    max_body_bytes: int = Field(
        64 * 1024,
        gt=0,
        description="Largest request body accepted, in bytes, counted as it streams; "
        "a larger one is refused with 413.",
    )
    max_id_chars: int = Field(
        100,
        gt=0,
        description="Longest id accepted in a path, a query or a request body (industry, stage, "
        "scenario, condition ...); a longer one is refused with 422.",
    )
    max_answer_chars: int = Field(
        100,
        gt=0,
        description="Longest answer (chosen option) accepted; a longer one is refused with 422.",
    )
    max_answers: int = Field(
        100,
        gt=0,
        description="Most answers accepted in one request (`answers` map, repeated `answer`); "
        "more are refused with 422.",
    )

    catalog_max_file_mb: int = Field(
        MAX_FILE_BYTES // MB,
        gt=0,
        description="Largest catalog file (one CSV, or the .xlsx workbook) `check`, `load` and "
        "`serve --data` read, in MB.",
    )
    catalog_max_unpacked_mb: int = Field(
        MAX_UNPACKED_BYTES // MB,
        gt=0,
        description="Largest .xlsx workbook once unpacked, in MB (a zip bomb stops here).",
    )
    catalog_max_rows: int = Field(
        MAX_ROWS, gt=0, description="Most rows in one catalog table (blank rows included)."
    )
    catalog_max_columns: int = Field(MAX_COLUMNS, gt=0, description="Most columns in one table.")
    catalog_max_cell_chars: int = Field(
        MAX_CELL_CHARS, gt=0, description="Longest catalog cell, in characters."
    )
    catalog_max_cells: int = Field(
        MAX_CELLS,
        gt=0,
        description="Most cells in one .xlsx workbook, empty formatted ones included.",
    )
    recommendation_cache_mb: int = Field(
        64,
        ge=0,
        description="Memory for recommendations already computed, in MB per process (0: off). "
        "An entry is keyed by the catalog version, so a load never serves a stale plan.",
    )

    state_dir: Path = Field(
        Path(".chainkg"),
        description="Folder of this installation's own data: the embedded tracking database "
        "(tracking.db, SQLite in WAL mode) unless CHAINKG_TRACKING_URL names another.",
    )
    tracking_url: SecretStr | None = Field(
        None,
        description="SQLAlchemy URL of the tracking database, e.g. "
        "postgresql+psycopg://user:pw@host/chainkg (shared by several workers or machines); "
        "unset: SQLite at CHAINKG_STATE_DIR/tracking.db. Never logged.",
    )
    public_url: str = Field(
        "http://127.0.0.1:8000",
        description="The address applicants reach chainkg at: project QR codes point to "
        "<public_url>/v1/projects/<code>/page.",
    )
    consultation_minutes: int = Field(
        3,
        gt=0,
        le=10080,
        description="How long a department has to answer a consultation routed to it, in "
        "minutes (the article's 3).",
    )

    @field_validator("load_on_start", mode="before")
    @classmethod
    def _booleans(cls, value: object) -> object:
        """true/false are accepted as always/never."""
        words = {"true": "always", "1": "always", "false": "never", "0": "never"}
        return words.get(str(value).lower(), value) if isinstance(value, str | bool) else value

    @field_validator("log_level", mode="before")
    @classmethod
    def _lower(cls, value: object) -> object:
        return value.lower() if isinstance(value, str) else value

    def catalog_path(self) -> Path:
        return self.data if self.data is not None else shipped_catalog()

    def tracking_database(self) -> str:
        """The tracking database's SQLAlchemy URL (secret: never print it whole)."""
        if self.tracking_url is not None:
            return self.tracking_url.get_secret_value()
        return sqlite_url(self.state_dir.resolve() / "tracking.db")

    def catalog_limits(self) -> Limits:
        """The bounds a catalog read by this process must stay within."""
        return Limits(
            file_bytes=self.catalog_max_file_mb * MB,
            unpacked_bytes=self.catalog_max_unpacked_mb * MB,
            rows=self.catalog_max_rows,
            columns=self.catalog_max_columns,
            cell_chars=self.catalog_max_cell_chars,
            cells=self.catalog_max_cells,
        )

    def backend_config(self) -> BackendConfig:
        """What graph.stores.factory.open_backend needs to open the configured backend."""
        return BackendConfig(
            kind=self.backend.value,
            neo4j_uri=self.neo4j_uri,
            neo4j_user=self.neo4j_user,
            neo4j_password=self.neo4j_password.get_secret_value(),
            neo4j_database=self.neo4j_database,
        )


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process's settings, read from the environment on first use."""
    return Settings()
