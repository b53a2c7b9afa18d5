//! Small helpers of librosa's `util` module.

use serde::{Deserialize, Serialize};

/// Column normalisation (`librosa.util.normalize` with `axis=0`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum FrameNorm {
    /// Divide by the maximum absolute value (librosa's `np.inf`, the default for chroma).
    #[default]
    Inf,
    /// Divide by the sum of absolute values.
    L1,
    /// Divide by the Euclidean norm.
    L2,
    /// No normalisation.
    None,
}

impl FrameNorm {
    /// Normalises one frame in place; frames whose norm is below the smallest normal
    /// f32 are left as they are (librosa's `threshold=tiny`, `fill=None`).
    pub fn apply(self, x: &mut [f32]) {
        let n = match self {
            FrameNorm::Inf => x.iter().fold(0.0f32, |m, v| m.max(v.abs())),
            FrameNorm::L1 => x.iter().map(|v| v.abs()).sum(),
            FrameNorm::L2 => x.iter().map(|v| v * v).sum::<f32>().sqrt(),
            FrameNorm::None => return,
        };
        if n >= f32::MIN_POSITIVE {
            x.iter_mut().for_each(|v| *v /= n);
        }
    }
}
