"""Admin commands, run where the app's settings are (the container or the project):

python -m app.admin create-user you@example.com [--budget 1.0]   # prints the API key
python -m app.admin rotate-key you@example.com     # revokes the old keys, prints a new one
python -m app.admin revoke-keys you@example.com    # the user keeps their data, loses access
python -m app.admin disable-user you@example.com   # no key of theirs works any more
"""

from __future__ import annotations

import argparse
import sys

from app.core.config import get_settings
from app.core.migrations import upgrade
from app.services import users


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m app.admin")
    commands = parser.add_subparsers(dest="command", required=True)
    create = commands.add_parser("create-user", help="create a user and print its API key")
    create.add_argument("email")
    create.add_argument("--budget", type=float, default=None, help="daily budget in USD")
    for name, text in (
        ("rotate-key", "revoke the user's keys and print a new one"),
        ("revoke-keys", "revoke every key of the user"),
        ("disable-user", "stop the user from authenticating (their data is kept)"),
    ):
        commands.add_parser(name, help=text).add_argument("email")
    args = parser.parse_args(argv)
    upgrade(get_settings().DATABASE_URL)
    try:
        if args.command == "create-user":
            print(users.create_user(args.email, args.budget)[1])
        elif args.command == "rotate-key":
            print(users.rotate_key(args.email))
        elif args.command == "revoke-keys":
            print(f"revoked {users.revoke_keys(args.email)} key(s) of {args.email}")
        else:
            users.disable_user(args.email)
            print(f"disabled {args.email}")
    except users.UserExists:
        print(f"user {args.email} exists", file=sys.stderr)
        return 1
    except users.NoSuchUser:
        print(f"no user {args.email}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
