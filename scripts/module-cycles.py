#!/usr/bin/env python3
"""Finds dependency cycles between sibling modules of a crate.

Usage: scripts/module-cycles.py [CRATE_SRC_DIR ...]   (default: mdns-proto/src mdns-sim/src)
(scripts/test-all.sh runs it on mdns-proto/src.)

Every `crate::`, `super::` and `self::` path in a file's code (comments, strings and a
trailing `#[cfg(test)] mod tests` block left out; `use` groups expanded) is an edge from
the file's module to the deepest module the path names. An edge between a module and its
own ancestor is not counted (a parent declares its children, and children name what their
parent shares); every other edge is lifted to the two siblings under the modules' common
parent. A strongly connected set of two or more siblings is a cycle. Exit status 1 when
one is found.
"""
import os
import re
import sys


def modules(src):
    """{module path tuple: file} for every .rs file under src."""
    mods = {}
    for root, _, files in os.walk(src):
        for f in files:
            if not f.endswith(".rs"):
                continue
            rel = os.path.relpath(os.path.join(root, f), src)[:-3].split(os.sep)
            if rel[-1] in ("mod", "lib", "main"):
                rel = rel[:-1]
            if rel and rel[0] == "bin":
                continue
            mods[tuple(rel)] = os.path.join(root, f)
    return mods


def code_of(text):
    """The text without comments, strings, char literals and the test module."""
    m = re.search(r"#\[cfg\(test\)\]\s*mod tests\b", text)
    if m:
        text = text[: m.start()]
    out, i, n = [], 0, len(text)
    while i < n:
        c = text[i]
        if text.startswith("//", i):
            j = text.find("\n", i)
            i = n if j < 0 else j
        elif text.startswith("/*", i):
            j = text.find("*/", i + 2)
            i = n if j < 0 else j + 2
        elif c == '"':
            i += 1
            while i < n and text[i] != '"':
                i += 2 if text[i] == "\\" else 1
            i += 1
            out.append('""')
        elif c == "'" and re.match(r"'(\\.|[^\\'])'", text[i : i + 4]):
            j = text.find("'", i + 2 if text[i + 1] == "\\" else i + 1)
            i = j + 1
        else:
            out.append(c)
            i += 1
    return "".join(out)


def expand_use(tree):
    """`a::{b, c::{d, e}}` -> ['a::b', 'a::c::d', 'a::c::e']."""
    tree = tree.strip()
    depth, start = 0, None
    for i, c in enumerate(tree):
        if c == "{":
            if depth == 0:
                start = i
            depth += 1
        elif c == "}":
            depth -= 1
    if start is None:
        return [tree]
    prefix, inner = tree[:start], tree[start + 1 : tree.rindex("}")]
    parts, depth, cur = [], 0, ""
    for c in inner:
        if c == "," and depth == 0:
            parts.append(cur)
            cur = ""
            continue
        depth += c == "{"
        depth -= c == "}"
        cur += c
    parts.append(cur)
    out = []
    for p in parts:
        if p.strip():
            out += [prefix + x for x in expand_use(p)]
    return out


def paths_of(code):
    paths = []
    for m in re.finditer(r"\buse\s+([^;]+);", code):
        paths += expand_use(m.group(1))
    code = re.sub(r"\buse\s+[^;]+;", "", code)
    paths += re.findall(r"\b(?:crate|super|self)(?:\s*::\s*\w+)+", code)
    return [re.sub(r"\s+", "", p) for p in paths]


def resolve(path, here, mods):
    segs = path.split("::")
    if segs[0] == "crate":
        base, segs = (), segs[1:]
    elif segs[0] in ("super", "self"):
        base = here
        while segs and segs[0] in ("super", "self"):
            if segs[0] == "super":
                base = base[:-1]
            segs = segs[1:]
    else:
        return None
    best = base
    for k in range(1, len(segs) + 1):
        if base + tuple(segs[:k]) in mods:
            best = base + tuple(segs[:k])
    return best


def cycles(src):
    mods = modules(src)
    edges = {}
    for here, f in mods.items():
        with open(f, encoding="utf-8") as fh:
            code = code_of(fh.read())
        for p in paths_of(code):
            to = resolve(p, here, mods)
            if to is None or to == here:
                continue
            if to[: len(here)] == here or here[: len(to)] == to:
                continue
            k = 0
            while here[k] == to[k]:
                k += 1
            a, b = here[: k + 1], to[: k + 1]
            edges.setdefault(a, {}).setdefault(b, set()).add((here, to))
    # Tarjan's strongly connected components.
    index, low, stack, on, sccs, counter = {}, {}, [], set(), [], [0]

    def visit(v):
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in edges.get(v, {}):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                sccs.append(comp)

    for v in list(edges):
        if v not in index:
            visit(v)
    return sccs, edges


def main():
    dirs = sys.argv[1:] or ["mdns-proto/src", "mdns-sim/src"]
    found = False
    for d in dirs:
        sccs, edges = cycles(d)
        for comp in sccs:
            found = True
            names = sorted("::".join(c) for c in comp)
            print(f"{d}: cycle between {', '.join(names)}")
            for a in comp:
                for b in comp:
                    for here, to in sorted(edges.get(a, {}).get(b, ())):
                        print(f"    {'::'.join(here)} -> {'::'.join(to)}")
        if not sccs:
            print(f"{d}: no cycle between sibling modules")
    sys.exit(1 if found else 0)


if __name__ == "__main__":
    main()
