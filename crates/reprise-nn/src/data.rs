//! Datasets of feature patches, class-balanced seeded sampling, and batching on a
//! background thread. The engine knows nothing about audio: a [`Clip`] is a rows × frames
//! matrix (a spectrogram, a waveform as one row, or a summary vector as one column) with a
//! label; the facade builds clips from manifests.

use std::sync::mpsc::{sync_channel, Receiver};

use reprise_core::rng::Rng;
use serde::{Deserialize, Serialize};

use crate::{NnError, Result};

/// One labelled clip: `rows × frames`, row-major.
#[derive(Debug, Clone, PartialEq)]
pub struct Clip {
    /// Values, row-major.
    pub data: Vec<f32>,
    /// Rows (features).
    pub rows: usize,
    /// Frames (time).
    pub frames: usize,
    /// Class index.
    pub label: usize,
}

impl Clip {
    /// A clip, checked for shape and finiteness; `name` is used in the error.
    pub fn new(data: Vec<f32>, rows: usize, frames: usize, label: usize, name: &str) -> Result<Self> {
        if rows == 0 || frames == 0 || data.len() != rows * frames {
            return Err(NnError::Data(format!("{name}: a {rows} × {frames} clip needs {} values, got {}", rows * frames, data.len())));
        }
        if let Some(i) = data.iter().position(|v| !v.is_finite()) {
            return Err(NnError::Data(format!("{name}: value {i} is not finite ({})", data[i])));
        }
        Ok(Clip { data, rows, frames, label })
    }
}

/// Per-row standardisation with training statistics (mean and standard deviation over all
/// training frames), stored with the model so that prediction scales inputs the same way.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Standardizer {
    /// Mean of each row.
    pub mean: Vec<f32>,
    /// Standard deviation of each row (1 where it is 0).
    pub std: Vec<f32>,
}

impl Standardizer {
    /// Statistics of the clips' rows (all clips must have the same number of rows).
    pub fn fit(clips: &[Clip]) -> Result<Self> {
        let rows = clips.first().ok_or_else(|| NnError::Data("no training clips".into()))?.rows;
        let mut sum = vec![0f64; rows];
        let mut sq = vec![0f64; rows];
        let mut n = 0f64;
        for c in clips {
            if c.rows != rows {
                return Err(NnError::Data(format!("clips have {} and {rows} rows; every clip needs the same features", c.rows)));
            }
            for (r, row) in c.data.chunks(c.frames).enumerate() {
                for &v in row {
                    sum[r] += v as f64;
                    sq[r] += (v as f64) * (v as f64);
                }
            }
            n += c.frames as f64;
        }
        let mean: Vec<f64> = sum.iter().map(|s| s / n).collect();
        let std = sq.iter().zip(&mean).map(|(q, m)| ((q / n - m * m).max(0.0)).sqrt()).map(|s| if s > 1e-12 { s as f32 } else { 1.0 }).collect();
        Ok(Standardizer { mean: mean.into_iter().map(|m| m as f32).collect(), std })
    }

    /// Scales a clip in place.
    pub fn apply(&self, clip: &mut Clip) -> Result<()> {
        if clip.rows != self.mean.len() {
            return Err(NnError::Data(format!("a clip has {} rows but the model was trained on {}", clip.rows, self.mean.len())));
        }
        for (r, row) in clip.data.chunks_mut(clip.frames).enumerate() {
            for v in row {
                *v = (*v - self.mean[r]) / self.std[r];
            }
        }
        Ok(())
    }
}

/// Where a window starts in a clip.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Window {
    /// Clip index.
    pub clip: usize,
    /// First frame (windows past the end are zero-padded).
    pub start: usize,
}

/// Clips cut into fixed-size windows of `window` frames.
#[derive(Debug, Clone)]
pub struct PatchSet {
    /// The clips (standardised by the caller).
    pub clips: Vec<Clip>,
    /// Frames per window.
    pub window: usize,
    /// Number of classes (labels are below it).
    pub n_classes: usize,
}

