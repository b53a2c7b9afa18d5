//! Wavelet scattering 1-D, orders 0–2, as kymatio 0.3's `Scattering1D` computes it.
//!
//! `S0 = x ∗ φ_T`, `S1(λ1) = |x ∗ ψ_λ1| ∗ φ_T`, `S2(λ1, λ2) = ||x ∗ ψ_λ1| ∗ ψ_λ2| ∗ φ_T`
//! for the pairs with `j2 > j1`, subsampled by `T / 2^oversampling`. The signal is
//! reflect-padded to a power of two, every convolution is a product in the Fourier
//! domain, and every subsampling is a fold of the spectrum (see [`crate::fourier`]).
//! Channel order, padding, subsampling and `meta()` follow kymatio 0.3 exactly; the
//! outputs match it within 1e-5 of the reference maximum in float32
//! (`tests/kymatio_parity.rs`).

use ndarray::Array2;
use reprise_core::{check_finite, Error, Result};
use serde::{Deserialize, Serialize};

use crate::filter_bank::{scattering_params, Morlet, MorletParams, SparseFilter, SIGMA0};
use crate::fourier::{grown, Blocks, LevelUse, Planner, Plans, Spectra, Work};
use crate::padding::floor_log2;
pub use crate::padding::{Padding, MAX_PADDED};
use crate::segments::{self, Segments};

/// Shortest window when a long signal is transformed in windows (2^20 samples, 48 s at
/// 22050 Hz; see [`crate::segments`]).
const MIN_WINDOW: usize = 1 << 20;

/// Largest accepted `J` (scale `2^J` samples).
pub const MAX_J: u32 = 24;
/// Largest accepted number of wavelets per octave.
pub const MAX_Q: u32 = 64;

/// Parameters of [`Scattering1D`], named as in kymatio.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct ScatteringConfig {
    /// Log2 of the largest wavelet scale. kymatio has no default; ours is 8
    /// (256 samples, 11.6 ms at 22050 Hz).
    #[serde(rename = "J")]
    pub j: u32,
    /// Wavelets per octave at the first and second order; kymatio's int `Q` means `(Q, 1)`.
    /// Default `(12, 1)`, the audio setting of Andén & Mallat (kymatio's default is `(1, 1)`).
    #[serde(rename = "Q")]
    pub q: (u32, u32),
    /// Averaging scale in samples: `None` = `2^J`; `Some(0)` = no averaging (only
    /// [`Scattering1D::process_paths`]); otherwise `1 ≤ T ≤ signal length`.
    #[serde(rename = "T")]
    pub t: Option<usize>,
    /// 1 or 2.
    pub max_order: u32,
    /// Output frame rate multiplied by `2^oversampling` (kymatio 0.3's `oversampling`).
    pub oversampling: u32,
}

impl Default for ScatteringConfig {
    fn default() -> Self {
        ScatteringConfig { j: 8, q: (12, 1), t: None, max_order: 2, oversampling: 0 }
    }
}

impl ScatteringConfig {
    /// Checks every parameter against `n` input samples.
    pub fn validate(&self, n: usize) -> Result<()> {
        let bad = |name, reason: String| Err(Error::InvalidParameter { name, reason });
        if self.j == 0 || self.j > MAX_J {
            return bad("J", format!("must be in 1..={MAX_J}, got {}", self.j));
        }
        if self.q.0 == 0 || self.q.1 == 0 || self.q.0 > MAX_Q || self.q.1 > MAX_Q {
            return bad("Q", format!("wavelets per octave must be in 1..={MAX_Q}, got ({}, {})", self.q.0, self.q.1));
        }
        if !(1..=2).contains(&self.max_order) {
            return bad("max_order", format!("must be 1 or 2, got {}", self.max_order));
        }
        if self.oversampling > 16 {
            return bad("oversampling", format!("must be at most 16, got {}", self.oversampling));
        }
        if n < 2 {
            return Err(Error::TooShort { len: n, need: 2, why: "scattering needs at least two samples".into() });
        }
        // as kymatio: the averaging scale (2^J unless T is given) must fit in the signal
        if let Some(t) = self.t.filter(|&t| t > 0) {
            if t > n {
                return bad("T", format!("the averaging scale cannot exceed the signal length ({t} > {n} samples)"));
            }
        } else if 1usize << self.j > n {
            return Err(Error::TooShort {
                len: n,
                need: 1 << self.j,
                why: format!("the averaging scale T = 2^J = {} samples cannot exceed the signal; lower J or give a longer signal", 1usize << self.j),
            });
        }
        Ok(())
    }

