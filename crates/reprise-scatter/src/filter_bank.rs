//! Morlet filter banks as kymatio designs them, in two separate steps:
//!
//! 1. **design**: the `(xi, sigma, j)` generator ([`filterbank_params`]), pure
//!    arithmetic on normalised frequencies (cycles per sample);
//! 2. **synthesis**: [`Morlet`] evaluates the filter's Fourier transform on any grid,
//!    periodised and folded to any subsampled resolution, and keeps only the bins
//!    where it is not negligible ([`SparseFilter`]).
//!
//! The Fourier-domain Morlet of kymatio is
//! `ψ̂(f) = Σ_p G(f + p − xi) − κ Σ_p G(f + p)`, `G(f) = exp(−f²/(2σ²))`, with κ chosen
//! so that `ψ̂(0) = 0`, scaled so that the inverse DFT has unit L1 norm. kymatio builds
//! it densely at the padded length (16 s and 3.7 GB for 60 s of audio); here the L1 norm
//! comes from the closed-form time-domain filter (Poisson summation) and the Fourier
//! values are evaluated only where they exceed [`REL_EPS`] of the peak, with a
//! multiplication-only Gaussian recurrence. Folding a filter to length `M = N / 2^l`
//! and dividing by `2^l` equals kymatio's `periodize_filter_fourier` (mean over periods).

use std::f64::consts::PI;

/// kymatio's `sigma0`: bandwidth of the lowpass at scale 1, in cycles per sample.
pub const SIGMA0: f64 = 0.1;
/// kymatio's `alpha`: aliasing tolerance of the maximal subsampling rule.
pub const ALPHA: f64 = 5.0;
/// kymatio's `r_psi`: adjacent wavelets cross at this fraction of their peak.
pub const R_PSI: f64 = std::f64::consts::FRAC_1_SQRT_2;
/// Fourier values below this fraction of a filter's peak are dropped.
pub const REL_EPS: f64 = 1e-9;

/// One band-pass filter of a bank: centre frequency, bandwidth and the largest
/// dyadic subsampling its output tolerates.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct MorletParams {
    /// Centre frequency in cycles per sample, in (0, 0.5).
    pub xi: f64,
    /// Gaussian bandwidth in cycles per sample.
    pub sigma: f64,
    /// Largest `j` such that subsampling the filter's output by `2^j` does not alias.
    pub j: u32,
}

/// Highest centre frequency of a bank with `q` wavelets per octave:
/// `max(1/(1 + 2^(3/q)), 0.35)`.
pub fn xi_max(q: u32) -> f64 {
    (1.0 / (1.0 + 2f64.powf(3.0 / q as f64))).max(0.35)
}

/// Bandwidth that makes adjacent wavelets (ratio `2^(1/q)`) cross at `r` of their peak.
pub fn sigma_psi(xi: f64, q: u32, r: f64) -> f64 {
    let factor = 1.0 / 2f64.powf(1.0 / q as f64);
    let term1 = (1.0 - factor) / (1.0 + factor);
    let term2 = 1.0 / (2.0 * (1.0 / r).ln()).sqrt();
    xi * term1 * term2
}

/// Largest `j` with `xi + alpha·sigma < 2^-(j+1)` (kymatio's `get_max_dyadic_subsampling`).
pub fn max_dyadic_subsampling(xi: f64, sigma: f64, alpha: f64) -> u32 {
    let upper = (xi + alpha * sigma).min(0.5);
    ((-upper.log2()).floor() - 1.0).max(0.0) as u32
}

/// The band-pass bank of kymatio's `compute_params_filterbank`: a constant-Q region
/// (`xi` and `sigma` divided by `2^(1/q)` while `sigma > sigma_min·2^(1/q)`), then
/// `q − 1` filters of bandwidth `sigma_min` spaced linearly below the elbow.
/// Ordered from high to low frequency.
pub fn filterbank_params(sigma_min: f64, q: u32, alpha: f64, r_psi: f64) -> Vec<MorletParams> {
    let ratio = 2f64.powf(1.0 / q as f64);
    let xi_top = xi_max(q);
    let sigma_top = sigma_psi(xi_top, q, r_psi);
    let mut xis = Vec::new();
    let mut sigmas = Vec::new();
    let elbow = if sigma_top <= sigma_min {
        sigma_top
    } else {
        xis.push(xi_top);
        sigmas.push(sigma_top);
        while *sigmas.last().unwrap() > sigma_min * ratio {
            xis.push(xis.last().unwrap() / ratio);
            sigmas.push(sigmas.last().unwrap() / ratio);
        }
        *xis.last().unwrap()
    };
    for k in 1..q {
        xis.push(elbow - k as f64 / q as f64 * elbow);
        sigmas.push(sigma_min);
    }
    xis.iter().zip(&sigmas).map(|(&xi, &sigma)| MorletParams { xi, sigma, j: max_dyadic_subsampling(xi, sigma, alpha) }).collect()
}

