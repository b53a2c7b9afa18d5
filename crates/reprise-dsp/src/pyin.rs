//! Probabilistic YIN (Mauch & Dixon, "pYIN: a fundamental frequency estimator using
//! probabilistic threshold distributions", ICASSP 2014), as librosa 0.11 computes it:
//! same parameters, same defaults, same quirks.
//!
//! 1. Each frame (centred, `frame_length` samples, `hop_length` apart) gives librosa's
//!    cumulative-mean-normalised difference `d'(τ)` for `τ` from `⌊sr/fmax⌋` to
//!    `min(⌈sr/fmin⌉, frame_length − 1)`, where `d(τ) = 2(r(0) − r(τ)) − Σ_{m<τ} y_m²` and
//!    `r` is the frame's autocorrelation (computed by FFT).
//! 2. Its troughs (local minima, plus the first lag if it is below the second) get
//!    probabilities: for each of `n_thresholds` thresholds `s`, weighted by a Beta
//!    prior (`beta_parameters`), the troughs below `s` share it by a Boltzmann prior on
//!    their rank (`boltzmann_parameter`, smaller periods first); when no trough is below
//!    `s`, `no_trough_prob` of its weight goes to the global minimum.
//! 3. Each trough, refined by parabolic interpolation, falls into one of `n_bins` pitch
//!    bins (`resolution` semitones wide from `fmin`; a candidate above the top bin is
//!    dropped, as librosa drops it). Its probability is the observation of the voiced
//!    state of that bin; the voiced probability is their sum (at most 1), and each
//!    unvoiced state observes `(1 − voiced)/n_bins`.
//! 4. A hidden Markov model over `2·n_bins` states (voiced and unvoiced per bin) with
//!    the transition `[[1−p, p], [p, 1−p]] ⊗ L` (`p = switch_prob`; `L` a triangular local
//!    transition spanning `max_transition_rate` octaves per second) is decoded by Viterbi,
//!    through [`crate::sequence::KronBanded`]: its banded structure makes each step
//!    `O(n_bins·width)` instead of `O(n_bins²)`, with the dense algorithm's result.
//!
//! Parity with `librosa.pyin` on float64 input is tested on committed fixtures
//! (`scripts/make_pyin_fixtures.py`). librosa computes in the input's precision: on
//! float32 input its difference function carries float32 rounding, which moves a few
//! trough heights across thresholds.

use crate::frame::{Framing, PadMode};
use crate::sequence::{log_prob, pairwise_sum, transition_local, transition_loop, KronBanded, LocalWindow};
use rayon::prelude::*;
use realfft::{ComplexToReal, RealToComplex};
use reprise_core::{invalid, Result};
use std::sync::Arc;

/// pYIN settings. `Default` is librosa 0.11's `pyin`, with `fmin` = C2 (65.4 Hz) and
/// `fmax` = C7 (2093 Hz), the bounds librosa recommends (it has no defaults for them).
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(default)]
pub struct PyinConfig {
    /// Lowest f0, Hz (C2 = 65.4 Hz). The lowest pitch bin.
    pub fmin: f64,
    /// Highest f0, Hz (C7 = 2093 Hz); at most `sr/2`.
    pub fmax: f64,
    /// Samples per frame (2048, about 93 ms at 22050 Hz); must exceed `sr/fmin + 1`.
    pub frame_length: usize,
    /// Samples between frames; `None`: `frame_length / 4` (512).
    pub hop_length: Option<usize>,
    /// Number of thresholds of the Beta prior (100).
    pub n_thresholds: usize,
    /// Shape parameters `(α, β)` of the Beta prior over thresholds (2, 18: mean 0.1).
    pub beta_parameters: [f64; 2],
    /// Shape of the Boltzmann prior over troughs (2); larger favours smaller periods.
    pub boltzmann_parameter: f64,
    /// Width of a pitch bin in semitones (0.1: ten bins per semitone).
    pub resolution: f64,
    /// Fastest pitch change, octaves per second (35.92).
    pub max_transition_rate: f64,
    /// Probability of switching between voiced and unvoiced (0.01).
    pub switch_prob: f64,
    /// Weight given to the global minimum for thresholds with no trough below (0.01).
    pub no_trough_prob: f64,
    /// Centre frame `t` on sample `t·hop_length` (pad `frame_length/2` each side).
    pub center: bool,
    /// Padding when centred (zeros).
    pub pad_mode: PadMode,
}

