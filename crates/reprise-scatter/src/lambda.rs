//! The frequential (λ) filters of JTFS applied as banded matrices on sparse columns.
//!
//! A second-order path `n2` feeds only `n1_max` first-order rows (those with `j1 < j2`)
//! into an axis zero-padded to `n_fr` rows: at J = 8, Q1 = 12 half of all λ columns have
//! 14 values in 168 rows. The Fourier route pays for full-length FFTs on them. Here each
//! frequential wavelet is its circular impulse response `h = ifft(ĥ) / n_fr`, cut to the
//! rows that hold all but [`TAIL`] of its L1 norm (a few rows for the finest wavelets), so output row
//! `q` (subsampled by `s = 2^k`) is `z[q] = Σ_p h[(q·s − p) mod n_fr] x[p]` over the input
//! rows `p < n1_max` within reach: a short dot product per row, computed for a tile of
//! time columns at once with SIMD, followed by the modulus and (spin ≠ 0) the φ_F average
//! of [`crate::jtfs`]'s `lambda_average_matrix`. Without the cut this is exactly the
//! Fourier route's circular convolution.

use std::ops::Range;

use num_complex::Complex32;

/// Share of a frequential filter's L1 norm that may be cut off: every output of the
/// banded route is then within `TAIL·‖h‖₁·max|x|` of the full circular convolution.
/// (The filters' Fourier values are themselves cut below `REL_EPS`, which leaves a floor
/// near 1e-8 of the peak in `h`; a cut at a fixed level of the peak would keep it all.)
pub(crate) const TAIL: f64 = 1e-6;

/// Time columns per tile: a multiple of four vectors of every SIMD width pulp dispatches to.
pub(crate) const TILE: usize = 128;

/// A frequential filter's circular impulse response, reversed and repeated twice so that
/// the coefficients of consecutive input rows are consecutive: `re[e] + i·im[e] =
/// h[(−e) mod n_fr]` for `e < 2·n_fr`.
#[derive(Debug, Clone)]
pub(crate) struct ImpulseResponse {
    re: Vec<f32>,
    im: Vec<f32>,
    /// Circular distance from 0 beyond which `h` is cut off (at most [`TAIL`] of its L1 norm).
    reach: usize,
}

impl ImpulseResponse {
    /// From the filter's `n_fr` Fourier values, by [`circular_impulse`] in double precision
    /// (from float32 values the rounding noise alone would exceed the cut).
    pub fn new(hat: &[f64]) -> ImpulseResponse {
        let nf = hat.len();
        let h = circular_impulse(hat);
        // Smallest reach whose cut-off tails weigh at most TAIL of the L1 norm.
        let mut tail_at = vec![0f64; nf / 2 + 2];
        for (d, &(re, im)) in h.iter().enumerate() {
            tail_at[d.min(nf - d)] += re.hypot(im);
        }
        let total: f64 = tail_at.iter().sum();
        let mut outside = total;
        let mut reach = 0;
        for (r, w) in tail_at.iter().enumerate() {
            outside -= w;
            if outside <= TAIL * total {
                reach = r;
                break;
            }
        }
        let rev = |e: usize| h[(2 * nf - e) % nf];
        ImpulseResponse { re: (0..2 * nf).map(|e| rev(e).0 as f32).collect(), im: (0..2 * nf).map(|e| rev(e).1 as f32).collect(), reach }
    }
}

/// The circular impulse response `h[d] = (1/n) Σ_b ĥ[b]·e^{2πi·b·d/n}` of a filter's `n`
/// Fourier values, as `(re, im)`, by a direct inverse DFT in double precision.
pub(crate) fn circular_impulse(hat: &[f64]) -> Vec<(f64, f64)> {
    let n = hat.len();
    let tau = 2.0 * std::f64::consts::PI / n as f64;
    let turn: Vec<(f64, f64)> = (0..n).map(|i| (tau * i as f64).sin_cos()).collect();
    (0..n)
        .map(|d| {
            let (re, im) = hat.iter().enumerate().fold((0.0, 0.0), |(re, im), (b, &v)| {
                let (sin, cos) = turn[(b * d) % n];
                (re + v * cos, im + v * sin)
            });
            (re / n as f64, im / n as f64)
        })
        .collect()
}

/// Consecutive input rows `p0..p0 + len` of one output row, with coefficients from
/// [`ImpulseResponse`] index `e0` on.
#[derive(Debug, Clone, Copy)]
struct Segment {
    p0: usize,
    len: usize,
    e0: usize,
}

