import functools
from json import dumps, loads

from tortoise import fields, migrations
from tortoise.fields.base import OnDelete
from tortoise.migrations import operations as ops


class Migration(migrations.Migration):
    dependencies = [('market', '0006_alerts')]

    operations: list[ops.Operation] = [('market', '0010_auto_20261129_1152')]

    initial = False

    operations = [
        ops.CreateModel(
            name='ContributionSource',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('solution', fields.OneToOneField('market.Solution', source_field='solution_id', db_constraint=True, to_field='id', related_name='contribution_source', on_delete=OnDelete.CASCADE)),
                ('location', fields.CharField(default='', max_length=500)),
                ('last_head', fields.CharField(default='', max_length=64)),
                ('commits', fields.IntField(default=0)),
                ('unmatched_authors', fields.IntField(default=0)),
                ('imported_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('last_message', fields.TextField(default='', unique=False)),
                ('last_error', fields.TextField(default='', unique=False)),
                ('updated_at', fields.DatetimeField(auto_now=True, auto_now_add=False)),
            ],
            options={'table': 'contribution_source', 'app': 'market', 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='ImportedCommit',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('solution', fields.ForeignKeyField('market.Solution', source_field='solution_id', db_constraint=True, to_field='id', related_name='imported_commits', on_delete=OnDelete.CASCADE)),
                ('key', fields.CharField(max_length=40)),
                ('authored_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('email_hash', fields.CharField(db_index=True, max_length=64)),
                ('name_hash', fields.CharField(max_length=64)),
                ('domain_hash', fields.CharField(db_index=True, max_length=64)),
                ('lines_changed', fields.IntField(default=0)),
                ('files_touched', fields.IntField(default=0)),
                ('languages', fields.JSONField(default=dict, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
            ],
            options={'table': 'contribution_commit', 'app': 'market', 'unique_together': (('solution', 'key'),), 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='VendorContribution',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('vendor', fields.ForeignKeyField('market.Vendor', source_field='vendor_id', db_constraint=True, to_field='id', related_name='contributions', on_delete=OnDelete.CASCADE)),
                ('solution', fields.ForeignKeyField('market.Solution', source_field='solution_id', db_constraint=True, to_field='id', related_name='vendor_contributions', on_delete=OnDelete.CASCADE)),
                ('month', fields.DateField()),
                ('commits', fields.IntField(default=0)),
                ('lines_changed', fields.IntField(default=0)),
                ('files_touched', fields.IntField(default=0)),
                ('languages', fields.JSONField(default=dict, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('first_commit_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('last_commit_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'vendor_contribution', 'app': 'market', 'unique_together': (('vendor', 'solution', 'month'),), 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='VendorIdentity',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('vendor', fields.ForeignKeyField('market.Vendor', source_field='vendor_id', db_constraint=True, to_field='id', related_name='identities', on_delete=OnDelete.CASCADE)),
                ('kind', fields.CharField(max_length=10)),
                ('value_hash', fields.CharField(max_length=64)),
                ('label', fields.CharField(max_length=254)),
                ('declared_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('confirmed_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('confirmed_by_id', fields.IntField(null=True)),
                ('confirmed_key', fields.CharField(null=True, unique=True, max_length=64)),
            ],
            options={'table': 'vendor_identity', 'app': 'market', 'unique_together': (('vendor', 'value_hash'),), 'pk_attr': 'id'},
            bases=['Model'],
        ),
    ]
