//! Fourier-domain building blocks shared by every transform of this crate: cached FFT
//! plans, and "multiply by a sparse filter, then subsample" done as one fold.
//!
//! Subsampling a signal of length `M` by `2^k` in time equals folding its spectrum to
//! `M / 2^k` bins and averaging over the `2^k` periods (kymatio's `subsample_fourier`);
//! multiplying by a filter that is non-zero on few bins and folding in the same pass
//! touches only those bins.

use std::collections::HashMap;
use std::sync::Arc;

use num_complex::Complex32;
use realfft::{ComplexToReal, RealToComplex};
use rustfft::Fft;

use crate::filter_bank::{envelope_reach, SparseFilter, REL_EPS};

/// FFT plans for every length a transform needs, built once.
#[derive(Clone, Default)]
pub(crate) struct Plans {
    r2c: HashMap<usize, Arc<dyn RealToComplex<f32>>>,
    c2r: HashMap<usize, Arc<dyn ComplexToReal<f32>>>,
    inv: HashMap<usize, Arc<dyn Fft<f32>>>,
    fwd: HashMap<usize, Arc<dyn Fft<f32>>>,
    scratch: usize,
}

impl std::fmt::Debug for Plans {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Plans").field("real", &self.r2c.keys().collect::<Vec<_>>()).field("complex", &self.inv.keys().collect::<Vec<_>>()).finish()
    }
}

/// Collects the plans a transform needs while it is being built.
#[derive(Default)]
pub(crate) struct Planner {
    plans: Plans,
}

impl Planner {
    /// Forward and inverse real FFTs of length `n`.
    pub fn real(&mut self, n: usize) {
        if !self.plans.r2c.contains_key(&n) {
            // the workspace's shared plans (reprise_core::fft)
            let f = reprise_core::fft::real_forward::<f32>(n);
            let i = reprise_core::fft::real_inverse::<f32>(n);
            self.plans.scratch = self.plans.scratch.max(f.get_scratch_len()).max(i.get_scratch_len());
            self.plans.r2c.insert(n, f);
            self.plans.c2r.insert(n, i);
        }
    }

    /// Inverse complex FFT of length `n`.
    pub fn complex(&mut self, n: usize) {
        if !self.plans.inv.contains_key(&n) {
            let i = reprise_core::fft::inverse::<f32>(n);
            self.plans.scratch = self.plans.scratch.max(i.get_inplace_scratch_len());
            self.plans.inv.insert(n, i);
        }
    }

    /// Forward complex FFT of length `n`.
    pub fn complex_forward(&mut self, n: usize) {
        if !self.plans.fwd.contains_key(&n) {
            let f = reprise_core::fft::forward::<f32>(n);
            self.plans.scratch = self.plans.scratch.max(f.get_inplace_scratch_len());
            self.plans.fwd.insert(n, f);
        }
    }

    pub fn finish(self) -> Plans {
        self.plans
    }
}

impl Plans {
    /// A scratch buffer long enough for every plan.
    pub fn scratch(&self) -> Vec<Complex32> {
        vec![Complex32::default(); self.scratch]
    }

    /// Forward real FFT of `x` (destroyed) into `out` (`x.len()/2 + 1` bins).
    pub fn r2c(&self, x: &mut [f32], out: &mut [Complex32], scratch: &mut [Complex32]) {
        let plan = &self.r2c[&x.len()];
        plan.process_with_scratch(x, out, &mut scratch[..plan.get_scratch_len()]).expect("buffer sizes match the plan");
    }

    /// Inverse real FFT (unnormalised) of the half spectrum `spec` (destroyed) into `out`.
    /// The imaginary parts of the DC and Nyquist bins are ignored.
    pub fn c2r(&self, spec: &mut [Complex32], out: &mut [f32], scratch: &mut [Complex32]) {
        let plan = &self.c2r[&out.len()];
        spec[0].im = 0.0;
        if out.len().is_multiple_of(2) {
            spec[out.len() / 2].im = 0.0;
        }
        plan.process_with_scratch(spec, out, &mut scratch[..plan.get_scratch_len()]).expect("buffer sizes match the plan");
    }

    /// In-place unnormalised forward complex FFT.
    pub fn fft(&self, x: &mut [Complex32], scratch: &mut [Complex32]) {
        let plan = &self.fwd[&x.len()];
        plan.process_with_scratch(x, &mut scratch[..plan.get_inplace_scratch_len()]);
    }

