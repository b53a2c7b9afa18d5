//! Self-similarity and repeated sections: the recurrence matrix of Lattner, Dörfler & Arzt
//! (ISMIR 2019, the Complex Autoencoder's `convert.py`) and the repeated-segment extractor of
//! Nieto & Farbood (ISMIR 2014) as that pipeline runs it.
//!
//! **The matrix** ([`RecurrenceConfig`], [`recurrence_matrix`]), from one feature vector
//! per frame: cosine distances `d = 1 − cos`, padded with `pad` rows and columns of the
//! largest distance at the end (kept, as the reference keeps them), similarity
//! `1 / (d + 1e-6)`, the diagonals `|k| ≤ band` set to 0, a "same" 2-D convolution with a
//! `kernel × kernel` tridiagonal kernel (ones where `|a − b| ≤ 1`; window `−kernel/2 …
//! kernel/2 − 1` around each cell, zeros outside) that smooths along the diagonals, and
//! min–max scaling to `[0, 1]`.
//!
//! **The extractor** ([`RepeatConfig`], [`find_repeats`]) works on the matrix centred on
//! its median. From each cell `(i, j)` of the upper triangle it grows a segment along the
//! diagonal while a linearly weighted mean of its last ten values (the newest weighted
//! most) stays above a threshold; a segment of at least `min_dur` frames is kept and the
//! band `|a − b| ≤ 3` of its block is cleared. Segments whose source intervals agree within
//! `max_diff` frames form a pattern whose occurrences are the source, then each target. The
//! threshold starts at 0.0105 and drops by 0.001 until a pattern is found. The reference's
//! quirks are kept on purpose (a segment includes the frame whose score failed; ρ has no
//! effect), so that its published numbers can be compared; what differs is written at
//! each item.

use ndarray::{Array2, ArrayView2};
use reprise_core::{invalid, Result};
use serde::{Deserialize, Serialize};

/// Cosine distances `1 − cos(x_i, x_j)` between the frames (columns) of `x`
/// (`features × frames`), computed in f64. A frame of zeros is at distance 1 from every
/// other frame and 0 from itself (scipy would give NaN).
///
/// The frames are scaled to unit length and their Gram matrix is one f64 matrix product
/// (`gemm`, on rayon's threads), instead of a dot product per pair.
pub fn cosine_distances(x: ArrayView2<f32>) -> Array2<f64> {
    let (d, n) = x.dim();
    // frame-major, each frame of unit length (zero frames stay zero)
    let mut unit = vec![0f64; n * d];
    let mut zero = vec![false; n];
    for (i, c) in x.columns().into_iter().enumerate() {
        let norm = c.iter().map(|v| (*v as f64) * (*v as f64)).sum::<f64>().sqrt();
        zero[i] = !(norm > 0.0);
        if !zero[i] {
            unit[i * d..(i + 1) * d].iter_mut().zip(c.iter()).for_each(|(u, v)| *u = *v as f64 / norm);
        }
    }
    let mut gram = vec![0f64; n * n];
    if n > 0 && d > 0 {
        // gram[i][j] = Σ_k unit[i][k] · unit[j][k]: lhs = unit (n × d), rhs = unitᵀ (d × n)
        // SAFETY: the pointers cover n·n, n·d and n·d values with the strides given.
        unsafe {
            gemm::gemm(
                n,
                n,
                d,
                gram.as_mut_ptr(),
                1,
                n as isize,
                false,
                unit.as_ptr(),
                1,
                d as isize,
                unit.as_ptr(),
                d as isize,
                1,
                0.0,
                1.0,
                false,
                false,
                false,
                gemm::Parallelism::Rayon(0),
            );
        }
    }
    let mut out = Array2::<f64>::zeros((n, n));
    for i in 0..n {
        for j in i + 1..n {
            let v = if zero[i] || zero[j] { 1.0 } else { (1.0 - gram[i * n + j]).max(0.0) };
            out[[i, j]] = v;
            out[[j, i]] = v;
        }
    }
    out
}

