//! Chromagram from the power STFT (`librosa.feature.chroma_stft`).

use crate::filters::{chroma_filters, map_frames, ChromaFilterConfig};
use crate::stft::{Stft, StftConfig};
use crate::tuning::{PiptrackConfig, Tuning, TuningEstimator};
use crate::util::FrameNorm;
use ndarray::{Array2, ArrayView2, ShapeBuilder};
use reprise_core::stream::{Axis, FrameTransform, Frames};
use reprise_core::{invalid, Result};
use serde::{Deserialize, Serialize};

/// `chroma_stft` parameters; defaults are librosa's.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct ChromaStftConfig {
    /// Sample rate in Hz.
    pub sr: u32,
    /// STFT parameters (the power spectrogram is used).
    pub stft: StftConfig,
    /// Number of chroma bins (default 12).
    pub n_chroma: usize,
    /// Tuning deviation from A440 in fractions of a chroma bin; `Estimate` (the default)
    /// estimates it from the spectrogram as `librosa.estimate_tuning` does.
    pub tuning: Tuning,
    /// Per-frame normalisation (default ∞-norm).
    pub norm: FrameNorm,
}

impl Default for ChromaStftConfig {
    fn default() -> Self {
        Self { sr: 22050, stft: StftConfig::default(), n_chroma: 12, tuning: Tuning::Estimate, norm: FrameNorm::Inf }
    }
}

impl ChromaStftConfig {
    /// Checks the parameters and says what would be valid.
    pub fn validate(&self) -> Result<()> {
        self.stft.validate()?;
        if self.n_chroma == 0 || self.n_chroma > crate::filters::MAX_CHROMA {
            return Err(invalid("n_chroma", format!("{} must be between 1 and {} (default 12)", self.n_chroma, crate::filters::MAX_CHROMA)));
        }
        self.tuning.validate("chroma bins")
    }
    /// Piptrack parameters used to estimate the tuning.
    pub fn piptrack(&self) -> PiptrackConfig {
        PiptrackConfig { sr: self.sr, n_fft: self.stft.n_fft, ..PiptrackConfig::default() }
    }
    /// A tuning estimator for these parameters.
    pub fn tuning_estimator(&self) -> Result<TuningEstimator> {
        TuningEstimator::new(&self.piptrack(), self.n_chroma, 0.01)
    }
    /// The same configuration at a known tuning.
    pub fn with_tuning(self, bins: f64) -> Self {
        Self { tuning: Tuning::Bins(bins), ..self }
    }
    /// The chroma filter bank; the tuning must be known.
    pub fn filters(&self) -> Result<Array2<f32>> {
        let tuning = self.tuning.bins()?;
        chroma_filters(&ChromaFilterConfig { sr: self.sr, n_fft: self.stft.n_fft, n_chroma: self.n_chroma, tuning, ..Default::default() })
    }
}

/// Applies a chroma filter bank to one power-spectrum frame, then normalises.
pub fn chroma_frame(filters: &Array2<f32>, power: &[f32], norm: FrameNorm, out: &mut [f32]) {
    let n = filters.ncols();
    let w = filters.as_slice().expect("filter banks are built in standard layout");
    for (o, row) in out.iter_mut().zip(w.chunks_exact(n)) {
        *o = crate::filters::dot(row, power);
    }
    norm.apply(out);
}

/// `librosa.feature.chroma_stft(y=y, ...)`: returns the chromagram `(n_chroma, n_frames)`
/// and the tuning used (given or estimated).
pub fn chroma_stft(y: &[f32], config: &ChromaStftConfig) -> Result<(Array2<f32>, f64)> {
    config.validate()?;
    let stft = Stft::new(&config.stft)?;
    let s = stft.spectrogram(y, 2.0)?;
    chroma_from_power(s.view(), config)
}

/// Chromagram from a power spectrogram `(1 + n_fft/2, n_frames)` (`chroma_stft(S=S)`).
pub fn chroma_from_power(s: ArrayView2<f32>, config: &ChromaStftConfig) -> Result<(Array2<f32>, f64)> {
    config.validate()?;
    crate::filters::check_rows(s.nrows(), config.stft.n_freqs())?;
    let tuning = match config.tuning {
        Tuning::Bins(t) => t,
        Tuning::Estimate => config.tuning_estimator()?.estimate_with(|est| {
            crate::filters::for_each_frame(s, |frame| est.push_frame(frame));
            Ok::<(), reprise_core::Error>(())
        })?,
    };
    let fb = config.with_tuning(tuning).filters()?;
    let out = map_frames(s, config.n_chroma, |frame, out| chroma_frame(&fb, frame, config.norm, out));
    Ok((out, tuning))
}

