#!/usr/bin/env python3
"""The floor check: every `crate::` path in src/ must point to the same floor or one below.

The floors are written once, in docs/architecture.md, in the table between the markers
`<!-- floors: bottom first -->` and `<!-- /floors -->`: one row per floor, its first cell the
floor's name, its second the top-level modules of src/ that belong to it. This script reads
that table, so the document and the check cannot disagree.

Two rules:
  1. a module on floor F names `crate::M` only for M on floor F or below;
  2. within one floor, the modules one level down (src/prims/io, src/prims/sys ...) do not
     import each other in a circle (unit-test files, `tests.rs`, are exempt).
Items of src/lib.rs itself (`crate::fatal`, `crate::OCAML_VERSION`) are the root: every floor
may use them. Comments and string literals are ignored. Exit status 1 lists each offence.
"""
import os
import re
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SRC = os.path.join(ROOT, "src")
DOC = os.path.join(ROOT, "docs", "architecture.md")


def read_floors():
    text = open(DOC, encoding="utf-8").read()
    m = re.search(r"<!-- floors: bottom first -->(.*?)<!-- /floors -->", text, re.S)
    if not m:
        sys.exit("check-layers: docs/architecture.md has no floors table")
    floors = {}
    level = 0
    for line in m.group(1).splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) < 2 or not cells[0] or set(cells[0]) <= set("-: ") or cells[0] == "floor":
            continue
        for mod in re.findall(r"`([a-z_]+)`", cells[1]):
            floors[mod] = (level, cells[0])
        level += 1
    return floors


def strip_comments_and_strings(src):
    # Block comments, line comments, string and char literals become spaces (keeping lines).
    out = []
    i, n = 0, len(src)
    while i < n:
        c = src[i]
        if src.startswith("//", i):
            j = src.find("\n", i)
            j = n if j < 0 else j
            i = j
        elif src.startswith("/*", i):
            depth, j = 1, i + 2
            while j < n and depth:
                if src.startswith("/*", j):
                    depth, j = depth + 1, j + 2
                elif src.startswith("*/", j):
                    depth, j = depth - 1, j + 2
                else:
                    j += 1
            out.append("\n" * src.count("\n", i, j))
            i = j
        elif c == "r" and re.match(r'r#*"', src[i:i + 10]) and (i == 0 or not (src[i - 1].isalnum() or src[i - 1] == "_")):
            hashes = re.match(r'r(#*)"', src[i:]).group(1)
            end = src.find('"' + hashes, i + 2 + len(hashes))
            end = n if end < 0 else end + 1 + len(hashes)
            out.append("\n" * src.count("\n", i, end))
            i = end
        elif c == '"':
            j = i + 1
            while j < n and src[j] != '"':
                j += 2 if src[j] == "\\" else 1
            out.append("\n" * src.count("\n", i, j))
            i = j + 1
        elif c == "'" and re.match(r"'(\\.|[^\\'])'|'\\x..'|'\\u\{[0-9a-fA-F]+\}'", src[i:i + 12]):
            m = re.match(r"'(\\u\{[0-9a-fA-F]+\}|\\x..|\\.|[^\\'])'", src[i:])
            i += len(m.group(0))
        else:
            out.append(c)
            i += 1
    return "".join(out)


def expand_use_groups(code):
    """Yields (line, path) for every crate path, `use crate::{a::b, c}` groups expanded."""
    for m in re.finditer(r"\bcrate::", code):
        line = code.count("\n", 0, m.start()) + 1
        rest = code[m.end():]
        if rest.startswith("{"):
            depth, j = 0, 0
            for j, ch in enumerate(rest):
                depth += ch == "{"
                depth -= ch == "}"
                if depth == 0:
                    break
            for name in re.findall(r"(?:^|[{,])\s*([A-Za-z_][A-Za-z0-9_]*)", rest[1:j]):
                yield line, name
        else:
            name = re.match(r"[A-Za-z_][A-Za-z0-9_]*", rest)
            if name:
                yield line, name.group(0)


