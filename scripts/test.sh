#!/usr/bin/env bash
# Every test of Reprise. The dataset tests render from Debian's TimGM6mb SoundFont
# (package timgm6mb-soundfont, 6 MB) and freepats GUS patches (package freepats, 25 MB);
# both are GPL, so they are installed, never committed. This installs them when they are
# missing and apt is at hand as root, then runs cargo test, then builds the Python package
# into .venv and runs its pytest suite. Extra arguments go to cargo test.
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

cargo test --workspace --locked "$@"

# Python: the bindings (crates/reprise-py), built by maturin into .venv, tested with pytest
# against the pinned librosa (crates/reprise-py/requirements-test.txt). REPRISE_SKIP_PYTHON=1
# runs the Rust tests only.
if [ "${REPRISE_SKIP_PYTHON:-0}" = 1 ]; then
  exit 0
fi
if ! command -v python3 >/dev/null 2>&1; then
  echo "python3 not found: the Python tests need Python 3.11 with pip" >&2
  exit 1
fi
if [ ! -x .venv/bin/python ]; then
  if ! python3 -m venv .venv >/dev/null 2>&1; then
    # Debian ships venv's pip separately
    rm -rf .venv
    if command -v apt-get >/dev/null 2>&1 && [ "$(id -u)" = 0 ]; then
      apt-get install -y -q --no-install-recommends "python3.$(python3 -c 'import sys; print(sys.version_info[1])')-venv" >/dev/null \
        || apt-get install -y -q --no-install-recommends python3-venv >/dev/null
      python3 -m venv .venv
    else
      echo "python3 -m venv failed: install python3-venv (sudo apt-get install python3-venv)" >&2
      exit 1
    fi
  fi
fi
.venv/bin/python -m pip install -q --disable-pip-version-check -r crates/reprise-py/requirements-test.txt
.venv/bin/python -m pip install -q --disable-pip-version-check ./crates/reprise-py
.venv/bin/python -m pytest -q -p no:cacheprovider crates/reprise-py/tests
