//! Symbolic music for Reprise: standard MIDI files (read and write, through `midly`),
//! piano rolls, drum rolls with the 9-class General MIDI drum mapping used by the Groove
//! MIDI dataset, frame-level chord labels, and repeated patterns with the MIREX metrics
//! ([`patterns`]).
//!
//! The central type is [`Score`]: a list of [`Note`]s with onset and offset in seconds
//! (tempo changes already applied), their MIDI channel and the program active on that
//! channel. Everything else converts to or from it.
//!
//! ```
//! use reprise_midi::{Note, Score, piano_roll, RollValue};
//! let score = Score::new(vec![Note::new(60, 100, 0.0, 0.5), Note::new(64, 90, 0.5, 1.0)]);
//! let bytes = score.to_smf_bytes().unwrap();
//! let back = Score::from_smf_bytes(&bytes, "example.mid").unwrap();
//! assert_eq!(back.notes.len(), 2);
//! let roll = piano_roll(&back, 100.0, RollValue::Velocity, false).unwrap();
//! assert_eq!(roll.shape(), &[128, 100]);
//! ```
#![deny(missing_docs)]

mod chords;
mod drums;
mod error;
pub mod patterns;
mod roll;
mod score;

pub use chords::{chord_labels, chord_segments, chroma_from_score, ChordLabel, ChordQuality, PITCH_CLASS_NAMES};
pub use drums::{drum_class, drum_roll, drum_roll_to_score, DRUM_CLASSES, DRUM_CLASS_PITCHES};
pub use error::{MidiError, Result};
pub use roll::{piano_roll, roll_to_score, RollValue};
pub use score::{Note, Score, DRUM_CHANNEL, TICKS_PER_BEAT};
