//! Framing with centring and edge padding, shared by the STFT, `rms` and
//! `zero_crossing_rate`, and usable on a stream of samples.

use reprise_core::{invalid, Result};
use serde::{Deserialize, Serialize};
use std::str::FromStr;

/// Largest frame length accepted (2^24 samples, over 12 minutes at 22050 Hz).
pub const MAX_FRAME: usize = 1 << 24;
/// Largest hop accepted (2^30 samples); keeps every frame position within `isize`.
pub const MAX_HOP: usize = 1 << 30;

/// How a centred signal is padded at its ends (numpy's `np.pad` modes).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum PadMode {
    /// Zeros (librosa's default since 0.9).
    #[default]
    Constant,
    /// Mirror without repeating the edge sample: `[3,2 | 1,2,3 | 2,1]`.
    Reflect,
    /// Repeat the edge sample (used by `zero_crossing_rate`).
    Edge,
}

impl PadMode {
    /// Name used on the command line and in sidecars.
    pub fn name(self) -> &'static str {
        match self {
            PadMode::Constant => "constant",
            PadMode::Reflect => "reflect",
            PadMode::Edge => "edge",
        }
    }
}

impl FromStr for PadMode {
    type Err = reprise_core::Error;
    fn from_str(s: &str) -> Result<Self> {
        match s.to_ascii_lowercase().as_str() {
            "constant" | "zeros" => Ok(PadMode::Constant),
            "reflect" => Ok(PadMode::Reflect),
            "edge" => Ok(PadMode::Edge),
            other => Err(invalid("pad_mode", format!("unknown pad mode `{other}`; use constant, reflect or edge"))),
        }
    }
}

/// The geometry of a framing: frame length, hop, and centring.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Framing {
    /// Samples per frame.
    pub frame_length: usize,
    /// Samples between frame starts.
    pub hop_length: usize,
    /// Whether frame `t` is centred at sample `t·hop_length` (padding `frame_length/2` each side).
    pub center: bool,
    /// Padding used when `center` is true.
    pub pad_mode: PadMode,
}

impl Framing {
    /// Checks that lengths are non-zero.
    pub fn validate(&self) -> Result<()> {
        if self.frame_length == 0 {
            return Err(invalid("n_fft", "must be at least 1 (librosa default: 2048)"));
        }
        if self.frame_length > MAX_FRAME {
            return Err(invalid("n_fft", format!("{} is absurdly large (limit 2^24)", self.frame_length)));
        }
        if self.hop_length == 0 {
            return Err(invalid("hop_length", "must be at least 1 (librosa default: n_fft / 4)"));
        }
        if self.hop_length > MAX_HOP {
            return Err(invalid("hop_length", format!("{} is absurdly large (limit 2^30)", self.hop_length)));
        }
        Ok(())
    }

    /// Number of frames for a signal of `len` samples, or the error that explains why
    /// there are none (empty signal; too short for an uncentred framing).
    pub fn count(&self, len: usize) -> Result<usize> {
        if len == 0 {
            return Err(reprise_core::Error::Empty);
        }
        self.n_frames(len).ok_or_else(|| reprise_core::Error::TooShort {
            len,
            need: self.frame_length,
            why: format!("frame length (n_fft) {} with center = false", self.frame_length),
        })
    }

    /// Left padding in samples: `frame_length / 2` when centred.
    pub fn pad(&self) -> usize {
        if self.center {
            self.frame_length / 2
        } else {
            0
        }
    }

    /// Number of frames for a signal of `len` samples; `None` when the signal is too
    /// short for an uncentred framing.
    pub fn n_frames(&self, len: usize) -> Option<usize> {
        let padded = len + 2 * self.pad();
        if padded < self.frame_length {
            return None;
        }
        Some(1 + (padded - self.frame_length) / self.hop_length)
    }

    /// Absolute index (may be negative) of the first sample of frame `t`.
    pub fn start(&self, t: usize) -> isize {
        (t * self.hop_length) as isize - self.pad() as isize
    }

