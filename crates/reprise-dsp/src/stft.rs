//! Short-time Fourier transform and its inverse, matching `librosa.stft` /
//! `librosa.istft` (0.11): periodic windows zero-padded to `n_fft`, frames centred
//! at `t·hop_length` with `n_fft/2` samples of padding, output `(1 + n_fft/2, n_frames)`.

use crate::bandfft::BandFft;
use crate::frame::{FrameStream, Framing, PadMode};
use crate::window::Window;
use ndarray::{Array2, ArrayView2, ShapeBuilder};
use num_complex::Complex32;
use realfft::{ComplexToReal, RealToComplex};
use reprise_core::{check_finite, invalid, Error, Result};
use serde::{Deserialize, Serialize};
use std::sync::Arc;

/// STFT parameters, with librosa's names and defaults.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct StftConfig {
    /// FFT length in samples (default 2048, about 93 ms at 22050 Hz).
    pub n_fft: usize,
    /// Samples between frames; `None` = `win_length / 4` (512 by default).
    pub hop_length: Option<usize>,
    /// Window length in samples, ≤ `n_fft`; `None` = `n_fft`.
    pub win_length: Option<usize>,
    /// Window function (default Hann, periodic).
    pub window: Window,
    /// Centre frames at `t·hop_length` by padding `n_fft/2` samples each side (default true).
    pub center: bool,
    /// Padding used when `center` (default zeros, as librosa ≥ 0.9).
    pub pad_mode: PadMode,
}

impl Default for StftConfig {
    fn default() -> Self {
        Self { n_fft: 2048, hop_length: None, win_length: None, window: Window::Hann, center: true, pad_mode: PadMode::Constant }
    }
}

impl StftConfig {
    /// The effective window length.
    pub fn win_length(&self) -> usize {
        self.win_length.unwrap_or(self.n_fft)
    }
    /// The effective hop length.
    pub fn hop_length(&self) -> usize {
        self.hop_length.unwrap_or(self.win_length() / 4)
    }
    /// Number of frequency bins, `1 + n_fft/2`.
    pub fn n_freqs(&self) -> usize {
        self.n_fft / 2 + 1
    }
    /// The framing (frame length `n_fft`, hop, centring).
    pub fn framing(&self) -> Framing {
        Framing { frame_length: self.n_fft, hop_length: self.hop_length(), center: self.center, pad_mode: self.pad_mode }
    }
    /// Checks every parameter and says what would be valid.
    pub fn validate(&self) -> Result<()> {
        if self.n_fft < 2 {
            return Err(invalid("n_fft", format!("{} is too small; use at least 2 (librosa default 2048)", self.n_fft)));
        }
        let w = self.win_length();
        if w == 0 || w > self.n_fft {
            return Err(invalid("win_length", format!("{w} must be between 1 and n_fft = {}", self.n_fft)));
        }
        if self.hop_length() == 0 {
            return Err(invalid("hop_length", "must be at least 1 (with win_length < 4 set hop_length explicitly)"));
        }
        self.framing().validate()
    }
    /// Frame times in seconds (`t·hop/sr`), as `librosa.frames_to_time`.
    pub fn frame_times(&self, n_frames: usize, sr: u32) -> Vec<f64> {
        (0..n_frames).map(|t| (t * self.hop_length()) as f64 / sr as f64).collect()
    }
}

/// A planned STFT: window and FFT plan built once, reused for every call.
#[derive(Clone)]
pub struct Stft {
    config: StftConfig,
    framing: Framing,
    window: Vec<f32>,
    fft: Arc<dyn RealToComplex<f32>>,
}

impl std::fmt::Debug for Stft {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Stft").field("config", &self.config).finish()
    }
}

impl Stft {
    /// Plans an STFT for `config`.
    pub fn new(config: &StftConfig) -> Result<Self> {
        config.validate()?;
        let window = config.window.padded(config.win_length(), config.n_fft).into_iter().map(|w| w as f32).collect();
        let fft = reprise_core::fft::real_forward::<f32>(config.n_fft);
        Ok(Self { config: *config, framing: config.framing(), window, fft })
    }