impl Default for PyinConfig {
    fn default() -> Self {
        PyinConfig {
            fmin: 65.406_391_325_149_66,
            fmax: 2_093.004_522_404_789,
            frame_length: 2048,
            hop_length: None,
            n_thresholds: 100,
            beta_parameters: [2.0, 18.0],
            boltzmann_parameter: 2.0,
            resolution: 0.1,
            max_transition_rate: 35.92,
            switch_prob: 0.01,
            no_trough_prob: 0.01,
            center: true,
            pad_mode: PadMode::Constant,
        }
    }
}

/// Most states the decoder will plan (its tables grow with `n_bins × width`).
const MAX_TABLE: usize = 1 << 26;

impl PyinConfig {
    /// Samples between frames (`frame_length / 4` unless given).
    pub fn hop_length(&self) -> usize {
        self.hop_length.unwrap_or(self.frame_length / 4)
    }

    /// Pitch bins per semitone, `⌈1/resolution⌉`.
    pub fn bins_per_semitone(&self) -> usize {
        (1.0 / self.resolution).ceil() as usize
    }

    /// Number of pitch bins, `⌊12·bins_per_semitone·log2(fmax/fmin)⌋ + 1`.
    pub fn n_bins(&self) -> usize {
        (12.0 * self.bins_per_semitone() as f64 * (self.fmax / self.fmin).log2()).floor() as usize + 1
    }

    /// Width of the local pitch transition in bins: the semitones one hop may move
    /// (`max_transition_rate·12·hop/sr`, rounded half to even as Python's `round`) times
    /// the bins per semitone, plus one.
    pub fn transition_width(&self, sr: u32) -> usize {
        let semis = (self.max_transition_rate * 12.0 * self.hop_length() as f64 / sr as f64).round_ties_even();
        semis as usize * self.bins_per_semitone() + 1
    }

    /// The centre frequency of each pitch bin, Hz.
    pub fn bin_frequencies(&self) -> Vec<f64> {
        let per_octave = (12 * self.bins_per_semitone()) as f64;
        (0..self.n_bins()).map(|i| self.fmin * 2f64.powf(i as f64 / per_octave)).collect()
    }

