"""The configuration tortoise's own CLI reads (`tortoise makemigrations`, `tortoise migrate`).

Only that CLI imports this module; the app and `zhili` build the same configuration from
their `Settings` instead.
"""

from api.db import tortoise_config
from api.settings import get_settings

TORTOISE_ORM = tortoise_config(get_settings())
