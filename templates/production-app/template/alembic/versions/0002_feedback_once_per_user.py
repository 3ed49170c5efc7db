"""feedback: one rating per user and message

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-01 09:50:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa

from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Before this revision a repeated rating could be stored twice: keep each user's latest
    # rating of a message (the highest id), so the constraint can be created on old data.
    op.execute(
        sa.text(
            "DELETE FROM feedback WHERE id NOT IN "
            "(SELECT MAX(id) FROM feedback GROUP BY message_id, user_id)"
        )
    )
    with op.batch_alter_table("feedback", schema=None) as batch_op:
        batch_op.create_unique_constraint("uq_feedback_message_user", ["message_id", "user_id"])


def downgrade() -> None:
    with op.batch_alter_table("feedback", schema=None) as batch_op:
        batch_op.drop_constraint("uq_feedback_message_user", type_="unique")