/// One frequential path of one second-order wavelet as a banded matrix.
#[derive(Debug, Clone)]
pub(crate) struct BandedPath {
    /// Index of the frequential filter.
    pub filter: usize,
    /// The rows computed: `(row, its segments)`; for spin 0 the output rows themselves.
    rows: Vec<(usize, Range<usize>)>,
    segments: Vec<Segment>,
    /// Spin ≠ 0: the φ_F average restricted to the computed rows,
    /// `avg[r·rows.len() + j]` for output row `r`.
    avg: Option<Vec<f32>>,
    /// Output rows.
    pub out_rows: usize,
}

impl BandedPath {
    /// The path of filter `filter` (impulse response `h` on `n_fr` rows, subsampling `2^k`)
    /// on columns of `n1_max` nonzero rows, emitting `out_rows` rows: the moduli
    /// themselves (`avg = None`, spin 0) or their average by the `(·, n_fr / 2^k)`
    /// row-major matrix `avg`.
    pub fn new(filter: usize, h: &ImpulseResponse, n_fr: usize, k: u32, n1_max: usize, out_rows: usize, avg: Option<&[f32]>) -> BandedPath {
        let m = n_fr >> k;
        let span = (2 * h.reach + 1).min(n_fr) as i64;
        let mut rows = vec![];
        let mut segments = vec![];
        let computed = if avg.is_some() { m } else { out_rows };
        for q in 0..computed {
            let c = (q << k) as i64;
            let first = segments.len();
            for shift in [-(n_fr as i64), 0, n_fr as i64] {
                let lo = (c - h.reach as i64 + shift).max(0);
                let hi = (c - h.reach as i64 + span + shift).min(n1_max as i64);
                if lo < hi {
                    segments.push(Segment { p0: lo as usize, len: (hi - lo) as usize, e0: (lo - c).rem_euclid(n_fr as i64) as usize });
                }
            }
            if segments.len() > first || avg.is_none() {
                rows.push((q, first..segments.len()));
            }
        }
        let avg = avg.map(|g| (0..out_rows).flat_map(|r| rows.iter().map(move |&(q, _)| g[r * m + q])).collect());
        BandedPath { filter, rows, segments, avg, out_rows }
    }

    /// Multiply–adds per time column, in complex products (the φ_F average counts a quarter).
    pub fn cost(&self) -> usize {
        self.segments.iter().map(|s| s.len).sum::<usize>() + self.avg.as_ref().map_or(0, |a| a.len() / 4)
    }

    /// Rows of scratch [`BandedPath::apply`] needs.
    pub fn scratch_rows(&self) -> usize {
        self.rows.len()
    }

    /// On a tile of [`TILE`] columns, `x_re`/`x_im` holding row `p` at `p·TILE`, writes
    /// the `out_rows` output rows into `out` (row `r` at `r·TILE`), using `v` as scratch.
    pub fn apply(&self, h: &ImpulseResponse, x_re: &[f32], x_im: &[f32], v: &mut [f32], out: &mut [f32]) {
        pulp::Arch::new().dispatch(Apply { path: self, h, x: (x_re, x_im), v, out });
    }
}

struct Apply<'a> {
    path: &'a BandedPath,
    h: &'a ImpulseResponse,
    x: (&'a [f32], &'a [f32]),
    v: &'a mut [f32],
    out: &'a mut [f32],
}

impl pulp::WithSimd for Apply<'_> {
    type Output = ();

    #[inline(always)]
    fn with_simd<S: pulp::Simd>(self, simd: S) {
        let Apply { path, h, x: (x_re, x_im), v, out } = self;
        // Four vectors per step, two running sums each: enough independent fused
        // multiply–adds to hide their latency.
        const U: usize = 4;
        let zero = simd.splat_f32s(0.0);
        let moduli: &mut [f32] = if path.avg.is_some() { v } else { out };
        for (j, (_, segs)) in path.rows.iter().enumerate() {
            let (row, _) = S::as_mut_simd_f32s(&mut moduli[j * TILE..(j + 1) * TILE]);
            for g in (0..row.len()).step_by(U) {
                let (mut ar, mut ai) = ([zero; U], [zero; U]);
                for s in &path.segments[segs.clone()] {
                    for t in 0..s.len {
                        let p = (s.p0 + t) * TILE;
                        let (hr, hi) = (h.re[s.e0 + t], h.im[s.e0 + t]);
                        let (hr, hi, nhi) = (simd.splat_f32s(hr), simd.splat_f32s(hi), simd.splat_f32s(-hi));
                        let (xr, _) = S::as_simd_f32s(&x_re[p..p + TILE]);
                        let (xi, _) = S::as_simd_f32s(&x_im[p..p + TILE]);
                        let (xr, xi) = (&xr[g..g + U], &xi[g..g + U]);
                        for u in 0..U {
                            ar[u] = simd.mul_add_e_f32s(hr, xr[u], ar[u]);
                            ar[u] = simd.mul_add_e_f32s(nhi, xi[u], ar[u]);
                            ai[u] = simd.mul_add_e_f32s(hr, xi[u], ai[u]);
                            ai[u] = simd.mul_add_e_f32s(hi, xr[u], ai[u]);
                        }
                    }
                }
                for u in 0..U {
                    row[g + u] = simd.sqrt_f32s(simd.mul_add_e_f32s(ar[u], ar[u], simd.mul_f32s(ai[u], ai[u])));
                }
            }
        }
        if let Some(avg) = &path.avg {
            let n = path.rows.len();
            for r in 0..path.out_rows {
                let (row, _) = S::as_mut_simd_f32s(&mut out[r * TILE..(r + 1) * TILE]);
                for g in (0..row.len()).step_by(U) {
                    let mut acc = [zero; U];
                    for (j, &a) in avg[r * n..(r + 1) * n].iter().enumerate() {
                        let a = simd.splat_f32s(a);
                        let (vj, _) = S::as_simd_f32s(&v[j * TILE..(j + 1) * TILE]);
                        for u in 0..U {
                            acc[u] = simd.mul_add_e_f32s(a, vj[g + u], acc[u]);
                        }
                    }
                    row[g..g + U].copy_from_slice(&acc);
                }
            }
        }
    }
}

