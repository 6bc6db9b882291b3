from tortoise import migrations
from tortoise.migrations import operations as ops


class Migration(migrations.Migration):
    dependencies = [('market', '0008_privacy')]

    operations: list[ops.Operation] = []
