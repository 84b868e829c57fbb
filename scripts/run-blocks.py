#!/usr/bin/env python3
"""run-blocks.py - run the shell blocks of README.md, course.md and the
lesson READMEs that are marked as runnable, so that a command a reader
pastes and that has stopped working fails `make test`.

A marker is an HTML comment on the line before a ```sh block:

    <!-- serve -->   each command of the block is a program the reader
                     leaves running in a terminal of its own (a server):
                     the check starts them all, waits until each has
                     printed its 127.0.0.1:PORT and accepts there, and keeps
                     them running for the `run` blocks below it in the same
                     file, up to the next `serve` block or the file's end;
    <!-- run -->     the commands of the block run one after another in one
                     shell, as a reader pastes them (a variable one sets is
                     there for the next), each within COMMAND_SECONDS, and
                     each must exit with status 0.

A command is a line of the block (a line ending in a backslash goes on on
the next one); blank lines and comment lines are skipped. Commands run with
bash from the top of the project, as a reader runs them there. Blocks
without a marker (wrk runs, benchmarks, commands that need a terminal) are
not run.

Where the system allows it (unshare and ip), each file is checked in a
network namespace of its own, so the fixed ports the READMEs name (8000,
8004, ...) cannot clash with anything else running on the machine, and
files are checked PARALLEL at a time (their blocks mostly wait). Elsewhere
they are checked one after another, on the machine's own loopback.

    scripts/run-blocks.py [FILE...]     default: every file above

The last line is a Criterion-style synthesis, one test per block.
"""
import os
import pathlib
import re
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time

ROOT = pathlib.Path(__file__).resolve().parent.parent
COMMAND_SECONDS = 30
SERVER_SECONDS = 30
MARKER = re.compile(r"^<!--\s*(run|serve)\s*-->\s*$")
LISTENING = re.compile(r"127\.0\.0\.1:(\d+)")
IN_NETNS = "RUN_BLOCKS_IN_NETNS"
STEP = "@@run-blocks step "
PARALLEL = 4


def blocks(path):
    """(line number, kind, [command, ...]) for each marked block of path."""
    lines = path.read_text().splitlines()
    found = []
    for i, line in enumerate(lines):
        m = MARKER.match(line)
        if not m:
            continue
        if i + 1 >= len(lines) or lines[i + 1].strip() != "```sh":
            found.append((i + 1, "bad", [f"marker not followed by a ```sh block"]))
            continue
        commands, current = [], ""
        for body in lines[i + 2:]:
            if body.startswith("```"):
                break
            if current:
                current += "\n" + body
            elif body.strip() and not body.lstrip().startswith("#"):
                current = body
            else:
                continue
            if not current.endswith("\\"):
                commands.append(current)
                current = ""
        found.append((i + 1, m[1], commands))
    return found


def environment():
    """The reader's environment: none of an outer make's flags or jobs."""
    env = dict(os.environ)
    for name in ("MAKEFLAGS", "MAKELEVEL", "MFLAGS", "MAKEOVERRIDES", IN_NETNS):
        env.pop(name, None)
    return env


class Server:
    """A command the reader leaves running, started in a process group."""

    def __init__(self, command):
        self.command = command
        self.output = ""
        self.port = None
        self.proc = subprocess.Popen(["bash", "-c", command], cwd=ROOT, env=environment(),
                                     stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                     stderr=subprocess.STDOUT, start_new_session=True)
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _read(self):
        for raw in iter(self.proc.stdout.readline, b""):
            self.output += raw.decode(errors="replace")
            if self.port is None:
                m = LISTENING.search(self.output)
                if m:
                    self.port = int(m[1])

    def ready(self, deadline):
        """True once the server has said where it listens and accepts there."""
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                return False
            if self.port is not None:
                try:
                    socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
                    return True
                except OSError:
                    pass
            time.sleep(0.05)
        return False

    def stop(self):
        """Ctrl-C, as the reader would; then firmer, and reap."""
        for sig, wait in ((signal.SIGINT, 3), (signal.SIGTERM, 2), (signal.SIGKILL, 2)):
            if self.proc.poll() is not None:
                break
            try:
                os.killpg(self.proc.pid, sig)
            except ProcessLookupError:
                break
            try:
                self.proc.wait(timeout=wait)
            except subprocess.TimeoutExpired:
                pass
        try:
            os.killpg(self.proc.pid, signal.SIGKILL)  # anything it left behind
        except ProcessLookupError:
            pass
        self.reader.join(timeout=2)