/// First- and second-order banks of a scattering transform with scale `2^J` and
/// `(q1, q2)` wavelets per octave (kymatio's `scattering_filter_factory` design step).
pub fn scattering_params(j_scale: u32, q: (u32, u32)) -> (Vec<MorletParams>, Vec<MorletParams>) {
    let sigma_min = SIGMA0 / 2f64.powi(j_scale as i32);
    (filterbank_params(sigma_min, q.0, ALPHA, R_PSI), filterbank_params(sigma_min, q.1, ALPHA, R_PSI))
}

/// Time-domain half-support (samples at the design rate) of a Morlet or Gaussian of
/// bandwidth `sigma`, beyond which its envelope `e^{−2π²σ²t²}` is below `eps` of its peak.
pub(crate) fn envelope_reach(sigma: f64, eps: f64) -> f64 {
    ((1.0 / eps).ln() / (2.0 * PI * PI)).sqrt() / sigma
}

/// A Morlet (or Gaussian, `xi = 0`) filter defined analytically, ready to be sampled.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Morlet {
    /// Centre frequency (cycles per sample at the design length); 0 for a lowpass.
    pub xi: f64,
    /// Gaussian bandwidth (cycles per sample).
    pub sigma: f64,
    /// Weight of the Gaussian subtracted so that the DC value is zero.
    pub kappa: f64,
    /// Normalisation: the filter on a grid of `n` points has unit L1 norm in time.
    pub scale: f64,
    /// Design length (the padded signal length) the normalisation refers to.
    pub n: usize,
}

/// `Σ_p exp(−(x + p)²/(2σ²))` over all integers p (the 1-periodic Gaussian).
fn periodic_gauss(x: f64, sigma: f64) -> f64 {
    let reach = (sigma * (2.0 * (1.0 / REL_EPS).ln()).sqrt()).ceil() as i64 + 1;
    let x = x - x.round();
    (-reach..=reach).map(|p| (-(x + p as f64).powi(2) / (2.0 * sigma * sigma)).exp()).sum()
}

impl Morlet {
    /// A band-pass Morlet at `xi` with bandwidth `sigma`, normalised for length `n`.
    pub fn bandpass(xi: f64, sigma: f64, n: usize) -> Morlet {
        let kappa = periodic_gauss(-xi, sigma) / periodic_gauss(0.0, sigma);
        let mut m = Morlet { xi, sigma, kappa, scale: 1.0, n };
        m.scale = 1.0 / m.time_l1(n);
        m
    }

    /// kymatio's `gauss_1d`: a Gaussian lowpass of bandwidth `sigma`, normalised for length `n`.
    pub fn lowpass(sigma: f64, n: usize) -> Morlet {
        let mut m = Morlet { xi: 0.0, sigma, kappa: 0.0, scale: 1.0, n };
        m.scale = 1.0 / m.time_l1(n);
        m
    }

    /// Half-width, in cycles per sample, beyond which `G` is below [`REL_EPS`].
    fn reach(&self) -> f64 {
        self.sigma * (2.0 * (1.0 / REL_EPS).ln()).sqrt()
    }

    /// Closed-form inverse Fourier transform of the unperiodised, unscaled filter at
    /// time `t` (samples): `σ√(2π) e^{−2π²σ²t²} (e^{2πi·xi·t} − κ)`.
    fn time_value(&self, t: f64) -> (f64, f64) {
        let env = self.sigma * (2.0 * PI).sqrt() * (-2.0 * PI * PI * self.sigma * self.sigma * t * t).exp();
        if self.xi == 0.0 {
            return (env, 0.0);
        }
        let (s, c) = (2.0 * PI * self.xi * t).sin_cos();
        (env * (c - self.kappa), env * s)
    }

