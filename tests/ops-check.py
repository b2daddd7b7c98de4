#!/usr/bin/python3
"""What a host install gets (issue 28): the man page passes mandoc's lint and
man renders it; the systemd unit passes systemd-analyze verify (with the man
page it cites found); `dcswarm serve` speaks systemd's notification protocol
(READY=1 once listening, RELOADING=1 then READY=1 on SIGHUP, STOPPING=1 on
SIGTERM) to a socket made here, as systemd would; `dcswarm health` without
a server fails.  No engine needed.
Usage: ops-check.py DCSWARM"""
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

BIN = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else "./dcswarm")
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
MAN = os.path.join(ROOT, "man", "dcswarm.1")
UNIT = os.path.join(ROOT, "contrib", "systemd", "dcswarm.service")
failed = []


def check(name, cond, detail=""):
    print("ops: %s %s" % ("ok  " if cond else "FAIL", name) + ("" if cond else ": " + detail))
    if not cond:
        failed.append(name)


def man_page():
    p = subprocess.run(["mandoc", "-T", "lint", "-W", "warning", MAN], capture_output=True,
                       text=True)
    check("mandoc -T lint", p.returncode == 0, p.stdout + p.stderr)
    p = subprocess.run(["man", "-l", MAN], capture_output=True, text=True,
                       env=dict(os.environ, MANWIDTH="80", MANPAGER="cat", PAGER="cat"))
    check("man -l renders it", p.returncode == 0 and "dcswarm serve" in p.stdout and
          "EXIT STATUS" in p.stdout, p.stderr[-300:])


def unit_file():
    if not shutil.which("systemd-analyze"):
        print("ops: optional: no systemd-analyze, the unit was not verified")
        return
    with tempfile.TemporaryDirectory() as d:
        os.makedirs(os.path.join(d, "man", "man1"))
        shutil.copy(MAN, os.path.join(d, "man", "man1"))
        unit = os.path.join(d, "dcswarm.service")
        with open(UNIT) as f, open(unit, "w") as out:
            out.write(f.read().replace("/usr/local/bin/dcswarm", BIN))
        p = subprocess.run(["systemd-analyze", "verify", unit], capture_output=True, text=True,
                           env=dict(os.environ, MANPATH=os.path.join(d, "man")))
        check("systemd-analyze verify", p.returncode == 0, p.stdout + p.stderr)


def notifications():
    with tempfile.TemporaryDirectory() as d:
        path = os.path.join(d, "notify")
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        sock.bind(path)
        sock.settimeout(10)
        keys = os.path.join(d, "keys")
        with open(keys, "w") as f:
            f.write("alice:key-1\n")
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        p = subprocess.Popen([BIN, "serve", "--listen", "127.0.0.1:%d" % port, "--keys", keys,
                              "--engine", "tcp://127.0.0.1:1"], stdout=subprocess.DEVNULL,
                             stderr=subprocess.DEVNULL, env=dict(os.environ, NOTIFY_SOCKET=path))
        got = []
        try:
            def expect(what):
                try:
                    msg = sock.recv(4096).decode()
                except socket.timeout:
                    msg = "(nothing in 10 s)"
                got.append(msg)
                check("notify " + what, what in msg.split("\n"), repr(got))
                return msg
            expect("READY=1")
            h = subprocess.run([BIN, "health", "--url", "http://127.0.0.1:%d" % port],
                               capture_output=True, text=True)
            check("health once READY=1", h.returncode == 0, h.stdout + h.stderr)
            p.send_signal(signal.SIGHUP)
            msg = expect("RELOADING=1")
            check("reload's MONOTONIC_USEC", "MONOTONIC_USEC=" in msg, msg)
            expect("READY=1")
            p.send_signal(signal.SIGTERM)
            expect("STOPPING=1")
            check("exit 0 after SIGTERM", p.wait(timeout=20) == 0, str(p.returncode))
        finally:
            if p.poll() is None:
                p.kill()
                p.wait()
            sock.close()
        h = subprocess.run([BIN, "health", "--url", "http://127.0.0.1:%d" % port,
                            "--timeout", "2"], capture_output=True, text=True)
        check("health with no server", h.returncode == 1, h.stdout + h.stderr)


man_page()
unit_file()
notifications()
print("ops: %d failed" % len(failed))
sys.exit(1 if failed else 0)
