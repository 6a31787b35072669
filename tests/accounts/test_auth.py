"""Sign-up, log-in, log-out and throttling, end to end over HTTP."""

from __future__ import annotations

from datetime import timedelta

from api.models.accounts import AccessToken, Account, LoginFailure, Role

SIGN_UP = """
mutation SignUp($username: String!, $password: String!, $displayName: String!, $phone: String, $communityCode: String) {
  accountRegister(input: {username: $username, password: $password, displayName: $displayName, phone: $phone,
                          communityCode: $communityCode}) {
    account { id username displayName roles }
    errors { field code message }
  }
}"""
LOG_IN = """
mutation LogIn($username: String!, $password: String!) {
  tokenCreate(input: {username: $username, password: $password}) {
    token expiresAt account { id username roles } errors { field code message }
  }
}"""
ME = "query { me { id username displayName roles phone communities { id name } } }"
LOG_OUT = "mutation { tokenRevoke { revoked errors { code } } }"


async def test_sign_up_log_in_me_log_out(api, factory):
    await factory.community(code="BRJ", name="百瑞景社区")
    data = await api.data(
        SIGN_UP,
        {
            "username": "wang",
            "password": "s3cret-pass",
            "displayName": "王阿姨",
            "phone": "13912345678",
            "communityCode": "brj",
        },
    )
    assert data["accountRegister"]["errors"] == []
    assert data["accountRegister"]["account"]["roles"] == ["RESIDENT"]
    stored = await Account.get(username="wang")
    assert stored.password_hash.startswith("$argon2id$")

    login = (await api.data(LOG_IN, {"username": "wang", "password": "s3cret-pass"}))["tokenCreate"]
    assert login["errors"] == [] and login["token"]
    assert await AccessToken.filter(account_id=stored.id).count() == 1
    assert not await AccessToken.filter(token_hash=login["token"]).exists()  # only the hash is stored

    me = (await api.data(ME, as_=login["token"]))["me"]
    assert me["username"] == "wang" and me["phone"] == "13912345678"
    assert [c["name"] for c in me["communities"]] == ["百瑞景社区"]

    assert (await api.data(LOG_OUT, as_=login["token"]))["tokenRevoke"]["revoked"] is True
    body = await api.post(ME, as_=login["token"])
    assert body["data"]["me"] is None
    assert await api.error_code(LOG_OUT, as_=login["token"]) == "UNAUTHENTICATED"


async def test_sign_up_refuses_bad_input_and_changes_nothing(api, factory):
    data = await api.data(
        SIGN_UP, {"username": "A!", "password": "short", "displayName": " ", "communityCode": "NOPE"}
    )
    codes = {(e["field"], e["code"]) for e in data["accountRegister"]["errors"]}
    assert codes == {
        ("username", "INVALID"),
        ("password", "PASSWORD_TOO_WEAK"),
        ("displayName", "REQUIRED"),
        ("communityCode", "NOT_FOUND"),
    }
    assert data["accountRegister"]["account"] is None
    assert await Account.all().count() == 0


async def test_duplicate_username_is_a_typed_error(api, factory):
    await factory.account(username="taken")
    data = await api.data(SIGN_UP, {"username": "taken", "password": "s3cret-pass", "displayName": "x"})
    assert [e["code"] for e in data["accountRegister"]["errors"]] == ["DUPLICATE"]


async def test_login_throttled_after_five_failures_even_with_right_password(api, factory, clock):
    from tests.conftest import PASSWORD

    await factory.account(username="li")
    for _ in range(5):
        errors = (await api.data(LOG_IN, {"username": "li", "password": "wrong-password"}))["tokenCreate"][
            "errors"
        ]
        assert [e["code"] for e in errors] == ["INVALID_CREDENTIALS"]
    errors = (await api.data(LOG_IN, {"username": "li", "password": PASSWORD}))["tokenCreate"]["errors"]
    assert [e["code"] for e in errors] == ["THROTTLED"]
    clock.advance(minutes=16)
    login = (await api.data(LOG_IN, {"username": "li", "password": PASSWORD}))["tokenCreate"]
    assert login["errors"] == [] and login["token"]
    assert await LoginFailure.filter(username="li").count() == 0


async def test_expired_token_is_unauthenticated(api, factory, clock, settings):
    account = await factory.account()
    token = await factory.token(account)
    assert (await api.data(ME, as_=token))["me"]["username"] == account.username
    clock.advance(timedelta(seconds=settings.token_ttl_seconds + 1))
    assert await api.error_code(LOG_OUT, as_=token) == "UNAUTHENTICATED"


async def test_rehash_on_login_when_parameters_change(api, factory, settings):
    from resolvers.accounts import log_in
    from tests.conftest import PASSWORD

    account = await factory.account(username="rehash")
    old = account.password_hash
    stronger = settings.with_overrides(argon2_time_cost=2)
    await log_in(settings=stronger, username="rehash", password=PASSWORD)
    await account.refresh_from_db()
    assert account.password_hash != old and "t=2" in account.password_hash


async def test_role_grant_per_role(api, factory):
    community = await factory.community()
    admin = await factory.account(Role.ADMIN)
    community_admin = await factory.account(Role.COMMUNITY_ADMIN, community)
    resident = await factory.account(Role.RESIDENT, community)
    target = await factory.account(Role.RESIDENT, community)
    from schema.base import encode_id

    grant = """mutation($a: ID!, $r: Role!, $c: ID) { accountRoleGrant(input: {accountId: $a, role: $r, communityId: $c}) {
      account { id roles } errors { field code } } }"""
    variables = {
        "a": encode_id("Account", target.id),
        "r": "GRID_WORKER",
        "c": encode_id("Community", community.id),
    }
    assert await api.error_code(grant, variables, as_=resident) == "FORBIDDEN"
    assert await api.error_code(grant, variables) == "UNAUTHENTICATED"
    data = await api.data(grant, variables, as_=community_admin)
    assert set(data["accountRoleGrant"]["account"]["roles"]) == {"RESIDENT", "GRID_WORKER"}
    # a community admin cannot make admins
    assert (
        await api.error_code(grant, {**variables, "r": "ADMIN", "c": None}, as_=community_admin)
        == "FORBIDDEN"
    )
    data = await api.data(grant, {**variables, "r": "CITY_OPERATOR", "c": None}, as_=admin)
    assert "CITY_OPERATOR" in data["accountRoleGrant"]["account"]["roles"]
    data = await api.data(grant, {**variables, "r": "COMMUNITY_ADMIN", "c": None}, as_=admin)
    assert [e["code"] for e in data["accountRoleGrant"]["errors"]] == ["REQUIRED"]


async def test_a_burst_of_parallel_guesses_is_throttled_too(api, factory):
    import asyncio

    await factory.account(username="target")
    results = await asyncio.gather(
        *(api.data(LOG_IN, {"username": "target", "password": f"guess-{i:04d}"}) for i in range(20))
    )
    codes = [r["tokenCreate"]["errors"][0]["code"] for r in results]
    assert codes.count("INVALID_CREDENTIALS") == 5 and codes.count("THROTTLED") == 15
