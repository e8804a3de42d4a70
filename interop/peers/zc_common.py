"""Shared helpers for the python-zeroconf peers (zc_*.py).

* refuse to run outside a lab namespace (labguard) -- call guard() first
* python-zeroconf `interfaces=` for ONE interface (eth0): its IPv4 address and/or
  ifindex, never lo, never "all"
* JSON-lines output; "wall" = time.time() (same clock in every namespace)
"""
import fcntl
import json
import os
import socket
import struct
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from labguard import refuse_outside_lab  # noqa: E402

HOST = None


def guard():
    global HOST
    HOST = refuse_outside_lab()
    return HOST


def iface_ipv4(iface):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        res = fcntl.ioctl(s.fileno(), 0x8915, struct.pack("256s", iface.encode()[:15]))  # SIOCGIFADDR
    finally:
        s.close()
    return socket.inet_ntoa(res[20:24])


def iface_ipv6(iface):
    """global IPv6 addresses of iface first, then link-local"""
    out = []
    with open("/proc/net/if_inet6") as f:
        for line in f:
            hexaddr, _i, _p, scope, _f, name = line.split()
            if name == iface:
                a = socket.inet_ntop(socket.AF_INET6, bytes.fromhex(hexaddr))
                out.append((int(scope, 16) == 0x20, a))
    out.sort()
    return [a for _, a in out]


def zc_interfaces(iface, ip_version):
    from zeroconf import IPVersion
    ifs = []
    if ip_version in ("v4", "all"):
        ifs.append(iface_ipv4(iface))
    if ip_version in ("v6", "all"):
        ifs.append(socket.if_nametoindex(iface))
    ipv = {"v4": IPVersion.V4Only, "v6": IPVersion.V6Only, "all": IPVersion.All}[ip_version]
    return ifs, ipv


def emit(event, **kw):
    rec = {"event": event, "wall": round(time.time(), 6), "peer": "zeroconf", "lanhost": HOST}
    rec.update(kw)
    print(json.dumps(rec), flush=True)


def txt_dict(pairs):
    d = {}
    for p in pairs or []:
        k, _, v = p.partition("=")
        d[k] = v
    return d


def decode_props(props):
    def s(x):
        return x.decode(errors="replace") if isinstance(x, bytes) else x
    return {s(k): s(v) for k, v in (props or {}).items()}


def full_type(t):
    """'_http._tcp' -> '_http._tcp.local.'"""
    t = t.rstrip(".")
    if not t.endswith(".local"):
        t += ".local"
    return t + "."


def instance_of(name, ftype):
    return name[: -len(ftype) - 1] if name.endswith("." + ftype) else name
