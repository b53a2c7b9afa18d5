#!/usr/bin/env bash
# Every test of Reprise. The dataset tests render from Debian's TimGM6mb SoundFont
# (package timgm6mb-soundfont, 6 MB) and freepats GUS patches (package freepats, 25 MB);
# both are GPL, so they are installed, never committed. This installs them when they are
# missing and apt is at hand as root, then runs cargo test.
# Extra arguments go to cargo test.
set -euo pipefail
cd "$(dirname "$0")/.."

need=()
if [ ! -f /usr/share/sounds/sf2/TimGM6mb.sf2 ] && [ ! -f "${REPRISE_SOUNDFONTS:-/nonexistent}/TimGM6mb.sf2" ]; then
  need+=(timgm6mb-soundfont)
fi
# (a removed but not purged freepats keeps its .cfg: look for a patch too)
if { [ ! -f /etc/timidity/freepats.cfg ] || [ ! -f /usr/share/midi/freepats/Tone_000/000_Acoustic_Grand_Piano.pat ]; } \
   && [ ! -f "${REPRISE_SOUNDFONTS:-/nonexistent}/freepats.cfg" ]; then
  need+=(freepats)
fi
if [ ${#need[@]} -gt 0 ]; then
  if command -v apt-get >/dev/null 2>&1 && [ "$(id -u)" = 0 ]; then
    echo "installing ${need[*]} (test data)"
    apt-get update -q >/dev/null || true
    # a one-off 'cannot access archive' failure of apt goes away when repeated
    apt-get install -y -q --no-install-recommends "${need[@]}" >/dev/null \
      || apt-get install -y -q --no-install-recommends "${need[@]}" >/dev/null
  else
    echo "note: missing ${need[*]}: 'sudo apt-get install ${need[*]}' (or see 'reprise data install --help');" \
         "the SoundFont tests will say 'skipping'" >&2
  fi
fi

exec cargo test --workspace --locked "$@"
