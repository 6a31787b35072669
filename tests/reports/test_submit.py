"""Submitting reports with photos over the GraphQL multipart request spec, and serving the photos."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from api.errors import ErrorCode, UserErrors
from api.models.reports import Report, ReportCategory, ReportEvent, ReportPhoto, TicketStatus
from resolvers import reports
from tests.reports.conftest import JPEG, NOT_AN_IMAGE, PNG, WEBP, submit, submitted


def stored_files(settings) -> list[Path]:
    root = Path(settings.media_dir)
    return sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []


@pytest.fixture(autouse=True)
def empty_media(settings):
    for path in stored_files(settings):
        path.unlink()
    yield


async def test_submit_with_photos_routes_and_stores(api, world, settings, clock):
    result = await submit(
        api,
        world.resident,
        category="FACILITY_FAULT",
        description="楼道灯坏了",
        photos=[("a.jpg", JPEG, "image/jpeg"), ("b.png", PNG, "image/png"), ("c.webp", WEBP, "image/webp")],
    )
    assert result["errors"] == []
    report = result["report"]
    assert report["status"] == "SUBMITTED" and report["category"] == "FACILITY_FAULT"
    assert report["number"] == "BRJ-20260701-00001"  # 09:00 in Wuhan

    row = await Report.get(id=1)
    assert row.community_id == world.brj.id and row.reporter_id == world.resident.id
    # a facility fault goes to the community's property company, due in 48 hours
    assert row.assignee_id == world.property.id
    assert row.due_at == clock.now().replace(hour=1) + __import__("datetime").timedelta(hours=48)
    photos = await ReportPhoto.filter(report_id=row.id).order_by("position")
    assert [p.content_type for p in photos] == ["image/jpeg", "image/png", "image/webp"]
    files = stored_files(settings)
    assert len(files) == 3
    # random names, not the client's
    assert not any(f.name in ("a.jpg", "b.png", "c.webp") for f in files)
    assert (Path(settings.media_dir) / photos[0].path).read_bytes() == JPEG
    events = await ReportEvent.filter(report_id=row.id)
    assert [(e.action.value, e.status.value, e.actor_id) for e in events] == [
        ("SUBMITTED", "SUBMITTED", world.resident.id)
    ]


async def test_photo_served_to_those_who_may_see_it_only(api, world, factory):

    await submitted(api, world.resident, photos=[("a.jpg", JPEG, "image/jpeg")])
    url = f"/media/{(await ReportPhoto.get(report_id=1)).path}"

    async def get(who):
        return await api.http.get(url, headers=await api.headers_for(who))

    mine = await get(world.resident)
    assert mine.status_code == 200 and mine.content == JPEG
    assert (
        mine.headers["content-type"] == "image/jpeg" and mine.headers["x-content-type-options"] == "nosniff"
    )
    assert (await get(world.grid)).status_code == 200  # the community's staff
    assert (await get(world.city)).status_code == 200  # city operators read everything
    # strangers: another resident, another community's staff, an unrelated organisation, nobody
    assert (await get(world.neighbour)).status_code == 404
    assert (await get(world.other_admin)).status_code == 404
    assert (await get(world.street_admin)).status_code == 404
    assert (await get(None)).status_code == 404
    assert (await api.http.get(url, headers={"Authorization": "Bearer zt_nonsense"})).status_code == 401
    # the same answer for a photo that does not exist, and no way out of the media directory
    assert (await get(world.resident)).status_code == 200
    assert (
        await api.http.get("/media/reports/missing.jpg", headers=await api.headers_for(world.resident))
    ).status_code == 404
    assert (
        await api.http.get("/media/../../etc/passwd", headers=await api.headers_for(world.resident))
    ).status_code == 404


async def test_the_assigned_organisation_sees_the_photo(api, world):
    await submitted(api, world.resident, category="ENVIRONMENT", photos=[("a.jpg", JPEG, "image/jpeg")])
    url = f"/media/{(await ReportPhoto.get(report_id=1)).path}"
    assert (await api.http.get(url, headers=await api.headers_for(world.property_admin))).status_code == 200


async def test_non_image_upload_is_refused_and_nothing_is_stored(api, world, settings):
    result = await submit(
        api,
        world.resident,
        photos=[
            ("ok.jpg", JPEG, "image/jpeg"),
            ("fake.jpg", NOT_AN_IMAGE, "image/jpeg"),  # says JPEG, is not: the bytes decide
        ],
    )
    assert result["report"] is None
    assert [(e["field"], e["code"]) for e in result["errors"]] == [("photos.1", "UNSUPPORTED_MEDIA_TYPE")]
    assert await Report.all().count() == 0 and await ReportPhoto.all().count() == 0
    assert stored_files(settings) == []


async def test_gif_is_not_accepted(api, world, settings):
    result = await submit(api, world.resident, photos=[("a.gif", b"GIF89a" + b"\x00" * 100, "image/gif")])
    assert [e["code"] for e in result["errors"]] == ["UNSUPPORTED_MEDIA_TYPE"]
    assert stored_files(settings) == []


async def test_too_many_photos(api, world, settings):
    result = await submit(api, world.resident, photos=[(f"{i}.jpg", JPEG, "image/jpeg") for i in range(7)])
    assert [(e["field"], e["code"]) for e in result["errors"]] == [("photos", "TOO_MANY_FILES")]
    assert await Report.all().count() == 0 and stored_files(settings) == []


async def test_photo_too_large(world, settings):
    small = settings.with_overrides(max_upload_bytes=100)
    with pytest.raises(UserErrors) as caught:
        await reports.submit_report(
            principal=await _principal(world.resident),
            settings=small,
            category=ReportCategory.ENVIRONMENT,
            description="垃圾堆放",
            lat=30.5275,
            lng=114.3297,
            photos=[JPEG],
        )
    assert [(e.field, e.code) for e in caught.value.errors] == [("photos.0", ErrorCode.FILE_TOO_LARGE)]
    assert await Report.all().count() == 0 and stored_files(settings) == []


async def test_bad_input_changes_nothing(api, world, settings):
    result = await submit(
        api,
        world.resident,
        description="  ",
        location={"lat": 91.0, "lng": 114.0},
        address="x" * 300,
        photos=[("a.jpg", JPEG, "image/jpeg")],
    )
    assert {(e["field"], e["code"]) for e in result["errors"]} == {
        ("description", "REQUIRED"),
        ("location", "OUT_OF_RANGE"),
        ("address", "TOO_LONG"),
    }
    assert await Report.all().count() == 0 and stored_files(settings) == []


async def test_a_failure_after_the_files_were_written_removes_them(api, world, settings, monkeypatch):
    async def broken(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(ReportEvent, "create", broken)
    body = (
        await api.http.post(
            "/graphql",
            data={
                "operations": __import__("json").dumps(
                    {
                        "query": "mutation($p: [Upload!]) { reportSubmit(input: {"
                        'category: ENVIRONMENT, description: "x", location: {lat: 30.5275, lng: 114.3297}, photos: $p}) {'
                        " report { id } errors { code } } }",
                        "variables": {"p": [None]},
                    }
                ),
                "map": '{"0": ["variables.p.0"]}',
            },
            files={"0": ("a.jpg", JPEG, "image/jpeg")},
            headers=await api.headers_for(world.resident),
        )
    ).json()
    assert body["errors"][0]["extensions"]["code"] == "INTERNAL_SERVER_ERROR"
    assert await Report.all().count() == 0 and await ReportPhoto.all().count() == 0
    assert stored_files(settings) == []
    assert not any(name.startswith(".") for _, _, names in os.walk(settings.media_dir) for name in names)


async def test_community_found_from_location_then_account(api, world, factory):
    from api.models.accounts import Role

    # 王阿姨 lives in 百瑞景, but the dead traffic light is at 茅圻村
    rid = await submitted(api, world.resident, location={"lat": 30.1190, "lng": 114.6269})
    assert (await Report.get(id=rid)).community_id == world.other.id
    # nowhere near any community: the reporter's own
    rid = await submitted(api, world.resident, location={"lat": 40.0, "lng": 100.0})
    assert (await Report.get(id=rid)).community_id == world.brj.id
    # nowhere, and no community of one's own: a typed error
    drifter = await factory.account(Role.MEMBER)
    result = await submit(api, drifter, location={"lat": 40.0, "lng": 100.0})
    assert [(e["field"], e["code"]) for e in result["errors"]] == [("communityId", "REQUIRED")]


async def test_submitting_needs_a_login(api, world):
    from tests.reports.conftest import SUBMIT

    code = await api.error_code(
        SUBMIT, {"category": "ENVIRONMENT", "description": "x", "location": {"lat": 30.5, "lng": 114.3}}
    )
    assert code == "UNAUTHENTICATED"


async def test_status_starts_submitted_with_one_timeline_entry(api, world):
    rid = await submitted(api, world.resident)
    row = await Report.get(id=rid)
    assert row.status is TicketStatus.SUBMITTED and row.version == 1


async def _principal(account):
    from api.auth import principal_for_account

    return await principal_for_account(account)
