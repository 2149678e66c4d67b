"""Small builders for parameter files in a temporary folder."""

from __future__ import annotations

from pathlib import Path

from minsheng.policy.parameters import load_directory

REF = "{document: 测试文件, issuer: 测试机关, date: 2024-01-01, verified: true}"
HEAD = "description: 测试参数\nunit: 元/年\n"


def entry(effective: str = "2024-01-01", value: str = "100", *, region: str | None = None,
          until: str | None = None, ref: str | None = REF, extra: str = "") -> str:
    """One item of a ``values`` list, as YAML text."""
    lines = [f"  - effective: {effective}"]
    if until is not None:
        lines.append(f"    until: {until}")
    if region is not None:
        lines.append(f"    region: {region}")
    lines.append(f"    value: {value}")
    if ref is not None:
        lines.append(f"    ref: {ref}")
    if extra:
        lines.extend(f"    {line}" for line in extra.splitlines())
    return "\n".join(lines) + "\n"


def parameter_file(*entries: str, head: str = HEAD) -> str:
    return head + "values:\n" + "".join(entries or (entry(),))


def write(folder: Path, files: dict[str, str | bytes]) -> Path:
    for name, content in files.items():
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")
    return folder


def problems(folder: Path, files: dict[str, str | bytes]) -> list[str]:
    """The problems ``load_directory`` reports for these files, as printed."""
    return [str(problem) for problem in load_directory(write(folder, files)).problems]
