#!/usr/bin/env python3
"""Browse (and resolve) DNS-SD services with python-zeroconf (inside a lab namespace).

    lan.sh exec h5 python3 peers/zc_browse.py --type _http._tcp [--resolve] [--timeout 10]

JSON lines in the same vocabulary as `mdns browse --json`:
  {"event":"found","name":INSTANCE,"type":"_http._tcp","domain":"local.","wall":...}
  {"event":"removed",...}
  {"event":"resolved","name":...,"host":...,"port":...,"addresses":[...],"txt":{...}}
  {"event":"resolve-failed",...}
Runs until --timeout (0 = until SIGTERM/SIGINT).
"""
import argparse
import queue
import signal
import time

from zc_common import decode_props, emit, full_type, guard, instance_of, zc_interfaces


def main():
    guard()
    ap = argparse.ArgumentParser()
    ap.add_argument("--type", default="_http._tcp")
    ap.add_argument("--iface", default="eth0")
    ap.add_argument("--ip-version", choices=["v4", "v6", "all"], default="v4")
    ap.add_argument("--resolve", action="store_true")
    ap.add_argument("--resolve-timeout", type=int, default=3000, help="ms")
    ap.add_argument("--timeout", type=float, default=10)
    a = ap.parse_args()
    from zeroconf import ServiceBrowser, ServiceInfo, ServiceStateChange, Zeroconf

    stopping = []
    signal.signal(signal.SIGTERM, lambda *_: stopping.append(1))
    signal.signal(signal.SIGINT, lambda *_: stopping.append(1))
    ftype = full_type(a.type)
    ifs, ipv = zc_interfaces(a.iface, a.ip_version)
    zc = Zeroconf(interfaces=ifs, ip_version=ipv)
    q = queue.Queue()

    def on_change(zeroconf, service_type, name, state_change):
        q.put((time.time(), name, state_change))  # never block zeroconf's thread

    browser = ServiceBrowser(zc, ftype, handlers=[on_change])
    emit("browsing", type=a.type)
    deadline = time.monotonic() + a.timeout if a.timeout > 0 else float("inf")
    try:
        while not stopping and time.monotonic() < deadline:
            try:
                wall, name, sc = q.get(timeout=0.1)
            except queue.Empty:
                continue
            inst = instance_of(name, ftype)
            ev = {ServiceStateChange.Added: "found", ServiceStateChange.Removed: "removed",
                  ServiceStateChange.Updated: "updated"}[sc]
            emit(ev, name=inst, type=a.type, domain="local.", seen_wall=round(wall, 6))
            if a.resolve and sc in (ServiceStateChange.Added, ServiceStateChange.Updated):
                info = ServiceInfo(ftype, name)
                t = time.perf_counter()
                if info.request(zc, a.resolve_timeout):
                    emit("resolved", name=inst, type=a.type, host=info.server, port=info.port,
                         addresses=info.parsed_scoped_addresses(), txt=decode_props(info.properties),
                         resolve_s=round(time.perf_counter() - t, 6))
                else:
                    emit("resolve-failed", name=inst, type=a.type)
    finally:
        browser.cancel()
        zc.close()
    emit("exit")


if __name__ == "__main__":
    main()
