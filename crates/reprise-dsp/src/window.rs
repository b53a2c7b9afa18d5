//! Analysis windows, periodic as `scipy.signal.get_window(name, N, fftbins=True)`.

use reprise_core::{invalid, Result};
use serde::{Deserialize, Serialize};
use std::f64::consts::PI;
use std::str::FromStr;

/// A window function. All windows are *periodic* (the DFT-even form librosa uses):
/// a symmetric window of length `N + 1` with its last sample dropped.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum Window {
    /// Hann: `0.5 − 0.5·cos(2πn/N)`. librosa's default.
    #[default]
    Hann,
    /// Hamming: `0.54 − 0.46·cos(2πn/N)`.
    Hamming,
    /// Blackman: `0.42 − 0.5·cos(2πn/N) + 0.08·cos(4πn/N)`.
    Blackman,
    /// Rectangular (scipy's `boxcar`): all ones.
    #[serde(alias = "boxcar")]
    Rectangular,
}

impl Window {
    /// The periodic window of `len` samples, computed in f64 as scipy does.
    pub fn periodic(self, len: usize) -> Vec<f64> {
        let n = len as f64;
        (0..len)
            .map(|i| {
                let x = 2.0 * PI * i as f64 / n;
                match self {
                    Window::Hann => 0.5 - 0.5 * x.cos(),
                    Window::Hamming => 0.54 - 0.46 * x.cos(),
                    Window::Blackman => 0.42 - 0.5 * x.cos() + 0.08 * (2.0 * x).cos(),
                    Window::Rectangular => 1.0,
                }
            })
            .collect()
    }

    /// The window of `win_length` samples, zero-padded on both sides to `n_fft`
    /// (librosa's `pad_center`: `(n_fft − win_length) / 2` zeros on the left).
    pub fn padded(self, win_length: usize, n_fft: usize) -> Vec<f64> {
        let mut out = vec![0.0; n_fft];
        let lpad = (n_fft - win_length) / 2;
        out[lpad..lpad + win_length].copy_from_slice(&self.periodic(win_length));
        out
    }

    /// The name used on the command line and in json sidecars.
    pub fn name(self) -> &'static str {
        match self {
            Window::Hann => "hann",
            Window::Hamming => "hamming",
            Window::Blackman => "blackman",
            Window::Rectangular => "rectangular",
        }
    }
}

impl FromStr for Window {
    type Err = reprise_core::Error;
    fn from_str(s: &str) -> Result<Self> {
        match s.to_ascii_lowercase().as_str() {
            "hann" | "hanning" => Ok(Window::Hann),
            "hamming" => Ok(Window::Hamming),
            "blackman" => Ok(Window::Blackman),
            "rectangular" | "boxcar" | "rect" | "ones" => Ok(Window::Rectangular),
            other => Err(invalid("window", format!("unknown window `{other}`; use hann, hamming, blackman or rectangular"))),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn periodic_hann_is_symmetric_window_of_n_plus_one_truncated() {
        let n = 16;
        let w = Window::Hann.periodic(n);
        // symmetric Hann of length n + 1
        let sym: Vec<f64> = (0..=n).map(|i| 0.5 - 0.5 * (2.0 * PI * i as f64 / n as f64).cos()).collect();
        for i in 0..n {
            assert!((w[i] - sym[i]).abs() < 1e-15);
        }
        assert_eq!(w[0], 0.0);
        assert!((w[n / 2] - 1.0).abs() < 1e-15);
    }

    #[test]
    fn padded_window_is_centred() {
        let w = Window::Rectangular.padded(4, 10);
        assert_eq!(w, vec![0., 0., 0., 1., 1., 1., 1., 0., 0., 0.]);
    }

    #[test]
    fn names_parse_back() {
        for w in [Window::Hann, Window::Hamming, Window::Blackman, Window::Rectangular] {
            assert_eq!(w.name().parse::<Window>().unwrap(), w);
        }
        assert!("kaiser".parse::<Window>().unwrap_err().to_string().contains("unknown window"));
    }
}
