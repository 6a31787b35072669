from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise.fields.base import OnDelete
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('care', '0001_initial'), ('core', '0001_initial'), ('members', '0001_initial')]

    initial = False

    operations = [
        ops.AddField(
            model_name='Pairing',
            name='approved_at',
            field=fields.DatetimeField(null=True, description="when the community's staff approved it (a member's own request waits for that), null while pending", auto_now=False, auto_now_add=False),
        ),
        ops.AddField(
            model_name='Pairing',
            name='approved_by',
            field=fields.ForeignKeyField('core.Account', source_field='approved_by_id', null=True, db_constraint=True, to_field='id', related_name='approved_pairings', on_delete=OnDelete.SET_NULL),
        ),
        # pairings made before approvals existed stay as they were: in force since they started
        ops.RunSQL('UPDATE "pairing" SET "approved_at" = "started_at" WHERE "approved_at" IS NULL', reverse_sql=ops.RunSQL.noop),
    ]
