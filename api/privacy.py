"""Masking personal data for roles that do not need to see it."""

from __future__ import annotations


def mask_phone(phone: str | None) -> str | None:
    """`13812345678` → `138****5678`; short numbers keep only their last two digits."""
    if not phone:
        return phone
    if len(phone) >= 7:
        return f"{phone[:3]}****{phone[-4:]}"
    return "*" * (len(phone) - 2) + phone[-2:]


def mask_name(name: str | None) -> str | None:
    """`王建国` → `王**`: the family name only."""
    if not name:
        return name
    return name[0] + "*" * (len(name) - 1)


def mask_address(address: str | None) -> str | None:
    """Keep the first few characters (district, street), hide the rest."""
    if not address:
        return address
    keep = min(6, max(1, len(address) // 3))
    return address[:keep] + "****"
