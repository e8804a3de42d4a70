#!/usr/bin/env python3
"""A stand-in for our `mdns` binary, built on python-zeroconf, that speaks the CLI
spec's arguments and JSON lines. It exists ONLY to validate the harness's mdns code
paths before the real binary exists:

    MDNS_BIN=interop/peers/mock_mdns.py interop/run.sh

Supported: register INSTANCE TYPE PORT [K=V]... [--host NAME] [--json]
           browse TYPE [--resolve] [--json] [--timeout S]
           resolve INSTANCE TYPE [--json] [--timeout S]
Known limits (python-zeroconf's, not the harness's): no RFC 6762 probe tie-break, so
two mocks started at the same moment may keep the same name.
"""
import argparse
import json
import os
import queue
import signal
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from zc_common import decode_props, full_type, guard, iface_ipv4, instance_of, txt_dict, zc_interfaces  # noqa: E402


def out(**kw):
    print(json.dumps(kw), flush=True)


def main():
    guard()
    ap = argparse.ArgumentParser(prog="mdns")
    sp = ap.add_subparsers(dest="cmd", required=True)
    r = sp.add_parser("register")
    r.add_argument("instance"); r.add_argument("type"); r.add_argument("port", type=int)
    r.add_argument("txt", nargs="*"); r.add_argument("--host"); r.add_argument("--subtype")
    r.add_argument("--json", action="store_true")
    b = sp.add_parser("browse")
    b.add_argument("type"); b.add_argument("--resolve", action="store_true"); b.add_argument("--json", action="store_true")
    b.add_argument("--timeout", type=float, default=0); b.add_argument("--interface")
    b.add_argument("-4", dest="v4", action="store_true"); b.add_argument("-6", dest="v6", action="store_true")
    s = sp.add_parser("resolve")
    s.add_argument("instance"); s.add_argument("type"); s.add_argument("--json", action="store_true")
    s.add_argument("--timeout", type=float, default=3)
    a = ap.parse_args()
    from zeroconf import ServiceBrowser, ServiceInfo, ServiceStateChange, Zeroconf

    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    ifs, ipv = zc_interfaces("eth0", "v4")
    zc = Zeroconf(interfaces=ifs, ip_version=ipv)
    ft = full_type(a.type)
    try:
        if a.cmd == "register":
            host = (a.host or "mock") + ("" if (a.host or "").endswith(".local") else ".local")
            info = ServiceInfo(ft, f"{a.instance}.{ft}", port=a.port, properties=txt_dict(a.txt),
                               server=host + ".", parsed_addresses=[iface_ipv4("eth0")])
            zc.register_service(info, allow_name_change=True)
            got = instance_of(info.name, ft)
            if got != a.instance:
                out(event="renamed", **{"from": a.instance, "to": got})
            out(event="registered", name=got, type=a.type)
            stop.wait()
            zc.unregister_service(info)
        elif a.cmd == "browse":
            q = queue.Queue()
            ServiceBrowser(zc, ft, handlers=[lambda zeroconf, service_type, name, state_change:
                                             q.put((name, state_change))])
            end = time.monotonic() + a.timeout if a.timeout else float("inf")
            while not stop.is_set() and time.monotonic() < end:
                try:
                    name, sc = q.get(timeout=0.1)
                except queue.Empty:
                    continue
                inst = instance_of(name, ft)
                if sc is ServiceStateChange.Removed:
                    out(event="removed", name=inst, type=a.type, domain="local.")
                    continue
                if sc is ServiceStateChange.Added:
                    out(event="found", name=inst, type=a.type, domain="local.")
                if a.resolve:
                    info = ServiceInfo(ft, name)
                    if info.request(zc, 3000):
                        out(event="resolved", name=inst, type=a.type, host=info.server, port=info.port,
                            addresses=info.parsed_addresses(), txt=decode_props(info.properties))
        elif a.cmd == "resolve":
            info = ServiceInfo(ft, f"{a.instance}.{ft}")
            if not info.request(zc, int(a.timeout * 1000)):
                out(event="error", message=f"could not resolve {a.instance}")
                return 1
            out(event="resolved", name=a.instance, type=a.type, host=info.server, port=info.port,
                addresses=info.parsed_addresses(), txt=decode_props(info.properties))
    finally:
        zc.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