    /// The configuration.
    pub fn config(&self) -> &StftConfig {
        &self.config
    }

    /// Number of frames for a signal of `len` samples.
    pub fn n_frames(&self, len: usize) -> Result<usize> {
        self.framing.count(len)
    }

    /// Calls `f(t, spectrum)` for every frame `t` of `y`, allocating nothing per frame.
    pub fn for_each_frame(&self, y: &[f32], mut f: impl FnMut(usize, &[Complex32])) -> Result<usize> {
        check_finite(y, "sample")?;
        let n_frames = self.n_frames(y.len())?;
        let mut work = self.workspace();
        let mut frame = vec![0.0f32; self.config.n_fft];
        for t in 0..n_frames {
            self.fill_windowed(y, t, &mut frame);
            self.fft.process_with_scratch(&mut frame, &mut work.spec, &mut work.scratch).expect("buffer sizes fixed at planning");
            f(t, &work.spec);
        }
        Ok(n_frames)
    }

    /// As [`Stft::for_each_frame`], with each spectrum split into real parts and
    /// imaginary parts (`f(t, re, im)`), for loops that vectorise over bins. For even
    /// `n_fft` the spectra come from a half-length complex FFT and the real split
    /// ([`crate::bandfft`]), so they may differ from `for_each_frame`'s (realfft) in the
    /// last bits; [`StftStream::push_parts`] gives the same ones as this.
    #[inline(always)]
    pub fn for_each_frame_parts(&self, y: &[f32], mut f: impl FnMut(usize, &[f32], &[f32])) -> Result<usize> {
        check_finite(y, "sample")?;
        let n_frames = self.n_frames(y.len())?;
        let mut parts: Option<Parts> = None;
        for t in 0..n_frames {
            // frame and window straight into the FFT's buffer
            self.transform_parts(&mut parts, |buf| self.fill_windowed(y, t, buf), |re, im| f(t, re, im));
        }
        Ok(n_frames)
    }

    /// Calls `fill` to write a windowed frame into the FFT's input buffer, transforms it,
    /// and calls `f(re, im)` with its spectrum in parts; `parts` holds the buffers (made
    /// on first use).
    #[inline(always)]
    fn transform_parts(&self, parts: &mut Option<Parts>, fill: impl FnOnce(&mut [f32]), f: impl FnOnce(&[f32], &[f32])) {
        let n = self.config.n_fft;
        let p = parts.get_or_insert_with(|| Parts::new(n, self.fft.as_ref()));
        match &mut p.band {
            Some((fft, work)) => {
                fill(work.frame_mut());
                fft.process(work, &mut p.re, &mut p.im, 0);
            }
            None => {
                // odd lengths have no half-length split: realfft, then take the spectrum apart
                fill(&mut p.odd.frame);
                self.fft.process_with_scratch(&mut p.odd.frame, &mut p.odd.spec, &mut p.odd.scratch).expect("buffer sizes fixed at planning");
                for ((c, r), i) in p.odd.spec.iter().zip(&mut p.re).zip(&mut p.im) {
                    (r[0], i[0]) = (c.re, c.im);
                }
            }
        }
        f(p.re.as_flattened(), p.im.as_flattened());
    }

    /// `out = frame · window`.
    #[inline(always)]
    fn window_into(&self, frame: &[f32], out: &mut [f32]) {
        for ((o, x), w) in out.iter_mut().zip(frame).zip(&self.window) {
            *o = x * w;
        }
    }

    /// Frame `t` of the whole signal `y`, windowed, in one pass where no padding is needed.
    #[inline(always)]
    fn fill_windowed(&self, y: &[f32], t: usize, frame: &mut [f32]) {
        let start = self.framing.start(t);
        let n = self.config.n_fft;
        if start >= 0 && start as usize + n <= y.len() {
            let src = &y[start as usize..start as usize + n];
            for ((o, x), w) in frame.iter_mut().zip(src).zip(&self.window) {
                *o = x * w;
            }
        } else {
            self.framing.fill(y, 0, y.len(), t, frame);
            for (x, w) in frame.iter_mut().zip(&self.window) {
                *x *= *w;
            }
        }
    }

