//! Datasets for Reprise, rebuilt from Debian packages with one command each.
//!
//! - [`soundfont`]: SF2 and SF3 SoundFonts rendered in-process with rustysynth (SF3 is
//!   decoded to SF2 on loading), reverb and chorus off.
//! - [`gus`]: GUS patches listed by a TiMidity configuration (freepats), converted to SF2.
//! - [`classes`]: GM program names and the `seed8` / `gm15` class sets with real ranges.
//! - [`kit`]: the isolated-note kit and the phrase kit (WAV + `manifest.csv`).
//! - [`manifest`] and [`split`]: manifests (CSV or a folder of `LABEL/file.wav`) and
//!   train/validation/test splits by SoundFont family, at random, or in K folds.
//! - [`install`]: the Debian packages each dataset needs.
#![deny(missing_docs)]

pub mod classes;
mod error;
pub mod gus;
pub mod install;
pub mod kit;
pub mod manifest;
pub mod phrase;
mod riff;
/// The seeded generator, shared with `reprise-ml` (it lives in `reprise-core`).
pub use reprise_core::rng;
pub mod soundfont;
pub mod split;

pub use classes::{gm15, parse_classes, seed8, InstrumentClass};
pub use error::{DataError, Result};
pub use kit::{build_notes, build_phrases, KitConfig, KitReport, NotesConfig, PhrasesConfig};
pub use manifest::{Manifest, ManifestRow};
pub use soundfont::{open_soundfonts, resolve_soundfont, SoundFontFile};
pub use split::{split, SplitPlan};
