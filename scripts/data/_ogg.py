"""Duration of an Ogg Vorbis or Ogg Opus file from its page headers only.

No decoding: the sample rate comes from the identification header in the
first page (Vorbis: ``\\x01vorbis`` header; Opus: ``OpusHead``, always 48 kHz
granules, minus the pre-skip), and the length from the granule position of
the stream's last page. Standard library only.

    python3 _ogg.py FILE.ogg...    # prints "seconds<TAB>path" per file
"""

from __future__ import annotations

import struct
import sys

_PAGE_HEADER = struct.Struct("<4sBBqIIIB")  # capture, version, flags, granule, serial, seq, crc, nsegs


def _first_page(fh):
    head = fh.read(27)
    if len(head) < 27 or head[:4] != b"OggS":
        raise ValueError("not an Ogg file")
    _, _, _, _, serial, _, _, nsegs = _PAGE_HEADER.unpack(head)
    lacing = fh.read(nsegs)
    body = fh.read(sum(lacing))
    return serial, body


def _last_granule(fh, serial: int) -> int:
    """Granule position of the last page of ``serial``, scanning back from
    the end of the file in growing blocks."""
    fh.seek(0, 2)
    size = fh.tell()
    block = 65536
    while True:
        start = max(0, size - block)
        fh.seek(start)
        buf = fh.read(size - start)
        pos = buf.rfind(b"OggS")
        while pos >= 0:
            if pos + 27 <= len(buf):
                _, version, _, granule, page_serial, _, _, _ = _PAGE_HEADER.unpack_from(buf, pos)
                if version == 0 and page_serial == serial and granule >= 0:
                    return granule
            pos = buf.rfind(b"OggS", 0, pos)
        if start == 0:
            raise ValueError("no page with a granule position found")
        block *= 4


def duration_seconds(path) -> float:
    with open(path, "rb") as fh:
        serial, body = _first_page(fh)
        if body[:7] == b"\x01vorbis":
            rate = struct.unpack_from("<I", body, 12)[0]
            pre_skip = 0
        elif body[:8] == b"OpusHead":
            rate = 48000
            pre_skip = struct.unpack_from("<H", body, 10)[0]
        else:
            raise ValueError("first Ogg stream is neither Vorbis nor Opus")
        if rate == 0:
            raise ValueError("sample rate 0 in the identification header")
        return max(0, _last_granule(fh, serial) - pre_skip) / rate


def main(argv: list[str]) -> int:
    if len(argv) < 2 or argv[1] in ("-h", "--help"):
        print(__doc__.strip())
        return 0 if len(argv) >= 2 else 2
    status = 0
    for path in argv[1:]:
        try:
            print(f"{duration_seconds(path):.3f}\t{path}")
        except (OSError, ValueError) as err:
            print(f"_ogg.py: {path}: {err}", file=sys.stderr)
            status = 1
    return status


if __name__ == "__main__":
    sys.exit(main(sys.argv))
