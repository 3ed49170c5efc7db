"""`--readme` rewrites only the marked block: idempotent, and every other byte left alone."""

from __future__ import annotations

from pathlib import Path

from .conftest import Run

START = b"<!-- harness:badges:start -->"
END = b"<!-- harness:badges:end -->"
LINKS = (
    b"![harness audit: B (87.5/100)](badges/audit.svg) "
    b"![hit@5: 0.91 (100% measured)](badges/eval-hit-5.svg) "
    b"![faithfulness: 0.73 (96% measured)](badges/eval-faithfulness.svg) "
    b"![answer\\_relevancy: unmeasured (0/50)](badges/eval-answer-relevancy.svg) "
    b"![cost: $0.0012/query](badges/cost.svg)"
)
REPORTS = ("--audit", "audit.json", "--eval", "eval.json", "--readme", "README.md")


def test_markers_inserted_under_title(workdir: Path, run: Run) -> None:
    (workdir / "README.md").write_bytes(b"# Demo\n\nIntro.\n")

    result = run(*REPORTS)

    assert result.exit_code == 0, result.output
    expected = b"# Demo\n\n" + START + b"\n" + LINKS + b"\n" + END + b"\n\nIntro.\n"
    assert (workdir / "README.md").read_bytes() == expected


def test_second_run_changes_nothing(workdir: Path, run: Run) -> None:
    (workdir / "README.md").write_bytes(b"# Demo\n\nIntro.\n")
    run(*REPORTS)
    first = (workdir / "README.md").read_bytes()

    again = run(*REPORTS)

    assert again.stdout.endswith("updated 0 file(s), 12 unchanged\n")
    assert (workdir / "README.md").read_bytes() == first
    assert run(*REPORTS, "--check").exit_code == 0


def test_only_the_block_changes_and_the_rest_stays_byte_identical(workdir: Path, run: Run) -> None:
    # CRLF endings, trailing spaces, a tab, a marker quoted inside a code fence, no final newline.
    before = b"Setext title\r\n============\r\n\r\nText with trailing space  \r\n\t- item\r\n"
    fenced = b"```markdown\r\n" + START + b"\r\nnot mine\r\n" + END + b"\r\n```\r\n"
    after = b"\r\n## Usage\r\nLast line, no newline"
    block = START + b"\r\nold badges\r\n" + END
    (workdir / "README.md").write_bytes(before + block + b"\r\n" + fenced + after)

    run(*REPORTS)

    new_block = START + b"\r\n" + LINKS + b"\r\n" + END
    expected = before + new_block + b"\r\n" + fenced + after
    assert (workdir / "README.md").read_bytes() == expected


def test_readme_without_title_gets_block_on_top(workdir: Path, run: Run) -> None:
    (workdir / "README.md").write_bytes(b"Just text.\n```\n# not a title\n```\n")

    run(*REPORTS)

    text = (workdir / "README.md").read_bytes()
    assert text.startswith(START + b"\n")
    assert text.endswith(END + b"\n\nJust text.\n```\n# not a title\n```\n")


def test_readme_alone_links_existing_badges(workdir: Path, run: Run) -> None:
    run("--audit", "audit.json", "--out", "docs/img")
    (workdir / "docs" / "README.md").write_bytes(b"# Docs\n")

    result = run("--readme", "docs/README.md", "--out", "docs/img")

    assert result.exit_code == 0, result.output
    assert (workdir / "docs" / "README.md").read_bytes() == (
        b"# Docs\n\n" + START + b"\n![harness audit: B (87.5/100)](img/audit.svg)\n" + END + b"\n"
    )


def test_links_climb_out_of_the_readme_folder(workdir: Path, run: Run) -> None:
    (workdir / "sub").mkdir()
    (workdir / "sub" / "README.md").write_bytes(b"# Sub\n")

    run("--audit", "audit.json", "--readme", "sub/README.md")

    assert b"](../badges/audit.svg)" in (workdir / "sub" / "README.md").read_bytes()


def test_unbalanced_markers_are_refused(workdir: Path, run: Run) -> None:
    original = b"# T\n" + START + b"\n" + START + b"\n" + END + b"\n"
    (workdir / "README.md").write_bytes(original)

    result = run(*REPORTS)

    assert result.exit_code == 2
    assert result.stderr == (
        "error: README has 2 start and 1 end badge markers — leave one "
        "<!-- harness:badges:start --> line followed by one <!-- harness:badges:end --> line, "
        "or delete both to re-insert them\n"
    )
    assert (workdir / "README.md").read_bytes() == original
    assert not (workdir / "badges").exists()


def test_readme_with_no_badges_anywhere_is_refused(workdir: Path, run: Run) -> None:
    (workdir / "README.md").write_bytes(b"# T\n")

    result = run("--readme", "README.md")

    assert result.exit_code == 2
    assert result.stderr == (
        "error: no badges in badges to link from README.md — run harness badge --audit FILE "
        "and/or --eval FILE first, or point --out at them\n"
    )
