//! FFT kernels of a group of bins, sparsified and banded for the frame-by-frame evaluation.

use super::*;
/// FFT kernels of one group of bins: sparse rows over the spectrum of length-`n_fft` frames.
pub(super) struct Kernels {
    pub(super) n_fft: usize,
    /// Per bin: (bin index in the spectrum, weight); indices ≥ n_fft/2+1 address the
    /// conjugate half (exact mode only).
    pub(super) rows: Vec<Vec<(u32, Complex32)>>,
}

pub(super) fn next_pow2(x: f64) -> usize {
    2f64.powf(x.log2().ceil()) as usize
}

impl Kernels {
    /// librosa's `__vqt_filter_fft` for the bins of `f` at rate `sr` (multirate), or the
    /// full-spectrum kernels (exact).
    pub(super) fn build(f: &VqtFilters, config: &CqtConfig, sr: f64, gain: f64, exact: bool) -> Self {
        Self::build_sized(f, config, sr, gain, exact, None)
    }

    /// As [`Kernels::build`]; with `hop`, the FFT size is at least `2^(1 + ceil(log2 hop))`
    /// and atoms stay centred in their own power-of-two support, the kernel being
    /// zero-padded at the end (librosa's `__vqt_filter_fft(hop_length=...)`, used by the
    /// pseudo-CQT, where only magnitudes matter).
    pub(super) fn build_sized(f: &VqtFilters, config: &CqtConfig, sr: f64, gain: f64, exact: bool, hop: Option<usize>) -> Self {
        // the vqt calls `__vqt_filter_fft` without a hop, so its FFT size is the power
        // of two that holds the longest atom, whatever the hop
        let support = next_pow2(f.lengths.iter().cloned().fold(0.0, f64::max));
        let n_fft = hop.map(|h| support.max(2f64.powf(1.0 + (h as f64).log2().ceil()) as usize)).unwrap_or(support);
        let fft = reprise_core::fft::forward::<f64>(n_fft);
        let n_keep = n_fft / 2 + 1;
        let rows = f
            .freqs
            .iter()
            .zip(&f.lengths)
            .map(|(freq, len)| {
                let (_, taps) = wavelet_atom(*freq, *len, sr, config.window, config.norm);
                let mut buf = vec![Complex64::new(0.0, 0.0); n_fft];
                let lpad = (support - taps.len().min(support)) / 2;
                for (b, t) in buf[lpad..].iter_mut().zip(&taps) {
                    *b = *t * (len / n_fft as f64);
                }
                fft.process(&mut buf);
                if exact {
                    let peak = buf.iter().map(|c| c.norm()).fold(0.0, f64::max);
                    buf.iter()
                        .enumerate()
                        .filter(|(_, c)| c.norm() >= 1e-9 * peak)
                        .map(|(m, c)| (m as u32, Complex32::new((c.re * gain) as f32, (c.im * gain) as f32)))
                        .collect()
                } else {
                    sparsify(&buf[..n_keep], config.sparsity)
                        .into_iter()
                        .map(|(m, c)| (m as u32, Complex32::new((c.re * gain) as f32, (c.im * gain) as f32)))
                        .collect()
                }
            })
            .collect();
        Self { n_fft, rows }
    }
}

/// librosa's `sparsify_rows` for one row: drops the smallest magnitudes whose cumulative
/// share of the row's L1 mass stays below `quantile`.
pub(super) fn sparsify(row: &[Complex64], quantile: f64) -> Vec<(usize, Complex64)> {
    let mags: Vec<f64> = row.iter().map(|c| c.norm()).collect();
    let total: f64 = mags.iter().sum();
    let mut sorted = mags.clone();
    sorted.sort_unstable_by(f64::total_cmp);
    let mut cum = 0.0;
    let mut thr = sorted[0];
    for v in &sorted {
        cum += v / total;
        if cum >= quantile {
            thr = *v;
            break;
        }
    }
    if quantile == 0.0 {
        thr = sorted[0];
    }
    row.iter().enumerate().filter(|(i, _)| mags[*i] >= thr).map(|(i, c)| (i, *c)).collect()
}

/// The kernels of one octave group in the form the transform runs them: per bin, a
/// contiguous run of weights over a band of the spectrum (zeros where the kernel was
/// sparsified away), plus, in exact mode, a run applied to the conjugate half. The
/// band comes from a [`BandFft`], so only the bins some kernel reads are computed.
pub(super) struct BandedKernels {
    pub(super) fft: BandFft,
    pub(super) n_fft: usize,
    /// Per bin: the direct run and the conjugate run, `(offset in the band, length,
    /// offset in the weights)`.
    pub(super) runs: Vec<[(usize, usize, usize); 2]>,
    /// Per weight `w = wr + i·wi` of a run read with sign `s` (+1 direct, −1 for the
    /// conjugate half): `[wr, −s·wi, s·wr, wi]`, so that the response is
    /// `Σ (c0·re + c1·im) + i·Σ (c2·im + c3·re)`.
    pub(super) coef: Vec<[f32; 4]>,
}

