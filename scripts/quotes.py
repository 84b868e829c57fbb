#!/usr/bin/env python3
"""quotes.py - keep the code shown in course.md and the READMEs true.

A quote in a Markdown file is a comment naming a file and a region, then a
fenced code block:

    <!-- quote: lessons/00-toolchain/lineio.c read-line -->
    ```c
    ...
    ```

The region is the lines between `quote:begin read-line` and
`quote:end read-line` in that file (the marker lines themselves left out).
`check` fails, naming each stale quote, when a block differs from its
region; `update` rewrites the blocks from the files.
"""
import pathlib
import re
import sys

ROOT = pathlib.Path(__file__).resolve().parent.parent
QUOTE = re.compile(r"^<!-- quote: (\S+) (\S+) -->\s*$")
FENCE = re.compile(r"^```")


def region(path, name):
    lines = (ROOT / path).read_text().splitlines()
    begin = end = None
    for i, line in enumerate(lines):
        if re.search(rf"quote:begin {re.escape(name)}(?![\w-])", line):
            begin = i
        elif re.search(rf"quote:end {re.escape(name)}(?![\w-])", line) and begin is not None:
            end = i
            break
    if begin is None or end is None:
        raise KeyError(f"{path} has no region '{name}' (quote:begin/quote:end markers)")
    return lines[begin + 1:end]


def process(md, update):
    lines = md.read_text().splitlines()
    problems, out, i, count = [], [], 0, 0
    while i < len(lines):
        out.append(lines[i])
        m = QUOTE.match(lines[i])
        i += 1
        if not m:
            continue
        count += 1
        where = f"{md}:{i}"
        if i >= len(lines) or not FENCE.match(lines[i]):
            problems.append(f"{where}: quote of {m[1]} {m[2]} is not followed by a code block")
            continue
        out.append(lines[i])
        j = i + 1
        while j < len(lines) and not FENCE.match(lines[j]):
            j += 1
        shown = lines[i + 1:j]
        try:
            real = region(m[1], m[2])
        except (KeyError, FileNotFoundError) as e:
            problems.append(f"{where}: {e}")
            out.extend(shown)
            i = j
            continue
        if shown != real:
            problems.append(f"{where}: quote of {m[1]} '{m[2]}' no longer matches the file")
        out.extend(real if update else shown)
        i = j
    if update:
        md.write_text("\n".join(out) + "\n")
    return count, problems


def main():
    mode = sys.argv[1] if len(sys.argv) > 1 else "check"
    if mode not in ("check", "update"):
        print("usage: quotes.py check|update [file.md ...]", file=sys.stderr)
        return 2
    files = [pathlib.Path(f).resolve() for f in sys.argv[2:]] or (
        [ROOT / "course.md", ROOT / "README.md"] + sorted(ROOT.glob("lessons/*/README.md")))
    total, problems = 0, []
    for md in files:
        if md.exists():
            n, p = process(md, mode == "update")
            total += n
            problems += p
    for p in problems:
        print(p)
    if mode == "update":
        print(f"quotes: {total} refreshed" + (f", {len(problems)} unresolved" if problems else ""))
    else:
        print(f"quotes: {total} checked, {len(problems)} stale"
              + ("" if not problems else " (make quotes refreshes them from the files)"))
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