/// `chroma_cqt` / `chroma_cens` parameters; defaults are librosa's (`hop_length=512`,
/// `fmin=C1`, `n_octaves=7`, `bins_per_octave=36`, tuning estimated, `norm=inf`,
/// `threshold=0`).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct ChromaCqtConfig {
    /// The CQT (its `n_bins` is set to `n_octaves · bins_per_octave`).
    pub cqt: crate::cqt::CqtConfig,
    /// Octaves analysed (7).
    pub n_octaves: usize,
    /// Chroma bins (12); `cqt.bins_per_octave` must be a multiple of it.
    pub n_chroma: usize,
    /// Values below this are set to 0 before normalising (0).
    pub threshold: f32,
    /// Per-frame normalisation (∞ for chroma_cqt, L2 for chroma_cens).
    pub norm: FrameNorm,
}

impl Default for ChromaCqtConfig {
    fn default() -> Self {
        Self {
            cqt: crate::cqt::CqtConfig { bins_per_octave: 36, tuning: Tuning::Estimate, ..Default::default() },
            n_octaves: 7,
            n_chroma: 12,
            threshold: 0.0,
            norm: FrameNorm::Inf,
        }
    }
}

/// `librosa.filters.cq_to_chroma`: sums `bins_per_octave / n_chroma` adjacent CQT bins
/// (centred on each pitch class) into chroma, rotated so that the first row is C.
pub fn cq_to_chroma(n_input: usize, bins_per_octave: usize, n_chroma: usize, fmin: f64) -> Result<Array2<f32>> {
    if n_chroma == 0 || !bins_per_octave.is_multiple_of(n_chroma) {
        return Err(invalid("bins_per_octave", format!("{bins_per_octave} must be a multiple of n_chroma = {n_chroma}")));
    }
    let merge = bins_per_octave / n_chroma;
    let midi0 = (12.0 * (fmin / 440.0).log2() + 69.0).rem_euclid(12.0);
    let roll = (midi0 * n_chroma as f64 / 12.0).round_ties_even() as i64;
    Ok(Array2::from_shape_fn((n_chroma, n_input), |(r, j)| {
        // row c (before the roll) covers octave columns merge·c − merge/2 … + merge − 1
        let c = (r as i64 - roll).rem_euclid(n_chroma as i64) as usize;
        let col = (j % bins_per_octave + merge / 2) % bins_per_octave;
        if col / merge == c {
            1.0
        } else {
            0.0
        }
    }))
}

/// `librosa.feature.chroma_cqt(y=y, ...)`: returns the chromagram and the tuning used.
pub fn chroma_cqt(y: &[f32], config: &ChromaCqtConfig) -> Result<(Array2<f32>, f64)> {
    if config.n_octaves == 0 {
        return Err(invalid("n_octaves", "must be at least 1"));
    }
    let cqt_cfg = crate::cqt::CqtConfig { gamma: crate::cqt::Gamma::Fixed(0.0), ..config.cqt_config() };
    cqt_cfg.validate()?;
    let tuning = crate::cqt::resolve_tuning(y, &cqt_cfg)?;
    let mag = crate::cqt::Cqt::new(&cqt_cfg.with_tuning(tuning))?.magnitude(y)?;
    Ok((chroma_from_cqt_magnitude(mag.view(), config)?, tuning))
}

impl ChromaCqtConfig {
    /// The CQT behind the chroma: `n_octaves · bins_per_octave` bins.
    pub fn cqt_config(&self) -> crate::cqt::CqtConfig {
        crate::cqt::CqtConfig { n_bins: self.n_octaves * self.cqt.bins_per_octave, ..self.cqt }
    }
}

/// Chroma from a CQT magnitude `(n_octaves · bins_per_octave, n_frames)`: the
/// `cq_to_chroma` map, threshold, per-frame normalisation (`chroma_cqt(C=...)`).
pub fn chroma_from_cqt_magnitude(mag: ArrayView2<f32>, config: &ChromaCqtConfig) -> Result<Array2<f32>> {
    let bpo = config.cqt.bins_per_octave;
    crate::filters::check_rows(mag.nrows(), config.n_octaves * bpo)?;
    let map = cq_to_chroma(mag.nrows(), bpo, config.n_chroma, config.cqt.fmin.unwrap_or(crate::cqt::C1_HZ))?;
    // the map's non-zero entries: each chroma sums one bin group per octave
    let rows: Vec<Vec<(usize, f32)>> = map.rows().into_iter().map(|r| r.iter().copied().enumerate().filter(|(_, w)| *w != 0.0).collect()).collect();
    Ok(map_frames(mag, config.n_chroma, |frame, out| {
        for (o, row) in out.iter_mut().zip(&rows) {
            let v: f32 = row.iter().map(|(j, w)| w * frame[*j]).sum();
            *o = if v < config.threshold { 0.0 } else { v };
        }
        config.norm.apply(out);
    }))
}

