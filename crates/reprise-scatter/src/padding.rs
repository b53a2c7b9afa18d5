//! The padding of the scattering transforms: how the padded signal relates to the input
//! (kymatio's `compute_padding` and `compute_border_indices`).

use crate::filter_bank::{temporal_support, SIGMA0};
use reprise_core::{Error, Result};

/// Largest padded length (2^28 samples, about 3.4 hours at 22050 Hz).
pub const MAX_PADDED: usize = 1 << 28;

/// How the padded signal relates to the input (kymatio's `compute_padding` and
/// `compute_border_indices`).
#[derive(Debug, Clone, PartialEq)]
pub struct Padding {
    /// Log2 of the padded length.
    pub j_pad: u32,
    /// Samples of reflection added before the signal.
    pub left: usize,
    /// Samples of reflection added after it.
    pub right: usize,
    /// `ind_start[k]`: first sample of the signal after subsampling by `2^k`.
    pub ind_start: Vec<usize>,
    /// `ind_end[k]`: one past its last sample after subsampling by `2^k`.
    pub ind_end: Vec<usize>,
}

impl Padding {
    /// kymatio 0.3's padding for `n` samples and a lowpass of scale `t`: pad to
    /// `2^ceil(log2(n + 2·3·support(φ_T)))`, capped at `2^floor(log2(3n − 2))`.
    pub fn new(n: usize, t: usize, log2_max: u32) -> Result<Padding> {
        let (support, _) = temporal_support(SIGMA0 / t as f64, n, 1e-3);
        let min_to_pad = 3 * support;
        let want = ceil_log2(n + 2 * min_to_pad);
        let cap = floor_log2(3 * n - 2);
        let j_pad = want.min(cap);
        let padded = 1usize << j_pad;
        if padded > MAX_PADDED {
            return Err(Error::InvalidParameter {
                name: "signal length",
                reason: format!("{n} samples need a padded length of 2^{j_pad}, above the limit 2^28; split the signal"),
            });
        }
        if padded < n {
            return Err(Error::InvalidParameter { name: "signal length", reason: format!("padding 2^{j_pad} is shorter than the signal ({n})") });
        }
        let add = padded - n;
        let left = add / 2;
        let right = add - left;
        if left.max(right) >= n {
            return Err(Error::TooShort { len: n, need: left.max(right) + 1, why: "reflect padding longer than the signal".into() });
        }
        let mut ind_start = vec![left];
        let mut ind_end = vec![left + n];
        for k in 1..=log2_max as usize {
            ind_start.push(ind_start[k - 1] / 2 + ind_start[k - 1] % 2);
            ind_end.push(ind_end[k - 1] / 2 + ind_end[k - 1] % 2);
        }
        Ok(Padding { j_pad, left, right, ind_start, ind_end })
    }

    /// No padding: a window of `w` samples (a power of two) transformed as it is, its
    /// circular convolutions wrapping at `w` (the windows of [`crate::segments`]).
    pub(crate) fn none(w: usize, log2_max: u32) -> Padding {
        let j_pad = w.trailing_zeros();
        Padding { j_pad, left: 0, right: 0, ind_start: vec![0; log2_max as usize + 1], ind_end: (0..=log2_max).map(|k| w >> k).collect() }
    }

    /// Reflects `x` (numpy's `reflect`: the edge sample is not repeated) into `out`.
    pub fn pad_into(&self, x: &[f32], out: &mut [f32]) {
        let n = x.len();
        out[self.left..self.left + n].copy_from_slice(x);
        for i in 1..=self.left {
            out[self.left - i] = x[i];
        }
        for i in 1..=self.right {
            out[self.left + n - 1 + i] = x[n - 1 - i];
        }
    }
}

pub(crate) fn ceil_log2(n: usize) -> u32 {
    n.next_power_of_two().trailing_zeros()
}

pub(crate) fn floor_log2(n: usize) -> u32 {
    usize::BITS - 1 - n.leading_zeros()
}
