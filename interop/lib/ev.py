#!/usr/bin/env python3
"""Event helper for the interop suite: turns the output of every peer into one
vocabulary and answers the questions the cases ask. Standard library only.

Kinds of input file (KIND):
  mdns      `mdns ... --json` output, optionally prefixed by tslog.py ("WALL line")
  zc        peers/zc_*.py JSON lines (carry their own "wall")
  avahi     `avahi-browse -rpk` output prefixed by tslog.py
  avahipub  `avahi-publish -s` output prefixed by tslog.py
  dnssd     Apple's `dns-sd` (-R, -B, -L, -G) output prefixed by tslog.py

Normalized events (JSON): {"event": found|removed|resolved|registered|renamed|error,
  "name": INSTANCE (unescaped, without .TYPE.local.), "wall": float|null, ...}
  resolved: host (no trailing dot), port, addresses [..], txt {..}
  renamed: from, to
  address: host, address (dns-sd -G and `mdns lookup`)

Subcommands (exit 0 = yes/ok, 1 = no/failed, message on stdout):
  norm KIND FILE
  wait KIND FILE EVENT NAME [--timeout S] [--after WALL] [--alive PID]...
                                                           -> prints wall of first match
  final-name KIND FILE                                     -> last registered/renamed name
  final-wall KIND FILE                                     -> wall of the last `registered`
  check-resolved KIND FILE NAME [--host H] [--port P] [--txt k=v]... [--addr A]...
  names KIND FILE BASE                                     -> JSON list of live names starting with BASE
  addresses KIND FILE [HOST]                               -> JSON list of addresses reported (for HOST)
  legacy-check FILE QNAME QTYPE [--src IP] [--port P] [--target H] [--addr A]
  delta A B                                                -> "B-A" in seconds, 3 decimals
  dnssd-start FILE                                         -> when dns-sd started, by its own
                                                              "...STARTING..." stamp (local time)
"""
import argparse
import json
import os
import re
import sys
import time

WALL_PREFIX = re.compile(r"^(\d{9,}\.\d+) (.*)$")


def strip_dot(h):
    return h[:-1] if isinstance(h, str) and h.endswith(".") else h


def inst(name, typ=None):
    """'X._http._tcp.local.' -> 'X' (any _x._tcp/_udp type)."""
    if not isinstance(name, str):
        return name
    n = strip_dot(name)
    m = re.match(r"^(.*)\.(_[^.]+\._(tcp|udp))\.local$", n)
    if m:
        return m.group(1)
    return n


def avahi_unescape(s):
    out, i = [], 0
    while i < len(s):
        c = s[i]
        if c == "\\" and i + 3 < len(s) + 0 and s[i + 1:i + 4].isdigit():
            out.append(chr(int(s[i + 1:i + 4])))
            i += 4
        elif c == "\\" and i + 1 < len(s):
            out.append(s[i + 1])
            i += 2
        else:
            out.append(c)
            i += 1
    # avahi escapes UTF-8 byte by byte as \DDD: re-decode
    try:
        return "".join(out).encode("latin-1").decode("utf-8")
    except (UnicodeEncodeError, UnicodeDecodeError):
        return "".join(out)


def avahi_txt(s):
    """'"a=1" "b=x y"' -> {"a":"1","b":"x y"}"""
    d, i = {}, 0
    while i < len(s):
        if s[i] == '"':
            j, buf = i + 1, []
            while j < len(s) and s[j] != '"':
                if s[j] == "\\" and j + 1 < len(s):
                    j += 1
                buf.append(s[j])
                j += 1
            k, _, v = "".join(buf).partition("=")
            d[k] = v
            i = j + 1
        else:
            i += 1
    return d


