//! Streaming sample-rate conversion with rubato's synchronous FFT resampler.
//!
//! The output of a whole signal has `ceil(len · sr_out / sr_in)` samples, as
//! `librosa.resample`, with rubato's start-up delay trimmed so that output sample `i`
//! is aligned with input time `i / sr_out`. librosa's default resampler is libsoxr
//! "HQ"; the difference is measured in this crate's tests and in the README.

use audioadapter_buffers::direct::InterleavedSlice;
use reprise_core::{invalid, Result};
use rubato::{Fft, FixedSync, Indexing, Resampler, WindowFunction};

/// Input chunk size fed to rubato.
const CHUNK: usize = 1024;

/// A resampler that accepts arbitrary chunks and yields the resampled signal in order.
pub struct StreamResampler {
    inner: Fft<f32>,
    ratio: f64,
    pending: Vec<f32>,
    out: Vec<f32>,
    delay_left: usize,
    n_in: u64,
    n_out: u64,
}

impl StreamResampler {
    /// A resampler from `sr_in` to `sr_out` Hz (both > 0).
    pub fn new(sr_in: u32, sr_out: u32) -> Result<Self> {
        // one sub-chunk per chunk: the longest filter rubato offers for this chunk size,
        // i.e. the sharpest transition band and the highest cutoff
        let inner = Fft::<f32>::new_custom(sr_in as usize, sr_out as usize, CHUNK, 1, 1, WindowFunction::BlackmanHarris2, FixedSync::Input)
            .map_err(|e| invalid("sr", format!("cannot resample {sr_in} → {sr_out} Hz: {e}")))?;
        let out = vec![0.0; inner.output_frames_max()];
        let delay_left = inner.output_delay();
        Ok(Self { ratio: sr_out as f64 / sr_in as f64, inner, pending: Vec::new(), out, delay_left, n_in: 0, n_out: 0 })
    }

    /// Pushes input samples; returns the output samples now available.
    pub fn push(&mut self, x: &[f32]) -> Vec<f32> {
        self.pending.extend_from_slice(x);
        self.n_in += x.len() as u64;
        let mut result = Vec::new();
        let mut used = 0;
        let pending = std::mem::take(&mut self.pending);
        while pending.len() - used >= self.inner.input_frames_next() {
            let need = self.inner.input_frames_next();
            self.run(&pending[used..used + need], None, &mut result);
            used += need;
        }
        self.pending = pending;
        self.pending.drain(..used);
        result
    }

    /// Flushes the remaining input; returns the last output samples. The total output
    /// is exactly `ceil(n_in · ratio)` samples.
    pub fn finish(mut self) -> Vec<f32> {
        let target = (self.n_in as f64 * self.ratio).ceil() as u64;
        let mut result = Vec::new();
        let pending = std::mem::take(&mut self.pending);
        if !pending.is_empty() {
            let mut buf = pending.clone();
            buf.resize(self.inner.input_frames_next(), 0.0);
            self.run(&buf, Some(pending.len()), &mut result);
        }
        let mut guard = 0;
        while self.n_out < target && guard < 1000 {
            let zeros = vec![0.0; self.inner.input_frames_next()];
            self.run(&zeros, Some(0), &mut result);
            guard += 1;
        }
        let extra = (self.n_out - target.min(self.n_out)) as usize;
        result.truncate(result.len() - extra.min(result.len()));
        result
    }

    fn run(&mut self, input: &[f32], partial: Option<usize>, result: &mut Vec<f32>) {
        let frames_in = input.len();
        let buf_in = InterleavedSlice::new(input, 1, frames_in).expect("mono buffer");
        let out_len = self.out.len();
        let mut buf_out = InterleavedSlice::new_mut(&mut self.out, 1, out_len).expect("mono buffer");
        let mut idx = Indexing::new();
        if let Some(p) = partial {
            idx = idx.partial_len(p);
        }
        let (_, produced) = self.inner.process_into_buffer(&buf_in, &mut buf_out, Some(&idx)).expect("buffer sizes come from the resampler");
        let skip = self.delay_left.min(produced);
        self.delay_left -= skip;
        result.extend_from_slice(&self.out[skip..produced]);
        self.n_out += (produced - skip) as u64;
    }
}

/// Resamples a whole signal (same result as streaming it in any chunks).
pub fn resample(x: &[f32], sr_in: u32, sr_out: u32) -> Result<Vec<f32>> {
    if sr_in == sr_out {
        return Ok(x.to_vec());
    }
    let mut r = StreamResampler::new(sr_in, sr_out)?;
    let mut y = r.push(x);
    y.extend(r.finish());
    Ok(y)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn output_length_is_ceil_of_ratio() {
        for (n, a, b) in [(44100usize, 44100u32, 22050u32), (1000, 16000, 22050), (12345, 48000, 22050), (3, 44100, 22050)] {
            let x = vec![0.1f32; n];
            let y = resample(&x, a, b).unwrap();
            assert_eq!(y.len() as u64, (n as f64 * b as f64 / a as f64).ceil() as u64, "{n} {a}->{b}");
        }
    }

    #[test]
    fn streaming_equals_whole() {
        let x: Vec<f32> = (0..30000).map(|i| (i as f32 * 0.01).sin()).collect();
        let whole = resample(&x, 44100, 22050).unwrap();
        let mut r = StreamResampler::new(44100, 22050).unwrap();
        let mut y = Vec::new();
        for c in x.chunks(777) {
            y.extend(r.push(c));
        }
        y.extend(r.finish());
        assert_eq!(y, whole);
    }

    #[test]
    fn sine_survives_resampling_in_phase() {
        let (a, b) = (44100u32, 22050u32);
        let f = 440.0;
        let x: Vec<f32> = (0..a as usize).map(|i| (2.0 * std::f64::consts::PI * f * i as f64 / a as f64).sin() as f32).collect();
        let y = resample(&x, a, b).unwrap();
        // away from the edges the output is the same sine sampled at b
        let err =
            (2000..y.len() - 2000).map(|i| (y[i] as f64 - (2.0 * std::f64::consts::PI * f * i as f64 / b as f64).sin()).abs()).fold(0.0, f64::max);
        assert!(err < 1e-3, "{err}");
    }
}
