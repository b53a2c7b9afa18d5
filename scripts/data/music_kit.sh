#!/usr/bin/env bash
# music_kit.sh -- build the real-music kit (11 Ogg Vorbis files, 9 pieces)
# for structure analysis from four Debian data packages.
#
# Usage:  scripts/data/music_kit.sh [--prune] [--keep-staging] OUT_DIR
#
# What it does (see scripts/data/README.md):
#   1. apt-get download nexuiz-music pushover-data hyperrogue-music
#      fretsonfire-songs-sectoid into OUT_DIR/.debs (retried once). Nothing is
#      installed; no root needed. .deb files already there are reused.
#   2. dpkg-deb -x each package into OUT_DIR/.staging/<pkg> (a pure-Python
#      fallback is used where dpkg-deb is missing).
#   3. take the three Nexuiz tracks out of music.pk3 (a zip; unzip, or
#      Python's zipfile where unzip is missing).
#   4. copy the 11 files into OUT_DIR with names <source>_<track>.ogg.
#   5. copy /usr/share/doc/<pkg>/copyright to OUT_DIR/licences/<pkg>.copyright.
#   6. write OUT_DIR/manifest.csv (path,package,licence,duration_s,note);
#      durations come from the Ogg page headers (scripts/data/_ogg.py).
#   7. remove OUT_DIR/.staging (kept with --keep-staging); --prune also
#      removes OUT_DIR/.debs once the kit is complete.
#
# Re-running skips finished steps: if all 11 files and licences are there,
# nothing is downloaded or unpacked and only the manifest is rewritten.
#
# Requirements: bash, python3 (standard library only), apt-get (or the four
# .deb files placed in OUT_DIR/.debs by hand). Licences: GPL-2+ (Nexuiz),
# GPL-3+ (pushover), CC-BY-SA-3.0 (Hyperrogue), MIT (Sectoid): the output is
# for local use; do not commit it.

set -euo pipefail

PROG=music_kit.sh
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
PACKAGES=(nexuiz-music pushover-data hyperrogue-music fretsonfire-songs-sectoid)
NEXUIZ_PK3=usr/share/games/nexuiz/data/music.pk3

# The kit. One line per file, tab-separated:
# package | path inside the package (for nexuiz: inside music.pk3) | output name | licence | note
TRACKS="\
nexuiz-music	sound/cdtracks/neuronal-diving.ogg	nexuiz_neuronal-diving.ogg	GPL-2+	electronic; long A/B blocks and 2-bar loops
nexuiz-music	sound/cdtracks/calling-bogus.ogg	nexuiz_calling-bogus.ogg	GPL-2+	electronic; big repeated sections
nexuiz-music	sound/cdtracks/thunder.ogg	nexuiz_thunder.ogg	GPL-2+	short loop-based cue; suits unit tests
pushover-data	usr/share/pushover/themes/aztec.ogg	pushover_aztec.ogg	GPL-3+	game theme (Roberto Lorenz); repeated phrases
pushover-data	usr/share/pushover/themes/dungeon.ogg	pushover_dungeon.ogg	GPL-3+	game theme (Roberto Lorenz); repeated 25 s phrases
hyperrogue-music	usr/share/hyperrogue/music/hr3-rlyeh.ogg	hyperrogue_hr3-rlyeh.ogg	CC-BY-SA-3.0	Shawn Parrotte; intro, looped body, outro
hyperrogue-music	usr/share/hyperrogue/music/hr-domina-mountain.ogg	hyperrogue_hr-domina-mountain.ogg	CC-BY-SA-3.0	Lincoln Domina; orchestral-ish, repeats at about 40 s
fretsonfire-songs-sectoid	usr/share/games/fretsonfire/data/songs/sectoid/War of freedom/song.ogg	sectoid_war-of-freedom_song.ogg	MIT	Carlos Viola Iborra; rock backing track without lead guitar (mix = song + guitar)
fretsonfire-songs-sectoid	usr/share/games/fretsonfire/data/songs/sectoid/War of freedom/guitar.ogg	sectoid_war-of-freedom_guitar.ogg	MIT	Carlos Viola Iborra; isolated electric-guitar stem of War of freedom
fretsonfire-songs-sectoid	usr/share/games/fretsonfire/data/songs/sectoid/Feelings/song.ogg	sectoid_feelings_song.ogg	MIT	Carlos Viola Iborra; rock ballad backing track, verse/chorus sections
fretsonfire-songs-sectoid	usr/share/games/fretsonfire/data/songs/sectoid/Feelings/guitar.ogg	sectoid_feelings_guitar.ogg	MIT	Carlos Viola Iborra; isolated electric-guitar stem of Feelings
"

