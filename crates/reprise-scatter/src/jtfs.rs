//! Joint time–frequency scattering (Andén, Lostanlen & Mallat 2019), as kymatio's
//! main branch computes it (`TimeFrequencyScattering`, commit 11552ed5).
//!
//! * Order 0: `x ∗ φ_T`.
//! * Order 1: the time-averaged scalogram `S1(λ, t) = |x ∗ ψ_λ| ∗ φ_T`, filtered along
//!   log-frequency λ by the frequential lowpass `φ_fr` (spin 0) and by the spin-up
//!   frequential wavelets, modulus, then (spin ≠ 0) averaged along λ by `φ_F`.
//! * Order 2: for each second-order wavelet ψ_μ, `Y2(λ, t) = |x ∗ ψ_λ| ∗ ψ_μ` (complex,
//!   for the λ with `j1 < j2`), filtered along λ by `φ_fr` and by the wavelets of both
//!   spins, modulus, averaged in time by `φ_T` and (spin ≠ 0) along λ by `φ_F`.
//!
//! The λ axis is zero-padded to `N_fr = ⌊((J+1)·Q1 + 8·min(F, 2^J_fr)) / 2^J_fr⌋·2^J_fr`
//! rows and convolved circularly; filters at coarser resolutions are periodised by
//! sum (kymatio main), not by mean (kymatio 0.3). A second-order column has only its
//! `n1_max` first rows nonzero, so these paths are computed as banded products on those
//! rows ([`crate::lambda`]) where that costs less than the FFTs along λ (at the defaults,
//! always); both routes are tested to agree. Two output layouts:
//! [`JtfsFormat::Time`] (channels × frames, λ split into channels) and
//! [`JtfsFormat::Joint`] (paths × λ rows × frames, order 0 dropped). The averages along
//! λ and along time are both linear, so this implementation averages along λ first and
//! time-averages only the rows that are output; the result is the same.
//! `fixtures/kymatio/JTFS.md` documents every step; parity with kymatio main is tested
//! to 1e-4 of the reference maximum (`tests/jtfs_parity.rs`).

use std::ops::Range;

use ndarray::{s, Array2, Array3, ArrayD, ArrayView1};
use num_complex::Complex32;
use reprise_core::{check_finite, Error, Result};
use serde::{Deserialize, Serialize};

use crate::filter_bank::{
    envelope_reach, filterbank_params, max_dyadic_subsampling, scattering_params, Morlet, MorletParams, SparseFilter, ALPHA, REL_EPS, R_PSI, SIGMA0,
};
use crate::fourier::{grown, modulus, Blocks, LevelUse, Planner, Plans, Spectra, Work};
use crate::lambda::{circular_impulse, split_tile, BandedPath, ImpulseResponse, TILE};
use crate::octave::{OctaveFilters, OctaveKernel};
use crate::padding::Padding;
use crate::scattering1d::{MAX_J, MAX_Q};
use crate::segments::{self, Segments};

/// Output layout of [`Jtfs`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum JtfsFormat {
    /// Channels × frames: every λ row of every path is a channel (kymatio's `'time'`).
    #[default]
    Time,
    /// Paths × λ rows × frames, order 0 dropped (kymatio's `'joint'`).
    Joint,
}

/// Parameters of [`Jtfs`], named as in kymatio's `TimeFrequencyScattering`.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct JtfsConfig {
    /// Log2 of the largest temporal wavelet scale (default 8).
    #[serde(rename = "J")]
    pub j: u32,
    /// Log2 of the largest frequential wavelet scale, in first-order filter indices (default 3).
    #[serde(rename = "J_fr")]
    pub j_fr: u32,
    /// Temporal wavelets per octave at orders 1 and 2 (default `(12, 1)`).
    #[serde(rename = "Q")]
    pub q: (u32, u32),
    /// Frequential wavelets per octave (default 1).
    #[serde(rename = "Q_fr")]
    pub q_fr: u32,
    /// Temporal averaging scale in samples; `None` = `2^J`. A power of two no smaller
    /// than the largest second-order subsampling.
    #[serde(rename = "T")]
    pub t: Option<usize>,
    /// Frequential averaging scale in rows; `None` = `2^J_fr`. A power of two `≤ 2^J_fr`.
    #[serde(rename = "F")]
    pub f: Option<usize>,
    /// Output layout.
    pub format: JtfsFormat,
    /// Spiral scattering: `Some(filters)` adds, for every second-order path, the paths
    /// filtered across octaves at fixed chroma (see [`crate::spiral`]).
    #[serde(default)]
    pub spiral: Option<OctaveFilters>,
}

impl Default for JtfsConfig {
    fn default() -> Self {
        JtfsConfig { j: 8, j_fr: 3, q: (12, 1), q_fr: 1, t: None, f: None, format: JtfsFormat::Time, spiral: None }
    }
}

impl JtfsConfig {
    fn t_samples(&self) -> usize {
        self.t.unwrap_or(1 << self.j)
    }

    fn f_rows(&self) -> usize {
        self.f.unwrap_or(1 << self.j_fr)
    }

    /// Checks every parameter against `n` input samples.
    pub fn validate(&self, n: usize) -> Result<()> {
        let bad = |name, reason: String| Err(Error::InvalidParameter { name, reason });
        if self.j == 0 || self.j > MAX_J {
            return bad("J", format!("must be in 1..={MAX_J}, got {}", self.j));
        }
        if self.j_fr == 0 || self.j_fr > 8 {
            return bad("J_fr", format!("must be in 1..=8, got {}", self.j_fr));
        }
        if self.q.0 == 0 || self.q.1 == 0 || self.q.0 > MAX_Q || self.q.1 > MAX_Q {
            return bad("Q", format!("wavelets per octave must be in 1..={MAX_Q}, got ({}, {})", self.q.0, self.q.1));
        }
        if self.q_fr == 0 || self.q_fr > 16 {
            return bad("Q_fr", format!("must be in 1..=16, got {}", self.q_fr));
        }
        let t = self.t_samples();
        if self.t.is_none() && t > n && n >= 2 {
            return Err(Error::TooShort {
                len: n,
                need: t,
                why: format!("the averaging scale T = 2^J = {t} samples cannot exceed the signal; lower J or give a longer signal"),
            });
        }
        if !t.is_power_of_two() || t > n {
            return bad("T", format!("must be a power of two no larger than the signal ({n} samples), got {t}"));
        }
        let f = self.f_rows();
        if !f.is_power_of_two() || f > 1 << self.j_fr {
            return bad("F", format!("must be a power of two no larger than 2^J_fr = {}, got {f}", 1 << self.j_fr));
        }
        if n < 2 {
            return Err(Error::TooShort { len: n, need: 2, why: "scattering needs at least two samples".into() });
        }
        Ok(())
    }
}

