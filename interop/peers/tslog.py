#!/usr/bin/env python3
"""Prefix each output line with the wall clock (time.time()) at which it was read.

    tslog.py CMD [ARGS...]   run CMD, timestamp its stdout+stderr; SIGTERM/SIGINT
                             are passed on to CMD, and tslog exits with CMD's status
    CMD | tslog.py           filter mode
Lines look like "1712345678.123456 original line".
"""
import signal
import subprocess
import sys
import time


def pump(stream):
    for line in iter(stream.readline, ""):
        sys.stdout.write(f"{time.time():.6f} {line if line.endswith(chr(10)) else line + chr(10)}")
        sys.stdout.flush()


if len(sys.argv) > 1:
    try:
        p = subprocess.Popen(sys.argv[1:], stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                             text=True, bufsize=1, errors="replace")
    except OSError as e:
        print(f"{time.time():.6f} tslog: cannot run {sys.argv[1]}: {e}", flush=True)
        sys.exit(127)
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda s, f: p.send_signal(s))
    pump(p.stdout)
    rc = p.wait()
    print(f"{time.time():.6f} tslog: exit {rc}", flush=True)
    sys.exit(rc if rc >= 0 else 128 - rc)
else:
    pump(sys.stdin)
