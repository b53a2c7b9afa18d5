//! How invariant a representation is to transposition and to time shifts, measured on
//! audio: the distance between a window's features and those of its transformed version,
//! relative to the distance between unrelated windows (issue 21's measure).
//!
//! Four representations of a 32-frame window (the CAE's CQT: 120 bins at 24 per octave from
//! 65.4 Hz, hop 1984 at 22050 Hz), one vector per frame `t`, for the window centred on `t`:
//!
//! - `cae`: the trained CAE's invariant magnitudes (256);
//! - `cqt`: the raw window, each frame standardised over its bins (120 × 32);
//! - `chroma`: the window's CQT magnitudes folded into 12 pitch classes (bin `b` → class
//!   `⌊b / 2⌋ mod 12`; 65.4 Hz is C2) (12 × 32);
//! - `pitch-fft`: the magnitude of the Fourier transform of each standardised frame along
//!   the pitch axis, a classical transposition invariant (61 × 32).
//!
//! **The measure.** Distances are cosine distances (the self-similarity matrix's). For a
//! transposition by `k` semitones, the pairs are frame `t` of a rendering and frame `t` of the
//! same MIDI rendered `k` semitones higher (the notes' times are the same); for a time shift
//! by `s` frames, frame `t` and frame `t + s` of one rendering. The unrelated pairs are frame
//! `t` and frame `t + F/2` (half the piece later, cyclically). The score is mean distance of
//! the pairs / mean distance of the unrelated pairs: 0 is invariant, about 1 is as far as an
//! unrelated window. Frames within half a window of either end are left out (their windows
//! are padded).

use std::path::Path;

use ndarray::Array2;

use crate::cae::{standardize_frames, CaeModel};
use crate::features::{extract_file_spec, ConstantQSpec, FeatureData, FeatureSpec};
use crate::{Error, Result};

/// The representations compared.
pub const REPRESENTATIONS: [&str; 4] = ["cae", "cqt", "chroma", "pitch-fft"];

/// The four representations of every frame of one recording, each `dims × frames`.
#[derive(Debug, Clone)]
pub struct Windows {
    /// In the order of [`REPRESENTATIONS`].
    pub features: [Array2<f32>; 4],
    /// Frames.
    pub frames: usize,
    /// Frames per window.
    pub length: usize,
}

/// The window of `length` frames centred on each frame of `x` (`rows × frames`), flattened
/// row-major (`rows × length`), zeros past the ends: `(rows · length) × frames`.
fn windows_of(x: &Array2<f32>, length: usize) -> Array2<f32> {
    let (rows, frames) = x.dim();
    let half = length / 2;
    let mut out = Array2::<f32>::zeros((rows * length, frames));
    for t in 0..frames {
        for r in 0..rows {
            for j in 0..length {
                let s = t as i64 - half as i64 + j as i64;
                if s >= 0 && (s as usize) < frames {
                    out[[r * length + j, t]] = x[[r, s as usize]];
                }
            }
        }
    }
    out
}

/// Computes [`Windows`] of an audio file with `model` (its CQT and window length).
pub fn windows(audio: &Path, model: &CaeModel) -> Result<Windows> {
    let spec = FeatureSpec::Cqt(ConstantQSpec { cqt: *model.cqt(), power: Some(1.0), db: None });
    let f = extract_file_spec(audio, &spec, 0.0, None)?;
    let FeatureData::Real(magnitudes) = f.data else {
        return Err(Error::Input { input: audio.display().to_string(), reason: "unexpected complex CQT".into() });
    };
    windows_of_cqt(&magnitudes, model).map_err(|e| match e {
        Error::Clip { reason, .. } => Error::Clip { path: audio.to_owned(), reason },
        e => e,
    })
}