/// What one output channel (format `time`) or path (format `joint`) is.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct JtfsMeta {
    /// 0, 1 or 2.
    pub order: u32,
    /// First-order filter index of the λ row (format `time`); `None` for order 0 and
    /// for paths of the joint format, whose rows are `n1 = r · n1_stride`.
    pub n1: Option<usize>,
    /// Second-order filter index (order 2).
    pub n2: Option<usize>,
    /// Frequential filter index: 0 = `φ_fr`, then spin-up wavelets, then spin-down.
    pub n_fr: Option<usize>,
    /// 0 (lowpass along λ), +1 (up) or −1 (down); `None` for order 0.
    pub spin: Option<i8>,
    /// λ rows between output rows.
    pub n1_stride: Option<usize>,
    /// Centre frequencies of the temporal filters (ψ1, ψ2) in cycles per sample.
    pub xi: Vec<f64>,
    /// Bandwidths of the temporal filters.
    pub sigma: Vec<f64>,
    /// Subsampling exponents of the temporal filters.
    pub j: Vec<u32>,
    /// Centre frequency of the frequential filter, in cycles per λ row (signed).
    pub xi_fr: Option<f64>,
    /// Bandwidth of the frequential filter.
    pub sigma_fr: Option<f64>,
    /// Subsampling exponent of the frequential filter.
    pub j_fr: Option<u32>,
    /// Spiral paths: index of the filter across octaves (see [`crate::spiral`]).
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub octave: Option<usize>,
}

/// A frequential filter along λ.
#[derive(Debug, Clone)]
struct FreqFilter {
    xi: f64,
    sigma: f64,
    j: u32,
    spin: i8,
    /// λ subsampling after this filter: `min(j, log2 F)`.
    k: u32,
    /// Dense Fourier values on `n_fr` bins.
    hat: Vec<f32>,
    /// Its circular impulse response, for the banded route.
    h: ImpulseResponse,
}

/// How second-order paths are filtered along λ.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum LambdaRoute {
    /// Per second-order wavelet, whichever of the two below costs fewer operations.
    Cheaper,
    /// FFTs along λ of every column (kymatio's way).
    Fourier,
    /// Banded products on the nonzero rows ([`crate::lambda`]).
    #[cfg_attr(not(test), allow(dead_code))] // forced only by tests
    Banded,
}

/// Cost of the Fourier route per time column and per `n_fr·log2 n_fr` of each of its
/// FFTs (one forward, one inverse per filter), in the units of [`BandedPath::cost`]
/// (complex multiply–adds of the banded route). Measured at the defaults (60 s, 168 λ
/// rows): a column took about 2.9 µs by FFTs and 0.13 ns per unit by banded products,
/// so the Fourier route costs about 23 000 units there; every second-order wavelet
/// (3 650 to 19 550 units) goes the banded way.
const FOURIER_WEIGHT: usize = 2;

/// The planned transform for signals of one length.
#[derive(Debug, Clone)]
pub struct Jtfs {
    config: JtfsConfig,
    n: usize,
    lst: u32,
    lf: u32,
    padding: Padding,
    psi1: Vec<MorletParams>,
    psi2: Vec<MorletParams>,
    k1: Vec<u32>,
    psi1_f: Vec<SparseFilter>,
    psi2_f: Vec<Vec<Option<SparseFilter>>>,
    phi_f: Vec<Option<SparseFilter>>,
    n_fr: usize,
    fr: Vec<FreqFilter>,
    /// The λ average by `phi_F` at λ levels 0..=log2 F as a matrix on real columns:
    /// `avg_lambda[level][r·m + q]` weighs row `q` of a column of `m = n_fr / 2^level`
    /// rows in output row `r < n_fr / F` (`phi_F` periodised by sum, then subsampled by F).
    avg_lambda: Vec<Vec<f32>>,
    /// Filters across octaves (spiral scattering), as taps.
    octave: Option<Vec<OctaveKernel>>,
    /// Whether time columns that cannot reach the output are skipped (see [`Jtfs::span`])
    /// and long levels are processed in blocks; always true outside tests.
    skip_padding: bool,
    /// Block geometry of each time level (see [`crate::fourier::Blocks`]); `None`: whole-signal FFTs.
    geo: Vec<Option<Blocks>>,
    /// Per second-order wavelet, its frequential paths as banded matrices when that
    /// route is chosen (empty: the Fourier route).
    banded: Vec<Vec<BandedPath>>,
    plans: Plans,
    /// Long signals: the window geometry and the transform of one window.
    segments: Option<Box<(Segments, Jtfs)>>,
}

/// Columns processed together along λ (bounds memory for long signals).
const CHUNK: usize = 256;

/// Shortest window when a long signal is transformed in windows (2^18 samples, 12 s at
/// 22050 Hz; see [`crate::segments`]).
const MIN_WINDOW: usize = 1 << 18;

impl Jtfs {
    /// Plans the transform for signals of `n` samples.
    pub fn new(config: JtfsConfig, n: usize) -> Result<Jtfs> {
        Self::build(config, n, true, LambdaRoute::Cheaper, Some(MIN_WINDOW))
    }

    /// Plans the transform; `skip_padding = false` (tests) processes every time column
    /// of the padding and keeps whole-signal FFTs at every level; `route` picks how
    /// second-order paths are filtered along λ; `min_window: None` keeps the whole
    /// signal in one piece (else see [`Segments::plan`]).
    fn build(config: JtfsConfig, n: usize, skip_padding: bool, route: LambdaRoute, min_window: Option<usize>) -> Result<Jtfs> {
        config.validate(n)?;
        let t = config.t_samples();
        let log2_max = t.trailing_zeros().max(config.j);
        let padding = Padding::new(n, t, log2_max)?;
        let np = 1usize << padding.j_pad;
        let mut jtfs = Self::design(config, n, padding, np, skip_padding, route)?;
        if let Some(seg) = min_window.and_then(|m| Segments::plan(np, jtfs.reach(), 1 << log2_max, m)) {
            let window = Self::design(config, seg.w, Padding::none(seg.w, log2_max), np, skip_padding, route)?;
            jtfs.segments = Some(Box::new((seg, window)));
        }
        Ok(jtfs)
    }

