//! Tuning estimation as librosa does it: `piptrack` peaks, a median magnitude
//! threshold, and a histogram of pitch residuals at 0.01-bin resolution
//! (`librosa.estimate_tuning`, `librosa.pitch_tuning`).

use crate::convert::linspace;
use crate::stft::power64;
use ndarray::{Array2, ArrayView1, ArrayView2};
use reprise_core::{invalid, Result};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// The tuning of a pitched transform (constant-Q, chroma): the one place it is decided.
///
/// `Bins(t)` shifts every centre frequency by `t` fractions of a bin (`t` in
/// `[-0.5, 0.5]`); `Estimate` asks for `librosa.estimate_tuning` on the signal before
/// planning (librosa's `tuning=None`). In JSON: a number, or `"estimate"` (`null`, the
/// earlier form, reads as `"estimate"`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Tuning {
    /// Estimate from the signal's spectral peaks.
    Estimate,
    /// A known offset in fractions of a bin.
    Bins(f64),
}

impl Tuning {
    /// The offset in bins; a plan needs it resolved first.
    pub fn bins(self) -> Result<f64> {
        match self {
            Tuning::Bins(t) => Ok(t),
            Tuning::Estimate => Err(invalid("tuning", "is still to be estimated: estimate it from the signal before planning the transform")),
        }
    }

    /// The offset, if known.
    pub fn known(self) -> Option<f64> {
        match self {
            Tuning::Bins(t) => Some(t),
            Tuning::Estimate => None,
        }
    }

    /// Checks a given offset lies in `[-0.5, 0.5]` (`what`: "bins", "chroma bins").
    pub fn validate(self, what: &str) -> Result<()> {
        match self {
            Tuning::Bins(t) if !(t.is_finite() && t.abs() <= 0.5) => Err(invalid("tuning", format!("{t} must lie in [-0.5, 0.5] {what}"))),
            _ => Ok(()),
        }
    }
}

impl From<Option<f64>> for Tuning {
    fn from(t: Option<f64>) -> Self {
        t.map_or(Tuning::Estimate, Tuning::Bins)
    }
}

impl Serialize for Tuning {
    fn serialize<S: Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        match self {
            Tuning::Bins(t) => s.serialize_f64(*t),
            Tuning::Estimate => s.serialize_str("estimate"),
        }
    }
}

impl<'de> Deserialize<'de> for Tuning {
    fn deserialize<D: Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Repr {
            Bins(f64),
            Word(String),
            Null(()),
        }
        match Repr::deserialize(d)? {
            Repr::Bins(t) => Ok(Tuning::Bins(t)),
            Repr::Null(()) => Ok(Tuning::Estimate),
            Repr::Word(w) if w == "estimate" => Ok(Tuning::Estimate),
            Repr::Word(w) => Err(serde::de::Error::custom(format!("`{w}` is not a tuning: give a number of bins or \"estimate\""))),
        }
    }
}

/// Peak-picking parameters of `librosa.piptrack`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PiptrackConfig {
    /// Sample rate in Hz.
    pub sr: u32,
    /// FFT length of the spectrogram.
    pub n_fft: usize,
    /// Lowest frequency considered, Hz (default 150).
    pub fmin: f64,
    /// Highest frequency considered (exclusive), Hz (default 4000).
    pub fmax: f64,
    /// A peak must exceed `threshold ×` the frame's maximum (default 0.1).
    pub threshold: f32,
}

impl PiptrackConfig {
    /// The bins searched, `lo..hi`: centre frequencies in `[max(fmin, 0), min(fmax, sr/2))`.
    fn search_range(&self) -> (usize, usize) {
        let fmin = self.fmin.max(0.0);
        let fmax = self.fmax.min(self.sr as f64 / 2.0);
        let n_freqs = self.n_fft / 2 + 1;
        let f = |k: usize| k as f64 * self.sr as f64 / self.n_fft as f64;
        let lo = (0..n_freqs).find(|&k| f(k) >= fmin).unwrap_or(n_freqs);
        let hi = (0..n_freqs).find(|&k| f(k) >= fmax).unwrap_or(n_freqs);
        (lo, hi)
    }
}

