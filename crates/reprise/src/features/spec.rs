//! The typed feature specification: one representation and its parameters, as the
//! libraries' own configurations.
//!
//! [`FeatureParams`] is what a user fills (the command line's flags, librosa's names in
//! one flat set); [`FeatureParams::spec`] turns it into a [`FeatureSpec`] once the sample
//! rate is known — every kind-dependent default is decided there and nowhere else — and
//! extraction runs on the spec alone. The sidecar records the spec verbatim
//! ([`FeatureSpec::from_sidecar`] reads it back).

use super::{FeatureKind, FeatureParams};
use crate::Result;
use reprise_core::invalid;
use reprise_dsp::{
    amplitude_to_db, power_to_db, ChromaCqtConfig, ChromaStftConfig, CqtConfig, DbConfig, Descriptor, FrameDescriptor, FrameNorm, Gamma, MelConfig,
    MelSpectrogram, Mfcc, MfccConfig, PyinConfig, StftConfig, Tuning, VqtFilters,
};
use reprise_scatter::{JtfsConfig, ScalogramConfig, ScatteringConfig, WholeConfig};
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// Decibel output: `amplitude_to_db` of magnitudes, `power_to_db` otherwise (the stored
/// exponent decides), clamped `top_db` below the maximum.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Db {
    /// dB floor below the maximum (librosa's 80); `None` keeps every value.
    pub top_db: Option<f32>,
}

impl Db {
    /// Scales values of `|X|^power` to dB in place.
    pub fn apply(&self, a: &mut ndarray::Array2<f32>, power: f32) -> Result<()> {
        if power == 1.0 {
            amplitude_to_db(a, &DbConfig { top_db: self.top_db, ..DbConfig::amplitude() })?;
        } else {
            if power != 2.0 {
                a.mapv_inplace(|v| v.powf(2.0 / power));
            }
            power_to_db(a, &DbConfig { top_db: self.top_db, ..DbConfig::power() })?;
        }
        Ok(())
    }
}

/// A spectral descriptor of the magnitude STFT.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct SpectralSpec {
    /// Sample rate, Hz (the bins' frequencies).
    pub sr: u32,
    /// The STFT.
    pub stft: StftConfig,
    /// Which descriptor, with its parameters.
    pub descriptor: Descriptor,
}

/// Time-domain frames (`rms`, `zcr`).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct FrameSpec {
    /// Sample rate, Hz.
    pub sr: u32,
    /// Frame length in samples (librosa's 2048).
    pub frame_length: usize,
    /// Samples between frames (512).
    pub hop_length: usize,
    /// Centre frames on `t·hop`.
    pub center: bool,
}

/// A constant-Q kind: the transform, and what is stored of it.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct ConstantQSpec {
    /// The transform (its `gamma` decides CQT or VQT).
    pub cqt: CqtConfig,
    /// `|C|^power` instead of complex values (`cqt`, `vqt`); the exponent the dB scaling
    /// assumes for the magnitude kinds.
    pub power: Option<f32>,
    /// Decibel output.
    pub db: Option<Db>,
}

/// A scattering kind: the library configuration and the rate of the signal.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct ScatterSpec<C> {
    /// Sample rate, Hz (the scalogram's frequencies).
    pub sr: u32,
    /// The transform.
    pub config: C,
}

