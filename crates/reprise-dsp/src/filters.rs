//! Filter banks, as pure functions of their parameters: mel (`librosa.filters.mel`),
//! chroma (`librosa.filters.chroma`) and the orthonormal DCT-II used by MFCC.

use crate::convert::{fft_frequencies, hz_to_octs, mel_frequencies};
use ndarray::{Array2, ArrayView2, ShapeBuilder};
use reprise_core::{invalid, Result};
use serde::{Deserialize, Serialize};

/// Normalisation of mel filters.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum MelNorm {
    /// Each triangle divided by its width in Hz (`2 / (f[i+2] − f[i])`): equal area. librosa's default.
    #[default]
    Slaney,
    /// Peak 1.
    None,
}

/// Mel filter bank parameters (`librosa.filters.mel`).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct MelFilterConfig {
    /// Sample rate in Hz.
    pub sr: u32,
    /// FFT length the filters apply to.
    pub n_fft: usize,
    /// Number of mel bands (default 128).
    pub n_mels: usize,
    /// Lowest edge in Hz (default 0).
    pub fmin: f64,
    /// Highest edge in Hz; `None` = `sr/2`.
    pub fmax: Option<f64>,
    /// HTK mel scale instead of Slaney's (default false).
    pub htk: bool,
    /// Filter normalisation (default Slaney).
    pub norm: MelNorm,
}

impl Default for MelFilterConfig {
    fn default() -> Self {
        Self { sr: 22050, n_fft: 2048, n_mels: 128, fmin: 0.0, fmax: None, htk: false, norm: MelNorm::Slaney }
    }
}

/// A mel filter bank stored sparsely: each band keeps only its non-zero span.
#[derive(Debug, Clone)]
pub struct MelFilterBank {
    n_freqs: usize,
    bands: Vec<(usize, Vec<f32>)>,
}

impl MelFilterBank {
    /// Builds the filters in f64 exactly as librosa does, then stores them as f32.
    ///
    /// Errors: `n_mels` = 0, `fmin` < 0, `fmax` ≤ `fmin` or above Nyquist, or so many
    /// bands for `n_fft` that a band contains no FFT bin (librosa only warns).
    pub fn new(c: &MelFilterConfig) -> Result<Self> {
        if c.sr == 0 {
            return Err(invalid("sr", "sample rate must be positive"));
        }
        if c.n_fft < 2 {
            return Err(invalid("n_fft", format!("{} is too small; use at least 2", c.n_fft)));
        }
        if c.n_mels == 0 {
            return Err(invalid("n_mels", "must be at least 1 (default 128)"));
        }
        // each FFT bin lies in at most two triangles, so more bands than that must leave one empty
        if c.n_mels > 2 * (c.n_fft / 2 + 1) {
            return Err(invalid("n_mels", format!("{} mel bands are too many for n_fft = {}: lower n_mels or raise n_fft", c.n_mels, c.n_fft)));
        }
        let nyquist = c.sr as f64 / 2.0;
        let fmax = c.fmax.unwrap_or(nyquist);
        if !(c.fmin >= 0.0 && c.fmin.is_finite()) {
            return Err(invalid("fmin", format!("{} must be ≥ 0 Hz", c.fmin)));
        }
        if !(fmax.is_finite() && fmax > c.fmin) {
            return Err(invalid("fmax", format!("{fmax} Hz must be above fmin = {} Hz", c.fmin)));
        }
        if fmax > nyquist + 1e-9 {
            return Err(invalid("fmax", format!("{fmax} Hz is above the Nyquist frequency {nyquist} Hz (sr = {})", c.sr)));
        }
        let fftfreqs = fft_frequencies(c.sr, c.n_fft);
        let mel_f = mel_frequencies(c.n_mels + 2, c.fmin, fmax, c.htk);
        let mut bands = Vec::with_capacity(c.n_mels);
        for i in 0..c.n_mels {
            let (lo, ctr, hi) = (mel_f[i], mel_f[i + 1], mel_f[i + 2]);
            let (fd0, fd1) = (ctr - lo, hi - ctr);
            let enorm = match c.norm {
                MelNorm::Slaney => 2.0 / (hi - lo),
                MelNorm::None => 1.0,
            };
            let mut first = None;
            let mut w = Vec::new();
            // a weight is positive only strictly between the edges: with the bins evenly
            // spaced, only those (and one either side) are evaluated, by the same formula
            let df = c.sr as f64 / c.n_fft as f64;
            let span = if fd0 > 0.0 && fd1 > 0.0 && lo.is_finite() && hi.is_finite() {
                let a = ((lo / df).floor() as isize - 1).max(0) as usize;
                let b = ((hi / df).ceil() as usize + 2).min(fftfreqs.len());
                a.min(b)..b
            } else {
                0..fftfreqs.len()
            };
            for (k, f) in fftfreqs.iter().enumerate().take(span.end).skip(span.start) {
                let lower = -(lo - f) / fd0;
                let upper = (hi - f) / fd1;
                let v = lower.min(upper).max(0.0) * enorm;
                if v > 0.0 {
                    if first.is_none() {
                        first = Some(k);
                    }
                    let start = first.unwrap();
                    w.resize(k - start, 0.0);
                    w.push(v as f32);
                }
            }
            match first {
                Some(start) => bands.push((start, w)),
                None => {
                    return Err(invalid(
                        "n_mels",
                        format!(
                            "{} mel bands are too many for n_fft = {} at sr = {} Hz: band {i} ({lo:.1}–{hi:.1} Hz) contains no FFT bin; lower n_mels or raise n_fft",
                            c.n_mels, c.n_fft, c.sr
                        ),
                    ))
                }
            }
        }
        Ok(Self { n_freqs: c.n_fft / 2 + 1, bands })
    }

