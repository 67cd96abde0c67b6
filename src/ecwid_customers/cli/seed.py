"""``ecwid-customers store seed``: fill a store with realistic fake customers (Faker).

Names, phones and addresses come from the Faker locale of each customer's language (one of
the store's languages), with the country of that locale and a real ISO 3166-2 subdivision, so
every customer passes the same checks as a POST. Emails are unique and on the reserved
``example.*`` domains. The customers are added to the store's content through the fixture
path (``control/fixtures.py``), which derives ids and fields as a POST would, and stored in one
``import_store`` transaction: a hundred thousand take seconds, not the minutes of one POST each.
"""

from __future__ import annotations

import random
import unicodedata
from collections.abc import Iterator
from functools import cache
from typing import Any

import click

from ecwid_customers.cli.common import database_option, plural, with_storage
from ecwid_customers.cli.progress import progress
from ecwid_customers.control import fixtures
from ecwid_customers.domain.clock import SystemClock
from ecwid_customers.errors import EcwidError
from ecwid_customers.storage import Storage

# A Faker locale per language where the obvious guess (fr -> fr_FR) is not the usual one.
_PREFERRED = {"en": "en_US", "pt": "pt_BR", "zh": "zh_CN", "ja": "ja_JP", "ko": "ko_KR",
              "sv": "sv_SE", "da": "da_DK", "cs": "cs_CZ", "el": "el_GR", "uk": "uk_UA",
              "he": "he_IL", "hi": "hi_IN", "ar": "ar_SA"}  # fmt: skip
_FALLBACK = "en_US"


def faker_locale(language: str) -> str:
    """The Faker locale for an Ecwid language code (``fr`` -> ``fr_FR``; ``en_US`` when Faker
    has none for it)."""
    from faker.config import AVAILABLE_LOCALES

    code = language.replace("-", "_")
    if "_" in code and code in AVAILABLE_LOCALES:  # with its country: en_GB, pt_PT
        return code
    lang = code.split("_", 1)[0].lower()
    for candidate in (_PREFERRED.get(lang), f"{lang}_{lang.upper()}"):
        if candidate in AVAILABLE_LOCALES:
            return candidate
    return next(
        (name for name in sorted(AVAILABLE_LOCALES) if name.startswith(lang + "_")), _FALLBACK
    )


@cache
def _subdivisions(country: str) -> tuple[str, ...]:
    import pycountry

    found = pycountry.subdivisions.get(country_code=country) or []  # type: ignore[no-untyped-call]
    return tuple(sorted(item.code.partition("-")[2] for item in found))


def _ascii(text: str) -> str:
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return "".join(ch for ch in plain.lower() if ch.isalnum())


# Values drawn per locale and field, then combined at random: Faker takes some 70 µs a value,
# so a hundred thousand customers drawn one field at a time would take a minute.
POOL = 500


class _Pool:
    """A locale's names, streets, cities, postcodes, phones and email parts."""

    def __init__(self, fake: Any, size: int) -> None:
        def draw(make: Any) -> list[str]:
            return [str(make()) for _ in range(size)]

        self.first, self.last = draw(fake.first_name), draw(fake.last_name)
        self.ascii = {name: _ascii(name) for name in self.first + self.last}
        self.street = [text.replace("\n", ", ") for text in draw(fake.street_address)]
        self.city, self.postcode = draw(fake.city), draw(fake.postcode)
        self.phone, self.domain = draw(fake.phone_number), draw(fake.safe_domain_name)
        # Names in other scripts (ja, ru, zh) fall back to the locale's romanised user names.
        self.user = [_ascii(name) or "customer" for name in draw(fake.user_name)]


def _country(locale: str) -> str:
    from ecwid_customers.domain.geo import UnknownCountry, normalise_country_code

    try:
        return normalise_country_code(locale.partition("_")[2] or "US")
    except UnknownCountry:  # Faker's ar_AA (Arabic, no country)
        return "US"


