//! Datasets of feature patches, the samplers of the objectives (class-balanced windows;
//! pairs of windows under a shift), and batching on a background thread. The engine knows
//! nothing about audio: a [`Clip`] is a rows × frames matrix (a spectrogram, a waveform as
//! one row, or a summary vector as one column) with a label; the facade builds clips from
//! manifests. A "pitch shift" here is a shift along the rows, a "time shift" one along the
//! frames.

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
        Batch { x, shape: [windows.len(), rows, w], y, target: None }
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

/// A batch: inputs `[n, rows, frames]` row-major, their labels (classification) and their
/// targets (a pair's second windows; a reconstruction's targets).
#[derive(Debug, Clone, PartialEq)]
pub struct Batch {
    /// Inputs.
    pub x: Vec<f32>,
    /// `[n, rows, frames]`.
    pub shape: [usize; 3],
    /// Labels (of the clips the windows come from).
    pub y: Vec<usize>,
    /// Targets, when the objective has them.
    pub target: Option<Values>,
}

/// Values with their shape, row-major.
#[derive(Debug, Clone, PartialEq)]
pub struct Values {
    /// The values.
    pub data: Vec<f32>,
    /// `[n, rows, frames]`.
    pub shape: [usize; 3],
}

/// Batches of `items` made by `make` on a background thread, `batch_size` items at a time,
/// at most two ahead of the consumer.
pub fn background<T, F>(items: Vec<T>, batch_size: usize, make: F) -> Receiver<Batch>
where
    T: Send + 'static,
    F: Fn(&[T]) -> Batch + Send + 'static,
{
    let (tx, rx) = sync_channel(2);
    std::thread::spawn(move || {
        for chunk in items.chunks(batch_size.max(1)) {
            if tx.send(make(chunk)).is_err() {
                return;
            }
        }
    });
    rx
}

/// Batches of `windows` of `set` made on a background thread (see [`background`]).
pub fn background_batches(set: std::sync::Arc<PatchSet>, windows: Vec<Window>, batch_size: usize) -> Receiver<Batch> {
    background(windows, batch_size, move |chunk| set.batch(chunk))
}

/// The largest shifts of a pair sampler; a shift is drawn uniformly from `-max..=max`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Shifts {
    /// Largest shift along the rows (pitch), zero-padded (0: no pitch pairs).
    pub rows: usize,
    /// Largest shift along the frames (time), a real shift of the window in its clip (0: no
    /// time pairs).
    pub frames: usize,
}

/// How the second window of a pair is made from the first.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shift {
    /// The window's rows moved up by `k` (down when negative), zero-padded.
    Rows(i64),
    /// The window `k` frames later (earlier when negative) in the same clip.
    Frames(i64),
}

/// One pair: a window and the shift that makes its partner.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Pair {
    /// The first window.
    pub window: Window,
    /// The shift.
    pub shift: Shift,
}

impl PatchSet {
    /// The pairs of one epoch: `n` draws, each a clip chosen in proportion to its length, a
    /// start chosen uniformly, a kind of shift chosen uniformly among those `shifts` allows,
    /// and its size uniformly in `-max..=max` (a time shift within what the clip holds).
    /// Depends only on `(seed, epoch)`, as [`PatchSet::epoch_windows`].
    pub fn epoch_pairs(&self, n: usize, shifts: Shifts, seed: u64, epoch: usize) -> Vec<Pair> {
        let weights: Vec<f64> = self.clips.iter().map(|c| c.frames.max(self.window) as f64).collect();
        let total: f64 = weights.iter().sum();
        let mut rng = Rng::keyed(seed, &format!("pairs {epoch}"));
        (0..n)
            .map(|_| {
                let mut u = rng.uniform() * total;
                let mut clip = self.clips.len() - 1;
                for (i, w) in weights.iter().enumerate() {
                    u -= w;
                    if u < 0.0 {
                        clip = i;
                        break;
                    }
                }
                let slack = self.clips[clip].frames.saturating_sub(self.window);
                let start = rng.below(slack + 1);
                let kinds = [(shifts.rows > 0, 0), (shifts.frames > 0, 1)];
                let allowed: Vec<usize> = kinds.iter().filter(|k| k.0).map(|k| k.1).collect();
                let shift = match allowed.get(if allowed.is_empty() { 0 } else { rng.below(allowed.len()) }) {
                    Some(0) => Shift::Rows(rng.below(2 * shifts.rows + 1) as i64 - shifts.rows as i64),
                    Some(_) => {
                        let lo = -(shifts.frames.min(start) as i64);
                        let hi = shifts.frames.min(slack - start) as i64;
                        Shift::Frames(lo + rng.below((hi - lo) as usize + 1) as i64)
                    }
                    None => Shift::Rows(0),
                };
                Pair { window: Window { clip, start }, shift }
            })
            .collect()
    }

