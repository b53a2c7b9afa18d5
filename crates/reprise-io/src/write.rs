//! Writing results atomically: a temporary file in the destination folder, then a
//! rename, so that an interrupted run never leaves a half-written output.

use crate::error::{IoError, Result};
use ndarray_npy::WritableElement;
use ndarray_npy::WriteNpyExt;
use std::io::{BufWriter, Write};
use std::path::Path;

/// Writes a file atomically with `f` filling it.
pub fn write_atomic(path: &Path, f: impl FnOnce(&mut dyn Write) -> std::io::Result<()>) -> Result<()> {
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    std::fs::create_dir_all(dir).map_err(|e| IoError::io(dir, e))?;
    let tmp = tempfile::Builder::new().prefix(&temp_prefix()).suffix(TEMP_SUFFIX).tempfile_in(dir).map_err(|e| IoError::io(dir, e))?;
    {
        let mut w = BufWriter::new(tmp.as_file());
        f(&mut w).map_err(|e| IoError::io(path, e))?;
        w.flush().map_err(|e| IoError::io(path, e))?;
    }
    tmp.as_file().sync_all().map_err(|e| IoError::io(path, e))?;
    // temporary files are created 0600; outputs get the usual 0644
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let _ = std::fs::set_permissions(tmp.path(), std::fs::Permissions::from_mode(0o644));
    }
    tmp.persist(path).map_err(|e| IoError::io(path, e.error))?;
    Ok(())
}

const TEMP_SUFFIX: &str = ".tmp";

/// Temporary files are named `.reprise-<pid>-<random>.tmp`, so that a later run can tell
/// those of a killed process from those of a live one.
fn temp_prefix() -> String {
    format!(".reprise-{}-", std::process::id())
}

/// Whether process `pid` is alive (Linux: `/proc/<pid>`); elsewhere `None`.
fn process_alive(pid: u32) -> Option<bool> {
    let proc = Path::new("/proc");
    proc.join("self").exists().then(|| proc.join(pid.to_string()).exists())
}

/// Removes, below `dir`, the temporary files that [`write_atomic`] left behind when its
/// process was killed (`kill -9`, power loss): those whose process is gone, and any older
/// than a day. Live processes' files are left alone. Returns how many were removed.
pub fn sweep_stale_temporaries(dir: &Path) -> usize {
    let mut removed = 0;
    let Ok(entries) = std::fs::read_dir(dir) else { return 0 };
    for e in entries.flatten() {
        let p = e.path();
        let Ok(ft) = e.file_type() else { continue };
        if ft.is_dir() {
            removed += sweep_stale_temporaries(&p);
            continue;
        }
        let name = e.file_name().to_string_lossy().to_string();
        let Some(rest) = name.strip_prefix(".reprise-").and_then(|r| r.strip_suffix(TEMP_SUFFIX)) else { continue };
        let pid = rest.split('-').next().and_then(|p| p.parse::<u32>().ok());
        let age_s = e.metadata().ok().and_then(|m| m.modified().ok()).and_then(|t| t.elapsed().ok()).map_or(0, |age| age.as_secs());
        let old = age_s > 86_400;
        let dead = match pid {
            Some(pid) => pid != std::process::id() && process_alive(pid) == Some(false),
            // written before temporaries carried a pid
            None => age_s > 3_600,
        };
        if (dead || old) && std::fs::remove_file(&p).is_ok() {
            removed += 1;
        }
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

/// Writes a 2-D array as `.npy` (float32 or complex64 for Reprise's outputs).
pub fn write_npy<T: WritableElement, D: ndarray::Dimension>(path: &Path, a: &ndarray::Array<T, D>) -> Result<()> {
    write_atomic(path, |w| a.write_npy(w).map_err(|e| std::io::Error::other(e.to_string())))
}

/// Writes a JSON value, pretty-printed.
pub fn write_json<T: serde::Serialize>(path: &Path, value: &T) -> Result<()> {
    write_atomic(path, |w| {
        serde_json::to_writer_pretty(&mut *w, value).map_err(std::io::Error::other)?;
        w.write_all(b"\n")
    })
}

/// Highest sample rate written or read (Hz).
pub const MAX_SAMPLE_RATE: u32 = 768_000;

fn check_rate(path: &Path, sr: u32) -> Result<()> {
    if sr == 0 || sr > MAX_SAMPLE_RATE {
        return Err(IoError::invalid(path, format!("sample rate {sr} Hz is out of range (1 to {MAX_SAMPLE_RATE} Hz)")));
    }
    Ok(())
}

/// Writes mono float32 samples as a 32-bit float WAV file (hound).
pub fn write_wav(path: &Path, samples: &[f32], sr: u32) -> Result<()> {
    check_rate(path, sr)?;
    if let Some(i) = samples.iter().position(|v| !v.is_finite()) {
        return Err(IoError::Signal {
            path: path.to_owned(),
            source: reprise_core::Error::NonFinite { what: "sample", index: i, value: samples[i] },
        });
    }
    let spec = hound::WavSpec { channels: 1, sample_rate: sr, bits_per_sample: 32, sample_format: hound::SampleFormat::Float };
    let mut bytes = std::io::Cursor::new(Vec::with_capacity(samples.len() * 4 + 64));
    {
        let mut w = hound::WavWriter::new(&mut bytes, spec).map_err(|e| IoError::invalid(path, e.to_string()))?;
        for s in samples {
            w.write_sample(*s).map_err(|e| IoError::invalid(path, e.to_string()))?;
        }
        w.finalize().map_err(|e| IoError::invalid(path, e.to_string()))?;
    }
    let data = bytes.into_inner();
    write_atomic(path, |w| w.write_all(&data))
}

/// Writes mono samples as 16-bit PCM WAV (clipped to [-1, 1]).
pub fn write_wav_i16(path: &Path, samples: &[f32], sr: u32) -> Result<()> {
    check_rate(path, sr)?;
    let spec = hound::WavSpec { channels: 1, sample_rate: sr, bits_per_sample: 16, sample_format: hound::SampleFormat::Int };
    let mut bytes = std::io::Cursor::new(Vec::with_capacity(samples.len() * 2 + 64));
    {
        let mut w = hound::WavWriter::new(&mut bytes, spec).map_err(|e| IoError::invalid(path, e.to_string()))?;
        for s in samples {
            let v = (s.clamp(-1.0, 1.0) * 32767.0).round() as i16;
            w.write_sample(v).map_err(|e| IoError::invalid(path, e.to_string()))?;
        }
        w.finalize().map_err(|e| IoError::invalid(path, e.to_string()))?;
    }
    let data = bytes.into_inner();
    write_atomic(path, |w| w.write_all(&data))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stale_temporaries_of_dead_processes_are_swept_live_ones_kept() {
        let dir = tempfile::tempdir().unwrap();
        let sub = dir.path().join("a/b");
        std::fs::create_dir_all(&sub).unwrap();
        // a pid that cannot be alive (above Linux's pid_max), ours, and an ordinary file
        let dead = sub.join(".reprise-4294967294-x1y2.tmp");
        let live = sub.join(format!(".reprise-{}-z9.tmp", std::process::id()));
        let other = sub.join("song.npy");
        for p in [&dead, &live, &other] {
            std::fs::write(p, b"partial").unwrap();
        }
        let n = sweep_stale_temporaries(dir.path());
        if process_alive(1).is_some() {
            assert_eq!(n, 1);
            assert!(!dead.exists());
        }
        assert!(live.exists() && other.exists());
        // and write_atomic's own temporaries carry this process's id
        assert!(temp_prefix().contains(&std::process::id().to_string()));
    }
}
