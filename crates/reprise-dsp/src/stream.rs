//! One stream shape for every frame transform: push samples, receive frames, finish, and
//! say what the rows are.
//!
//! [`FrameTransform`] is implemented by the STFT and everything computed frame by frame
//! from it ([`SpectralFrames`]: magnitudes, mel, chroma, spectral descriptors), by the
//! time-domain descriptors ([`DescriptorFrames`]: RMS, zero-crossing rate), by the
//! constant-Q streams ([`crate::CqtStream`], [`crate::PseudoCqtStream`],
//! [`crate::HybridCqtStream`], [`crate::chroma::ChromaCqtFrames`]), and in
//! `reprise-scatter` by the transforms that need the whole signal. A caller pumps any of
//! them with one loop: every frame equals the one the batch transform computes on the
//! whole signal, for any chunking.

use crate::chroma::{chroma_frame, ChromaStftConfig};
use crate::convert::{fft_frequencies, mel_frequencies};
use crate::frame::FrameStream;
use crate::mel::MelSpectrogram;
use crate::spectral::{Descriptor, FrameDescriptor};
use crate::stft::{magnitudes_pow, Stft, StftConfig, StftStream};
use crate::util::FrameNorm;
use ndarray::Array2;
use num_complex::Complex32;
pub use reprise_core::stream::{Axis, AxisValues, FrameTransform, Frames};
use reprise_core::{check_finite, Error, Result};

/// What [`SpectralFrames`] computes from each STFT spectrum.
#[derive(Debug, Clone)]
pub enum SpectralMap<'a> {
    /// The complex spectrum.
    Complex,
    /// `|X|^power`.
    Magnitude(f32),
    /// Mel bands of `|X|^power` (the plan's power).
    Mel(&'a MelSpectrogram),
    /// Chroma of `|X|²` through a filter bank, normalised per frame.
    Chroma {
        /// `(n_chroma, 1 + n_fft/2)` filters.
        filters: Array2<f32>,
        /// Per-frame normalisation.
        norm: FrameNorm,
    },
    /// A spectral descriptor of `|X|`.
    Descriptor(Descriptor),
}

/// The STFT and what is computed frame by frame from its spectra.
pub struct SpectralFrames<'a> {
    stream: StftStream,
    map: SpectralMap<'a>,
    freqs: Vec<f64>,
    sr: u32,
    hop: usize,
    scratch: Vec<f32>,
    col: Vec<f32>,
}

impl<'a> SpectralFrames<'a> {
    fn new(stft: &Stft, sr: u32, map: SpectralMap<'a>) -> Self {
        let cfg = stft.config();
        let rows = match &map {
            SpectralMap::Complex | SpectralMap::Magnitude(_) => cfg.n_freqs(),
            SpectralMap::Mel(m) => m.config().n_mels,
            SpectralMap::Chroma { filters, .. } => filters.nrows(),
            SpectralMap::Descriptor(_) => 1,
        };
        SpectralFrames {
            stream: stft.stream(),
            freqs: fft_frequencies(sr, cfg.n_fft),
            sr,
            hop: cfg.hop_length(),
            scratch: vec![0.0; cfg.n_freqs()],
            col: vec![0.0; rows],
            map,
        }
    }

    fn frame(map: &SpectralMap<'_>, freqs: &[f64], scratch: &mut [f32], col: &mut Vec<f32>, spec: &[Complex32], emit: &mut dyn FnMut(Frames<'_>)) {
        match map {
            SpectralMap::Complex => emit(Frames::Complex(spec)),
            SpectralMap::Magnitude(p) => {
                magnitudes_pow(spec, *p, scratch);
                emit(Frames::Real(scratch));
            }
            SpectralMap::Mel(m) => {
                m.frame(spec, scratch, col);
                emit(Frames::Real(col));
            }
            SpectralMap::Chroma { filters, norm } => {
                for (p, c) in scratch.iter_mut().zip(spec) {
                    *p = c.norm_sqr();
                }
                chroma_frame(filters, scratch, *norm, col);
                emit(Frames::Real(col));
            }
            SpectralMap::Descriptor(d) => {
                magnitudes_pow(spec, 1.0, scratch);
                col.clear();
                col.push(d.frame(scratch, freqs) as f32);
                emit(Frames::Real(col));
            }
        }
    }
}