    /// Number of bands.
    pub fn n_mels(&self) -> usize {
        self.bands.len()
    }

    /// The non-zero span of each band: `(first_bin, weights)`.
    pub fn bands(&self) -> impl Iterator<Item = (usize, &[f32])> {
        self.bands.iter().map(|(s, w)| (*s, w.as_slice()))
    }

    /// Dense weights, shape `(n_mels, 1 + n_fft/2)`, as `librosa.filters.mel`.
    pub fn to_array(&self) -> Array2<f32> {
        let mut a = Array2::zeros((self.bands.len(), self.n_freqs));
        for (m, (start, w)) in self.bands.iter().enumerate() {
            for (j, v) in w.iter().enumerate() {
                a[[m, start + j]] = *v;
            }
        }
        a
    }

    /// Applies the bank to one spectrum frame (`1 + n_fft/2` values) into `out` (`n_mels`).
    #[inline]
    pub fn apply_frame(&self, spec: &[f32], out: &mut [f32]) {
        for ((start, w), o) in self.bands.iter().zip(out.iter_mut()) {
            *o = dot(w, &spec[*start..]);
        }
    }

    /// Applies the bank to every frame of `s` (shape `(1 + n_fft/2, n_frames)`).
    pub fn apply(&self, s: ArrayView2<f32>) -> Result<Array2<f32>> {
        check_rows(s.nrows(), self.n_freqs)?;
        Ok(map_frames(s, self.bands.len(), |spec, out| self.apply_frame(spec, out)))
    }
}

/// Dot product with eight independent accumulators, so that the compiler can use
/// SIMD (a plain iterator sum is sequential by IEEE rules). Summation order differs
/// from a sequential sum by rounding only.
#[inline]
pub fn dot(a: &[f32], b: &[f32]) -> f32 {
    let n = a.len().min(b.len());
    let (a, b) = (&a[..n], &b[..n]);
    let mut acc = [0.0f32; 8];
    let (ca, cb) = (a.chunks_exact(8), b.chunks_exact(8));
    let (ra, rb) = (ca.remainder(), cb.remainder());
    for (x, y) in ca.zip(cb) {
        for j in 0..8 {
            acc[j] += x[j] * y[j];
        }
    }
    let mut s: f32 = acc.iter().sum();
    for (x, y) in ra.iter().zip(rb) {
        s += x * y;
    }
    s
}

/// Errors unless a spectrogram has the expected number of frequency rows.
pub(crate) fn check_rows(got: usize, expected: usize) -> Result<()> {
    if got != expected {
        return Err(reprise_core::Error::ShapeMismatch {
            expected: format!("{expected} frequency rows (1 + n_fft/2 for n_fft = {})", 2 * (expected.max(1) - 1)),
            got: format!("{got} rows"),
        });
    }
    Ok(())
}

/// Applies `f(frame_in, frame_out)` to every column of `s`, producing `(n_out, n_frames)`
/// with frames contiguous in memory.
pub(crate) fn map_frames(s: ArrayView2<f32>, n_out: usize, mut f: impl FnMut(&[f32], &mut [f32])) -> Array2<f32> {
    let n_frames = s.ncols();
    let mut data = vec![0.0f32; n_out * n_frames];
    let mut outs = data.chunks_mut(n_out.max(1));
    for_each_frame(s, |frame| f(frame, outs.next().expect("one output chunk per frame")));
    Array2::from_shape_vec((n_out, n_frames).f(), data).expect("shape")
}