/// The recurrence matrix's settings; `Default` is the reference recipe.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct RecurrenceConfig {
    /// Rows and columns of the largest distance appended at the end (9).
    pub pad: usize,
    /// Diagonals `|k| ≤ band` set to 0 (8).
    pub band: usize,
    /// Side of the tridiagonal smoothing kernel (10).
    pub kernel: usize,
}

impl Default for RecurrenceConfig {
    fn default() -> Self {
        RecurrenceConfig { pad: 9, band: 8, kernel: 10 }
    }
}

/// The recurrence matrix of the frames of `x` (`features × frames`): `(frames + pad)²`,
/// values in `[0, 1]`, 0 on the band around the diagonal (see the module's documentation).
/// Fewer than 2 frames is an error; so are features that are zero in every frame (silence)
/// and a matrix with nothing to scale.
pub fn recurrence_matrix(x: ArrayView2<f32>, cfg: &RecurrenceConfig) -> Result<Array2<f32>> {
    if x.ncols() < 2 {
        return Err(invalid("frames", format!("{} frame(s): a self-similarity matrix needs at least 2", x.ncols())));
    }
    if cfg.kernel == 0 {
        return Err(invalid("kernel", "must be at least 1 (10)"));
    }
    if x.iter().any(|v| !v.is_finite()) {
        return Err(invalid("features", "hold a non-finite value (NaN or infinity)"));
    }
    if x.columns().into_iter().all(|c| c.iter().all(|v| *v == 0.0)) {
        return Err(invalid("features", "are zero in every frame (silence): there is nothing to compare"));
    }
    let d = cosine_distances(x);
    let n = d.nrows() + cfg.pad;
    let dmax = d.iter().copied().fold(0.0f64, f64::max);
    let mut s = Array2::<f64>::from_elem((n, n), 1.0 / (dmax + 1e-6));
    s.slice_mut(ndarray::s![..d.nrows(), ..d.nrows()]).assign(&d.mapv(|v| 1.0 / (v + 1e-6)));
    for i in 0..n {
        for j in i.saturating_sub(cfg.band)..(i + cfg.band + 1).min(n) {
            s[[i, j]] = 0.0;
        }
    }
    let mut out = smooth_diagonals(&s, cfg.kernel);
    let (lo, hi) = out.iter().fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), v| (a.min(*v), b.max(*v)));
    if !(hi - lo > 1e-12 * hi.abs().max(1.0)) {
        return Err(invalid("features", "give a self-similarity matrix with nothing to scale (every frame alike, as silence is)"));
    }
    out.mapv_inplace(|v| (v - lo) / (hi - lo + 1e-8));
    Ok(out.mapv(|v| v as f32))
}

/// scipy's `convolve2d(s, K, mode="same")` with the `k × k` tridiagonal kernel: each cell
/// sums `s[i + u, j + v]` over `u, v ∈ [−k/2, k − 1 − k/2]`, `|u − v| ≤ 1` (zeros outside),
/// with running sums along the three diagonals.
fn smooth_diagonals(s: &Array2<f64>, k: usize) -> Array2<f64> {
    let n = s.nrows();
    let (lo, hi) = (-((k / 2) as isize), (k - 1 - k / 2) as isize);
    let at = |i: isize, j: isize| if i >= 0 && j >= 0 && (i as usize) < n && (j as usize) < n { s[[i as usize, j as usize]] } else { 0.0 };
    let mut out = Array2::<f64>::zeros((n, n));
    // for each offset d = v − u ∈ {−1, 0, 1}: u runs over [max(lo, lo − d), min(hi, hi − d)]
    for d in -1isize..=1 {
        let (u0, u1) = (lo.max(lo - d), hi.min(hi - d));
        if u0 > u1 {
            continue;
        }
        // along each diagonal of s, a running sum of the window u0..=u1
        for start in -(n as isize - 1)..(n as isize) {
            // cells (i, j) with j − i = start
            let (i0, j0) = if start >= 0 { (0isize, start) } else { (-start, 0isize) };
            let len = n as isize - start.abs();
            let mut acc = 0.0;
            for u in u0..=u1 {
                acc += at(i0 + u, j0 + u + d);
            }
            for t in 0..len {
                let (i, j) = (i0 + t, j0 + t);
                out[[i as usize, j as usize]] += acc;
                acc += at(i + u1 + 1, j + u1 + 1 + d) - at(i + u0, j + u0 + d);
            }
        }
    }
    out
}

