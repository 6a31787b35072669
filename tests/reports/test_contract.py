"""The contract's report operations validate against the schema the server builds."""

from __future__ import annotations

import graphql
import pytest

from api.settings import Settings
from schema.root import build_schema
from tests.reports.conftest import operation

OPERATIONS = [
    ("resident-app.graphql", "NearbyReports"),
    ("resident-app.graphql", "SubmitReport"),
    ("resident-app.graphql", "MyReports"),
    ("resident-app.graphql", "MyTicketUpdates"),
    ("dashboard.graphql", "AcceptReport"),
    ("dashboard.graphql", "DispatchReport"),
    ("dashboard.graphql", "StartReport"),
    ("dashboard.graphql", "ResolveReport"),
    ("dashboard.graphql", "RejectReport"),
    ("dashboard.graphql", "EscalateReport"),
    ("dashboard.graphql", "TicketBoard"),
]
#: parts of CommunityOverview and PortalCommunity that other domains serve
OTHERS = ("members", "activeAlerts", "devicesOnline", "devicesOffline", "alerts", "Alert", "AlertFields")


@pytest.fixture(scope="module")
def schema(test_settings: Settings) -> graphql.GraphQLSchema:
    # the app's own settings: strawberry binds types to one schema per process
    return graphql.build_schema(build_schema(test_settings).as_str(), assume_valid_sdl=True)


@pytest.mark.parametrize(("file", "name"), OPERATIONS)
def test_report_operations_validate(schema, file, name):
    errors = graphql.validate(schema, graphql.parse(operation(file, name)))
    assert errors == [], [e.message for e in errors]


@pytest.mark.parametrize(
    ("file", "name"), [("dashboard.graphql", "CommunityOverview"), ("portal.graphql", "PortalCommunity")]
)
def test_report_parts_of_shared_operations_validate(schema, file, name):
    errors = graphql.validate(schema, graphql.parse(operation(file, name)))
    ours = [e.message for e in errors if not any(f"'{other}'" in e.message for other in OTHERS)]
    assert ours == []


def test_enums_hold_the_contract_values(schema):
    assert set(schema.get_type("ReportCategory").values) >= {
        "SECURITY_CLUE",
        "SAFETY_HAZARD",
        "ENVIRONMENT",
        "FACILITY_FAULT",
        "DAILY_GOVERNANCE",
        "APPEAL_RIGHTS",
        "APPEAL_INDUSTRY",
    }
    assert set(schema.get_type("TicketStatus").values) == {
        "SUBMITTED",
        "ACCEPTED",
        "DISPATCHED",
        "IN_PROGRESS",
        "RESOLVED",
        "CLOSED",
        "REJECTED",
    }


async def test_models_and_migrations_agree(settings):
    from api.migrate import pending_model_changes

    assert await pending_model_changes(settings) == []