/// The peaks of one frame as `librosa.piptrack` picks them: bins of `lo..hi` that are local
/// maxima of the spectrum thresholded at `ref_value` (values not above it count as 0; a
/// strict rise on the left), each with its parabolic-interpolated frequency and magnitude,
/// passed to `emit(bin, frequency_hz, magnitude)` in ascending order. `s` holds bins
/// `offset .. offset + s.len()` of a frame of `n` bins and covers the range and one bin
/// either side; `scale` is `sr / n_fft`.
#[inline(always)]
fn frame_peaks(s: &[f32], offset: usize, n: usize, ref_value: f32, (lo, hi): (usize, usize), scale: f64, mut emit: impl FnMut(usize, f32, f32)) {
    let thr = |v: f32| if v > ref_value { v } else { 0.0 };
    for k in lo.max(1)..hi.min(n - 1) {
        let (sm, s0, sp) = (s[k - 1 - offset], s[k - offset], s[k + 1 - offset]);
        let (a, b, c) = (thr(sm), thr(s0), thr(sp));
        if !(b > a && b >= c) {
            continue;
        }
        // parabolic shift on the un-thresholded spectrum
        let pa = sp + sm - 2.0 * s0;
        let pb = (sp - sm) / 2.0;
        let shift = if pb.abs() >= pa.abs() { 0.0 } else { -pb / pa };
        let avg = 0.5 * (sp - sm);
        let pitch = ((k as f64 + shift as f64) * scale) as f32;
        emit(k, pitch, s0 + 0.5 * avg * shift);
    }
}

/// `librosa.piptrack(S=s, sr=…, fmin=…, fmax=…, threshold=…, ref=…)`: pitches and
/// magnitudes `(1 + n_fft/2, n_frames)` of a magnitude spectrogram `s` (`n_fft` is read from
/// `s`, `config.n_fft` is not used), zero except at each frame's peaks (see librosa's
/// documentation). `reference`, one value per frame, is the level a peak must exceed
/// (librosa's `ref` as a value, or `threshold · ref(S)` for a function); `None` uses
/// `threshold ×` the frame's maximum (librosa's default `ref=np.max`).
pub fn piptrack(s: ArrayView2<f32>, config: &PiptrackConfig, reference: Option<ArrayView1<f32>>) -> Result<(Array2<f32>, Array2<f32>)> {
    let (n, frames) = s.dim();
    if n < 2 {
        return Err(invalid("S", format!("has {n} frequency bin(s); a spectrogram of 1 + n_fft/2 bins needs at least 2")));
    }
    if let Some(r) = reference {
        if r.len() != frames {
            return Err(invalid("ref", format!("gives {} values for {frames} frames", r.len())));
        }
    }
    if s.iter().any(|v| !v.is_finite()) {
        return Err(invalid("S", "holds a non-finite value (NaN or infinity)"));
    }
    let config = PiptrackConfig { n_fft: 2 * (n - 1), ..*config };
    if config.sr == 0 || !(config.threshold >= 0.0) {
        return Err(invalid("piptrack", format!("sr={} and threshold={} must be positive", config.sr, config.threshold)));
    }
    let range = config.search_range();
    let scale = config.sr as f64 / config.n_fft as f64;
    let (mut pitches, mut mags) = (Array2::zeros((n, frames)), Array2::zeros((n, frames)));
    let mut column = vec![0.0f32; n];
    for t in 0..frames {
        column.iter_mut().zip(s.column(t)).for_each(|(c, v)| *c = *v);
        let level = match reference {
            Some(r) => r[t],
            None => config.threshold * column.iter().fold(0.0f32, |m, v| m.max(*v)),
        };
        frame_peaks(&column, 0, n, level, range, scale, |k, p, m| {
            pitches[[k, t]] = p;
            mags[[k, t]] = m;
        });
    }
    Ok((pitches, mags))
}

