#!/usr/bin/env bash
# Every test of Reprise. The dataset tests render from Debian's TimGM6mb SoundFont
# (package timgm6mb-soundfont, 6 MB, GPL-2, so it is installed, never committed); this
# installs it when it is missing and apt is at hand as root, then runs cargo test.
# Extra arguments go to cargo test.
set -euo pipefail
cd "$(dirname "$0")/.."

sf=/usr/share/sounds/sf2/TimGM6mb.sf2
if [ ! -f "$sf" ] && [ ! -f "${REPRISE_SOUNDFONTS:-/nonexistent}/TimGM6mb.sf2" ]; then
  if command -v apt-get >/dev/null 2>&1 && [ "$(id -u)" = 0 ]; then
    echo "installing timgm6mb-soundfont (test data)"
    apt-get update -q >/dev/null || true
    # a one-off 'cannot access archive' failure of apt goes away when repeated
    apt-get install -y -q --no-install-recommends timgm6mb-soundfont >/dev/null \
      || apt-get install -y -q --no-install-recommends timgm6mb-soundfont >/dev/null
  else
    echo "note: $sf is missing: 'sudo apt-get install timgm6mb-soundfont' (or see 'reprise data install --help');" \
         "the SoundFont tests will say 'skipping'" >&2
  fi
fi

exec cargo test --workspace --locked "$@"
