from tortoise import fields, migrations
from tortoise.fields.base import OnDelete
from tortoise.migrations import operations as ops


class Migration(migrations.Migration):
    dependencies = [('market', '0001_initial')]

    operations: list[ops.Operation] = [
        ops.CreateModel(
            name='Throttle',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('key', fields.CharField(unique=True, max_length=320)),
                ('window_start', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('count', fields.IntField(default=0)),
            ],
            options={'table': 'throttle', 'app': 'market', 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='TaskFollower',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('task', fields.ForeignKeyField('market.Task', source_field='task_id', db_constraint=True, to_field='id', related_name='followers', on_delete=OnDelete.CASCADE)),
                ('vendor', fields.ForeignKeyField('market.Vendor', source_field='vendor_id', db_constraint=True, to_field='id', related_name='followed_tasks', on_delete=OnDelete.CASCADE)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'task_follower', 'app': 'market', 'unique_together': (('task', 'vendor'),), 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.AddField(
            model_name='BidAttachment',
            name='purged_at',
            field=fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
        ),
    ]
