//! The workspace's one atomic writer: a uniquely named temporary file in the destination
//! folder, synced, then renamed over the destination, so that an interrupted run never
//! leaves a half-written output and two writers of one file never mix their bytes (the
//! last rename wins, whole). Temporaries are named `.reprise-<pid>.<host>-<random>.tmp`
//! (`<host>`: 8 hex digits of the machine's name), so that a later run can tell those of a
//! killed process from those of a live one and remove them — on a shared file system, only
//! its own machine's: a process of another node cannot be looked up here.

use std::io::{BufWriter, Write};
use std::path::Path;

/// Suffix of every temporary file.
pub const TEMP_SUFFIX: &str = ".tmp";

/// Prefix of this process's temporaries (`.reprise-<pid>.<host>-`).
pub fn temp_prefix() -> String {
    format!(".reprise-{}.{}-", std::process::id(), host_tag())
}

/// 8 hex digits of this machine's name (`/proc/sys/kernel/hostname`, else `$HOSTNAME`),
/// `00000000` when it cannot be read.
pub fn host_tag() -> String {
    static TAG: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    TAG.get_or_init(|| {
        let name = std::fs::read_to_string("/proc/sys/kernel/hostname").ok().or_else(|| std::env::var("HOSTNAME").ok()).unwrap_or_default();
        let name = name.trim();
        if name.is_empty() {
            "00000000".into()
        } else {
            format!("{:08x}", crate::rng::fnv1a(name.as_bytes()) as u32)
        }
    })
    .clone()
}

/// Writes `path` atomically, `f` filling the file. Errors are the I/O errors of the folder,
/// the temporary or `f`; callers name the file.
pub fn write_atomic(path: &Path, f: impl FnOnce(&mut dyn Write) -> std::io::Result<()>) -> std::io::Result<()> {
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    std::fs::create_dir_all(dir)?;
    let tmp = tempfile::Builder::new().prefix(&temp_prefix()).suffix(TEMP_SUFFIX).tempfile_in(dir)?;
    {
        let mut w = BufWriter::new(tmp.as_file());
        f(&mut w)?;
        w.flush()?;
    }
    tmp.as_file().sync_all()?;
    // temporary files are created 0600; outputs get the usual 0644
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let _ = std::fs::set_permissions(tmp.path(), std::fs::Permissions::from_mode(0o644));
    }
    tmp.persist(path).map_err(|e| e.error)?;
    Ok(())
}

/// Creates a folder in `dir` named like the temporaries (so swept once its process is
/// gone) and keeps it: the caller fills it, then renames or removes it.
pub fn temp_dir_in(dir: &Path) -> std::io::Result<std::path::PathBuf> {
    Ok(tempfile::Builder::new().prefix(&temp_prefix()).suffix(TEMP_SUFFIX).tempdir_in(dir)?.keep())
}

/// Whether process `pid` is alive (Linux: `/proc/<pid>`); elsewhere `None`.
pub fn process_alive(pid: u32) -> Option<bool> {
    let proc = Path::new("/proc");
    proc.join("self").exists().then(|| proc.join(pid.to_string()).exists())
}

/// The process id and, when the name carries one, the host tag of a temporary
/// (`.reprise-<pid>.<host>-…`, or `.reprise-<pid>-…` as written before hosts were recorded).
fn owner_of(name: &str) -> Option<(u32, Option<&str>)> {
    let head = name.strip_prefix(".reprise-")?.split('-').next()?;
    match head.split_once('.') {
        Some((pid, host)) => Some((pid.parse().ok()?, Some(host))),
        None => Some((head.parse().ok()?, None)),
    }
}

/// Removes, below `dir`, the temporaries (files, and folders such as a training
/// checkpoint's) that a killed process left (`kill -9`, power loss): those of this machine
/// whose process is gone, and any older than a day (another machine's processes cannot be
/// looked up). Live processes' are left alone. Returns how many were removed.
pub fn sweep_stale_temporaries(dir: &Path) -> usize {
    let mut removed = 0;
    let Ok(entries) = std::fs::read_dir(dir) else { return 0 };
    for e in entries.flatten() {
        let p = e.path();
        let Ok(ft) = e.file_type() else { continue };
        let name = e.file_name().to_string_lossy().to_string();
        let ours = name.starts_with(".reprise-") && name.ends_with(TEMP_SUFFIX);
        if ft.is_dir() && !ours {
            removed += sweep_stale_temporaries(&p);
            continue;
        }
        if !ours {
            continue;
        }
        let age_s = e.metadata().ok().and_then(|m| m.modified().ok()).and_then(|t| t.elapsed().ok()).map_or(0, |age| age.as_secs());
        let here = host_tag();
        let dead = match owner_of(&name) {
            Some((pid, host)) if host.is_none_or(|h| h == here) => pid != std::process::id() && process_alive(pid) == Some(false),
            // another machine's: only its age tells
            Some(_) => false,
            // written before temporaries carried a pid
            None => age_s > 3_600,
        };
        if !(dead || age_s > 86_400) {
            continue;
        }
        let gone = if ft.is_dir() { std::fs::remove_dir_all(&p) } else { std::fs::remove_file(&p) };
        removed += usize::from(gone.is_ok());
    }
    removed
}

