"""Expand only: two new tables for calls."""

from tortoise import fields, migrations
from tortoise.migrations import operations as ops


class Migration(migrations.Migration):
    dependencies = [("parley", "0001_initial")]

    operations = [
        ops.CreateModel(
            name="CallRow",
            fields=[
                (
                    "id",
                    fields.CharField(primary_key=True, unique=True, db_index=True, max_length=32),
                ),
                ("chat_id", fields.CharField(db_index=True, max_length=32)),
                ("running_key", fields.CharField(null=True, unique=True, max_length=32)),
                ("kind", fields.CharField(max_length=8)),
                ("state", fields.CharField(max_length=8)),
                ("room", fields.CharField(max_length=64)),
                ("started_by", fields.CharField(max_length=32)),
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
                (
                    "answered_at",
                    fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
                ),
                ("ended_at", fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ("end_reason", fields.CharField(null=True, max_length=16)),
            ],
            options={"table": "calls", "app": "parley", "pk_attr": "id"},
            bases=["Model"],
        ),
        ops.CreateModel(
            name="CallParticipantRow",
            fields=[
                (
                    "id",
                    fields.BigIntField(
                        generated=True, primary_key=True, unique=True, db_index=True
                    ),
                ),
                ("call_id", fields.CharField(max_length=32)),
                ("user_id", fields.CharField(max_length=32)),
                ("joined_at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={
                "table": "call_participants",
                "app": "parley",
                "unique_together": (("call_id", "user_id"),),
                "pk_attr": "id",
            },
            bases=["Model"],
        ),
    ]