    /// In-place unnormalised inverse complex FFT.
    pub fn ifft(&self, x: &mut [Complex32], scratch: &mut [Complex32]) {
        let plan = &self.inv[&x.len()];
        plan.process_with_scratch(x, &mut scratch[..plan.get_inplace_scratch_len()]);
    }

    /// In-place unnormalised inverse complex FFTs of every consecutive `len` values of `x`.
    pub fn ifft_batch(&self, len: usize, x: &mut [Complex32], scratch: &mut [Complex32]) {
        let plan = &self.inv[&len];
        plan.process_with_scratch(x, &mut scratch[..plan.get_inplace_scratch_len()]);
    }

    /// In-place unnormalised forward complex FFTs of every consecutive `len` values of `x`.
    pub fn fft_batch(&self, len: usize, x: &mut [Complex32], scratch: &mut [Complex32]) {
        let plan = &self.fwd[&len];
        plan.process_with_scratch(x, &mut scratch[..plan.get_inplace_scratch_len()]);
    }
}

/// `out[i mod out.len()] += spec[i] · filter[i]` over the filter's bins, where `spec`
/// is the half spectrum of a real signal of length `filter.len`. `out` is cleared first.
/// Multiplying by `scale` afterwards is left to the caller.
pub(crate) fn fold_real_spectrum(half: &[Complex32], filter: &SparseFilter, out: &mut [Complex32]) {
    let m = filter.len;
    debug_assert_eq!(half.len(), m / 2 + 1);
    let mask = out.len() - 1;
    debug_assert!(out.len().is_power_of_two() && m.is_multiple_of(out.len()));
    out.fill(Complex32::default());
    for (start, vals) in &filter.runs {
        let mut i = *start;
        let mut idx = 0;
        while idx < vals.len() {
            // A stretch that stays on one side of m/2 and does not wrap.
            let side_end = if i <= m / 2 { m / 2 + 1 } else { m };
            let n = (side_end - i).min(vals.len() - idx);
            // Split further where the output index wraps, so that each piece is a
            // plain slice product (vectorises).
            let mut done = 0;
            while done < n {
                let k = i + done;
                let o = k & mask;
                let len = (n - done).min(out.len() - o);
                let w = &vals[idx + done..idx + done + len];
                let dst = &mut out[o..o + len];
                if i <= m / 2 {
                    for ((d, &h), &w) in dst.iter_mut().zip(&half[k..k + len]).zip(w) {
                        *d += h * w;
                    }
                } else {
                    // bins above m/2 are the conjugates of bins m − k, read downwards
                    for ((d, &h), &w) in dst.iter_mut().zip(half[m + 1 - k - len..=m - k].iter().rev()).zip(w) {
                        *d += h.conj() * w;
                    }
                }
                done += len;
            }
            idx += n;
            i = (i + n) % m;
        }
    }
}

/// The half spectrum (bins `0..=n/2`) of the real part of the inverse transform of a
/// full spectrum `full` of length `n`: `(full[k] + conj(full[n−k]))/2`.
pub(crate) fn hermitian_half(full: &[Complex32], half: &mut [Complex32]) {
    let n = full.len();
    for (k, h) in half.iter_mut().enumerate() {
        *h = (full[k] + full[(n - k) % n].conj()) * 0.5;
    }
}

/// `out[i] = |y[i]| · scale`, written so that it vectorises (no `hypot`).
pub(crate) fn modulus(y: &[Complex32], scale: f32, out: &mut [f32]) {
    for (u, v) in out.iter_mut().zip(y) {
        *u = (v.re * v.re + v.im * v.im).sqrt() * scale;
    }
}

/// `Re ifft(sub(spec · phi, 2^k)) / m` for the half spectrum `half` of a real signal of
/// length `m`: the lowpass-filtered signal subsampled by `2^k`, at the padded length,
/// written into `real[..m / 2^k]` and returned. `fold`, `hbuf` and `scratch` are work space.
#[allow(clippy::too_many_arguments)]
pub(crate) fn lowpass<'a>(
    plans: &Plans,
    half: &[Complex32],
    phi: &SparseFilter,
    m: usize,
    k: u32,
    fold: &mut [Complex32],
    hbuf: &mut [Complex32],
    real: &'a mut [f32],
    scratch: &mut [Complex32],
) -> &'a [f32] {
    let mo = m >> k;
    let fold = &mut fold[..mo];
    fold_real_spectrum(half, phi, fold);
    let hb = &mut hbuf[..mo / 2 + 1];
    hermitian_half(fold, hb);
    let out = &mut real[..mo];
    plans.c2r(hb, out, scratch);
    let scale = 1.0 / m as f32;
    out.iter_mut().for_each(|v| *v *= scale);
    out
}

