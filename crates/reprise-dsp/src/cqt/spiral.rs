//! The pitch-spiral view of a constant-Q magnitude.

use super::*;

/// The pitch-spiral view of a CQT/VQT magnitude (or any `(n_bins, n_frames)` array with
/// `bins_per_octave` bins per octave): `(n_octaves, bins_per_octave, n_frames)` as a
/// flat vector in that order, zero-padded at the top to whole octaves.
pub fn to_spiral(c: &Array2<f32>, bins_per_octave: usize) -> Result<(Vec<f32>, [usize; 3])> {
    if bins_per_octave == 0 {
        return Err(invalid("bins_per_octave", "must be at least 1"));
    }
    let (n_bins, n_frames) = c.dim();
    let n_oct = n_bins.div_ceil(bins_per_octave);
    let mut out = vec![0.0f32; n_oct * bins_per_octave * n_frames];
    for k in 0..n_bins {
        let (o, b) = (k / bins_per_octave, k % bins_per_octave);
        for t in 0..n_frames {
            out[(o * bins_per_octave + b) * n_frames + t] = c[[k, t]];
        }
    }
    Ok((out, [n_oct, bins_per_octave, n_frames]))
}

/// Inverse of [`to_spiral`]: the first `n_bins` bins of a `(n_octaves, bins_per_octave,
/// n_frames)` spiral.
pub fn from_spiral(spiral: &[f32], shape: [usize; 3], n_bins: usize) -> Result<Array2<f32>> {
    let [n_oct, bpo, n_frames] = shape;
    if spiral.len() != n_oct * bpo * n_frames || n_bins > n_oct * bpo {
        return Err(Error::ShapeMismatch {
            expected: format!("{n_oct}×{bpo}×{n_frames} holding {n_bins} bins"),
            got: format!("{} values", spiral.len()),
        });
    }
    Ok(Array2::from_shape_fn((n_bins, n_frames), |(k, t)| spiral[k * n_frames + t]))
}