/// Calls `f` with every column of `s` as a contiguous slice (no copy when the
/// frames are already contiguous, as in Reprise's outputs).
pub(crate) fn for_each_frame(s: ArrayView2<f32>, mut f: impl FnMut(&[f32])) {
    let st = s.t();
    let frames = st.as_standard_layout();
    for row in frames.rows() {
        f(row.as_slice().expect("standard layout"));
    }
}

/// Largest number of chroma bins accepted (one per cent).
pub const MAX_CHROMA: usize = 1200;

/// Chroma filter bank parameters (`librosa.filters.chroma`).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct ChromaFilterConfig {
    /// Sample rate in Hz.
    pub sr: u32,
    /// FFT length.
    pub n_fft: usize,
    /// Chroma bins per octave (default 12).
    pub n_chroma: usize,
    /// Tuning offset in fractions of a chroma bin (default 0).
    pub tuning: f64,
    /// Centre of the octave weighting, in octaves above C0 (default 5, i.e. C5 ≈ 523 Hz).
    pub ctroct: f64,
    /// Width of the Gaussian octave weighting in octaves; `None` = flat (default 2).
    pub octwidth: Option<f64>,
    /// Start the chroma axis at C instead of A (default true).
    pub base_c: bool,
}

impl Default for ChromaFilterConfig {
    fn default() -> Self {
        Self { sr: 22050, n_fft: 2048, n_chroma: 12, tuning: 0.0, ctroct: 5.0, octwidth: Some(2.0), base_c: true }
    }
}

/// Chroma filter bank, shape `(n_chroma, 1 + n_fft/2)`: Gaussian bumps around each
/// pitch class per FFT bin, columns L2-normalised, weighted by a Gaussian in octaves.
pub fn chroma_filters(c: &ChromaFilterConfig) -> Result<Array2<f32>> {
    if c.n_chroma == 0 || c.n_chroma > MAX_CHROMA {
        return Err(invalid("n_chroma", format!("{} must be between 1 and {MAX_CHROMA} (default 12)", c.n_chroma)));
    }
    if c.n_fft < 2 {
        return Err(invalid("n_fft", "must be at least 2"));
    }
    if !c.tuning.is_finite() || c.tuning.abs() > 0.5 + 1e-9 {
        return Err(invalid("tuning", format!("{} must lie in [-0.5, 0.5] chroma bins", c.tuning)));
    }
    let nc = c.n_chroma as f64;
    let n_fft = c.n_fft;
    // frqbins for bins 1..n_fft of a full FFT, then a made-up value for DC
    let mut frqbins = Vec::with_capacity(n_fft);
    for k in 1..n_fft {
        let f = k as f64 * c.sr as f64 / n_fft as f64;
        frqbins.push(nc * hz_to_octs(f, c.tuning, c.n_chroma));
    }
    frqbins.insert(0, frqbins[0] - 1.5 * nc);
    let mut binwidth: Vec<f64> = (1..n_fft).map(|k| (frqbins[k] - frqbins[k - 1]).max(1.0)).collect();
    binwidth.push(1.0);
    let n_chroma2 = (nc / 2.0).round_ties_even();
    let n_keep = 1 + n_fft / 2;
    let mut wts = vec![vec![0.0f64; n_keep]; c.n_chroma];
    for k in 0..n_keep {
        let mut col: Vec<f64> = (0..c.n_chroma)
            .map(|ch| {
                let d = frqbins[k] - ch as f64;
                let d = np_remainder(d + n_chroma2 + 10.0 * nc, nc) - n_chroma2;
                (-0.5 * (2.0 * d / binwidth[k]).powi(2)).exp()
            })
            .collect();
        let norm = col.iter().map(|v| v * v).sum::<f64>().sqrt();
        if norm > f64::MIN_POSITIVE {
            col.iter_mut().for_each(|v| *v /= norm);
        }
        let oct_w = match c.octwidth {
            Some(w) => (-0.5 * ((frqbins[k] / nc - c.ctroct) / w).powi(2)).exp(),
            None => 1.0,
        };
        for ch in 0..c.n_chroma {
            wts[ch][k] = col[ch] * oct_w;
        }
    }
    if c.base_c {
        wts.rotate_left((3 * (c.n_chroma / 12)) % c.n_chroma);
    }
    let mut a = Array2::zeros((c.n_chroma, n_keep));
    for (ch, row) in wts.iter().enumerate() {
        for (k, v) in row.iter().enumerate() {
            a[[ch, k]] = *v as f32;
        }
    }
    Ok(a)
}