/// Splits `rows` complex rows of `y` (row `p` at `p·stride + t0`, `c ≤ TILE` columns)
/// into real and imaginary tiles (row `p` at `p·TILE`), zero beyond `c`.
pub(crate) fn split_tile(y: &[Complex32], stride: usize, rows: usize, t0: usize, c: usize, re: &mut [f32], im: &mut [f32]) {
    for p in 0..rows {
        let src = &y[p * stride + t0..p * stride + t0 + c];
        let (r, i) = (&mut re[p * TILE..(p + 1) * TILE], &mut im[p * TILE..(p + 1) * TILE]);
        for ((r, i), v) in r.iter_mut().zip(i.iter_mut()).zip(src) {
            *r = v.re;
            *i = v.im;
        }
        r[c..].fill(0.0);
        i[c..].fill(0.0);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use reprise_core::Rng;

    /// The banded product equals the circular convolution written out in f64 over all
    /// rows, for a narrow and a wide filter, with and without subsampling, on columns
    /// whose nonzero rows wrap around the padded axis.
    #[test]
    fn banded_rows_equal_the_circular_convolution() {
        let nf = 48;
        let mut rng = Rng::new(11);
        for (xi, sigma) in [(0.35, 0.14), (0.05, 0.02)] {
            let hat: Vec<f64> = (0..nf)
                .map(|b| (-2..=2).map(|w| (-(b as f64 / nf as f64 + w as f64 - xi).powi(2) / (2.0 * sigma * sigma)).exp()).sum::<f64>())
                .collect();
            let h = ImpulseResponse::new(&hat);
            if sigma > 0.1 {
                assert!(h.reach < nf / 4, "the narrow filter must leave rows out: reach {}", h.reach);
            }
            for (k, n1) in [(0u32, 10usize), (1, 40), (0, 47)] {
                let m = nf >> k;
                let path = BandedPath::new(0, &h, nf, k, n1, m, None);
                let mut re = vec![0.0f32; n1 * TILE];
                let mut im = vec![0.0f32; n1 * TILE];
                let x: Vec<Complex32> = (0..n1 * 3).map(|_| Complex32::new(rng.range(-1.0, 1.0) as f32, rng.range(-1.0, 1.0) as f32)).collect();
                split_tile(&x, 3, n1, 0, 3, &mut re, &mut im);
                let mut out = vec![0.0f32; m * TILE];
                path.apply(&h, &re, &im, &mut [], &mut out);
                let tau = 2.0 * std::f64::consts::PI / nf as f64;
                for t in 0..3 {
                    for q in 0..m {
                        let (mut zr, mut zi) = (0.0f64, 0.0f64);
                        for p in 0..n1 {
                            let d = ((q << k) + nf - p) % nf;
                            let (hr, hi) = hat.iter().enumerate().fold((0.0, 0.0), |(a, b), (bin, &v)| {
                                let ang = tau * ((bin * d) % nf) as f64;
                                (a + v * ang.cos() / nf as f64, b + v * ang.sin() / nf as f64)
                            });
                            let xv = x[p * 3 + t];
                            zr += hr * xv.re as f64 - hi * xv.im as f64;
                            zi += hr * xv.im as f64 + hi * xv.re as f64;
                        }
                        let want = zr.hypot(zi);
                        let got = out[q * TILE + t] as f64;
                        assert!((got - want).abs() < 1e-5, "xi {xi} k {k} n1 {n1} row {q} col {t}: {got} vs {want}");
                    }
                    assert_eq!(out[t + 3], 0.0, "columns beyond the tile's count stay zero");
                }
            }
        }
    }
}