/// One representation and its parameters, with the sample rate bound: the libraries'
/// own configurations in a tagged enum. In JSON the kind is the `kind` field
/// (`{"kind": "mel", "mel": {...}, "db": null}`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum FeatureSpec {
    /// The STFT: complex, `|X|^power`, or dB.
    Stft {
        /// Sample rate, Hz.
        sr: u32,
        /// The STFT.
        stft: StftConfig,
        /// `|X|^power` instead of complex values (1 when only `db` is given).
        power: Option<f32>,
        /// Decibel output.
        db: Option<Db>,
    },
    /// The mel spectrogram.
    Mel {
        /// The transform.
        mel: MelConfig,
        /// Decibel output.
        db: Option<Db>,
    },
    /// MFCCs.
    Mfcc {
        /// The transform.
        mfcc: MfccConfig,
    },
    /// The STFT chromagram.
    ChromaStft {
        /// The transform.
        chroma: ChromaStftConfig,
    },
    /// Spectral centroid.
    Centroid(SpectralSpec),
    /// Spectral bandwidth.
    Bandwidth(SpectralSpec),
    /// Spectral roll-off.
    Rolloff(SpectralSpec),
    /// Spectral flatness.
    Flatness(SpectralSpec),
    /// Zero-crossing rate.
    Zcr(FrameSpec),
    /// RMS energy.
    Rms {
        /// The frames.
        frames: FrameSpec,
        /// Decibel output.
        db: Option<Db>,
    },
    /// The constant-Q transform.
    Cqt(ConstantQSpec),
    /// The variable-Q transform.
    Vqt(ConstantQSpec),
    /// The hybrid CQT (magnitudes).
    HybridCqt(ConstantQSpec),
    /// The pseudo CQT (magnitudes).
    PseudoCqt(ConstantQSpec),
    /// The CQT chromagram.
    ChromaCqt {
        /// The transform.
        chroma: ChromaCqtConfig,
    },
    /// Chroma energy normalised statistics.
    ChromaCens {
        /// The unnormalised chromagram it starts from.
        chroma: ChromaCqtConfig,
        /// Smoothing window, frames (librosa's 41).
        win_len_smooth: usize,
        /// Final per-frame normalisation (L2).
        norm: FrameNorm,
    },
    /// The Morlet scalogram.
    Scalogram(ScatterSpec<ScalogramConfig>),
    /// Scattering 1-D.
    Scattering(ScatterSpec<ScatteringConfig>),
    /// Joint time–frequency scattering.
    Jtfs(ScatterSpec<JtfsConfig>),
    /// Spiral scattering (JTFS with finite differences across octaves).
    Spiral(ScatterSpec<JtfsConfig>),
    /// A trained Complex Autoencoder's magnitudes (and phases).
    Cae(CaeSpec),
    /// pYIN: f0, voiced flag and voiced probability per frame.
    Pyin {
        /// Sample rate, Hz.
        sr: u32,
        /// The tracker.
        pyin: PyinConfig,
    },
}

/// The `cae` kind: a model and the CQT it reads.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CaeSpec {
    /// The model folder; `None`: the shipped piano model.
    pub model: Option<std::path::PathBuf>,
    /// The CQT the model reads (from its `model.json`).
    pub cqt: CqtConfig,
    /// Also the phases.
    pub phases: bool,
}

/// `power` must be positive and finite.
fn check_power(power: Option<f32>) -> Result<()> {
    match power {
        Some(p) if !(p > 0.0 && p.is_finite()) => Err(invalid("power", format!("{p} must be > 0")).into()),
        _ => Ok(()),
    }
}

impl FeatureParams {
    /// Options as files written before the spec was recorded hold them (sidecars,
    /// `model.json`): those wrote every tuning out, and `null` meant an estimate.
    pub fn with_recorded_tuning(mut self) -> FeatureParams {
        self.tuning = Some(self.tuning.unwrap_or(Tuning::Estimate));
        self
    }

