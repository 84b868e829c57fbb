#!/usr/bin/env python3
"""check-layers.py - keep lib/'s layers pointing down.

lib/ is a house of layer folders (lib/README.md draws it). A file in one
layer may include headers from its own layer or a lower one, never from a
higher one; inside the library every include of another lib header is
written `<eddy/LAYER/name.h>`, as a program outside the tree writes it.

A module is a public header `name.h` with the files that share its name
(`name.c`, `name_part.c`, `name_internal.h`); its private `_internal.h`
header is for its own files only. Modules may not include each other in a
cycle, even inside one layer: a cycle is one module in two files.

    scripts/check-layers.py            check lib/ (exit 1 naming each break)
    scripts/check-layers.py --graph    also print who includes whom
"""
import pathlib
import re
import sys

ROOT = pathlib.Path(__file__).resolve().parent.parent
LIB = ROOT / "lib"
# Lowest first. A new layer goes here and in lib/README.md.
LAYERS = ["base", "async", "http", "data", "web"]
INCLUDE = re.compile(r'^\s*#\s*include\s*([<"])([^>"]+)[>"]')


def module_of(path, headers):
    """The module a file belongs to: the longest public header name that
    prefixes the file's stem (template_parse.c -> template)."""
    stem = path.stem
    best = None
    for h in headers.get(path.parent.name, ()):
        if stem == h or stem.startswith(h + "_"):
            if best is None or len(h) > len(best):
                best = h
    return best


def main():
    graph_wanted = "--graph" in sys.argv[1:]
    problems = []
    headers = {}
    for layer_dir in sorted(p for p in LIB.iterdir() if p.is_dir()):
        if layer_dir.name not in LAYERS:
            problems.append(f"lib/{layer_dir.name}/: not a known layer (add it to LAYERS in "
                            f"scripts/check-layers.py and to lib/README.md)")
            continue
        headers[layer_dir.name] = {h.stem for h in layer_dir.glob("*.h")
                                   if not h.stem.endswith("_internal")}

    edges = {}
    files = sorted(p for p in LIB.glob("*/*") if p.suffix in (".c", ".h", ".S"))
    for path in files:
        layer = path.parent.name
        if layer not in headers:
            continue
        rel = path.relative_to(ROOT)
        mod = module_of(path, headers)
        if mod is None:
            problems.append(f"{rel}: belongs to no module (name it after its module's header)")
            continue
        me = f"{layer}/{mod}"
        edges.setdefault(me, set())
        for lineno, line in enumerate(path.read_text(errors="replace").splitlines(), 1):
            m = INCLUDE.match(line)
            if not m:
                continue
            kind, target = m.groups()
            where = f"{rel}:{lineno}"
            if kind == '"':
                # Only a module's own private header may be included by quotes.
                if not (target.endswith("_internal.h") and (path.parent / target).exists()
                        and module_of(path.parent / target, headers) == mod):
                    problems.append(f"{where}: #include \"{target}\": write <eddy/LAYER/name.h> "
                                    f"(quotes are for the module's own _internal.h)")
                continue
            if not target.startswith("eddy/"):
                continue  # libc, libevent, jansson, ...
            parts = target.split("/")
            if len(parts) != 3 or parts[1] not in LAYERS:
                problems.append(f"{where}: <{target}>: lib headers are <eddy/LAYER/name.h>")
                continue
            their_layer, their_file = parts[1], parts[2]
            if LAYERS.index(their_layer) > LAYERS.index(layer):
                problems.append(f"{where}: {layer}/ includes <{target}> from the higher "
                                f"layer {their_layer}/")
            their_path = LIB / their_layer / their_file
            if not their_path.exists():
                problems.append(f"{where}: <{target}> does not exist")
                continue
            their_mod = module_of(their_path, headers)
            if their_file.endswith("_internal.h") and (their_layer, their_mod) != (layer, mod):
                problems.append(f"{where}: <{target}> is private to {their_layer}/{their_mod}")
            other = f"{their_layer}/{their_mod}"
            if other != me:
                edges[me].add(other)

    # Cycles between modules, found by depth-first search.
    state, stack = {}, []

    def visit(node):
        state[node] = "open"
        stack.append(node)
        for nxt in sorted(edges.get(node, ())):
            if state.get(nxt) == "open":
                cycle = stack[stack.index(nxt):] + [nxt]
                problems.append("modules include each other: " + " -> ".join(cycle))
            elif nxt not in state:
                visit(nxt)
        stack.pop()
        state[node] = "done"

    for node in sorted(edges):
        if node not in state:
            visit(node)

    if graph_wanted:
        for node in sorted(edges, key=lambda n: (LAYERS.index(n.split("/")[0]), n)):
            print(f"{node:22} -> {', '.join(sorted(edges[node])) or '-'}")
    for p in problems:
        print(p)
    nmods = len(edges)
    if problems:
        print(f"layers: {len(problems)} problem(s) in {nmods} modules")
        return 1
    print(f"layers: {nmods} modules in {len(headers)} layers, every include points down, no cycles")
    return 0


if __name__ == "__main__":
    sys.exit(main())