    /// The averaging scale in samples (`2^J` when `T` is `None` or 0).
    pub fn t_samples(&self) -> usize {
        match self.t {
            None | Some(0) => 1 << self.j,
            Some(t) => t,
        }
    }

    /// Whether the outputs are averaged by `φ_T`.
    pub fn average(&self) -> bool {
        self.t != Some(0)
    }
}

/// What one output channel is: kymatio's `meta()` for it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PathMeta {
    /// 0, 1 or 2.
    pub order: u32,
    /// Filter index at each order (`n1`, then `n2`).
    pub n: Vec<usize>,
    /// Centre frequencies (cycles per sample) of the filters.
    pub xi: Vec<f64>,
    /// Bandwidths (cycles per sample) of the filters.
    pub sigma: Vec<f64>,
    /// Maximal subsampling exponents of the filters.
    pub j: Vec<u32>,
}

/// The subsampling exponents of one second-order path.
#[derive(Debug, Clone, Copy)]
struct Order2 {
    n2: usize,
    k2: u32,
    k2_t: u32,
}

/// The subsampling exponents of one first-order path and its children.
#[derive(Debug, Clone)]
struct Order1 {
    k1: u32,
    k1_t: u32,
    children: Vec<Order2>,
    /// The highest half-spectrum bin that φ and the children's ψ2 read from U1's spectra.
    upto: usize,
}

/// A planned scattering transform for signals of one length: padding, filters at every
/// resolution they are used at, FFT plans. Build once, call [`Scattering1D::process`] many times.
///
/// Long signals are convolved by overlap-save blocks (see [`Blocks`]): at every
/// resolution ("level") where the padded signal is at least four blocks long, the
/// filters are sampled at the block length instead of the padded length, and the
/// impulse responses are kept to where their envelope exceeds [`REL_EPS`] of the peak.
/// The outputs equal the whole-signal computation (kymatio's) to float32 rounding
/// (`tests::blocks_equal_whole_signal`).
#[derive(Debug, Clone)]
pub struct Scattering1D {
    config: ScatteringConfig,
    n: usize,
    k0: u32,
    padding: Padding,
    psi1: Vec<MorletParams>,
    psi2: Vec<MorletParams>,
    /// ψ1 spectra at level 0, sampled at the length that level is processed at.
    psi1_f: Vec<SparseFilter>,
    /// `psi2_f[n2][level]`, present for the levels some first-order path feeds it at.
    psi2_f: Vec<Vec<Option<SparseFilter>>>,
    phi_f: Vec<Option<SparseFilter>>,
    /// Block geometry of each level; `None`: FFTs of the whole padded signal.
    geo: Vec<Option<Blocks>>,
    plan: Vec<Order1>,
    plans: Plans,
    /// Long signals: the window geometry and the transform of one window.
    segments: Option<Box<(Segments, Scattering1D)>>,
}

impl Scattering1D {
    /// Plans the transform for signals of `n` samples.
    pub fn new(config: ScatteringConfig, n: usize) -> Result<Scattering1D> {
        Self::build(config, n, true, Some(MIN_WINDOW))
    }

    /// Plans the transform; `blocks = false` keeps whole-signal FFTs at every level;
    /// `min_window: None` keeps the whole signal in one piece (else see [`Segments::plan`]).
    fn build(config: ScatteringConfig, n: usize, blocks: bool, min_window: Option<usize>) -> Result<Scattering1D> {
        config.validate(n)?;
        let log2_max = floor_log2(config.t_samples()).max(config.j);
        let padding = Padding::new(n, config.t_samples(), log2_max)?;
        let n_pad = 1usize << padding.j_pad;
        let mut s = Self::design(config, n, padding, n_pad, blocks);
        if let Some(seg) = min_window.and_then(|m| Segments::plan(n_pad, s.reach(), 1 << log2_max, m)) {
            let window = Self::design(config, seg.w, Padding::none(seg.w, log2_max), n_pad, blocks);
            s.segments = Some(Box::new((seg, window)));
        }
        Ok(s)
    }