    /// The filters and plans for `n` samples padded as `padding`, the time filters
    /// normalised for the padded length `n_norm` (the whole signal's, also in a window).
    fn design(config: JtfsConfig, n: usize, padding: Padding, n_norm: usize, skip_padding: bool, route: LambdaRoute) -> Result<Jtfs> {
        let t = config.t_samples();
        let lst = t.trailing_zeros();
        let lf = config.f_rows().trailing_zeros();
        let np = 1usize << padding.j_pad;
        let (psi1, psi2) = scattering_params(config.j, config.q);
        let k1: Vec<u32> = psi1.iter().map(|p| p.j.min(lst)).collect();
        for p2 in &psi2 {
            for (p1, &k) in psi1.iter().zip(&k1) {
                if p2.j > p1.j && p2.j - k > lst {
                    return Err(Error::InvalidParameter {
                        name: "T",
                        reason: format!(
                            "T = {t} is too small for J = {}: second-order paths would have different lengths; use T ≥ 2^{}",
                            config.j, p2.j
                        ),
                    });
                }
            }
        }
        // What each time level is used for: order 1 at level 0 (φ_T, ψ1), first-order
        // moduli at k1 (φ_T, ψ2), second-order rows at j2 (φ_T).
        let phi_sigma = SIGMA0 / t as f64;
        let mut uses = vec![LevelUse::default(); padding.j_pad as usize + 1];
        LevelUse::note(&mut uses, 0, phi_sigma, lst, false);
        let mut psi2_levels = vec![vec![false; padding.j_pad as usize + 1]; psi2.len()];
        for (p1, &k) in psi1.iter().zip(&k1) {
            LevelUse::note(&mut uses, 0, p1.sigma, k, true);
            LevelUse::note(&mut uses, k, phi_sigma, lst - k, false);
        }
        for (n2, p2) in psi2.iter().enumerate() {
            for (p1, &k) in psi1.iter().zip(&k1) {
                if p2.j > p1.j {
                    psi2_levels[n2][k as usize] = true;
                    LevelUse::note(&mut uses, k, p2.sigma, p2.j - k, true);
                    LevelUse::note(&mut uses, p2.j, phi_sigma, lst - p2.j, false);
                }
            }
        }
        let mut planner = Planner::default();
        let geo = LevelUse::plan(&uses, np, skip_padding, &mut planner);
        // Filters periodised by sum (kymatio main), sampled as in Scattering1D::new.
        let design = |m: Morlet, l: usize| Morlet { n: geo[l].map_or(np, |g| g.b << l), ..m }.sample_summed(l as u32);
        let psi1_f = psi1.iter().map(|p| design(Morlet::bandpass(p.xi, p.sigma, n_norm), 0)).collect();
        let psi2_f = psi2
            .iter()
            .zip(&psi2_levels)
            .map(|(p, levels)| {
                let m = Morlet::bandpass(p.xi, p.sigma, n_norm);
                levels.iter().enumerate().map(|(l, &used)| used.then(|| design(m, l))).collect()
            })
            .collect();
        let phi = Morlet::lowpass(phi_sigma, n_norm);
        let phi_f = uses.iter().enumerate().map(|(l, u)| u.has_phi().then(|| design(phi, l))).collect();

        // Frequential filter bank along λ.
        let step = 1usize << config.j_fr;
        let n_fr = ((config.j as usize + 1) * config.q.0 as usize + 8 * config.f_rows().min(step)) / step * step;
        let sigma_min_fr = SIGMA0 / 2f64.powi(config.j_fr as i32);
        let up = filterbank_params(sigma_min_fr, config.q_fr, ALPHA, R_PSI);
        let phi_fr_sigma = SIGMA0 / step as f64;
        let filter = |xi: f64, sigma: f64, j: u32, spin: i8, m: Morlet| {
            let hat = m.sample(0).to_dense();
            FreqFilter { xi, sigma, j, spin, k: j.min(lf), h: ImpulseResponse::new(&hat), hat: hat.into_iter().map(|v| v as f32).collect() }
        };
        let mut fr = vec![filter(0.0, phi_fr_sigma, config.j_fr, 0, Morlet::lowpass(phi_fr_sigma, n_fr))];
        for sign in [1.0, -1.0] {
            for p in &up {
                let j = max_dyadic_subsampling(p.xi, p.sigma, ALPHA);
                fr.push(filter(sign * p.xi, p.sigma, j, sign as i8, Morlet::bandpass(sign * p.xi, p.sigma, n_fr)));
            }
        }
        let phi_big = Morlet::lowpass(SIGMA0 / config.f_rows() as f64, n_fr);
        let avg_lambda = (0..=lf).map(|l| lambda_average_matrix(&phi_big.sample_summed(l).to_dense(), n_fr >> lf)).collect();
        for l in 0..=config.j_fr {
            planner.complex(n_fr >> l);
            planner.complex_forward(n_fr >> l);
        }
        let octave = config.spiral.map(|o| o.kernels());
        let mut jtfs = Jtfs {
            config,
            n,
            lst,
            lf,
            padding,
            psi1,
            psi2,
            k1,
            psi1_f,
            psi2_f,
            phi_f,
            n_fr,
            fr,
            avg_lambda,
            octave,
            skip_padding,
            geo,
            banded: vec![],
            plans: planner.finish(),
            segments: None,
        };
        jtfs.banded = (0..jtfs.psi2.len()).map(|n2| jtfs.banded_paths(n2, route)).collect();
        Ok(jtfs)
    }

    /// The frequential paths of second-order wavelet `n2` as banded matrices, or none
    /// where the Fourier route is chosen.
    fn banded_paths(&self, n2: usize, route: LambdaRoute) -> Vec<BandedPath> {
        let n1_max = self.n1_max(n2);
        if n1_max == 0 || route == LambdaRoute::Fourier {
            return vec![];
        }
        let paths: Vec<BandedPath> = self
            .fr
            .iter()
            .enumerate()
            .map(|(i, f)| {
                let avg = (f.spin != 0).then(|| self.avg_lambda[f.k as usize].as_slice());
                BandedPath::new(i, &f.h, self.n_fr, f.k, n1_max, self.out_rows(f, n1_max), avg)
            })
            .collect();
        let cost: usize = paths.iter().map(|p| p.cost()).sum();
        let fourier = FOURIER_WEIGHT * (self.fr.len() + 1) * self.n_fr * self.n_fr.ilog2() as usize;
        if route == LambdaRoute::Cheaper && cost > fourier {
            return vec![];
        }
        paths
    }