def dns_unescape(s):
    """DNS presentation escapes: '\\032' -> ' ', '\\.' -> '.'"""
    out, i = bytearray(), 0
    b = s.encode("utf-8", "replace")
    while i < len(b):
        if b[i] == 0x5C and i + 3 < len(b) and b[i + 1:i + 4].isdigit():
            out.append(int(b[i + 1:i + 4]))
            i += 4
        elif b[i] == 0x5C and i + 1 < len(b):
            out.append(b[i + 1])
            i += 2
        else:
            out.append(b[i])
            i += 1
    return out.decode("utf-8", "replace")


def dnssd_txt(line):
    """dns-sd's TXT line: strings separated by spaces, shell metacharacters escaped."""
    d, cur, i, started = {}, [], 0, False
    while i <= len(line):
        c = line[i] if i < len(line) else " "
        if c == "\\" and i + 1 < len(line):
            cur.append(line[i + 1])
            started = True
            i += 2
            continue
        if c == " ":
            if started:
                k, _, v = "".join(cur).partition("=")
                d.setdefault(k, v)
            cur, started = [], False
        else:
            cur.append(c)
            started = True
        i += 1
    return d


# dns-sd lines (after the tslog wall clock), its own "H:MM:SS.mmm" stamp optional
DNSSD_TIME = r"^\s*(?:\d+:\d\d:\d\d\.\d+\s+)?"
DNSSD_REG = re.compile(DNSSD_TIME + r"Got a reply for service (.*)\.(_[^.]+\._(?:tcp|udp)\.)(\S*): (.*)$")
DNSSD_BROWSE = re.compile(DNSSD_TIME + r"(Add|Rmv)\s+[0-9A-Fa-f]+\s+\d+\s+(\S+)\s+(_\S+)\s+(.*?)\s*$")
DNSSD_RESOLVE = re.compile(DNSSD_TIME + r"(\S+) can be reached at (\S+):(\d+) \(interface \d+\)")
DNSSD_TIME_ONLY = re.compile(r"^\s*\d+:\d\d:\d\d\.\d+\s")
DNSSD_ADDR = re.compile(DNSSD_TIME + r"(Add|Rmv)\s+[0-9A-Fa-f]+\s+(?:\S\s+)?\d+\s+(\S+\.)\s+(\S+)\s+(\d+)\s*$")


def dnssd_addr(a):
    a = a.split("%")[0]
    if ":" in a:
        try:
            import ipaddress
            return str(ipaddress.IPv6Address(a))
        except ValueError:
            return a
    return a


def split_wall(line):
    m = WALL_PREFIX.match(line)
    return (float(m.group(1)), m.group(2)) if m else (None, line)


