#!/usr/bin/env python3
"""What a case's own capture shows: probes, announcements and deferrals of one host,
read from a classic pcap file (tcpdump -w, Ethernet). Standard library only.

Only IPv4 packets are read (every peer here sends each packet over IPv4 and IPv6 alike).

Subcommands (exit 0 = yes/found, 1 = no; a line on stdout):
  probes PCAP --src IP --name NAME            -> JSON list of the times (epoch) of SRC's
                                                 probes with an Authority record NAME
  deferred PCAP --src IP --name NAME          -> exit 0 if SRC stopped probing NAME for at
                                                 least --gap s (default 0.9) and then
                                                 probed it again (a lost tiebreak,
                                                 RFC 6762 §8.2); prints the gaps
  first-answer PCAP --src IP --name NAME --type T [--after EPOCH] [--txt-hex HEX]
                                              -> epoch of SRC's first response with a
                                                 live (TTL > 0) NAME/T record in its
                                                 Answer section (a TXT with that rdata)
  names PCAP --src IP --type T [--suffix S]   -> JSON list of the names of live T records
                                                 SRC answered or announced, in order of
                                                 first appearance
  deferred-after PCAP --src IP --peer IP --name NAME [--after EPOCH]
                                              -> exit 0 if SRC, while probing NAME, sent
                                                 nothing more about NAME (no probe, no
                                                 announcement) within 0.6 s of a probe of
                                                 NAME from PEER: it lost the tiebreak and
                                                 deferred (RFC 6762 §8.2); prints when
  summary PCAP                                -> one line per mDNS packet (debugging)
Times before --after (epoch) are left out where it is accepted.
NAME matching ignores case and a trailing dot.
"""
import argparse
import json
import socket
import struct
import sys

TYPES = {"A": 1, "PTR": 12, "TXT": 16, "AAAA": 28, "SRV": 33, "NSEC": 47, "OPT": 41, "ANY": 255}
TNAME = {v: k for k, v in TYPES.items()}


def packets(path):
    """(epoch, src_ip, dst_ip, sport, dport, payload) for every IPv4/UDP packet."""
    with open(path, "rb") as f:
        data = f.read()
    if len(data) < 24:
        return
    magic = data[:4]
    if magic in (b"\xd4\xc3\xb2\xa1", b"\x4d\x3c\xb2\xa1"):
        end, nano = "<", magic == b"\x4d\x3c\xb2\xa1"
    elif magic in (b"\xa1\xb2\xc3\xd4", b"\xa1\xb2\x3c\x4d"):
        end, nano = ">", magic == b"\xa1\xb2\x3c\x4d"
    else:
        raise SystemExit(f"{path}: not a classic pcap file")
    linktype = struct.unpack(end + "I", data[20:24])[0]
    off = 24
    while off + 16 <= len(data):
        sec, frac, incl, _ = struct.unpack(end + "IIII", data[off:off + 16])
        off += 16
        frame = data[off:off + incl]
        off += incl
        t = sec + frac / (1e9 if nano else 1e6)
        if linktype == 1:          # Ethernet
            if len(frame) < 14:
                continue
            etype = struct.unpack("!H", frame[12:14])[0]
            ip = frame[14:]
            if etype == 0x8100 and len(frame) >= 18:
                etype, ip = struct.unpack("!H", frame[16:18])[0], frame[18:]
        elif linktype == 113:      # Linux cooked (tcpdump -i any)
            etype, ip = struct.unpack("!H", frame[14:16])[0], frame[16:]
        else:
            continue
        if etype != 0x0800 or len(ip) < 20 or ip[9] != 17:
            continue
        ihl = (ip[0] & 0x0F) * 4
        udp = ip[ihl:]
        if len(udp) < 8:
            continue
        sport, dport = struct.unpack("!HH", udp[:4])
        yield t, socket.inet_ntoa(ip[12:16]), socket.inet_ntoa(ip[16:20]), sport, dport, udp[8:]


def read_name(msg, off, depth=0):
    labels, jumped, end = [], False, off
    while True:
        if off >= len(msg) or depth > 40:
            raise ValueError("bad name")
        n = msg[off]
        if n == 0:
            off += 1
            break
        if n & 0xC0 == 0xC0:
            if off + 1 >= len(msg):
                raise ValueError("bad pointer")
            ptr = ((n & 0x3F) << 8) | msg[off + 1]
            if not jumped:
                end = off + 2
            jumped = True
            off = ptr
            depth += 1
            continue
        labels.append(msg[off + 1:off + 1 + n].decode("utf-8", "replace"))
        off += 1 + n
    return ".".join(labels), (end if jumped else off)


def parse(msg):
    """{'qr': bool, 'questions': [(name, type)], 'records': [(section, name, type, ttl, data)]}"""
    if len(msg) < 12:
        raise ValueError("short")
    _, flags, qd, an, ns, ar = struct.unpack("!6H", msg[:12])
    off, qs, recs = 12, [], []
    for _ in range(qd):
        name, off = read_name(msg, off)
        qt = struct.unpack("!H", msg[off:off + 2])[0]
        off += 4
        qs.append((name, qt))
    for sec, count in (("an", an), ("ns", ns), ("ar", ar)):
        for _ in range(count):
            name, off = read_name(msg, off)
            rtype, _, ttl, rdlen = struct.unpack("!HHIH", msg[off:off + 10])
            off += 10
            rd = msg[off:off + rdlen]
            data = None
            if rtype == 1 and rdlen == 4:
                data = socket.inet_ntoa(rd)
            elif rtype == 28 and rdlen == 16:
                data = socket.inet_ntop(socket.AF_INET6, rd)
            elif rtype == 33 and rdlen >= 7:
                data = (struct.unpack("!H", rd[4:6])[0], read_name(msg, off + 6)[0])
            elif rtype == 16:
                data = bytes(rd)
            recs.append((sec, name, rtype, ttl, data))
            off += rdlen
    return {"qr": bool(flags & 0x8000), "questions": qs, "records": recs}