    /// The specification these options give at sample rate `sr`: the libraries'
    /// defaults, the kind's own defaults (decided here only), then the options.
    /// Options that the kind cannot use are refused.
    pub fn spec(&self, sr: u32) -> Result<FeatureSpec> {
        use FeatureKind as K;
        let kind = self.kind;
        check_power(self.power)?;
        if let Some(t) = self.top_db {
            if !(t >= 0.0) {
                return Err(invalid("top_db", format!("{t} must be ≥ 0")).into());
            }
        }
        let takes_db = matches!(kind, K::Stft | K::Mel | K::Rms | K::Cqt | K::Vqt | K::HybridCqt | K::PseudoCqt);
        if self.db && !takes_db {
            let reason = if kind.is_scattering() || kind.is_constant_q() {
                format!("--db does not apply to {}", kind.name())
            } else {
                format!("--db applies to stft, mel and rms, not to {}", kind.name())
            };
            return Err(invalid("db", reason).into());
        }
        let db = self.db.then_some(Db { top_db: self.top_db });
        let mel = MelConfig {
            sr,
            stft: self.stft,
            n_mels: self.n_mels,
            fmin: self.fmin,
            fmax: self.fmax,
            htk: self.htk,
            norm: self.norm,
            power: self.power.unwrap_or(MelConfig::default().power),
        };
        let spectral = |name| SpectralSpec { sr, stft: self.stft, descriptor: Descriptor::by_name(name).expect("a descriptor's name") };
        let frames = FrameSpec { sr, frame_length: self.stft.n_fft, hop_length: self.stft.hop_length(), center: self.stft.center };
        let sp = &self.scatter;
        let jtfs = |spiral: bool| ScatterSpec {
            sr,
            config: JtfsConfig {
                j: sp.j,
                j_fr: sp.j_fr,
                q: sp.q,
                q_fr: sp.q_fr,
                t: sp.t,
                f: sp.f,
                format: sp.format,
                spiral: spiral.then_some(reprise_scatter::OctaveFilters::FiniteDifference),
            },
        };
        Ok(match kind {
            K::Stft => FeatureSpec::Stft { sr, stft: self.stft, power: self.power, db },
            K::Mel => FeatureSpec::Mel { mel, db },
            K::Mfcc => FeatureSpec::Mfcc { mfcc: MfccConfig { mel, n_mfcc: self.n_mfcc, lifter: self.lifter, ..MfccConfig::default() } },
            K::ChromaStft => FeatureSpec::ChromaStft {
                chroma: ChromaStftConfig {
                    sr,
                    stft: self.stft,
                    n_chroma: self.n_chroma,
                    // librosa's chroma_stft estimates the tuning unless it is given
                    tuning: self.tuning.unwrap_or(Tuning::Estimate),
                    ..ChromaStftConfig::default()
                },
            },
            K::Centroid => FeatureSpec::Centroid(spectral("centroid")),
            K::Bandwidth => FeatureSpec::Bandwidth(spectral("bandwidth")),
            K::Rolloff => {
                FeatureSpec::Rolloff(SpectralSpec { descriptor: Descriptor::Rolloff { roll_percent: self.roll_percent }, ..spectral("rolloff") })
            }
            K::Flatness => FeatureSpec::Flatness(spectral("flatness")),
            K::Zcr => FeatureSpec::Zcr(frames),
            K::Rms => FeatureSpec::Rms { frames, db },
            K::Cqt | K::Vqt | K::HybridCqt | K::PseudoCqt => {
                let cqt = CqtConfig {
                    sr,
                    hop_length: self.stft.hop_length.unwrap_or(CqtConfig::default().hop_length),
                    fmin: self.cqt.fmin,
                    n_bins: self.cqt.n_bins,
                    bins_per_octave: self.cqt.bins_per_octave.unwrap_or(CqtConfig::default().bins_per_octave),
                    // librosa's cqt, vqt, hybrid_cqt and pseudo_cqt default to tuning 0
                    tuning: self.tuning.unwrap_or(CqtConfig::default().tuning),
                    filter_scale: self.cqt.filter_scale,
                    sparsity: self.cqt.sparsity,
                    pad_mode: self.stft.pad_mode,
                    // librosa's vqt defaults to ERB bandwidths
                    gamma: self.cqt.gamma.unwrap_or(if kind == K::Vqt { Gamma::Erb } else { Gamma::Fixed(0.0) }),
                    mode: self.cqt.mode,
                    ..CqtConfig::default()
                };
                let q = ConstantQSpec { cqt, power: self.power, db };
                match kind {
                    K::Cqt => FeatureSpec::Cqt(q),
                    K::Vqt => FeatureSpec::Vqt(q),
                    K::HybridCqt => FeatureSpec::HybridCqt(q),
                    _ => FeatureSpec::PseudoCqt(q),
                }
            }
            K::ChromaCqt | K::ChromaCens => {
                let lib = ChromaCqtConfig::default();
                let bins_per_octave = self.cqt.bins_per_octave.unwrap_or(lib.cqt.bins_per_octave);
                let chroma = ChromaCqtConfig {
                    cqt: CqtConfig {
                        sr,
                        hop_length: self.stft.hop_length.unwrap_or(lib.cqt.hop_length),
                        fmin: self.cqt.fmin,
                        n_bins: self.cqt.n_octaves * bins_per_octave,
                        bins_per_octave,
                        // librosa's chroma_cqt estimates the tuning unless it is given
                        tuning: self.tuning.unwrap_or(lib.cqt.tuning),
                        filter_scale: self.cqt.filter_scale,
                        sparsity: self.cqt.sparsity,
                        pad_mode: self.stft.pad_mode,
                        gamma: self.cqt.gamma.unwrap_or(lib.cqt.gamma),
                        mode: self.cqt.mode,
                        ..lib.cqt
                    },
                    n_octaves: self.cqt.n_octaves,
                    n_chroma: self.n_chroma,
                    ..lib
                };
                if kind == K::ChromaCqt {
                    FeatureSpec::ChromaCqt { chroma }
                } else {
                    FeatureSpec::ChromaCens { chroma: ChromaCqtConfig { norm: FrameNorm::None, ..chroma }, win_len_smooth: 41, norm: FrameNorm::L2 }
                }
            }
            K::Scalogram => FeatureSpec::Scalogram(ScatterSpec {
                sr,
                config: ScalogramConfig { j: sp.j, q: sp.q.0, hop_length: self.stft.hop_length.unwrap_or(1usize << sp.j.min(30)) },
            }),
            K::Scattering => FeatureSpec::Scattering(ScatterSpec {
                sr,
                config: ScatteringConfig { j: sp.j, q: sp.q, t: sp.t, max_order: sp.max_order, ..ScatteringConfig::default() },
            }),
            K::Jtfs => FeatureSpec::Jtfs(jtfs(false)),
            K::Spiral => FeatureSpec::Spiral(jtfs(true)),
            K::Cae => {
                let model = crate::cae::CaeModel::open(self.model.as_deref())?;
                let cqt = *model.cqt();
                if sr != cqt.sr {
                    return Err(
                        invalid("sr", format!("{sr} Hz: the CAE ({}) reads audio at {} Hz; give --sr {}", model.source, cqt.sr, cqt.sr)).into()
                    );
                }
                if let Some(h) = self.stft.hop_length.filter(|h| *h != cqt.hop_length) {
                    return Err(
                        invalid("hop_length", format!("{h}: the CAE ({}) reads frames {} samples apart", model.source, cqt.hop_length)).into()
                    );
                }
                if self.power.is_some() {
                    return Err(invalid("power", "does not apply to cae (its output is the model's magnitudes)").into());
                }
                FeatureSpec::Cae(CaeSpec { model: self.model.clone(), cqt, phases: self.phases })
            }
            K::Pyin => {
                if self.power.is_some() {
                    return Err(invalid("power", "does not apply to pyin (its rows are f0, voicing and a probability)").into());
                }
                let lib = PyinConfig::default();
                let p = &self.pyin;
                FeatureSpec::Pyin {
                    sr,
                    pyin: PyinConfig {
                        fmin: p.fmin.unwrap_or(lib.fmin),
                        fmax: p.fmax.unwrap_or(lib.fmax),
                        // pYIN's frames are the STFT's: 2048 samples, hop 512, centred
                        frame_length: self.stft.n_fft,
                        hop_length: self.stft.hop_length,
                        resolution: p.resolution,
                        max_transition_rate: p.max_transition_rate,
                        switch_prob: p.switch_prob,
                        center: self.stft.center,
                        pad_mode: self.stft.pad_mode,
                        ..lib
                    },
                }
            }
        })
    }
}