    /// Checks every field against `sr` (librosa's errors, and the ones it lacks).
    pub fn validate(&self, sr: u32) -> Result<()> {
        let nyquist = sr as f64 / 2.0;
        if sr == 0 {
            return Err(invalid("sr", "must be > 0"));
        }
        if !(self.fmin > 0.0 && self.fmin.is_finite()) {
            return Err(invalid("fmin", format!("{}: must be > 0 Hz (C2 = 65.4 Hz is librosa's recommendation)", self.fmin)));
        }
        if !(self.fmax.is_finite() && self.fmax > self.fmin) {
            return Err(invalid("fmax", format!("{} Hz: must exceed fmin ({} Hz)", self.fmax, self.fmin)));
        }
        if self.fmax > nyquist {
            return Err(invalid("fmax", format!("{} Hz is above the Nyquist frequency {nyquist} Hz", self.fmax)));
        }
        if self.frame_length == 0 || self.frame_length > crate::frame::MAX_FRAME {
            return Err(invalid("frame_length", format!("{}: must be between 1 and 2^24", self.frame_length)));
        }
        if sr as f64 / self.fmin >= self.frame_length as f64 - 1.0 {
            return Err(invalid(
                "fmin",
                format!(
                    "{} Hz is too low for frame_length {} at {sr} Hz: raise fmin to {:.3} Hz or frame_length to {}",
                    self.fmin,
                    self.frame_length,
                    sr as f64 / (self.frame_length as f64 - 1.0),
                    (sr as f64 / self.fmin).ceil() as usize + 2
                ),
            ));
        }
        let hop = self.hop_length();
        if hop == 0 || hop > crate::frame::MAX_HOP {
            return Err(invalid("hop_length", format!("{hop}: must be between 1 and 2^30")));
        }
        if self.n_thresholds == 0 || self.n_thresholds > 100_000 {
            return Err(invalid("n_thresholds", format!("{}: must be between 1 and 100000", self.n_thresholds)));
        }
        if !self.beta_parameters.iter().all(|p| *p > 0.0 && p.is_finite()) {
            return Err(invalid("beta_parameters", format!("{:?}: both must be > 0", self.beta_parameters)));
        }
        if !(self.boltzmann_parameter > 0.0 && self.boltzmann_parameter.is_finite()) {
            return Err(invalid("boltzmann_parameter", format!("{}: must be > 0", self.boltzmann_parameter)));
        }
        if !(self.resolution > 0.0 && self.resolution < 1.0) {
            return Err(invalid("resolution", format!("{}: must be in (0, 1) semitones", self.resolution)));
        }
        if !(self.max_transition_rate > 0.0 && self.max_transition_rate.is_finite()) {
            return Err(invalid("max_transition_rate", format!("{}: must be > 0 octaves per second", self.max_transition_rate)));
        }
        if !(self.switch_prob > 0.0 && self.switch_prob < 1.0) {
            return Err(invalid("switch_prob", format!("{}: must be in (0, 1)", self.switch_prob)));
        }
        if !(self.no_trough_prob >= 0.0 && self.no_trough_prob <= 1.0) {
            return Err(invalid("no_trough_prob", format!("{}: must be in [0, 1]", self.no_trough_prob)));
        }
        let (n, w) = (self.n_bins(), self.transition_width(sr));
        if n < 2 {
            return Err(invalid("fmax", format!("{} Hz to {} Hz holds a single pitch bin: widen the range", self.fmin, self.fmax)));
        }
        if w > n {
            return Err(invalid(
                "fmax",
                format!(
                    "{} Hz to {} Hz holds {n} pitch bins, fewer than one hop's transition width ({w} bins): widen the range, or lower max_transition_rate or hop_length",
                    self.fmin, self.fmax
                ),
            ));
        }
        if n.saturating_mul(w) > MAX_TABLE {
            return Err(invalid(
                "resolution",
                format!("{}: {n} pitch bins × {w} transitions is too many; use a coarser resolution", self.resolution),
            ));
        }
        Ok(())
    }

    /// librosa's warning when fewer than two periods of `fmin` fit in a frame.
    pub fn warning(&self, sr: u32) -> Option<String> {
        (sr as f64 / self.fmin >= (self.frame_length / 2) as f64).then(|| {
            format!(
                "with fmin {} Hz, sr {sr} Hz and frame_length {}, less than two periods of fmin fit in a frame, which can make the pitch inaccurate; consider fmin {:.3} Hz or frame_length {}",
                self.fmin,
                self.frame_length,
                sr as f64 / (self.frame_length as f64 / 2.0),
                (sr as f64 / self.fmin).ceil() as usize * 2 + 1
            )
        })
    }
}

/// pYIN's output per frame.
#[derive(Clone, Debug, PartialEq)]
pub struct PyinTrack {
    /// The decoded pitch of every frame, Hz, voiced or not (librosa's `fill_na=None`).
    pub f0_hz: Vec<f64>,
    /// Whether the decoded state is voiced.
    pub voiced: Vec<bool>,
    /// The probability that the frame is voiced (before decoding).
    pub voiced_prob: Vec<f64>,
}

impl PyinTrack {
    /// f0 with NaN in unvoiced frames (librosa's default `fill_na=np.nan`).
    pub fn f0_or_nan(&self) -> Vec<f64> {
        self.f0_hz.iter().zip(&self.voiced).map(|(f, v)| if *v { *f } else { f64::NAN }).collect()
    }

    /// Number of frames.
    pub fn len(&self) -> usize {
        self.f0_hz.len()
    }