def norm(n):
    return n.rstrip(".").lower()


def mdns(path, src=None):
    for t, s, d, sp, dp, payload in packets(path):
        if 5353 not in (sp, dp) or (src and s != src):
            continue
        try:
            m = parse(payload)
        except (ValueError, struct.error, IndexError):
            continue
        yield t, s, m


def probe_times(path, src, name, after=0.0):
    out = []
    for t, _, m in mdns(path, src):
        if t >= after and not m["qr"] and any(sec == "ns" and norm(n) == norm(name)
                                              for sec, n, *_ in m["records"]):
            out.append(t)
    return out


def answer_times(path, src, name, after=0.0):
    """Times of SRC's responses with a live NAME record (any type) among the answers."""
    return [t for t, _, m in mdns(path, src) if t >= after and m["qr"] and any(
        sec == "an" and norm(n) == norm(name) and ttl > 0 for sec, n, _, ttl, _ in m["records"])]


def deferred_after(path, src, peer, name, after=0.0, quiet=0.6):
    ours = probe_times(path, src, name, after)
    if not ours:
        return []
    ann = answer_times(path, src, name, after)
    end = min(ann) if ann else ours[-1] + 0.3
    mine = sorted(ours + ann)
    out = []
    for t in probe_times(path, peer, name, after):
        if ours[0] <= t < end:
            nxt = next((x for x in mine if x > t), None)
            if nxt is None or nxt - t > quiet:
                out.append(round(t, 6))
    return out


def main():
    ap = argparse.ArgumentParser()
    sp = ap.add_subparsers(dest="cmd", required=True)
    for c in ("probes", "deferred", "deferred-after", "first-answer", "names", "summary"):
        p = sp.add_parser(c)
        p.add_argument("pcap")
        if c != "summary":
            p.add_argument("--src", required=True)
        if c in ("probes", "deferred", "deferred-after", "first-answer"):
            p.add_argument("--name", required=True)
        if c in ("first-answer", "names"):
            p.add_argument("--type", required=True)
        if c == "first-answer":
            p.add_argument("--txt-hex", default=None)
        if c in ("first-answer", "names", "deferred-after", "probes"):
            p.add_argument("--after", type=float, default=0)
        if c == "deferred-after":
            p.add_argument("--peer", required=True)
        if c == "names":
            p.add_argument("--suffix", default="")
        if c == "deferred":
            p.add_argument("--gap", type=float, default=0.9)
    a = ap.parse_args()
    if a.cmd == "summary":
        for t, s, m in mdns(a.pcap):
            recs = " ".join(f"{sec}:{n}/{TNAME.get(ty, ty)}{'' if ttl else '(bye)'}"
                            for sec, n, ty, ttl, _ in m["records"])
            print(f"{t:.6f} {s} {'R' if m['qr'] else 'Q'} q={[q[0] for q in m['questions']]} {recs}")
        return 0
    if a.cmd == "probes":
        print(json.dumps([round(t, 6) for t in probe_times(a.pcap, a.src, a.name, a.after)]))
        return 0
    if a.cmd == "deferred-after":
        d = deferred_after(a.pcap, a.src, a.peer, a.name, a.after)
        print(json.dumps({"deferred_after_peer_probe_at": d}))
        return 0 if d else 1
    if a.cmd == "deferred":
        ts = probe_times(a.pcap, a.src, a.name)
        gaps = [round(b - x, 3) for x, b in zip(ts, ts[1:]) if b - x >= a.gap]
        print(json.dumps({"probes": len(ts), "gaps": gaps}))
        return 0 if gaps else 1
    rtype = TYPES[a.type.upper()]
    if a.cmd == "first-answer":
        for t, _, m in mdns(a.pcap, a.src):
            want = bytes.fromhex(a.txt_hex) if a.txt_hex else None
            if m["qr"] and t >= a.after and any(
                    sec == "an" and norm(n) == norm(a.name) and ty == rtype and ttl > 0
                    and (want is None or d == want)
                    for sec, n, ty, ttl, d in m["records"]):
                print(f"{t:.6f}")
                return 0
        print(f"no {a.type} answer for {a.name} from {a.src}")
        return 1
    if a.cmd == "names":
        seen = []
        for t, _, m in mdns(a.pcap, a.src):
            if not m["qr"] or t < a.after:
                continue
            for sec, n, ty, ttl, _ in m["records"]:
                if sec == "an" and ty == rtype and ttl > 0 and norm(n).endswith(norm(a.suffix)) \
                        and norm(n) not in seen:
                    seen.append(norm(n))
        print(json.dumps(seen))
        return 0
    return 2


if __name__ == "__main__":
    sys.exit(main())
