//! The workspace's one FFT planning policy: process-wide planners, one per precision, so
//! that a plan (and its twiddle table) of a given size is built once and shared by every
//! transform that needs it, in every crate.

use std::sync::{Arc, Mutex, OnceLock};

use realfft::{ComplexToReal, RealFftPlanner, RealToComplex};
use rustfft::{Fft, FftNum, FftPlanner};

/// A real and a complex planner of one precision.
pub struct Planners<T: FftNum> {
    real: RealFftPlanner<T>,
    complex: FftPlanner<T>,
}

/// The precisions Reprise plans FFTs in (`f32`, `f64`).
pub trait Precision: FftNum {
    /// The process-wide planners of this precision.
    fn planners() -> &'static Mutex<Planners<Self>>;
}

macro_rules! precision {
    ($t:ty) => {
        impl Precision for $t {
            fn planners() -> &'static Mutex<Planners<$t>> {
                static P: OnceLock<Mutex<Planners<$t>>> = OnceLock::new();
                P.get_or_init(|| Mutex::new(Planners { real: RealFftPlanner::new(), complex: FftPlanner::new() }))
            }
        }
    };
}
precision!(f32);
precision!(f64);

fn with<T: Precision, R>(f: impl FnOnce(&mut Planners<T>) -> R) -> R {
    // a panic while planning leaves the planners usable
    f(&mut T::planners().lock().unwrap_or_else(|e| e.into_inner()))
}

/// Forward real FFT of length `n`.
pub fn real_forward<T: Precision>(n: usize) -> Arc<dyn RealToComplex<T>> {
    with(|p: &mut Planners<T>| p.real.plan_fft_forward(n))
}

/// Inverse real FFT of length `n` (unnormalised).
pub fn real_inverse<T: Precision>(n: usize) -> Arc<dyn ComplexToReal<T>> {
    with(|p: &mut Planners<T>| p.real.plan_fft_inverse(n))
}

/// Forward complex FFT of length `n`.
pub fn forward<T: Precision>(n: usize) -> Arc<dyn Fft<T>> {
    with(|p: &mut Planners<T>| p.complex.plan_fft_forward(n))
}

/// Inverse complex FFT of length `n` (unnormalised).
pub fn inverse<T: Precision>(n: usize) -> Arc<dyn Fft<T>> {
    with(|p: &mut Planners<T>| p.complex.plan_fft_inverse(n))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plans_are_shared() {
        assert!(Arc::ptr_eq(&forward::<f32>(96), &forward::<f32>(96)));
        assert!(Arc::ptr_eq(&real_inverse::<f64>(100), &real_inverse::<f64>(100)));
        assert_eq!(real_forward::<f32>(64).len(), 64);
        assert_eq!(inverse::<f64>(30).len(), 30);
    }
}
