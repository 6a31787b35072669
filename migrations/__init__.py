"""Schema migrations, one package per tortoise app (see `api.models.APPS`)."""
