#!/usr/bin/env bash
# Peak memory and wall time of `reprise features` on long files (BENCHMARKS.md, "Long files").
# Usage: scripts/bench_memory.sh [REPRISE_BINARY] [KINDS...]
# Builds two mono 22,050 Hz 16-bit WAVs, 30 min and 2 h, by tiling the demo's Griffin-Lim
# reconstruction (6 s of music), then runs each kind on each under GNU time (`/usr/bin/time`).
set -euo pipefail
cd "$(dirname "$0")/.."
bin="${1:-target/release/reprise}"
shift || true
kinds=("$@")
[ ${#kinds[@]} -gt 0 ] || kinds=(mel cqt chroma-cqt "chroma-cqt --tuning 0" scattering)
work="${BENCH_DIR:-/tmp/reprise-bench-memory}"
mkdir -p "$work"
if [ ! -s "$work/long2h.wav" ]; then
  "$bin" demo -o "$work/demo" >/dev/null
  python3 - "$work" <<'PY'
import array, struct, sys
work = sys.argv[1]
src = open(f"{work}/demo/demo.griffinlim.wav", "rb").read()
i = src.find(b"data"); n = struct.unpack("<I", src[i + 4:i + 8])[0]
f = array.array("f"); f.frombytes(src[i + 8:i + 8 + n])
pcm = array.array("h", [max(-32768, min(32767, int(v * 32767))) for v in f]).tobytes()
for name, seconds in (("long30m", 1800), ("long2h", 7200)):
    body = pcm * int(seconds / 6.0)
    hdr = b"RIFF" + struct.pack("<I", 36 + len(body)) + b"WAVEfmt " + struct.pack("<IHHIIHH", 16, 1, 1, 22050, 44100, 2, 16) + b"data" + struct.pack("<I", len(body))
    with open(f"{work}/{name}.wav", "wb") as fh:
        fh.write(hdr); fh.write(body)
PY
fi
echo "| kind | 30 min | 2 h |"
echo "|---|---|---|"
for k in "${kinds[@]}"; do
  row="| \`$k\` |"
  for f in long30m long2h; do
    # shellcheck disable=SC2086
    r=$(/usr/bin/time -f "%e %M" "$bin" features $k "$work/$f.wav" -o "$work/out.npy" 2>&1 >/dev/null | tail -1)
    read -r secs kb <<<"$r"
    row="$row $secs s / $((kb / 1024)) MiB |"
  done
  echo "$row"
done
