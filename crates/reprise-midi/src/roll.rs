//! Piano rolls: pitch × frames at a chosen frame rate, and back to notes.

use crate::error::{MidiError, Result};
use crate::score::{Note, Score};
use ndarray::{Array2, ArrayView2};

/// Largest number of frames a roll may have (46 hours at 100 frames per second), so that a
/// damaged file or an absurd frame rate cannot allocate without bound.
pub(crate) const MAX_FRAMES: usize = 1 << 24;
/// Longest score a roll is made of (24 h); longer means a damaged file.
pub(crate) const MAX_DURATION_S: f64 = 86_400.0;

/// What a roll cell holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum RollValue {
    /// The note-on velocity (1–127); overlapping notes keep the largest.
    Velocity,
    /// 1 where a note sounds, 0 elsewhere.
    Binary,
}

/// Checks a frame rate and returns the number of frames that cover `duration_s`.
pub(crate) fn n_frames(duration_s: f64, fps: f64) -> Result<usize> {
    if !(fps.is_finite() && fps > 0.0) {
        return Err(MidiError::invalid("fps", format!("{fps}: must be a positive number of frames per second, e.g. 100")));
    }
    if !(duration_s.is_finite() && duration_s <= MAX_DURATION_S) {
        return Err(MidiError::invalid(
            "duration",
            format!("the score lasts {duration_s:.0} s, over 24 hours: its tempo map or note times are damaged"),
        ));
    }
    let n = (duration_s * fps).ceil();
    if !(n.is_finite() && n <= MAX_FRAMES as f64) {
        return Err(MidiError::invalid(
            "fps",
            format!("{fps} frames per second over {duration_s:.1} s gives more than {MAX_FRAMES} frames; lower it"),
        ));
    }
    Ok((n as usize).max(1))
}

/// Frame range `[first, last)` of a note: frame `f` covers `[f/fps, (f+1)/fps)`; a note
/// holds the frames from ⌊start·fps⌋ to ⌊end·fps⌋ (pretty_midi's convention, up to a
/// millionth of a frame of float noise), and at least
/// one frame, so that short notes are not lost.
pub(crate) fn frame_span(note: &Note, fps: f64, n: usize) -> (usize, usize) {
    // a time a millionth of a frame below a boundary is on it (seconds read from ticks
    // carry float noise: 0.7 s can come out as 0.6999999999)
    let frame = |t: f64| (t * fps + 1e-6).floor().max(0.0) as usize;
    let a = frame(note.start_s).min(n.saturating_sub(1));
    let b = frame(note.end_s).clamp(a + 1, n);
    (a, b)
}

/// The piano roll of a score: a `(128, n_frames)` array (pitch × frame, like
/// `pretty_midi.PrettyMIDI.get_piano_roll(fs)`), `n_frames = ⌈duration · fps⌉`.
///
/// Differences from pretty_midi, on purpose: overlapping notes keep the largest velocity
/// instead of summing (so cells stay ≤ 127), and a note shorter than a frame still marks
/// its onset frame. Percussion-channel notes are left out unless `include_drums`.
pub fn piano_roll(score: &Score, fps: f64, value: RollValue, include_drums: bool) -> Result<Array2<f32>> {
    let n = n_frames(score.duration_s, fps)?;
    let mut roll = Array2::<f32>::zeros((128, n));
    for note in score.notes.iter().filter(|n| include_drums || !n.is_drum()) {
        let (a, b) = frame_span(note, fps, n);
        let v = match value {
            RollValue::Velocity => note.velocity as f32,
            RollValue::Binary => 1.0,
        };
        let mut row = roll.row_mut(note.pitch as usize);
        for cell in row.slice_mut(ndarray::s![a..b]) {
            *cell = cell.max(v);
        }
    }
    Ok(roll)
}

/// Notes from a piano roll: each run of consecutive non-zero frames of one pitch (and, for
/// [`RollValue::Velocity`], one value) becomes a note from `first/fps` to `last/fps`.
/// Binary rolls give velocity `binary_velocity`. The notes get `channel` and `program`.
///
/// `roll_to_score(piano_roll(s))` gives back `s` when its notes start and end on frame
/// boundaries and notes of one pitch do not touch.
pub fn roll_to_score(roll: ArrayView2<f32>, fps: f64, value: RollValue, program: u8, channel: u8, binary_velocity: u8) -> Result<Score> {
    if roll.nrows() != 128 {
        return Err(MidiError::invalid("roll", format!("has {} rows; a piano roll has 128 (one per MIDI key)", roll.nrows())));
    }
    n_frames(0.0, fps)?;
    if program > 127 || channel > 15 {
        return Err(MidiError::invalid("program", format!("program {program} on channel {channel}: program must be ≤ 127 and channel ≤ 15")));
    }
    if let Some(bad) = roll.iter().find(|v| !v.is_finite() || **v < 0.0) {
        return Err(MidiError::invalid("roll", format!("holds {bad}; values must be finite and ≥ 0")));
    }
    let vel_of = |v: f32| -> u8 {
        match value {
            RollValue::Binary => binary_velocity.clamp(1, 127),
            RollValue::Velocity => v.round().clamp(1.0, 127.0) as u8,
        }
    };
    let mut notes = Vec::new();
    for (pitch, row) in roll.outer_iter().enumerate() {
        let mut start: Option<(usize, u8)> = None;
        for (f, &v) in row.iter().chain(std::iter::once(&0.0)).enumerate() {
            let cur = (v > 0.0).then(|| vel_of(v));
            match (start, cur) {
                (Some((s, sv)), c) if c != Some(sv) => {
                    notes.push(Note { pitch: pitch as u8, velocity: sv, start_s: s as f64 / fps, end_s: f as f64 / fps, channel, program });
                    start = c.map(|cv| (f, cv));
                }
                (None, Some(cv)) => start = Some((f, cv)),
                _ => {}
            }
        }
    }
    let mut score = Score::new(notes);
    score.duration_s = roll.ncols() as f64 / fps;
    Ok(score)
}