/// Overlap-save geometry for convolving a long periodic signal with filters whose
/// impulse responses reach at most `r` samples either side: blocks of `b` samples start
/// every `hop` samples, `r` samples before the outputs they produce. `r` and `hop` are
/// multiples of `2^kmax`, so outputs subsampled by up to `2^kmax` line up with blocks.
///
/// A block's circular convolution with a filter sampled at `b` bins equals the
/// convolution of the whole signal on the `hop` outputs it keeps, up to the filter's
/// impulse response beyond `r` (and its copies `b` apart), which the caller makes
/// negligible by its choice of `r`. Small FFTs that stay in cache replace one FFT
/// of the whole signal.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Blocks {
    pub b: usize,
    pub r: usize,
    pub hop: usize,
}

impl Blocks {
    /// Smallest block length.
    pub const MIN_LEN: usize = 1 << 12;

    /// The geometry for a reach of `reach` samples and subsampling up to `2^kmax`: `r`
    /// rounded up to a multiple of `2^kmax`, `b` the power of two at least `16r` (so at
    /// least seven eighths of each block are kept), at least [`Blocks::MIN_LEN`].
    pub fn new(reach: usize, kmax: u32) -> Blocks {
        let unit = 1usize << kmax;
        let r = reach.div_ceil(unit) * unit;
        let b = (16 * r).next_power_of_two().max(Self::MIN_LEN).max(4 * unit);
        let hop = (b - 2 * r) / unit * unit;
        Blocks { b, r, hop }
    }

    /// Blocks covering a signal of `len` samples.
    pub fn count(&self, len: usize) -> usize {
        len.div_ceil(self.hop)
    }

    /// Blocks `j` (real parts) and `j + 1` (imaginary parts, zeros if `!second`) of the
    /// periodic signal `u` (`u.len() ≥ b`), interleaved into `z`.
    fn fill_pair(&self, u: &[f32], j: usize, second: bool, z: &mut [Complex32]) {
        let len = u.len();
        let start = |j: usize| (j * self.hop + len - self.r) % len;
        let (mut a, mut b) = (start(j), start(j + 1));
        let mut done = 0;
        while done < self.b {
            // the longest stretch where neither source wraps
            let take = (self.b - done).min(len - a).min(if second { len - b } else { usize::MAX });
            let dst = &mut z[done..done + take];
            if second {
                for ((d, &x), &y) in dst.iter_mut().zip(&u[a..a + take]).zip(&u[b..b + take]) {
                    *d = Complex32::new(x, y);
                }
            } else {
                for (d, &x) in dst.iter_mut().zip(&u[a..a + take]) {
                    *d = Complex32::new(x, 0.0);
                }
            }
            done += take;
            a = (a + take) % len;
            b = (b + take) % len;
        }
    }

    /// `(first output, outputs)` of block `j` at subsampling `2^k`, for a signal of `len` samples.
    fn kept(&self, len: usize, j: usize, k: u32) -> (usize, usize) {
        let t0 = j * self.hop;
        (t0 >> k, self.hop.min(len - t0) >> k)
    }
}

/// What one level of resolution is used for: the subsampling exponents of the ψ and φ
/// filters applied to signals at that level, and their widest reach (level samples).
#[derive(Debug, Clone, Default)]
pub(crate) struct LevelUse {
    reach: f64,
    psi: Vec<u32>,
    phi: Vec<u32>,
}

impl LevelUse {
    /// Whether a φ filter is applied at this level.
    pub fn has_phi(&self) -> bool {
        !self.phi.is_empty()
    }

    /// Records a filter of bandwidth `sigma` (cycles per sample at level 0) applied at
    /// `level` and subsampled by `2^k`; `psi`: a band-pass (complex output), else φ.
    pub fn note(uses: &mut [LevelUse], level: u32, sigma: f64, k: u32, psi: bool) {
        let u = &mut uses[level as usize];
        u.reach = u.reach.max(envelope_reach(sigma, REL_EPS) / (1u64 << level) as f64);
        if psi {
            u.psi.push(k)
        } else {
            u.phi.push(k)
        }
    }