    /// Time-domain half-support (samples) beyond which the envelope is below 1e-16.
    fn time_reach(&self) -> i64 {
        ((16.0 * 10f64.ln() / (2.0 * PI * PI)).sqrt() / self.sigma).ceil() as i64
    }

    /// The impulse response times `scale` on a circle of `n` samples, index 0 first,
    /// periodised over `n`.
    fn periodised(&self, n: usize, scale: f64) -> Vec<(f64, f64)> {
        let reach = self.time_reach();
        let mut h = vec![(0.0, 0.0); n];
        for t in -reach..=reach {
            let (re, im) = self.time_value(t as f64);
            let k = t.rem_euclid(n as i64) as usize;
            h[k].0 += re * scale;
            h[k].1 += im * scale;
        }
        h
    }

    /// L1 norm of the inverse DFT of the (unscaled) filter sampled on `n` bins
    /// (Poisson summation: the inverse DFT of the sampled, periodised spectrum is the
    /// continuous impulse response periodised over `n`).
    fn time_l1(&self, n: usize) -> f64 {
        let reach = self.time_reach();
        if 2 * reach + 1 < n as i64 {
            // No overlap: sum over the support without allocating the circle.
            // |h(t)| = env(t)·|e^{2πi·xi·t} − κ| is even in t; the envelope comes from a
            // recurrence, and the second factor is 1 to double precision when κ < 1e-17.
            let kappa = self.kappa;
            let amp = self.sigma * (2.0 * PI).sqrt();
            let mut total = 0.0;
            gauss_run(0, reach, 0.0, 1.0 / (2.0 * PI * self.sigma), |t, g| {
                let m = if kappa > 1e-17 { (1.0 + kappa * kappa - 2.0 * kappa * (2.0 * PI * self.xi * t as f64).cos()).sqrt() } else { 1.0 };
                total += if t == 0 { g * m } else { 2.0 * g * m };
            });
            amp * total
        } else {
            self.periodised(n, 1.0).iter().map(|(re, im)| re.hypot(*im)).sum()
        }
    }

    /// The scaled impulse response on `n` samples at full resolution, index 0 first
    /// (the inverse DFT of [`Morlet::sample_dense`] with `level = 0`). For tests and plots.
    pub fn impulse_response(&self, n: usize) -> Vec<(f64, f64)> {
        self.periodised(n, self.scale)
    }

    /// The filter's Fourier transform at the design length, folded to
    /// `m = n / 2^level` bins and divided by `2^level` (kymatio's periodisation by
    /// mean), keeping only non-negligible bins.
    pub fn sample(&self, level: u32) -> SparseFilter {
        self.sample_scaled(level, self.scale / (1u64 << level) as f64)
    }

    /// Like [`Morlet::sample`] but periodised by **sum** over the `2^level` periods, as
    /// kymatio's main branch (and so its joint time–frequency scattering) does.
    pub fn sample_summed(&self, level: u32) -> SparseFilter {
        self.sample_scaled(level, self.scale)
    }

    fn sample_scaled(&self, level: u32, norm: f64) -> SparseFilter {
        let n = self.n;
        let m = n >> level;
        let reach = self.reach();
        let mut runs = Intervals::new(m);
        let mut terms: Vec<(f64, f64)> = vec![(self.xi, 1.0)];
        if self.xi != 0.0 && self.kappa > REL_EPS {
            terms.push((0.0, -self.kappa));
        }
        for &(centre, _) in &terms {
            let lo = ((centre - reach) * n as f64).floor() as i64;
            let hi = ((centre + reach) * n as f64).ceil() as i64;
            runs.add(lo, hi + 1);
        }
        let runs = runs.finish();
        let mut out: Vec<(usize, Vec<f32>)> = runs.iter().map(|&(s, l)| (s, vec![0.0; l])).collect();
        // Evaluate each term on its unfolded bins u (frequency u/n) and add the values
        // into bin u mod m, one contiguous stretch of a run at a time.
        for &(centre, weight) in &terms {
            let lo = ((centre - reach) * n as f64).floor() as i64;
            let hi = ((centre + reach) * n as f64).ceil() as i64;
            let w = weight * norm;
            let mut k = lo.rem_euclid(m as i64) as usize;
            let mut u = lo;
            while u <= hi {
                let (s, vals) = find_run(&mut out, k, m);
                let off = (k + m - *s) % m;
                let take = (vals.len() - off).min((hi - u + 1) as usize).min(m - k);
                let seg = &mut vals[off..off + take];
                let u0 = u;
                gauss_run(u0, u0 + take as i64 - 1, centre * n as f64, self.sigma * n as f64, |v, g| seg[(v - u0) as usize] += (w * g) as f32);
                u += take as i64;
                k = (k + take) % m;
            }
        }
        SparseFilter { len: m, runs: out }
    }

