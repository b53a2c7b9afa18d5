"""Helpers shared by the corpus recipes in this folder (standard library only).

* ``fail``: print one line ``PROG: message`` to stderr and exit 1;
* atomic writes (write a temporary file in the same folder, then rename);
* Debian packages: ``apt-get download`` into a cache folder with one retry,
  and unpacking with ``dpkg-deb -x`` (or a pure-Python fallback for .deb
  files whose data member is .tar.xz/.tar.gz/.tar.bz2/.tar);
* copying ``/usr/share/doc/<pkg>/copyright`` into ``OUT/licences/``.

Run as a program it offers one command, used by music_kit.sh where
dpkg-deb is missing:  python3 _common.py extract-deb FILE.deb DEST_DIR
"""

from __future__ import annotations

import csv
import io
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
import time
from pathlib import Path


def fail(prog: str, message: str, code: int = 1):
    print(f"{prog}: {message}", file=sys.stderr)
    sys.exit(code)


def log(prog: str, message: str):
    print(f"[{prog}] {message}", flush=True)


# --- atomic writes ---------------------------------------------------------

def atomic_write_bytes(path: Path, data: bytes):
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def atomic_write_text(path: Path, text: str):
    atomic_write_bytes(path, text.encode("utf-8"))


def atomic_copy(src: Path, dest: Path):
    """Copy src to dest through a temporary file; skipped if dest already
    exists with the same size."""
    src, dest = Path(src), Path(dest)
    if dest.exists() and dest.stat().st_size == src.stat().st_size:
        return
    dest.parent.mkdir(parents=True, exist_ok=True)
    tmp = dest.with_name(f".{dest.name}.tmp")
    shutil.copyfile(src, tmp)
    os.chmod(tmp, 0o644)
    os.replace(tmp, dest)


def write_csv_atomic(path: Path, header: list[str], rows: list[dict]):
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=header, lineterminator="\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({k: ("" if row.get(k) is None else row.get(k)) for k in header})
    atomic_write_text(path, buf.getvalue())


# --- Debian packages -------------------------------------------------------

def find_deb(cache: Path, package: str) -> Path | None:
    """Newest-named ``package_*.deb`` in the cache folder, if any."""
    hits = sorted(Path(cache).glob(f"{package}_*.deb"))
    return hits[-1] if hits else None


def apt_download(prog: str, packages: list[str], cache: Path) -> dict[str, Path]:
    """Make sure a .deb of every package is in ``cache``; download the
    missing ones with ``apt-get download`` (retried once). Returns
    {package: deb path}."""
    cache = Path(cache)
    cache.mkdir(parents=True, exist_ok=True)
    missing = [p for p in packages if find_deb(cache, p) is None]
    if missing:
        if shutil.which("apt-get") is None:
            fail(prog, "apt-get not found; get the Debian 12 (bookworm) .deb files of "
                       f"{' '.join(missing)} from Debian's package archive, put them in "
                       f"{cache}/ and re-run")
        for attempt in (1, 2):
            log(prog, f"apt-get download {' '.join(missing)} (attempt {attempt})")
            proc = subprocess.run(["apt-get", "download", *missing], cwd=cache,
                                  stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
            missing = [p for p in packages if find_deb(cache, p) is None]
            if proc.returncode == 0 and not missing:
                break
            if attempt == 1:
                time.sleep(2)
        if missing:
            last = (proc.stderr.strip().splitlines() or ["no message"])[-1]
            fail(prog, f"apt-get download failed for {' '.join(missing)} ({last}); "
                       "run 'apt-get update' first, or put their .deb files in "
                       f"{cache}/ and re-run")
    return {p: find_deb(cache, p) for p in packages}


def _ar_members(data: bytes):
    if data[:8] != b"!<arch>\n":
        raise ValueError("not an ar archive")
    pos = 8
    while pos + 60 <= len(data):
        header = data[pos:pos + 60]
        name = header[:16].decode("ascii").strip().rstrip("/")
        size = int(header[48:58].decode("ascii").strip())
        yield name, data[pos + 60:pos + 60 + size]
        pos += 60 + size + (size & 1)


def extract_deb(deb: Path, dest: Path):
    """Unpack a .deb's files into dest (like ``dpkg-deb -x``). A marker file
    ``dest/.unpacked`` makes repeated calls free."""
    dest = Path(dest)
    marker = dest / ".unpacked"
    if marker.exists() and marker.read_text() == Path(deb).name:
        return
    if dest.exists():
        shutil.rmtree(dest)
    dest.mkdir(parents=True)
    if shutil.which("dpkg-deb"):
        subprocess.run(["dpkg-deb", "-x", str(deb), str(dest)], check=True)
    else:
        data = Path(deb).read_bytes()
        for name, body in _ar_members(data):
            if name.startswith("data.tar"):
                if name.endswith(".zst"):
                    raise RuntimeError(f"{deb}: data.tar.zst needs dpkg-deb or zstd")
                with tarfile.open(fileobj=io.BytesIO(body)) as tar:
                    if hasattr(tarfile, "data_filter"):  # Python >= 3.11.4 / 3.12
                        tar.extractall(dest, filter="data")
                    else:
                        tar.extractall(dest)
                break
        else:
            raise RuntimeError(f"{deb}: no data.tar member")
    marker.write_text(Path(deb).name)


def copy_licence(root: Path, package: str, licences_dir: Path):
    """Copy <root>/usr/share/doc/<package>/copyright to
    licences_dir/<package>.copyright; returns the destination."""
    src = Path(root) / "usr/share/doc" / package / "copyright"
    if not src.exists():
        raise FileNotFoundError(f"{src} not found")
    dest = Path(licences_dir) / f"{package}.copyright"
    atomic_copy(src, dest)
    return dest


def ensure_music21(prog: str, args, version: str, script: Path):
    """Import music21 `version`, or set up `args.venv` (a venv with it) and re-run `script`
    inside it with the same arguments; `args.any_music21` accepts another version."""
    if args.venv:
        venv = args.venv.resolve()
        python = venv / "bin" / "python"
        if Path(sys.prefix).resolve() != venv:
            if not python.exists():
                log(prog, f"creating virtual environment {venv}")
                if subprocess.run([sys.executable, "-m", "venv", str(venv)]).returncode != 0:
                    fail(prog, f"could not create a venv in {venv} (Debian: apt-get install python3-venv)")
            check = subprocess.run([str(python), "-c", "import music21; print(music21.__version__)"],
                                   capture_output=True, text=True)
            if check.stdout.strip() != version:
                log(prog, f"pip install music21=={version} into {venv}")
                if subprocess.run([str(python), "-m", "pip", "install", "-q",
                                   f"music21=={version}"]).returncode != 0:
                    fail(prog, f"pip install music21=={version} failed in {venv}")
            os.execv(str(python), [str(python), str(script.resolve()), *sys.argv[1:]])
    try:
        import music21
    except ImportError:
        fail(prog, f"music21 not found; re-run with --venv DIR (makes a venv with music21=="
                   f"{version}) or 'python3 -m pip install music21=={version}'")
    if music21.__version__ != version and not args.any_music21:
        fail(prog, f"music21 {music21.__version__} found, {version} expected; use --venv DIR "
                   "or --any-music21")
    return music21


def main(argv: list[str]) -> int:
    if len(argv) == 4 and argv[1] == "extract-deb":
        extract_deb(Path(argv[2]), Path(argv[3]))
        return 0
    print(__doc__.strip(), file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
