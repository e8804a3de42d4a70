#!/usr/bin/env python3
"""One-shot mDNS legacy-unicast query (RFC 6762 s6.7) from an ephemeral UDP port
(never 5353), inside a lab namespace.

    lan.sh exec h5 python3 peers/legacy_query.py NAME TYPE [--to 10.99.0.1|224.0.0.251|ff02::fb]

Sends ONE query with a random ID and prints every reply that arrives within
--timeout as a JSON line:
  {"event":"reply","src":..,"sport":5353,"id":..,"id_ok":true,"flags":..,"qr":true,
   "questions":[[name,type]],"answers":[{"name","type","ttl","data"}], "additional":[...]}
then {"event":"done","replies":N}. Exit 0 if at least one reply arrived.
"""
import argparse
import ipaddress
import json
import os
import select
import socket
import sys
import time

from zc_common import guard

TYPES = {"A": 1, "PTR": 12, "TXT": 16, "AAAA": 28, "SRV": 33, "ANY": 255}
TNAME = {v: k for k, v in TYPES.items()}


def rec_json(r):
    from zeroconf import DNSAddress, DNSPointer, DNSService, DNSText
    d = {"name": r.name, "type": TNAME.get(r.type, r.type), "ttl": r.ttl}
    if isinstance(r, DNSAddress):
        d["data"] = socket.inet_ntop(socket.AF_INET if len(r.address) == 4 else socket.AF_INET6, r.address)
    elif isinstance(r, DNSService):
        d["data"] = {"target": r.server, "port": r.port, "priority": r.priority, "weight": r.weight}
    elif isinstance(r, DNSPointer):
        d["data"] = r.alias
    elif isinstance(r, DNSText):
        out, t, i = [], r.text, 0
        while i < len(t):
            n = t[i]
            out.append(t[i + 1:i + 1 + n].decode(errors="replace"))
            i += 1 + n
        d["data"] = out
    return d


def main():
    guard()
    ap = argparse.ArgumentParser()
    ap.add_argument("name")
    ap.add_argument("type", nargs="?", default="ANY")
    ap.add_argument("--to", default="224.0.0.251")
    ap.add_argument("--iface", default="eth0")
    ap.add_argument("--timeout", type=float, default=2.0)
    ap.add_argument("--until-from", default=None, help="stop at the first reply from this address")
    a = ap.parse_args()
    from zeroconf import DNSIncoming, DNSOutgoing, DNSQuestion, const

    qtype = TYPES[a.type.upper()]
    qid = int.from_bytes(os.urandom(2), "big") or 1
    out = DNSOutgoing(const._FLAGS_QR_QUERY, multicast=False, id_=qid)
    out.add_question(DNSQuestion(a.name, qtype, const._CLASS_IN))
    pkt = out.packets()[0]
    ip = ipaddress.ip_address(a.to)
    if ip.version == 4:
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        s.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_TTL, 255)
        dest = (a.to, 5353)
    else:
        s = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
        idx = socket.if_nametoindex(a.iface)
        s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_MULTICAST_IF, idx)
        s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_MULTICAST_HOPS, 255)
        dest = (a.to, 5353, 0, idx if (ip.is_multicast or ip.is_link_local) else 0)
    s.bind(("", 0))
    t0 = time.perf_counter()
    s.sendto(pkt, dest)
    sport = s.getsockname()[1]
    print(json.dumps({"event": "sent", "id": qid, "name": a.name, "qtype": a.type, "to": a.to, "from_port": sport}), flush=True)
    n = 0
    end = t0 + a.timeout
    while True:
        r, _, _ = select.select([s], [], [], max(0, end - time.perf_counter()))
        if not r:
            break
        data, src = s.recvfrom(9000)
        n += 1
        rec = {"event": "reply", "src": src[0], "sport": src[1], "ms": round((time.perf_counter() - t0) * 1000, 3),
               "len": len(data)}
        try:
            msg = DNSIncoming(data)
            rec.update(id=msg.id, id_ok=msg.id == qid, flags=msg.flags, qr=bool(msg.flags & 0x8000),
                       questions=[[q.name, TNAME.get(q.type, q.type)] for q in msg.questions],
                       answers=[rec_json(x) for x in msg.answers()], valid=msg.valid)
        except Exception as e:  # noqa: BLE001
            rec.update(parse_error=str(e))
        print(json.dumps(rec), flush=True)
        if a.until_from and src[0].split("%")[0] == a.until_from:
            break
    print(json.dumps({"event": "done", "replies": n}), flush=True)
    sys.exit(0 if n else 1)


if __name__ == "__main__":
    main()