class CustomerMaker:
    """Fake customers for a store's languages; the same ``seed`` gives the same customers."""

    def __init__(
        self, languages: tuple[str, ...], seed: int | None, first_number: int, count: int
    ) -> None:
        self.languages = languages
        self.locales = {language: faker_locale(language) for language in languages}
        self.countries = {language: _country(locale) for language, locale in self.locales.items()}
        self.seed = seed
        self.size = max(1, min(POOL, count))
        self.pools: dict[str, _Pool] = {}
        self.random = random.Random(seed)
        self.number = first_number  # numbers the emails, so they never repeat

    def _pool(self, language: str) -> _Pool:
        if language not in self.pools:
            from faker import Faker

            fake = Faker(self.locales[language])
            fake.seed_instance(None if self.seed is None else f"{self.seed}:{language}")
            self.pools[language] = _Pool(fake, self.size)
        return self.pools[language]

    def make(self) -> dict[str, Any]:
        pick = self.random.choice
        language = pick(self.languages)
        pool = self._pool(language)
        first, last = pick(pool.first), pick(pool.last)
        local = ".".join(part for part in (pool.ascii[first], pool.ascii[last]) if part)
        local = local or pick(pool.user)
        self.number += 1
        country = self.countries[language]
        address: dict[str, Any] = {
            "name": f"{first} {last}",
            "street": pick(pool.street),
            "city": pick(pool.city),
            "postalCode": pick(pool.postcode),
            "countryCode": country,
            "phone": pick(pool.phone),
        }
        subdivisions = _subdivisions(country)
        if subdivisions:
            address["stateOrProvinceCode"] = pick(subdivisions)
        return {
            "email": f"{local}.{self.number}@{pick(pool.domain)}",
            "billingPerson": address,
            "shippingAddresses": [address],
            "acceptMarketing": self.random.random() < 0.4,
            "lang": language,
        }

    def many(self, count: int) -> Iterator[dict[str, Any]]:
        for _ in range(count):
            yield self.make()


@click.command("seed")
@database_option
@click.option("--store", "store_id", required=True, type=click.IntRange(1), help="Store id.")
@click.option(
    "--customers", "count", required=True, type=click.IntRange(1, 1_000_000), metavar="N",
    help="How many customers to add.",
)  # fmt: skip
@click.option(
    "--locale",
    "languages",
    metavar="LANGS",
    help="Comma-separated languages of the customers (each must be one of the store's); "
    "default: the store's languages.",
)
@click.option("--seed", type=int, help="Make the same customers every time.")
def store_seed(
    database_url: str, store_id: int, count: int, languages: str | None, seed: int | None
) -> None:
    """Add N realistic fake customers to a store (names, emails, phones and addresses in the
    Faker locale of the store's languages); its other content and its tokens stay."""

    async def work(storage: Storage) -> int:
        dump = await storage.export_store(store_id)
        if dump is None:
            raise click.ClickException(f"store {store_id} does not exist")
        chosen = _languages(languages, dump.store.languages)
        fixture = fixtures.parse(fixtures.to_json(dump))
        maker = CustomerMaker(chosen, seed, first_number=len(fixture.customers), count=count)
        with progress("Making customers", count) as advance:
            for customer in maker.many(count):
                fixture.customers.append(customer)
                advance(1)
        now = SystemClock().now()
        try:
            seeded = fixtures.to_dump(fixture, store_id=store_id, now=now)
        except EcwidError as error:
            raise click.ClickException(error.message) from None
        with progress(f"Storing {plural(len(seeded.customers), 'customer')}", None, items=count):
            await storage.import_store(seeded, now=now)
        return len(seeded.customers)

    total = with_storage(database_url, work)
    click.echo(f"Added {plural(count, 'customer')} to store {store_id} (now {total}).")


def _languages(given: str | None, store: tuple[str, ...]) -> tuple[str, ...]:
    if given is None:
        return store
    chosen = tuple(dict.fromkeys(code.strip() for code in given.split(",") if code.strip()))
    unknown = [code for code in chosen if code not in store]
    if not chosen or unknown:
        raise click.BadParameter(
            f"the store's languages are {','.join(store)}", param_hint="--locale"
        )
    return chosen
