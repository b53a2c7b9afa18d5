//! The scattering transforms as a [`FrameTransform`]: their padding depends on the
//! signal's length, so samples are gathered, the transform is planned for that length
//! when the signal ends, and all frames are emitted at once.

use crate::{Jtfs, JtfsConfig, Scalogram, ScalogramConfig, Scattering1D, ScatteringConfig};
use reprise_core::stream::{Axis, FrameTransform, Frames};
use reprise_core::{check_finite, Error, Result};

/// Which whole-signal transform, with its configuration.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum WholeConfig {
    /// The Morlet scalogram.
    Scalogram(ScalogramConfig),
    /// Scattering 1-D.
    Scattering(ScatteringConfig),
    /// Joint time–frequency scattering (spiral when `spiral` is set).
    Jtfs(JtfsConfig),
}

impl WholeConfig {
    /// The command-line name of the transform.
    pub fn name(&self) -> &'static str {
        match self {
            WholeConfig::Scalogram(_) => "scalogram",
            WholeConfig::Scattering(_) => "scattering",
            WholeConfig::Jtfs(c) if c.spiral.is_some() => "spiral",
            WholeConfig::Jtfs(_) => "jtfs",
        }
    }

    /// Samples between output frames.
    pub fn hop_length(&self) -> usize {
        match self {
            WholeConfig::Scalogram(c) => c.hop_length,
            WholeConfig::Scattering(c) => c.t_samples(),
            WholeConfig::Jtfs(c) => c.t.unwrap_or(1 << c.j),
        }
    }
}

/// A transform planned for the signal it was given (see [`WholeSignal::plan`]).
pub enum Planned {
    /// The Morlet scalogram.
    Scalogram(Scalogram),
    /// Scattering 1-D.
    Scattering(Scattering1D),
    /// Joint time–frequency or spiral scattering.
    Jtfs(Jtfs),
}

impl Planned {
    /// The transform of `config` planned for signals of `len` samples (filters designed,
    /// nothing computed): what the signal's end plans, and what checks the parameters that
    /// depend on the length (`J`, `T` against the signal) before any signal is given.
    pub fn new(config: WholeConfig, len: usize) -> Result<Planned> {
        if len < 2 {
            return Err(Error::TooShort { len, need: 2, why: format!("{} needs at least two samples", config.name()) });
        }
        Ok(match config {
            WholeConfig::Scalogram(c) => Planned::Scalogram(Scalogram::new(c, len)?),
            WholeConfig::Scattering(c) => Planned::Scattering(Scattering1D::new(c, len)?),
            WholeConfig::Jtfs(c) => Planned::Jtfs(Jtfs::new(c, len)?),
        })
    }
}

/// A whole-signal transform behind the frame interface.
pub struct WholeSignal {
    config: WholeConfig,
    sr: u32,
    y: Vec<f32>,
    plan: Option<Planned>,
}

impl WholeSignal {
    /// The transform of `config` for a signal at `sr` Hz (the axis's frequencies).
    pub fn new(config: WholeConfig, sr: u32) -> Self {
        WholeSignal { config, sr, y: Vec::new(), plan: None }
    }

    /// The plan, once the signal has ended: its `meta()` describes the output's rows.
    pub fn plan(&self) -> Option<&Planned> {
        self.plan.as_ref()
    }
}

impl FrameTransform for WholeSignal {
    fn hop_length(&self) -> usize {
        self.config.hop_length()
    }

    fn push(&mut self, samples: &[f32], _emit: &mut dyn FnMut(Frames<'_>)) -> Result<()> {
        if let Err(Error::NonFinite { what, index, value }) = check_finite(samples, "sample") {
            return Err(Error::NonFinite { what, index: index + self.y.len(), value });
        }
        self.y.extend_from_slice(samples);
        Ok(())
    }

    fn finish(&mut self, emit: &mut dyn FnMut(Frames<'_>)) -> Result<()> {
        let y = std::mem::take(&mut self.y);
        let plan = Planned::new(self.config, y.len())?;
        let out = match &plan {
            Planned::Scalogram(s) => s.process(&y)?.into_dyn(),
            Planned::Scattering(s) => s.process(&y)?.into_dyn(),
            Planned::Jtfs(s) => s.process(&y)?,
        };
        drop(y);
        self.plan = Some(plan);
        emit(Frames::Block(out));
        Ok(())
    }

    fn axis(&self) -> Axis {
        match &self.plan {
            Some(Planned::Scalogram(s)) => Axis::numbers("frequency_hz", s.params().iter().map(|p| p.xi * self.sr as f64).collect()),
            Some(Planned::Scattering(s)) => Axis::indices("channel (see meta)", s.meta().len()),
            Some(Planned::Jtfs(s)) => Axis::indices("channel (see meta)", s.meta().len()),
            None => Axis::indices("channel (see meta)", 0),
        }
    }
}
