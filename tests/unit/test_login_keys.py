"""What the login throttle counts per client: an IPv6 client by its /64."""

from __future__ import annotations

import pytest

from triage.login.service import client_key


@pytest.mark.parametrize(
    ("address", "key"),
    [
        ("203.0.113.7", "203.0.113.7"),
        ("2001:db8:1:2:aaaa::1", "2001:db8:1:2::/64"),
        ("2001:db8:1:2:ffff:ffff:ffff:ffff", "2001:db8:1:2::/64"),
        ("::ffff:203.0.113.7", "::ffff:cb00:7107"),
        ("testclient", "testclient"),
    ],
)
def test_the_throttle_counts_ipv6_clients_by_their_64(address: str, key: str) -> None:
    assert client_key(address) == key