impl Default for PiptrackConfig {
    fn default() -> Self {
        Self { sr: 22050, n_fft: 2048, fmin: 150.0, fmax: 4000.0, threshold: 0.1 }
    }
}

/// Peaks kept exactly before the estimator switches to counts (4 Mi peaks, 32 MiB: about
/// 50 minutes of music at librosa's defaults).
pub const EXACT_PEAKS: usize = 1 << 22;

/// Accumulates spectral peaks frame by frame, then estimates the tuning.
/// Feeding it every frame of a spectrogram gives `librosa.estimate_tuning(S=S)`; use
/// [`TuningEstimator::estimate_with`], which feeds the frames a second time when the
/// signal is long.
///
/// librosa keeps every peak to take the median of their magnitudes. Up to
/// [`EXACT_PEAKS`] peaks this does the same; beyond, memory stays flat: each peak is
/// counted in a histogram of pitch residuals per magnitude bucket (the top 16 bits of the
/// magnitude's order-preserving bits), the buckets holding the middle magnitudes are known
/// when the pass ends, and a second pass over the same frames keeps only the peaks of those
/// buckets, which gives the exact median and the exact histogram above it: the same tuning.
#[derive(Debug, Clone)]
pub struct TuningEstimator {
    config: PiptrackConfig,
    bins_per_octave: usize,
    resolution: f64,
    k_range: (usize, usize),
    peaks: Vec<(f32, f32)>,
    exact_limit: usize,
    counts: Option<Box<Counts>>,
}

/// The flat-memory state of a [`TuningEstimator`] past [`EXACT_PEAKS`].
#[derive(Debug, Clone)]
struct Counts {
    /// Per magnitude bucket: peaks in it, and (allocated when first hit) their residual histogram.
    totals: Vec<u64>,
    rows: Vec<Option<Box<[u32]>>>,
    /// Peaks with a positive pitch.
    n: u64,
    /// After the first pass: the buckets of the two middle magnitudes, and the peaks of
    /// those buckets seen in the second pass `(magnitude, residual bin)`.
    middle: Option<(u16, u16)>,
    kept: Vec<(f32, Option<u16>)>,
    /// The residual histogram's bins.
    res: Residuals,
}

/// Order-preserving bucket of a magnitude: the top 16 bits of its total-order key.
fn bucket(m: f32) -> u16 {
    let b = m.to_bits();
    let key = if b & 0x8000_0000 != 0 { !b } else { b | 0x8000_0000 };
    (key >> 16) as u16
}

/// `librosa.pitch_tuning`'s histogram bins: `n` bins over `[-0.5, 0.5]`.
#[derive(Debug, Clone)]
struct Residuals {
    edges: Vec<f64>,
    norm: f64,
    bins_per_octave: f32,
}

impl Residuals {
    fn new(resolution: f64, bins_per_octave: usize) -> Residuals {
        let n_bins = (1.0 / resolution).ceil() as usize;
        let edges = linspace(-0.5, 0.5, n_bins + 1);
        let norm = n_bins as f64 / (edges[n_bins] - edges[0]);
        Residuals { edges, norm, bins_per_octave: bins_per_octave as f32 }
    }

    fn n_bins(&self) -> usize {
        self.edges.len() - 1
    }

