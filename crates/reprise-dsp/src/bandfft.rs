//! A band of bins of a real FFT: the DFT of a real frame of even length `n`, for the
//! bins `lo..hi` only.
//!
//! The frame is read as `n/2` complex samples `z[k] = x[2k] + i·x[2k+1]` and
//! transformed with one complex FFT of length `n/2` (RustFFT). The usual split step,
//! `X[m] = E[m] + e^(−2πi m/n)·O[m]` with `E[m] = (Z[m] + Z̄[−m])/2` and
//! `O[m] = (Z[m] − Z̄[−m])/(2i)`, then runs for the bins of the band only, and writes
//! real and imaginary parts to separate lanes, ready for products vectorised across frames.
//! realfft performs the same split for all `n/2 + 1` bins; the constant-Q kernels of an
//! octave read about a quarter of them.

use num_complex::Complex32;
use rustfft::Fft;
use std::ops::Range;
use std::sync::Arc;

/// A planned band of a real FFT (see the module docs).
#[derive(Clone)]
pub(crate) struct BandFft {
    n: usize,
    band: Range<usize>,
    fft: Arc<dyn Fft<f32>>,
    /// `−i·e^(−2πi m/n)` for each bin `m` of the band.
    twiddles: Vec<Complex32>,
}

/// Buffers of one [`BandFft`] user: the frame (as packed complex samples) and scratch.
#[derive(Clone)]
pub(crate) struct BandFftWork {
    buf: Vec<Complex32>,
    scratch: Vec<Complex32>,
}

impl BandFftWork {
    /// The frame to transform, `n` real samples (fill it before [`BandFft::process`]).
    pub(crate) fn frame_mut(&mut self) -> &mut [f32] {
        bytemuck::cast_slice_mut(&mut self.buf)
    }
}

impl BandFft {
    /// Plans bins `band` of the real FFT of length `n` (`n` even, `band.end ≤ n/2 + 1`).
    pub(crate) fn new(n: usize, band: Range<usize>) -> Self {
        assert!(n >= 2 && n.is_multiple_of(2), "real FFT length {n} must be even");
        assert!(band.start <= band.end && band.end <= n / 2 + 1, "band {band:?} outside 0..={}", n / 2);
        let fft = reprise_core::fft::forward::<f32>(n / 2);
        let twiddles = band
            .clone()
            .map(|m| {
                let a = -2.0 * std::f64::consts::PI * m as f64 / n as f64;
                // −i·e^(ia) = sin a − i cos a
                Complex32::new(a.sin() as f32, -a.cos() as f32)
            })
            .collect();
        Self { n, band, fft, twiddles }
    }

    /// The bins computed.
    pub(crate) fn band(&self) -> Range<usize> {
        self.band.clone()
    }

    /// Fresh buffers for [`BandFft::process`].
    pub(crate) fn work(&self) -> BandFftWork {
        BandFftWork { buf: vec![Complex32::new(0.0, 0.0); self.n / 2], scratch: vec![Complex32::new(0.0, 0.0); self.fft.get_inplace_scratch_len()] }
    }

    /// Transforms the frame in `work` (consumed) and writes bin `lo + j` of the band to
    /// lane `lane` of `re[j]` (real part) and `im[j]` (imaginary part), so that the
    /// spectra of up to `L` frames sit side by side for vectorised products.
    #[inline(always)]
    pub(crate) fn process<const L: usize>(&self, work: &mut BandFftWork, re: &mut [[f32; L]], im: &mut [[f32; L]], lane: usize) {
        debug_assert!(re.len() == self.band.len() && im.len() == self.band.len());
        self.fft.process_with_scratch(&mut work.buf, &mut work.scratch);
        self.split(&work.buf, re, im, lane);
    }

    /// The split step for the band, from `z = FFT(packed frame)`.
    #[inline(always)]
    fn split<const L: usize>(&self, z: &[Complex32], re: &mut [[f32; L]], im: &mut [[f32; L]], lane: usize) {
        let half = self.n / 2;
        let (lo, hi) = (self.band.start, self.band.end);
        let split = |zj: Complex32, zc: Complex32, t: Complex32| (zj + zc) * 0.5 + t * ((zj - zc) * 0.5);
        // bins 0 and n/2 both come from Z[0]
        for m in [0, half] {
            if (lo..hi).contains(&m) {
                let x = split(z[0], z[0].conj(), self.twiddles[m - lo]);
                re[m - lo][lane] = x.re;
                im[m - lo][lane] = x.im;
            }
        }
        // interior bins m read Z[m] and Z[n/2 − m]
        let (a, b) = (lo.max(1), hi.min(half));
        if a < b {
            let mirrored = z[half + 1 - b..half + 1 - a].iter().rev();
            let outs = re[a - lo..b - lo].iter_mut().zip(&mut im[a - lo..b - lo]);
            for (((zj, zm), t), (r, i)) in z[a..b].iter().zip(mirrored).zip(&self.twiddles[a - lo..b - lo]).zip(outs) {
                let x = split(*zj, zm.conj(), *t);
                r[lane] = x.re;
                i[lane] = x.im;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn band_equals_the_real_fft() {
        for n in [2usize, 4, 6, 16, 18, 1024] {
            let x: Vec<f32> = (0..n).map(|i| ((i * 7919 % 101) as f32 / 50.0 - 1.0) * (1.0 + (i as f32 * 0.37).sin())).collect();
            let fft = reprise_core::fft::real_forward::<f32>(n);
            let mut input = x.clone();
            let mut full = fft.make_output_vec();
            fft.process(&mut input, &mut full).unwrap();
            let peak = full.iter().map(|c| c.norm()).fold(0.0f32, f32::max);
            for band in [0..n / 2 + 1, 1..n / 2, n / 4..n / 2 + 1, 0..0] {
                let plan = BandFft::new(n, band.clone());
                let mut work = plan.work();
                work.frame_mut().copy_from_slice(&x);
                let (mut re, mut im) = (vec![[0.0f32; 3]; band.len()], vec![[0.0f32; 3]; band.len()]);
                plan.process(&mut work, &mut re, &mut im, 1);
                for (k, m) in band.enumerate() {
                    assert!((re[k][1] - full[m].re).abs() <= 1e-5 * peak, "n {n} bin {m}: {} vs {}", re[k][1], full[m].re);
                    assert!((im[k][1] - full[m].im).abs() <= 1e-5 * peak, "n {n} bin {m}: {} vs {}", im[k][1], full[m].im);
                    assert_eq!((re[k][0], im[k][2]), (0.0, 0.0), "other lanes untouched");
                }
            }
        }
    }
}