usage() {
    sed -n '2,/^$/s/^# \{0,1\}//p' "$0"
}

die() {
    echo "$PROG: $*" >&2
    exit 1
}

PRUNE=0
KEEP_STAGING=0
OUT=""
while [ $# -gt 0 ]; do
    case "$1" in
        -h|--help) usage; exit 0 ;;
        --prune) PRUNE=1 ;;
        --keep-staging) KEEP_STAGING=1 ;;
        -*) die "unknown option '$1' (see --help)" ;;
        *) [ -z "$OUT" ] || die "only one OUT_DIR expected (see --help)"; OUT="$1" ;;
    esac
    shift
done
[ -n "$OUT" ] || die "missing OUT_DIR (usage: $PROG [--prune] [--keep-staging] OUT_DIR)"
command -v python3 >/dev/null || die "python3 not found; install it (Debian: apt-get install python3)"

mkdir -p "$OUT"
OUT="$(cd "$OUT" && pwd)"
DEBS="$OUT/.debs"
STAGE="$OUT/.staging"
START=$(date +%s)

# --- is there anything to do? ------------------------------------------------
kit_complete() {
    local pkg name
    while IFS=$'\t' read -r pkg _ name _; do
        [ -n "$pkg" ] || continue
        [ -s "$OUT/$name" ] || return 1
    done <<< "$TRACKS"
    for pkg in "${PACKAGES[@]}"; do
        [ -s "$OUT/licences/$pkg.copyright" ] || return 1
    done
}

deb_of() {  # newest .deb of a package in the cache, or nothing
    find "$DEBS" -maxdepth 1 -name "$1_*.deb" 2>/dev/null | sort | tail -n 1
}