/// Frames transformed together: the kernel products run across them in SIMD lanes.
pub(super) const LANES: usize = 8;

/// Buffers of a [`BandedKernels`] user: up to [`LANES`] frames' bands, lane by lane.
pub(super) struct FrameWork {
    pub(super) fft: BandFftWork,
    pub(super) re: Vec<[f32; LANES]>,
    pub(super) im: Vec<[f32; LANES]>,
}

impl BandedKernels {
    pub(super) fn from_sparse(k: &Kernels) -> Self {
        let (n, half) = (k.n_fft, k.n_fft / 2);
        // entry (m, w) reads X[m] for m ≤ n/2, and conj(X[n − m]) above
        let side = |m: u32| if m as usize <= half { (0, m as usize) } else { (1, n - m as usize) };
        let mut lo = usize::MAX;
        let mut hi = 0;
        for (m, _) in k.rows.iter().flatten() {
            let (_, j) = side(*m);
            lo = lo.min(j);
            hi = hi.max(j + 1);
        }
        if lo > hi {
            (lo, hi) = (0, 0);
        }
        let mut coef: Vec<[f32; 4]> = Vec::new();
        let runs = k
            .rows
            .iter()
            .map(|row| {
                let mut out = [(0, 0, 0); 2];
                for (s, run) in out.iter_mut().enumerate() {
                    let idx: Vec<(usize, Complex32)> = row.iter().filter(|(m, _)| side(*m).0 == s).map(|(m, w)| (side(*m).1, *w)).collect();
                    let (Some(a), Some(b)) = (idx.iter().map(|e| e.0).min(), idx.iter().map(|e| e.0).max()) else { continue };
                    let at = coef.len();
                    coef.resize(at + b + 1 - a, [0.0; 4]);
                    let sign = if s == 0 { 1.0 } else { -1.0 };
                    for (j, w) in idx {
                        coef[at + j - a] = [w.re, -sign * w.im, sign * w.re, w.im];
                    }
                    *run = (a - lo, b + 1 - a, at);
                }
                out
            })
            .collect();
        Self { fft: BandFft::new(n, lo..hi), n_fft: n, runs, coef }
    }

    pub(super) fn work(&self) -> FrameWork {
        let n = self.fft.band().len();
        FrameWork { fft: self.fft.work(), re: vec![[0.0; LANES]; n], im: vec![[0.0; LANES]; n] }
    }

    /// Transforms the frame in `work.fft` into lane `lane` of the band buffers.
    #[inline(always)]
    pub(super) fn transform(&self, work: &mut FrameWork, lane: usize) {
        self.fft.process(&mut work.fft, &mut work.re, &mut work.im, lane);
    }

    /// The responses of every bin to the frames in the lanes of `work`, times `factor`:
    /// calls `put(bin, lane, value)` for the first `n_lanes` lanes. Each lane's sum runs
    /// over the kernel in order, so a frame's response does not depend on its lane or on
    /// the other frames.
    #[inline(always)]
    pub(super) fn respond(&self, work: &FrameWork, factor: &[f32], n_lanes: usize, mut put: impl FnMut(usize, usize, Complex32)) {
        for (k, (runs, f)) in self.runs.iter().zip(factor).enumerate() {
            let (mut ar, mut ai) = ([0.0f32; LANES], [0.0f32; LANES]);
            // one pass per accumulator, so that each vectorises across lanes
            for &(at, len, w) in runs {
                let (coef, xr, xi) = (&self.coef[w..w + len], &work.re[at..at + len], &work.im[at..at + len]);
                for (c, (xr, xi)) in coef.iter().zip(xr.iter().zip(xi)) {
                    lanes_mul_add(&mut ar, c[0], xr, c[1], xi);
                }
                for (c, (xr, xi)) in coef.iter().zip(xr.iter().zip(xi)) {
                    lanes_mul_add(&mut ai, c[2], xi, c[3], xr);
                }
            }
            for l in 0..n_lanes {
                put(k, l, Complex32::new(ar[l] * f, ai[l] * f));
            }
        }
    }
}

/// `acc += a·x + b·y`, lane by lane.
#[inline(always)]
pub(super) fn lanes_mul_add(acc: &mut [f32; LANES], a: f32, x: &[f32; LANES], b: f32, y: &[f32; LANES]) {
    for ((s, x), y) in acc.iter_mut().zip(x).zip(y) {
        *s += a * x + b * y;
    }
}