    /// The bin of a frequency's residual `bins_per_octave · octs(f) mod 1` folded to
    /// `[-0.5, 0.5)`, or `None` (not positive, or outside the edges).
    fn bin(&self, f: f32) -> Option<usize> {
        if !(f > 0.0) {
            return None;
        }
        // computed in f32 like numpy on librosa's float32 pitches
        let octs = (f / (440.0f32 / 16.0)).log2();
        let mut r = (self.bins_per_octave * octs).rem_euclid(1.0);
        if r >= 0.5 {
            r -= 1.0;
        }
        let r = r as f64;
        let (e, n) = (&self.edges, self.n_bins());
        if !(e[0]..=e[n]).contains(&r) {
            return None;
        }
        let mut i = (((r - e[0]) * self.norm) as usize).min(n - 1);
        // numpy's correction against the exact edges
        if r < e[i] {
            i -= 1;
        } else if i + 1 < n && r >= e[i + 1] {
            i += 1;
        }
        Some(i)
    }

    /// The left edge of the fullest bin (the first on ties).
    fn best(&self, counts: &[u64]) -> f64 {
        let best = counts.iter().enumerate().fold(0, |b, (i, c)| if *c > counts[b] { i } else { b });
        self.edges[best]
    }
}

impl TuningEstimator {
    /// A new estimator; `bins_per_octave` = 12 for semitones, `resolution` = 0.01 bin.
    pub fn new(config: &PiptrackConfig, bins_per_octave: usize, resolution: f64) -> Result<Self> {
        if bins_per_octave == 0 {
            return Err(invalid("bins_per_octave", "must be at least 1"));
        }
        if !(resolution > 0.0 && resolution <= 1.0) {
            return Err(invalid("resolution", format!("{resolution} must be in (0, 1]")));
        }
        Ok(Self {
            config: *config,
            bins_per_octave,
            resolution,
            k_range: config.search_range(),
            peaks: Vec::new(),
            exact_limit: EXACT_PEAKS,
            counts: None,
        })
    }

    /// The same, keeping at most `limit` peaks exactly (tests of the flat-memory route).
    pub fn with_exact_limit(mut self, limit: usize) -> Self {
        self.exact_limit = limit;
        self
    }

    /// Adds the peaks of one spectrum frame (magnitude or power, non-negative).
    #[inline(always)]
    pub fn push_frame(&mut self, s: &[f32]) {
        // eight running maxima (a single chain would wait on every comparison)
        let mut lanes = [0.0f32; 8];
        let mut chunks = s.chunks_exact(8);
        for chunk in &mut chunks {
            for (m, v) in lanes.iter_mut().zip(chunk) {
                *m = if *v > *m { *v } else { *m };
            }
        }
        let max = lanes.iter().chain(chunks.remainder()).fold(0.0f32, |m, v| m.max(*v));
        self.push_peaks(s, 0, s.len(), max);
    }

    /// Adds the peaks of one complex spectrum frame (`1 + n_fft/2` bins, real parts in
    /// `re`, imaginary parts in `im`) of the magnitude spectrogram: the same as
    /// [`TuningEstimator::push_frame`] on `|X|`, with magnitudes taken only where peaks
    /// are looked for (the frame maximum comes from squared magnitudes). `mag` is scratch.
    #[inline(always)]
    pub fn push_parts(&mut self, re: &[f32], im: &[f32], mag: &mut Vec<f32>) {
        let n = re.len().min(im.len());
        if n < 3 {
            return;
        }
        let (re, im) = (&re[..n], &im[..n]);
        // |·| is monotonic and rounding to f32 is too: the largest magnitude is the
        // magnitude of the largest double-precision power
        let mut lanes = [0.0f64; 8];
        let (mut r8, mut i8) = (re.chunks_exact(8), im.chunks_exact(8));
        for (r, i) in (&mut r8).zip(&mut i8) {
            for ((m, r), i) in lanes.iter_mut().zip(r).zip(i) {
                let p = power64(*r, *i);
                *m = if p > *m { p } else { *m };
            }
        }
        let tail = r8.remainder().iter().zip(i8.remainder()).map(|(r, i)| power64(*r, *i));
        let max = lanes.into_iter().chain(tail).fold(0.0f64, f64::max).sqrt() as f32;
        let (lo, hi) = self.k_range;
        let a = (lo.max(1) - 1).min(n);
        let b = (hi.min(n - 1) + 1).clamp(a, n);
        mag.clear();
        mag.extend(re[a..b].iter().zip(&im[a..b]).map(|(r, i)| crate::stft::abs_parts(*r, *i)));
        self.push_peaks(mag, a, n, max);
    }