def norm_lines(kind, path):
    try:
        with open(path, errors="replace") as f:
            lines = f.read().splitlines()
    except OSError:
        return
    pending = None
    for raw in lines:
        wall, line = split_wall(raw)
        if kind in ("mdns", "zc"):
            try:
                o = json.loads(line)
            except ValueError:
                continue
            if not isinstance(o, dict) or "event" not in o:
                continue
            if wall is None:
                wall = o.get("wall")
            o["wall"] = wall
            for k in ("name", "from", "to"):
                if k in o:
                    o[k] = inst(o[k])
            if "host" in o:
                o["host"] = strip_dot(o["host"])
            if o["event"] == "resolved":
                o["port"] = int(o["port"]) if o.get("port") is not None else None
                o["addresses"] = [str(a).split("%")[0] for a in (o.get("addresses") or [])]
                t = o.get("txt") or {}
                if isinstance(t, list):
                    t = dict((x.partition("=")[0], x.partition("=")[2]) for x in t)
                # a flag (key without "=") may come as null or true
                o["txt"] = {str(k): ("" if v is None or v is True else str(v)) for k, v in t.items()}
            yield o
        elif kind == "avahi":
            f = line.split(";")
            if len(f) >= 6 and f[0] in "+-=" and f[0]:
                ev = {"+": "found", "-": "removed", "=": "resolved"}[f[0]]
                o = {"event": ev, "wall": wall, "name": avahi_unescape(f[3]), "type": f[4],
                     "iface": f[1], "proto": f[2]}
                if ev == "resolved" and len(f) >= 10:
                    o.update(host=strip_dot(f[6]), addresses=[f[7].split("%")[0]], port=int(f[8]),
                             txt=avahi_txt(";".join(f[9:])))
                yield o
        elif kind == "dnssd":
            if pending is not None:
                # the line after a resolve is its TXT (absent for an empty TXT)
                if line.startswith(" ") and not DNSSD_TIME_ONLY.match(line):
                    pending["txt"] = dnssd_txt(line.strip())
                    yield pending
                    pending = None
                    continue
                yield pending
                pending = None
            m = DNSSD_REG.match(line)
            if m:
                if m.group(4).startswith("Name now registered"):
                    yield {"event": "registered", "name": m.group(1), "type": m.group(2), "wall": wall}
                else:
                    yield {"event": "error", "message": m.group(4), "wall": wall}
                continue
            if "Name in use" in line or "Error code" in line or "error code" in line:
                yield {"event": "error", "message": line, "wall": wall}
                continue
            m = DNSSD_ADDR.match(line)
            if m:
                yield {"event": "address" if m.group(1) == "Add" else "address-removed",
                       "host": strip_dot(m.group(2)), "address": dnssd_addr(m.group(3)),
                       "ttl": int(m.group(4)), "wall": wall}
                continue
            m = DNSSD_BROWSE.match(line)
            if m:
                yield {"event": "found" if m.group(1) == "Add" else "removed", "name": m.group(4),
                       "type": m.group(3), "wall": wall}
                continue
            m = DNSSD_RESOLVE.match(line)
            if m:
                pending = {"event": "resolved", "name": inst(dns_unescape(m.group(1))),
                           "host": strip_dot(m.group(2)), "port": int(m.group(3)), "addresses": [],
                           "txt": {}, "wall": wall}
        elif kind == "avahipub":
            m = re.search(r"Established under name '(.*)'", line)
            if m:
                yield {"event": "registered", "name": m.group(1), "wall": wall}
            m = re.search(r"Service name collision, picking new name '(.*)'", line)
            if m:
                yield {"event": "collision", "to": m.group(1), "wall": wall}
            if "Failed" in line or "failure" in line.lower():
                yield {"event": "error", "message": line, "wall": wall}
    if pending is not None:
        yield pending


def matches(o, event, name):
    return o["event"] == event and (name in ("*", None) or o.get("name") == name)


def alive(pid):
    try:
        os.kill(pid, 0)
        return True
    except ProcessLookupError:
        return False
    except PermissionError:
        return True


def cmd_wait(a):
    end = time.monotonic() + a.timeout
    while True:
        dead = [p for p in (a.alive or []) if not alive(p)]
        for o in norm_lines(a.kind, a.file):
            if matches(o, a.event, a.name) and (a.after is None or (o["wall"] or 0) >= a.after):
                print(f"{o['wall']:.6f}" if o["wall"] else "0")
                return 0
        if dead:
            print(f"no '{a.event}' for {a.name!r} in {os.path.basename(a.file)}: process {dead[0]} exited")
            return 1
        if time.monotonic() >= end:
            print(f"no '{a.event}' for {a.name!r} in {os.path.basename(a.file)} within {a.timeout}s")
            return 1
        time.sleep(0.05)


def cmd_final_name(a):
    name = None
    for o in norm_lines(a.kind, a.file):
        if o["event"] == "registered":
            name = o.get("name")
        elif o["event"] == "renamed":
            name = o.get("to")
    if name is None:
        print("")
        return 1
    print(name)
    return 0


def cmd_final_wall(a):
    wall = None
    for o in norm_lines(a.kind, a.file):
        if o["event"] == "registered":
            wall = o.get("wall")
    print(f"{wall:.6f}" if wall else "")
    return 0 if wall else 1


