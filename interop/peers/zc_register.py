#!/usr/bin/env python3
"""Register one DNS-SD service with python-zeroconf (inside a lab namespace).

    lan.sh exec h4 python3 peers/zc_register.py --name "Py Svc" --type _http._tcp \
        --port 80 [--txt k=v]... [--server h4-zc.local.] [--allow-name-change]
        [--subtype _printer] [--update-txt-after S --update-txt k=v ...]

JSON lines: start, registered {name (final instance label), took}, nonunique,
updated-txt (S seconds after registering, with --update-txt-after), removed-self (after
SIGTERM/SIGINT: goodbyes sent), closed. With --subtype the service is registered under
`SUB._sub.TYPE` (python-zeroconf then publishes the subtype PTR only).
"""
import argparse
import signal
import sys
import threading
import time

from zc_common import decode_props, emit, full_type, guard, iface_ipv4, iface_ipv6, instance_of, txt_dict, zc_interfaces


def main():
    host = guard()
    ap = argparse.ArgumentParser()
    ap.add_argument("--name", required=True)
    ap.add_argument("--type", default="_http._tcp")
    ap.add_argument("--port", type=int, default=80)
    ap.add_argument("--txt", action="append")
    ap.add_argument("--server", default=None)
    ap.add_argument("--iface", default="eth0")
    ap.add_argument("--ip-version", choices=["v4", "v6", "all"], default="v4")
    ap.add_argument("--allow-name-change", action="store_true")
    ap.add_argument("--subtype", default=None)
    ap.add_argument("--update-txt-after", type=float, default=None)
    ap.add_argument("--update-txt", action="append")
    a = ap.parse_args()
    from zeroconf import NonUniqueNameException, ServiceInfo, Zeroconf

    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    ftype = full_type(a.type)
    ifs, ipv = zc_interfaces(a.iface, a.ip_version)
    addrs = []
    if a.ip_version in ("v4", "all"):
        addrs.append(iface_ipv4(a.iface))
    if a.ip_version in ("v6", "all"):
        addrs += iface_ipv6(a.iface)[:1]
    server = a.server or f"{host}-zc.local."
    emit("start", addresses=addrs, server=server)
    zc = Zeroconf(interfaces=ifs, ip_version=ipv)
    rtype = f"{a.subtype}._sub.{ftype}" if a.subtype else ftype
    info = ServiceInfo(rtype, f"{a.name}.{ftype}", port=a.port, properties=txt_dict(a.txt),
                       server=server, parsed_addresses=addrs)
    t = time.time()
    try:
        zc.register_service(info, allow_name_change=a.allow_name_change)
    except NonUniqueNameException:
        emit("nonunique", name=a.name, took=round(time.time() - t, 6))
        zc.close()
        sys.exit(4)
    emit("registered", name=instance_of(info.name, ftype), type=a.type, took=round(time.time() - t, 6),
         host=server, port=info.port, txt=decode_props(info.properties), addresses=addrs)
    if a.update_txt_after is not None and not stop.wait(a.update_txt_after):
        info = ServiceInfo(rtype, info.name, port=info.port, properties=txt_dict(a.update_txt),
                           server=server, parsed_addresses=addrs)
        zc.update_service(info)
        emit("updated-txt", name=instance_of(info.name, ftype), txt=decode_props(info.properties))
    stop.wait()
    zc.unregister_service(info)
    emit("removed-self", name=instance_of(info.name, ftype))
    zc.close()
    emit("closed")


if __name__ == "__main__":
    main()