    /// The configuration.
    pub fn config(&self) -> &JtfsConfig {
        &self.config
    }

    /// Padded length of the λ axis.
    pub fn n_fr(&self) -> usize {
        self.n_fr
    }

    /// Frames per output row.
    pub fn n_frames(&self) -> usize {
        let l = self.lst as usize;
        self.padding.ind_end[l] - self.padding.ind_start[l]
    }

    /// Number of first-order λ rows feeding the second-order wavelet `n2` (those with `j1 < j2`).
    fn n1_max(&self, n2: usize) -> usize {
        self.psi1.iter().filter(|p| p.j < self.psi2[n2].j).count()
    }

    /// λ rows of a path after its frequential filter (and averaging), and their stride.
    fn rows(&self, f: &FreqFilter) -> (usize, usize) {
        if f.spin == 0 {
            (self.n_fr >> f.k, 1 << f.k)
        } else {
            (self.n_fr >> self.lf, 1 << self.lf)
        }
    }

    /// Rows emitted for a path whose input had `n1_max` λ rows.
    fn out_rows(&self, f: &FreqFilter, n1_max: usize) -> usize {
        let (rows, stride) = self.rows(f);
        match self.config.format {
            JtfsFormat::Time => n1_max.div_ceil(stride).min(rows),
            JtfsFormat::Joint => rows,
        }
    }

    /// The paths in output order: `(order, n2, n_fr, octave filter)`. Spiral paths
    /// follow the JTFS paths of the same `n2`.
    fn paths(&self) -> Vec<(u32, Option<usize>, usize, Option<usize>)> {
        let mut p = vec![];
        for (i, f) in self.fr.iter().enumerate() {
            if f.spin >= 0 {
                p.push((1, None, i, None));
            }
        }
        let n_oct = self.octave.as_ref().map_or(0, |o| o.len());
        for n2 in 0..self.psi2.len() {
            if self.n1_max(n2) > 0 {
                for i in 0..self.fr.len() {
                    p.push((2, Some(n2), i, None));
                }
                for i in 0..self.fr.len() {
                    for b in 0..n_oct {
                        p.push((2, Some(n2), i, Some(b)));
                    }
                }
            }
        }
        p
    }

    /// Per-channel (format `time`) or per-path (format `joint`) description, in output
    /// order. Unlike kymatio, whose `meta()` rows are sorted by index tuple, row `i`
    /// here always describes output channel (or path) `i`.
    pub fn meta(&self) -> Vec<JtfsMeta> {
        let mut out = vec![];
        if self.config.format == JtfsFormat::Time {
            out.push(JtfsMeta {
                order: 0,
                n1: None,
                n2: None,
                n_fr: None,
                spin: None,
                n1_stride: None,
                xi: vec![],
                sigma: vec![],
                j: vec![],
                xi_fr: None,
                sigma_fr: None,
                j_fr: None,
                octave: None,
            });
        }
        for (order, n2, i, octave) in self.paths() {
            let f = &self.fr[i];
            let n1_max = n2.map_or(self.psi1.len(), |n2| self.n1_max(n2));
            let (_, stride) = if octave.is_some() { (0, 1 << self.lf) } else { self.rows(f) };
            let base = JtfsMeta {
                order,
                n1: None,
                n2,
                n_fr: Some(i),
                spin: Some(f.spin),
                n1_stride: Some(stride),
                xi: vec![],
                sigma: vec![],
                j: vec![],
                xi_fr: Some(f.xi),
                sigma_fr: Some(f.sigma),
                j_fr: Some(f.j),
                octave,
            };
            let with_filters = |mut m: JtfsMeta, n1: Option<usize>| {
                if let Some(n1) = n1 {
                    let p1 = &self.psi1[n1];
                    m.xi.push(p1.xi);
                    m.sigma.push(p1.sigma);
                    m.j.push(p1.j);
                }
                if let Some(n2) = n2 {
                    let p2 = &self.psi2[n2];
                    m.xi.push(p2.xi);
                    m.sigma.push(p2.sigma);
                    m.j.push(p2.j);
                }
                m.n1 = n1;
                m
            };
            match self.config.format {
                JtfsFormat::Time => {
                    let rows = if octave.is_some() { n1_max.div_ceil(stride).min(self.n_fr >> self.lf) } else { self.out_rows(f, n1_max) };
                    for r in 0..rows {
                        out.push(with_filters(base.clone(), Some(r * stride)));
                    }
                }
                JtfsFormat::Joint => out.push(with_filters(base, None)),
            }
        }
        out
    }

    /// Samples of context an output sample needs either side (see [`crate::segments::reach`];
    /// the λ operations act column by column).
    fn reach(&self) -> f64 {
        segments::reach(&[&self.psi1, &self.psi2], Some(self.config.t_samples()))
    }

    /// Whether long signals are transformed in windows ([`crate::segments`]), and their length.
    pub fn window_len(&self) -> Option<usize> {
        self.segments.as_ref().map(|s| s.0.w)
    }

    /// The transform: `(channels, frames)` for format `time`, `(paths, rows, frames)` for `joint`.
    pub fn process(&self, x: &[f32]) -> Result<ArrayD<f32>> {
        if x.len() != self.n {
            return Err(Error::ShapeMismatch { expected: format!("{} samples", self.n), got: format!("{} samples", x.len()) });
        }
        check_finite(x, "sample")?;
        let pad = &self.padding;
        let (a, b) = (pad.ind_start[self.lst as usize], pad.ind_end[self.lst as usize]);
        let Some(segments) = &self.segments else {
            let mut xp = vec![0.0f32; 1 << pad.j_pad];
            pad.pad_into(x, &mut xp);
            let (s0, paths) = self.compute(xp);
            let mut out = self.output(&paths, b - a);
            Self::place(&mut out, &s0, &paths, a, 0, b - a);
            return Ok(out);
        };
        let (seg, window) = &**segments;
        let mut out = None;
        for start in seg.covering(pad, self.n) {
            let Some((from, at, len)) = seg.core(start, self.lst, a, b) else { continue };
            let mut buf = vec![0.0f32; seg.w];
            seg.fill(x, pad, start, &mut buf);
            let (s0, paths) = window.compute(buf);
            let out = out.get_or_insert_with(|| self.output(&paths, b - a));
            Self::place(out, &s0, &paths, from, at, len);
        }
        Ok(out.expect("the cores cover the output"))
    }

