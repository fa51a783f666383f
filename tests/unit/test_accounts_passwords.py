"""Password hashing, API key format."""

from __future__ import annotations

from handshake.accounts import passwords
from handshake.accounts.passwords import PasswordPolicy, hash_password, verify_password
from handshake.accounts.secrets_format import format_api_key, parse_api_key

CHEAP = PasswordPolicy(time_cost=1, memory_kib=64, parallelism=1)


async def test_verify_reports_matches_and_rehash_needs() -> None:
    stored = await hash_password("a long password", CHEAP)
    assert await verify_password(stored, "a long password", CHEAP) == (True, False)
    assert await verify_password(stored, "another password", CHEAP) == (False, False)
    stronger = PasswordPolicy(time_cost=2, memory_kib=128, parallelism=1)
    assert await verify_password(stored, "a long password", stronger) == (True, True)


async def test_unknown_accounts_still_spend_one_verification(monkeypatch: object) -> None:
    calls: list[str] = []
    hasher = passwords._hasher(CHEAP)
    original = type(hasher).verify

    def counting(self: object, hash_: str, password: str) -> bool:
        calls.append(hash_)
        return original(self, hash_, password)  # type: ignore[arg-type]

    setattr(type(hasher), "verify", counting)  # noqa: B010
    try:
        assert await verify_password(None, "whatever password", CHEAP) == (False, False)
        assert await verify_password("!unusable", "whatever password", CHEAP) == (False, False)
    finally:
        setattr(type(hasher), "verify", original)  # noqa: B010
    assert len(calls) == 2
    assert all(h.startswith("$argon2id$") for h in calls)


def test_api_keys_round_trip_and_reject_foreign_strings() -> None:
    key = format_api_key("opk_01ARZ3NDEKTSV4RRFFQ69G5FAV", "s3cr_et-with_underscores_1234")
    assert key == "hsk_01ARZ3NDEKTSV4RRFFQ69G5FAV_s3cr_et-with_underscores_1234"
    parsed = parse_api_key(key)
    assert parsed is not None
    assert (parsed.key_id, parsed.secret) == (
        "opk_01ARZ3NDEKTSV4RRFFQ69G5FAV",
        "s3cr_et-with_underscores_1234",
    )
    body = "01ARZ3NDEKTSV4RRFFQ69G5FAV"
    for bad in ("", "hsk_", f"abc_{body}_secretsecretsecretsecret",
                "hsk_short_secretsecretsecretsecret", f"hsk_{body}_short"):  # fmt: skip
        assert parse_api_key(bad) is None
