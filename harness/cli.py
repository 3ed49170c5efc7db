"""The `harness` command line. Thin on purpose: each verb lives in its own module.

Verbs are imported lazily so `harness audit` never pays for the eval stack's imports.
"""

from __future__ import annotations

import importlib
from typing import Any

import click

from harness import __version__
from harness.errors import HarnessError

# verb name -> "module:attribute" of a click command
LAZY_COMMANDS: dict[str, str] = {
    "audit": "harness.audit.command:audit_command",
    "badge": "harness.badge.command:badge_command",
    "checklists": "harness.audit.checklists_command:checklists_group",
    "eval": "harness.eval.command:eval_command",
    "new": "harness.scaffold.new:new_command",
    "readme": "harness.badge.results_command:readme_command",
    "report": "harness.report.command:report_command",
    "update": "harness.scaffold.update:update_command",
}


class HarnessGroup(click.Group):
    """A group that loads verbs on demand and turns domain errors into one line."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(LAZY_COMMANDS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        target = LAZY_COMMANDS.get(cmd_name)
        if target is None:
            return None
        module_name, attribute = target.split(":")
        command: click.Command = getattr(importlib.import_module(module_name), attribute)
        return command

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        """Every verb with its whole first sentence: click's default cuts them at 45 columns."""
        rows = []
        for name in self.list_commands(ctx):
            command = self.get_command(ctx, name)
            if command is not None and not command.hidden:
                rows.append((name, command.get_short_help_str(limit=300)))
        if rows:
            with formatter.section("Commands"):
                formatter.write_dl(rows)

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except HarnessError as exc:
            click.echo(f"error: {exc.one_line()}", err=True)
            ctx.exit(exc.exit_code)


@click.group(cls=HarnessGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="harness")
def main() -> None:
    """Audit, evaluate and badge AI-engineering portfolio projects."""