    /// An output of zeros for `paths` (as [`Jtfs::compute`] returns them) and `frames` frames.
    fn output(&self, paths: &[Vec<Vec<f32>>], frames: usize) -> ArrayD<f32> {
        match self.config.format {
            JtfsFormat::Time => Array2::zeros((1 + paths.iter().map(|p| p.len()).sum::<usize>(), frames)).into_dyn(),
            JtfsFormat::Joint => Array3::zeros((paths.len(), paths.iter().map(|p| p.len()).max().unwrap_or(0), frames)).into_dyn(),
        }
    }

    /// Copies frames `from..from + len` of `s0` and of every row of `paths` to frames
    /// `at..at + len` of `out`.
    fn place(out: &mut ArrayD<f32>, s0: &[f32], paths: &[Vec<Vec<f32>>], from: usize, at: usize, len: usize) {
        let (src, dst) = (from..from + len, at..at + len);
        if out.ndim() == 2 {
            let rows = std::iter::once(s0).chain(paths.iter().flatten().map(Vec::as_slice));
            for (c, row) in rows.enumerate() {
                out.slice_mut(s![c, dst.clone()]).assign(&ArrayView1::from(&row[src.clone()]));
            }
        } else {
            for (p, rows) in paths.iter().enumerate() {
                for (r, row) in rows.iter().enumerate() {
                    out.slice_mut(s![p, r, dst.clone()]).assign(&ArrayView1::from(&row[src.clone()]));
                }
            }
        }
    }

    /// S0 and every path's rows at the padded frame count, for the padded signal (or
    /// window) `xp`.
    #[allow(clippy::type_complexity)]
    fn compute(&self, mut xp: Vec<f32>) -> (Vec<f32>, Vec<Vec<Vec<f32>>>) {
        let np = 1usize << self.padding.j_pad;
        let tpad = np >> self.lst;
        let lst = self.lst;
        let mut w = Work::new(&self.plans);
        let mut sp = Spectra::default();
        sp.set(&self.plans, &mut xp, self.geo[0], usize::MAX, &mut w);
        drop(xp);
        // Each path yields rows of `tpad` padded frames; they are cut at the end.
        let mut paths: Vec<Vec<Vec<f32>>> = vec![];
        let mut s0 = vec![0.0f32; tpad];
        self.lowpass(&sp, 0, lst, &mut s0, &mut w);

        // Order 1: scalogram, its spectra (kept for order 2) and the averaged S1.
        let n1_keep = (0..self.psi2.len()).map(|n2| self.n1_max(n2)).max().unwrap_or(0);
        let mut u1_spectra: Vec<Spectra> = Vec::with_capacity(n1_keep);
        let mut s1 = vec![0.0f32; self.psi1.len() * tpad];
        let mut u = Vec::new();
        for (n1, &k1) in self.k1.iter().enumerate() {
            let u = grown(&mut u, np >> k1);
            sp.modulus(&self.plans, &self.psi1_f[n1], k1, u, &mut w);
            let mut spec = Spectra::default();
            spec.set(&self.plans, u, self.geo[k1 as usize], usize::MAX, &mut w);
            self.lowpass(&spec, k1, lst - k1, &mut s1[n1 * tpad..(n1 + 1) * tpad], &mut w);
            if n1 < n1_keep {
                u1_spectra.push(spec);
            }
        }
        drop(sp);
        // Frequential scattering of S1: columns of λ, spin ≥ 0 only, no time averaging.
        let n1_all = self.psi1.len();
        let col = |t: usize, buf: &mut [Complex32]| {
            for (n1, b) in buf[..n1_all].iter_mut().enumerate() {
                *b = Complex32::new(s1[n1 * tpad + t], 0.0);
            }
        };
        let spin_up: Vec<usize> = (0..self.fr.len()).filter(|&i| self.fr[i].spin >= 0).collect();
        paths.extend(self.freq_paths(tpad, &self.span(self.lst, 0), n1_all, &col, &spin_up, &mut w.scratch));

        // Order 2.
        for (n2, p2) in self.psi2.iter().enumerate() {
            let n1_max = self.n1_max(n2);
            if n1_max == 0 {
                continue;
            }
            let l2 = np >> p2.j;
            let span =
                self.span(p2.j, (envelope_reach(SIGMA0 / self.config.t_samples() as f64, REL_EPS) / (1u64 << p2.j) as f64).ceil() as usize + 1);
            // Y2 stored row by row, y2[n1 * l2 + t]: each row lands in place, and a chunk
            // of consecutive columns reads n1_max sequential streams.
            let mut y2 = vec![Complex32::default(); l2 * n1_max];
            for (n1, y) in y2.chunks_exact_mut(l2).enumerate() {
                let k1 = self.k1[n1];
                let filt = self.psi2_f[n2][k1 as usize].as_ref().expect("planned level");
                u1_spectra[n1].convolve(&self.plans, filt, p2.j - k1, y, &mut w);
            }
            let col = |t: usize, buf: &mut [Complex32]| {
                for (b, row) in buf[..n1_max].iter_mut().zip(y2.chunks_exact(l2)) {
                    *b = row[t];
                }
            };
            // Time averaging of each output row with φ_T at level j2.
            let mut spec = Spectra::default();
            let upto = self.phi_f[p2.j as usize].as_ref().map_or(usize::MAX, |f| f.half_reach());
            let mut time_average = |rows: Vec<Vec<f32>>, w: &mut Work| -> Vec<Vec<f32>> {
                rows.into_iter()
                    .map(|mut row| {
                        spec.set(&self.plans, &mut row, self.geo[p2.j as usize], upto, w);
                        let mut out = vec![0.0f32; tpad];
                        self.lowpass(&spec, p2.j, lst - p2.j, &mut out, w);
                        out
                    })
                    .collect()
            };
            let all: Vec<usize> = (0..self.fr.len()).collect();
            let rows = if self.banded[n2].is_empty() {
                self.freq_paths(l2, &span, n1_max, &col, &all, &mut w.scratch)
            } else {
                self.banded_freq_paths(&self.banded[n2], l2, &span, n1_max, &y2)
            };
            for rows in rows {
                paths.push(time_average(rows, &mut w));
            }
            if self.octave.is_some() {
                for i in 0..self.fr.len() {
                    for rows in self.spiral_paths(l2, &span, n1_max, &col, i, &mut w.scratch) {
                        paths.push(time_average(rows, &mut w));
                    }
                }
            }
        }

        (s0, paths)
    }

