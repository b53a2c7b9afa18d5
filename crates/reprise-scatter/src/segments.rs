//! Long signals in overlapping windows, so that memory is bounded by the output plus one
//! window's work, with the whole-signal result.
//!
//! Every operation of a scattering transform along time is a circular convolution of
//! the padded signal (length `n_pad`), a pointwise modulus, a subsampling, or (JTFS) an
//! operation on one time column. An output sample therefore depends only on the padded
//! signal within the summed reach of the filters it went through (ψ1, then ψ2, then φ).
//! A window of `w` padded samples around a core of `core` samples, with `margin =
//! (w − core) / 2` at least that reach, gives the core's outputs as the whole padded
//! signal would, up to the filters' tails beyond [`crate::filter_bank::REL_EPS`] of
//! their peaks. The window is read circularly from the padded signal, so cores near the
//! ends see the same reflection as the whole transform.
//!
//! Margins and cores are multiples of `2^L` (the deepest subsampling), so that every
//! window subsamples on the whole signal's grid.

use crate::filter_bank::{envelope_reach, MorletParams, REL_EPS, SIGMA0};
use crate::padding::Padding;

/// Samples of context an output sample needs either side: the reach of the widest filter
/// of each stage it went through (ψ1, then ψ2), plus that of φ_T when `t` (the averaging
/// scale in samples) is given.
pub(crate) fn reach(stages: &[&[MorletParams]], t: Option<usize>) -> f64 {
    let widest = |ps: &[MorletParams]| ps.iter().map(|p| envelope_reach(p.sigma, REL_EPS)).fold(0.0, f64::max);
    stages.iter().map(|s| widest(s)).sum::<f64>() + t.map_or(0.0, |t| envelope_reach(SIGMA0 / t as f64, REL_EPS))
}

/// The window geometry: `w = core + 2·margin` padded samples, `w` a power of two.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Segments {
    pub w: usize,
    pub margin: usize,
    pub core: usize,
}

impl Segments {
    /// The geometry for a context of `reach` samples either side and subsampling up to
    /// `unit` (a power of two): the window is the power of two at least `16·margin`
    /// (so at least seven eighths of each window is kept) and at least `min_window`.
    /// `None` when the padded signal is shorter than two windows (windows would cost
    /// more than they save).
    pub fn plan(n_pad: usize, reach: f64, unit: usize, min_window: usize) -> Option<Segments> {
        let margin = (reach.ceil() as usize + 1).div_ceil(unit) * unit;
        let w = (16 * margin).next_power_of_two().max(min_window).max(4 * unit);
        (2 * w <= n_pad).then_some(Segments { w, margin, core: w - 2 * margin })
    }

    /// The starts (padded samples, multiples of `core`) of the cores that cover the
    /// padded samples `lo..hi`.
    pub fn starts(&self, lo: usize, hi: usize) -> impl Iterator<Item = usize> {
        (lo / self.core * self.core..hi).step_by(self.core)
    }

    /// The starts of the cores that cover the `n`-sample signal padded as `pad`, at every
    /// level its outputs are kept at (one past its end, rounded up to the deepest level).
    pub fn covering(&self, pad: &Padding, n: usize) -> impl Iterator<Item = usize> {
        let deepest = 1usize << (pad.ind_start.len() - 1);
        self.starts(pad.left, pad.left + n + deepest)
    }

    /// Fills `buf` (`w` samples) with the padded signal from `a − margin`, circularly:
    /// `x` reflected as [`Padding::pad_into`] does.
    pub fn fill(&self, x: &[f32], pad: &Padding, a: usize, buf: &mut [f32]) {
        let n = x.len() as i64;
        let n_pad = 1i64 << pad.j_pad;
        let left = pad.left as i64;
        let start = a as i64 - self.margin as i64;
        for (j, b) in buf.iter_mut().enumerate() {
            // index into x: reflection without repeating the edge sample
            let i = (start + j as i64).rem_euclid(n_pad) - left;
            let i = if i < 0 {
                -i
            } else if i >= n {
                2 * (n - 1) - i
            } else {
                i
            };
            // the padding is shorter than the signal (Padding::new), so one reflection suffices
            *b = x[i as usize];
        }
    }

    /// Where the core of the window at `a` lands in an output of level `level`, whose
    /// samples `start..end` (level samples) are kept: `(first sample of the window's
    /// output, first sample of the output, count)`, or `None` when it lands outside.
    pub fn core(&self, a: usize, level: u32, start: usize, end: usize) -> Option<(usize, usize, usize)> {
        let (lo, hi) = (a >> level, (a + self.core) >> level);
        let (from, to) = (lo.max(start), hi.min(end));
        (from < to).then(|| ((self.margin >> level) + from - lo, from - start, to - from))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn windows_read_the_padded_signal_circularly() {
        let x: Vec<f32> = (0..1000).map(|i| i as f32).collect();
        let pad = Padding::new(1000, 16, 4).unwrap();
        let n_pad = 1usize << pad.j_pad;
        let mut padded = vec![0.0; n_pad];
        pad.pad_into(&x, &mut padded);
        let seg = Segments { w: 256, margin: 32, core: 192 };
        let mut buf = vec![0.0; seg.w];
        for a in seg.starts(pad.left, pad.left + x.len()) {
            seg.fill(&x, &pad, a, &mut buf);
            for (j, &v) in buf.iter().enumerate() {
                assert_eq!(v, padded[(a + n_pad + j - seg.margin) % n_pad], "window at {a}, sample {j}");
            }
        }
    }

    #[test]
    fn cores_tile_the_output_once() {
        let seg = Segments { w: 1024, margin: 64, core: 896 };
        for level in 0..6 {
            let (start, end) = (37, 3000);
            let mut seen = vec![0u32; end - start];
            for a in seg.starts(start << level, end << level) {
                if let Some((src, dst, len)) = seg.core(a, level, start, end) {
                    assert!(src >= seg.margin >> level && src + len <= (seg.margin + seg.core) >> level);
                    seen[dst..dst + len].iter_mut().for_each(|s| *s += 1);
                }
            }
            assert!(seen.iter().all(|&s| s == 1), "level {level}");
        }
    }

    #[test]
    fn plan_is_none_for_short_signals_and_aligned_otherwise() {
        assert_eq!(Segments::plan(1 << 20, 1000.0, 256, 1 << 20), None);
        let s = Segments::plan(1 << 24, 5000.0, 256, 1 << 16).unwrap();
        assert_eq!(s.margin % 256, 0);
        assert_eq!(s.core % 256, 0);
        assert!(s.w.is_power_of_two() && s.w >= 16 * s.margin && s.margin > 5000);
    }
}