    /// Whether there are no frames.
    pub fn is_empty(&self) -> bool {
        self.f0_hz.is_empty()
    }
}

/// One frame's observation: the voiced bins with non-zero probability, and the voiced
/// probability.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct FrameObservation {
    /// `(bin, probability)`, bins increasing, each bin once.
    pub bins: Vec<(u32, f64)>,
    /// Sum of the voiced probabilities, clipped to [0, 1].
    pub voiced_prob: f64,
}

/// A planned pYIN: priors, FFT plans and the decoder, reusable across signals.
pub struct Pyin {
    sr: u32,
    cfg: PyinConfig,
    framing: Framing,
    min_period: usize,
    max_period: usize,
    thresholds: Vec<f64>,
    beta_probs: Vec<f64>,
    n_bins: usize,
    fft_len: usize,
    fwd: Arc<dyn RealToComplex<f64>>,
    inv: Arc<dyn ComplexToReal<f64>>,
    decoder: KronBanded,
    freqs: Vec<f64>,
}

impl std::fmt::Debug for Pyin {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Pyin").field("sr", &self.sr).field("cfg", &self.cfg).finish_non_exhaustive()
    }
}

/// The smallest `2^a·3^b·5^c` at least `n`.
fn fast_len(n: usize) -> usize {
    let mut best = n.next_power_of_two();
    let mut p5 = 1;
    while p5 < best {
        let mut p35 = p5;
        while p35 < best {
            let mut p = p35;
            while p < n {
                p *= 2;
            }
            best = best.min(p);
            p35 *= 3;
        }
        p5 *= 5;
    }
    best
}

impl Pyin {
    /// Plans pYIN for signals sampled at `sr` Hz.
    pub fn new(sr: u32, cfg: &PyinConfig) -> Result<Pyin> {
        cfg.validate(sr)?;
        let framing = Framing { frame_length: cfg.frame_length, hop_length: cfg.hop_length(), center: cfg.center, pad_mode: cfg.pad_mode };
        framing.validate()?;
        let min_period = (sr as f64 / cfg.fmax).floor() as usize;
        let max_period = ((sr as f64 / cfg.fmin).ceil() as usize).min(cfg.frame_length - 1);
        let nt = cfg.n_thresholds;
        // np.linspace(0, 1, n + 1): i·(1/n), the last exactly 1
        let step = 1.0 / nt as f64;
        let mut thresholds: Vec<f64> = (0..=nt).map(|i| i as f64 * step).collect();
        thresholds[nt] = 1.0;
        let [a, b] = cfg.beta_parameters;
        let cdf: Vec<f64> = thresholds.iter().map(|&x| puruspe::betai(a, b, x)).collect();
        let beta_probs: Vec<f64> = cdf.windows(2).map(|w| w[1] - w[0]).collect();
        let n_bins = cfg.n_bins();
        let local = transition_local(n_bins, &[cfg.transition_width(sr)], LocalWindow::Triangle, false)?;
        let switch = transition_loop(2, &[1.0 - cfg.switch_prob])?;
        let decoder = KronBanded::new(switch.view(), local.view(), None)?;
        let fft_len = fast_len(cfg.frame_length + max_period + 1);
        Ok(Pyin {
            sr,
            cfg: cfg.clone(),
            framing,
            min_period,
            max_period,
            thresholds,
            beta_probs,
            n_bins,
            fft_len,
            fwd: reprise_core::fft::real_forward::<f64>(fft_len),
            inv: reprise_core::fft::real_inverse::<f64>(fft_len),
            decoder,
            freqs: cfg.bin_frequencies(),
        })
    }

    /// The configuration.
    pub fn config(&self) -> &PyinConfig {
        &self.cfg
    }

    /// The sample rate, Hz.
    pub fn sr(&self) -> u32 {
        self.sr
    }

    /// Number of frames for `len` samples.
    pub fn n_frames(&self, len: usize) -> Result<usize> {
        self.framing.count(len)
    }