    /// Peak picking over `s`, which holds bins `offset .. offset + s.len()` of a frame of
    /// `n` bins whose maximum is `max`; `s` covers the search range and one bin either side.
    #[inline(always)]
    fn push_peaks(&mut self, s: &[f32], offset: usize, n: usize, max: f32) {
        if n < 3 {
            return;
        }
        let peaks = &mut self.peaks;
        frame_peaks(s, offset, n, self.config.threshold * max, self.k_range, self.config.sr as f64 / self.config.n_fft as f64, |_, pitch, mag| {
            peaks.push((pitch, mag))
        });
        if self.peaks.len() > self.exact_limit || self.counts.is_some() {
            self.count_peaks();
        }
        // Bins 0 and n−1 are never peaks: librosa pads with the edge value and
        // requires a strict rise on the left.
    }

    /// Moves the kept peaks into the counts (first pass) or keeps those of the middle
    /// buckets (second pass).
    fn count_peaks(&mut self) {
        if self.counts.is_none() {
            let res = Residuals::new(self.resolution, self.bins_per_octave);
            self.counts = Some(Box::new(Counts { totals: vec![0; 1 << 16], rows: vec![None; 1 << 16], n: 0, middle: None, kept: vec![], res }));
        }
        let c = self.counts.as_mut().expect("just made");
        let (res, n_bins) = (&c.res, c.res.n_bins());
        for (pitch, mag) in self.peaks.drain(..) {
            if !(pitch > 0.0) {
                continue;
            }
            let b = bucket(mag);
            match c.middle {
                None => {
                    c.n += 1;
                    c.totals[b as usize] += 1;
                    if let Some(i) = res.bin(pitch) {
                        c.rows[b as usize].get_or_insert_with(|| vec![0u32; n_bins].into_boxed_slice())[i] += 1;
                    }
                }
                Some((lo, hi)) if b == lo || b == hi => c.kept.push((mag, res.bin(pitch).map(|i| i as u16))),
                Some(_) => {}
            }
        }
        // the exact route's buffer is not needed again (a no-op after the first time)
        self.peaks.shrink_to(1 << 12);
    }

    /// Ends a pass over the frames: `Some(tuning)`, or `None` when the frames must be fed
    /// once more (more than [`EXACT_PEAKS`] peaks; see the type's documentation), after
    /// which the next call returns the tuning. [`TuningEstimator::estimate_with`] does both.
    pub fn finish_pass(&mut self) -> Option<f64> {
        let Some(c) = self.counts.as_mut() else { return Some(self.estimate()) };
        if c.n == 0 {
            return Some(0.0);
        }
        // ranks of the two middle magnitudes (one for an odd count), as numpy's median
        let (r_lo, r_hi) = ((c.n - 1) / 2, c.n / 2);
        let rank_bucket = |r: u64| {
            let mut below = 0;
            for (b, &t) in c.totals.iter().enumerate() {
                if below + t > r {
                    return (b as u16, below);
                }
                below += t;
            }
            unreachable!("ranks below the count")
        };
        let ((lo, below_lo), (hi, below_hi)) = (rank_bucket(r_lo), rank_bucket(r_hi));
        if c.middle.is_none() {
            c.middle = Some((lo, hi));
            return None;
        }
        // the second pass kept every peak of the middle buckets: sort them by magnitude
        c.kept.sort_by(|a, b| a.0.total_cmp(&b.0));
        let in_bucket = |b: u16, below: u64, r: u64| {
            let first = if b == lo { 0 } else { c.kept.iter().take_while(|p| bucket(p.0) == lo).count() };
            c.kept[first + (r - below) as usize].0
        };
        let (m_lo, m_hi) = (in_bucket(lo, below_lo, r_lo), in_bucket(hi, below_hi, r_hi));
        let threshold = if c.n % 2 == 1 { m_hi } else { (m_lo + m_hi) / 2.0 };
        let tb = bucket(threshold);
        let mut counts = vec![0u64; c.res.n_bins()];
        for (b, row) in c.rows.iter().enumerate() {
            let b = b as u16;
            if b > tb && b != lo && b != hi {
                if let Some(row) = row {
                    counts.iter_mut().zip(row.iter()).for_each(|(c, &v)| *c += v as u64);
                }
            }
        }
        for &(m, bin) in &c.kept {
            if let (true, Some(i)) = (m >= threshold, bin) {
                counts[i as usize] += 1;
            }
        }
        Some(c.res.best(&counts))
    }

