from tortoise import migrations
from tortoise.migrations import operations as ops
from api.models.accounts import Role
from api.models.places import CommunityMode, OrganizationKind
from tortoise.fields.base import OnDelete
from tortoise import fields
from tortoise.indexes import Index


class Migration(migrations.Migration):
    initial = True

    operations = [
        ops.CreateModel(
            name="Account",
            fields=[
                ("id", fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ("username", fields.CharField(unique=True, max_length=64)),
                ("display_name", fields.CharField(max_length=64)),
                ("phone", fields.CharField(null=True, max_length=32)),
                ("password_hash", fields.CharField(max_length=255)),
                ("is_active", fields.BooleanField(default=True)),
                (
                    "points_balance",
                    fields.IntField(
                        default=0,
                        description="the spendable points balance, changed only by `api.points` together with a ledger entry",
                    ),
                ),
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={"table": "account", "app": "core", "pk_attr": "id"},
            bases=["Model"],
        ),
        ops.CreateModel(
            name="AccessToken",
            fields=[
                ("id", fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ("token_hash", fields.CharField(unique=True, max_length=64)),
                (
                    "account",
                    fields.ForeignKeyField(
                        "core.Account",
                        source_field="account_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="tokens",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ("expires_at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ("revoked_at", fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={
                "table": "access_token",
                "app": "core",
                "pk_attr": "id",
                "table_description": "A bearer token, of which only the SHA-256 is stored.",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="ApiKey",
            fields=[
                ("id", fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ("name", fields.CharField(max_length=128)),
                ("key_hash", fields.CharField(unique=True, max_length=64)),
                (
                    "scopes",
                    fields.CharField(
                        description='space-separated read scopes, e.g. "read:stations read:communities"',
                        max_length=512,
                    ),
                ),
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ("revoked_at", fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={
                "table": "api_key",
                "app": "core",
                "pk_attr": "id",
                "table_description": "A portal's key with read scopes only, of which only the SHA-256 is stored.",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="AuditEntry",
            fields=[
                ("id", fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ("at", fields.DatetimeField(db_index=True, auto_now=False, auto_now_add=False)),
                (
                    "actor",
                    fields.ForeignKeyField(
                        "core.Account",
                        source_field="actor_id",
                        null=True,
                        db_constraint=True,
                        to_field="id",
                        related_name="audit_entries",
                        on_delete=OnDelete.SET_NULL,
                    ),
                ),
                (
                    "action",
                    fields.CharField(description='what was done, e.g. "careRecipient.read"', max_length=64),
                ),
                (
                    "subject_id",
                    fields.CharField(
                        db_index=True, description="the global id of what was read", max_length=128
                    ),
                ),
                (
                    "reason",
                    fields.CharField(description="why: the operation that caused the read", max_length=255),
                ),
                (
                    "fields_read",
                    fields.CharField(
                        default="", description="which personal fields were shown", max_length=255
                    ),
                ),
            ],
            options={"table": "audit_entry", "app": "core", "pk_attr": "id"},
            bases=["Model"],
        ),
        ops.CreateModel(
            name="Community",
            fields=[
                ("id", fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ("name", fields.CharField(max_length=128)),
                (
                    "code",
                    fields.CharField(
                        unique=True,
                        description="the short code printed on the community's check-in poster (QR code)",
                        max_length=32,
                    ),
                ),
                ("city", fields.CharField(max_length=64)),
                ("district", fields.CharField(max_length=64)),
                ("street", fields.CharField(max_length=64)),
                ("lat", fields.FloatField(null=True)),
                ("lng", fields.FloatField(null=True)),
                (
                    "mode",
                    fields.CharEnumField(
                        default=CommunityMode.NORMAL,
                        description="NORMAL: NORMAL\nEMERGENCY: EMERGENCY\nEXTREME: EXTREME",
                        enum_type=CommunityMode,
                        max_length=16,
                    ),
                ),
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={"table": "community", "app": "core", "pk_attr": "id"},
            bases=["Model"],
        ),
        ops.CreateModel(
            name="Grid",
            fields=[
                ("id", fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                (
                    "community",
                    fields.ForeignKeyField(
                        "core.Community",
                        source_field="community_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="grids",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                ("name", fields.CharField(max_length=128)),
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={
                "table": "grid",
                "app": "core",
                "unique_together": (("community", "name"),),
                "pk_attr": "id",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="GridWorker",
            fields=[
                ("id", fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                (
                    "grid",
                    fields.ForeignKeyField(
                        "core.Grid",
                        source_field="grid_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="workers",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                (
                    "account",
                    fields.ForeignKeyField(
                        "core.Account",
                        source_field="account_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="grid_assignments",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
            ],
            options={
                "table": "grid_worker",
                "app": "core",
                "unique_together": (("grid", "account"),),
                "pk_attr": "id",
                "table_description": "A grid worker's assignment to a grid.",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="LoginFailure",
            fields=[
                ("id", fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ("username", fields.CharField(db_index=True, max_length=64)),
                ("at", fields.DatetimeField(db_index=True, auto_now=False, auto_now_add=False)),
            ],
            options={
                "table": "login_failure",
                "app": "core",
                "pk_attr": "id",
                "table_description": "One failed login, kept for throttling (usernames only: no passwords, no addresses).",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="Organization",
            fields=[
                ("id", fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ("name", fields.CharField(max_length=128)),
                (
                    "kind",
                    fields.CharEnumField(
                        description="STREET: STREET\nWORK_UNIT: WORK_UNIT\nPROPERTY_MANAGEMENT: PROPERTY_MANAGEMENT\nCITY_OPS_CENTER: CITY_OPS_CENTER\nENTERPRISE: ENTERPRISE\nINDUSTRY_COMMITTEE: INDUSTRY_COMMITTEE",
                        enum_type=OrganizationKind,
                        max_length=32,
                    ),
                ),
                (
                    "community",
                    fields.ForeignKeyField(
                        "core.Community",
                        source_field="community_id",
                        null=True,
                        db_constraint=True,
                        to_field="id",
                        related_name="organizations",
                        on_delete=OnDelete.SET_NULL,
                    ),
                ),
                (
                    "parent",
                    fields.ForeignKeyField(
                        "core.Organization",
                        source_field="parent_id",
                        null=True,
                        db_constraint=True,
                        to_field="id",
                        related_name="children",
                        on_delete=OnDelete.SET_NULL,
                    ),
                ),
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={"table": "organization", "app": "core", "pk_attr": "id"},
            bases=["Model"],
        ),
        ops.CreateModel(
            name="PointsLedgerEntry",
            fields=[
                ("id", fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                (
                    "account",
                    fields.ForeignKeyField(
                        "core.Account",
                        source_field="account_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="ledger",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                ("delta", fields.IntField()),
                ("balance", fields.IntField(description="the account's balance right after this entry")),
                ("reason", fields.CharField(max_length=255)),
                (
                    "source",
                    fields.CharField(
                        description='what caused it, as "<kind>:<id>" (e.g. "report:42", "redemption:7")',
                        max_length=128,
                    ),
                ),
                (
                    "key",
                    fields.CharField(
                        null=True,
                        unique=True,
                        description='makes a credit or spend happen at most once (e.g. "report-resolved:42")',
                        max_length=128,
                    ),
                ),
                ("at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={
                "table": "points_ledger_entry",
                "app": "core",
                "indexes": [Index(fields=["account_id", "id"])],
                "pk_attr": "id",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="RoleGrant",
            fields=[
                ("id", fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                (
                    "account",
                    fields.ForeignKeyField(
                        "core.Account",
                        source_field="account_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="grants",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                (
                    "role",
                    fields.CharEnumField(
                        description="RESIDENT: RESIDENT\nMEMBER: MEMBER\nGRID_WORKER: GRID_WORKER\nCOMMUNITY_ADMIN: COMMUNITY_ADMIN\nORG_ADMIN: ORG_ADMIN\nCOMMITTEE_MEMBER: COMMITTEE_MEMBER\nCITY_OPERATOR: CITY_OPERATOR\nADMIN: ADMIN",
                        enum_type=Role,
                        max_length=32,
                    ),
                ),
                (
                    "community",
                    fields.ForeignKeyField(
                        "core.Community",
                        source_field="community_id",
                        null=True,
                        db_constraint=True,
                        to_field="id",
                        related_name="role_grants",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                (
                    "organization",
                    fields.ForeignKeyField(
                        "core.Organization",
                        source_field="organization_id",
                        null=True,
                        db_constraint=True,
                        to_field="id",
                        related_name="role_grants",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={
                "table": "role_grant",
                "app": "core",
                "unique_together": (("account", "role", "community", "organization"),),
                "pk_attr": "id",
                "table_description": "A role held within a scope: a community, an organisation, or (neither) everything.",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="SchedulerLease",
            fields=[
                ("name", fields.CharField(primary_key=True, unique=True, db_index=True, max_length=64)),
                ("holder", fields.CharField(max_length=128)),
                ("expires_at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={"table": "scheduler_lease", "app": "core", "pk_attr": "name"},
            bases=["Model"],
        ),
    ]
