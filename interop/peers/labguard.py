"""Safety guard for the interop harness's python peers.

Every peer that opens a socket calls refuse_outside_lab() first. The process may
only go on if its network namespace is one of the *named* namespaces that
interop/lan.sh creates (/var/run/netns/mdnsi-<LAN_ID>-h<N>), found by comparing
the inode of /proc/self/ns/net with those files. Started anywhere else -- above
all in the machine's root namespace, on the real LAN -- it exits with status 3
before any socket is opened. There is deliberately no override.
"""
import os
import re
import sys

NETNS_DIR = "/var/run/netns"
LAB_NS = re.compile(r"^mdnsi-[A-Za-z0-9]{1,12}-h[0-9]+$")


def current_named_netns():
    """Name of the `ip netns` namespace this process is in, or None."""
    me = os.stat("/proc/self/ns/net").st_ino
    try:
        names = os.listdir(NETNS_DIR)
    except OSError:
        return None
    for n in names:
        try:
            if os.stat(os.path.join(NETNS_DIR, n)).st_ino == me:
                return n
        except OSError:
            pass
    return None


def refuse_outside_lab() -> str:
    """Return the short host name (h1, h2, ...) or exit(3)."""
    name = current_named_netns()
    if name is None or not LAB_NS.match(name):
        sys.stderr.write(
            "labguard: refusing to run outside an interop lab namespace "
            f"(current: {name or 'not a named netns, probably the root namespace'}); "
            "this would put mDNS on the real LAN. Use: interop/lan.sh exec hN ...\n")
        sys.exit(3)
    return name.rsplit("-", 1)[1]


if __name__ == "__main__":
    print(refuse_outside_lab())
