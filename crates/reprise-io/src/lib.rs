//! Audio in and out for Reprise.
//!
//! * [`load`] / [`AudioStream`]: decode WAV, FLAC, MP3 and Ogg Vorbis with symphonia, mix
//!   to mono (mean of channels, as `librosa.to_mono`), resample with rubato, honour
//!   `offset` and `duration` — streaming, so a two-hour file never sits in memory whole.
//! * [`probe`]: header information for `reprise info`.
//! * [`write_npy`], [`write_json`], [`write_wav`]: atomic writers (temporary file, then rename).
//!
//! Every error names the file and the problem ([`IoError`]).
#![deny(missing_docs)]

mod decode;
mod error;
mod write;

pub use decode::{is_audio_path, load, probe, AudioInfo, AudioStream, LoadOptions, AUDIO_EXTENSIONS};
pub use error::{IoError, Result};
pub use reprise_dsp::resample::{resample, StreamResampler};
pub use write::{write_atomic, write_json, write_npy, write_wav, write_wav_i16};