    /// Dense Fourier values at `m = n / 2^level` bins, periodised by mean (tests, plots
    /// and small sizes).
    pub fn sample_dense(&self, level: u32) -> Vec<f64> {
        self.sample(level).to_dense()
    }
}

impl SparseFilter {
    /// The filter as a dense vector of `len` values.
    pub fn to_dense(&self) -> Vec<f64> {
        let sparse = self;
        let mut out = vec![0.0; sparse.len];
        for (s, vals) in &sparse.runs {
            for (i, v) in vals.iter().enumerate() {
                out[(s + i) % sparse.len] = *v as f64;
            }
        }
        out
    }
}

/// Calls `f(u, exp(−(u − c)²/(2 s²)))` for every integer `u` in `lo..=hi`, computed by
/// a recurrence of multiplications from the peak outwards (no `exp` per bin).
fn gauss_run(lo: i64, hi: i64, c: f64, s: f64, mut f: impl FnMut(i64, f64)) {
    let start = c.round().clamp(lo as f64, hi as f64) as i64;
    let inv = 1.0 / (2.0 * s * s);
    let q = (-2.0 * inv).exp(); // ratio of successive ratios
                                // Upwards: g(u+1) = g(u)·r(u), r(u) = exp(−(2(u−c)+1)·inv), r(u+1) = r(u)·q.
                                // Resynchronise with a direct exp every 4096 steps to bound the drift.
    let direct = |u: i64| (-((u as f64 - c).powi(2)) * inv).exp();
    let mut u = start;
    while u <= hi {
        let mut g = direct(u);
        let mut r = (-(2.0 * (u as f64 - c) + 1.0) * inv).exp();
        let stop = (u + 4096).min(hi + 1);
        while u < stop {
            f(u, g);
            g *= r;
            r *= q;
            u += 1;
        }
    }
    let mut u = start - 1;
    while u >= lo {
        let mut g = direct(u);
        let mut r = (-(-2.0 * (u as f64 - c) + 1.0) * inv).exp();
        let stop = (u - 4096).max(lo - 1);
        while u > stop {
            f(u, g);
            g *= r;
            r *= q;
            u -= 1;
        }
    }
}

fn find_run<T>(runs: &mut [(usize, Vec<T>)], k: usize, m: usize) -> &mut (usize, Vec<T>) {
    let i = runs.iter().position(|(s, v)| (k + m - s) % m < v.len()).expect("bin inside a run by construction");
    &mut runs[i]
}

/// Union of circular integer intervals on `0..m`.
struct Intervals {
    m: usize,
    spans: Vec<(i64, i64)>,
}

impl Intervals {
    fn new(m: usize) -> Self {
        Intervals { m, spans: Vec::new() }
    }

    /// Adds the half-open interval `lo..hi` (any integers; taken modulo m).
    fn add(&mut self, lo: i64, hi: i64) {
        self.spans.push((lo, hi));
    }

    /// `(start, len)` runs, disjoint, `start < m`; a single `(0, m)` when they cover the circle.
    fn finish(self) -> Vec<(usize, usize)> {
        let m = self.m as i64;
        let mut spans: Vec<(i64, i64)> = Vec::new();
        for (lo, hi) in self.spans {
            if hi - lo >= m {
                return vec![(0, self.m)];
            }
            let s = lo.rem_euclid(m);
            spans.push((s, s + (hi - lo)));
        }
        spans.sort();
        let mut merged: Vec<(i64, i64)> = Vec::new();
        for (s, e) in spans {
            match merged.last_mut() {
                Some(last) if s <= last.1 => last.1 = last.1.max(e),
                _ => merged.push((s, e)),
            }
        }
        // Wrap-around: a span running past m may reach the first ones.
        while let Some(&(_, le)) = merged.last() {
            if merged.len() > 1 && le - m >= merged[0].0 {
                let (_, fe) = merged.remove(0);
                let last = merged.last_mut().expect("more than one span");
                last.1 = le.max(fe + m);
            } else {
                break;
            }
        }
        if merged.iter().any(|&(s, e)| e - s >= m) {
            return vec![(0, self.m)];
        }
        merged.into_iter().map(|(s, e)| (s as usize, (e - s) as usize)).collect()
    }
}

