"""Country and state names from ISO 3166 (the maintained ``pycountry`` data), never a hand table.

Ecwid fills ``countryName`` and ``stateOrProvinceName`` from the codes a client sends (spec 5.2).
Ecwid writes state codes without the country prefix (``NY``, not ``US-NY``), so that is what is
matched against ISO 3166-2.
"""

from __future__ import annotations

from functools import cache


class UnknownCountry(ValueError):
    pass


class UnknownSubdivision(ValueError):
    pass


# pycountry is imported where its tables are first loaded (warm_up, on a thread a second after
# start): importing it takes a tenth of a second that a starting server need not wait for.


@cache
def _country_names() -> dict[str, str]:
    import pycountry

    # ``common_name`` is the everyday form ("South Korea", "Taiwan") where ISO's formal name
    # reads like a treaty ("Korea, Republic of"); shop checkouts show the everyday form.
    return {
        country.alpha_2: getattr(country, "common_name", None) or country.name
        for country in pycountry.countries
    }


@cache
def _subdivision_names() -> dict[str, dict[str, str]]:
    import pycountry

    names: dict[str, dict[str, str]] = {}
    for subdivision in pycountry.subdivisions:
        country_code, _, local_code = subdivision.code.partition("-")
        names.setdefault(country_code, {})[local_code] = subdivision.name
    return names


def warm_up() -> None:
    """Load the ISO tables now, so the first request does not pay for it."""
    _country_names()
    _subdivision_names()


def normalise_country_code(code: str) -> str:
    """The upper-case ISO 3166-1 alpha-2 code, or :class:`UnknownCountry`."""
    upper = code.strip().upper()
    if upper not in _country_names():
        raise UnknownCountry(code)
    return upper


def country_name(country_code: str) -> str:
    return _country_names()[country_code]


def resolve_state(country_code: str, state_code: str) -> tuple[str, str | None]:
    """The state code to keep and its name within the country.

    The name is ``None`` (and the code kept as sent) when ISO lists no subdivisions for the
    country, so there is nothing to check against; :class:`UnknownSubdivision` when it lists
    some and this is not one of them.
    """
    subdivisions = _subdivision_names().get(country_code)
    if not subdivisions:
        return state_code, None
    upper = state_code.strip().upper()
    name = subdivisions.get(upper)
    if name is None:
        raise UnknownSubdivision(state_code)
    return upper, name
