#!/usr/bin/env bash
# What crates.io would get: `cargo package` of every publishable member of the workspace
# (in dependency order; cargo 1.90+ resolves the path dependencies between members not
# yet on crates.io through a local registry of the packages it just made), each
# verified by building it from its .crate file alone. Members with `publish = false`
# (test instruments: mdns-testnet, mdns-sim, the benches) are left out. Each published
# crate must carry README.md, LICENSE-MIT and LICENSE-APACHE (the licence texts the
# same as the repository's). target/package is removed afterwards (it holds a build).
# Last, `cargo install --path mdns-cli` (debug, into a temporary root) must install the
# `mdns` binary (only `mdns --version` is run: nothing touches the network).
#
#   bash scripts/package.sh
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(mktemp -d)
trap 'rm -rf target/package "$root"' EXIT

# name, publishable (publish unset), manifest dir: one line per member.
members=$(cargo metadata --no-deps --format-version 1 | python3 -c '
import json, os, sys
m = json.load(sys.stdin)
for p in m["packages"]:
    ok = p["publish"] is None
    print(p["name"], "yes" if ok else "no", os.path.dirname(p["manifest_path"]))
')
excludes=()
fail=0
while read -r name publishable dir; do
  if [ "$publishable" = no ]; then
    excludes+=(--exclude "$name")
    continue
  fi
  for f in README.md LICENSE-MIT LICENSE-APACHE; do
    if [ ! -f "$dir/$f" ]; then
      echo "package: $name has no $f" >&2; fail=1
    fi
  done
  for f in LICENSE-MIT LICENSE-APACHE; do
    if [ -f "$dir/$f" ] && ! cmp -s "$dir/$f" "$f"; then
      echo "package: $name's $f differs from the repository's" >&2; fail=1
    fi
  done
done <<< "$members"
[ "$fail" = 0 ] || exit 1
echo "package: leaving out (publish = false): ${excludes[*]}"
cargo package --workspace "${excludes[@]}"
ls -l target/package/*.crate
cargo install --quiet --path mdns-cli --debug --root "$root"
"$root/bin/mdns" --version
