"""Settings: every one documented in the README, read from CHAINKG_ variables."""

from __future__ import annotations

from pathlib import Path

import pytest

from api.settings import BackendKind, Settings, shipped_catalog

README = Path(__file__).parents[2] / "README.md"


@pytest.mark.parametrize("name", sorted(Settings.model_fields))
def test_every_setting_is_documented(name: str) -> None:
    assert f"`CHAINKG_{name.upper()}`" in README.read_text(encoding="utf-8")


def test_settings_come_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CHAINKG_BACKEND", "neo4j")
    monkeypatch.setenv("CHAINKG_NEO4J_PASSWORD", "s3cret")
    settings = Settings()
    assert settings.backend == BackendKind.NEO4J
    assert "s3cret" not in repr(settings)  # a SecretStr never prints
    assert settings.neo4j_password.get_secret_value() == "s3cret"


def test_an_unknown_backend_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CHAINKG_BACKEND", "oracle")
    with pytest.raises(ValueError, match="backend"):
        Settings()


def test_the_shipped_catalog_is_found() -> None:
    assert (shipped_catalog() / "industries.csv").is_file()
