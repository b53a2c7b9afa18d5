//! Frame-wise spectral descriptors used by classical pipelines, as in
//! `librosa.feature`: centroid, bandwidth, roll-off, flatness (on the magnitude
//! STFT), and `rms`, `zero_crossing_rate` (on time-domain frames).

use crate::convert::fft_frequencies;
use crate::frame::{Framing, PadMode};
use crate::mel::frames_to_array;
use crate::stft::{Stft, StftConfig};
use ndarray::{Array2, ArrayView2};
use reprise_core::{check_finite, invalid, Result};
use serde::{Deserialize, Serialize};

/// A spectral descriptor computed from one magnitude-spectrum frame.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Descriptor {
    /// Magnitude-weighted mean frequency, Hz.
    Centroid,
    /// `(Σ S·|f − centroid|^p / Σ S)^(1/p)`, Hz (`p` = 2 by default).
    Bandwidth {
        /// Order of the deviation (librosa `p`, default 2).
        p: f64,
    },
    /// Lowest frequency below which `roll_percent` of the magnitude sum lies, Hz.
    Rolloff {
        /// Fraction in (0, 1) (default 0.85).
        roll_percent: f64,
    },
    /// Geometric over arithmetic mean of `max(amin, S^power)` (Wiener entropy).
    Flatness {
        /// Floor (default 1e-10).
        amin: f32,
        /// Exponent (default 2).
        power: f32,
    },
}

impl Descriptor {
    /// librosa's defaults for each descriptor, by name: `centroid`, `bandwidth`,
    /// `rolloff`, `flatness`.
    pub fn by_name(name: &str) -> Option<Self> {
        Some(match name {
            "centroid" => Descriptor::Centroid,
            "bandwidth" => Descriptor::Bandwidth { p: 2.0 },
            "rolloff" => Descriptor::Rolloff { roll_percent: 0.85 },
            "flatness" => Descriptor::Flatness { amin: 1e-10, power: 2.0 },
            _ => return None,
        })
    }

    /// The descriptor's name: `centroid`, `bandwidth`, `rolloff` or `flatness`.
    pub fn name(&self) -> &'static str {
        match self {
            Descriptor::Centroid => "centroid",
            Descriptor::Bandwidth { .. } => "bandwidth",
            Descriptor::Rolloff { .. } => "rolloff",
            Descriptor::Flatness { .. } => "flatness",
        }
    }

    /// Checks the descriptor's parameters.
    pub fn validate(&self) -> Result<()> {
        match *self {
            Descriptor::Rolloff { roll_percent } if !(roll_percent > 0.0 && roll_percent < 1.0) => {
                Err(invalid("roll_percent", format!("{roll_percent} must lie in (0, 1)")))
            }
            Descriptor::Flatness { amin, .. } if !(amin > 0.0) => Err(invalid("amin", "must be > 0")),
            Descriptor::Bandwidth { p } if !(p > 0.0) => Err(invalid("p", "must be > 0")),
            _ => Ok(()),
        }
    }

    /// The descriptor of one magnitude frame `s` with bin frequencies `freqs`.
    pub fn frame(&self, s: &[f32], freqs: &[f64]) -> f64 {
        match *self {
            Descriptor::Centroid => centroid(s, freqs),
            Descriptor::Bandwidth { p } => {
                let c = centroid(s, freqs);
                let total: f64 = s.iter().map(|v| *v as f64).sum();
                let norm = if total >= f32::MIN_POSITIVE as f64 { total } else { 1.0 };
                s.iter().zip(freqs).map(|(v, f)| (*v as f64 / norm) * (f - c).abs().powf(p)).sum::<f64>().powf(1.0 / p)
            }
            Descriptor::Rolloff { roll_percent } => {
                // float32 running sum and threshold, as numpy's cumsum on librosa's float32 S
                let total: f32 = s.iter().sum();
                let thr = roll_percent as f32 * total;
                let mut acc = 0.0f32;
                for (v, f) in s.iter().zip(freqs) {
                    acc += *v;
                    if acc >= thr {
                        return *f;
                    }
                }
                *freqs.last().unwrap_or(&0.0)
            }
            Descriptor::Flatness { amin, power } => {
                let n = s.len() as f64;
                let (mut log_sum, mut sum) = (0.0f64, 0.0f64);
                for v in s {
                    let x = v.powf(power).max(amin) as f64;
                    log_sum += x.ln();
                    sum += x;
                }
                (log_sum / n).exp() / (sum / n)
            }
        }
    }
}

fn centroid(s: &[f32], freqs: &[f64]) -> f64 {
    let total: f64 = s.iter().map(|v| *v as f64).sum();
    let norm = if total >= f32::MIN_POSITIVE as f64 { total } else { 1.0 };
    s.iter().zip(freqs).map(|(v, f)| f * (*v as f64 / norm)).sum()
}

