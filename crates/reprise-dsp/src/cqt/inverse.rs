//! The inverse CQT.

use super::*;

/// `librosa.icqt`: inverts a constant-Q transform made with `config` (γ = 0; `mode`
/// ignored) by the octave-wise transposed FFT kernels, as librosa 0.11 does:
/// octave groups from the lowest bin; per group, kernels at that group's rate, each bin
/// weighted by `√L_k` (when `scale`) and `n_fft / (L_k Σ|F_k|²)`, a rectangular-window
/// inverse STFT at the group's hop, upsampling to the full rate (rubato), and a sum.
/// `length` trims or zero-pads the output (and drops frames that cannot reach it).
///
/// Like librosa's, the reconstruction is approximate (its relative error is measured in
/// the tests); it improves with more bins per octave and shorter hops.
pub fn icqt(c: ndarray::ArrayView2<Complex32>, config: &CqtConfig, length: Option<usize>) -> Result<Vec<f32>> {
    let cfg = CqtConfig { gamma: Gamma::Fixed(0.0), ..*config };
    let filters = VqtFilters::design(&cfg)?;
    let (n_bins, mut n_frames) = c.dim();
    if n_bins != cfg.n_bins {
        return Err(Error::ShapeMismatch { expected: format!("{} bins (n_bins)", cfg.n_bins), got: format!("{n_bins} rows") });
    }
    if n_frames == 0 {
        return Err(Error::Empty);
    }
    if let Some(i) = c.iter().position(|v| !(v.re.is_finite() && v.im.is_finite())) {
        return Err(Error::NonFinite { what: "CQT value", index: i, value: f32::NAN });
    }
    let hop = cfg.hop_length;
    if let Some(len) = length {
        if len > crate::stft::MAX_OUTPUT {
            return Err(invalid("length", format!("{len} exceeds {} samples", crate::stft::MAX_OUTPUT)));
        }
        let max_len = filters.lengths.iter().cloned().fold(0.0, f64::max);
        n_frames = n_frames.min(((len as f64 + max_len) / hop as f64).ceil() as usize);
    }
    let bpo = cfg.bins_per_octave;
    let n_oct = cfg.n_octaves();
    // rates and hops, lowest group first
    let mut rates = vec![(cfg.sr as f64, hop)];
    for _ in 1..n_oct {
        let (sr0, h0) = rates[0];
        let next = if h0 % 2 == 0 { (sr0 / 2.0, h0 / 2) } else { (sr0, h0) };
        rates.insert(0, next);
    }
    let mut y: Vec<f32> = Vec::new();
    for (i, (sr_i, hop_i)) in rates.iter().enumerate() {
        let lo = bpo * i;
        let hi = (lo + bpo).min(n_bins);
        if lo >= hi {
            break;
        }
        let sub = filters.subset(lo..hi, &cfg, *sr_i);
        let k = Kernels::build(&sub, &cfg, *sr_i, 1.0, false);
        let n_freqs = k.n_fft / 2 + 1;
        // per bin weight: √L (scale) · n_fft / (L · Σ|F|²), with full-rate L
        let weights: Vec<f32> = k
            .rows
            .iter()
            .zip(&filters.lengths[lo..hi])
            .map(|(row, l)| {
                let energy: f64 = row.iter().map(|(_, w)| (w.norm_sqr()) as f64).sum();
                let s = if cfg.scale { l.sqrt() } else { 1.0 };
                (s * k.n_fft as f64 / (l * energy.max(f64::MIN_POSITIVE))) as f32
            })
            .collect();
        let mut d = vec![Complex32::new(0.0, 0.0); n_freqs * n_frames];
        for t in 0..n_frames {
            let col = &mut d[t * n_freqs..(t + 1) * n_freqs];
            for (b, (row, w)) in k.rows.iter().zip(&weights).enumerate() {
                let v = c[[lo + b, t]] * *w;
                for (m, f) in row {
                    col[*m as usize] += f.conj() * v;
                }
            }
        }
        let stft_cfg = StftConfig {
            n_fft: k.n_fft,
            hop_length: Some(*hop_i),
            win_length: None,
            window: Window::Rectangular,
            center: true,
            pad_mode: cfg.pad_mode,
        };
        let view = ndarray::ArrayView2::from_shape((n_freqs, n_frames).f(), &d).expect("shape");
        let part = crate::stft::istft(view, &stft_cfg, None)?;
        let factor = (cfg.sr as f64 / sr_i).round() as u32;
        let part = if factor > 1 { crate::resample::resample(&part, 1, factor)? } else { part };
        if y.is_empty() {
            y = part;
        } else {
            for (a, b) in y.iter_mut().zip(&part) {
                *a += b;
            }
        }
    }
    if let Some(len) = length {
        y.resize(len, 0.0);
    }
    Ok(y)
}