impl FeatureSpec {
    /// The kind.
    pub fn kind(&self) -> FeatureKind {
        use FeatureKind as K;
        match self {
            FeatureSpec::Stft { .. } => K::Stft,
            FeatureSpec::Mel { .. } => K::Mel,
            FeatureSpec::Mfcc { .. } => K::Mfcc,
            FeatureSpec::ChromaStft { .. } => K::ChromaStft,
            FeatureSpec::Centroid(_) => K::Centroid,
            FeatureSpec::Bandwidth(_) => K::Bandwidth,
            FeatureSpec::Rolloff(_) => K::Rolloff,
            FeatureSpec::Flatness(_) => K::Flatness,
            FeatureSpec::Zcr(_) => K::Zcr,
            FeatureSpec::Rms { .. } => K::Rms,
            FeatureSpec::Cqt(_) => K::Cqt,
            FeatureSpec::Vqt(_) => K::Vqt,
            FeatureSpec::HybridCqt(_) => K::HybridCqt,
            FeatureSpec::PseudoCqt(_) => K::PseudoCqt,
            FeatureSpec::ChromaCqt { .. } => K::ChromaCqt,
            FeatureSpec::ChromaCens { .. } => K::ChromaCens,
            FeatureSpec::Scalogram(_) => K::Scalogram,
            FeatureSpec::Scattering(_) => K::Scattering,
            FeatureSpec::Jtfs(_) => K::Jtfs,
            FeatureSpec::Spiral(_) => K::Spiral,
            FeatureSpec::Cae(_) => K::Cae,
            FeatureSpec::Pyin { .. } => K::Pyin,
        }
    }