/// The extractor's settings: `Default` is the reference pipeline's (`th` 0.0105, lowered by
/// 0.001; 16 notes at least; occurrences within 5 notes of each other), with the frame rate
/// in beats left to the caller ([`RepeatConfig::for_tempo`]).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct RepeatConfig {
    /// Beats per frame (the reference's `h`).
    pub beats_per_frame: f64,
    /// Starting threshold of the segment score (0.0105).
    pub threshold: f64,
    /// How much the threshold drops each round that finds no pattern (0.001).
    pub step: f64,
    /// Shortest segment, in notes (beats; 16): `ceil(min_notes / h)` frames.
    pub min_notes: f64,
    /// Largest difference of occurrence bounds within a pattern, in notes (5): `⌊5 / h⌋` frames.
    pub max_diff_notes: f64,
}

impl RepeatConfig {
    /// The settings for a piece at `bpm` whose frames are `frame_s` seconds apart (the
    /// reference uses 0.0886 s per frame for a hop that is 0.08998 s; this takes the hop).
    pub fn for_tempo(bpm: f64, frame_s: f64) -> RepeatConfig {
        RepeatConfig { beats_per_frame: frame_s * bpm / 60.0, threshold: 0.0105, step: 0.001, min_notes: 16.0, max_diff_notes: 5.0 }
    }

    /// Shortest segment, frames.
    pub fn min_dur(&self) -> usize {
        (self.min_notes / self.beats_per_frame).ceil() as usize
    }

    /// Largest bound difference within a pattern, frames.
    pub fn max_diff(&self) -> usize {
        (self.max_diff_notes / self.beats_per_frame) as usize
    }

    /// Checks the settings.
    pub fn validate(&self) -> Result<()> {
        for (name, v) in [("beats_per_frame", self.beats_per_frame), ("step", self.step), ("min_notes", self.min_notes)] {
            if !(v > 0.0 && v.is_finite()) {
                return Err(invalid(name, format!("{v} must be positive")));
            }
        }
        if !(self.threshold.is_finite() && self.max_diff_notes >= 0.0) {
            return Err(invalid("threshold", format!("{} must be finite and max_diff_notes ≥ 0", self.threshold)));
        }
        Ok(())
    }
}

/// A repeated section: its occurrences as half-open frame intervals `[start, end)`, the
/// first being the one the others were matched against.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RepeatedPattern {
    /// `(start, end)` frames of each occurrence.
    pub occurrences: Vec<(usize, usize)>,
}

/// The score of the segment growing from `(i, j)`: `(score, length)` (see the module's
/// documentation; the length includes the step whose score failed).
fn segment_score(x: &Array2<f64>, i: usize, j: usize, min_dur: usize, th: f64) -> (f64, usize) {
    let n = x.nrows();
    let (mut m, mut last) = (1usize, 0.0f64);
    while i + m < n && j + m < n {
        let l = m.min(10);
        let mut acc = 0.0;
        for (w, k) in (m - l..m).enumerate() {
            acc += (w + 1) as f64 * x[[i + k, j + k]];
        }
        let score = acc / (l * (l + 1) / 2) as f64;
        if score <= th {
            break;
        }
        m += 1;
        last = score;
    }
    if m < min_dur {
        last = 0.0;
    }
    (last, m)
}

