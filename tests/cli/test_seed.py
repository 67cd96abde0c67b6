"""``store seed``: realistic fake customers that pass the API's own checks, repeatable."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from ecwid_customers.cli import main
from ecwid_customers.cli import progress as progress_module
from ecwid_customers.cli.seed import faker_locale


def run(*args: str) -> Result:
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def export(url: str, store_id: int) -> dict[str, Any]:
    result = run("store", "export", "--database", url, str(store_id))
    assert result.exit_code == 0, result.output
    exported: dict[str, Any] = json.loads(result.stdout)
    return exported


@pytest.fixture
def url(tmp_path: Path) -> str:
    url = f"sqlite:///{tmp_path / 'seed.db'}"
    assert (
        run("store", "create", "--database", url, "--id", "5", "--languages", "en,fr,ja").exit_code
        == 0
    )
    return url


def test_seed_adds_customers_in_the_stores_languages(url: str) -> None:
    result = run(
        "store", "seed", "--database", url, "--store", "5", "--customers", "60", "--seed", "1"
    )
    assert result.exit_code == 0, result.output
    assert "Added 60 customers to store 5 (now 60)." in result.output
    customers = export(url, 5)["customers"]
    assert len(customers) == 60
    assert len({c["email"] for c in customers}) == 60
    assert {c["lang"] for c in customers} == {"en", "fr", "ja"}
    by_lang = {c["lang"]: c["billingPerson"] for c in customers}
    assert (by_lang["en"]["countryCode"], by_lang["fr"]["countryCode"]) == ("US", "FR")
    assert by_lang["ja"]["countryCode"] == "JP"
    for customer in customers:
        person = customer["billingPerson"]
        assert customer["email"].rsplit(".", 1)[0].split("@")[1] == "example"
        assert all(person[key] for key in ("name", "street", "city", "postalCode", "phone"))
        assert person["stateOrProvinceName"]  # the code was a real ISO 3166-2 one
        assert customer["shippingAddresses"][0]["countryName"] == person["countryName"]


def test_seed_is_repeatable_and_adds_to_what_the_store_has(url: str, tmp_path: Path) -> None:
    other = f"sqlite:///{tmp_path / 'other.db'}"
    run("store", "create", "--database", other, "--id", "5", "--languages", "en,fr,ja")
    for database in (url, other):
        run(
            "store",
            "seed",
            "--database",
            database,
            "--store",
            "5",
            "--customers",
            "5",
            "--seed",
            "9",
        )
    same = [(c["email"], c["billingPerson"]) for c in export(url, 5)["customers"]]
    assert same == [(c["email"], c["billingPerson"]) for c in export(other, 5)["customers"]]

    again = run(
        "store", "seed", "--database", url, "--store", "5", "--customers", "1", "--locale", "fr"
    )
    assert "Added 1 customer to store 5 (now 6)." in again.output
    customers = export(url, 5)["customers"]
    assert [(c["email"], c["billingPerson"]) for c in customers[:5]] == same  # kept
    assert customers[5]["lang"] == "fr"
    assert customers[5]["id"] == 6


@pytest.mark.parametrize(
    ("args", "words", "status"),
    [
        (("--store", "9", "--customers", "1"), "store 9 does not exist", 1),
        (
            ("--store", "5", "--customers", "1", "--locale", "de"),
            "the store's languages are en,fr,ja",
            2,
        ),
        (("--store", "5", "--customers", "0"), "--customers", 2),
    ],
)
def test_seed_refuses_what_it_cannot_do(
    url: str, args: tuple[str, ...], words: str, status: int
) -> None:
    result = run("store", "seed", "--database", url, *args)
    assert result.exit_code == status
    assert words in result.output
    assert export(url, 5)["customers"] == []


def test_a_large_seed_shows_a_progress_bar_on_standard_error(
    url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(progress_module, "LARGE", 20)
    result = run("store", "seed", "--database", url, "--store", "5", "--customers", "20")
    assert "Making customers" in result.stderr
    assert "20/20" in result.stderr
    assert "Making customers" not in result.stdout  # standard output stays the command's
    small = run("store", "seed", "--database", url, "--store", "5", "--customers", "19")
    assert "Making customers" not in small.stderr


@pytest.mark.parametrize(
    ("language", "locale"),
    [
        ("en", "en_US"),
        ("fr", "fr_FR"),
        ("pt", "pt_BR"),
        ("pt_PT", "pt_PT"),
        ("ar", "ar_SA"),
        ("xx", "en_US"),
    ],
)
def test_faker_locales_of_ecwid_languages(language: str, locale: str) -> None:
    assert faker_locale(language) == locale


def test_large_exports_and_imports_show_progress_on_standard_error(
    url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    run("store", "seed", "--database", url, "--store", "5", "--customers", "20")
    monkeypatch.setattr(progress_module, "LARGE", 20)
    exported = run("store", "export", "--database", url, "5", "-o", str(tmp_path / "out.json"))
    assert "Reading 20 customers" in exported.stderr
    assert "20/20" in exported.stderr  # a bar that counts the customers read
    imported = run("store", "import", "--database", url, "--id", "6", str(tmp_path / "out.json"))
    assert "Checking 20 customers" in imported.stderr
    assert "20/20" in imported.stderr  # a bar that counts the customers checked
    assert "Storing 20 customers" in imported.stderr
    assert "Imported 20 customers into store 6." in imported.stdout