    /// Calls `body(t0, c, x, scratch)` for consecutive chunks of at most [`CHUNK`] time
    /// columns of `span`, `x` holding the λ spectra of columns `t0..t0 + c` (`n_fr` values each):
    /// the `n1_max` values from `col` zero-padded to `n_fr`, then an FFT along λ.
    fn lambda_chunks(
        &self,
        span: &[Range<usize>],
        col: &dyn Fn(usize, &mut [Complex32]),
        scratch: &mut [Complex32],
        mut body: impl FnMut(usize, usize, &mut [Complex32], &mut [Complex32]),
    ) {
        let nf = self.n_fr;
        let mut x = vec![Complex32::default(); CHUNK * nf];
        for range in span {
            let mut t0 = range.start;
            while t0 < range.end {
                let c = CHUNK.min(range.end - t0);
                let x = &mut x[..c * nf];
                x.fill(Complex32::default());
                for (k, buf) in x.chunks_exact_mut(nf).enumerate() {
                    col(t0 + k, buf);
                }
                self.plans.fft_batch(nf, x, scratch);
                body(t0, c, x, scratch);
                t0 += c;
            }
        }
    }

    /// The time columns at level `level` (`np / 2^level` of them) that reach the output
    /// frames: those of the signal, widened by `reach` columns either side when the rows
    /// are time-averaged afterwards, as at most two ranges (the padded axis is circular).
    /// The other columns of the padding only feed the averages through φ_T's tail below
    /// [`REL_EPS`] of its peak, so they are left at zero.
    #[allow(clippy::single_range_in_vec_init)] // a list of ranges, here of one
    fn span(&self, level: u32, reach: usize) -> Vec<Range<usize>> {
        let cols = (1usize << self.padding.j_pad) >> level;
        let shift = self.lst - level;
        let lo = (self.padding.ind_start[self.lst as usize] << shift) as i64 - reach as i64;
        let hi = (self.padding.ind_end[self.lst as usize] << shift) as i64 + reach as i64;
        if hi - lo >= cols as i64 || !self.skip_padding {
            return vec![0..cols];
        }
        let (lo, hi) = (lo.rem_euclid(cols as i64) as usize, hi.rem_euclid(cols as i64) as usize);
        if lo < hi {
            vec![lo..hi]
        } else {
            vec![lo..cols, 0..hi]
        }
    }

    /// Averages real λ columns of `m = n_fr / 2^level` rows each (`v`, one column after
    /// another) along λ with φ_F, subsampled to `n_fr / F` rows, and writes the first
    /// `rows.len()` of those rows into `rows[r][t0 + column]`. A direct product with the
    /// rows of [`lambda_average_matrix`]: only the rows that are output are computed.
    fn average_lambda(&self, v: &[f32], level: u32, t0: usize, rows: &mut [Vec<f32>]) {
        let m = self.n_fr >> level;
        let g = &self.avg_lambda[level as usize];
        for (k, col) in v.chunks_exact(m).enumerate() {
            for (r, row) in rows.iter_mut().enumerate() {
                row[t0 + k] = dot(&g[r * m..(r + 1) * m], col);
            }
        }
    }

    /// The frequential paths `which` (indices of λ filters) over the time columns of
    /// `span`, each holding `n1_max` λ values (filled by `col`): zero-pad to `n_fr` and FFT
    /// along λ once for all of them; then per filter multiply, subsample, inverse FFT,
    /// modulus, and for spin ≠ 0 average along λ with φ_F. Returns each path's output rows
    /// (full padded time length `cols`, zero outside `span`), in the order of `which`.
    fn freq_paths(
        &self,
        cols: usize,
        span: &[Range<usize>],
        n1_max: usize,
        col: &dyn Fn(usize, &mut [Complex32]),
        which: &[usize],
        scratch: &mut [Complex32],
    ) -> Vec<Vec<Vec<f32>>> {
        let nf = self.n_fr;
        let mut out: Vec<Vec<Vec<f32>>> = which.iter().map(|&i| vec![vec![0.0f32; cols]; self.out_rows(&self.fr[i], n1_max)]).collect();
        let mut y = Vec::new();
        let mut v = Vec::new();
        self.lambda_chunks(span, col, scratch, |t0, c, x, scratch| {
            for (&i, rows) in which.iter().zip(out.iter_mut()) {
                let f = &self.fr[i];
                let m = nf >> f.k;
                y.resize(c * m, Complex32::default());
                let y = &mut y[..c * m];
                for (xs, ys) in x.chunks_exact(nf).zip(y.chunks_exact_mut(m)) {
                    fold_mul(xs, &f.hat, ys);
                }
                self.plans.ifft_batch(m, y, scratch);
                v.resize(c * m, 0.0);
                let v = &mut v[..c * m];
                modulus(y, 1.0 / nf as f32, v);
                if f.spin == 0 {
                    for (k, vs) in v.chunks_exact(m).enumerate() {
                        for (r, row) in rows.iter_mut().enumerate() {
                            row[t0 + k] = vs[r];
                        }
                    }
                } else {
                    self.average_lambda(v, f.k, t0, rows);
                }
            }
        });
        out
    }

    /// [`Jtfs::freq_paths`] for all filters by the banded route: `paths` of second-order
    /// rows `y2` (`n1_max` rows of `cols` columns), tile by tile of [`TILE`] columns.
    fn banded_freq_paths(&self, paths: &[BandedPath], cols: usize, span: &[Range<usize>], n1_max: usize, y2: &[Complex32]) -> Vec<Vec<Vec<f32>>> {
        let mut out: Vec<Vec<Vec<f32>>> = paths.iter().map(|p| vec![vec![0.0f32; cols]; p.out_rows]).collect();
        let (mut re, mut im) = (vec![0.0f32; n1_max * TILE], vec![0.0f32; n1_max * TILE]);
        let mut v = vec![0.0f32; paths.iter().map(|p| p.scratch_rows()).max().unwrap_or(0) * TILE];
        let mut o = vec![0.0f32; paths.iter().map(|p| p.out_rows).max().unwrap_or(0) * TILE];
        for range in span {
            for t0 in range.clone().step_by(TILE) {
                let c = TILE.min(range.end - t0);
                split_tile(y2, cols, n1_max, t0, c, &mut re, &mut im);
                for (path, rows) in paths.iter().zip(out.iter_mut()) {
                    path.apply(&self.fr[path.filter].h, &re, &im, &mut v, &mut o);
                    for (r, row) in rows.iter_mut().enumerate() {
                        row[t0..t0 + c].copy_from_slice(&o[r * TILE..r * TILE + c]);
                    }
                }
            }
        }
        out
    }