    /// Appends the spectra of every frame of a finite, long-enough `y` to `out`
    /// (frame-major), reusing `frame` and `work`; for hot loops that validated once.
    pub(crate) fn frames_into(&self, y: &[f32], out: &mut Vec<Complex32>, frame: &mut [f32], work: &mut Workspace) -> usize {
        let n_frames = self.framing.n_frames(y.len()).unwrap_or(0);
        let n_freqs = self.config.n_freqs();
        let base = out.len();
        out.resize(base + n_frames * n_freqs, Complex32::new(0.0, 0.0));
        for (t, spec) in out[base..].chunks_exact_mut(n_freqs).enumerate() {
            self.fill_windowed(y, t, frame);
            self.fft.process_with_scratch(frame, spec, &mut work.scratch).expect("buffer sizes fixed at planning");
        }
        n_frames
    }

    /// A reusable workspace for [`Stft::frames_into`].
    pub(crate) fn new_workspace(&self) -> Workspace {
        self.workspace()
    }

    /// The complex STFT, shape `(1 + n_fft/2, n_frames)` (frames contiguous in memory).
    pub fn process(&self, y: &[f32]) -> Result<Array2<Complex32>> {
        let n_freqs = self.config.n_freqs();
        let mut data = Vec::with_capacity(n_freqs * self.n_frames(y.len())?);
        let n = self.for_each_frame(y, |_, spec| data.extend_from_slice(spec))?;
        Ok(Array2::from_shape_vec((n_freqs, n).f(), data).expect("shape matches frame count"))
    }

    /// `|STFT|^power`, shape `(1 + n_fft/2, n_frames)`.
    pub fn spectrogram(&self, y: &[f32], power: f32) -> Result<Array2<f32>> {
        let n_freqs = self.config.n_freqs();
        let mut data = Vec::with_capacity(n_freqs * self.n_frames(y.len())?);
        let n = self.for_each_frame(y, |_, spec| {
            let at = data.len();
            data.resize(at + spec.len(), 0.0);
            magnitudes_pow(spec, power, &mut data[at..]);
        })?;
        Ok(Array2::from_shape_vec((n_freqs, n).f(), data).expect("shape matches frame count"))
    }

    /// A streaming STFT over the same configuration.
    pub fn stream(&self) -> StftStream {
        StftStream {
            stft: self.clone(),
            frames: FrameStream::new(self.framing).expect("validated"),
            work: self.workspace(),
            frame: vec![0.0; self.config.n_fft],
            parts: None,
        }
    }

    fn workspace(&self) -> Workspace {
        Workspace { spec: vec![Complex32::new(0.0, 0.0); self.config.n_freqs()], scratch: vec![Complex32::new(0.0, 0.0); self.fft.get_scratch_len()] }
    }

    /// Windows `frame` in place and returns its spectrum.
    fn transform_frame<'w>(&self, frame: &mut [f32], work: &'w mut Workspace) -> &'w [Complex32] {
        for (x, w) in frame.iter_mut().zip(&self.window) {
            *x *= *w;
        }
        self.fft.process_with_scratch(frame, &mut work.spec, &mut work.scratch).expect("buffer sizes fixed at planning");
        &work.spec
    }
}

#[derive(Clone)]
pub(crate) struct Workspace {
    spec: Vec<Complex32>,
    scratch: Vec<Complex32>,
}

/// `out[m] = |spec[m]|^power` (any run of values, e.g. a frame), with the common
/// powers computed exactly; one loop per power so that each vectorises.
pub fn magnitudes_pow(spec: &[Complex32], power: f32, out: &mut [f32]) {
    let pairs = out.iter_mut().zip(spec);
    if power == 2.0 {
        pairs.for_each(|(o, c)| *o = c.norm_sqr());
    } else if power == 1.0 {
        pairs.for_each(|(o, c)| *o = abs_parts(c.re, c.im));
    } else {
        pairs.for_each(|(o, c)| *o = abs_parts(c.re, c.im).powf(power));
    }
}

