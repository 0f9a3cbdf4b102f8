"""Configuration: defaults in code, ARCHIVE_* overrides, and a production start that fails fast."""

from __future__ import annotations

from pathlib import Path

import pytest

from archive.config import DEV_SECRET, SETTING_NAMES, document_kinds, load_config
from archive.errors import ConfigError

LONG_SECRET = "s" * 32


def test_defaults_need_no_environment(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    config = load_config(environ={})
    assert config["ENV"] == "development"
    assert config["SECRET_KEY"] == DEV_SECRET
    assert config["DATA_DIR"] == str(tmp_path / "instance")
    assert config["DATABASE_URL"] == f"sqlite:///{tmp_path / 'instance' / 'archive.sqlite3'}"
    assert config["CORPUS_DIR"] == str(tmp_path / "corpus")
    assert document_kinds(config) == ("testimony", "news_report", "official_statement")
    assert config["MAX_UPLOAD_BYTES"] == 50 * 1024 * 1024
    assert (config["PER_PAGE"], config["MAX_PER_PAGE"]) == (20, 100)
    assert (config["HOST"], config["PORT"]) == ("127.0.0.1", 5000)
    assert config["LOG_LEVEL"] == "INFO"
    assert set(SETTING_NAMES) <= set(config)


def test_process_environment_is_read_when_no_environ_is_given(monkeypatch):
    monkeypatch.setenv("ARCHIVE_PORT", "6123")
    assert load_config()["PORT"] == 6123


@pytest.mark.parametrize(
    ("variable", "raw", "key", "value"),
    [
        ("ARCHIVE_PORT", "8080", "PORT", 8080),
        ("ARCHIVE_HOST", "192.0.2.1", "HOST", "192.0.2.1"),
        ("ARCHIVE_PER_PAGE", "50", "PER_PAGE", 50),
        ("ARCHIVE_MAX_PER_PAGE", "500", "MAX_PER_PAGE", 500),
        ("ARCHIVE_MAX_UPLOAD_BYTES", "1024", "MAX_UPLOAD_BYTES", 1024),
        ("ARCHIVE_LOG_LEVEL", "DEBUG", "LOG_LEVEL", "DEBUG"),
        ("ARCHIVE_SECRET_KEY", LONG_SECRET, "SECRET_KEY", LONG_SECRET),
        ("ARCHIVE_CORPUS_DIR", "/srv/corpus", "CORPUS_DIR", "/srv/corpus"),
        ("ARCHIVE_DATABASE_URL", "sqlite:////srv/db.sqlite3", "DATABASE_URL", "sqlite:////srv/db.sqlite3"),
        ("ARCHIVE_DOCUMENT_KINDS", "testimony,photo", "DOCUMENT_KINDS", "testimony,photo"),
    ],
)
def test_environment_variable_overrides_default(variable, raw, key, value):
    assert load_config(environ={variable: raw})[key] == value


def test_derived_paths_follow_data_dir():
    config = load_config(environ={"ARCHIVE_DATA_DIR": "/srv/archive"})
    assert config["DATA_DIR"] == "/srv/archive"
    assert config["DATABASE_URL"] == "sqlite:////srv/archive/archive.sqlite3"


def test_explicit_database_url_wins_over_data_dir():
    environ = {"ARCHIVE_DATA_DIR": "/srv/archive", "ARCHIVE_DATABASE_URL": "sqlite:////elsewhere"}
    assert load_config(environ=environ)["DATABASE_URL"] == "sqlite:////elsewhere"


def test_overrides_win_over_environment_and_flask_keys_pass_through():
    config = load_config({"PORT": 9000, "TESTING": True}, environ={"ARCHIVE_PORT": "8080"})
    assert config["PORT"] == 9000
    assert config["TESTING"] is True


def test_unprefixed_variables_are_ignored():
    assert load_config(environ={"PORT": "1", "SECRET_KEY": "x"})["PORT"] == 5000


def test_document_kinds_are_trimmed():
    config = load_config(environ={"ARCHIVE_DOCUMENT_KINDS": " testimony , photo ,, "})
    assert document_kinds(config) == ("testimony", "photo")


@pytest.mark.parametrize(
    ("variable", "raw"),
    [
        ("ARCHIVE_PORT", "eighty"),
        ("ARCHIVE_PORT", ""),
        ("ARCHIVE_PER_PAGE", "2.5"),
        ("ARCHIVE_MAX_PER_PAGE", "lots"),
        ("ARCHIVE_MAX_UPLOAD_BYTES", "20MB"),
    ],
)
def test_bad_integer_is_a_config_error_naming_the_variable(variable, raw):
    with pytest.raises(ConfigError) as caught:
        load_config(environ={variable: raw})
    assert variable in str(caught.value)
    assert repr(raw) in str(caught.value)


@pytest.mark.parametrize(
    "environ",
    [
        {"ARCHIVE_ENV": "production"},
        {"ARCHIVE_ENV": "production", "ARCHIVE_SECRET_KEY": DEV_SECRET},
        {"ARCHIVE_ENV": "production", "ARCHIVE_SECRET_KEY": "short-secret"},
        {"ARCHIVE_ENV": "production", "ARCHIVE_SECRET_KEY": "x" * 31},
    ],
    ids=["default secret", "dev secret given", "short secret", "31 characters"],
)
def test_production_refuses_a_weak_secret(environ):
    with pytest.raises(ConfigError, match="refusing to start in production") as caught:
        load_config(environ=environ)
    assert "ARCHIVE_SECRET_KEY" in str(caught.value)


def test_production_starts_with_a_long_secret():
    config = load_config(environ={"ARCHIVE_ENV": "production", "ARCHIVE_SECRET_KEY": LONG_SECRET})
    assert config["ENV"] == "production"


def test_production_refusal_also_applies_to_overrides():
    with pytest.raises(ConfigError):
        load_config({"ENV": "production"}, environ={})


@pytest.mark.parametrize("value", ["staging", "Production", "prod", "", "test"])
def test_unknown_env_is_rejected(value):
    with pytest.raises(ConfigError, match="ARCHIVE_ENV must be development or production"):
        load_config(environ={"ARCHIVE_ENV": value})


@pytest.mark.parametrize(
    ("environ", "message"),
    [
        ({"ARCHIVE_DOCUMENT_KINDS": " , "}, "ARCHIVE_DOCUMENT_KINDS"),
        ({"ARCHIVE_PER_PAGE": "0"}, "ARCHIVE_PER_PAGE"),
        ({"ARCHIVE_PER_PAGE": "200"}, "ARCHIVE_MAX_PER_PAGE"),
        ({"ARCHIVE_PER_PAGE": "20", "ARCHIVE_MAX_PER_PAGE": "10"}, "ARCHIVE_MAX_PER_PAGE"),
    ],
)
def test_inconsistent_settings_are_rejected(environ, message):
    with pytest.raises(ConfigError, match=message):
        load_config(environ=environ)


def test_config_does_not_touch_the_file_system(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    load_config(environ={"ARCHIVE_DATA_DIR": str(tmp_path / "data")})
    assert not Path(tmp_path / "data").exists()
    assert list(tmp_path.iterdir()) == []