download_debs() {
    mkdir -p "$DEBS"
    local missing=() pkg attempt
    for pkg in "${PACKAGES[@]}"; do
        [ -n "$(deb_of "$pkg")" ] || missing+=("$pkg")
    done
    [ ${#missing[@]} -gt 0 ] || return 0
    command -v apt-get >/dev/null || die "apt-get not found; get the Debian 12 (bookworm, arch 'all') .deb files of ${missing[*]} from Debian's package archive, put them in $DEBS/ and re-run"
    for attempt in 1 2; do
        echo "[$PROG] apt-get download ${missing[*]} (attempt $attempt)"
        if (cd "$DEBS" && apt-get download "${missing[@]}" >/dev/null 2>"$DEBS/apt-get.err"); then
            break
        fi
        [ "$attempt" = 2 ] || sleep 2
    done
    for pkg in "${missing[@]}"; do
        [ -n "$(deb_of "$pkg")" ] || die "apt-get download $pkg failed ($(tail -n 1 "$DEBS/apt-get.err")); run 'apt-get update' first or put the .deb in $DEBS/"
    done
    rm -f "$DEBS/apt-get.err"
}

unpack() {  # unpack one package into $STAGE/<pkg>, once
    local pkg="$1" deb dest
    deb="$(deb_of "$pkg")"
    dest="$STAGE/$pkg"
    if [ -f "$dest/.unpacked" ] && [ "$(cat "$dest/.unpacked")" = "$(basename "$deb")" ]; then
        return 0
    fi
    rm -rf "$dest"
    mkdir -p "$dest"
    echo "[$PROG] unpacking $(basename "$deb")"
    if command -v dpkg-deb >/dev/null; then
        dpkg-deb -x "$deb" "$dest" || die "dpkg-deb -x $deb failed"
        basename "$deb" > "$dest/.unpacked"
    else
        python3 "$HERE/_common.py" extract-deb "$deb" "$dest" || die "could not unpack $deb (no dpkg-deb)"
    fi
}

unzip_member() {  # unzip_member ZIP MEMBER DEST_FILE
    local zip="$1" member="$2" dest="$3" tmp="$3.tmp"
    if command -v unzip >/dev/null; then
        unzip -p "$zip" "$member" > "$tmp" || die "unzip: $member not found in $zip"
    else
        python3 - "$zip" "$member" "$tmp" <<'EOF' || die "$member not found in $zip"
import shutil, sys, zipfile
with zipfile.ZipFile(sys.argv[1]) as z, z.open(sys.argv[2]) as src, open(sys.argv[3], "wb") as dst:
    shutil.copyfileobj(src, dst)
EOF
    fi
    mv "$tmp" "$dest"
}

copy_file() {  # copy_file SRC DEST, atomically
    cp "$1" "$2.tmp" && mv "$2.tmp" "$2"
}

if kit_complete; then
    echo "[$PROG] all 11 files and licences already in $OUT; rewriting the manifest only"
else
    download_debs
    mkdir -p "$OUT/licences"
    while IFS=$'\t' read -r pkg src name _; do
        [ -n "$pkg" ] || continue
        [ -s "$OUT/$name" ] && continue
        unpack "$pkg"
        if [ "$pkg" = nexuiz-music ]; then
            unzip_member "$STAGE/$pkg/$NEXUIZ_PK3" "$src" "$OUT/$name"
        else
            [ -f "$STAGE/$pkg/$src" ] || die "$src not found in package $pkg"
            copy_file "$STAGE/$pkg/$src" "$OUT/$name"
        fi
        echo "[$PROG] $name"
    done <<< "$TRACKS"
    for pkg in "${PACKAGES[@]}"; do
        [ -s "$OUT/licences/$pkg.copyright" ] && continue
        unpack "$pkg"
        src="$STAGE/$pkg/usr/share/doc/$pkg/copyright"
        [ -f "$src" ] || die "$src missing from package $pkg"
        copy_file "$src" "$OUT/licences/$pkg.copyright"
    done
fi

# --- manifest ------------------------------------------------------------------
KIT_TRACKS="$TRACKS" python3 - "$OUT" "$HERE" <<'EOF' || die "could not write $OUT/manifest.csv"
import os, sys
from pathlib import Path
out, here = Path(sys.argv[1]), sys.argv[2]
sys.path.insert(0, here)
from _common import write_csv_atomic
from _ogg import duration_seconds
rows = []
for line in os.environ["KIT_TRACKS"].splitlines():
    if not line.strip():
        continue
    pkg, src, name, lic, note = line.split("\t")
    rows.append({"path": name, "package": pkg, "licence": lic,
                 "duration_s": f"{duration_seconds(out / name):.3f}", "note": note})
write_csv_atomic(out / "manifest.csv", ["path", "package", "licence", "duration_s", "note"], rows)
total = sum(float(r["duration_s"]) for r in rows)
print(f"[music_kit.sh] manifest.csv: {len(rows)} files, {total / 60:.1f} min of audio")
EOF

[ "$KEEP_STAGING" = 1 ] || rm -rf "$STAGE"
[ "$PRUNE" = 0 ] || rm -rf "$DEBS"
SIZE=$(du -sh --exclude=.debs --exclude=.staging "$OUT" | cut -f1)
echo "[$PROG] done in $(( $(date +%s) - START )) s: $OUT ($SIZE without the .deb cache)"