def module_of(path):
    rel = os.path.relpath(path, SRC).replace(os.sep, "/")
    parts = rel[:-3].split("/") if rel.endswith(".rs") else rel.split("/")
    return parts  # e.g. ["prims", "io", "channel"] or ["lib"]


def submodule_targets(code, top):
    """Sub-modules of `top` named as crate::top::X or, inside top, as super::X."""
    for m in re.finditer(r"\bcrate::" + top + r"::(\{[^}]*\}|[A-Za-z_][A-Za-z0-9_]*)", code):
        grp = m.group(1)
        names = re.findall(r"(?:^|[{,])\s*([a-z_][a-z0-9_]*)", grp) if grp.startswith("{") else [grp]
        for name in names:
            yield code.count("\n", 0, m.start()) + 1, name


def main():
    floors = read_floors()
    offences = []
    edges = {}  # floor name -> {sub: {sub2: (file, line)}}
    top_modules = set()
    for dirpath, _, files in os.walk(SRC):
        for f in files:
            if f.endswith(".rs"):
                parts = module_of(os.path.join(dirpath, f))
                if parts[0] not in ("lib", "main"):
                    top_modules.add(parts[0])
    missing = sorted(top_modules - floors.keys() - {"lib", "main"})
    if missing:
        offences.append(f"docs/architecture.md: no floor for module(s) {', '.join(missing)}")
    for dirpath, _, files in os.walk(SRC):
        for f in sorted(files):
            if not f.endswith(".rs"):
                continue
            path = os.path.join(dirpath, f)
            rel = os.path.relpath(path, ROOT)
            parts = module_of(path)
            me = parts[0]
            if me in ("lib", "main"):
                continue
            code = strip_comments_and_strings(open(path, encoding="utf-8").read())
            my_level, my_floor = floors.get(me, (None, None))
            if my_level is None:
                continue
            for line, target in expand_use_groups(code):
                if target not in floors:
                    continue  # a root item of lib.rs (or `self`)
                level, floor = floors[target]
                if level > my_level:
                    offences.append(f"{rel}:{line}: {me} (floor {my_floor}) uses crate::{target} (floor {floor}, above it)")
            if len(parts) >= 2 and parts[-1] != "tests":  # unit tests may use any sibling
                mine = parts[1]
                for line, sub in submodule_targets(code, me):
                    if sub != mine:
                        edges.setdefault(me, {}).setdefault(mine, {}).setdefault(sub, f"{rel}:{line}")
                for m in re.finditer(r"\bsuper::([a-z_][a-z0-9_]*)", code):
                    if len(parts) == 2 and m.group(1) != mine:
                        line = code.count("\n", 0, m.start()) + 1
                        edges.setdefault(me, {}).setdefault(mine, {}).setdefault(m.group(1), f"{rel}:{line}")
    # Circles among the sub-modules of one top module.
    for top, graph in sorted(edges.items()):
        seen_cycles = set()
        for start in sorted(graph):
            stack = [(start, [start])]
            while stack:
                node, path = stack.pop()
                for nxt in graph.get(node, {}):
                    if nxt == start:
                        cyc = path
                        key = frozenset(cyc)
                        if key not in seen_cycles:
                            seen_cycles.add(key)
                            where = ", ".join(graph[a][b] for a, b in zip(cyc, cyc[1:] + [start]))
                            offences.append(f"circle in {top}: {' -> '.join(cyc + [start])} ({where})")
                    elif nxt not in path and len(path) < 6:
                        stack.append((nxt, path + [nxt]))
    for o in offences:
        print(o)
    if offences:
        print(f"check-layers: {len(offences)} offence(s); the floors are in docs/architecture.md", file=sys.stderr)
        return 1
    print("check-layers: every import points to its own floor or below", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