    /// The spiral paths of λ filter `i`, one per octave filter: like a spin path of
    /// [`Jtfs::freq_paths`], but the λ filter is applied without subsampling (once, shared
    /// by the octave filters), then each octave filter runs along λ in steps of `Q1` rows
    /// (fixed chroma, zeros beyond the λ axis), then the modulus, then the average along λ
    /// by φ_F with subsampling by F.
    fn spiral_paths(
        &self,
        cols: usize,
        span: &[Range<usize>],
        n1_max: usize,
        col: &dyn Fn(usize, &mut [Complex32]),
        i: usize,
        scratch: &mut [Complex32],
    ) -> Vec<Vec<Vec<f32>>> {
        let f = &self.fr[i];
        let kernels = self.octave.as_ref().expect("spiral configured");
        let q1 = self.config.q.0 as i64;
        let nf = self.n_fr;
        let mf = nf >> self.lf;
        let out_rows = match self.config.format {
            JtfsFormat::Time => n1_max.div_ceil(1 << self.lf).min(mf),
            JtfsFormat::Joint => mf,
        };
        let mut rows = vec![vec![vec![0.0f32; cols]; out_rows]; kernels.len()];
        let mut y = Vec::new();
        let mut v = Vec::new();
        self.lambda_chunks(span, col, scratch, |t0, c, x, scratch| {
            for xs in x.chunks_exact_mut(nf) {
                for (v, h) in xs.iter_mut().zip(&f.hat) {
                    *v *= *h;
                }
            }
            self.plans.ifft_batch(nf, x, scratch);
            let scale = 1.0 / nf as f32;
            for (kernel, rows) in kernels.iter().zip(rows.iter_mut()) {
                y.resize(c * nf, Complex32::default());
                let y = &mut y[..c * nf];
                for (xs, ys) in x.chunks_exact(nf).zip(y.chunks_exact_mut(nf)) {
                    // out[row] = Σ_taps w · x[row − tap·Q1], tap by tap over contiguous rows
                    ys.fill(Complex32::default());
                    for &(tap, w) in &kernel.taps {
                        let shift = tap * q1;
                        let lo = shift.clamp(0, nf as i64) as usize;
                        let hi = (nf as i64 + shift).clamp(0, nf as i64) as usize;
                        if lo < hi {
                            let src = &xs[(lo as i64 - shift) as usize..];
                            for (o, v) in ys[lo..hi].iter_mut().zip(src) {
                                *o += *v * w;
                            }
                        }
                    }
                }
                v.resize(c * nf, 0.0);
                let v = &mut v[..c * nf];
                modulus(y, scale, v);
                self.average_lambda(v, 0, t0, rows);
            }
        });
        rows
    }

    /// `u ∗ φ_level` subsampled by `2^k` at the padded length (no cut) into `out`, for
    /// `sp` the spectra of a signal `u` at `level`.
    fn lowpass(&self, sp: &Spectra, level: u32, k: u32, out: &mut [f32], w: &mut Work) {
        let phi = self.phi_f[level as usize].as_ref().expect("planned level");
        sp.lowpass(&self.plans, phi, k, out, w);
    }
}

/// `out[i] = Σ_b x[b·m + i] · h[b·m + i]` with `m = out.len()` (multiply, then fold the
/// periods; `out` is overwritten).
fn fold_mul(x: &[Complex32], h: &[f32], out: &mut [Complex32]) {
    let m = out.len();
    for ((o, xv), hv) in out.iter_mut().zip(&x[..m]).zip(&h[..m]) {
        *o = xv * *hv;
    }
    for (xs, hs) in x[m..].chunks_exact(m).zip(h[m..].chunks_exact(m)) {
        for ((o, xv), hv) in out.iter_mut().zip(xs).zip(hs) {
            *o += xv * *hv;
        }
    }
}

/// The λ average by φ_F as a matrix: `phi` is φ_F's spectrum on the `m` bins of one λ
/// level (periodised by sum), `mf` the rows after subsampling by F. Row `r`, column `q`
/// is `Re g[(r·m/mf − q) mod m]` with `g = ifft(phi)`, the circular impulse response, so
/// that on a real column `v` the product equals `Re ifft_mf(fold_mf(fft(v) · phi)) / m`,
/// the FFT route (kymatio's). Computed in double precision.
fn lambda_average_matrix(phi: &[f64], mf: usize) -> Vec<f32> {
    let m = phi.len();
    let step = m / mf;
    let g = circular_impulse(phi);
    let mut out = vec![0.0f32; mf * m];
    for r in 0..mf {
        for q in 0..m {
            out[r * m + q] = g[(r * step + m - q) % m].0 as f32;
        }
    }
    out
}

/// `Σ a[i]·b[i]` in eight running sums (vectorises).
fn dot(a: &[f32], b: &[f32]) -> f32 {
    let mut acc = [0.0f32; 8];
    let (ah, at) = a.split_at(a.len() / 8 * 8);
    let (bh, bt) = b.split_at(ah.len());
    for (x, y) in ah.chunks_exact(8).zip(bh.chunks_exact(8)) {
        for l in 0..8 {
            acc[l] += x[l] * y[l];
        }
    }
    let tail: f32 = at.iter().zip(bt).map(|(x, y)| x * y).sum();
    acc.iter().sum::<f32>() + tail
}

/// One-call joint time–frequency scattering.
pub fn jtfs(x: &[f32], config: JtfsConfig) -> Result<ArrayD<f32>> {
    Jtfs::new(config, x.len())?.process(x)
}

#[cfg(test)]
mod tests {
    use super::*;
    use reprise_core::Rng;