impl FrameTransform for SpectralFrames<'_> {
    fn hop_length(&self) -> usize {
        self.hop
    }

    fn push(&mut self, samples: &[f32], emit: &mut dyn FnMut(Frames<'_>)) -> Result<()> {
        let Self { stream, map, freqs, scratch, col, .. } = self;
        stream.push(samples, |_, spec| Self::frame(map, freqs, scratch, col, spec, emit))
    }

    fn finish(&mut self, emit: &mut dyn FnMut(Frames<'_>)) -> Result<()> {
        let Self { stream, map, freqs, scratch, col, .. } = self;
        stream.finish(|_, spec| Self::frame(map, freqs, scratch, col, spec, emit)).map(drop)
    }

    /// A whole signal: frames read straight from `y`, as the batch transforms read them
    /// (the same spectra; no stream buffering). A signal too short to frame takes the
    /// streaming route, which reports it.
    fn run(&mut self, y: &[f32], emit: &mut dyn FnMut(Frames<'_>)) -> Result<()> {
        if self.stream.plan().n_frames(y.len()).is_err() {
            self.push(y, emit)?;
            return self.finish(emit);
        }
        let Self { stream, map, freqs, scratch, col, .. } = self;
        stream.plan().for_each_frame(y, |_, spec| Self::frame(map, freqs, scratch, col, spec, emit)).map(drop)
    }

    fn axis(&self) -> Axis {
        match &self.map {
            SpectralMap::Complex | SpectralMap::Magnitude(_) => Axis::numbers("frequency_hz", self.freqs.clone()),
            SpectralMap::Mel(m) => {
                let c = m.config();
                let f = mel_frequencies(c.n_mels + 2, c.fmin, c.fmax.unwrap_or(self.sr as f64 / 2.0), c.htk);
                Axis::numbers("mel_center_hz", f[1..=c.n_mels].to_vec())
            }
            SpectralMap::Chroma { filters, .. } => Axis::chroma(filters.nrows()),
            SpectralMap::Descriptor(d) => Axis::single(d.name()),
        }
    }
}

impl Stft {
    /// The STFT as a [`FrameTransform`]: complex spectra, or `|X|^power` with `power`.
    /// `sr` gives the axis its frequencies.
    pub fn frames(&self, sr: u32, power: Option<f32>) -> SpectralFrames<'static> {
        SpectralFrames::new(self, sr, power.map_or(SpectralMap::Complex, SpectralMap::Magnitude))
    }
}

impl MelSpectrogram {
    /// The mel spectrogram as a [`FrameTransform`].
    pub fn frames(&self) -> SpectralFrames<'_> {
        SpectralFrames::new(self.stft(), self.config().sr, SpectralMap::Mel(self))
    }
}

impl ChromaStftConfig {
    /// The STFT chromagram as a [`FrameTransform`]; the tuning must be known.
    pub fn frames(&self) -> Result<SpectralFrames<'static>> {
        self.validate()?;
        let filters = self.filters()?;
        Ok(SpectralFrames::new(&Stft::new(&self.stft)?, self.sr, SpectralMap::Chroma { filters, norm: self.norm }))
    }
}

impl Descriptor {
    /// The descriptor of each magnitude frame of the STFT, as a [`FrameTransform`].
    pub fn frames(self, sr: u32, stft: &StftConfig) -> Result<SpectralFrames<'static>> {
        self.validate()?;
        Ok(SpectralFrames::new(&Stft::new(stft)?, sr, SpectralMap::Descriptor(self)))
    }
}

/// A time-domain descriptor (RMS, zero-crossing rate) of each frame.
pub struct DescriptorFrames {
    frames: FrameStream,
    descriptor: FrameDescriptor,
    hop: usize,
}

impl FrameDescriptor {
    /// The descriptor of each frame, as a [`FrameTransform`].
    pub fn frames(self, frame_length: usize, hop_length: usize, center: bool) -> Result<DescriptorFrames> {
        Ok(DescriptorFrames { frames: FrameStream::new(self.framing(frame_length, hop_length, center))?, descriptor: self, hop: hop_length })
    }
}

impl FrameTransform for DescriptorFrames {
    fn hop_length(&self) -> usize {
        self.hop
    }

    fn push(&mut self, samples: &[f32], emit: &mut dyn FnMut(Frames<'_>)) -> Result<()> {
        if let Err(Error::NonFinite { what, index, value }) = check_finite(samples, "sample") {
            return Err(Error::NonFinite { what, index: index + self.frames.samples_received(), value });
        }
        let d = self.descriptor;
        self.frames.push(samples, |_, x| emit(Frames::Real(&[d.frame(x) as f32])));
        Ok(())
    }

    fn finish(&mut self, emit: &mut dyn FnMut(Frames<'_>)) -> Result<()> {
        let d = self.descriptor;
        self.frames.finish(|_, x| emit(Frames::Real(&[d.frame(x) as f32]))).map(drop)
    }

    fn axis(&self) -> Axis {
        Axis::single(self.descriptor.name())
    }
}