def run(commands):
    """(None, output) when the commands of a block ran clean, one after
    another in one shell (so a variable set by one is seen by the next),
    each within COMMAND_SECONDS; else (the command that failed, output)."""
    script = ["set -e"]
    for k, command in enumerate(commands):
        script += [f"echo '{STEP}{k}'", command]
    proc = subprocess.Popen(["bash", "-c", "\n".join(script)], cwd=ROOT, env=environment(),
                            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, start_new_session=True)
    try:
        out, _ = proc.communicate(timeout=COMMAND_SECONDS * len(commands))
        status = f"(exit status {proc.returncode})\n" if proc.returncode else None
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        out, _ = proc.communicate()  # what it printed until then
        status = f"(still running after {COMMAND_SECONDS * len(commands)} s: stopped)\n"
    finally:
        try:
            os.killpg(proc.pid, signal.SIGKILL)  # and whatever it put in the background
        except ProcessLookupError:
            pass
        proc.wait()
    text, step = "", 0
    for line in out.decode(errors="replace").splitlines(keepends=True):
        if line.startswith(STEP):
            step, text = int(line[len(STEP):]), ""  # keep only the last command's output
        else:
            text += line
    if status is None:
        return None, text
    return commands[step], text + status


def tail(text, n=15):
    lines = text.rstrip("\n").splitlines()
    return "\n".join("      " + line for line in lines[-n:])


def check(files):
    passed = failed = 0
    for path in files:
        rel = path.relative_to(ROOT)
        servers = []
        try:
            for line, kind, commands in blocks(path):
                where = f"{rel}:{line}"
                if kind == "bad":
                    print(f"FAIL {where}: {commands[0]}")
                    failed += 1
                    continue
                if kind == "serve":
                    for s in servers:
                        s.stop()
                    servers, problem = [], None
                    for command in commands:
                        servers.append(Server(command))
                    deadline = time.monotonic() + SERVER_SECONDS
                    for s in servers:
                        if not s.ready(deadline):
                            problem = s
                            break
                    if problem:
                        print(f"FAIL {where}: `{problem.command}` did not start listening")
                        print(tail(problem.output))
                        failed += 1
                    else:
                        print(f"ok   {where}: serving {', '.join(str(s.port) for s in servers)}")
                        passed += 1
                    continue
                bad, out = run(commands)
                if bad:
                    print(f"FAIL {where}: `{bad}`")
                    print(tail(out))
                    failed += 1
                else:
                    print(f"ok   {where}: {len(commands)} command{'s' if len(commands) != 1 else ''}")
                    passed += 1
        finally:
            for s in servers:
                s.stop()
    return passed, failed


def netns_works():
    """Can this user make a network namespace with its loopback up?"""
    if os.environ.get(IN_NETNS) or not shutil.which("unshare") or not shutil.which("ip"):
        return False
    probe = subprocess.run(["unshare", "-rn", "ip", "link", "set", "lo", "up"],
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return probe.returncode == 0


def in_own_networks(files):
    """Each file checked in a network namespace of its own (its loopback
    up, nothing else there), PARALLEL at a time: the blocks mostly wait for
    servers and pages, and no two files can clash on a port. Returns
    (passed, failed), printing each file's report in order."""
    env = dict(os.environ, **{IN_NETNS: "1"})
    script = 'ip link set lo up && exec "$@"'
    passed = failed = 0
    running = {}
    next_file = 0
    done = [None] * len(files)
    while next_file < len(files) or running:
        while next_file < len(files) and len(running) < PARALLEL:
            cmd = ["unshare", "-rn", "sh", "-c", script, "sh", sys.executable, __file__,
                   str(files[next_file])]
            running[next_file] = subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE,
                                                  stderr=subprocess.STDOUT)
            next_file += 1
        finished = [k for k, proc in running.items() if proc.poll() is not None]
        if not finished:
            time.sleep(0.05)  # a report is a few lines: it fits in the pipe meanwhile
        for k in finished:
            done[k] = running.pop(k).stdout.read().decode(errors="replace")
    for path, text in zip(files, done):
        if "Synthesis:" not in text:  # the check itself broke: say so, count it
            print(f"FAIL {path.relative_to(ROOT)}: the check stopped early\n{tail(text)}")
            failed += 1
        for line in text.splitlines():
            m = re.match(r"\[====\] Synthesis: Tested: (\d+) \| Passing: (\d+) \| Failing: (\d+)", line)
            if m:
                passed += int(m[2])
                failed += int(m[3])
            elif not line.startswith("blocks: "):
                print(line)
    return passed, failed


def main():
    if len(sys.argv) > 1:
        files = [pathlib.Path(a).resolve() for a in sys.argv[1:]]
    else:
        files = [ROOT / "README.md", ROOT / "course.md",
                 *sorted((ROOT / "lessons").glob("*/README.md"))]
    started = time.monotonic()
    if netns_works():
        passed, failed = in_own_networks(files)
    else:
        passed, failed = check(files)
    print(f"blocks: {passed + failed} marked, {passed} ran clean, "
          f"in {time.monotonic() - started:.1f} s")
    print(f"[====] Synthesis: Tested: {passed + failed} | Passing: {passed} | "
          f"Failing: {failed} | Crashing: 0")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