    /// The tuning of the frames that `pass` feeds (it is called once, or twice for long
    /// signals, and must feed the same frames each time).
    pub fn estimate_with<E>(&mut self, mut pass: impl FnMut(&mut Self) -> std::result::Result<(), E>) -> std::result::Result<f64, E> {
        loop {
            pass(self)?;
            if let Some(t) = self.finish_pass() {
                return Ok(t);
            }
        }
    }

    /// The peaks collected so far, `(frequency_hz, magnitude)`, as `librosa.piptrack`
    /// reports them (frame by frame, ascending frequency within a frame); empty once
    /// more than the exact limit were found.
    pub fn peaks(&self) -> &[(f32, f32)] {
        &self.peaks
    }

    /// Number of peaks collected.
    pub fn n_peaks(&self) -> usize {
        self.peaks.len()
    }

    /// The estimated tuning in fractions of a bin, in `[-0.5, 0.5)`, from the kept peaks;
    /// 0 when no peak was found.
    fn estimate(&self) -> f64 {
        let positive: Vec<(f32, f32)> = self.peaks.iter().copied().filter(|(p, _)| *p > 0.0).collect();
        if positive.is_empty() {
            return 0.0;
        }
        let mut mags: Vec<f32> = positive.iter().map(|(_, m)| *m).collect();
        let threshold = median(&mut mags);
        let freqs: Vec<f32> = positive.iter().filter(|(_, m)| *m >= threshold).map(|(p, _)| *p).collect();
        pitch_tuning(&freqs, self.resolution, self.bins_per_octave)
    }
}

/// numpy's median (mean of the two middle values for an even count), by selection.
fn median(v: &mut [f32]) -> f32 {
    let n = v.len();
    let (below, mid, _) = v.select_nth_unstable_by(n / 2, |a, b| a.total_cmp(b));
    let mid = *mid;
    if n % 2 == 1 {
        mid
    } else {
        let lower = below.iter().copied().fold(f32::NEG_INFINITY, f32::max);
        (lower + mid) / 2.0
    }
}

/// `librosa.pitch_tuning`: histogram of `bins_per_octave · octs(f) mod 1`, folded to
/// `[-0.5, 0.5)`, with `ceil(1/resolution)` bins; returns the left edge of the fullest bin.
pub fn pitch_tuning(frequencies: &[f32], resolution: f64, bins_per_octave: usize) -> f64 {
    let res = Residuals::new(resolution, bins_per_octave);
    let mut counts = vec![0u64; res.n_bins()];
    let mut any = false;
    for &f in frequencies {
        any |= f > 0.0;
        if let Some(i) = res.bin(f) {
            counts[i] += 1;
        }
    }
    if !any {
        return 0.0;
    }
    res.best(&counts)
}