    /// Each level's geometry: blocks where the level's signal (`n_pad / 2^level`
    /// samples) is at least four blocks long and `blocks` is set, else whole-signal
    /// FFTs; and the FFT plans the level needs either way.
    pub fn plan(uses: &[LevelUse], n_pad: usize, blocks: bool, planner: &mut Planner) -> Vec<Option<Blocks>> {
        let geo: Vec<Option<Blocks>> = uses
            .iter()
            .enumerate()
            .map(|(l, u)| {
                let kmax = u.psi.iter().chain(&u.phi).copied().max()?;
                let g = Blocks::new(u.reach.ceil() as usize + 1, kmax);
                (blocks && n_pad >> l >= 4 * g.b).then_some(g)
            })
            .collect();
        for (l, u) in uses.iter().enumerate() {
            if u.psi.is_empty() && u.phi.is_empty() {
                continue;
            }
            let size = match geo[l] {
                Some(g) => {
                    planner.complex_forward(g.b);
                    g.b
                }
                None => {
                    planner.real(n_pad >> l);
                    n_pad >> l
                }
            };
            u.psi.iter().for_each(|&k| planner.complex(size >> k));
            u.phi.iter().for_each(|&k| planner.real(size >> k));
        }
        geo
    }
}

/// The spectra of a real periodic signal: its whole half spectrum, or (with [`Blocks`])
/// one half spectrum per block. Filters passed to its methods are sampled at the
/// signal's length (whole) or at the block length (blocked).
#[derive(Debug, Default)]
pub(crate) struct Spectra {
    len: usize,
    geo: Option<Blocks>,
    /// Half-spectrum bins `0..=upto` are valid (blocked case; all in the whole case).
    upto: usize,
    data: Vec<Complex32>,
}

/// The half spectra of two real signals `a`, `b` from the spectrum `z` of `a + i·b`:
/// `ha[k] = (z[k] + conj z[n−k])/2`, `hb[k] = −i·(z[k] − conj z[n−k])/2`, `k ≤ n/2`.
/// Only bins `k ≤ upto` are written. `hb` may be empty (its bins are then dropped).
fn split_pair(z: &[Complex32], ha: &mut [Complex32], hb: &mut [Complex32], upto: usize) {
    let n = z.len();
    let h = n / 2;
    let pair = |zk: Complex32, zr: Complex32| {
        let (s, d) = (zk + zr.conj(), zk - zr.conj());
        (s * 0.5, Complex32::new(d.im * 0.5, -d.re * 0.5))
    };
    let top = upto.min(h - 1);
    let (a0, b0) = pair(z[0], z[0]);
    ha[0] = a0;
    if !hb.is_empty() {
        hb[0] = b0;
        for (((a, b), &zk), &zr) in ha[1..=top].iter_mut().zip(hb[1..=top].iter_mut()).zip(&z[1..=top]).zip(z[n - top..].iter().rev()) {
            (*a, *b) = pair(zk, zr);
        }
    } else {
        for ((a, &zk), &zr) in ha[1..=top].iter_mut().zip(&z[1..=top]).zip(z[n - top..].iter().rev()) {
            *a = pair(zk, zr).0;
        }
    }
    if upto >= h {
        let (ah, bh) = pair(z[h], z[h]);
        ha[h] = ah;
        if !hb.is_empty() {
            hb[h] = bh;
        }
    }
}

/// Work buffers of the [`Spectra`] operations, grown on first use and reused across calls.
pub(crate) struct Work {
    z: Vec<Complex32>,
    cplx: Vec<Complex32>,
    fold: Vec<Complex32>,
    hbuf: Vec<Complex32>,
    real: Vec<f32>,
    /// Scratch long enough for every plan of the transform.
    pub scratch: Vec<Complex32>,
}

impl Work {
    pub fn new(plans: &Plans) -> Work {
        Work { z: vec![], cplx: vec![], fold: vec![], hbuf: vec![], real: vec![], scratch: plans.scratch() }
    }
}

/// `v[..n]`, growing `v` first if needed (buffers reused across paths).
pub(crate) fn grown<T: Default + Clone>(v: &mut Vec<T>, n: usize) -> &mut [T] {
    if v.len() < n {
        v.resize(n, T::default());
    }
    &mut v[..n]
}

