//! A trained Complex Autoencoder as a representation: the invariant magnitudes (and, on
//! request, the phases) of its complex bases, one column per CQT frame — what
//! `reprise features cae` writes and what `reprise structure --features cae` compares.
//!
//! A model is a folder with `model.json` (the run description of `reprise train --model
//! cae`) and its weights: a run folder's `weights.bpk`, or an exported
//! `weights.safetensors` (float16 or float32, [`export`]). Without a folder, the piano
//! model that ships inside Reprise is used ([`CaeModel::builtin`]): trained by
//! `scripts/train_cae.sh` on three hours of Bach chorales rendered through the FluidR3
//! SoundFont (MIT) only.
//!
//! **Frames.** The input is the CAE's CQT (as its `model.json` records it; the reference's is
//! 120 bins at 24 per octave from 65.4 Hz, hop 1984 at 22050 Hz), each frame standardised over
//! its bins ([`standardize_frames`]). Column
//! `t` of the output encodes the window of `length` frames (32) centred on frame `t` —
//! frames `t − length/2 … t + length/2 − 1`, zeros (a frame's mean) past either end — so the
//! output has the CQT's frames and its time axis (the reference slides its windows from the
//! first frame instead, which shifts its frames by half a window).
//!
//! This module holds the model alone; the CQT is computed by the feature pipeline
//! ([`crate::features`], kind `cae`), which calls [`CaeModel::encode`].

use std::path::{Path, PathBuf};

use ndarray::Array2;
use reprise_dsp::cqt::CqtConfig;
use reprise_nn::burn::module::Module;
use reprise_nn::burn::prelude::*;
use reprise_nn::checkpoint::{load_weights, FORMAT, VERSION};
use reprise_nn::models::{Cae, CaeConfig, ModelConfig, ModelName, Net};
use serde::Deserialize;

use crate::{Error, Result};

/// The name the shipped model goes by in sidecars and reports.
pub const BUILTIN_NAME: &str = "builtin:cae-piano";
const BUILTIN_MODEL: &str = include_str!("../models/cae-piano/model.json");
const BUILTIN_WEIGHTS: &[u8] = include_bytes!("../models/cae-piano/weights.safetensors");

/// Windows encoded at once (a block of `512 × 3840` inputs, 7.5 MiB).
const BLOCK: usize = 512;

/// What a CAE's `model.json` must hold (the run description of `reprise train`; the
/// classifiers' fields are not read).
#[derive(Debug, Clone, Deserialize)]
pub struct CaeDescription {
    /// `reprise-nn`.
    pub format: String,
    /// Layout version.
    pub version: u32,
    /// `cae`.
    pub name: ModelName,
    /// The network.
    pub model: ModelConfig,
    /// The input: `{"kind": "cae-cqt", "spec": {"kind": "cqt", "cqt": {…}}, "window": 32}`.
    pub input: InputDescription,
    /// The training manifest, as recorded.
    #[serde(default)]
    pub trained_on: String,
}

/// The input part of a CAE's `model.json`.
#[derive(Debug, Clone, Deserialize)]
pub struct InputDescription {
    /// `cae-cqt`.
    pub kind: String,
    /// The CQT's specification.
    pub spec: CqtSpecDescription,
    /// Frames per window.
    pub window: usize,
}

/// The CQT specification inside [`InputDescription`].
#[derive(Debug, Clone, Deserialize)]
pub struct CqtSpecDescription {
    /// `cqt`.
    pub kind: String,
    /// The transform.
    pub cqt: CqtConfig,
}

/// A trained CAE, loaded on the CPU.
pub struct CaeModel {
    /// Where it came from: its folder, or [`BUILTIN_NAME`].
    pub source: String,
    /// Its description.
    pub description: CaeDescription,
    config: CaeConfig,
    cae: Cae,
    device: Device,
}

/// The invariant magnitudes and, on request, the phases of a signal, `bases × frames`.
#[derive(Debug, Clone)]
pub struct Encoded {
    /// Amplitudes of the complex bases.
    pub magnitudes: Array2<f32>,
    /// Phases (radians, `atan2(re, im)` as the reference), when asked for.
    pub phases: Option<Array2<f32>>,
}

