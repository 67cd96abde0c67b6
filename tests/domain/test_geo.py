"""Country and state names come from ISO 3166 data."""

from __future__ import annotations

import pytest

from ecwid_customers.domain import geo


def test_country_names_prefer_everyday_forms() -> None:
    assert geo.country_name("US") == "United States"
    assert geo.country_name("TW") == "Taiwan"
    assert geo.country_name("GE") == "Georgia"


def test_country_codes_are_normalised_or_refused() -> None:
    assert geo.normalise_country_code(" de ") == "DE"
    with pytest.raises(geo.UnknownCountry):
        geo.normalise_country_code("XX")


def test_states_resolve_within_their_country() -> None:
    assert geo.resolve_state("US", "ny") == ("NY", "New York")
    assert geo.resolve_state("CA", "ON") == ("ON", "Ontario")
    with pytest.raises(geo.UnknownSubdivision):
        geo.resolve_state("US", "ON")


def test_state_of_a_country_without_subdivisions_is_kept() -> None:
    assert geo.resolve_state("VA", "anything") == ("anything", None)
