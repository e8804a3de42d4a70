#!/usr/bin/env python3
"""Resolve one service instance with python-zeroconf (inside a lab namespace).

    lan.sh exec h5 python3 peers/zc_resolve.py "Inst Name" _http._tcp [--timeout 3]

Prints one JSON line: resolved {host, port, addresses, txt, resolve_s} or
resolve-failed; exit 0 / 1.
"""
import argparse
import sys
import time

from zc_common import decode_props, emit, full_type, guard, zc_interfaces


def main():
    guard()
    ap = argparse.ArgumentParser()
    ap.add_argument("name")
    ap.add_argument("type")
    ap.add_argument("--timeout", type=float, default=3)
    ap.add_argument("--iface", default="eth0")
    ap.add_argument("--ip-version", choices=["v4", "v6", "all"], default="v4")
    a = ap.parse_args()
    from zeroconf import ServiceInfo, Zeroconf

    ftype = full_type(a.type)
    ifs, ipv = zc_interfaces(a.iface, a.ip_version)
    zc = Zeroconf(interfaces=ifs, ip_version=ipv)
    try:
        info = ServiceInfo(ftype, f"{a.name}.{ftype}")
        t = time.perf_counter()
        ok = info.request(zc, int(a.timeout * 1000))
        dt = round(time.perf_counter() - t, 6)
        if ok:
            emit("resolved", name=a.name, type=a.type, host=info.server, port=info.port,
                 addresses=info.parsed_scoped_addresses(), txt=decode_props(info.properties), resolve_s=dt)
        else:
            emit("resolve-failed", name=a.name, type=a.type, resolve_s=dt)
    finally:
        zc.close()
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
