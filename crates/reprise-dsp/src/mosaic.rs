//! Audio mosaicing (after Burred, "Cross-synthesis based on spectrogram factorization" /
//! MFCC-domain unit selection, 2014): each frame of the input is replaced by the frames of
//! a timbre corpus nearest to it in the MFCC domain, overlap-added.
//!
//! Frames are `n_fft` samples every `hop_length`, centred (zero-padded ends). The input and
//! the corpus are described by `n_mfcc` MFCCs without the 0th (the frame's level), so that
//! frames are matched by spectral shape; the `k` nearest corpus frames (Euclidean) are
//! averaged, scaled to the input frame's RMS, Hann-windowed and overlap-added, normalised by
//! the summed window (a grain equal to its input frame gives the input back). The output has the input's length.

use crate::mel::{MelConfig, Mfcc, MfccConfig};
use crate::stft::StftConfig;
use crate::window::Window;
use ndarray::Array2;
use rayon::prelude::*;
use reprise_core::{invalid, Result};

/// Settings of [`mosaic`].
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct MosaicConfig {
    /// Sample rate of the input and the corpus, Hz.
    pub sr: u32,
    /// Samples per frame (2048).
    pub n_fft: usize,
    /// Samples between frames (512).
    pub hop_length: usize,
    /// MFCCs compared, after the 0th (13).
    pub n_mfcc: usize,
    /// Corpus frames averaged per input frame (1).
    pub k: usize,
}

impl Default for MosaicConfig {
    fn default() -> Self {
        MosaicConfig { sr: 22050, n_fft: 2048, hop_length: 512, n_mfcc: 13, k: 1 }
    }
}

impl MosaicConfig {
    fn mfcc(&self) -> MfccConfig {
        let stft = StftConfig { n_fft: self.n_fft, hop_length: Some(self.hop_length), ..StftConfig::default() };
        MfccConfig { mel: MelConfig { sr: self.sr, stft, ..MelConfig::default() }, n_mfcc: self.n_mfcc + 1, ..MfccConfig::default() }
    }

    /// Checks the settings.
    pub fn validate(&self) -> Result<()> {
        if self.n_fft < 16 || self.n_fft > crate::frame::MAX_FRAME {
            return Err(invalid("n_fft", format!("{}: must be between 16 and 2^24", self.n_fft)));
        }
        if self.hop_length == 0 || self.hop_length > self.n_fft {
            return Err(invalid("hop_length", format!("{}: must be between 1 and n_fft ({})", self.hop_length, self.n_fft)));
        }
        if self.n_mfcc == 0 || self.n_mfcc > 127 {
            return Err(invalid("n_mfcc", format!("{}: must be between 1 and 127", self.n_mfcc)));
        }
        if self.k == 0 {
            return Err(invalid("k", "must be ≥ 1"));
        }
        self.mfcc().mel.validate()
    }
}

/// Frame `t` of `x` (centred on `t·hop`, zeros outside), `n` samples.
fn frame(x: &[f32], t: usize, hop: usize, n: usize) -> impl Iterator<Item = f32> + '_ {
    let start = (t * hop) as isize - (n / 2) as isize;
    (0..n).map(move |i| {
        let j = start + i as isize;
        if j >= 0 && (j as usize) < x.len() {
            x[j as usize]
        } else {
            0.0
        }
    })
}

/// The MFCCs 1..=n_mfcc of every frame, frames × coefficients.
fn features(x: &[f32], plan: &Mfcc) -> Result<Array2<f32>> {
    let m = plan.process(x)?;
    Ok(m.slice(ndarray::s![1.., ..]).t().to_owned())
}

/// The input rebuilt from the corpus's frames (see the module documentation). `corpus`
/// holds one or more signals (each framed on its own).
pub fn mosaic(input: &[f32], corpus: &[&[f32]], cfg: &MosaicConfig) -> Result<Vec<f32>> {
    cfg.validate()?;
    if input.is_empty() {
        return Err(reprise_core::Error::Empty);
    }
    reprise_core::check_finite(input, "input")?;
    let plan = Mfcc::new(&cfg.mfcc())?;
    let (n, hop) = (cfg.n_fft, cfg.hop_length);
    // the corpus: features and (signal, frame) of every frame
    let mut feats: Vec<f32> = Vec::new();
    let mut units: Vec<(usize, usize)> = Vec::new();
    for (s, sig) in corpus.iter().enumerate() {
        if sig.is_empty() {
            continue;
        }
        reprise_core::check_finite(sig, "timbre")?;
        let f = features(sig, &plan)?;
        for (t, row) in f.rows().into_iter().enumerate() {
            feats.extend(row.iter());
            units.push((s, t));
        }
    }
    if units.is_empty() {
        return Err(invalid("timbre", "the timbre corpus holds no audio"));
    }
    let d = cfg.n_mfcc;
    let k = cfg.k.min(units.len());
    let fin = features(input, &plan)?;
    let norms: Vec<f32> = feats.chunks(d).map(|c| c.iter().map(|v| v * v).sum()).collect();
    // the k nearest corpus frames of each input frame
    let nearest: Vec<Vec<usize>> = fin
        .rows()
        .into_iter()
        .collect::<Vec<_>>()
        .par_iter()
        .map(|q| {
            let qn: f32 = q.iter().map(|v| v * v).sum();
            let mut best: Vec<(f32, usize)> = Vec::with_capacity(k + 1);
            for (u, c) in feats.chunks(d).enumerate() {
                let dot: f32 = c.iter().zip(q.iter()).map(|(a, b)| a * b).sum();
                let dist = qn + norms[u] - 2.0 * dot;
                if best.len() < k || dist < best[k - 1].0 {
                    let pos = best.partition_point(|b| b.0 <= dist);
                    best.insert(pos, (dist, u));
                    best.truncate(k);
                }
            }
            best.into_iter().map(|b| b.1).collect()
        })
        .collect();
    let window = Window::Hann.periodic(n);
    let mut out = vec![0f64; input.len() + n];
    let mut wsum = vec![0f64; input.len() + n];
    let rms = |it: &mut dyn Iterator<Item = f32>| -> f64 {
        let (s, c) = it.fold((0f64, 0usize), |(s, c), v| (s + (v as f64).powi(2), c + 1));
        (s / c.max(1) as f64).sqrt()
    };
    let mut grain = vec![0f64; n];
    for (t, units_t) in nearest.iter().enumerate() {
        grain.fill(0.0);
        for &u in units_t {
            let (s, ft) = units[u];
            for (g, v) in grain.iter_mut().zip(frame(corpus[s], ft, hop, n)) {
                *g += v as f64 / units_t.len() as f64;
            }
        }
        let target = rms(&mut frame(input, t, hop, n));
        let have = rms(&mut grain.iter().map(|v| *v as f32));
        let gain = if have > 0.0 { target / have } else { 0.0 };
        // grain t is centred on sample t·hop: it lands at t·hop − n/2 (offset n/2 in `out`)
        let at = t * hop;
        for i in 0..n {
            if at + i < out.len() {
                out[at + i] += grain[i] * gain * window[i];
                wsum[at + i] += window[i];
            }
        }
    }
    Ok((0..input.len())
        .map(|j| {
            let (v, w) = (out[j + n / 2], wsum[j + n / 2]);
            if w > 1e-3 {
                (v / w) as f32
            } else {
                0.0
            }
        })
        .collect())
}