    /// Copies frame `t` into `out` (length `frame_length`), padding as needed.
    ///
    /// `src` holds samples `src_offset .. src_offset + src.len()` of a signal whose
    /// total length is `total` (use `usize::MAX` while it is unknown; frames that
    /// need the end of the signal must then not be requested).
    pub fn fill(&self, src: &[f32], src_offset: usize, total: usize, t: usize, out: &mut [f32]) {
        debug_assert_eq!(out.len(), self.frame_length);
        fill_span(src, src_offset, total, self.start(t), self.pad_mode, out);
    }
}

/// Copies signal samples `start .. start + out.len()` (indices may fall outside the
/// signal: `mode` pads there) into `out`; `src`, `src_offset` and `total` as in
/// [`Framing::fill`].
pub(crate) fn fill_span(src: &[f32], src_offset: usize, total: usize, start: isize, mode: PadMode, out: &mut [f32]) {
    let n = out.len();
    if start >= src_offset as isize && (start as usize + n) <= total.min(src_offset + src.len()) {
        let s = start as usize - src_offset;
        out.copy_from_slice(&src[s..s + n]);
        return;
    }
    for (i, o) in out.iter_mut().enumerate() {
        let idx = start + i as isize;
        *o = match map_index(idx, total, mode) {
            Some(j) => src[j - src_offset],
            None => 0.0,
        };
    }
}