impl PatchSet {
    /// A set; checks labels and shapes.
    pub fn new(clips: Vec<Clip>, window: usize, n_classes: usize) -> Result<Self> {
        if clips.is_empty() {
            return Err(NnError::Data("no clips".into()));
        }
        if window == 0 {
            return Err(NnError::Config("the window must be at least one frame".into()));
        }
        let rows = clips[0].rows;
        if let Some(c) = clips.iter().find(|c| c.label >= n_classes || c.rows != rows) {
            return Err(NnError::Data(format!("a clip has label {} of {n_classes} classes and {} rows of {rows}", c.label, c.rows)));
        }
        Ok(PatchSet { clips, window, n_classes })
    }

    /// Rows of every clip.
    pub fn rows(&self) -> usize {
        self.clips[0].rows
    }

    /// The evaluation windows of a clip: every `hop` frames, the last one flush with the end,
    /// or one zero-padded window when the clip is shorter than a window.
    pub fn windows_of(&self, clip: usize, hop: usize) -> Vec<Window> {
        let frames = self.clips[clip].frames;
        if frames <= self.window {
            return vec![Window { clip, start: 0 }];
        }
        let last = frames - self.window;
        let mut starts: Vec<usize> = (0..=last).step_by(hop.max(1)).collect();
        if *starts.last().expect("non-empty") != last {
            starts.push(last);
        }
        starts.into_iter().map(|start| Window { clip, start }).collect()
    }

    /// Copies windows into a batch `[n, rows, window]` with their labels.
    pub fn batch(&self, windows: &[Window]) -> Batch {
        let (rows, w) = (self.rows(), self.window);
        let mut x = vec![0f32; windows.len() * rows * w];
        let mut y = Vec::with_capacity(windows.len());
        for (b, win) in windows.iter().enumerate() {
            let c = &self.clips[win.clip];
            let len = w.min(c.frames.saturating_sub(win.start));
            for r in 0..rows {
                let src = &c.data[r * c.frames + win.start..r * c.frames + win.start + len];
                x[(b * rows + r) * w..(b * rows + r) * w + len].copy_from_slice(src);
            }
            y.push(c.label);
        }
        Batch { x, shape: [windows.len(), rows, w], y }
    }

    /// The training windows of one epoch: `n` draws, each a class chosen uniformly among the
    /// classes present, a clip of that class chosen in proportion to its length, and a start
    /// chosen uniformly. Depends only on `(seed, epoch)`, so an interrupted run that resumes
    /// at an epoch draws exactly what the uninterrupted run drew.
    pub fn epoch_windows(&self, n: usize, seed: u64, epoch: usize) -> Vec<Window> {
        let mut by_class: Vec<Vec<usize>> = vec![Vec::new(); self.n_classes];
        for (i, c) in self.clips.iter().enumerate() {
            by_class[c.label].push(i);
        }
        by_class.retain(|v| !v.is_empty());
        let weight = |i: usize| self.clips[i].frames.max(self.window) as f64;
        let mut rng = Rng::keyed(seed, &format!("epoch {epoch}"));
        (0..n)
            .map(|_| {
                let members = &by_class[rng.below(by_class.len())];
                let total: f64 = members.iter().map(|&i| weight(i)).sum();
                let mut u = rng.uniform() * total;
                let mut clip = *members.last().expect("non-empty class");
                for &i in members {
                    u -= weight(i);
                    if u < 0.0 {
                        clip = i;
                        break;
                    }
                }
                let slack = self.clips[clip].frames.saturating_sub(self.window);
                Window { clip, start: rng.below(slack + 1) }
            })
            .collect()
    }
}

/// A batch: inputs `[n, rows, frames]` row-major and labels.
#[derive(Debug, Clone, PartialEq)]
pub struct Batch {
    /// Inputs.
    pub x: Vec<f32>,
    /// `[n, rows, frames]`.
    pub shape: [usize; 3],
    /// Labels.
    pub y: Vec<usize>,
}

/// Batches of `windows` made on a background thread, `batch_size` at a time, at most two
/// ahead of the consumer.
pub fn background_batches(set: std::sync::Arc<PatchSet>, windows: Vec<Window>, batch_size: usize) -> Receiver<Batch> {
    let (tx, rx) = sync_channel(2);
    std::thread::spawn(move || {
        for chunk in windows.chunks(batch_size.max(1)) {
            if tx.send(set.batch(chunk)).is_err() {
                return;
            }
        }
    });
    rx
}
