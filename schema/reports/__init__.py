"""Snap reports and appeals (随手拍、报事报修、我的诉求): types, queries, mutations, live ticket status."""

from schema.reports.operations import Mutation, Query, Subscription
from schema.reports.types import (
    AccountReports,
    CommunityReports,
    Report,
    ReportFilterInput,
    ReportsStats,
    TicketStatusEvent,
)

__all__ = [
    "AccountReports",
    "CommunityReports",
    "Mutation",
    "Query",
    "Report",
    "ReportFilterInput",
    "ReportsStats",
    "Subscription",
    "TicketStatusEvent",
]