/// Creates `dir` if needed and checks that a file can be written in it (a probe named like
/// [`write_atomic`]'s temporaries, removed at once), so that a run can fail, or go on without
/// the folder, before it does any work.
pub fn check_writable(dir: &Path) -> std::io::Result<()> {
    std::fs::create_dir_all(dir)?;
    let probe = dir.join(format!("{}probe{TEMP_SUFFIX}", temp_prefix()));
    let written = std::fs::write(&probe, b"");
    let _ = std::fs::remove_file(&probe);
    written
}

/// What identifies an input's content for caches and resumable batches: its size and
/// modification time (recorded in sidecars as `{"bytes": …, "modified_unix_ns": …}`), so
/// that a changed input is recomputed. `None` fields: the file's metadata could not be read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Fingerprint {
    /// Size in bytes.
    pub bytes: Option<u64>,
    /// Modification time, nanoseconds since the Unix epoch.
    pub modified_unix_ns: Option<u64>,
}

impl Fingerprint {
    /// The fingerprint of the file at `path` now.
    pub fn of(path: &Path) -> Fingerprint {
        let meta = std::fs::metadata(path).ok();
        let modified =
            meta.as_ref().and_then(|m| m.modified().ok()).and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok()).map(|d| d.as_nanos() as u64);
        Fingerprint { bytes: meta.map(|m| m.len()), modified_unix_ns: modified }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn temporaries_of_dead_processes_are_swept_and_live_ones_kept() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        // a pid above the kernel's maximum (4 194 304) is never alive
        let dead = format!(".reprise-{}-x{TEMP_SUFFIX}", u32::MAX - 1);
        let live = format!("{}y{TEMP_SUFFIX}", temp_prefix());
        std::fs::write(d.join(&dead), b"").unwrap();
        std::fs::write(d.join(&live), b"").unwrap();
        std::fs::create_dir_all(d.join(format!(".reprise-{}-checkpoint{TEMP_SUFFIX}", u32::MAX - 1)).join("inner")).unwrap();
        std::fs::write(d.join("keep.npy"), b"").unwrap();
        let nested = d.join("a/b");
        std::fs::create_dir_all(&nested).unwrap();
        std::fs::write(nested.join(&dead), b"partial").unwrap();
        assert_eq!(sweep_stale_temporaries(d), if process_alive(1).is_some() { 3 } else { 0 });
        assert!(d.join(&live).exists() && d.join("keep.npy").exists());
        assert!(temp_prefix().contains(&std::process::id().to_string()));
        // another machine's temporary of a pid that is dead here is left (its process may
        // live there); so is a fresh one; one older than a day goes
        let elsewhere = format!(".reprise-{}.ffffffff-z{TEMP_SUFFIX}", u32::MAX - 1);
        assert_ne!(host_tag(), "ffffffff");
        std::fs::write(d.join(&elsewhere), b"").unwrap();
        assert_eq!(sweep_stale_temporaries(d), 0);
        assert!(d.join(&elsewhere).exists());
        assert_eq!(owner_of(&elsewhere), Some((u32::MAX - 1, Some("ffffffff"))));
        assert_eq!(owner_of(&format!(".reprise-12-abc{TEMP_SUFFIX}")), Some((12, None)));
        assert!(temp_prefix().ends_with(&format!(".{}-", host_tag())));
    }

    #[test]
    fn fingerprints_change_with_the_content() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("a.wav");
        std::fs::write(&p, b"abc").unwrap();
        let a = Fingerprint::of(&p);
        assert_eq!(a.bytes, Some(3));
        std::fs::write(&p, b"abcd").unwrap();
        assert_ne!(Fingerprint::of(&p), a);
        assert_eq!(Fingerprint::of(&dir.path().join("missing")), Fingerprint { bytes: None, modified_unix_ns: None });
    }

    #[test]
    fn writes_are_whole_or_absent() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("sub/out.txt");
        write_atomic(&p, |w| w.write_all(b"hello")).unwrap();
        assert_eq!(std::fs::read(&p).unwrap(), b"hello");
        let e = write_atomic(&p, |w| {
            w.write_all(b"partial")?;
            Err(std::io::Error::other("interrupted"))
        });
        assert!(e.is_err());
        assert_eq!(std::fs::read(&p).unwrap(), b"hello", "a failed write leaves the old file");
        assert_eq!(std::fs::read_dir(dir.path().join("sub")).unwrap().count(), 1, "no temporary left");
    }
}