/// One pass of the segment search at threshold `th`: segments `[i, i+M) → [j, j+M)`,
/// clearing the band `|a − b| ≤ 3` of each found block in `x`.
fn find_segments(x: &mut Array2<f64>, min_dur: usize, th: f64) -> Vec<[usize; 4]> {
    let n = x.nrows();
    let mut out = Vec::new();
    let last = n.saturating_sub(min_dur + 1);
    for i in 0..last {
        for j in i + 1..last {
            let (s, m) = segment_score(x, i, j, min_dur, th);
            if s > th {
                for a in 0..m {
                    for b in a.saturating_sub(3)..(a + 4).min(m) {
                        if i + a < n && j + b < n {
                            x[[i + a, j + b]] = 0.0;
                        }
                    }
                }
                out.push([i, i + m, j, j + m]);
            }
        }
    }
    out
}

/// Segments grouped into patterns: each segment not yet taken leads a pattern of its
/// source, its target, and the targets of the untaken segments whose source bounds are
/// both within `max_diff` of its own.
fn group_segments(segs: &[[usize; 4]], max_diff: usize) -> Vec<RepeatedPattern> {
    let mut taken = vec![false; segs.len()];
    let mut out = Vec::new();
    for a in 0..segs.len() {
        if taken[a] {
            continue;
        }
        taken[a] = true;
        let s = segs[a];
        let mut occ = vec![(s[0], s[1]), (s[2], s[3])];
        for b in 0..segs.len() {
            let t = segs[b];
            if !taken[b] && s[0].abs_diff(t[0]) <= max_diff && s[1].abs_diff(t[1]) <= max_diff {
                occ.push((t[2], t[3]));
                taken[b] = true;
            }
        }
        out.push(RepeatedPattern { occurrences: occ });
    }
    out
}

