//! Drum rolls with the 9-class General MIDI drum mapping of the Groove MIDI dataset
//! (Gillick et al., "Learning to Groove with Inverse Sequence Transformations", 2019;
//! the mapping is Magenta's `DEFAULT_DRUM_TYPE_PITCHES`).

use crate::error::{MidiError, Result};
use crate::roll::{frame_span, n_frames, RollValue};
use crate::score::{Note, Score, DRUM_CHANNEL};
use ndarray::{Array2, ArrayView2};

/// The nine drum classes, in roll-row order.
pub const DRUM_CLASSES: [&str; 9] = ["kick", "snare", "closed_hihat", "open_hihat", "low_tom", "mid_tom", "high_tom", "crash", "ride"];

/// General MIDI percussion keys of each class; the first is the one written back to MIDI.
pub const DRUM_CLASS_PITCHES: [&[u8]; 9] = [
    &[36, 35],
    &[38, 27, 28, 31, 32, 33, 34, 37, 39, 40, 56, 65, 66, 75, 85],
    &[42, 44, 54, 68, 69, 70, 71, 73, 78, 80, 22],
    &[46, 67, 72, 74, 79, 81, 26],
    &[45, 29, 41, 43, 61, 64, 84],
    &[48, 47, 60, 63, 77, 86, 87],
    &[50, 30, 62, 76, 83],
    &[49, 52, 55, 57, 58],
    &[51, 53, 59, 82],
];

/// The class (row of [`drum_roll`]) of a General MIDI percussion key, if it has one.
pub fn drum_class(pitch: u8) -> Option<usize> {
    DRUM_CLASS_PITCHES.iter().position(|ps| ps.contains(&pitch))
}

/// The drum roll of a score: a `(9, n_frames)` array of hits on the percussion channel,
/// one row per class of [`DRUM_CLASSES`], marking the onset frame of each hit (drum notes
/// have no meaningful length). Keys outside the mapping are left out.
pub fn drum_roll(score: &Score, fps: f64, value: RollValue) -> Result<Array2<f32>> {
    let n = n_frames(score.duration_s, fps)?;
    let mut roll = Array2::<f32>::zeros((9, n));
    for note in score.notes.iter().filter(|n| n.is_drum()) {
        if let Some(c) = drum_class(note.pitch) {
            let (f, _) = frame_span(note, fps, n);
            let v = match value {
                RollValue::Velocity => note.velocity as f32,
                RollValue::Binary => 1.0,
            };
            roll[[c, f]] = roll[[c, f]].max(v);
        }
    }
    Ok(roll)
}

/// Drum hits from a drum roll: one note per non-zero cell, on the percussion channel,
/// at the class's first key, lasting one frame. Binary rolls get `binary_velocity`.
pub fn drum_roll_to_score(roll: ArrayView2<f32>, fps: f64, value: RollValue, binary_velocity: u8) -> Result<Score> {
    if roll.nrows() != 9 {
        return Err(MidiError::invalid(
            "roll",
            format!("has {} rows; a drum roll has 9 (kick, snare, closed hi-hat, open hi-hat, low/mid/high tom, crash, ride)", roll.nrows()),
        ));
    }
    n_frames(0.0, fps)?;
    let mut notes = Vec::new();
    for ((c, f), &v) in roll.indexed_iter() {
        if !v.is_finite() || v < 0.0 {
            return Err(MidiError::invalid("roll", format!("holds {v}; values must be finite and ≥ 0")));
        }
        if v > 0.0 {
            let velocity = match value {
                RollValue::Binary => binary_velocity.clamp(1, 127),
                RollValue::Velocity => v.round().clamp(1.0, 127.0) as u8,
            };
            let pitch = DRUM_CLASS_PITCHES[c][0];
            notes.push(Note { pitch, velocity, start_s: f as f64 / fps, end_s: (f + 1) as f64 / fps, channel: DRUM_CHANNEL, program: 0 });
        }
    }
    let mut score = Score::new(notes);
    score.duration_s = score.duration_s.max(roll.ncols() as f64 / fps);
    Ok(score)
}