/// `|re + i·im|` as numpy's `abs` of a complex64 gives it: the square root of the
/// double-precision power (exact products, one rounding), rounded once to f32. glibc's
/// `hypotf`, behind numpy and `Complex32::norm`, computes the same value; this form
/// vectorises, a `hypotf` call per value does not.
#[inline]
pub fn abs_parts(re: f32, im: f32) -> f32 {
    power64(re, im).sqrt() as f32
}

/// `|re + i·im|²` in double precision: exact products, one rounding.
#[inline(always)]
pub(crate) fn power64(re: f32, im: f32) -> f64 {
    let (re, im) = (re as f64, im as f64);
    re * re + im * im
}

/// A streaming STFT: push chunks of samples, receive spectra of complete frames.
/// The frames equal those of [`Stft::process`] on the concatenated signal.
pub struct StftStream {
    stft: Stft,
    frames: FrameStream,
    work: Workspace,
    /// The current frame, windowed in place (reused: no allocation per frame).
    frame: Vec<f32>,
    /// Buffers of the split-spectrum path, made on first use.
    parts: Option<Parts>,
}

/// Buffers for spectra split into parts: the band FFT over all bins (even lengths), or
/// realfft's buffers (odd lengths, which have no half-length split).
struct Parts {
    band: Option<(BandFft, crate::bandfft::BandFftWork)>,
    odd: OddParts,
    re: Vec<[f32; 1]>,
    im: Vec<[f32; 1]>,
}

/// realfft's input, output and scratch for odd lengths (empty for even ones).
#[derive(Default)]
struct OddParts {
    frame: Vec<f32>,
    spec: Vec<Complex32>,
    scratch: Vec<Complex32>,
}

impl Parts {
    fn new(n: usize, fft: &dyn RealToComplex<f32>) -> Parts {
        let (band, odd) = if n.is_multiple_of(2) {
            let band = BandFft::new(n, 0..n / 2 + 1);
            let work = band.work();
            (Some((band, work)), OddParts::default())
        } else {
            (None, OddParts { frame: vec![0.0; n], spec: fft.make_output_vec(), scratch: fft.make_scratch_vec() })
        };
        Parts { band, odd, re: vec![[0.0]; n / 2 + 1], im: vec![[0.0]; n / 2 + 1] }
    }
}

impl StftStream {
    /// The plan the stream computes with.
    pub fn plan(&self) -> &Stft {
        &self.stft
    }

    /// Pushes samples (checked finite; the index in the error counts from the stream start)
    /// and calls `f(t, spectrum)` for every completed frame.
    pub fn push(&mut self, samples: &[f32], mut f: impl FnMut(usize, &[Complex32])) -> Result<()> {
        if let Err(Error::NonFinite { what, index, value }) = check_finite(samples, "sample") {
            return Err(Error::NonFinite { what, index: index + self.frames.samples_received(), value });
        }
        let (stft, work, frame) = (&self.stft, &mut self.work, &mut self.frame);
        self.frames.push(samples, |t, fr| {
            frame.copy_from_slice(fr);
            f(t, stft.transform_frame(frame, work));
        });
        Ok(())
    }

    /// As [`StftStream::push`], with each spectrum split into real and imaginary parts:
    /// the same spectra as [`Stft::for_each_frame_parts`] on the whole signal.
    pub fn push_parts(&mut self, samples: &[f32], mut f: impl FnMut(usize, &[f32], &[f32])) -> Result<()> {
        if let Err(Error::NonFinite { what, index, value }) = check_finite(samples, "sample") {
            return Err(Error::NonFinite { what, index: index + self.frames.samples_received(), value });
        }
        let (stft, parts) = (&self.stft, &mut self.parts);
        self.frames.push(samples, |t, fr| stft.transform_parts(parts, |buf| stft.window_into(fr, buf), |re, im| f(t, re, im)));
        Ok(())
    }

    /// Ends a stream fed with [`StftStream::push_parts`]; returns the frame count.
    pub fn finish_parts(&mut self, mut f: impl FnMut(usize, &[f32], &[f32])) -> Result<usize> {
        let (stft, parts) = (&self.stft, &mut self.parts);
        self.frames.finish(|t, fr| stft.transform_parts(parts, |buf| stft.window_into(fr, buf), |re, im| f(t, re, im)))
    }