/// [`Windows`] of CQT magnitudes (`n_bins × frames`).
pub fn windows_of_cqt(magnitudes: &Array2<f32>, model: &CaeModel) -> Result<Windows> {
    let (rows, frames) = magnitudes.dim();
    let length = model.config().length;
    let mut standard: Vec<f32> = magnitudes.as_standard_layout().iter().copied().collect();
    standardize_frames(&mut standard, rows, frames);
    let cae = model.encode(&standard, rows, frames, false)?.magnitudes;
    let standard = Array2::from_shape_vec((rows, frames), standard).expect("rows × frames");
    let mut chroma = Array2::<f32>::zeros((12, frames));
    for (b, row) in magnitudes.outer_iter().enumerate() {
        let class = (b * 12 / model.cqt().bins_per_octave.max(1)) % 12;
        chroma.row_mut(class).zip_mut_with(&row, |c, v| *c += v);
    }
    let fft = reprise_core::fft::real_forward::<f32>(rows);
    let mut spectrum = fft.make_output_vec();
    let mut pitch_fft = Array2::<f32>::zeros((spectrum.len(), frames));
    let mut frame = fft.make_input_vec();
    for t in 0..frames {
        frame.iter_mut().zip(standard.column(t)).for_each(|(d, v)| *d = *v);
        fft.process(&mut frame, &mut spectrum).expect("planned lengths");
        for (k, c) in spectrum.iter().enumerate() {
            pitch_fft[[k, t]] = c.norm();
        }
    }
    Ok(Windows { features: [cae, windows_of(&standard, length), windows_of(&chroma, length), windows_of(&pitch_fft, length)], frames, length })
}

fn cosine_distance(a: ndarray::ArrayView1<f32>, b: ndarray::ArrayView1<f32>) -> f64 {
    let (mut ab, mut aa, mut bb) = (0f64, 0f64, 0f64);
    for (x, y) in a.iter().zip(b) {
        ab += *x as f64 * *y as f64;
        aa += *x as f64 * *x as f64;
        bb += *y as f64 * *y as f64;
    }
    if aa == 0.0 || bb == 0.0 {
        return if aa == bb { 0.0 } else { 1.0 };
    }
    1.0 - ab / (aa * bb).sqrt()
}

/// The frames whose windows lie inside the recording.
fn inner(w: &Windows) -> std::ops::Range<usize> {
    let half = w.length / 2;
    half..w.frames.saturating_sub(half)
}

/// The relative distance of each representation (see the module documentation) between
/// `a` and `b` at the frame pairs `(t, t + shift)`: `b` is `a` itself for a time shift, a
/// transposed rendering for a transposition (`shift` 0). `None` when the recordings are too
/// short for one pair.
pub fn relative_distances(a: &Windows, b: &Windows, shift: usize) -> Option<[f64; 4]> {
    let range = inner(a);
    let frames = a.frames.min(b.frames);
    let ts: Vec<usize> = range.clone().filter(|t| t + shift < range.end.min(frames)).collect();
    if ts.len() < 2 {
        return None;
    }
    let span = range.end - range.start;
    let mut out = [0f64; 4];
    for (i, o) in out.iter_mut().enumerate() {
        let (fa, fb) = (&a.features[i], &b.features[i]);
        let near: f64 = ts.iter().map(|&t| cosine_distance(fa.column(t), fb.column(t + shift))).sum::<f64>() / ts.len() as f64;
        let far: f64 = ts.iter().map(|&t| cosine_distance(fa.column(t), fa.column(range.start + (t - range.start + span / 2) % span))).sum::<f64>()
            / ts.len() as f64;
        *o = if far > 0.0 { near / far } else { f64::NAN };
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn windows_are_centred_and_the_pitch_fft_ignores_circular_shifts() {
        let x = Array2::from_shape_fn((2, 5), |(r, t)| (10 * r + t) as f32);
        let w = windows_of(&x, 4);
        // frame 2's window is frames 0..4 of each row
        assert_eq!(w.column(2).to_vec(), vec![0.0, 1.0, 2.0, 3.0, 10.0, 11.0, 12.0, 13.0]);
        // frame 0's starts two frames before the signal: zeros
        assert_eq!(w.column(0).to_vec(), vec![0.0, 0.0, 0.0, 1.0, 0.0, 0.0, 10.0, 11.0]);
        assert_eq!(cosine_distance(w.column(2), w.column(2)), 0.0);
        let model = CaeModel::builtin().unwrap();
        // a spectrum and the same rotated by 7 bins along pitch: equal |FFT|, other CQT windows
        let frames = 40;
        let a = Array2::from_shape_fn((120, frames), |(b, t)| ((b * 7 + t * 3) % 17) as f32 + 0.1);
        let rotated = Array2::from_shape_fn((120, frames), |(b, t)| a[[(b + 120 - 7) % 120, t]]);
        let (wa, wb) = (windows_of_cqt(&a, &model).unwrap(), windows_of_cqt(&rotated, &model).unwrap());
        let d = relative_distances(&wa, &wb, 0).unwrap();
        assert!(d[3] < 1e-6, "pitch-fft {d:?}");
        assert!(d[1] > 0.1, "cqt {d:?}");
    }
}