/// Parses and checks a CAE's `model.json` (`path` names it in errors).
pub fn describe(text: &str, path: &Path) -> Result<(CaeDescription, CaeConfig)> {
    let bad = |reason: String| Error::Clip { path: path.to_owned(), reason };
    let value: serde_json::Value = serde_json::from_str(text).map_err(|e| bad(format!("damaged model description: {e}")))?;
    // a classifier's description reads as such, whatever else differs
    if let Some(name) = value.get("name").and_then(|n| n.as_str()).filter(|n| *n != "cae") {
        return Err(bad(format!("a {name} model, not a Complex Autoencoder: give a run of `reprise train --model cae`")));
    }
    let d: CaeDescription = serde_json::from_value(value).map_err(|e| bad(format!("damaged model description: {e}")))?;
    if d.format != FORMAT || d.version != VERSION {
        return Err(bad(format!("not a {FORMAT} v{VERSION} model (format {} v{})", d.format, d.version)));
    }
    let ModelConfig::Cae(config) = d.model.clone() else {
        return Err(bad(format!("a {} model, not a Complex Autoencoder: give a run of `reprise train --model cae`", d.name)));
    };
    config.validate().map_err(|e| bad(e.to_string()))?;
    if d.input.kind != "cae-cqt" || d.input.spec.kind != "cqt" {
        return Err(bad(format!("a CAE on {} input; this build reads cae-cqt", d.input.kind)));
    }
    let q = &d.input.spec.cqt;
    if q.n_bins != config.n_bins || d.input.window != config.length {
        return Err(bad(format!(
            "inconsistent: a {}-bin, {}-frame input for a model of {} bins and {} frames",
            q.n_bins, d.input.window, config.n_bins, config.length
        )));
    }
    q.validate().map_err(|e| bad(e.to_string()))?;
    Ok((d, config))
}

/// Reads a model folder's `model.json`.
fn read_description(dir: &Path) -> Result<(CaeDescription, CaeConfig)> {
    let path = dir.join("model.json");
    let text = std::fs::read_to_string(&path).map_err(|e| Error::Clip {
        path: path.clone(),
        reason: format!("cannot read the model description ({e}); is {} a CAE run folder?", dir.display()),
    })?;
    describe(&text, &path)
}

/// Standardises each frame (column) of a `rows × frames` row-major matrix over its rows:
/// zero mean, unit variance; a constant frame (silence) becomes zeros.
pub fn standardize_frames(data: &mut [f32], rows: usize, frames: usize) {
    for t in 0..frames {
        let (mut sum, mut sq) = (0f64, 0f64);
        for r in 0..rows {
            let v = data[r * frames + t] as f64;
            sum += v;
            sq += v * v;
        }
        let mean = sum / rows.max(1) as f64;
        let sd = (sq / rows.max(1) as f64 - mean * mean).max(0.0).sqrt();
        let constant = !(sd > 1e-7 * mean.abs()) || sd == 0.0;
        for r in 0..rows {
            let v = &mut data[r * frames + t];
            *v = if constant { 0.0 } else { ((*v as f64 - mean) / sd) as f32 };
        }
    }
}

impl CaeModel {
    /// The model of a folder (a run of `reprise train --model cae`, or an [`export`]), or
    /// the shipped one without a folder.
    pub fn open(dir: Option<&Path>) -> Result<Self> {
        match dir {
            Some(d) => CaeModel::load(d),
            None => CaeModel::builtin(),
        }
    }

    /// The model in `dir`: `model.json` with `weights.safetensors` when there is one, else
    /// `weights.bpk`. A model of another kind, or missing or damaged weights, is an error
    /// that names the file.
    pub fn load(dir: &Path) -> Result<Self> {
        let (description, config) = read_description(dir)?;
        let device = Device::flex();
        let exported = dir.join("weights.safetensors");
        let cae = if exported.is_file() {
            let bytes = std::fs::read(&exported).map_err(|e| Error::Clip { path: exported.clone(), reason: format!("cannot read: {e}") })?;
            config.from_safetensors(&bytes, &exported, &device)?
        } else {
            match load_weights(&description.model, &dir.join("weights.bpk"), &device)? {
                Net::Cae(c) => c,
                _ => unreachable!("a CAE configuration builds a CAE"),
            }
        };
        Ok(CaeModel { source: dir.display().to_string(), description, config, cae: cae.valid(), device })
    }

