"""Care recipients: only staff register them; personal data is masked for others and every staff read is audited."""

from __future__ import annotations

from api.models.accounts import Role
from api.models.audit import AuditEntry
from api.models.care import CareRecipient
from schema.base import encode_id

CREATE = """
mutation CreateCareRecipient($communityId: ID!, $name: String!, $category: CareCategory!, $phone: String,
                             $address: String, $guardianPhone: String) {
  careRecipientCreate(input: {communityId: $communityId, name: $name, category: $category, phone: $phone,
                              address: $address, guardianPhone: $guardianPhone}) {
    careRecipient { id name category community { id } }
    errors { field code message }
  }
}"""
READ = """query($id: ID!) { node(id: $id) { ... on CareRecipient { name phone address guardianPhone } } }"""


async def _recipient(api, factory, community, staff):  # type: ignore[no-untyped-def]
    data = await api.data(
        CREATE,
        {
            "communityId": encode_id("Community", community.id),
            "name": "钟邦时",
            "category": "ELDERLY_ALONE",
            "phone": "13712345678",
            "address": "梁子湖区涂家垴镇茅圻村三组12号",
            "guardianPhone": "13698765432",
        },
        as_=staff,
    )
    assert data["careRecipientCreate"]["errors"] == []
    return data["careRecipientCreate"]["careRecipient"]["id"]


async def test_grid_worker_registers_and_reads_in_full_with_an_audit_entry(api, factory):
    community = await factory.community()
    grid_worker = await factory.account(Role.GRID_WORKER, community)
    rid = await _recipient(api, factory, community, grid_worker)
    read = (await api.data(READ, {"id": rid}, as_=grid_worker))["node"]
    assert read == {
        "name": "钟邦时",
        "phone": "13712345678",
        "address": "梁子湖区涂家垴镇茅圻村三组12号",
        "guardianPhone": "13698765432",
    }
    entries = await AuditEntry.all()
    assert len(entries) == 1
    assert entries[0].actor_id == grid_worker.id and entries[0].subject_id == rid  # type: ignore[attr-defined]
    assert set(entries[0].fields_read.split(",")) == {"phone", "address", "guardianPhone"}

    admin = await factory.account(Role.ADMIN)
    log = await api.data(
        "{ auditLog { edges { node { action subjectId reason actor { username } } } } }", as_=admin
    )
    assert log["auditLog"]["edges"][0]["node"] == {
        "action": "careRecipient.read",
        "subjectId": rid,
        "reason": "query anonymous",
        "actor": {"username": grid_worker.username},
    }


async def test_city_operator_sees_masked_data_and_leaves_no_audit(api, factory):
    community = await factory.community()
    rid = await _recipient(api, factory, community, await factory.account(Role.COMMUNITY_ADMIN, community))
    operator = await factory.account(Role.CITY_OPERATOR)
    read = (await api.data(READ, {"id": rid}, as_=operator))["node"]
    assert read["phone"] == "137****5678" and read["guardianPhone"] == "136****5432"
    assert read["address"].endswith("****") and "12号" not in read["address"]
    assert await AuditEntry.all().count() == 0


async def test_others_cannot_see_or_register(api, factory):
    community, elsewhere = await factory.community(), await factory.community()
    rid = await _recipient(api, factory, community, await factory.account(Role.GRID_WORKER, community))
    for outsider in (
        await factory.account(Role.RESIDENT, community),
        await factory.account(Role.GRID_WORKER, elsewhere),
    ):
        assert (await api.data(READ, {"id": rid}, as_=outsider))["node"] is None
        code = await api.error_code(
            CREATE,
            {"communityId": encode_id("Community", community.id), "name": "x", "category": "HARDSHIP"},
            as_=outsider,
        )
        assert code == "FORBIDDEN"
    assert await CareRecipient.all().count() == 1


async def test_bad_input_is_typed_and_stores_nothing(api, factory):
    community = await factory.community()
    staff = await factory.account(Role.GRID_WORKER, community)
    data = await api.data(
        CREATE,
        {
            "communityId": encode_id("Community", community.id),
            "name": " ",
            "category": "HARDSHIP",
            "phone": "12",
        },
        as_=staff,
    )
    assert {(e["field"], e["code"]) for e in data["careRecipientCreate"]["errors"]} == {
        ("name", "REQUIRED"),
        ("phone", "INVALID"),
    }
    assert await CareRecipient.all().count() == 0
