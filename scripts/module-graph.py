#!/usr/bin/env python3
"""Prints the dependency graph between the modules of the `app` crate and
fails on a cycle.

Two levels are checked: the domains (the top modules of app/src: accounts,
events, chat, ...) must import each other without cycles, and so must the
files (modules) inside them. A file imports another when it names it by a
path (`crate::events::model::X`, `super::rows::Y`, in `use` or in code).

    scripts/module-graph.py            # check; prints the cycles, exit 1
    scripts/module-graph.py --domains  # print the domain graph
"""
import os
import re
import sys

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "app", "src")
# The crate's roots that are not domains: they may be used by every domain
# and use none (the kernel), or use every domain and be used by none (the
# shell and the site-wide pages).
FOUNDATION = {"kernel", "error", "state", "config", "rate_limit", "dates", "components", "live"}
COMPOSITION = {"shell", "pages", "lib"}


def modules():
    """module path (tuple) -> file"""
    found = {}
    for dirpath, _, files in os.walk(ROOT):
        for name in files:
            if not name.endswith(".rs"):
                continue
            rel = os.path.relpath(os.path.join(dirpath, name), ROOT)[:-3]
            parts = tuple(p for p in rel.split(os.sep))
            if parts == ("lib",):
                parts = ()
            found[parts] = os.path.join(dirpath, name)
    return found


TOKENS = re.compile(
    r'r(#+)".*?"\1'  # raw strings
    r'|"(?:\\.|[^"\\])*"'  # strings (SQL and docs may say `crate::`)
    r"|'(?:\\.|[^'\\])'"  # characters
    r"|//[^\n]*|/\*.*?\*/",  # comments
    re.S,
)


def strip_comments(text):
    """The code without comments, and strings emptied."""
    return TOKENS.sub(lambda m: '""' if m.group(0)[:1] in "r\"" else " ", text)


def expand(path):
    """`a::{b, c::{d, e}}` -> [a::b, a::c::d, a::c::e]"""
    i = path.find("{")
    if i < 0:
        return [path]
    prefix = path[:i]
    depth, items, start = 0, [], i + 1
    for j in range(i, len(path)):
        c = path[j]
        if c == "{":
            depth += 1
        elif c == "}":
            depth -= 1
            if depth == 0:
                items.append(path[start:j])
                break
        elif c == "," and depth == 1:
            items.append(path[start:j])
            start = j + 1
    out = []
    for item in items:
        item = item.strip()
        if item:
            out.extend(expand(prefix + item))
    return out


PATH = re.compile(r"\b(crate|super|self)((?:\s*::\s*(?:\{[^;]*?\}|[A-Za-z_][A-Za-z0-9_]*))+)")


def imports(module, text, known):
    deps = set()
    for m in PATH.finditer(text):
        raw = re.sub(r"\s+", "", m.group(0))
        for path in expand(raw):
            parts = [p for p in path.split("::") if p]
            head, rest = parts[0], parts[1:]
            if head == "crate":
                base = []
            elif head == "self":
                base = list(module)
            else:
                base = list(module[:-1])
                while rest and rest[0] == "super":
                    base = base[:-1]
                    rest = rest[1:]
            full = base + rest
            # The longest prefix that is a module file.
            for n in range(len(full), 0, -1):
                if tuple(full[:n]) in known:
                    target = tuple(full[:n])
                    if target != module:
                        deps.add(target)
                    break
    return deps


def cycles(graph):
    """Strongly connected components with more than one node (Tarjan)."""
    index, low, stack, on, out, counter = {}, {}, [], set(), [], [0]

    def visit(v):
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in sorted(graph.get(v, ())):
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
                out.append(sorted(comp))

    sys.setrecursionlimit(10000)
    for v in sorted(graph):
        if v not in index:
            visit(v)
    return out


def main():
    known = modules()
    files = {}
    for module, path in known.items():
        with open(path, encoding="utf-8") as f:
            files[module] = imports(module, strip_comments(f.read()), known)
    domains = {}
    for module, deps in files.items():
        if not module:
            continue
        a = module[0]
        for d in deps:
            if d and d[0] != a:
                domains.setdefault(a, set()).add(d[0])
    if "--domains" in sys.argv:
        for a in sorted(domains):
            print(f"{a} -> {' '.join(sorted(domains[a]))}")
        return 0
    failed = False
    # The foundation uses no domain.
    for a in sorted(FOUNDATION):
        wrong = sorted(d for d in domains.get(a, ()) if d not in FOUNDATION)
        if wrong:
            failed = True
            print(f"{a} is shared plumbing but uses the domain(s): {', '.join(wrong)}")
    for comp in cycles(domains):
        failed = True
        print("domains in a cycle: " + " <-> ".join(comp))
    for comp in cycles(files):
        failed = True
        print("files in a cycle: " + " <-> ".join("/".join(m) + ".rs" for m in comp))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
