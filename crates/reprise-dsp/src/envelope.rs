//! Cepstral spectral envelopes and cross-synthesis (timbre transfer by envelopes).
//!
//! The envelope of a magnitude spectrum `|S|` is `E = exp(DFT(w·IDFT(ln|S|)))`: the real
//! cepstrum `IDFT(ln|S|)`, liftered by `w` (the `lifter_order` lowest quefrencies on both
//! sides kept, the rest zeroed), back to the log spectrum and exponentiated (the seed's
//! `E = DFT(W_LP(IDFT(log|DFT(s)|)))`, taken in the log domain it lives in). Cross-synthesis
//! flattens the input's envelope and imposes the timbre's: per STFT frame,
//! `Y = X · E_timbre / E_input`, the input's phase kept, then the inverse STFT. The output
//! lasts as long as the longer of the two; the shorter is repeated.

use crate::stft::{istft, stft, StftConfig};
use ndarray::Array2;
use reprise_core::{invalid, Result};

/// Settings of [`cross_synthesize`].
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct CrossSynthesisConfig {
    /// The analysis: 2048-sample frames every 512 by default (93 ms at 22050 Hz).
    pub stft: StftConfig,
    /// Cepstral coefficients kept (30: quefrencies below 1.4 ms at 22050 Hz, under the
    /// period of any f0 below 735 Hz, so the envelope keeps the formants, not the partials).
    pub lifter_order: usize,
    /// Magnitude floor before the log (1e-8 of the frame's maximum); keeps silence finite.
    pub floor: f32,
}

impl Default for CrossSynthesisConfig {
    fn default() -> Self {
        CrossSynthesisConfig { stft: StftConfig::default(), lifter_order: 30, floor: 1e-8 }
    }
}

impl CrossSynthesisConfig {
    /// Checks the settings.
    pub fn validate(&self) -> Result<()> {
        self.stft.validate()?;
        if self.lifter_order == 0 || self.lifter_order > self.stft.n_fft / 2 {
            return Err(invalid("lifter_order", format!("{}: must be between 1 and n_fft/2 = {}", self.lifter_order, self.stft.n_fft / 2)));
        }
        if !(self.floor > 0.0 && self.floor < 1.0) {
            return Err(invalid("floor", format!("{}: must be in (0, 1)", self.floor)));
        }
        Ok(())
    }
}

/// One frame's envelope at a time, with its FFT plans and buffers.
struct Lifter {
    bins: usize,
    n: usize,
    order: usize,
    floor: f32,
    fwd: std::sync::Arc<dyn realfft::RealToComplex<f64>>,
    inv: std::sync::Arc<dyn realfft::ComplexToReal<f64>>,
    spec: Vec<num_complex::Complex64>,
    ceps: Vec<f64>,
}

impl Lifter {
    fn new(bins: usize, order: usize, floor: f32) -> Result<Lifter> {
        if bins < 2 {
            return Err(invalid("mag", format!("{bins} bins: need a spectrum of at least 2")));
        }
        let n = 2 * (bins - 1);
        if order == 0 || order > n / 2 {
            return Err(invalid("lifter_order", format!("{order}: must be between 1 and {}", n / 2)));
        }
        let fwd = reprise_core::fft::real_forward::<f64>(n);
        let inv = reprise_core::fft::real_inverse::<f64>(n);
        let (spec, ceps) = (fwd.make_output_vec(), inv.make_output_vec());
        Ok(Lifter { bins, n, order, floor, fwd, inv, spec, ceps })
    }

    /// The envelope of the magnitudes `mag` (`bins` values) into `out`.
    fn envelope(&mut self, mag: &[f32], out: &mut [f32]) -> Result<()> {
        let peak = mag.iter().fold(0f32, |m, v| m.max(*v));
        let lo = (peak * self.floor).max(f32::MIN_POSITIVE) as f64;
        for (s, &m) in self.spec.iter_mut().zip(mag) {
            *s = num_complex::Complex64::new((m as f64).max(lo).ln(), 0.0);
        }
        self.inv.process(&mut self.spec, &mut self.ceps).map_err(|e| invalid("fft", e.to_string()))?;
        // lifter: quefrencies 0..order and their mirror images
        let (n, order) = (self.n, self.order);
        for (q, c) in self.ceps.iter_mut().enumerate() {
            let keep = q < order || q > n - order;
            *c = if keep { *c / n as f64 } else { 0.0 };
        }
        self.fwd.process(&mut self.ceps, &mut self.spec).map_err(|e| invalid("fft", e.to_string()))?;
        for (o, s) in out[..self.bins].iter_mut().zip(&self.spec) {
            *o = s.re.exp() as f32;
        }
        Ok(())
    }
}