    /// librosa's cumulative-mean-normalised difference of one frame, for lags
    /// `min_period..=max_period` (written to `out`), with `buf`/`spec` as FFT scratch.
    fn cmndf(&self, frame: &[f64], out: &mut [f64], buf: &mut [f64], spec: &mut [num_complex::Complex<f64>]) {
        let (minp, maxp) = (self.min_period, self.max_period);
        buf.fill(0.0);
        buf[..frame.len()].copy_from_slice(frame);
        self.fwd.process(buf, spec).expect("buffers sized by the plan");
        for c in spec.iter_mut() {
            *c = num_complex::Complex::new(c.norm_sqr(), 0.0);
        }
        self.inv.process(spec, buf).expect("buffers sized by the plan");
        let scale = 1.0 / self.fft_len as f64;
        let r0 = buf[0] * scale;
        // d(k) = 2 (r(0) − r(k)) − Σ_{m<k} y_m², its running sum, and d'(k) = d(k)·k/Σ
        let mut energy = 0.0;
        let mut cum = 0.0;
        for k in 1..=maxp {
            energy += frame[k - 1] * frame[k - 1];
            let d = 2.0 * (r0 - buf[k] * scale) - energy;
            cum += d;
            if k >= minp {
                let mean = cum / k as f64;
                out[k - minp] = d / (mean + f64::MIN_POSITIVE);
            }
        }
    }

    /// The observation of one frame from its normalised difference `y`.
    fn observe_frame(&self, y: &[f64]) -> FrameObservation {
        let n = y.len();
        let mut obs = FrameObservation::default();
        if n < 2 {
            return obs;
        }
        // troughs: the first lag if below the second, interior local minima, the last
        // lag if below the one before
        let mut troughs: Vec<usize> = Vec::new();
        if y[0] < y[1] {
            troughs.push(0);
        }
        for i in 1..n - 1 {
            if y[i] < y[i - 1] && y[i] <= y[i + 1] {
                troughs.push(i);
            }
        }
        if y[n - 1] < y[n - 2] {
            troughs.push(n - 1);
        }
        if troughs.is_empty() {
            return obs;
        }
        let lambda = self.cfg.boltzmann_parameter;
        let fact_num = 1.0 - (-lambda).exp();
        let mut probs = vec![0f64; troughs.len()];
        // for each threshold, the troughs below it share its weight by rank
        for (j, &thr) in self.thresholds[1..].iter().enumerate() {
            let below = troughs.iter().filter(|&&i| y[i] < thr).count();
            if below == 0 {
                continue;
            }
            let fact = fact_num / (1.0 - (-lambda * below as f64).exp());
            let mut rank = 0usize;
            for (t, &i) in troughs.iter().enumerate() {
                if y[i] < thr {
                    probs[t] += fact * (-lambda * rank as f64).exp() * self.beta_probs[j];
                    rank += 1;
                }
            }
        }
        let gmin = (0..troughs.len()).fold(0, |g, t| if y[troughs[t]] < y[troughs[g]] { t } else { g });
        let hmin = y[troughs[gmin]];
        let n_not_below = self.thresholds[1..].iter().filter(|&&thr| !(hmin < thr)).count();
        probs[gmin] += self.cfg.no_trough_prob * pairwise_sum(&self.beta_probs[..n_not_below]);
        // candidates: each trough with a non-zero probability, refined, into its bin
        let per_octave = (12 * self.cfg.bins_per_semitone()) as f64;
        let mut bins: Vec<(u32, f64)> = Vec::with_capacity(troughs.len());
        for (t, &i) in troughs.iter().enumerate() {
            if probs[t] == 0.0 {
                continue;
            }
            let shift = parabolic_shift(y, i);
            let period = (self.min_period + i) as f64 + shift;
            let f0 = self.sr as f64 / period;
            let bin = (per_octave * (f0 / self.cfg.fmin).log2()).round_ties_even().clamp(0.0, self.n_bins as f64) as usize;
            if bin >= self.n_bins {
                continue; // librosa writes it into the first unvoiced state, then overwrites it
            }
            match bins.iter_mut().find(|(b, _)| *b as usize == bin) {
                Some(slot) => slot.1 = probs[t], // numpy's fancy assignment: the last write wins
                None => bins.push((bin as u32, probs[t])),
            }
        }
        bins.sort_by_key(|b| b.0);
        let sum = bins.iter().fold(0.0, |s, b| s + b.1);
        obs.voiced_prob = sum.clamp(0.0, 1.0);
        obs.bins = bins;
        obs
    }