/// numpy's `remainder` (sign of the divisor).
fn np_remainder(x: f64, n: f64) -> f64 {
    let r = x % n;
    if r != 0.0 && (r < 0.0) != (n < 0.0) {
        r + n
    } else {
        r
    }
}

/// Orthonormal DCT-II matrix (`scipy.fft.dct(type=2, norm='ortho')`), first `n_out` rows
/// of the `n × n` transform: `X_k = s_k Σ_n x_n cos(πk(2n+1)/(2N))`, `s_0 = √(1/N)`, `s_k = √(2/N)`.
pub fn dct_ortho(n_out: usize, n: usize) -> Array2<f64> {
    let mut m = Array2::zeros((n_out, n));
    for k in 0..n_out {
        let s = if k == 0 { (1.0 / n as f64).sqrt() } else { (2.0 / n as f64).sqrt() };
        for i in 0..n {
            m[[k, i]] = s * (std::f64::consts::PI * k as f64 * (2 * i + 1) as f64 / (2 * n) as f64).cos();
        }
    }
    m
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mel_bands_evaluate_only_their_span_and_match_the_full_scan() {
        for c in [
            MelFilterConfig::default(),
            MelFilterConfig { sr: 16000, n_fft: 511, n_mels: 40, htk: true, norm: MelNorm::None, ..Default::default() },
            MelFilterConfig { sr: 44100, n_fft: 4096, n_mels: 96, fmin: 27.5, fmax: Some(16000.0), ..Default::default() },
        ] {
            let bank = MelFilterBank::new(&c).unwrap().to_array();
            let f = fft_frequencies(c.sr, c.n_fft);
            let m = crate::convert::mel_frequencies(c.n_mels + 2, c.fmin, c.fmax.unwrap_or(c.sr as f64 / 2.0), c.htk);
            for i in 0..c.n_mels {
                let enorm = if c.norm == MelNorm::Slaney { 2.0 / (m[i + 2] - m[i]) } else { 1.0 };
                for (k, fk) in f.iter().enumerate() {
                    let v = (-(m[i] - fk) / (m[i + 1] - m[i])).min((m[i + 2] - fk) / (m[i + 2] - m[i + 1])).max(0.0) * enorm;
                    assert_eq!(bank[[i, k]], v as f32, "band {i}, bin {k} of {c:?}");
                }
            }
        }
    }

    #[test]
    fn mel_filters_peak_at_their_centres_and_cover_the_band() {
        let c = MelFilterConfig { norm: MelNorm::None, ..Default::default() };
        let fb = MelFilterBank::new(&c).unwrap().to_array();
        assert_eq!(fb.dim(), (128, 1025));
        for row in fb.rows() {
            let max = row.iter().cloned().fold(0.0, f32::max);
            assert!(max > 0.0 && max <= 1.0);
        }
    }

    #[test]
    fn absurd_mel_parameters_are_errors() {
        let base = MelFilterConfig::default();
        assert!(MelFilterBank::new(&MelFilterConfig { fmax: Some(20000.0), ..base }).is_err());
        assert!(MelFilterBank::new(&MelFilterConfig { n_mels: 0, ..base }).is_err());
        let e = MelFilterBank::new(&MelFilterConfig { n_fft: 256, n_mels: 256, ..base }).unwrap_err();
        assert!(e.to_string().contains("too many"), "{e}");
        assert!(MelFilterBank::new(&MelFilterConfig { fmin: 5000.0, fmax: Some(4000.0), ..base }).is_err());
    }

    #[test]
    fn dct_is_orthonormal() {
        let m = dct_ortho(16, 16);
        let p = m.dot(&m.t());
        for i in 0..16 {
            for j in 0..16 {
                let want = if i == j { 1.0 } else { 0.0 };
                assert!((p[[i, j]] - want).abs() < 1e-12);
            }
        }
    }

    #[test]
    fn remainder_follows_numpy() {
        assert_eq!(np_remainder(-1.0, 12.0), 11.0);
        assert_eq!(np_remainder(13.0, 12.0), 1.0);
    }
}