    /// The piano model that ships with Reprise (see the module documentation).
    pub fn builtin() -> Result<Self> {
        let path = PathBuf::from(BUILTIN_NAME);
        let (description, config) = describe(BUILTIN_MODEL, &path)?;
        let device = Device::flex();
        let cae = config.from_safetensors(BUILTIN_WEIGHTS, &path, &device)?;
        Ok(CaeModel { source: BUILTIN_NAME.into(), description, config, cae: cae.valid(), device })
    }

    /// Its configuration.
    pub fn config(&self) -> &CaeConfig {
        &self.config
    }

    /// The CQT it reads (before the per-frame standardisation).
    pub fn cqt(&self) -> &CqtConfig {
        &self.description.input.spec.cqt
    }

    /// Seconds between frames.
    pub fn frame_s(&self) -> f64 {
        self.cqt().hop_length as f64 / self.cqt().sr as f64
    }

    /// Encodes a standardised CQT (`n_bins × frames`, row-major): one column per frame (see
    /// the module documentation for the windows).
    pub fn encode(&self, x: &[f32], rows: usize, frames: usize, phases: bool) -> Result<Encoded> {
        let (bins, length, k) = (self.config.n_bins, self.config.length, self.config.n_bases);
        if rows != bins || x.len() != rows * frames {
            return Err(Error::Clip {
                path: PathBuf::from(&self.source),
                reason: format!("the model reads {bins} CQT bins; the input has {rows} rows of {frames} frames ({} values)", x.len()),
            });
        }
        let mut magnitudes = Array2::<f32>::zeros((k, frames));
        let mut phase = phases.then(|| Array2::<f32>::zeros((k, frames)));
        let half = length / 2;
        let mut window = vec![0f32; BLOCK.min(frames.max(1)) * bins * length];
        for first in (0..frames).step_by(BLOCK) {
            let n = BLOCK.min(frames - first);
            window[..n * bins * length].fill(0.0);
            for b in 0..n {
                let start = (first + b) as i64 - half as i64;
                for r in 0..bins {
                    let row = &x[r * frames..(r + 1) * frames];
                    let dst = &mut window[(b * bins + r) * length..(b * bins + r + 1) * length];
                    for (j, d) in dst.iter_mut().enumerate() {
                        let t = start + j as i64;
                        if t >= 0 && (t as usize) < frames {
                            *d = row[t as usize];
                        }
                    }
                }
            }
            // a window of silence (every value 0) has no bases: its magnitudes are 0, not the
            // floor that keeps training's gradients finite (which would make all silent
            // windows identical, and most alike in a self-similarity matrix)
            let silent: Vec<bool> = window[..n * bins * length].chunks(bins * length).map(|w| w.iter().all(|v| *v == 0.0)).collect();
            let input = Tensor::<2>::from_data(TensorData::new(window[..n * bins * length].to_vec(), [n, bins * length]), &self.device);
            let (a, p) = self.cae.encode(input);
            let values = |t: Tensor<2>| -> Vec<f32> { t.into_data().convert::<f32>().try_into_vec::<f32>().expect("float32 outputs") };
            let a = values(a);
            if a.iter().any(|v| !v.is_finite()) {
                return Err(Error::Clip { path: PathBuf::from(&self.source), reason: Error::NonFiniteOutput.to_string() });
            }
            for b in (0..n).filter(|b| !silent[*b]) {
                for (i, v) in a[b * k..(b + 1) * k].iter().enumerate() {
                    magnitudes[[i, first + b]] = *v;
                }
            }
            if let Some(ph) = phase.as_mut() {
                let p = values(p);
                for b in (0..n).filter(|b| !silent[*b]) {
                    for (i, v) in p[b * k..(b + 1) * k].iter().enumerate() {
                        ph[[i, first + b]] = *v;
                    }
                }
            }
        }
        Ok(Encoded { magnitudes, phases: phase })
    }
}

