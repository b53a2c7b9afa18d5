//! Signal processing for Reprise: windows, STFT/iSTFT, mel spectrogram, MFCC,
//! chroma, spectral descriptors, dB scaling, Griffin-Lim and mel inversion, pitch
//! (YIN, pYIN) and hidden-Markov decoding (Viterbi).
//!
//! Every transform follows the same shape: a `FooConfig` (serde, `Default` equal to
//! librosa's defaults, `validate()`), a planned `Foo` built from it that holds FFT plans
//! and filters and can be reused, and a one-call function (`stft`, `melspectrogram`,
//! `mfcc`, ...). Outputs are [`ndarray::Array2`] in librosa's orientation
//! (features × frames), with frames contiguous in memory.
//!
//! Parity with librosa 0.11 is tested against fixtures made by
//! `scripts/make_librosa_fixtures.py`; tolerances are stated in each test.
#![deny(missing_docs)]
// `!(x > 0.0)` is deliberate throughout: it also rejects NaN.
#![allow(clippy::neg_cmp_op_on_partial_ord)]

mod bandfft;
pub mod chroma;
pub mod convert;
pub mod cqt;
pub mod db;
pub mod envelope;
pub mod filters;
mod fold;
pub mod frame;
pub mod griffinlim;
pub mod halfband;
pub mod inverse;
pub mod mel;
pub mod melody;
pub mod mosaic;
pub mod pitch;
pub mod pyin;
pub mod resample;
pub mod sequence;
pub mod spectral;
pub mod ssm;
pub mod stft;
pub mod stream;
pub mod tuning;
pub mod util;
pub mod window;

pub use chroma::{
    cens_from_chroma, chroma_cens, chroma_cqt, chroma_from_cqt_magnitude, chroma_stft, cq_to_chroma, ChromaCqtConfig, ChromaCqtFrames,
    ChromaStftConfig,
};
pub use convert::fft_frequencies;
pub use cqt::{
    cqt, hybrid_cqt, icqt, pseudo_cqt, vqt, Cqt, CqtConfig, CqtMode, CqtStream, Gamma, HybridCqt, HybridCqtStream, PseudoCqt, PseudoCqtStream,
    VqtFilters,
};
pub use db::{a_weighting, amplitude_to_db, power_to_db, DbConfig, DbRef};
pub use filters::{chroma_filters, ChromaFilterConfig, MelFilterBank, MelFilterConfig, MelNorm};
pub use frame::{FrameStream, Framing, PadMode};
pub use griffinlim::{griffinlim, spectral_convergence, GriffinLimConfig};
pub use inverse::{mel_to_audio, mel_to_stft};
pub use mel::{melspectrogram, mfcc, MelConfig, MelSpectrogram, Mfcc, MfccConfig};
pub use melody::{evaluate_melody, MelodyEvalConfig, MelodyScores};
pub use pitch::{yin, YinConfig, YinFrame};
pub use pyin::{pyin, Pyin, PyinConfig, PyinTrack};
pub use sequence::{viterbi, KronBanded};
pub use spectral::{
    descriptor_from_spectrogram, rms, rms_from_spectrogram, spectral_bandwidth, spectral_centroid, spectral_descriptor, spectral_flatness,
    spectral_rolloff, zero_crossing_rate, Descriptor, FrameDescriptor,
};
pub use stft::{istft, stft, Istft, Stft, StftConfig, StftStream};
pub use stream::{Axis, AxisValues, DescriptorFrames, FrameTransform, Frames, SpectralFrames, SpectralMap};
pub use tuning::{estimate_tuning, piptrack, pitch_tuning, PiptrackConfig, Tuning, TuningEstimator};
pub use util::FrameNorm;
pub use window::Window;

pub use reprise_core::{Error, Result};
