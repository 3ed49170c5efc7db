"""Admin commands: `python -m app.admin create-user you@example.com [--budget 1.0]`."""

from __future__ import annotations

import argparse
import sys

from app.core.config import get_settings
from app.core.migrations import upgrade
from app.services.users import UserExists, create_user


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m app.admin")
    commands = parser.add_subparsers(dest="command", required=True)
    create = commands.add_parser("create-user", help="create a user and print its API key")
    create.add_argument("email")
    create.add_argument("--budget", type=float, default=None, help="daily budget in USD")
    args = parser.parse_args(argv)
    upgrade(get_settings().DATABASE_URL)
    try:
        _, key = create_user(args.email, args.budget)
    except UserExists:
        print(f"user {args.email} exists", file=sys.stderr)
        return 1
    print(key)
    return 0


if __name__ == "__main__":
    sys.exit(main())