/// Writes a run's best weights as a shippable model folder `out`: `model.json` (the run's)
/// and `weights.safetensors` (float16), each atomically. Returns the largest difference
/// between the float32 weights and their float16 copy.
pub fn export(run: &Path, out: &Path) -> Result<f32> {
    let model = CaeModel::load(run)?;
    std::fs::create_dir_all(out).map_err(|e| Error::Clip { path: out.to_owned(), reason: format!("cannot create: {e}") })?;
    let bytes = model.cae.to_safetensors_f16()?;
    let path = out.join("weights.safetensors");
    reprise_io::write_atomic(&path, |w| w.write_all(&bytes))?;
    let description =
        std::fs::read(run.join("model.json")).map_err(|e| Error::Clip { path: run.join("model.json"), reason: format!("cannot read: {e}") })?;
    reprise_io::write_atomic(&out.join("model.json"), |w| w.write_all(&description))?;
    let back = model.config.from_safetensors(&bytes, &path, &model.device)?;
    Ok(model.cae.weights().iter().zip(back.weights()).map(|(a, b)| (a - b).abs()).fold(0.0, f32::max))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_builtin_model_loads_and_encodes_centred_windows() {
        let m = CaeModel::builtin().unwrap();
        let c = m.config().clone();
        assert_eq!((c.n_bins, c.length, c.n_bases), (120, 32, 256));
        assert!((m.frame_s() - 1984.0 / 22050.0).abs() < 1e-12);
        // a window is encoded from the frames around it: a frame far away changes nothing
        let frames = 100;
        let mut x: Vec<f32> = (0..120 * frames).map(|i| ((i * 37 % 101) as f32 / 50.0) - 1.0).collect();
        let a = m.encode(&x, 120, frames, true).unwrap();
        assert_eq!(a.magnitudes.dim(), (256, frames));
        assert_eq!(a.phases.as_ref().unwrap().dim(), (256, frames));
        for r in 0..120 {
            x[r * frames + 99] += 1.0;
        }
        let b = m.encode(&x, 120, frames, false).unwrap();
        assert_eq!(a.magnitudes.column(40), b.magnitudes.column(40), "frame 99 is outside the window of frame 40");
        assert_ne!(a.magnitudes.column(90), b.magnitudes.column(90), "frame 99 is inside the window of frame 90");
        // a silent window has no bases at all
        let quiet = m.encode(&vec![0.0; 120 * 40], 120, 40, true).unwrap();
        assert!(quiet.magnitudes.iter().all(|v| *v == 0.0) && quiet.phases.unwrap().iter().all(|v| *v == 0.0));
        // the wrong number of bins is an error naming the model
        let e = m.encode(&x[..60 * frames], 60, frames, false).err().unwrap().to_string();
        assert!(e.starts_with(BUILTIN_NAME) && e.contains("120 CQT bins"), "{e}");
    }

    #[test]
    fn a_folder_of_another_model_or_damaged_weights_is_named() {
        let dir = tempfile::tempdir().unwrap();
        let e = CaeModel::load(dir.path()).err().unwrap().to_string();
        assert!(e.contains("model.json"), "{e}");
        // the shipped model exported to a folder, then damaged
        std::fs::write(dir.path().join("model.json"), BUILTIN_MODEL).unwrap();
        std::fs::write(dir.path().join("weights.safetensors"), &BUILTIN_WEIGHTS[..BUILTIN_WEIGHTS.len() / 2]).unwrap();
        let e = CaeModel::load(dir.path()).err().unwrap().to_string();
        assert!(e.contains("weights.safetensors") && e.contains("damaged"), "{e}");
        std::fs::write(dir.path().join("weights.safetensors"), BUILTIN_WEIGHTS).unwrap();
        CaeModel::load(dir.path()).unwrap();
        // a classifier's model.json
        let mut v: serde_json::Value = serde_json::from_str(BUILTIN_MODEL).unwrap();
        v["name"] = serde_json::json!("mlp");
        std::fs::write(dir.path().join("model.json"), v.to_string()).unwrap();
        let e = CaeModel::load(dir.path()).err().unwrap().to_string();
        assert!(e.contains("model.json") && e.contains("mlp model, not a Complex Autoencoder"), "{e}");
        // sizes that do not agree
        let mut v: serde_json::Value = serde_json::from_str(BUILTIN_MODEL).unwrap();
        v["input"]["window"] = serde_json::json!(16);
        std::fs::write(dir.path().join("model.json"), v.to_string()).unwrap();
        let e = CaeModel::load(dir.path()).err().unwrap().to_string();
        assert!(e.contains("inconsistent"), "{e}");
    }
}