/// A real Fourier-domain filter on `len` bins, stored as runs of non-negligible values.
#[derive(Debug, Clone)]
pub struct SparseFilter {
    /// Number of bins (the signal length at this resolution).
    pub len: usize,
    /// `(first bin, values)`: values for bins `first, first + 1, ...` modulo `len`.
    pub runs: Vec<(usize, Vec<f32>)>,
}

impl SparseFilter {
    /// Number of stored values.
    pub fn nnz(&self) -> usize {
        self.runs.iter().map(|(_, v)| v.len()).sum()
    }

    /// The highest bin of a real signal's half spectrum this filter reads: the largest
    /// `min(k, len − k)` over its bins `k`.
    pub fn half_reach(&self) -> usize {
        let m = self.len;
        self.runs.iter().flat_map(|(s, v)| (0..v.len()).map(move |i| (s + i) % m)).map(|k| k.min(m - k)).max().unwrap_or(0)
    }
}

/// kymatio's `compute_temporal_support` for a Gaussian lowpass of bandwidth `sigma`
/// on `n` samples: the smallest `N` such that the L1 mass of the (unit-L1) filter
/// beyond `N − 1` on one side is at most `criterion` (1e-3 in kymatio). Returns
/// `(support, warned)`; `warned` when no such `N` exists below `n / 2`.
pub fn temporal_support(sigma: f64, n: usize, criterion: f64) -> (usize, bool) {
    let phi = Morlet::lowpass(sigma, n);
    let half = n / 2;
    let reach = phi.time_reach();
    // |h[k]| for k in 0..half, periodised over n.
    let mut h = vec![0.0f64; half];
    for t in -reach..=reach {
        let k = t.rem_euclid(n as i64) as usize;
        if k < half {
            h[k] += phi.time_value(t as f64).0 * phi.scale;
        }
    }
    // residual[i] = Σ_{k ≥ i} |h[k]|; find the first i with residual ≤ criterion.
    let mut residual = 0.0;
    let mut first = None;
    for i in (0..half).rev() {
        residual += h[i].abs();
        if residual <= criterion {
            first = Some(i);
        } else {
            break;
        }
    }
    match first {
        Some(i) => (i + 1, false),
        None => (half, true),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn intervals_merge_and_wrap() {
        let mut iv = Intervals::new(100);
        iv.add(-5, 5);
        iv.add(3, 20);
        assert_eq!(iv.finish(), vec![(95, 25)]);
        let mut iv = Intervals::new(100);
        iv.add(10, 20);
        iv.add(40, 50);
        assert_eq!(iv.finish(), vec![(10, 10), (40, 10)]);
        let mut iv = Intervals::new(16);
        iv.add(-10, 10);
        assert_eq!(iv.finish(), vec![(0, 16)]);
    }

    #[test]
    fn gauss_run_matches_exp() {
        let (c, s) = (1234.3, 87.0);
        gauss_run(900, 1600, c, s, |u, g| {
            let want = (-((u as f64 - c).powi(2)) / (2.0 * s * s)).exp();
            assert!((g - want).abs() <= 1e-12 * want.max(1e-300) + 1e-300, "{u}: {g} vs {want}");
        });
    }

    /// The L1 norm's fast path (even symmetry, envelope by recurrence) equals the plain
    /// sum of |h(t)| over the support, for a band-pass with negligible κ, one whose κ
    /// matters, and a lowpass (to 1e-10: the recurrence drifts by ~1e-12; filters are f32).
    #[test]
    fn time_l1_equals_the_direct_sum() {
        let n = 1 << 20;
        for m in [Morlet::bandpass(0.4, 0.01, n), Morlet::bandpass(0.004, 0.003, n), Morlet::lowpass(SIGMA0 / 256.0, n)] {
            let reach = m.time_reach();
            let direct: f64 = (-reach..=reach).map(|t| m.time_value(t as f64)).map(|(re, im)| re.hypot(im)).sum();
            let fast = m.time_l1(n);
            assert!((fast - direct).abs() <= 1e-10 * direct, "{m:?}: {fast} vs {direct}");
        }
        assert!(Morlet::bandpass(0.004, 0.003, n).kappa > 1e-3, "the second case must exercise κ");
    }
}