/// `librosa.estimate_tuning(S=S)` for a spectrogram `s` (magnitude or power),
/// shape `(1 + n_fft/2, n_frames)`.
pub fn estimate_tuning(s: ArrayView2<f32>, config: &PiptrackConfig, bins_per_octave: usize) -> Result<f64> {
    TuningEstimator::new(config, bins_per_octave, 0.01)?.estimate_with(|est| {
        crate::filters::for_each_frame(s, |frame| est.push_frame(frame));
        Ok(())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pitch_tuning_finds_a_detuned_a() {
        let f = (440.0 * 2f64.powf(0.25 / 12.0)) as f32;
        let t = pitch_tuning(&[f, f * 2.0, f * 1.5f32.powi(0)], 0.01, 12);
        assert!((t - 0.25).abs() <= 0.01, "{t}");
        assert_eq!(pitch_tuning(&[], 0.01, 12), 0.0);
    }

    #[test]
    fn piptrack_reports_the_estimators_peaks_at_their_bins() {
        // a 440 Hz tone plus a quieter 1000 Hz one, magnitude STFT at librosa's defaults
        let y: Vec<f32> = (0..22050)
            .map(|i| i as f32 / 22050.0)
            .map(|t| (std::f32::consts::TAU * 440.0 * t).sin() + 0.3 * (std::f32::consts::TAU * 1000.0 * t).sin())
            .collect();
        let s = crate::stft(&y, &crate::StftConfig::default()).unwrap().mapv(|c| c.norm());
        let cfg = PiptrackConfig::default();
        let (pitches, mags) = piptrack(s.view(), &cfg, None).unwrap();
        assert_eq!(pitches.dim(), s.dim());
        let mut est = TuningEstimator::new(&cfg, 12, 0.01).unwrap();
        crate::filters::for_each_frame(s.view(), |frame| est.push_frame(frame));
        // the same peaks, frame by frame in ascending bins, as the tuning estimator's
        let mut ours = Vec::new();
        for t in 0..s.ncols() {
            ours.extend((0..s.nrows()).filter(|&k| pitches[[k, t]] != 0.0).map(|k| (pitches[[k, t]], mags[[k, t]])));
        }
        assert_eq!(ours, est.peaks());
        // a middle frame: the two tones, within a tenth of a bin (1.08 Hz)
        let t = s.ncols() / 2;
        let found: Vec<f32> = (0..s.nrows()).map(|k| pitches[[k, t]]).filter(|&p| p > 0.0).collect();
        assert_eq!(found.len(), 2, "{found:?}");
        assert!((found[0] - 440.0).abs() < 1.1 && (found[1] - 1000.0).abs() < 1.1, "{found:?}");
        // a reference level above every value finds nothing; a wrong length is refused
        let high = ndarray::Array1::from_elem(s.ncols(), 1e9f32);
        assert!(piptrack(s.view(), &cfg, Some(high.view())).unwrap().0.iter().all(|&p| p == 0.0));
        assert!(piptrack(s.view(), &cfg, Some(high.slice(ndarray::s![1..]))).is_err());
    }

    #[test]
    fn median_matches_numpy() {
        assert_eq!(median(&mut [3.0, 1.0, 2.0]), 2.0);
        assert_eq!(median(&mut [4.0, 1.0, 2.0, 3.0]), 2.5);
        assert_eq!(median(&mut [5.0, 5.0, 1.0, 9.0, 5.0, 2.0]), 5.0);
        assert_eq!(median(&mut [7.0]), 7.0);
    }

    #[test]
    fn complex_frames_give_the_peaks_of_their_magnitudes() {
        let cfg = PiptrackConfig::default();
        let mut rng = 0x2545_f491_4f6c_dd1du64;
        let mut next = || {
            rng ^= rng << 13;
            rng ^= rng >> 7;
            rng ^= rng << 17;
            (rng >> 40) as f32 / (1u64 << 24) as f32 - 0.5
        };
        let (mut a, mut b) = (TuningEstimator::new(&cfg, 36, 0.01).unwrap(), TuningEstimator::new(&cfg, 36, 0.01).unwrap());
        let mut scratch = Vec::new();
        for _ in 0..50 {
            let spec: Vec<num_complex::Complex32> = (0..1025).map(|_| num_complex::Complex32::new(next() * 100.0, next() * 100.0)).collect();
            let mag: Vec<f32> = spec.iter().map(|c| c.norm()).collect();
            a.push_frame(&mag);
            let (re, im): (Vec<f32>, Vec<f32>) = spec.iter().map(|c| (c.re, c.im)).unzip();
            b.push_parts(&re, &im, &mut scratch);
        }
        assert!(a.n_peaks() > 1000);
        assert_eq!(a.peaks(), b.peaks(), "double-precision magnitudes equal hypotf's");
        assert_eq!(a.estimate(), b.estimate());
        // frames of any length, including ones shorter than the search range
        for len in [0usize, 1, 2, 3, 5, 40, 100, 700] {
            let (mut a, mut b) = (TuningEstimator::new(&cfg, 12, 0.01).unwrap(), TuningEstimator::new(&cfg, 12, 0.01).unwrap());
            let (re, im): (Vec<f32>, Vec<f32>) = (0..len).map(|_| (next(), next())).unzip();
            let mag: Vec<f32> = re.iter().zip(&im).map(|(r, i)| num_complex::Complex32::new(*r, *i).norm()).collect();
            a.push_frame(&mag);
            b.push_parts(&re, &im, &mut scratch);
            assert_eq!(a.peaks(), b.peaks(), "{len} bins");
        }
    }

    /// Past the exact limit, counts per magnitude bucket and a second pass give exactly
    /// the tuning of the kept peaks: random spectra (distinct magnitudes), quantised ones
    /// (ties at the median, odd and even counts), tones in noise, a limit of 0.
    #[test]
    fn counted_route_equals_kept_peaks() {
        let cfg = PiptrackConfig::default();
        let mut rng = 0x9e37_79b9_7f4a_7c15u64;
        let mut next = move || {
            rng ^= rng << 13;
            rng ^= rng >> 7;
            rng ^= rng << 17;
            (rng >> 40) as f32 / (1u64 << 24) as f32
        };
        let detuned = |k: usize, t: usize| {
            let f0 = 440.0 * 2f32.powf(0.3 / 12.0) * (1 + t % 3) as f32;
            (-((k as f32 * 22050.0 / 2048.0 - f0) / 8.0).powi(2)).exp() * 50.0
        };
        for (case, frames) in [(0, 40), (1, 41), (2, 60), (3, 7)] {
            let spectra: Vec<Vec<f32>> = (0..frames)
                .map(|t| {
                    (0..1025)
                        .map(|k| match case {
                            0 | 3 => next() * 10.0,
                            1 => (next() * 4.0).floor() + 1.0,
                            _ => detuned(k, t) + next() * 8.0,
                        })
                        .collect()
                })
                .collect();
            for bpo in [12, 36] {
                let mut passes = [0, 0];
                let mut run = |limit: usize, i: usize| {
                    let est = TuningEstimator::new(&cfg, bpo, 0.01).unwrap().with_exact_limit(limit);
                    let mut est2 = est.clone();
                    let t = est2
                        .estimate_with(|e| {
                            passes[i] += 1;
                            spectra.iter().for_each(|s| e.push_frame(s));
                            Ok::<(), ()>(())
                        })
                        .unwrap();
                    (t, est2)
                };
                let (exact, kept) = run(usize::MAX, 0);
                let limit = if case == 3 { 0 } else { 100 };
                let (counted, flat) = run(limit, 1);
                assert!(kept.n_peaks() > 500, "case {case}: {} peaks", kept.n_peaks());
                assert_eq!(passes, [1, 2], "case {case}");
                assert_eq!(flat.n_peaks(), 0);
                assert_eq!(exact, counted, "case {case}, {bpo} bins per octave");
            }
        }
    }
}