/// The repeated sections of a recurrence matrix (see the module's documentation): rounds
/// at thresholds `threshold, threshold − step, …` until one finds a pattern that `keep`
/// accepts (the caller's filter: the reference keeps patterns with at least two occurrences
/// holding notes), down to 0 at most (the reference has no floor, and loops forever on a
/// matrix without repetitions). Returns the patterns and the threshold that found them;
/// none when no round did.
pub fn find_repeats(
    ssm: ArrayView2<f32>,
    cfg: &RepeatConfig,
    keep: &dyn Fn(&RepeatedPattern) -> bool,
) -> Result<(Vec<RepeatedPattern>, Option<f64>)> {
    cfg.validate()?;
    if ssm.nrows() != ssm.ncols() {
        return Err(invalid("ssm", format!("{} × {} is not square", ssm.nrows(), ssm.ncols())));
    }
    let mut x: Array2<f64> = ssm.mapv(|v| v as f64);
    let mut values: Vec<f64> = x.iter().copied().collect();
    let (len, mid) = (values.len(), values.len() / 2);
    let median = if len == 0 {
        0.0
    } else {
        let (below, m, _) = values.select_nth_unstable_by(mid, f64::total_cmp);
        if len % 2 == 1 {
            *m
        } else {
            (below.iter().copied().fold(f64::NEG_INFINITY, f64::max) + *m) / 2.0
        }
    };
    x.mapv_inplace(|v| v - median);
    let (min_dur, max_diff) = (cfg.min_dur().max(1), cfg.max_diff());
    let mut th = cfg.threshold;
    while th >= 0.0 {
        // the matrix stays cleared where earlier rounds found segments, as in the reference
        let segs = find_segments(&mut x, min_dur, th);
        let patterns: Vec<RepeatedPattern> = group_segments(&segs, max_diff).into_iter().filter(|p| keep(p)).collect();
        if !patterns.is_empty() {
            return Ok((patterns, Some(th)));
        }
        th -= cfg.step;
    }
    Ok((Vec::new(), None))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_smoothing_is_scipys_same_convolution() {
        let n = 23;
        let s = Array2::from_shape_fn((n, n), |(i, j)| ((i * 31 + j * 17) % 13) as f64 - 4.0);
        for k in [10usize, 3, 1] {
            let fast = smooth_diagonals(&s, k);
            let (lo, hi) = (-((k / 2) as isize), (k - 1 - k / 2) as isize);
            for i in 0..n {
                for j in 0..n {
                    let mut want = 0.0;
                    for u in lo..=hi {
                        for v in lo..=hi {
                            let (a, b) = (i as isize + u, j as isize + v);
                            if (u - v).abs() <= 1 && a >= 0 && b >= 0 && (a as usize) < n && (b as usize) < n {
                                want += s[[a as usize, b as usize]];
                            }
                        }
                    }
                    assert!((fast[[i, j]] - want).abs() < 1e-9, "k {k} ({i}, {j}): {} vs {want}", fast[[i, j]]);
                }
            }
        }
    }

    /// Frames of a sequence with a section that comes back: A B A' C, A' = A.
    fn repeated() -> Array2<f32> {
        let section: Vec<Vec<f32>> =
            (0..40).map(|t| (0..12).map(|k| ((t * 7 + k * 3) % 11) as f32 + if k == t % 12 { 5.0 } else { 0.0 }).collect()).collect();
        let other = |seed: usize| -> Vec<Vec<f32>> { (0..30).map(|t| (0..12).map(|k| (((t + seed) * 13 + k * 5) % 17) as f32).collect()).collect() };
        let frames: Vec<Vec<f32>> = section.iter().cloned().chain(other(1)).chain(section.iter().cloned()).chain(other(7)).collect();
        Array2::from_shape_fn((12, frames.len()), |(k, t)| frames[t][k])
    }

    #[test]
    fn the_matrix_is_symmetric_scaled_and_clear_near_the_diagonal() {
        let x = repeated();
        let s = recurrence_matrix(x.view(), &RecurrenceConfig::default()).unwrap();
        let n = x.ncols() + 9;
        assert_eq!(s.dim(), (n, n));
        let (lo, hi) = s.iter().fold((f32::INFINITY, f32::NEG_INFINITY), |(a, b), v| (a.min(*v), b.max(*v)));
        assert!(lo == 0.0 && hi > 0.99 && hi <= 1.0, "{lo} {hi}");
        for i in 0..n {
            for j in 0..n {
                assert!((s[[i, j]] - s[[j, i]]).abs() < 1e-6);
            }
        }
        // the repeat (frame t and t + 70) stands out against unrelated frames
        assert!(s[[10, 80]] > 4.0 * s[[10, 50]], "{} vs {}", s[[10, 80]], s[[10, 50]]);
        assert!(recurrence_matrix(ndarray::Array2::<f32>::zeros((12, 30)).view(), &RecurrenceConfig::default()).is_err(), "silence");
        assert!(recurrence_matrix(x.slice(ndarray::s![.., ..1]), &RecurrenceConfig::default()).is_err());
    }

    #[test]
    fn the_extractor_finds_the_repeated_section() {
        let x = repeated();
        let s = recurrence_matrix(x.view(), &RecurrenceConfig::default()).unwrap();
        // 2 beats per frame: min 8 frames; bounds within 2 frames
        let cfg = RepeatConfig { beats_per_frame: 2.0, ..RepeatConfig::for_tempo(120.0, 1.0) };
        let (patterns, th) = find_repeats(s.view(), &cfg, &|_| true).unwrap();
        assert!(th.is_some() && !patterns.is_empty());
        // one pattern covers most of the section at 0..40 and its return at 70..110
        let hit = patterns.iter().any(|p| {
            let (a, b) = (p.occurrences[0], p.occurrences[1]);
            a.0 < 10 && a.1 > 30 && (b.0 as isize - a.0 as isize - 70).abs() <= 2
        });
        assert!(hit, "{patterns:?}");
        // a filter that accepts nothing: no pattern, no threshold, and no endless loop
        assert_eq!(find_repeats(s.view(), &cfg, &|_| false).unwrap(), (vec![], None));
    }
}