/// A spectral descriptor of `y`, shape `(1, n_frames)`, computed on `|STFT(y)|`.
pub fn spectral_descriptor(y: &[f32], sr: u32, stft: &StftConfig, d: Descriptor) -> Result<Array2<f32>> {
    d.validate()?;
    let plan = Stft::new(stft)?;
    let freqs = fft_frequencies(sr, stft.n_fft);
    let mut mag = vec![0.0f32; stft.n_freqs()];
    let mut out = Vec::new();
    let n = plan.for_each_frame(y, |_, spec| {
        crate::stft::magnitudes_pow(spec, 1.0, &mut mag);
        out.push(d.frame(&mag, &freqs) as f32);
    })?;
    Ok(frames_to_array(out, 1, n))
}

/// A spectral descriptor of a magnitude spectrogram already computed, `(1 + n_fft/2,
/// n_frames)` with `n_fft = 2·(rows − 1)` (librosa's `S=` input); shape `(1, n_frames)`.
pub fn descriptor_from_spectrogram(s: ArrayView2<f32>, sr: u32, d: Descriptor) -> Result<Array2<f32>> {
    d.validate()?;
    let rows = s.nrows();
    if rows < 2 {
        return Err(invalid("S", format!("has {rows} frequency row(s); a spectrogram has 1 + n_fft/2 ≥ 2")));
    }
    if s.iter().any(|v| !(*v >= 0.0)) {
        return Err(invalid("S", format!("spectral {} is only defined for non-negative magnitudes (give np.abs(D))", d.name())));
    }
    let freqs = fft_frequencies(sr, 2 * (rows - 1));
    Ok(crate::filters::map_frames(s, 1, |frame, out| out[0] = d.frame(frame, &freqs) as f32))
}

/// `librosa.feature.rms(S=s, frame_length=…)`: the RMS of each frame from its magnitude
/// spectrum (Parseval, with the DC and, for an even `frame_length`, the Nyquist bin
/// halved); `s` must have `frame_length / 2 + 1` rows. Shape `(1, n_frames)`.
pub fn rms_from_spectrogram(s: ArrayView2<f32>, frame_length: usize) -> Result<Array2<f32>> {
    if s.nrows() != frame_length / 2 + 1 {
        return Err(invalid(
            "frame_length",
            format!("{frame_length} does not match S's {} rows: give {} or {}", s.nrows(), 2 * s.nrows().max(1) - 2, 2 * s.nrows().max(1) - 1),
        ));
    }
    let last = s.nrows() - 1;
    let even = frame_length.is_multiple_of(2);
    Ok(crate::filters::map_frames(s, 1, |frame, out| {
        let total: f64 = frame
            .iter()
            .enumerate()
            .map(|(k, v)| {
                let x = *v as f64 * *v as f64;
                if k == 0 || (even && k == last) {
                    0.5 * x
                } else {
                    x
                }
            })
            .sum();
        out[0] = (2.0 * total / (frame_length * frame_length) as f64).sqrt() as f32;
    }))
}

/// `librosa.feature.spectral_centroid(y=y, sr=sr)` with the given STFT.
pub fn spectral_centroid(y: &[f32], sr: u32, stft: &StftConfig) -> Result<Array2<f32>> {
    spectral_descriptor(y, sr, stft, Descriptor::Centroid)
}
/// `librosa.feature.spectral_bandwidth(y=y, sr=sr)` (p = 2, normalised).
pub fn spectral_bandwidth(y: &[f32], sr: u32, stft: &StftConfig) -> Result<Array2<f32>> {
    spectral_descriptor(y, sr, stft, Descriptor::Bandwidth { p: 2.0 })
}
/// `librosa.feature.spectral_rolloff(y=y, sr=sr, roll_percent=0.85)`.
pub fn spectral_rolloff(y: &[f32], sr: u32, stft: &StftConfig, roll_percent: f64) -> Result<Array2<f32>> {
    spectral_descriptor(y, sr, stft, Descriptor::Rolloff { roll_percent })
}
/// `librosa.feature.spectral_flatness(y=y)` (amin 1e-10, power 2).
pub fn spectral_flatness(y: &[f32], stft: &StftConfig) -> Result<Array2<f32>> {
    spectral_descriptor(y, 22050, stft, Descriptor::Flatness { amin: 1e-10, power: 2.0 })
}

/// A descriptor of time-domain frames.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FrameDescriptor {
    /// Root mean square, `√(mean(x²))`. Centred frames are zero-padded (librosa default).
    Rms,
    /// Fraction of adjacent sample pairs whose sign differs (|x| ≤ 1e-10 counts as +0).
    /// Centred frames are edge-padded, as librosa does.
    ZeroCrossingRate,
}

impl FrameDescriptor {
    /// The descriptor's short name: `rms` or `zcr`.
    pub fn name(self) -> &'static str {
        match self {
            FrameDescriptor::Rms => "rms",
            FrameDescriptor::ZeroCrossingRate => "zcr",
        }
    }

    /// The padding librosa uses for this descriptor when centring.
    pub fn pad_mode(self) -> PadMode {
        match self {
            FrameDescriptor::Rms => PadMode::Constant,
            FrameDescriptor::ZeroCrossingRate => PadMode::Edge,
        }
    }

    /// The value for one frame.
    pub fn frame(self, x: &[f32]) -> f64 {
        match self {
            FrameDescriptor::Rms => (x.iter().map(|v| (*v as f64) * (*v as f64)).sum::<f64>() / x.len() as f64).sqrt(),
            FrameDescriptor::ZeroCrossingRate => {
                let sign = |v: f32| if v.abs() <= 1e-10 { false } else { v.is_sign_negative() };
                let crossings = x.windows(2).filter(|w| sign(w[0]) != sign(w[1])).count();
                crossings as f64 / x.len() as f64
            }
        }
    }

    /// The framing for `frame_length`, `hop_length` and `center`.
    pub fn framing(self, frame_length: usize, hop_length: usize, center: bool) -> Framing {
        Framing { frame_length, hop_length, center, pad_mode: self.pad_mode() }
    }
}

