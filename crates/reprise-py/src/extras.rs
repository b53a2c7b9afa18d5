//! The rest of Reprise where a Python user calls it: manifests and splits, the notes kit,
//! trained models with `predict`, and MIDI piano rolls. Types are converted here; the
//! work is the facade's and the libraries'.

use numpy::{IntoPyArray, PyArray2, PyReadonlyArray2};
use pyo3::exceptions::{PyOSError, PyValueError};
use pyo3::prelude::*;
use reprise::data::manifest::{Manifest, ManifestRow};
use reprise::data::split::{split, SplitPlan};
use std::path::{Path, PathBuf};

use crate::to_py;

/// How a per-file outcome reaches Python: `("ok", json)`, or the exception the error maps
/// to (`"os"` for files, `"value"` otherwise) and its one-line message.
fn outcome(r: reprise::Result<String>) -> (&'static str, String) {
    match r {
        Ok(text) => ("ok", text),
        Err(e @ (reprise::Error::Io(_) | reprise::Error::Input { .. })) => ("os", e.to_string()),
        Err(e) => ("value", e.to_string()),
    }
}

fn data_to_py(e: reprise::data::DataError) -> PyErr {
    to_py(e.into())
}

fn rows_json(m: &Manifest) -> String {
    serde_json::to_string(&m.rows).expect("plain data")
}

fn manifest_of(root: PathBuf, rows: &str) -> PyResult<Manifest> {
    let rows: Vec<ManifestRow> = serde_json::from_str(rows).map_err(|e| PyValueError::new_err(format!("manifest rows: {e}")))?;
    Ok(Manifest { rows, root })
}

/// `(root, rows)` of a manifest CSV, or of a folder of `LABEL/` subfolders; rows as JSON.
#[pyfunction]
pub fn read_manifest(path: PathBuf) -> PyResult<(String, String)> {
    let m = Manifest::read(&path).map_err(data_to_py)?;
    Ok((m.root.to_string_lossy().into_owned(), rows_json(&m)))
}

/// Writes rows (JSON) as a manifest CSV at `path`, atomically.
#[pyfunction]
pub fn write_manifest(root: PathBuf, rows: &str, path: PathBuf) -> PyResult<()> {
    manifest_of(root, rows)?.write(&path).map_err(data_to_py)
}

/// The file of each row: its path, resolved against the manifest's folder.
#[pyfunction]
pub fn resolve_rows(root: PathBuf, rows: &str) -> PyResult<Vec<String>> {
    let m = manifest_of(root, rows)?;
    Ok(m.rows.iter().map(|r| m.resolve(r).to_string_lossy().into_owned()).collect())
}

/// Fills the `split` column (JSON rows in, JSON rows out), as `reprise data split`:
/// `by` = `family` (train on `train`, test on `test` or all other families, hold out
/// `val`), `random` (`val` and `test_fraction` of each label's groups) or `folds`.
#[pyfunction]
#[pyo3(signature = (root, rows, by, train, test, val, test_fraction, folds, seed))]
#[allow(clippy::too_many_arguments)]
pub fn split_rows(
    root: PathBuf,
    rows: &str,
    by: &str,
    train: Vec<String>,
    test: Vec<String>,
    val: f64,
    test_fraction: f64,
    folds: usize,
    seed: u64,
) -> PyResult<String> {
    let mut m = manifest_of(root, rows)?;
    let plan = match by {
        "family" => SplitPlan::ByFamily { train, test, val_fraction: val },
        "random" => SplitPlan::Random { val_fraction: val, test_fraction },
        "folds" => SplitPlan::Folds(folds),
        other => return Err(PyValueError::new_err(format!("by={other:?}: use 'family', 'random' or 'folds'"))),
    };
    split(&mut m, &plan, seed).map_err(data_to_py)?;
    Ok(rows_json(&m))
}

/// Renders the isolated-notes kit (`reprise data notes`) into `out`: returns the
/// manifest's rows (JSON) and what was skipped. `soundfonts` empty: the installed ones.
#[pyfunction]
#[pyo3(signature = (out, soundfonts, classes, pitches, sr, duration_s, seed, step, velocities, hold_s))]
#[allow(clippy::too_many_arguments)]
pub fn build_notes(
    py: Python<'_>,
    out: PathBuf,
    soundfonts: Vec<String>,
    classes: &str,
    pitches: Option<String>,
    sr: u32,
    duration_s: f64,
    seed: u64,
    step: u8,
    velocities: Vec<u8>,
    hold_s: f64,
) -> PyResult<(String, Vec<String>)> {
    use reprise::data::kit::{build_notes, KitConfig, NotesConfig};
    let classes = reprise::data::classes::parse_classes(classes).map_err(data_to_py)?;
    let pitches = pitches.as_deref().map(reprise::data::classes::parse_pitch_range).transpose().map_err(data_to_py)?;
    let (fonts, _) = reprise::data::soundfont::open_soundfonts(&soundfonts).map_err(data_to_py)?;
    let cfg = NotesConfig { kit: KitConfig { classes, pitches, sr, duration_s, seed }, step, velocities, hold_s };
    let report = py.detach(|| build_notes(&fonts, &cfg, &out, &|_, _| {})).map_err(data_to_py)?;
    Ok((rows_json(&report.manifest), report.skipped))
}