    /// The filters and plans for `n` samples padded as `padding`, the filters normalised
    /// for the padded length `n_norm` (the whole signal's, also in a window).
    fn design(config: ScatteringConfig, n: usize, padding: Padding, n_norm: usize, blocks: bool) -> Scattering1D {
        let t = config.t_samples();
        let log2_t = floor_log2(t);
        let os = config.oversampling;
        let average = config.average();
        let n_pad = 1usize << padding.j_pad;
        let (psi1, psi2) = scattering_params(config.j, config.q);
        let sub = |j: u32| if average { j.min(log2_t) } else { j };
        let k0 = log2_t.saturating_sub(os);
        let phi_sigma = SIGMA0 / t as f64;

        let mut uses = vec![LevelUse::default(); padding.j_pad as usize + 1];
        let mut note = |level: u32, sigma: f64, k: u32, psi: bool| LevelUse::note(&mut uses, level, sigma, k, psi);
        if average {
            note(0, phi_sigma, k0, false);
        }
        let mut psi2_levels = vec![vec![false; padding.j_pad as usize + 1]; psi2.len()];
        let mut plan = Vec::with_capacity(psi1.len());
        for p1 in &psi1 {
            let k1 = sub(p1.j).saturating_sub(os);
            note(0, p1.sigma, k1, true);
            let k1_t = log2_t.saturating_sub(k1 + os);
            if average {
                note(k1, phi_sigma, k1_t, false);
            }
            let mut children = Vec::new();
            if config.max_order == 2 {
                for (n2, p2) in psi2.iter().enumerate() {
                    if p2.j > p1.j {
                        let k2 = sub(p2.j).saturating_sub(k1 + os);
                        psi2_levels[n2][k1 as usize] = true;
                        note(k1, p2.sigma, k2, true);
                        let k2_t = log2_t.saturating_sub(k2 + k1 + os);
                        if average {
                            note(k1 + k2, phi_sigma, k2_t, false);
                        }
                        children.push(Order2 { n2, k2, k2_t });
                    }
                }
            }
            plan.push(Order1 { k1, k1_t, children, upto: usize::MAX });
        }

        let mut planner = Planner::default();
        let geo = LevelUse::plan(&uses, n_pad, blocks, &mut planner);
        // A filter used at level l is sampled at design length n_pad (whole) or b·2^l
        // (blocked), then folded to level l; its L1 normalisation stays that of n_pad.
        let design = |m: Morlet, l: usize| Morlet { n: geo[l].map_or(n_pad, |g| g.b << l), ..m }.sample(l as u32);
        let psi1_f = psi1.iter().map(|p| design(Morlet::bandpass(p.xi, p.sigma, n_norm), 0)).collect();
        let psi2_f: Vec<Vec<Option<SparseFilter>>> = psi2
            .iter()
            .zip(&psi2_levels)
            .map(|(p, levels)| {
                let m = Morlet::bandpass(p.xi, p.sigma, n_norm);
                levels.iter().enumerate().map(|(l, &used)| used.then(|| design(m, l))).collect()
            })
            .collect();
        let phi = Morlet::lowpass(phi_sigma, n_norm);
        let phi_f: Vec<Option<SparseFilter>> = uses.iter().enumerate().map(|(l, u)| u.has_phi().then(|| design(phi, l))).collect();
        for o1 in &mut plan {
            let level = o1.k1 as usize;
            let phi = average.then(|| phi_f[level].as_ref().map_or(usize::MAX, SparseFilter::half_reach));
            let psi = o1.children.iter().map(|c| psi2_f[c.n2][level].as_ref().map_or(usize::MAX, SparseFilter::half_reach));
            o1.upto = phi.into_iter().chain(psi).max().unwrap_or(0);
        }
        Scattering1D { config, n, k0, padding, psi1, psi2, psi1_f, psi2_f, phi_f, geo, plan, plans: planner.finish(), segments: None }
    }

    /// Samples of context an output sample needs either side (see [`crate::segments::reach`]).
    fn reach(&self) -> f64 {
        let psi2: &[MorletParams] = if self.config.max_order == 2 { &self.psi2 } else { &[] };
        segments::reach(&[&self.psi1, psi2], self.config.average().then(|| self.config.t_samples()))
    }

    /// The resolution level (log2 of the subsampling) of each output path, in output order.
    fn levels(&self) -> Vec<u32> {
        let average = self.config.average();
        let mut v = vec![if average { self.k0 } else { 0 }];
        v.extend(self.plan.iter().map(|o| if average { o.k1 + o.k1_t } else { o.k1 }));
        for o in &self.plan {
            v.extend(o.children.iter().map(|c| if average { o.k1 + c.k2 + c.k2_t } else { o.k1 + c.k2 }));
        }
        v
    }