def cmd_check_resolved(a):
    res = [o for o in norm_lines(a.kind, a.file) if matches(o, "resolved", a.name)]
    if not res:
        print(f"never resolved {a.name!r}")
        return 1
    addrs = set()
    for o in res:
        addrs.update(o.get("addresses") or [])
    why = []
    o = res[-1]
    if a.host and not any(strip_dot(r.get("host", "")).lower() == strip_dot(a.host).lower() for r in res):
        why.append(f"host {o.get('host')!r} != {a.host!r}")
    if a.port is not None and not any(r.get("port") == a.port for r in res):
        why.append(f"port {o.get('port')} != {a.port}")
    want_txt = dict(t.partition("=")[::2] for t in a.txt or [])
    if want_txt and not any(all((r.get("txt") or {}).get(k) == v for k, v in want_txt.items()) for r in res):
        why.append(f"txt {o.get('txt')} lacks {want_txt}")
    for ad in a.addr or []:
        if ad not in addrs:
            why.append(f"address {ad} not in {sorted(addrs)}")
    if why:
        print("; ".join(why))
        return 1
    print(f"host={o.get('host')} port={o.get('port')} txt={json.dumps(o.get('txt'), sort_keys=True)} addrs={sorted(addrs)}")
    return 0


def cmd_names(a):
    live = {}
    for o in norm_lines(a.kind, a.file):
        n = o.get("name")
        if not isinstance(n, str) or not n.startswith(a.base):
            continue
        key = (n, o.get("proto"))
        if o["event"] in ("found", "resolved"):
            live[key] = True
        elif o["event"] == "removed":
            live.pop(key, None)
    print(json.dumps(sorted({n for n, _ in live})))
    return 0


def cmd_dnssd_start(a):
    """dns-sd prints ' H:MM:SS.mmm  ...STARTING...' in local time: the epoch of that
    time of day nearest the wall clock at which tslog read the line."""
    import datetime
    for raw in open(a.file, errors="replace"):
        wall, line = split_wall(raw.rstrip("\n"))
        m = re.match(r"^\s*(\d+):(\d\d):(\d\d)\.(\d+)\s+\.\.\.STARTING", line)
        if not m or wall is None:
            continue
        h, mi, se, ms = (int(x) for x in m.groups())
        day = datetime.datetime.fromtimestamp(wall).replace(hour=h, minute=mi, second=se,
                                                            microsecond=ms * 1000)
        cands = [(day + datetime.timedelta(days=d)).timestamp() for d in (-1, 0, 1)]
        best = min(cands, key=lambda t: abs(t - wall))
        print(f"{best:.6f}")
        return 0
    print("")
    return 1


def cmd_addresses(a):
    out = []
    for o in norm_lines(a.kind, a.file):
        if o["event"] == "address" and (not a.host or strip_dot(o.get("host", "")).lower()
                                        == strip_dot(a.host).lower()):
            ad = str(o.get("address")).split("%")[0]
            if ad not in out:
                out.append(ad)
    print(json.dumps(out))
    return 0 if out else 1


