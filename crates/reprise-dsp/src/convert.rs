//! Unit conversions (`librosa.core.convert`): Hz ⇄ mel (Slaney and HTK), Hz → octaves.

/// Hz → mel. Slaney scale (librosa's default, `htk = false`): linear below 1 kHz
/// (`f / (200/3)`), logarithmic above (`15 + ln(f/1000) / (ln 6.4 / 27)`).
/// HTK scale: `2595·log10(1 + f/700)`.
pub fn hz_to_mel(f: f64, htk: bool) -> f64 {
    if htk {
        return 2595.0 * (1.0 + f / 700.0).log10();
    }
    let f_sp = 200.0 / 3.0;
    let min_log_hz = 1000.0;
    let min_log_mel = min_log_hz / f_sp;
    let logstep = 6.4f64.ln() / 27.0;
    if f >= min_log_hz {
        min_log_mel + (f / min_log_hz).ln() / logstep
    } else {
        f / f_sp
    }
}

/// Mel → Hz, the inverse of [`hz_to_mel`].
pub fn mel_to_hz(m: f64, htk: bool) -> f64 {
    if htk {
        return 700.0 * (10f64.powf(m / 2595.0) - 1.0);
    }
    let f_sp = 200.0 / 3.0;
    let min_log_hz = 1000.0;
    let min_log_mel = min_log_hz / f_sp;
    let logstep = 6.4f64.ln() / 27.0;
    if m >= min_log_mel {
        min_log_hz * (logstep * (m - min_log_mel)).exp()
    } else {
        f_sp * m
    }
}

/// `n` frequencies evenly spaced in mel between `fmin` and `fmax` (`librosa.mel_frequencies`),
/// with numpy's `linspace` arithmetic (`start + i·step`, last point exactly `stop`).
pub fn mel_frequencies(n: usize, fmin: f64, fmax: f64, htk: bool) -> Vec<f64> {
    linspace(hz_to_mel(fmin, htk), hz_to_mel(fmax, htk), n).into_iter().map(|m| mel_to_hz(m, htk)).collect()
}

/// numpy's `linspace(start, stop, n)` (endpoint included).
pub fn linspace(start: f64, stop: f64, n: usize) -> Vec<f64> {
    if n == 1 {
        return vec![start];
    }
    let step = (stop - start) / (n - 1) as f64;
    let mut v: Vec<f64> = (0..n).map(|i| i as f64 * step + start).collect();
    if let Some(last) = v.last_mut() {
        *last = stop;
    }
    v
}

/// Hz → octaves above C0 for a tuning offset in fractions of a bin
/// (`librosa.hz_to_octs`): `log2(f / (A440·2^(tuning/bins_per_octave) / 16))`.
pub fn hz_to_octs(f: f64, tuning: f64, bins_per_octave: usize) -> f64 {
    let a440 = 440.0 * 2f64.powf(tuning / bins_per_octave as f64);
    (f / (a440 / 16.0)).log2()
}

/// Bin centre frequencies `k·sr/n_fft` for `k = 0..=n_fft/2` (`librosa.fft_frequencies`).
pub fn fft_frequencies(sr: u32, n_fft: usize) -> Vec<f64> {
    (0..=n_fft / 2).map(|k| k as f64 * sr as f64 / n_fft as f64).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_values() {
        // librosa.hz_to_mel(1000) = 15, hz_to_mel(60) = 0.9
        assert!((hz_to_mel(1000.0, false) - 15.0).abs() < 1e-12);
        assert!((hz_to_mel(60.0, false) - 0.9).abs() < 1e-12);
        assert!((hz_to_mel(1000.0, true) - 999.9855371396243).abs() < 1e-9);
        for f in [0.0, 10.0, 440.0, 999.0, 1000.0, 5000.0, 11025.0] {
            for htk in [false, true] {
                assert!((mel_to_hz(hz_to_mel(f, htk), htk) - f).abs() < 1e-9 * f.max(1.0));
            }
        }
        assert!((hz_to_octs(440.0, 0.0, 12) - 4.0).abs() < 1e-12);
    }

    #[test]
    fn linspace_endpoints() {
        let v = linspace(-0.5, 0.5, 101);
        assert_eq!(v[0], -0.5);
        assert_eq!(v[100], 0.5);
        assert!((v[50]).abs() < 1e-15);
    }
}