    /// The sample rate the specification is bound to.
    pub fn sr(&self) -> u32 {
        match self {
            FeatureSpec::Stft { sr, .. } => *sr,
            FeatureSpec::Mel { mel, .. } => mel.sr,
            FeatureSpec::Mfcc { mfcc } => mfcc.mel.sr,
            FeatureSpec::ChromaStft { chroma } => chroma.sr,
            FeatureSpec::Centroid(s) | FeatureSpec::Bandwidth(s) | FeatureSpec::Rolloff(s) | FeatureSpec::Flatness(s) => s.sr,
            FeatureSpec::Zcr(f) | FeatureSpec::Rms { frames: f, .. } => f.sr,
            FeatureSpec::Cqt(q) | FeatureSpec::Vqt(q) | FeatureSpec::HybridCqt(q) | FeatureSpec::PseudoCqt(q) => q.cqt.sr,
            FeatureSpec::ChromaCqt { chroma } | FeatureSpec::ChromaCens { chroma, .. } => chroma.cqt.sr,
            FeatureSpec::Scalogram(s) => s.sr,
            FeatureSpec::Scattering(s) => s.sr,
            FeatureSpec::Jtfs(s) | FeatureSpec::Spiral(s) => s.sr,
            FeatureSpec::Cae(c) => c.cqt.sr,
            FeatureSpec::Pyin { sr, .. } => *sr,
        }
    }

    /// Samples between frames.
    pub fn hop_length(&self) -> usize {
        match self {
            FeatureSpec::Stft { stft, .. } => stft.hop_length(),
            FeatureSpec::Mel { mel, .. } => mel.stft.hop_length(),
            FeatureSpec::Mfcc { mfcc } => mfcc.mel.stft.hop_length(),
            FeatureSpec::ChromaStft { chroma } => chroma.stft.hop_length(),
            FeatureSpec::Centroid(s) | FeatureSpec::Bandwidth(s) | FeatureSpec::Rolloff(s) | FeatureSpec::Flatness(s) => s.stft.hop_length(),
            FeatureSpec::Zcr(f) | FeatureSpec::Rms { frames: f, .. } => f.hop_length,
            FeatureSpec::Cqt(q) | FeatureSpec::Vqt(q) | FeatureSpec::HybridCqt(q) | FeatureSpec::PseudoCqt(q) => q.cqt.hop_length,
            FeatureSpec::ChromaCqt { chroma } | FeatureSpec::ChromaCens { chroma, .. } => chroma.cqt.hop_length,
            FeatureSpec::Cae(c) => c.cqt.hop_length,
            FeatureSpec::Pyin { pyin, .. } => pyin.hop_length(),
            _ => self.whole_signal().expect("the remaining kinds are whole-signal").hop_length(),
        }
    }

    /// The whole-signal configuration of a scattering kind.
    pub fn whole_signal(&self) -> Option<WholeConfig> {
        match self {
            FeatureSpec::Scalogram(s) => Some(WholeConfig::Scalogram(s.config)),
            FeatureSpec::Scattering(s) => Some(WholeConfig::Scattering(s.config)),
            FeatureSpec::Jtfs(s) | FeatureSpec::Spiral(s) => Some(WholeConfig::Jtfs(s.config)),
            _ => None,
        }
    }

    /// The tuning to use or estimate (pitched kinds).
    pub fn tuning(&self) -> Option<Tuning> {
        match self {
            FeatureSpec::ChromaStft { chroma } => Some(chroma.tuning),
            FeatureSpec::Cqt(q) | FeatureSpec::Vqt(q) | FeatureSpec::HybridCqt(q) | FeatureSpec::PseudoCqt(q) => Some(q.cqt.tuning),
            FeatureSpec::ChromaCqt { chroma } | FeatureSpec::ChromaCens { chroma, .. } => Some(chroma.cqt.tuning),
            _ => None,
        }
    }

