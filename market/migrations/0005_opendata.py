import functools
from json import dumps, loads

from tortoise import fields, migrations
from tortoise.migrations import operations as ops


class Migration(migrations.Migration):
    dependencies = [('market', '0004_everyday')]

    operations: list[ops.Operation] = [
        ops.CreateModel(
            name='OcdsRelease',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('task_id', fields.IntField(db_index=True)),
                ('ocid', fields.CharField(db_index=True, max_length=100)),
                ('sequence', fields.IntField()),
                ('release_id', fields.CharField(unique=True, max_length=120)),
                ('date', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('tags', fields.JSONField(default=list, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('digest', fields.CharField(max_length=64)),
                ('data', fields.JSONField(default=dict, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'ocds_release', 'app': 'market', 'unique_together': (('task_id', 'sequence'),), 'pk_attr': 'id', 'table_description': 'A release as it was published: never updated, never deleted.'},
            bases=['Model'],
        ),
        ops.AddField(
            model_name='Wish',
            name='jira_fields',
            field=fields.JSONField(default=dict, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads),
        ),
    ]
