"""Stations (江城蜂巢): where they are, what they offer, when they are open, and the rewards redeemed there.

Reading is public (riders look for a station without logging in). Stations are managed by an
administrator, the community's admin, or an admin of the managing unit. A redemption takes one
unit of stock with a conditional UPDATE and spends points through the ledger in the same
transaction, so concurrent redemptions neither oversell nor overdraw.
"""

from resolvers.stations.activities import create_activity, sign_up_for_activity, signed_up_activity_ids
from resolvers.stations.rewards import (
    Redeemed,
    collect_redemption,
    create_reward,
    redeem_reward,
    redemptions_of,
    restock_reward,
)
from resolvers.stations.sites import (
    DEFAULT_TIMEZONE,
    MAX_RADIUS_M,
    Found,
    OpeningPeriod,
    activities_by_station,
    create_station,
    find_stations,
    manages,
    rewards_by_station,
    services_column,
    services_of,
    station_is_open,
    stations_queryset,
    update_station,
)

__all__ = [
    "DEFAULT_TIMEZONE",
    "MAX_RADIUS_M",
    "Found",
    "OpeningPeriod",
    "Redeemed",
    "activities_by_station",
    "collect_redemption",
    "create_activity",
    "create_reward",
    "create_station",
    "find_stations",
    "manages",
    "redeem_reward",
    "redemptions_of",
    "restock_reward",
    "rewards_by_station",
    "services_column",
    "services_of",
    "sign_up_for_activity",
    "signed_up_activity_ids",
    "station_is_open",
    "stations_queryset",
    "update_station",
]