    /// The observations of every frame of `x` (the first stage of pYIN), in parallel.
    pub fn observe(&self, x: &[f32]) -> Result<Vec<FrameObservation>> {
        reprise_core::check_finite(x, "signal")?;
        let n_frames = self.framing.count(x.len())?;
        let fl = self.cfg.frame_length;
        let width = self.max_period - self.min_period + 1;
        let chunk = 64;
        let out: Vec<Vec<FrameObservation>> = (0..n_frames.div_ceil(chunk))
            .into_par_iter()
            .map(|c| {
                let mut frame32 = vec![0f32; fl];
                let mut frame = vec![0f64; fl];
                let mut y = vec![0f64; width];
                let mut buf = self.fwd.make_input_vec();
                let mut spec = self.fwd.make_output_vec();
                (c * chunk..((c + 1) * chunk).min(n_frames))
                    .map(|t| {
                        self.framing.fill(x, 0, x.len(), t, &mut frame32);
                        for (d, s) in frame.iter_mut().zip(&frame32) {
                            *d = *s as f64;
                        }
                        self.cmndf(&frame, &mut y, &mut buf, &mut spec);
                        self.observe_frame(&y)
                    })
                    .collect()
            })
            .collect();
        Ok(out.into_iter().flatten().collect())
    }

    /// Decodes observations into the pitch track.
    pub fn decode(&self, obs: &[FrameObservation]) -> Result<PyinTrack> {
        if obs.is_empty() {
            return Err(reprise_core::Error::Empty);
        }
        let n = self.n_bins;
        let zero = log_prob(0.0);
        let (states, _) = self.decoder.decode_rows(obs.len(), |t, row| {
            let o = &obs[t];
            row[..n].fill(zero);
            for &(b, p) in &o.bins {
                row[b as usize] = log_prob(p);
            }
            row[n..].fill(log_prob((1.0 - o.voiced_prob) / n as f64));
        })?;
        Ok(PyinTrack {
            f0_hz: states.iter().map(|&s| self.freqs[s % n]).collect(),
            voiced: states.iter().map(|&s| s < n).collect(),
            voiced_prob: obs.iter().map(|o| o.voiced_prob).collect(),
        })
    }

    /// f0, voicing and voiced probability of every frame of `x`.
    pub fn track(&self, x: &[f32]) -> Result<PyinTrack> {
        let obs = self.observe(x)?;
        self.decode(&obs)
    }
}

/// librosa's parabolic-interpolation shift at lag `i` (0 at the ends, and when the
/// parabola's vertex is more than one lag away).
fn parabolic_shift(y: &[f64], i: usize) -> f64 {
    if i == 0 || i + 1 >= y.len() {
        return 0.0;
    }
    let a = y[i + 1] + y[i - 1] - 2.0 * y[i];
    let b = (y[i + 1] - y[i - 1]) / 2.0;
    if b.abs() >= a.abs() {
        0.0
    } else {
        -b / a
    }
}

/// pYIN of `x` sampled at `sr` Hz (plans, then [`Pyin::track`]).
pub fn pyin(x: &[f32], sr: u32, cfg: &PyinConfig) -> Result<PyinTrack> {
    Pyin::new(sr, cfg)?.track(x)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fast_lengths() {
        assert_eq!(fast_len(2387), 2400);
        assert_eq!(fast_len(4096), 4096);
        assert_eq!(fast_len(1), 1);
        assert_eq!(fast_len(7), 8);
    }

    #[test]
    fn default_sizes_are_librosas() {
        let c = PyinConfig::default();
        assert_eq!(c.n_bins(), 601);
        assert_eq!(c.transition_width(22050), 101);
        assert_eq!(c.hop_length(), 512);
    }
}
