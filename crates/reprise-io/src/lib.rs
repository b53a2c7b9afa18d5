//! Audio in and out for Reprise.
//!
//! * [`load`] / [`AudioStream`]: decode WAV, FLAC, MP3 and Ogg Vorbis with symphonia, mix
//!   to mono (mean of channels, as `librosa.to_mono`), resample with rubato, honour
//!   `offset` and `duration` — streaming, so a two-hour file never sits in memory whole.
//! * [`probe`]: header information for `reprise info`.
//! * [`write_npy`], [`write_json`], [`write_wav`]: atomic writers (temporary file, then rename).
//! * [`read_npy`]: `.npy` reading that checks the header's shape against the file's size first.
//!
//! Every error names the file and the problem ([`IoError`]).
#![deny(missing_docs)]

mod decode;
mod error;
mod npy;
mod write;

pub use decode::{is_audio_path, load, probe, AudioInfo, AudioStream, LoadOptions, AUDIO_EXTENSIONS};
pub use error::{IoError, Result};
pub use npy::{check_npy, read_npy, read_npy_header, NpyHeader};
pub use reprise_dsp::resample::{resample, StreamResampler};
pub use write::{check_writable, sweep_stale_temporaries, write_atomic, write_json, write_npy, write_wav, write_wav_i16, MAX_SAMPLE_RATE};