/// A trained network (`reprise train`'s run folder), loaded once.
#[pyclass(unsendable)]
pub struct Network {
    inner: reprise::deep::Predictor,
}

#[pymethods]
impl Network {
    /// Loads `run` (its `model.json` and best weights) on the CPU.
    #[new]
    fn new(run: PathBuf) -> PyResult<Self> {
        let device = reprise::nn::device("cpu").map_err(|e| to_py(e.into()))?;
        Ok(Network { inner: reprise::deep::Predictor::load(&run, &device).map_err(to_py)? })
    }

    /// The class names, in output order.
    #[getter]
    fn labels(&self) -> Vec<String> {
        self.inner.info.labels.clone()
    }

    /// The model's description (`model.json`) as JSON.
    fn info(&self) -> String {
        serde_json::to_string(&self.inner.info).expect("plain data")
    }

    /// `(kind, text)` per file: `("ok", the JSON line of reprise predict --json)`, or
    /// the error's exception kind and message.
    fn predict(&self, files: Vec<PathBuf>, overlap: f64) -> PyResult<Vec<(&'static str, String)>> {
        let out = self.inner.predict(&files, overlap).map_err(to_py)?;
        Ok(files.iter().zip(out).map(|(f, r)| outcome(r.map(|p| self.inner.to_json(f, &p).to_string()))).collect())
    }
}

/// A saved classifier pipeline (`reprise classify --save-models`).
#[pyclass(frozen)]
pub struct Classifier {
    path: PathBuf,
    inner: reprise::classify::ModelFile,
}

#[pymethods]
impl Classifier {
    /// Loads and checks the model file.
    #[new]
    fn new(path: PathBuf) -> PyResult<Self> {
        Ok(Classifier { inner: reprise::classify::ModelFile::load(&path).map_err(to_py)?, path })
    }

    /// The model file as JSON.
    fn info(&self) -> String {
        serde_json::to_string(&self.inner).expect("plain data")
    }

    /// The class names.
    #[getter]
    fn labels(&self) -> Vec<String> {
        self.inner.pipeline.labels.clone()
    }

    /// `(kind, text)` per file: `("ok", {"file", "label", "scores", "score_kind"} as
    /// JSON)` (what `reprise classify predict --json` prints), or the error's exception
    /// kind and message. `cache`: the folder of cached clip vectors, or `None`.
    fn predict(&self, py: Python<'_>, files: Vec<PathBuf>, cache: Option<PathBuf>) -> Vec<(&'static str, String)> {
        let cache = reprise::classify::FeatureCache { dir: cache };
        let out = py.detach(|| self.inner.predict_files(&self.path, &files, &cache));
        files
            .iter()
            .zip(out)
            .map(|(f, r)| {
                outcome(r.map(|p| {
                    let scores: serde_json::Map<String, serde_json::Value> =
                        p.scores.iter().map(|(l, v)| (l.clone(), serde_json::json!(v))).collect();
                    serde_json::json!({ "file": f, "label": p.label, "scores": scores, "score_kind": p.score_kind }).to_string()
                }))
            })
            .collect()
    }
}

fn roll_value(value: &str) -> PyResult<reprise::midi::RollValue> {
    match value {
        "velocity" => Ok(reprise::midi::RollValue::Velocity),
        "binary" => Ok(reprise::midi::RollValue::Binary),
        v => Err(PyValueError::new_err(format!("value={v:?}: use 'velocity' or 'binary'"))),
    }
}

fn read_score(path: &Path) -> PyResult<reprise::midi::Score> {
    reprise::midi::Score::read(path).map_err(|e| PyOSError::new_err(e.to_string()))
}

/// The notes of a MIDI file as JSON (`pitch`, `velocity`, `start_s`, `end_s`, `channel`,
/// `program`), and its duration in seconds.
#[pyfunction]
pub fn midi_notes(path: PathBuf) -> PyResult<(String, f64)> {
    let s = read_score(&path)?;
    Ok((serde_json::to_string(&s.notes).expect("plain data"), s.duration_s))
}

/// The piano roll `(128, frames)` of a MIDI file at `fps` frames per second.
#[pyfunction]
pub fn piano_roll<'py>(py: Python<'py>, path: PathBuf, fps: f64, value: &str, drums: bool) -> PyResult<Bound<'py, PyArray2<f32>>> {
    let s = read_score(&path)?;
    let roll =
        reprise::midi::piano_roll(&s, fps, roll_value(value)?, drums).map_err(|e| PyValueError::new_err(format!("{}: {e}", path.display())))?;
    Ok(roll.into_pyarray(py))
}

/// Writes a piano roll `(128, frames)` as a MIDI file, atomically.
#[pyfunction]
#[pyo3(signature = (roll, path, fps, value, program, channel, velocity))]
#[allow(clippy::too_many_arguments)]
pub fn write_roll(roll: PyReadonlyArray2<'_, f32>, path: PathBuf, fps: f64, value: &str, program: u8, channel: u8, velocity: u8) -> PyResult<()> {
    let score = reprise::midi::roll_to_score(roll.as_array(), fps, roll_value(value)?, program, channel, velocity)
        .map_err(|e| PyValueError::new_err(e.to_string()))?;
    let bytes = score.to_smf_bytes().map_err(|e| PyValueError::new_err(e.to_string()))?;
    reprise::io::write_atomic(&path, |w| w.write_all(&bytes)).map_err(|e| to_py(e.into()))
}
