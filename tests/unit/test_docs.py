"""The docs keep up with the code: every CLI command and every config key is documented."""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path

import click

from edge.cli import cli
from edge.config import SECTIONS, PrinterConfig

ROOT = Path(__file__).resolve().parents[2]
DOCS = "\n".join(p.read_text(encoding="utf-8") for p in [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))])


def command_paths(group: click.Group, prefix: str = "edge"):
    for name, command in group.commands.items():
        path = f"{prefix} {name}"
        yield path
        if isinstance(command, click.Group):
            yield from command_paths(command, path)


def test_every_cli_command_is_documented():
    missing = [path for path in command_paths(cli) if f"`{path}" not in DOCS]
    assert not missing, f"commands not mentioned in README.md or docs/: {missing}"


def test_every_config_key_is_in_the_configuration_doc():
    doc = (ROOT / "docs" / "configuration.md").read_text(encoding="utf-8")
    for section, cls in {**SECTIONS, "printers.NAME": PrinterConfig}.items():
        assert f"[{section}]" in doc, f"section [{section}] missing from docs/configuration.md"
        for field in dataclasses.fields(cls):
            assert f"`{field.name}`" in doc, f"key {field.name} of [{section}] missing from docs/configuration.md"


def test_readme_gives_the_two_commands():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "make run" in readme and "make test" in readme


def test_architecture_doc_names_only_paths_that_exist_and_every_package():
    """docs/architecture.md stays true: every `edge/…` or `upstream/…` path it names exists, and
    every package of the device and the upstream is named in it."""
    doc = (ROOT / "docs" / "architecture.md").read_text(encoding="utf-8")
    named = set(re.findall(r"`((?:edge|upstream|tests)/[\w/.]*)`", doc))
    missing = sorted(p for p in named if not (ROOT / p).exists())
    assert not missing, f"docs/architecture.md names paths that do not exist: {missing}"
    packages = {str(p.parent.relative_to(ROOT)) + "/" for p in ROOT.glob("edge/*/__init__.py")}
    packages |= {str(p.parent.relative_to(ROOT)) + "/" for p in ROOT.glob("upstream/*/__init__.py")}
    unnamed = sorted(p for p in packages if f"`{p}" not in doc and p != "edge/demo/")
    assert not unnamed, f"packages missing from docs/architecture.md: {unnamed}"


def test_readme_links_the_architecture_and_points_nowhere_outside_the_repo():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "(docs/architecture.md)" in readme
    for target in re.findall(r"\]\(([^)#]+)\)", readme):
        if "://" in target:
            continue
        assert (ROOT / target).resolve().is_relative_to(ROOT), f"README links outside the repository: {target}"
        assert (ROOT / target).exists(), f"README links a missing file: {target}"


def test_security_doc_names_only_paths_that_exist_and_every_security_test():
    """docs/security.md stays true: every module and test it cites exists, and every attack module of
    tests/security/ is cited (a new defence gets its line in the threat model)."""
    doc = (ROOT / "docs" / "security.md").read_text(encoding="utf-8")
    named = set(re.findall(r"`((?:edge|upstream|tests|hardware)/[\w/.]*)", doc))
    missing = sorted(p for p in named if not (ROOT / p).exists())
    assert not missing, f"docs/security.md names paths that do not exist: {missing}"
    tests = {str(p.relative_to(ROOT)) for p in ROOT.glob("tests/security/test_*.py")}
    uncited = sorted(t for t in tests if t not in doc)
    assert not uncited, f"security tests not cited in docs/security.md: {uncited}"