    /// The validation pairs: every `hop` frames of every clip ([`PatchSet::windows_of`]), each
    /// with a shift drawn as in [`PatchSet::epoch_pairs`] from a fixed seed, so every epoch
    /// is validated on the same pairs.
    pub fn fixed_pairs(&self, hop: usize, shifts: Shifts) -> Vec<Pair> {
        let windows: Vec<Window> = (0..self.clips.len()).flat_map(|c| self.windows_of(c, hop)).collect();
        let draws = self.epoch_pairs(windows.len(), shifts, 0x5EED, 0);
        windows
            .into_iter()
            .zip(draws)
            .map(|(window, d)| {
                let shift = match d.shift {
                    Shift::Frames(k) => {
                        let slack = self.clips[window.clip].frames.saturating_sub(self.window) as i64;
                        Shift::Frames(k.clamp(-(window.start as i64), slack - window.start as i64))
                    }
                    s => s,
                };
                Pair { window, shift }
            })
            .collect()
    }

    /// A batch of pairs: the first windows as inputs, their partners as targets.
    pub fn pair_batch(&self, pairs: &[Pair]) -> Batch {
        let windows: Vec<Window> = pairs.iter().map(|p| p.window).collect();
        let mut b = self.batch(&windows);
        let (rows, w) = (self.rows(), self.window);
        let mut target = vec![0f32; b.x.len()];
        for (i, p) in pairs.iter().enumerate() {
            let one = i * rows * w..(i + 1) * rows * w;
            match p.shift {
                Shift::Rows(k) => {
                    let (src, dst) = (&b.x[one.clone()], &mut target[one.clone()]);
                    for r in 0..rows {
                        let from = r as i64 - k;
                        if (0..rows as i64).contains(&from) {
                            let from = from as usize;
                            dst[r * w..(r + 1) * w].copy_from_slice(&src[from * w..(from + 1) * w]);
                        }
                    }
                }
                Shift::Frames(k) => {
                    let start = (p.window.start as i64 + k).max(0) as usize;
                    let moved = self.batch(&[Window { clip: p.window.clip, start }]);
                    target[one].copy_from_slice(&moved.x);
                }
            }
        }
        b.target = Some(Values { data: target, shape: b.shape });
        b
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ramp(frames: usize) -> Clip {
        // value = 100 · row + frame, 5 rows
        let data = (0..5 * frames).map(|i| (100 * (i / frames) + i % frames) as f32).collect();
        Clip::new(data, 5, frames, 0, "ramp").unwrap()
    }

    #[test]
    fn pairs_are_shifted_windows_and_depend_only_on_seed_and_epoch() {
        let set = PatchSet::new(vec![ramp(10), ramp(6)], 4, 1).unwrap();
        let shifts = Shifts { rows: 2, frames: 3 };
        let pairs = set.epoch_pairs(200, shifts, 7, 3);
        assert_eq!(pairs, set.epoch_pairs(200, shifts, 7, 3));
        assert_ne!(pairs, set.epoch_pairs(200, shifts, 7, 4));
        let b = set.pair_batch(&pairs);
        let t = b.target.as_ref().unwrap();
        assert_eq!(t.shape, [200, 5, 4]);
        let (mut rows_seen, mut frames_seen) = (false, false);
        for (i, p) in pairs.iter().enumerate() {
            let x = |r: usize, f: usize| b.x[(i * 5 + r) * 4 + f];
            let y = |r: usize, f: usize| t.data[(i * 5 + r) * 4 + f];
            match p.shift {
                Shift::Rows(k) => {
                    rows_seen |= k != 0;
                    assert!(k.abs() <= 2);
                    for r in 0..5i64 {
                        for f in 0..4 {
                            let want = if (0..5).contains(&(r - k)) { x((r - k) as usize, f) } else { 0.0 };
                            assert_eq!(y(r as usize, f), want, "{p:?}");
                        }
                    }
                }
                Shift::Frames(k) => {
                    frames_seen |= k != 0;
                    let start = p.window.start as i64 + k;
                    let frames = set.clips[p.window.clip].frames as i64;
                    assert!(k.abs() <= 3 && start >= 0 && start + 4 <= frames, "{p:?}");
                    assert_eq!(y(2, 0), (200 + start) as f32, "{p:?}");
                }
            }
        }
        assert!(rows_seen && frames_seen);
        // validation pairs are fixed and stay inside their clips
        let v = set.fixed_pairs(2, shifts);
        assert_eq!(v, set.fixed_pairs(2, shifts));
        assert!(v.iter().all(|p| match p.shift {
            Shift::Frames(k) => p.window.start as i64 + k >= 0 && p.window.start as i64 + k + 4 <= set.clips[p.window.clip].frames as i64,
            Shift::Rows(_) => true,
        }));
    }
}
