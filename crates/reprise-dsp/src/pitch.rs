//! Fundamental-frequency estimation with YIN (de Cheveigné & Kawahara, "YIN, a fundamental
//! frequency estimator for speech and music", JASA 2002), with librosa's parameter names.
//!
//! Frames are not centred (frame `i` starts at sample `i·hop_length`). For each frame of
//! `frame_length` samples the difference function
//! `d(τ) = Σ_{j<W} (x_j − x_{j+τ})²`, `W = frame_length − τ_max`, is computed through an
//! FFT cross-correlation, normalised by its cumulative mean, and the first lag whose
//! normalised value dips below `trough_threshold` at a local minimum is taken (the global
//! minimum if none does), refined by parabolic interpolation.

use crate::Result;
use reprise_core::invalid;

/// YIN settings. `Default` is librosa's `yin` (frame 2048, hop 512, threshold 0.1)
/// with `fmin` = 65.4 Hz (C2) and `fmax` = 2093 Hz (C7), librosa's usual bounds.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct YinConfig {
    /// Lowest f0 searched, Hz.
    pub fmin: f64,
    /// Highest f0 searched, Hz.
    pub fmax: f64,
    /// Samples per analysis frame; must exceed `sr/fmin` (the longest period).
    pub frame_length: usize,
    /// Samples between frames.
    pub hop_length: usize,
    /// Threshold on the cumulative-mean-normalised difference.
    pub trough_threshold: f64,
}

impl Default for YinConfig {
    fn default() -> Self {
        YinConfig { fmin: 65.406_391_325_149_66, fmax: 2_093.004_522_404_789, frame_length: 2048, hop_length: 512, trough_threshold: 0.1 }
    }
}

/// One frame's estimate.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct YinFrame {
    /// Estimated f0 in Hz.
    pub f0_hz: f64,
    /// The normalised difference at the chosen lag: near 0 for a periodic frame, near 1
    /// for noise or silence (an aperiodicity measure).
    pub aperiodicity: f64,
}

/// YIN f0 per frame of `x` sampled at `sr` Hz.
pub fn yin(x: &[f32], sr: u32, cfg: &YinConfig) -> Result<Vec<YinFrame>> {
    if !(cfg.fmin.is_finite() && cfg.fmin > 0.0 && cfg.fmax.is_finite() && cfg.fmax > cfg.fmin) {
        return Err(invalid("fmin", format!("fmin {} and fmax {}: need 0 < fmin < fmax", cfg.fmin, cfg.fmax)));
    }
    if cfg.fmax > sr as f64 / 2.0 {
        return Err(invalid("fmax", format!("{} Hz is above the Nyquist frequency {} Hz", cfg.fmax, sr as f64 / 2.0)));
    }
    if cfg.hop_length == 0 {
        return Err(invalid("hop_length", "must be ≥ 1"));
    }
    if !(cfg.trough_threshold.is_finite() && cfg.trough_threshold > 0.0) {
        return Err(invalid("trough_threshold", format!("{}: must be > 0", cfg.trough_threshold)));
    }
    reprise_core::check_finite(x, "signal")?;
    let tau_min = ((sr as f64 / cfg.fmax).floor() as usize).max(1);
    let tau_max = (sr as f64 / cfg.fmin).ceil() as usize;
    if tau_max + 2 >= cfg.frame_length {
        return Err(invalid(
            "frame_length",
            format!("{} samples is too short for fmin {} Hz at {sr} Hz: it must exceed {} samples", cfg.frame_length, cfg.fmin, tau_max + 2),
        ));
    }
    if x.len() < cfg.frame_length {
        return Ok(Vec::new());
    }
    let w = cfg.frame_length - tau_max;
    let n_fft = (cfg.frame_length + w).next_power_of_two();
    let fwd = reprise_core::fft::real_forward::<f64>(n_fft);
    let inv = reprise_core::fft::real_inverse::<f64>(n_fft);
    let mut a = fwd.make_input_vec();
    let mut b = fwd.make_input_vec();
    let mut sa = fwd.make_output_vec();
    let mut sb = fwd.make_output_vec();
    let mut d = vec![0f64; tau_max + 1];
    let n_frames = 1 + (x.len() - cfg.frame_length) / cfg.hop_length;
    let mut out = Vec::with_capacity(n_frames);
    for i in 0..n_frames {
        let frame = &x[i * cfg.hop_length..i * cfg.hop_length + cfg.frame_length];
        // r(τ) = Σ_{j<W} x_j x_{j+τ}: correlate the first W samples with the whole frame
        a.iter_mut().for_each(|v| *v = 0.0);
        b.iter_mut().for_each(|v| *v = 0.0);
        for (k, &v) in frame.iter().enumerate() {
            b[k] = v as f64;
        }
        for (k, &v) in frame[..w].iter().enumerate() {
            a[k] = v as f64;
        }
        fwd.process(&mut a, &mut sa).map_err(|e| invalid("fft", e.to_string()))?;
        fwd.process(&mut b, &mut sb).map_err(|e| invalid("fft", e.to_string()))?;
        for (p, q) in sa.iter_mut().zip(&sb) {
            *p = p.conj() * q;
        }
        inv.process(&mut sa, &mut a).map_err(|e| invalid("fft", e.to_string()))?;
        let scale = 1.0 / n_fft as f64;
        // energies of the windows starting at 0 and at τ
        let e0: f64 = frame[..w].iter().map(|&v| (v as f64).powi(2)).sum();
        let mut et = e0;
        d[0] = 0.0;
        for tau in 1..=tau_max {
            et += (frame[tau + w - 1] as f64).powi(2) - (frame[tau - 1] as f64).powi(2);
            d[tau] = (e0 + et - 2.0 * a[tau] * scale).max(0.0);
        }
        // cumulative-mean-normalised difference
        let mut cum = 0.0;
        let mut dn = vec![1.0f64; tau_max + 1];
        for tau in 1..=tau_max {
            cum += d[tau];
            dn[tau] = if cum > 0.0 { d[tau] * tau as f64 / cum } else { 1.0 };
        }
        let lo = tau_min.max(1);
        let hi = tau_max - 1;
        let mut best = None;
        for tau in lo..=hi {
            if dn[tau] < cfg.trough_threshold && dn[tau] <= dn[tau - 1] && dn[tau] <= dn[tau + 1] {
                best = Some(tau);
                break;
            }
        }
        let tau = best.unwrap_or_else(|| (lo..=hi).min_by(|&p, &q| dn[p].total_cmp(&dn[q])).unwrap_or(lo));
        // parabolic interpolation of the trough
        let (l, c, r) = (dn[tau - 1], dn[tau], dn[tau + 1]);
        let denom = l - 2.0 * c + r;
        let shift = if denom.abs() > 1e-12 { (0.5 * (l - r) / denom).clamp(-1.0, 1.0) } else { 0.0 };
        out.push(YinFrame { f0_hz: sr as f64 / (tau as f64 + shift), aperiodicity: c });
    }
    Ok(out)
}