    /// Ends the signal, emits the last frames, returns the frame count.
    pub fn finish(&mut self, mut f: impl FnMut(usize, &[Complex32])) -> Result<usize> {
        let (stft, work, frame) = (&self.stft, &mut self.work, &mut self.frame);
        self.frames.finish(|t, fr| {
            frame.copy_from_slice(fr);
            f(t, stft.transform_frame(frame, work));
        })
    }
}

/// `librosa.stft`: the complex STFT of `y`, shape `(1 + n_fft/2, n_frames)`.
///
/// ```
/// use reprise_dsp::{stft, StftConfig};
/// let y: Vec<f32> = (0..22050).map(|i| (i as f32 * 0.05).sin()).collect();
/// let d = stft(&y, &StftConfig::default()).unwrap();
/// assert_eq!(d.shape(), &[1025, 44]);
/// ```
pub fn stft(y: &[f32], config: &StftConfig) -> Result<Array2<Complex32>> {
    Stft::new(config)?.process(y)
}

/// Largest signal an inverse STFT or Griffin-Lim will produce: 2^31 samples
/// (27 hours at 22050 Hz, 8 GiB of f32).
pub const MAX_OUTPUT: usize = 1 << 31;

/// A planned inverse STFT (overlap-add with window-sum-square normalisation).
pub struct Istft {
    config: StftConfig,
    /// window / n_fft (the inverse FFT's scaling folded in)
    window: Vec<f32>,
    window_sq: Vec<f32>,
    /// 1 / window-sum-square envelope (1 where the envelope is below the smallest normal
    /// f32, leaving those samples unnormalised as librosa does), cached for the last frame count
    inv_envelope: Option<(usize, Vec<f32>)>,
    ola: Vec<f32>,
    ifft: Arc<dyn ComplexToReal<f32>>,
    spec: Vec<Complex32>,
    scratch: Vec<Complex32>,
    frame: Vec<f32>,
}