    /// The same specification at a known tuning (pitched kinds; others unchanged).
    pub fn with_tuning(mut self, bins: f64) -> Self {
        match &mut self {
            FeatureSpec::ChromaStft { chroma } => chroma.tuning = Tuning::Bins(bins),
            FeatureSpec::Cqt(q) | FeatureSpec::Vqt(q) | FeatureSpec::HybridCqt(q) | FeatureSpec::PseudoCqt(q) => q.cqt.tuning = Tuning::Bins(bins),
            FeatureSpec::ChromaCqt { chroma } | FeatureSpec::ChromaCens { chroma, .. } => chroma.cqt.tuning = Tuning::Bins(bins),
            _ => {}
        }
        self
    }

    /// The exponent of the values before any dB scaling (`|X|^power`; 1 for magnitudes).
    pub fn stored_power(&self) -> f32 {
        match self {
            FeatureSpec::Mel { mel, .. } => mel.power,
            FeatureSpec::Stft { power, .. } => power.unwrap_or(1.0),
            FeatureSpec::Cqt(q) | FeatureSpec::Vqt(q) | FeatureSpec::HybridCqt(q) | FeatureSpec::PseudoCqt(q) => q.power.unwrap_or(1.0),
            _ => 1.0,
        }
    }

    /// Frame length the input should reach, for the "mostly padding" warning: the STFT's
    /// (also the tuning estimate's, for the constant-Q kinds); none for scattering.
    pub fn frame_length(&self) -> Option<usize> {
        match self {
            FeatureSpec::Stft { stft, .. } => Some(stft.n_fft),
            FeatureSpec::Mel { mel, .. } => Some(mel.stft.n_fft),
            FeatureSpec::Mfcc { mfcc } => Some(mfcc.mel.stft.n_fft),
            FeatureSpec::ChromaStft { chroma } => Some(chroma.stft.n_fft),
            FeatureSpec::Centroid(s) | FeatureSpec::Bandwidth(s) | FeatureSpec::Rolloff(s) | FeatureSpec::Flatness(s) => Some(s.stft.n_fft),
            FeatureSpec::Zcr(f) | FeatureSpec::Rms { frames: f, .. } => Some(f.frame_length),
            FeatureSpec::Cqt(_) | FeatureSpec::Vqt(_) | FeatureSpec::HybridCqt(_) | FeatureSpec::PseudoCqt(_) => Some(StftConfig::default().n_fft),
            FeatureSpec::ChromaCqt { .. } | FeatureSpec::ChromaCens { .. } | FeatureSpec::Cae(_) => Some(StftConfig::default().n_fft),
            FeatureSpec::Pyin { pyin, .. } => Some(pyin.frame_length),
            _ => None,
        }
    }