/// Maps an index of the padded signal to an index of the signal of length `total`,
/// or `None` for a zero (constant padding).
fn map_index(idx: isize, total: usize, mode: PadMode) -> Option<usize> {
    if idx >= 0 && (idx as usize) < total {
        return Some(idx as usize);
    }
    match mode {
        PadMode::Constant => None,
        PadMode::Edge => Some(if idx < 0 { 0 } else { total - 1 }),
        PadMode::Reflect => {
            if total == 1 {
                return Some(0);
            }
            // numpy reflects repeatedly: period 2·(n − 1). i128: `total` may be usize::MAX.
            let period = 2 * (total as i128 - 1);
            let mut j = (idx as i128).rem_euclid(period);
            if j >= total as i128 {
                j = period - j;
            }
            Some(j as usize)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn padded(sig: &[f32], pad: usize, mode: PadMode) -> Vec<f32> {
        let f = Framing { frame_length: sig.len() + 2 * pad, hop_length: 1, center: false, pad_mode: mode };
        let mut out = vec![0.0; sig.len() + 2 * pad];
        // emulate padding by asking for a frame that starts `pad` before the signal
        for (i, o) in out.iter_mut().enumerate() {
            let idx = i as isize - pad as isize;
            *o = map_index(idx, sig.len(), f.pad_mode).map(|j| sig[j]).unwrap_or(0.0);
        }
        out
    }

    #[test]
    fn padding_matches_numpy() {
        let s = [1.0, 2.0, 3.0];
        // np.pad([1,2,3], 2, mode=...)
        assert_eq!(padded(&s, 2, PadMode::Constant), vec![0., 0., 1., 2., 3., 0., 0.]);
        assert_eq!(padded(&s, 2, PadMode::Reflect), vec![3., 2., 1., 2., 3., 2., 1.]);
        assert_eq!(padded(&s, 2, PadMode::Edge), vec![1., 1., 1., 2., 3., 3., 3.]);
        // np.pad([1,2,3], 5, mode='reflect') reflects repeatedly
        assert_eq!(padded(&s, 5, PadMode::Reflect), vec![2., 1., 2., 3., 2., 1., 2., 3., 2., 1., 2., 3., 2.]);
    }

    #[test]
    fn stream_memory_stays_bounded() {
        // an hour of audio at 22050 Hz pushed in 4096-sample chunks keeps at most a
        // few frames of samples in memory
        for mode in [PadMode::Constant, PadMode::Reflect, PadMode::Edge] {
            let f = Framing { frame_length: 2048, hop_length: 512, center: true, pad_mode: mode };
            let mut s = FrameStream::new(f).unwrap();
            let chunk = vec![0.25f32; 4096];
            let mut frames = 0usize;
            let mut peak = 0usize;
            for _ in 0..(22050 * 3600 / 4096) {
                s.push(&chunk, |_, _| frames += 1);
                peak = peak.max(s.buf.len());
            }
            assert!(peak <= 2 * 2048 + 2 * 4096, "{mode:?}: buffer grew to {peak} samples");
            let n = s.finish(|_, _| frames += 1).unwrap();
            assert_eq!(n, frames);
        }
    }

    #[test]
    fn frame_count_matches_librosa() {
        let f = Framing { frame_length: 2048, hop_length: 512, center: true, pad_mode: PadMode::Constant };
        assert_eq!(f.n_frames(22050 * 60), Some(2584));
        assert_eq!(f.n_frames(1000), Some(2));
        let g = Framing { center: false, ..f };
        assert_eq!(g.n_frames(1000), None);
        assert_eq!(g.n_frames(2048), Some(1));
    }
}

/// Frames of a signal that arrives in chunks. Emits exactly the frames that
/// [`Framing::fill`] gives on the whole signal, in order, while holding only about
/// one frame of samples.
#[derive(Debug, Clone)]
pub struct FrameStream {
    framing: Framing,
    buf: Vec<f32>,
    buf_offset: usize,
    received: usize,
    next_frame: usize,
    frame: Vec<f32>,
}

impl FrameStream {
    /// A stream for `framing` (validated).
    pub fn new(framing: Framing) -> Result<Self> {
        framing.validate()?;
        Ok(Self { framing, buf: Vec::new(), buf_offset: 0, received: 0, next_frame: 0, frame: vec![0.0; framing.frame_length] })
    }

    /// Samples pushed so far.
    pub fn samples_received(&self) -> usize {
        self.received
    }

    /// Appends samples and calls `f(t, frame)` for every frame now complete.
    pub fn push(&mut self, samples: &[f32], mut f: impl FnMut(usize, &[f32])) {
        self.buf.extend_from_slice(samples);
        self.received += samples.len();
        while self.ready(self.next_frame) {
            self.framing.fill(&self.buf, self.buf_offset, usize::MAX, self.next_frame, &mut self.frame);
            f(self.next_frame, &self.frame);
            self.next_frame += 1;
        }
        self.compact();
    }

    /// Ends the signal: emits the remaining (end-padded) frames and returns the
    /// total number of frames, or an error if the signal was too short.
    pub fn finish(&mut self, mut f: impl FnMut(usize, &[f32])) -> Result<usize> {
        let total = self.received;
        let n_frames = self.framing.count(total)?;
        while self.next_frame < n_frames {
            self.framing.fill(&self.buf, self.buf_offset, total, self.next_frame, &mut self.frame);
            f(self.next_frame, &self.frame);
            self.next_frame += 1;
        }
        Ok(n_frames)
    }

    /// Whether frame `t` can be computed from the samples received so far
    /// (without knowing where the signal ends).
    fn ready(&self, t: usize) -> bool {
        let start = self.framing.start(t);
        let mut need = start + self.framing.frame_length as isize;
        if self.framing.pad_mode == PadMode::Reflect {
            need = need.max(1 - start); // mirrors index -start
        }
        need <= self.received as isize
    }

    /// Drops samples that no future frame can need.
    fn compact(&mut self) {
        // Reflect padding at the end reads one sample before the frame start.
        let keep_from = (self.framing.start(self.next_frame) - 1).max(0) as usize;
        let drop = keep_from.saturating_sub(self.buf_offset).min(self.buf.len());
        if drop > 0 && drop >= self.buf.len() / 2 {
            self.buf.drain(..drop);
            self.buf_offset += drop;
        }
    }
}
