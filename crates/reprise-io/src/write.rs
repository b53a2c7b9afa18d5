//! Writing results atomically: a temporary file in the destination folder, then a
//! rename, so that an interrupted run never leaves a half-written output.

use crate::error::{IoError, Result};
use ndarray_npy::WritableElement;
use ndarray_npy::WriteNpyExt;
use std::io::Write;
use std::path::Path;

/// Writes a file atomically with `f` filling it ([`reprise_core::fs::write_atomic`]).
pub fn write_atomic(path: &Path, f: impl FnOnce(&mut dyn Write) -> std::io::Result<()>) -> Result<()> {
    reprise_core::fs::write_atomic(path, f).map_err(|e| IoError::io(path, e))
}

pub use reprise_core::fs::{check_writable, sweep_stale_temporaries};

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
