//! One stream shape for every frame transform: push samples, receive frames, finish, and
//! say what the rows are. The transforms implement [`FrameTransform`] in `reprise-dsp`
//! (STFT, mel, chroma, descriptors, the constant-Q family) and `reprise-scatter` (the
//! whole-signal scattering transforms); a caller pumps any of them with one loop.

use crate::Result;
use rustfft::num_complex::Complex32;
use serde::{Deserialize, Serialize};

/// What a transform emits.
#[derive(Debug)]
pub enum Frames<'a> {
    /// One frame of real values.
    Real(&'a [f32]),
    /// One frame of complex values.
    Complex(&'a [Complex32]),
    /// All frames at once, frames on the last axis: transforms that need the whole
    /// signal emit this once, when they finish.
    Block(ndarray::ArrayD<f32>),
}

/// What the rows of an output are: a name and one value per row, as the sidecar writes them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Axis {
    /// Name of the axis (`frequency_hz`, `mel_center_hz`, `pitch_class`, ...).
    pub name: String,
    /// One value per row.
    pub values: AxisValues,
}

/// The values of an [`Axis`]. (Read back in this order: whole numbers are indices, and
/// frequencies are written with a decimal point.)
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum AxisValues {
    /// Row indices.
    Indices(Vec<usize>),
    /// Names (pitch classes, a descriptor's name).
    Labels(Vec<String>),
    /// Numbers (frequencies in Hz).
    Numbers(Vec<f64>),
}

impl Axis {
    /// An axis of numbers.
    pub fn numbers(name: &str, values: Vec<f64>) -> Self {
        Axis { name: name.into(), values: AxisValues::Numbers(values) }
    }

    /// An axis of row indices `0..n`.
    pub fn indices(name: &str, n: usize) -> Self {
        Axis { name: name.into(), values: AxisValues::Indices((0..n).collect()) }
    }

    /// The chroma axis: pitch classes for 12 bins, bin indices otherwise.
    pub fn chroma(n_chroma: usize) -> Self {
        if n_chroma == 12 {
            let names = ["C", "C#", "D", "D#", "E", "F", "F#", "G", "G#", "A", "A#", "B"];
            Axis { name: "pitch_class".into(), values: AxisValues::Labels(names.iter().map(|s| s.to_string()).collect()) }
        } else {
            Axis::indices("chroma_bin", n_chroma)
        }
    }

    /// A one-row axis named after a descriptor.
    pub fn single(name: &str) -> Self {
        Axis { name: name.into(), values: AxisValues::Labels(vec![name.into()]) }
    }

    /// Number of rows.
    pub fn len(&self) -> usize {
        match &self.values {
            AxisValues::Numbers(v) => v.len(),
            AxisValues::Labels(v) => v.len(),
            AxisValues::Indices(v) => v.len(),
        }
    }

    /// Whether the axis has no rows.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// A transform that turns a stream of samples into a stream of frames.
///
/// Push chunks of any size with [`FrameTransform::push`]; each call emits the frames the
/// chunk completes, in order. [`FrameTransform::finish`] ends the signal and emits the
/// rest; a transform is spent after it. Samples are checked finite.
pub trait FrameTransform {
    /// Samples between frames.
    fn hop_length(&self) -> usize;
    /// Pushes samples and emits every frame they complete.
    fn push(&mut self, samples: &[f32], emit: &mut dyn FnMut(Frames<'_>)) -> Result<()>;
    /// Ends the signal and emits the remaining frames.
    fn finish(&mut self, emit: &mut dyn FnMut(Frames<'_>)) -> Result<()>;
    /// All frames of a whole signal held in memory: the same frames as `push(y)` then
    /// `finish`, which is what this default does. A transform may override it with a route
    /// that reads its frames straight from `y` (no stream buffering); it must emit the same
    /// values.
    fn run(&mut self, y: &[f32], emit: &mut dyn FnMut(Frames<'_>)) -> Result<()> {
        self.push(y, emit)?;
        self.finish(emit)
    }
    /// What the rows are (for whole-signal transforms, known once they have finished).
    fn axis(&self) -> Axis;
}