/// `librosa.feature.chroma_cens`: chroma_cqt without normalisation, L1-normalised per
/// frame, quantised (`0.25` per threshold 0.4, 0.2, 0.1, 0.05 exceeded), smoothed along
/// time with a normalised symmetric Hann window of `win_len_smooth + 2` points (zeros
/// beyond the ends), then normalised with `config.norm` (librosa's default L2).
pub fn chroma_cens(y: &[f32], config: &ChromaCqtConfig, win_len_smooth: usize) -> Result<(Array2<f32>, f64)> {
    let (chroma, tuning) = chroma_cqt(y, &ChromaCqtConfig { norm: FrameNorm::None, ..*config })?;
    Ok((cens_from_chroma(chroma, config.norm, win_len_smooth), tuning))
}

/// CENS from an unnormalised chromagram (`chroma_cqt(norm=None)`): L1 per frame,
/// quantisation, temporal smoothing, then `norm` per frame.
pub fn cens_from_chroma(mut chroma: Array2<f32>, norm: FrameNorm, win_len_smooth: usize) -> Array2<f32> {
    let (n_chroma, n_frames) = chroma.dim();
    for mut col in chroma.columns_mut() {
        let mut v: Vec<f32> = col.to_vec();
        FrameNorm::L1.apply(&mut v);
        for (c, x) in col.iter_mut().zip(v) {
            *c = [0.4f32, 0.2, 0.1, 0.05].iter().map(|q| if x > *q { 0.25 } else { 0.0 }).sum();
        }
    }
    let smoothed = if win_len_smooth > 0 {
        let n = win_len_smooth + 2;
        // symmetric Hann (scipy fftbins=False), normalised to sum 1
        let w: Vec<f64> = (0..n).map(|i| 0.5 - 0.5 * (2.0 * std::f64::consts::PI * i as f64 / (n - 1) as f64).cos()).collect();
        let sum: f64 = w.iter().sum();
        let centre = n / 2;
        Array2::from_shape_fn((n_chroma, n_frames).f(), |(c, t)| {
            let mut acc = 0.0f64;
            for (j, wj) in w.iter().enumerate() {
                let idx = t as i64 + centre as i64 - j as i64;
                if idx >= 0 && (idx as usize) < n_frames {
                    acc += wj / sum * chroma[[c, idx as usize]] as f64;
                }
            }
            acc as f32
        })
    } else {
        chroma
    };
    map_frames(smoothed.view(), n_chroma, |frame, out| {
        out.copy_from_slice(frame);
        norm.apply(out);
    })
}

/// Frames folded at a time by [`ChromaCqtFrames`] (each frame is folded on its own; the
/// block only amortises the folding map).
const CHROMA_BLOCK: usize = 1024;

/// The CQT chromagram as a [`FrameTransform`]: CQT magnitudes folded to chroma by
/// [`chroma_from_cqt_magnitude`] in blocks, so memory stays flat however long the signal.
pub struct ChromaCqtFrames<'a> {
    cqt: crate::cqt::CqtStream<'a>,
    config: ChromaCqtConfig,
    mags: Vec<f32>,
    col: Vec<f32>,
}

impl crate::cqt::Cqt {
    /// The chromagram of this plan's magnitudes (`config.cqt` describes the plan), as a
    /// [`FrameTransform`].
    pub fn chroma_frames(&self, config: &ChromaCqtConfig) -> Result<ChromaCqtFrames<'_>> {
        Ok(ChromaCqtFrames { cqt: self.stream()?, config: *config, mags: Vec::new(), col: vec![0.0; config.n_chroma] })
    }
}

impl ChromaCqtFrames<'_> {
    fn keep(&mut self, frames: Vec<Vec<num_complex::Complex32>>, emit: &mut dyn FnMut(Frames<'_>), last: bool) -> Result<()> {
        for f in frames {
            self.mags.extend(f.iter().map(|c| crate::stft::abs_parts(c.re, c.im)));
        }
        let n_bins = self.config.cqt.n_bins;
        if self.mags.is_empty() || (!last && self.mags.len() < CHROMA_BLOCK * n_bins) {
            return Ok(());
        }
        let m = Array2::from_shape_vec((n_bins, self.mags.len() / n_bins).f(), std::mem::take(&mut self.mags)).expect("frame-major");
        let c = chroma_from_cqt_magnitude(m.view(), &self.config)?;
        for frame in c.columns() {
            self.col.iter_mut().zip(frame).for_each(|(o, v)| *o = *v);
            emit(Frames::Real(&self.col));
        }
        Ok(())
    }
}

impl FrameTransform for ChromaCqtFrames<'_> {
    fn hop_length(&self) -> usize {
        self.config.cqt.hop_length
    }
    fn push(&mut self, samples: &[f32], emit: &mut dyn FnMut(Frames<'_>)) -> Result<()> {
        let frames = self.cqt.push(samples)?;
        self.keep(frames, emit, false)
    }
    fn finish(&mut self, emit: &mut dyn FnMut(Frames<'_>)) -> Result<()> {
        let frames = self.cqt.finish()?;
        self.keep(frames, emit, true)
    }
    fn axis(&self) -> Axis {
        Axis::chroma(self.config.n_chroma)
    }
}
