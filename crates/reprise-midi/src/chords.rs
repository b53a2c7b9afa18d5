//! Frame-level chord labels: root and quality by template matching over pitch classes.

use crate::error::Result;
use crate::roll::{frame_span, n_frames};
use crate::score::Score;
use ndarray::Array2;

/// Pitch-class names, C = 0, with sharps.
pub const PITCH_CLASS_NAMES: [&str; 12] = ["C", "C#", "D", "D#", "E", "F", "F#", "G", "G#", "A", "A#", "B"];

/// Chord qualities recognised, in the order ties are broken (triads first).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub enum ChordQuality {
    /// Major triad (0, 4, 7).
    Major,
    /// Minor triad (0, 3, 7).
    Minor,
    /// Dominant seventh (0, 4, 7, 10).
    Dominant7,
    /// Major seventh (0, 4, 7, 11).
    Major7,
    /// Minor seventh (0, 3, 7, 10).
    Minor7,
    /// Diminished triad (0, 3, 6).
    Diminished,
    /// Augmented triad (0, 4, 8).
    Augmented,
}

impl ChordQuality {
    /// All qualities, in tie-breaking order.
    pub const ALL: [ChordQuality; 7] = [Self::Major, Self::Minor, Self::Dominant7, Self::Major7, Self::Minor7, Self::Diminished, Self::Augmented];

    /// Intervals above the root, in semitones.
    pub fn intervals(self) -> &'static [u8] {
        match self {
            Self::Major => &[0, 4, 7],
            Self::Minor => &[0, 3, 7],
            Self::Dominant7 => &[0, 4, 7, 10],
            Self::Major7 => &[0, 4, 7, 11],
            Self::Minor7 => &[0, 3, 7, 10],
            Self::Diminished => &[0, 3, 6],
            Self::Augmented => &[0, 4, 8],
        }
    }

    /// Short name in Harte's syntax (`maj`, `min`, `7`, `maj7`, `min7`, `dim`, `aug`).
    pub fn name(self) -> &'static str {
        match self {
            Self::Major => "maj",
            Self::Minor => "min",
            Self::Dominant7 => "7",
            Self::Major7 => "maj7",
            Self::Minor7 => "min7",
            Self::Diminished => "dim",
            Self::Augmented => "aug",
        }
    }
}

/// A chord: root pitch class (C = 0) and quality. Displays as `C:maj`, `F#:min7`, ...
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub struct ChordLabel {
    /// Root pitch class, 0–11.
    pub root: u8,
    /// Quality.
    pub quality: ChordQuality,
}

impl std::fmt::Display for ChordLabel {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}:{}", PITCH_CLASS_NAMES[self.root as usize % 12], self.quality.name())
    }
}

/// Pitch-class activity of a score: a `(12, n_frames)` array whose cell (c, f) is the
/// sum of velocity/127 over the non-percussion notes of pitch class c sounding in frame f
/// (frames as in [`crate::piano_roll`]).
pub fn chroma_from_score(score: &Score, fps: f64) -> Result<Array2<f32>> {
    let n = n_frames(score.duration_s, fps)?;
    let mut chroma = Array2::<f32>::zeros((12, n));
    for note in score.notes.iter().filter(|n| !n.is_drum()) {
        let (a, b) = frame_span(note, fps, n);
        let w = note.velocity as f32 / 127.0;
        chroma.row_mut(note.pitch as usize % 12).slice_mut(ndarray::s![a..b]).mapv_inplace(|v| v + w);
    }
    Ok(chroma)
}

/// One chord label per frame (`None` where fewer than two pitch classes sound: silence, or a
/// single note and its octaves): the (root, quality)
/// whose binary pitch-class template has the largest cosine similarity with the frame's
/// [`chroma_from_score`] column. Ties go to the earlier quality of [`ChordQuality::ALL`],
/// then to the lower root. Percussion is ignored.
pub fn chord_labels(score: &Score, fps: f64) -> Result<Vec<Option<ChordLabel>>> {
    let chroma = chroma_from_score(score, fps)?;
    let templates: Vec<(ChordLabel, [f32; 12])> = ChordQuality::ALL
        .iter()
        .flat_map(|&quality| {
            (0..12u8).map(move |root| {
                let mut t = [0f32; 12];
                let norm = (quality.intervals().len() as f32).sqrt();
                for &i in quality.intervals() {
                    t[((root + i) % 12) as usize] = 1.0 / norm;
                }
                (ChordLabel { root, quality }, t)
            })
        })
        .collect();
    Ok(chroma
        .columns()
        .into_iter()
        .map(|col| {
            let norm = col.iter().map(|v| v * v).sum::<f32>().sqrt();
            // a chord needs at least two pitch classes: a single note (or its octaves) is "N"
            if norm <= 0.0 || col.iter().filter(|v| **v > 0.0).count() < 2 {
                return None;
            }
            let mut best: Option<(ChordLabel, f32)> = None;
            for (label, t) in &templates {
                let s: f32 = col.iter().zip(t).map(|(a, b)| a * b).sum::<f32>() / norm;
                if best.is_none_or(|(_, b)| s > b + 1e-6) {
                    best = Some((*label, s));
                }
            }
            best.map(|(l, _)| l)
        })
        .collect())
}

/// Merges consecutive equal frame labels into segments `(start_s, end_s, label)`.
pub fn chord_segments(labels: &[Option<ChordLabel>], fps: f64) -> Vec<(f64, f64, Option<ChordLabel>)> {
    let mut out: Vec<(f64, f64, Option<ChordLabel>)> = Vec::new();
    for (f, l) in labels.iter().enumerate() {
        match out.last_mut() {
            Some(last) if last.2 == *l => last.1 = (f + 1) as f64 / fps,
            _ => out.push((f as f64 / fps, (f + 1) as f64 / fps, *l)),
        }
    }
    out
}