    /// Whether long signals are transformed in windows ([`crate::segments`]), and their length.
    pub fn window_len(&self) -> Option<usize> {
        self.segments.as_ref().map(|s| s.0.w)
    }

    /// The configuration.
    pub fn config(&self) -> &ScatteringConfig {
        &self.config
    }

    /// Input length this transform was planned for.
    pub fn input_len(&self) -> usize {
        self.n
    }

    /// The padding and border indices.
    pub fn padding(&self) -> &Padding {
        &self.padding
    }

    /// First-order filter parameters, high to low frequency.
    pub fn psi1(&self) -> &[MorletParams] {
        &self.psi1
    }

    /// Second-order filter parameters, high to low frequency.
    pub fn psi2(&self) -> &[MorletParams] {
        &self.psi2
    }

    /// Number of output channels: 1 + first-order + second-order paths.
    pub fn n_channels(&self) -> usize {
        1 + self.plan.len() + self.plan.iter().map(|p| p.children.len()).sum::<usize>()
    }

    /// Frames per channel of the averaged output.
    pub fn n_frames(&self) -> usize {
        self.padding.ind_end[self.k0 as usize] - self.padding.ind_start[self.k0 as usize]
    }

    /// Per-channel description, in output order (kymatio's `meta()`).
    pub fn meta(&self) -> Vec<PathMeta> {
        let mut out = vec![PathMeta { order: 0, n: vec![], xi: vec![], sigma: vec![], j: vec![] }];
        for (n1, (p1, o1)) in self.psi1.iter().zip(&self.plan).enumerate() {
            out.push(PathMeta { order: 1, n: vec![n1], xi: vec![p1.xi], sigma: vec![p1.sigma], j: vec![p1.j] });
            let _ = o1;
        }
        for (n1, (p1, o1)) in self.psi1.iter().zip(&self.plan).enumerate() {
            for c in &o1.children {
                let p2 = &self.psi2[c.n2];
                out.push(PathMeta { order: 2, n: vec![n1, c.n2], xi: vec![p1.xi, p2.xi], sigma: vec![p1.sigma, p2.sigma], j: vec![p1.j, p2.j] });
            }
        }
        out
    }

    /// The averaged transform, channels × frames (needs `T ≠ 0`).
    pub fn process(&self, x: &[f32]) -> Result<Array2<f32>> {
        if !self.config.average() {
            return Err(Error::InvalidParameter { name: "T", reason: "T = 0 gives paths of different lengths; use process_paths".into() });
        }
        let mut out = Array2::zeros((self.n_channels(), self.n_frames()));
        self.each_path(x, |i, at, v| out.row_mut(i).as_slice_mut().expect("standard layout")[at..at + v.len()].copy_from_slice(v))?;
        Ok(out)
    }

    /// Every path as its own vector, in output order (differing lengths when `T = 0`).
    pub fn process_paths(&self, x: &[f32]) -> Result<Vec<Vec<f32>>> {
        let pad = &self.padding;
        let mut out: Vec<Vec<f32>> = self.levels().into_iter().map(|l| vec![0.0; pad.ind_end[l as usize] - pad.ind_start[l as usize]]).collect();
        self.each_path(x, |i, at, v| out[i][at..at + v.len()].copy_from_slice(v))?;
        Ok(out)
    }

    /// Checks `x` and calls `put(path, at, values)`: `values` are samples `at..` of
    /// output path `path` (the whole path, or one window's share of it).
    fn each_path(&self, x: &[f32], mut put: impl FnMut(usize, usize, &[f32])) -> Result<()> {
        if x.len() != self.n {
            return Err(Error::ShapeMismatch { expected: format!("{} samples", self.n), got: format!("{} samples", x.len()) });
        }
        check_finite(x, "sample")?;
        let Some(segments) = &self.segments else {
            let mut ws = Workspace::new(&self.plans);
            self.run(x, &mut ws, |i, s| put(i, 0, &s));
            return Ok(());
        };
        let (seg, window) = &**segments;
        let pad = &self.padding;
        let levels = self.levels();
        let mut ws = Workspace::new(&window.plans);
        let mut buf = vec![0.0f32; seg.w];
        for a in seg.covering(pad, self.n) {
            seg.fill(x, pad, a, &mut buf);
            window.run(&buf, &mut ws, |i, s| {
                let l = levels[i] as usize;
                if let Some((from, at, len)) = seg.core(a, l as u32, pad.ind_start[l], pad.ind_end[l]) {
                    put(i, at, &s[from..from + len]);
                }
            });
        }
        Ok(())
    }