/// Spectra handed to the overlap-add: borrowed (copied frame by frame, cache-friendly)
/// or consumed (the inverse FFT works in place on them).
pub(crate) enum FramesIn<'a> {
    Borrow(&'a [Complex32]),
    Consume(&'a mut [Complex32]),
}

impl Istft {
    /// Plans an inverse STFT for `config`.
    pub fn new(config: &StftConfig) -> Result<Self> {
        config.validate()?;
        let w = config.window.padded(config.win_length(), config.n_fft);
        let ifft = reprise_core::fft::real_inverse::<f32>(config.n_fft);
        Ok(Self {
            config: *config,
            window_sq: w.iter().map(|v| (v * v) as f32).collect(),
            window: w.iter().map(|v| (*v / config.n_fft as f64) as f32).collect(),
            inv_envelope: None,
            ola: Vec::new(),
            spec: vec![Complex32::new(0.0, 0.0); config.n_freqs()],
            scratch: vec![Complex32::new(0.0, 0.0); ifft.get_scratch_len()],
            frame: vec![0.0; config.n_fft],
            ifft,
        })
    }

    /// Refuses outputs beyond [`MAX_OUTPUT`] samples (and arithmetic overflow) before allocating.
    pub(crate) fn check_output_size(&self, n_frames: usize, length: Option<usize>) -> Result<()> {
        let full = (n_frames.saturating_sub(1)).checked_mul(self.config.hop_length()).and_then(|v| v.checked_add(self.config.n_fft));
        for (what, n) in [("overlap-add buffer", full), ("length", Some(length.unwrap_or(0)))] {
            match n {
                Some(n) if n <= MAX_OUTPUT => {}
                _ => return Err(invalid("length", format!("the {what} would exceed {MAX_OUTPUT} samples; check hop_length and length"))),
            }
        }
        Ok(())
    }

    /// Output length for `n_frames` frames when no `length` is given.
    pub fn default_length(&self, n_frames: usize) -> usize {
        let full = self.config.n_fft + self.config.hop_length() * n_frames.saturating_sub(1);
        if self.config.center {
            full - 2 * (self.config.n_fft / 2)
        } else {
            full
        }
    }

    /// Inverts `stft_matrix` (shape `(1 + n_fft/2, n_frames)`); `length` trims or
    /// zero-pads the output as `librosa.istft(length=...)`.
    pub fn process(&mut self, stft_matrix: ArrayView2<Complex32>, length: Option<usize>) -> Result<Vec<f32>> {
        let (n_freqs, n_frames) = stft_matrix.dim();
        crate::filters::check_rows(n_freqs, self.config.n_freqs())?;
        if n_frames == 0 {
            return Err(Error::Empty);
        }
        self.check_output_size(n_frames, length)?;
        let st = stft_matrix.t();
        let frames = st.as_standard_layout();
        let frames = frames.as_slice().expect("standard layout");
        if let Some(i) = frames.iter().position(|c| !(c.re.is_finite() && c.im.is_finite())) {
            return Err(Error::NonFinite { what: "spectrogram value", index: i, value: f32::NAN });
        }
        let mut out = Vec::new();
        self.process_frames(FramesIn::Borrow(frames), length, &mut out);
        Ok(out)
    }

    /// Overlap-adds frame-major, finite spectra (`n_frames · (1 + n_fft/2)` values) into
    /// `out`. Consumed frames are left unspecified.
    pub(crate) fn process_frames(&mut self, mut frames: FramesIn<'_>, length: Option<usize>, out: &mut Vec<f32>) {
        let n_freqs = self.config.n_freqs();
        let n_frames = match &frames {
            FramesIn::Borrow(f) => f.len(),
            FramesIn::Consume(f) => f.len(),
        } / n_freqs;
        let (n_fft, hop) = (self.config.n_fft, self.config.hop_length());
        let full = n_fft + hop * (n_frames - 1);
        let start = if self.config.center { n_fft / 2 } else { 0 };
        let len = length.unwrap_or_else(|| self.default_length(n_frames));
        let y = &mut self.ola;
        y.clear();
        y.resize(full, 0.0);
        for t in 0..n_frames {
            let col: &mut [Complex32] = match &mut frames {
                FramesIn::Consume(f) => &mut f[t * n_freqs..(t + 1) * n_freqs],
                FramesIn::Borrow(f) => {
                    self.spec.copy_from_slice(&f[t * n_freqs..(t + 1) * n_freqs]);
                    &mut self.spec
                }
            };
            // numpy's irfft ignores the imaginary parts of the DC and Nyquist bins
            col[0].im = 0.0;
            if n_fft % 2 == 0 {
                col[n_freqs - 1].im = 0.0;
            }
            self.ifft.process_with_scratch(col, &mut self.frame, &mut self.scratch).expect("buffer sizes fixed at planning");
            let off = t * hop;
            for ((o, x), w) in y[off..off + n_fft].iter_mut().zip(&self.frame).zip(&self.window) {
                *o += x * w;
            }
        }
        if self.inv_envelope.as_ref().map(|(n, _)| *n) != Some(n_frames) {
            let mut wss = vec![0.0f32; full];
            for t in 0..n_frames {
                for (o, w) in wss[t * hop..t * hop + n_fft].iter_mut().zip(&self.window_sq) {
                    *o += w;
                }
            }
            let tiny = f32::MIN_POSITIVE;
            let inv = wss.into_iter().map(|w| if w > tiny { 1.0 / w } else { 1.0 }).collect();
            self.inv_envelope = Some((n_frames, inv));
        }
        let inv = &self.inv_envelope.as_ref().expect("just set").1;
        let avail = full.saturating_sub(start).min(len);
        out.clear();
        out.extend(y[start..start + avail].iter().zip(&inv[start..start + avail]).map(|(v, w)| v * w));
        out.resize(len, 0.0);
    }
}

/// `librosa.istft`: inverse of [`stft`] by weighted overlap-add.
pub fn istft(stft_matrix: ArrayView2<Complex32>, config: &StftConfig, length: Option<usize>) -> Result<Vec<f32>> {
    Istft::new(config)?.process(stft_matrix, length)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::f64::consts::PI;

    fn test_signal(n: usize, seed: u64) -> Vec<f32> {
        let mut s = seed.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        (0..n)
            .map(|i| {
                s = s.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
                let noise = ((s >> 33) as f64 / (1u64 << 31) as f64 - 0.5) * 0.1;
                ((2.0 * PI * 440.0 * i as f64 / 22050.0).sin() * 0.5 + noise) as f32
            })
            .collect()
    }

    /// Direct O(N²) DFT of the windowed, padded frames.
    fn naive_stft(y: &[f32], cfg: &StftConfig) -> Vec<Vec<(f64, f64)>> {
        let framing = cfg.framing();
        let w = cfg.window.padded(cfg.win_length(), cfg.n_fft);
        let n = framing.n_frames(y.len()).unwrap();
        let mut frame = vec![0.0f32; cfg.n_fft];
        (0..n)
            .map(|t| {
                framing.fill(y, 0, y.len(), t, &mut frame);
                (0..cfg.n_freqs())
                    .map(|k| {
                        let (mut re, mut im) = (0.0, 0.0);
                        for (i, x) in frame.iter().enumerate() {
                            let a = -2.0 * PI * (k * i) as f64 / cfg.n_fft as f64;
                            re += *x as f64 * w[i] * a.cos();
                            im += *x as f64 * w[i] * a.sin();
                        }
                        (re, im)
                    })
                    .collect()
            })
            .collect()
    }

    #[test]
    fn matches_naive_dft() {
        let y = test_signal(3000, 1);
        for cfg in [
            StftConfig { n_fft: 256, ..Default::default() },
            StftConfig {
                n_fft: 250,
                hop_length: Some(60),
                win_length: Some(200),
                window: Window::Hamming,
                pad_mode: PadMode::Reflect,
                ..Default::default()
            },
            StftConfig { n_fft: 128, hop_length: Some(100), window: Window::Blackman, center: false, ..Default::default() },
        ] {
            let d = stft(&y, &cfg).unwrap();
            let naive = naive_stft(&y, &cfg);
            assert_eq!(d.ncols(), naive.len());
            let max = naive.iter().flatten().map(|(r, i)| r.hypot(*i)).fold(0.0, f64::max);
            for (t, col) in naive.iter().enumerate() {
                for (k, (re, im)) in col.iter().enumerate() {
                    let c = d[[k, t]];
                    assert!((c.re as f64 - re).abs() < 1e-5 * max && (c.im as f64 - im).abs() < 1e-5 * max, "{cfg:?} bin {k} frame {t}");
                }
            }
        }
    }

    #[test]
    fn istft_inverts_stft() {
        let y = test_signal(5000, 2);
        for cfg in [
            StftConfig::default(),
            StftConfig {
                n_fft: 512,
                hop_length: Some(128),
                win_length: Some(400),
                window: Window::Hamming,
                pad_mode: PadMode::Reflect,
                ..Default::default()
            },
        ] {
            let d = stft(&y, &cfg).unwrap();
            let back = istft(d.view(), &cfg, Some(y.len())).unwrap();
            let err = y.iter().zip(&back).map(|(a, b)| (a - b).abs()).fold(0.0, f32::max);
            assert!(err < 1e-5, "{cfg:?}: {err}");
        }
    }

    #[test]
    fn parseval_per_frame() {
        let y = test_signal(4096, 3);
        let cfg = StftConfig { n_fft: 512, window: Window::Rectangular, center: false, hop_length: Some(512), ..Default::default() };
        let d = stft(&y, &cfg).unwrap();
        for t in 0..d.ncols() {
            let time: f64 = y[t * 512..(t + 1) * 512].iter().map(|v| (*v as f64).powi(2)).sum();
            // one-sided spectrum: double all bins but DC and Nyquist
            let freq: f64 = (0..257)
                .map(|k| {
                    let p = d[[k, t]].norm_sqr() as f64;
                    if k == 0 || k == 256 {
                        p
                    } else {
                        2.0 * p
                    }
                })
                .sum::<f64>()
                / 512.0;
            assert!((time - freq).abs() < 1e-4 * time, "frame {t}: {time} vs {freq}");
        }
    }

    #[test]
    fn split_spectra_stream_equals_batch() {
        let y = test_signal(9000, 5);
        for n_fft in [2048usize, 255] {
            let plan = Stft::new(&StftConfig { n_fft, hop_length: Some(n_fft / 4), ..Default::default() }).unwrap();
            let mut whole: Vec<(Vec<f32>, Vec<f32>)> = Vec::new();
            plan.for_each_frame_parts(&y, |_, re, im| whole.push((re.to_vec(), im.to_vec()))).unwrap();
            // the same spectrum as the complex STFT, up to rounding
            let d = plan.process(&y).unwrap();
            let peak = d.iter().map(|c| c.norm()).fold(0.0f32, f32::max);
            for (t, (re, im)) in whole.iter().enumerate() {
                for (m, (r, i)) in re.iter().zip(im).enumerate() {
                    assert!((Complex32::new(*r, *i) - d[[m, t]]).norm() <= 1e-5 * peak, "n_fft {n_fft} frame {t} bin {m}");
                }
            }
            for chunk in [1usize, 333, 9000] {
                let mut s = plan.stream();
                let mut got: Vec<(Vec<f32>, Vec<f32>)> = Vec::new();
                for c in y.chunks(chunk) {
                    s.push_parts(c, |_, re, im| got.push((re.to_vec(), im.to_vec()))).unwrap();
                }
                s.finish_parts(|_, re, im| got.push((re.to_vec(), im.to_vec()))).unwrap();
                assert_eq!(got, whole, "n_fft {n_fft} chunk {chunk}");
            }
        }
    }

    #[test]
    #[cfg(all(target_os = "linux", target_env = "gnu"))] // glibc's hypotf rounds correctly
    fn abs_parts_equals_hypotf() {
        let mut state = 0x9e37_79b9_7f4a_7c15u64;
        let mut next = || {
            state = state.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            f32::from_bits(((state >> 33) as u32 & 0x807f_ffff) | (((state >> 20) as u32 % 90 + 80) << 23))
        };
        for _ in 0..200_000 {
            let c = Complex32::new(next(), next());
            assert_eq!(abs_parts(c.re, c.im), c.norm(), "{c}");
        }
        assert_eq!(abs_parts(3.0, -4.0), 5.0);
        assert_eq!(abs_parts(0.0, 0.0), 0.0);
    }

    #[test]
    fn stream_equals_batch_for_any_chunking() {
        let y = test_signal(7001, 4);
        for cfg in [StftConfig::default(), StftConfig { n_fft: 512, pad_mode: PadMode::Reflect, hop_length: Some(100), ..Default::default() }] {
            let plan = Stft::new(&cfg).unwrap();
            let batch = plan.process(&y).unwrap();
            for chunk in [1, 7, 512, 4000, 10000] {
                let mut s = plan.stream();
                let mut cols: Vec<Vec<Complex32>> = Vec::new();
                for c in y.chunks(chunk) {
                    s.push(c, |_, spec| cols.push(spec.to_vec())).unwrap();
                }
                let n = s.finish(|_, spec| cols.push(spec.to_vec())).unwrap();
                assert_eq!(n, batch.ncols());
                for (t, col) in cols.iter().enumerate() {
                    for (k, c) in col.iter().enumerate() {
                        assert_eq!(*c, batch[[k, t]], "chunk {chunk} frame {t} bin {k}");
                    }
                }
            }
        }
    }

    #[test]
    fn bad_parameters_and_inputs_are_errors() {
        assert!(Stft::new(&StftConfig { n_fft: 0, ..Default::default() }).is_err());
        assert!(Stft::new(&StftConfig { hop_length: Some(0), ..Default::default() }).is_err());
        assert!(Stft::new(&StftConfig { win_length: Some(4096), ..Default::default() }).is_err());
        let plan = Stft::new(&StftConfig { center: false, ..Default::default() }).unwrap();
        assert!(matches!(plan.process(&[0.0; 100]), Err(Error::TooShort { .. })));
        assert!(matches!(plan.process(&[]), Err(Error::Empty)));
        let mut y = vec![0.0f32; 4096];
        y[10] = f32::NAN;
        assert!(matches!(plan.process(&y), Err(Error::NonFinite { index: 10, .. })));
    }
}