/// `librosa.feature.rms` / `zero_crossing_rate` on `y`: shape `(1, n_frames)`.
/// librosa's defaults are `frame_length=2048, hop_length=512, center=True`.
pub fn frame_descriptor(y: &[f32], d: FrameDescriptor, frame_length: usize, hop_length: usize, center: bool) -> Result<Array2<f32>> {
    let framing = d.framing(frame_length, hop_length, center);
    framing.validate()?;
    check_finite(y, "sample")?;
    let n = framing.count(y.len())?;
    let mut frame = vec![0.0f32; frame_length];
    let out = (0..n)
        .map(|t| {
            framing.fill(y, 0, y.len(), t, &mut frame);
            d.frame(&frame) as f32
        })
        .collect();
    Ok(frames_to_array(out, 1, n))
}

/// `librosa.feature.rms(y=y, frame_length, hop_length, center)`.
pub fn rms(y: &[f32], frame_length: usize, hop_length: usize, center: bool) -> Result<Array2<f32>> {
    frame_descriptor(y, FrameDescriptor::Rms, frame_length, hop_length, center)
}

/// `librosa.feature.zero_crossing_rate(y, frame_length, hop_length, center)`.
pub fn zero_crossing_rate(y: &[f32], frame_length: usize, hop_length: usize, center: bool) -> Result<Array2<f32>> {
    frame_descriptor(y, FrameDescriptor::ZeroCrossingRate, frame_length, hop_length, center)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spectrogram_inputs_give_what_the_signal_gives() {
        let y: Vec<f32> = (0..8192).map(|i| ((i as f32) * 0.05).sin() * 0.5 + ((i as f32) * 0.31).sin() * 0.2).collect();
        let cfg = StftConfig { n_fft: 512, hop_length: Some(128), ..Default::default() };
        let mag = crate::stft(&y, &cfg).unwrap().mapv(|c| c.norm());
        for name in ["centroid", "bandwidth", "rolloff", "flatness"] {
            let d = Descriptor::by_name(name).unwrap();
            let a = spectral_descriptor(&y, 22050, &cfg, d).unwrap();
            let b = descriptor_from_spectrogram(mag.view(), 22050, d).unwrap();
            let err = a.iter().zip(&b).map(|(p, q)| (p - q).abs() / p.abs().max(1e-6)).fold(0.0f32, f32::max);
            assert!(err < 1e-4, "{name}: {err}");
        }
        assert!(descriptor_from_spectrogram((-&mag).view(), 22050, Descriptor::Centroid).is_err(), "negative magnitudes");
        // Parseval: with a rectangular window and no padding, the spectrum's RMS is the frame's
        let rect = StftConfig { window: crate::Window::Rectangular, center: false, ..cfg };
        let s = crate::stft(&y, &rect).unwrap().mapv(|c| c.norm());
        let from_s = rms_from_spectrogram(s.view(), 512).unwrap();
        let from_y = rms(&y, 512, 128, false).unwrap();
        assert_eq!(from_s.dim(), from_y.dim());
        for (p, q) in from_s.iter().zip(&from_y) {
            assert!((p - q).abs() < 1e-5 * q.max(1e-3), "{p} vs {q}");
        }
        assert!(rms_from_spectrogram(s.view(), 1024).is_err(), "frame_length must match the rows");
    }

    #[test]
    fn descriptors_of_a_single_bin() {
        let freqs: Vec<f64> = (0..5).map(|k| k as f64 * 100.0).collect();
        let s = [0.0, 0.0, 1.0, 0.0, 0.0];
        assert_eq!(Descriptor::Centroid.frame(&s, &freqs), 200.0);
        assert_eq!(Descriptor::by_name("bandwidth").unwrap().frame(&s, &freqs), 0.0);
        assert_eq!(Descriptor::by_name("rolloff").unwrap().frame(&s, &freqs), 200.0);
        let flat = Descriptor::by_name("flatness").unwrap().frame(&[1.0; 5], &freqs);
        assert!((flat - 1.0).abs() < 1e-12);
    }

    #[test]
    fn zcr_of_alternating_signal() {
        let x: Vec<f32> = (0..8).map(|i| if i % 2 == 0 { 1.0 } else { -1.0 }).collect();
        assert_eq!(FrameDescriptor::ZeroCrossingRate.frame(&x), 7.0 / 8.0);
        assert_eq!(FrameDescriptor::Rms.frame(&x), 1.0);
    }
}