/// The cepstral envelopes of the magnitude frames (columns) of `mag` (bins × frames,
/// `bins = n_fft/2 + 1`), same shape.
pub fn cepstral_envelope(mag: &Array2<f32>, lifter_order: usize, floor: f32) -> Result<Array2<f32>> {
    let (bins, frames) = mag.dim();
    let mut lifter = Lifter::new(bins, lifter_order, floor)?;
    let mut out = Array2::<f32>::zeros((bins, frames));
    let (mut col, mut env) = (vec![0f32; bins], vec![0f32; bins]);
    for t in 0..frames {
        col.iter_mut().zip(mag.column(t)).for_each(|(c, m)| *c = *m);
        lifter.envelope(&col, &mut env)?;
        out.column_mut(t).iter_mut().zip(&env).for_each(|(o, e)| *o = *e);
    }
    Ok(out)
}

/// `x` repeated to `len` samples.
fn repeat_to(x: &[f32], len: usize) -> Vec<f32> {
    x.iter().cycle().take(len).copied().collect()
}

/// Imposes the cepstral envelope of `timbre` on `input` (same sample rate): the output has
/// the input's fine structure and phase, the timbre's envelope, the longer one's length,
/// and the input's peak level.
pub fn cross_synthesize(input: &[f32], timbre: &[f32], cfg: &CrossSynthesisConfig) -> Result<Vec<f32>> {
    cfg.validate()?;
    if input.is_empty() || timbre.is_empty() {
        return Err(reprise_core::Error::Empty);
    }
    reprise_core::check_finite(input, "input")?;
    reprise_core::check_finite(timbre, "timbre")?;
    let len = input.len().max(timbre.len());
    let (x, t) = (repeat_to(input, len), repeat_to(timbre, len));
    let mut sx = stft(&x, &cfg.stft)?;
    let st = stft(&t, &cfg.stft)?;
    drop((x, t));
    let bins = sx.nrows();
    let mut lifter = Lifter::new(bins, cfg.lifter_order, cfg.floor)?;
    let (mut mag, mut ex, mut et) = (vec![0f32; bins], vec![0f32; bins], vec![0f32; bins]);
    for (mut cx, ct) in sx.columns_mut().into_iter().zip(st.columns()) {
        mag.iter_mut().zip(cx.iter()).for_each(|(m, c)| *m = c.norm());
        lifter.envelope(&mag, &mut ex)?;
        mag.iter_mut().zip(ct.iter()).for_each(|(m, c)| *m = c.norm());
        lifter.envelope(&mag, &mut et)?;
        for ((c, &e_in), &e_t) in cx.iter_mut().zip(&ex).zip(&et) {
            // a silent input frame (envelope at the floor) stays silent
            let g = e_t as f64 / e_in as f64;
            *c *= if g.is_finite() && c.norm() > 0.0 { g.min(1e30) as f32 } else { 0.0 };
        }
    }
    drop(st);
    let y = sx;
    let mut out = istft(y.view(), &cfg.stft, Some(len))?;
    let peak_in = input.iter().fold(0f32, |m, v| m.max(v.abs()));
    let peak_out = out.iter().fold(0f32, |m, v| m.max(v.abs()));
    if peak_out > 0.0 && peak_in > 0.0 {
        let g = peak_in / peak_out;
        out.iter_mut().for_each(|v| *v *= g);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_envelope_of_a_smooth_spectrum_is_itself() {
        // a log spectrum made of the lowest cosines only passes the lifter unchanged
        let bins = 513;
        let n = 2 * (bins - 1);
        let mag = Array2::from_shape_fn((bins, 2), |(k, t)| {
            let w = std::f64::consts::TAU * k as f64 / n as f64;
            (0.5 * (w).cos() - 0.3 * (3.0 * w).cos() + 0.1 * t as f64).exp() as f32
        });
        let env = cepstral_envelope(&mag, 10, 1e-8).unwrap();
        for (a, b) in env.iter().zip(mag.iter()) {
            assert!((a / b - 1.0).abs() < 1e-5, "{a} vs {b}");
        }
    }

    #[test]
    fn the_envelope_smooths_away_harmonics() {
        // partials every 20 bins on a sloping envelope: the envelope follows the slope
        let bins = 513;
        let mag = Array2::from_shape_fn((bins, 1), |(k, _)| {
            let slope = (-(k as f32) / 200.0).exp();
            if k % 20 == 0 {
                slope
            } else {
                slope * 0.01
            }
        });
        let env = cepstral_envelope(&mag, 8, 1e-8).unwrap();
        let ratio = env[[100, 0]] / env[[400, 0]];
        let want = (300.0f32 / 200.0).exp();
        assert!((ratio / want - 1.0).abs() < 0.25, "{ratio} vs {want}");
        assert!(env[[100, 0]] < mag[[100, 0]] && env[[110, 0]] > mag[[110, 0]]);
    }
}