impl Spectra {
    /// Takes the spectra of `u` (overwritten in the whole case); blocks keep only the
    /// half-spectrum bins `0..=upto`, which must cover every filter applied afterwards
    /// ([`SparseFilter::half_reach`]; `usize::MAX` keeps all).
    pub fn set(&mut self, plans: &Plans, u: &mut [f32], geo: Option<Blocks>, upto: usize, w: &mut Work) {
        let Work { z: zbuf, scratch, .. } = w;
        self.len = u.len();
        self.geo = geo;
        match geo {
            None => {
                self.upto = u.len() / 2;
                let half = grown(&mut self.data, u.len() / 2 + 1);
                plans.r2c(u, half, scratch);
            }
            Some(g) => {
                // Two blocks per complex FFT: z = a + i·b, then A[k] = (Z[k] + conj Z[−k])/2
                // and B[k] = −i·(Z[k] − conj Z[−k])/2 (no post-processing twiddles).
                let b = g.b;
                self.upto = upto.min(b / 2);
                let stride = b / 2 + 1;
                let count = g.count(u.len());
                let data = grown(&mut self.data, count * stride);
                let z = grown(zbuf, b);
                for (pair, halves) in data.chunks_mut(2 * stride).enumerate() {
                    g.fill_pair(u, 2 * pair, halves.len() > stride, z);
                    plans.fft(z, scratch);
                    let (ha, hb) = halves.split_at_mut(stride);
                    split_pair(z, ha, hb, self.upto);
                }
            }
        }
    }

    /// Length of the signal.
    pub fn len(&self) -> usize {
        self.len
    }

    /// `|u ∗ ψ|` subsampled by `2^k` into `out` (`len >> k` values), for `filt` the
    /// spectrum of ψ (whole length or block length).
    pub fn modulus(&self, plans: &Plans, filt: &SparseFilter, k: u32, out: &mut [f32], w: &mut Work) {
        self.filtered(plans, filt, k, w, |t0, y, scale| modulus(y, scale, &mut out[t0..t0 + y.len()]));
    }

    /// `u ∗ ψ` (complex) subsampled by `2^k` into `out` (`len >> k` values); see [`Spectra::modulus`].
    pub fn convolve(&self, plans: &Plans, filt: &SparseFilter, k: u32, out: &mut [Complex32], w: &mut Work) {
        self.filtered(plans, filt, k, w, |t0, y, scale| {
            for (o, v) in out[t0..t0 + y.len()].iter_mut().zip(y) {
                *o = v * scale;
            }
        });
    }

    /// Calls `put(t0, y, scale)` with the unscaled outputs `y` of `u ∗ ψ` subsampled by
    /// `2^k` that start at output `t0`: once for the whole signal, or once per block.
    fn filtered(&self, plans: &Plans, filt: &SparseFilter, k: u32, w: &mut Work, mut put: impl FnMut(usize, &[Complex32], f32)) {
        let Work { cplx, scratch, .. } = w;
        debug_assert!(filt.half_reach() <= self.upto, "filter reads bins that were not kept");
        match self.geo {
            None => {
                let y = grown(cplx, self.len >> k);
                fold_real_spectrum(&self.data[..self.len / 2 + 1], filt, y);
                plans.ifft(y, scratch);
                put(0, y, 1.0 / self.len as f32);
            }
            Some(g) => {
                let stride = g.b / 2 + 1;
                let y = grown(cplx, g.b >> k);
                for (j, half) in self.data[..g.count(self.len) * stride].chunks_exact(stride).enumerate() {
                    fold_real_spectrum(half, filt, y);
                    plans.ifft(y, scratch);
                    let (t0, n) = g.kept(self.len, j, k);
                    let from = g.r >> k;
                    put(t0, &y[from..from + n], 1.0 / g.b as f32);
                }
            }
        }
    }

    /// `u ∗ φ` (real) subsampled by `2^k` into `out` (`len >> k` values), for `phi` the
    /// spectrum of φ (whole length or block length).
    pub fn lowpass(&self, plans: &Plans, phi: &SparseFilter, k: u32, out: &mut [f32], w: &mut Work) {
        let Work { fold, hbuf, real, scratch, .. } = w;
        debug_assert!(phi.half_reach() <= self.upto, "filter reads bins that were not kept");
        let (m, stride) = match self.geo {
            None => (self.len, self.len / 2 + 1),
            Some(g) => (g.b, g.b / 2 + 1),
        };
        let fold = grown(fold, m >> k);
        let hbuf = grown(hbuf, (m >> k) / 2 + 1);
        let real = grown(real, m >> k);
        match self.geo {
            None => out.copy_from_slice(lowpass(plans, &self.data[..stride], phi, m, k, fold, hbuf, real, scratch)),
            Some(g) => {
                for (j, half) in self.data[..g.count(self.len) * stride].chunks_exact(stride).enumerate() {
                    let y = lowpass(plans, half, phi, m, k, fold, hbuf, real, scratch);
                    let (t0, n) = g.kept(self.len, j, k);
                    let from = g.r >> k;
                    out[t0..t0 + n].copy_from_slice(&y[from..from + n]);
                }
            }
        }
    }
}
