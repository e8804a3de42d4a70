#!/usr/bin/env python3
"""Flood the lab with fake DNS-SD instances (inside a lab namespace only).

    lan.sh exec h2 python3 peers/flooder.py --type _iflood._tcp --instances 20000 --seconds 10

What one misbehaving device does: multicast announcements (responses from port 5353)
of INSTANCES fake instances of TYPE, PER_PACKET PTR records a packet, evenly over
SECONDS. Every ADDITIONALS_EVERY-th packet also carries each of its instances' SRV and
TXT and the host's A record as additional records (RFC 6763 §12), as a real
announcement would. It answers no query.

JSON lines: flood-start {wall}, flood-end {wall, packets, bytes, instances}.
"""
import argparse
import socket
import struct
import time

from zc_common import emit, guard, iface_ipv4

GROUP = "224.0.0.251"
PORT = 5353
CLASS_IN = 1
FLUSH = 0x8000
T_A, T_PTR, T_TXT, T_SRV = 1, 12, 16, 33


class Packet:
    """A DNS response under construction, with name compression."""

    def __init__(self):
        self.buf = bytearray(12)
        self.names = {}  # lower-cased name suffix -> offset
        self.counts = [0, 0, 0, 0]

    def name(self, labels, at_end=None):
        """Appends `labels` (tuple of str) compressed; returns nothing."""
        labels = list(labels)
        while labels:
            key = ".".join(labels).lower()
            off = self.names.get(key)
            if off is not None:
                self.buf += struct.pack("!H", 0xC000 | off)
                return
            if len(self.buf) < 0x3FFF:
                self.names[key] = len(self.buf)
            lab = labels.pop(0).encode()
            self.buf += bytes([len(lab)]) + lab
        self.buf += b"\x00"

    def record(self, section, owner, rtype, ttl, flush, rdata_fn):
        self.name(owner)
        self.buf += struct.pack("!HHI", rtype, CLASS_IN | (FLUSH if flush else 0), ttl)
        at = len(self.buf)
        self.buf += b"\x00\x00"
        rdata_fn()
        struct.pack_into("!H", self.buf, at, len(self.buf) - at - 2)
        self.counts[section] += 1

    def finish(self):
        struct.pack_into("!HHHHHH", self.buf, 0, 0, 0x8400, 0, self.counts[1], 0, self.counts[3])
        return bytes(self.buf)


def flood_packet(ty, host, first, n, additionals, addr):
    p = Packet()
    instances = [(f"Fake {i:05}",) + ty for i in range(first, first + n)]
    for inst in instances:
        p.record(1, ty, T_PTR, 4500, False, lambda inst=inst: p.name(inst))
    if additionals:
        for k, inst in enumerate(instances):
            def srv(k=k):
                p.buf += struct.pack("!HHH", 0, 0, 10000 + k)
                p.name(host)
            p.record(3, inst, T_SRV, 120, True, srv)

            def txt():
                p.buf += b"\x06fake=1"
            p.record(3, inst, T_TXT, 4500, True, txt)

        def a():
            p.buf += socket.inet_aton(addr)
        p.record(3, host, T_A, 120, True, a)
    return p.finish()


def main():
    lanhost = guard()
    ap = argparse.ArgumentParser()
    ap.add_argument("--type", default="_iflood._tcp")
    ap.add_argument("--instances", type=int, default=2000)
    ap.add_argument("--seconds", type=float, default=2.0)
    ap.add_argument("--per-packet", type=int, default=10)
    ap.add_argument("--additionals-every", type=int, default=10, help="0: never")
    ap.add_argument("--iface", default="eth0")
    a = ap.parse_args()
    ty = tuple(a.type.strip(".").split(".")) + ("local",)
    host = (f"flooder-{lanhost}", "local")
    addr = iface_ipv4(a.iface)
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    if hasattr(socket, "SO_REUSEPORT"):
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    # Responses must come from port 5353 (RFC 6762 §6) or browsers drop them.
    s.bind(("", PORT))
    s.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_IF, socket.inet_aton(addr))
    s.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_TTL, 255)
    s.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_LOOP, 0)
    packets = max(1, a.instances // a.per_packet)
    gap = a.seconds / packets
    emit("flood-start", instances=a.instances, seconds=a.seconds, packets=packets)
    t0 = time.monotonic()
    sent_bytes = 0
    for k in range(packets):
        due = t0 + k * gap
        wait = due - time.monotonic()
        if wait > 0:
            time.sleep(wait)
        extra = a.additionals_every > 0 and k % a.additionals_every == 0
        pkt = flood_packet(ty, host, k * a.per_packet, a.per_packet, extra, addr)
        s.sendto(pkt, (GROUP, PORT))
        sent_bytes += len(pkt)
    emit("flood-end", packets=packets, bytes=sent_bytes, instances=packets * a.per_packet,
         took=round(time.monotonic() - t0, 3))
    s.close()


if __name__ == "__main__":
    main()