    /// The core: calls `emit(path, values)` for every output path (S0, then the
    /// first-order paths, then the second-order ones, in output order).
    fn run(&self, x: &[f32], ws: &mut Workspace, mut emit: impl FnMut(usize, Vec<f32>)) {
        let n_pad = 1usize << self.padding.j_pad;
        let average = self.config.average();
        let pad = &self.padding;
        let cut = |u: &[f32], level: u32| u[pad.ind_start[level as usize]..pad.ind_end[level as usize]].to_vec();
        let xp = grown(&mut ws.u0, n_pad);
        pad.pad_into(x, xp);
        ws.sp0.set(&self.plans, xp, self.geo[0], usize::MAX, &mut ws.work);
        emit(0, if average { self.lowpass(&ws.sp0, 0, self.k0, &mut ws.work, &mut ws.low) } else { x.to_vec() });
        let mut second = 1 + self.plan.len();
        for (n1, o1) in self.plan.iter().enumerate() {
            let k1 = o1.k1;
            let u1 = grown(&mut ws.u1, n_pad >> k1);
            ws.sp0.modulus(&self.plans, &self.psi1_f[n1], k1, u1, &mut ws.work);
            let s1 = if average {
                ws.sp1.set(&self.plans, u1, self.geo[k1 as usize], o1.upto, &mut ws.work);
                self.lowpass(&ws.sp1, k1, o1.k1_t, &mut ws.work, &mut ws.low)
            } else {
                let s = cut(u1, k1);
                if !o1.children.is_empty() {
                    ws.sp1.set(&self.plans, u1, self.geo[k1 as usize], o1.upto, &mut ws.work);
                }
                s
            };
            emit(1 + n1, s1);
            for c in &o1.children {
                let level = k1 + c.k2;
                let filt = self.psi2_f[c.n2][k1 as usize].as_ref().expect("planned level");
                let u2 = grown(&mut ws.u2, ws.sp1.len() >> c.k2);
                ws.sp1.modulus(&self.plans, filt, c.k2, u2, &mut ws.work);
                let s2 = if average {
                    // only φ follows: keep the bins it reads
                    let upto = self.phi_f[level as usize].as_ref().map_or(usize::MAX, |f| f.half_reach());
                    ws.sp2.set(&self.plans, u2, self.geo[level as usize], upto, &mut ws.work);
                    self.lowpass(&ws.sp2, level, c.k2_t, &mut ws.work, &mut ws.low)
                } else {
                    cut(u2, level)
                };
                emit(second, s2);
                second += 1;
            }
        }
    }

    /// `unpad(u ∗ φ_level)` subsampled by `2^k`, for `sp` the spectra of a signal `u` at `level`.
    fn lowpass(&self, sp: &Spectra, level: u32, k: u32, w: &mut Work, low: &mut Vec<f32>) -> Vec<f32> {
        let phi = self.phi_f[level as usize].as_ref().expect("planned level");
        let out = grown(low, sp.len() >> k);
        sp.lowpass(&self.plans, phi, k, out, w);
        let at = (level + k) as usize;
        out[self.padding.ind_start[at]..self.padding.ind_end[at]].to_vec()
    }
}

/// Signals and spectra of one call: the padded input (level 0), the current first-order
/// and second-order moduli, their spectra, and work buffers.
struct Workspace {
    u0: Vec<f32>,
    u1: Vec<f32>,
    u2: Vec<f32>,
    sp0: Spectra,
    sp1: Spectra,
    sp2: Spectra,
    work: Work,
    /// Lowpass output before the cut.
    low: Vec<f32>,
}

impl Workspace {
    fn new(plans: &Plans) -> Workspace {
        Workspace {
            u0: vec![],
            u1: vec![],
            u2: vec![],
            sp0: Spectra::default(),
            sp1: Spectra::default(),
            sp2: Spectra::default(),
            work: Work::new(plans),
            low: vec![],
        }
    }
}

/// One-call scattering of `x` with `config` (plans, then transforms).
pub fn scattering1d(x: &[f32], config: ScatteringConfig) -> Result<Array2<f32>> {
    Scattering1D::new(config, x.len())?.process(x)
}

#[cfg(test)]
mod tests {
    use super::*;
    use reprise_core::Rng;

