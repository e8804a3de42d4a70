#!/usr/bin/env python3
"""Checks that each workspace crate's declared `rust-version` holds for the dependencies
locked in Cargo.lock: no crate it builds with (normal and build dependencies, the whole
closure) declares a newer `rust-version` than it does.

Only one toolchain is on the machines this project runs on, so the MSRV cannot be proven
by building with it. This check and clippy's `incompatible_msrv` lint (standard library
items newer than the crate's `rust-version`, run by `cargo clippy -D warnings`) are what
keeps the declared figure honest. Language features are not checked.

Crates without a `rust-version` (the benchmarks, which build against other projects'
parsers) are skipped. Run from the workspace root: `python3 scripts/check-msrv.py`.
"""
import json
import subprocess
import sys


def version(v):
    return tuple(int(x) for x in v.split(".")[:3]) + (0,) * (3 - len(v.split(".")[:3]))


def main():
    meta = json.loads(
        subprocess.run(
            ["cargo", "metadata", "--format-version", "1", "--locked"],
            check=True,
            capture_output=True,
            text=True,
        ).stdout
    )
    packages = {p["id"]: p for p in meta["packages"]}
    nodes = {n["id"]: n for n in meta["resolve"]["nodes"]}
    failures = []
    for member in meta["workspace_members"]:
        pkg = packages[member]
        declared = pkg.get("rust_version")
        if not declared:
            continue
        # The closure over normal and build dependencies (dev-dependencies only build
        # this crate's own tests).
        seen, todo = set(), [member]
        while todo:
            node = nodes[todo.pop()]
            for dep in node["deps"]:
                kinds = {k["kind"] for k in dep["dep_kinds"]}
                if kinds - {"dev"} and dep["pkg"] not in seen:
                    seen.add(dep["pkg"])
                    todo.append(dep["pkg"])
        for dep in sorted(seen):
            needs = packages[dep].get("rust_version")
            if needs and version(needs) > version(declared):
                failures.append(
                    f"{pkg['name']} declares rust-version {declared}, but its dependency "
                    f"{packages[dep]['name']} {packages[dep]['version']} needs {needs}"
                )
        print(f"{pkg['name']}: rust-version {declared}, {len(seen)} dependencies checked")
    if failures:
        print("\n".join(failures), file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":
    main()