def cmd_legacy_check(a):
    try:
        recs = [json.loads(x) for x in open(a.file) if x.strip().startswith("{")]
    except (OSError, ValueError) as e:
        print(f"cannot read {a.file}: {e}")
        return 1
    sent = next((r for r in recs if r["event"] == "sent"), None)
    replies = [r for r in recs if r["event"] == "reply"]
    if not sent or not replies:
        print(f"no reply to legacy {a.qtype} query for {a.qname}")
        return 1
    qn = strip_dot(a.qname).lower()
    errs = []
    for r in replies:
        if a.src and r["src"] != a.src:
            continue
        why = []
        if r.get("parse_error"):
            why.append(f"unparseable reply: {r['parse_error']}")
        else:
            if r["sport"] != 5353:
                why.append(f"source port {r['sport']} (want 5353)")
            if not r["id_ok"]:
                why.append(f"id {r['id']} != {sent['id']}")
            if not r["qr"]:
                why.append("QR bit not set")
            if [qn, a.qtype] not in [[strip_dot(q[0]).lower(), q[1]] for q in r["questions"]]:
                why.append(f"question not repeated (got {r['questions']})")
            ans = [x for x in r["answers"] if strip_dot(x["name"]).lower() == qn and x["type"] == a.qtype]
            if not ans:
                why.append(f"no {a.qtype} answer for {a.qname} in {r['answers']}")
            for x in ans:
                if x["ttl"] > 10:
                    why.append(f"TTL {x['ttl']} > 10 in legacy reply (RFC 6762 6.7)")
                d = x.get("data")
                if a.qtype == "SRV":
                    if a.port is not None and d["port"] != a.port:
                        why.append(f"SRV port {d['port']} != {a.port}")
                    if a.target and strip_dot(d["target"]).lower() != strip_dot(a.target).lower():
                        why.append(f"SRV target {d['target']} != {a.target}")
                if a.qtype in ("A", "AAAA") and a.addr and a.addr not in [y.get("data") for y in ans]:
                    why.append(f"{a.qtype} {[y.get('data') for y in ans]} lacks {a.addr}")
        if not why:
            print(f"reply from {r['src']} in {r['ms']} ms: " +
                  ", ".join(f"{x['type']} {x.get('data')} ttl={x['ttl']}" for x in r["answers"]
                            if strip_dot(x['name']).lower() == qn))
            return 0
        errs.append(f"{r['src']}: " + "; ".join(sorted(set(why))))
    print(" | ".join(errs) or f"no reply from {a.src}")
    return 1


def main():
    ap = argparse.ArgumentParser()
    sp = ap.add_subparsers(dest="cmd", required=True)
    p = sp.add_parser("norm"); p.add_argument("kind"); p.add_argument("file")
    p = sp.add_parser("wait"); p.add_argument("kind"); p.add_argument("file"); p.add_argument("event")
    p.add_argument("name"); p.add_argument("--timeout", type=float, default=10); p.add_argument("--after", type=float)
    p.add_argument("--alive", type=int, action="append", help="give up early when this PID has exited")
    p = sp.add_parser("final-name"); p.add_argument("kind"); p.add_argument("file")
    p = sp.add_parser("final-wall"); p.add_argument("kind"); p.add_argument("file")
    p = sp.add_parser("check-resolved"); p.add_argument("kind"); p.add_argument("file"); p.add_argument("name")
    p.add_argument("--host"); p.add_argument("--port", type=int); p.add_argument("--txt", action="append")
    p.add_argument("--addr", action="append")
    p = sp.add_parser("names"); p.add_argument("kind"); p.add_argument("file"); p.add_argument("base")
    p = sp.add_parser("dnssd-start"); p.add_argument("file")
    p = sp.add_parser("addresses"); p.add_argument("kind"); p.add_argument("file"); p.add_argument("host", nargs="?")
    p = sp.add_parser("legacy-check"); p.add_argument("file"); p.add_argument("qname"); p.add_argument("qtype")
    p.add_argument("--src"); p.add_argument("--port", type=int); p.add_argument("--target"); p.add_argument("--addr")
    p = sp.add_parser("delta"); p.add_argument("a", type=float); p.add_argument("b", type=float)
    a = ap.parse_args()
    if a.cmd == "norm":
        for o in norm_lines(a.kind, a.file):
            print(json.dumps(o))
        return 0
    if a.cmd == "delta":
        print(f"{a.b - a.a:.3f}")
        return 0
    return {"wait": cmd_wait, "final-name": cmd_final_name, "final-wall": cmd_final_wall, "check-resolved": cmd_check_resolved,
            "names": cmd_names, "legacy-check": cmd_legacy_check, "addresses": cmd_addresses,
            "dnssd-start": cmd_dnssd_start}[a.cmd](a)


if __name__ == "__main__":
    sys.exit(main())