    fn signal(n: usize) -> Vec<f32> {
        let mut rng = Rng::new(11);
        (0..n)
            .map(|i| {
                let t = i as f64 / 22050.0;
                (0.4 * (2.0 * std::f64::consts::PI * 440.0 * t).sin()
                    + 0.2 * (2.0 * std::f64::consts::PI * 3000.0 * t * (1.0 + t)).sin()
                    + 0.1 * rng.range(-1.0, 1.0)) as f32
            })
            .collect()
    }

    /// Every path of `a` equals that of `b` within 1e-5 of `b`'s peak.
    fn assert_paths_close(cfg: &ScatteringConfig, a: &[Vec<f32>], b: &[Vec<f32>]) {
        assert_eq!(a.len(), b.len());
        for (i, (p, q)) in a.iter().zip(b).enumerate() {
            assert_eq!(p.len(), q.len(), "{cfg:?} path {i}");
            let peak = q.iter().fold(0f32, |m, v| m.max(v.abs()));
            let err = p.iter().zip(q).fold(0f32, |m, (u, v)| m.max((u - v).abs()));
            assert!(err <= 1e-5 * peak.max(1e-6), "{cfg:?} path {i}: error {err:e}, peak {peak:e}");
        }
    }

    /// Overlap-save blocks give the whole-signal result (kymatio's, which the parity
    /// tests check on short signals) to float32 rounding, averaged or not, at order 1
    /// and 2, with oversampling, on a signal long enough for blocks at several levels
    /// (level 0 of the first configuration has 5 blocks: the last pair is half empty).
    #[test]
    fn blocks_equal_whole_signal() {
        let n = 60_000;
        let x = signal(n);
        let configs = [
            ScatteringConfig { j: 6, q: (8, 1), ..ScatteringConfig::default() },
            ScatteringConfig { j: 6, q: (8, 2), oversampling: 1, ..ScatteringConfig::default() },
            ScatteringConfig { j: 5, q: (4, 1), t: Some(0), ..ScatteringConfig::default() },
            ScatteringConfig { j: 6, q: (8, 1), max_order: 1, ..ScatteringConfig::default() },
        ];
        for cfg in configs {
            let blocked = Scattering1D::build(cfg, n, true, None).unwrap();
            let whole = Scattering1D::build(cfg, n, false, None).unwrap();
            let levels = blocked.geo.iter().filter(|g| g.is_some()).count();
            assert!(levels >= 2, "{cfg:?}: blocks at {levels} levels; the test needs several");
            assert!(whole.geo.iter().all(|g| g.is_none()));
            let (a, b) = (blocked.process_paths(&x).unwrap(), whole.process_paths(&x).unwrap());
            assert_paths_close(&cfg, &a, &b);
        }
    }

    /// Windows ([`crate::segments`]) give the whole-signal result within 1e-5 of each
    /// path's peak, averaged or not, at order 1 and 2, with oversampling, with a window
    /// shorter than half the signal (up to 70 windows, the first and last reading the
    /// reflection), so that the boundaries between windows are everywhere.
    #[test]
    fn windows_equal_whole_signal() {
        let n = 300_001;
        let x = signal(n);
        let configs = [
            ScatteringConfig { j: 6, q: (8, 1), ..ScatteringConfig::default() },
            ScatteringConfig { j: 8, q: (12, 1), ..ScatteringConfig::default() },
            ScatteringConfig { j: 6, q: (8, 2), oversampling: 1, ..ScatteringConfig::default() },
            ScatteringConfig { j: 5, q: (4, 1), t: Some(0), ..ScatteringConfig::default() },
            ScatteringConfig { j: 6, q: (8, 1), max_order: 1, t: Some(100), ..ScatteringConfig::default() },
        ];
        for cfg in configs {
            let windowed = Scattering1D::build(cfg, n, true, Some(1 << 12)).unwrap();
            let whole = Scattering1D::build(cfg, n, true, None).unwrap();
            let w = windowed.window_len().expect("windows planned");
            assert!(n >= 2 * w, "{cfg:?}: window {w} too long for the test");
            assert_eq!(whole.window_len(), None);
            let (a, b) = (windowed.process_paths(&x).unwrap(), whole.process_paths(&x).unwrap());
            assert_paths_close(&cfg, &a, &b);
            if cfg.average() {
                assert_eq!(windowed.process(&x).unwrap().shape(), whole.process(&x).unwrap().shape());
            }
        }
    }
}
