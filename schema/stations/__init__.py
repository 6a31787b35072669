"""Stations (江城蜂巢), their rewards (积分兑换) and activities. Stations and rewards are public."""

from schema.stations.operations import Mutation, Query
from schema.stations.types import (
    AccountStations,
    CommunityStations,
    Redemption,
    Reward,
    Station,
    StationActivity,
)

__all__ = [
    "AccountStations",
    "CommunityStations",
    "Mutation",
    "Query",
    "Redemption",
    "Reward",
    "Station",
    "StationActivity",
]