    /// The matrix average equals the FFT route it replaces (DFT, multiply by φ, fold to
    /// `mf` bins, inverse DFT, real part / m), computed here directly in f64.
    #[test]
    fn lambda_average_matrix_equals_the_fourier_route() {
        let nf = 168;
        let phi_big = Morlet::lowpass(SIGMA0 / 8.0, nf);
        let mf = nf >> 3;
        let mut rng = Rng::new(7);
        for level in 0..=3u32 {
            let phi = phi_big.sample_summed(level).to_dense();
            let m = phi.len();
            let g = lambda_average_matrix(&phi, mf);
            let v: Vec<f32> = (0..m).map(|_| rng.range(0.0, 1.0) as f32).collect();
            let tau = 2.0 * std::f64::consts::PI;
            let spec: Vec<(f64, f64)> = (0..m)
                .map(|b| {
                    v.iter().enumerate().fold((0.0, 0.0), |(re, im), (q, &x)| {
                        let a = -tau * (b * q) as f64 / m as f64;
                        (re + x as f64 * a.cos(), im + x as f64 * a.sin())
                    })
                })
                .collect();
            for r in 0..mf {
                let mut want = 0.0;
                for (b, &(re, im)) in spec.iter().enumerate() {
                    let a = tau * ((b % mf) * r) as f64 / mf as f64;
                    want += phi[b] * (re * a.cos() - im * a.sin());
                }
                want /= m as f64;
                let got = dot(&g[r * m..(r + 1) * m], &v);
                assert!((got as f64 - want).abs() < 1e-5 * want.abs().max(1e-3), "level {level} row {r}: {got} vs {want}");
            }
        }
    }

    /// The largest difference between two outputs of one shape, and the peak of `b`.
    fn max_error(a: &ArrayD<f32>, b: &ArrayD<f32>) -> (f32, f32) {
        assert_eq!(a.shape(), b.shape());
        let peak = b.iter().fold(0f32, |m, v| m.max(v.abs()));
        (a.iter().zip(b.iter()).fold(0f32, |m, (u, v)| m.max((u - v).abs())), peak)
    }

    /// The banded λ route gives the Fourier route's outputs, in both formats, for every
    /// second-order wavelet of the defaults (14 to 70 nonzero rows of 168).
    #[test]
    fn banded_and_fourier_routes_agree() {
        let n = 30_000;
        let mut rng = Rng::new(5);
        let x: Vec<f32> = (0..n).map(|i| (i as f32 * 0.013).sin() * 0.5 + rng.range(-0.3, 0.3) as f32).collect();
        for format in [JtfsFormat::Time, JtfsFormat::Joint] {
            let cfg = JtfsConfig { format, ..JtfsConfig::default() };
            let banded = Jtfs::build(cfg, n, true, LambdaRoute::Banded, None).unwrap();
            let fourier = Jtfs::build(cfg, n, true, LambdaRoute::Fourier, None).unwrap();
            assert!(banded.banded.iter().filter(|p| !p.is_empty()).count() >= 6 && fourier.banded.iter().all(|p| p.is_empty()));
            let (err, peak) = max_error(&banded.process(&x).unwrap(), &fourier.process(&x).unwrap());
            assert!(err <= 1e-6 * peak, "{format:?}: error {err:e}, peak {peak:e}");
        }
    }

    /// Skipping the time columns of the padding that cannot reach the output, and
    /// blocks on the time axis, change nothing beyond float32 rounding: compared with
    /// every column and whole-signal FFTs (kymatio's way, which `tests/jtfs_parity.rs`
    /// checks on short signals), formats time and joint, with spiral paths.
    #[test]
    fn skipped_columns_and_blocks_do_not_change_the_output() {
        let n = 140_000;
        let mut rng = Rng::new(3);
        let x: Vec<f32> = (0..n).map(|i| (i as f32 * 0.05).sin() * 0.5 + rng.range(-0.2, 0.2) as f32).collect();
        for cfg in
            [JtfsConfig::default(), JtfsConfig { format: JtfsFormat::Joint, spiral: Some(OctaveFilters::FiniteDifference), ..JtfsConfig::default() }]
        {
            let fast = Jtfs::new(cfg, n).unwrap();
            let cols = (1usize << fast.padding.j_pad) >> 1;
            let covered: usize = fast.span(1, 100).iter().map(|r| r.len()).sum();
            assert!(covered < cols * 3 / 4, "the test needs padding to skip: {covered} of {cols} columns");
            assert!(fast.geo.iter().filter(|g| g.is_some()).count() >= 2, "the test needs blocks");
            let full = Jtfs::build(cfg, n, false, LambdaRoute::Cheaper, None).unwrap();
            assert!(full.geo.iter().all(|g| g.is_none()));
            let (err, peak) = max_error(&fast.process(&x).unwrap(), &full.process(&x).unwrap());
            assert!(err <= 1e-6 * peak, "{cfg:?}: error {err:e}, peak {peak:e}");
        }
    }

    /// Windows ([`crate::segments`]) give the whole-signal result within 1e-5 of the
    /// peak, formats time and joint, with spiral paths, with windows shorter than half
    /// the signal (the first and last reading the reflection).
    #[test]
    fn windows_equal_whole_signal() {
        let n = 200_001;
        let mut rng = Rng::new(9);
        let x: Vec<f32> = (0..n).map(|i| (i as f32 * 0.03 * (1.0 + i as f32 / n as f32)).sin() * 0.5 + rng.range(-0.2, 0.2) as f32).collect();
        let base = JtfsConfig { j: 6, q: (8, 1), ..JtfsConfig::default() };
        for cfg in [base, JtfsConfig { format: JtfsFormat::Joint, spiral: Some(OctaveFilters::FiniteDifference), ..base }] {
            let windowed = Jtfs::build(cfg, n, true, LambdaRoute::Cheaper, Some(1 << 12)).unwrap();
            let w = windowed.window_len().expect("windows planned");
            assert!(n >= 4 * w, "window {w} too long for the test");
            let whole = Jtfs::build(cfg, n, true, LambdaRoute::Cheaper, None).unwrap();
            assert_eq!(whole.window_len(), None);
            let (a, b) = (windowed.process(&x).unwrap(), whole.process(&x).unwrap());
            assert_eq!(a.shape(), b.shape());
            let (err, peak) = max_error(&a, &b);
            assert!(err <= 1e-5 * peak, "{cfg:?}: error {err:e}, peak {peak:e}");
        }
    }
}
