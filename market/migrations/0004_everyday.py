from tortoise import migrations
from tortoise.migrations import operations as ops


class Migration(migrations.Migration):
    dependencies = [('market', '0003_inputs')]

    operations: list[ops.Operation] = []
