#!/usr/bin/env bash
# Regenerates assets/demo-page.png, the README's picture of the demo gallery: runs
# `reprise demo` and photographs the top of its index.html with headless Chromium
# (Debian package `chromium`; apt-get install chromium).
set -euo pipefail
cd "$(dirname "$0")/.."
out="$(mktemp -d)"
cargo run --release --locked -q -p reprise-cli -- demo -o "$out/reprise-demo" >/dev/null
chromium --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
  --disable-background-networking --disable-component-update --disable-sync \
  --user-data-dir="$out/chromium" --hide-scrollbars --window-size=1100,1700 \
  --screenshot="$PWD/assets/demo-page.png" "file://$out/reprise-demo/index.html" 2>/dev/null
rm -rf "$out"
echo "wrote assets/demo-page.png"