    /// Checks the specification with the libraries' own `validate()`. With `plan`, the
    /// rate-dependent designs are made too (cheap; they catch `fmax` above Nyquist, empty
    /// bands, constant-Q filters above Nyquist).
    pub fn validate(&self, plan: bool) -> Result<()> {
        match self {
            FeatureSpec::Stft { stft, power, .. } => {
                stft.validate()?;
                check_power(*power)?;
            }
            FeatureSpec::Mel { mel, .. } if plan => drop(MelSpectrogram::new(mel)?),
            FeatureSpec::Mel { mel, .. } => mel.validate()?,
            FeatureSpec::Mfcc { mfcc } if plan => drop(Mfcc::new(mfcc)?),
            FeatureSpec::Mfcc { mfcc } => mfcc.validate()?,
            FeatureSpec::ChromaStft { chroma } => chroma.validate()?,
            FeatureSpec::Centroid(s) | FeatureSpec::Bandwidth(s) | FeatureSpec::Rolloff(s) | FeatureSpec::Flatness(s) => {
                s.stft.validate()?;
                s.descriptor.validate()?;
            }
            FeatureSpec::Zcr(f) | FeatureSpec::Rms { frames: f, .. } => {
                FrameDescriptor::Rms.framing(f.frame_length, f.hop_length, f.center).validate()?
            }
            FeatureSpec::Cqt(q) | FeatureSpec::Vqt(q) | FeatureSpec::HybridCqt(q) | FeatureSpec::PseudoCqt(q) => {
                check_power(q.power)?;
                q.cqt.validate()?;
                if plan {
                    // the whole design, including the Nyquist check, depends only on sr
                    VqtFilters::design(&q.cqt.with_tuning(q.cqt.tuning.known().unwrap_or(0.0)))?;
                }
            }
            FeatureSpec::ChromaCqt { chroma } | FeatureSpec::ChromaCens { chroma, .. } => {
                chroma.cqt.validate()?;
                if plan {
                    VqtFilters::design(&chroma.cqt.with_tuning(chroma.cqt.tuning.known().unwrap_or(0.0)))?;
                }
                if chroma.n_chroma == 0 || !chroma.cqt.bins_per_octave.is_multiple_of(chroma.n_chroma) {
                    return Err(invalid(
                        "bins_per_octave",
                        format!("{} must be a multiple of n_chroma = {}", chroma.cqt.bins_per_octave, chroma.n_chroma),
                    )
                    .into());
                }
            }
            FeatureSpec::Scalogram(s) => {
                let (hop, j) = (s.config.hop_length, s.config.j.min(30));
                if !hop.is_power_of_two() || hop > 1 << j {
                    return Err(
                        invalid("hop_length", format!("the scalogram needs a power of two no larger than 2^J = {}, got {hop}", 1u64 << j)).into()
                    );
                }
            }
            FeatureSpec::Scattering(s) => {
                refuse_no_averaging(s.config.t)?;
                // checked against an unbounded length (the signal's is checked later)
                s.config.validate(usize::MAX / 4)?;
            }
            FeatureSpec::Jtfs(s) | FeatureSpec::Spiral(s) => {
                refuse_no_averaging(s.config.t)?;
                JtfsConfig { spiral: None, ..s.config }.validate(usize::MAX / 4)?;
            }
            FeatureSpec::Pyin { sr, pyin } => pyin.validate(*sr)?,
            FeatureSpec::Cae(c) => {
                c.cqt.validate()?;
                if plan {
                    VqtFilters::design(&c.cqt.with_tuning(c.cqt.tuning.known().unwrap_or(0.0)))?;
                }
            }
        }
        Ok(())
    }

    /// The decibel scaling, for the kinds that have one.
    pub fn db(&self) -> Option<Db> {
        match self {
            FeatureSpec::Stft { db, .. } | FeatureSpec::Mel { db, .. } | FeatureSpec::Rms { db, .. } => *db,
            FeatureSpec::Cqt(q) | FeatureSpec::Vqt(q) | FeatureSpec::HybridCqt(q) | FeatureSpec::PseudoCqt(q) => q.db,
            _ => None,
        }
    }

    /// The specification a sidecar recorded (`"spec"`), or, for sidecars written before
    /// it was recorded, the one its `"params"` and `"sr"` give.
    pub fn from_sidecar(sidecar: &Value) -> Result<FeatureSpec> {
        if let Some(spec) = sidecar.get("spec").filter(|s| !s.is_null()) {
            return serde_json::from_value(spec.clone()).map_err(|e| invalid("spec", format!("the sidecar's spec is unreadable: {e}")).into());
        }
        let params = FeatureParams::with_recorded_tuning(
            serde_json::from_value(sidecar.get("params").cloned().unwrap_or(Value::Null))
                .map_err(|e| invalid("params", format!("the sidecar's parameters are unreadable: {e}")))?,
        );
        let sr = sidecar.get("sr").and_then(Value::as_u64).and_then(|s| u32::try_from(s).ok()).or(params.sr).unwrap_or(22050);
        params.spec(sr)
    }
}

/// `T = 0` leaves paths of different lengths, which one `.npy` cannot hold.
fn refuse_no_averaging(t: Option<usize>) -> Result<()> {
    if t == Some(0) {
        return Err(invalid(
            "T",
            "0 (no averaging) gives paths of different lengths, which one .npy cannot hold; give T ≥ 1 samples, or leave it at 2^J",
        )
        .into());
    }
    Ok(())
}
