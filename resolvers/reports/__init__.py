"""Snap reports and appeals (随手拍、报事报修、我的诉求): submitting, routing, lifecycle, reading, live.

- `submit`: a report with photos, validated whole, routed at once (`routing`).
- `lifecycle`: the transition table per role (`TRANSITIONS`), every change one timeline entry and one
  `TicketChanged` event (`live.TICKET`), points on resolution, and the timers (`run_timers`).
- `access`: who sees which report, and an anonymous reporter's identity.
- `reading`: filters, near + radius, counts.
"""

from resolvers.reports.access import (
    STAFF,
    can_see,
    following,
    sees_directly,
    sees_reporter,
    visible,
)
from resolvers.reports.lifecycle import (
    AUTO_CLOSE_AFTER,
    REOPEN_WINDOW,
    TRANSITIONS,
    Actor,
    TimerRun,
    accept_report,
    actors_of,
    close_report,
    dispatch_report,
    escalate_report,
    mark_duplicate,
    reject_report,
    reopen_report,
    resolve_report,
    run_timer_count,
    run_timers,
    start_report,
)
from resolvers.reports.live import (
    TICKET,
    TicketChanged,
    TicketUpdate,
    community_channel,
    report_channel,
    watch_tickets,
)
from resolvers.reports.reading import (
    Nearby,
    ReportCriteria,
    find_nearby,
    find_reports,
    is_overdue,
    open_counts,
    photo_for,
)
from resolvers.reports.routing import DEFAULT_ROUTES, Route, route_for, routes_of, set_route
from resolvers.reports.submit import submit_report

__all__ = [
    "AUTO_CLOSE_AFTER",
    "DEFAULT_ROUTES",
    "REOPEN_WINDOW",
    "STAFF",
    "TICKET",
    "TRANSITIONS",
    "Actor",
    "Nearby",
    "ReportCriteria",
    "Route",
    "TicketChanged",
    "TicketUpdate",
    "TimerRun",
    "accept_report",
    "actors_of",
    "can_see",
    "close_report",
    "community_channel",
    "dispatch_report",
    "escalate_report",
    "find_nearby",
    "find_reports",
    "following",
    "is_overdue",
    "mark_duplicate",
    "open_counts",
    "photo_for",
    "reject_report",
    "reopen_report",
    "report_channel",
    "resolve_report",
    "route_for",
    "routes_of",
    "run_timer_count",
    "run_timers",
    "sees_directly",
    "sees_reporter",
    "set_route",
    "start_report",
    "submit_report",
    "visible",
    "watch_tickets",
]
