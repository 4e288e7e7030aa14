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
