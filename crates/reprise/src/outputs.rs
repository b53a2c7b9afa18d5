//! The batch contract of `reprise features`: where each input's outputs go, the sidecar
//! that describes them, when an output is complete, and how it is committed.
//!
//! An output is a `.npy` with a `.json` sidecar beside it (and a `.png` when asked for).
//! Every file is written atomically, and the sidecar last: its presence, with the same
//! parameters and the same input fingerprint, marks the output complete, so a batch that
//! was interrupted resumes where it stopped. The command line's batch runner uses this
//! module and adds only scheduling and printing, and so does the Python package's Ray
//! module: both list the same inputs ([`inputs`]) and name the same outputs.

use crate::features::{FeatureData, FeatureKind, FeatureParams, FeatureSpec, Features};
use crate::{Error, Result};
use reprise_core::fs::Fingerprint;
use reprise_core::stream::Axis;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::path::{Path, PathBuf};

/// What one input argument of a batch names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Inputs {
    /// One file (any extension: the decoder says whether it is audio).
    File(PathBuf),
    /// The audio files of a folder (recursively) or of a glob, sorted, and the root whose
    /// tree their outputs mirror ([`output_paths`]).
    Batch {
        /// The folder, or the literal directory prefix of the glob.
        root: PathBuf,
        /// The audio files, sorted.
        files: Vec<PathBuf>,
    },
}

/// The inputs `input` names: an existing file; an existing folder (walked recursively,
/// audio extensions only); otherwise a glob pattern. An existing path is taken literally,
/// even with glob characters in its name. A folder or glob with no audio file is an error.
pub fn inputs(input: &str) -> Result<Inputs> {
    let err = |reason: String| Error::Input { input: input.to_owned(), reason };
    let path = Path::new(input);
    let is_glob = !path.exists() && input.contains(['*', '?', '[']);
    let mut files = Vec::new();
    let root = if is_glob {
        // the literal directory prefix of the pattern is the root of the output tree
        let first_meta = input.find(['*', '?', '[']).unwrap_or(input.len());
        let prefix = &input[..first_meta];
        let root = prefix.rfind('/').map(|i| PathBuf::from(&prefix[..=i])).unwrap_or_default();
        let paths = glob::glob(input).map_err(|e| err(format!("bad glob pattern: {e}")))?;
        files.extend(paths.flatten().filter(|p| p.is_file() && reprise_io::is_audio_path(p)));
        root
    } else if path.is_file() {
        return Ok(Inputs::File(path.to_owned()));
    } else if path.is_dir() {
        walk(path, &mut files).map_err(|e| err(e.to_string()))?;
        path.to_owned()
    } else {
        return Err(err("no such file or folder".into()));
    };
    if files.is_empty() {
        return Err(err(format!("no audio files found (looked for {})", reprise_io::AUDIO_EXTENSIONS.join(", "))));
    }
    files.sort();
    Ok(Inputs::Batch { root, files })
}

fn walk(dir: &Path, out: &mut Vec<PathBuf>) -> std::io::Result<()> {
    let mut entries: Vec<_> = std::fs::read_dir(dir)?.collect::<std::result::Result<_, _>>()?;
    entries.sort_by_key(|e| e.path());
    for e in entries {
        let p = e.path();
        if e.file_type()?.is_dir() {
            walk(&p, out)?;
        } else if reprise_io::is_audio_path(&p) {
            out.push(p);
        }
    }
    Ok(())
}

/// `song.wav` → `song.npy`; with `keep_extension` (two inputs differ only by extension)
/// `song.wav` → `song.wav.npy`.
pub fn npy_name(input: &Path, keep_extension: bool) -> String {
    let name = if keep_extension { input.file_name() } else { input.file_stem() };
    format!("{}.npy", name.unwrap_or_default().to_string_lossy())
}

/// The output of a single input given `-o out`: a folder gets `<stem>.npy` inside;
/// anything else gets `.npy` appended unless it has it.
pub fn single_output_path(out: &Path, input: &Path) -> PathBuf {
    if out.is_dir() {
        return out.join(npy_name(input, false));
    }
    if out.extension().and_then(|e| e.to_str()) == Some("npy") {
        out.to_owned()
    } else {
        let mut s = out.as_os_str().to_owned();
        s.push(".npy");
        PathBuf::from(s)
    }
}

/// The output of every input of a batch: the input tree below `root` mirrored under
/// `out`. Inputs that would share an output (`a.wav`, `a.flac`) keep their extension in
/// the name; an input outside `root` gets its bare file name (never a path beside it).
pub fn output_paths(root: &Path, files: &[PathBuf], out: &Path) -> Vec<PathBuf> {
    let rel = |f: &PathBuf| -> PathBuf {
        let root_plain = root.strip_prefix(".").unwrap_or(root);
        let r = f.strip_prefix(root).or_else(|_| f.strip_prefix(root_plain)).map(Path::to_path_buf);
        r.unwrap_or_else(|_| PathBuf::from(f.file_name().unwrap_or_default()))
    };
    let plain: Vec<PathBuf> = files.iter().map(|f| out.join(rel(f).with_file_name(npy_name(f, false)))).collect();
    let mut count = std::collections::HashMap::new();
    for p in &plain {
        *count.entry(p.clone()).or_insert(0) += 1;
    }
    files.iter().zip(plain).map(|(f, p)| if count[&p] > 1 { out.join(rel(f).with_file_name(npy_name(f, true))) } else { p }).collect()
}

/// The times of the frames.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FrameAxis {
    /// `time_s`.
    pub name: String,
    /// Seconds from the start of the analysed signal, one per frame (`t·hop/sr`).
    pub values: Vec<f64>,
}

/// Both axes of a feature matrix.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SidecarAxes {
    /// The rows.
    pub features: Axis,
    /// The frames.
    pub frames: FrameAxis,
}

/// The `.json` beside every output: what was computed, from what, with which parameters.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Sidecar {
    /// Version of Reprise that wrote it.
    pub reprise_version: String,
    /// The kind.
    pub kind: FeatureKind,
    /// The input, as given.
    pub input: String,
    /// Sample rate of the analysed signal, Hz.
    pub sr: u32,
    /// Samples between frames.
    pub hop_length: usize,
    /// Duration of the analysed signal, seconds.
    pub duration_s: f64,
    /// Shape of the `.npy`.
    pub shape: Vec<usize>,
    /// numpy dtype of the `.npy`.
    pub dtype: String,
    /// `features x frames (librosa)`.
    pub orientation: String,
    /// The tuning used, given or estimated (pitched kinds).
    pub tuning: Option<f64>,
    /// The options as given (librosa's names, the kind's default tuning written out).
    pub params: FeatureParams,
    /// The specification that computed the features ([`FeatureSpec::from_sidecar`]);
    /// absent in sidecars written before it was recorded.
    #[serde(default)]
    pub spec: Option<FeatureSpec>,
    /// What the rows and the frames are.
    pub axes: SidecarAxes,
    /// Conditions worth telling the user.
    pub warnings: Vec<String>,
    /// Per-row description of the scattering kinds (`meta()`).
    pub meta: Option<Value>,
    /// Size and modification time of the input when the output was written.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<Fingerprint>,
}

impl Features {
    /// The sidecar of these features, computed from `input` with `params`.
    pub fn record(&self, input: &str, params: &FeatureParams) -> Sidecar {
        let (_, frames) = self.data.dim();
        Sidecar {
            reprise_version: env!("CARGO_PKG_VERSION").into(),
            kind: self.spec.kind(),
            input: input.into(),
            sr: self.sr,
            hop_length: self.hop_length,
            duration_s: self.duration_s,
            shape: self.data.shape(),
            dtype: self.data.dtype().into(),
            orientation: "features x frames (librosa)".into(),
            tuning: self.tuning,
            params: params.recorded(),
            spec: Some(self.spec.clone()),
            axes: SidecarAxes {
                features: self.row_axis.clone(),
                frames: FrameAxis { name: "time_s".into(), values: (0..frames).map(|t| (t * self.hop_length) as f64 / self.sr as f64).collect() },
            },
            warnings: self.warnings.clone(),
            meta: self.meta.clone(),
            source: None,
        }
    }

    /// The sidecar as JSON (see [`Features::record`]).
    pub fn sidecar(&self, input: &str, params: &FeatureParams) -> Value {
        serde_json::to_value(self.record(input, params)).expect("a sidecar is plain data")
    }
}

impl Sidecar {
    /// Reads the sidecar beside `npy`; `None` when it is missing or unreadable.
    pub fn beside(npy: &Path) -> Option<Sidecar> {
        let text = std::fs::read_to_string(npy.with_extension("json")).ok()?;
        serde_json::from_str(&text).ok()
    }
}

/// Whether the output `npy` of `input` is complete: it exists, its sidecar records the
/// same parameters and the input's current fingerprint, and its picture exists when one
/// is asked for.
pub fn is_complete(npy: &Path, input: &Path, params: &FeatureParams, with_picture: bool) -> bool {
    if !npy.is_file() || (with_picture && !npy.with_extension("png").is_file()) {
        return false;
    }
    Sidecar::beside(npy).is_some_and(|s| s.params == params.recorded() && s.source == Some(Fingerprint::of(input)))
}

/// Writes the output of `input`: the `.npy`, the picture when asked for, then the sidecar
/// with the input's fingerprint (last: it marks the output complete). Each file is
/// written atomically.
pub fn commit(f: &Features, params: &FeatureParams, input: &Path, npy: &Path, with_picture: bool) -> Result<()> {
    match &f.data {
        FeatureData::Real(a) => reprise_io::write_npy(npy, a)?,
        FeatureData::Complex(a) => reprise_io::write_npy(npy, a)?,
        FeatureData::Real3(a) => reprise_io::write_npy(npy, a)?,
    }
    let mut sidecar = f.record(&input.display().to_string(), params);
    if with_picture {
        crate::pictures::write_feature_png(&npy.with_extension("png"), &f.data, &serde_json::to_value(&sidecar).expect("plain data"), input)?;
    }
    sidecar.source = Some(Fingerprint::of(input));
    reprise_io::write_json(&npy.with_extension("json"), &serde_json::to_value(&sidecar).expect("plain data"))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::features::extract_file;

    fn tone_file(dir: &Path) -> PathBuf {
        let y: Vec<f32> = (0..22050).map(|i| (i as f32 * 0.06).sin() * 0.5).collect();
        let path = dir.join("tone.wav");
        reprise_io::write_wav(&path, &y, 22050).unwrap();
        path
    }

    #[test]
    fn outputs_mirror_the_tree_and_keep_extensions_only_on_collisions() {
        let root = Path::new("in");
        let files = [PathBuf::from("in/a/x.wav"), PathBuf::from("in/a/x.flac"), PathBuf::from("in/b/y.wav"), PathBuf::from("elsewhere/z.wav")];
        let out = output_paths(root, &files, Path::new("out"));
        assert_eq!(out, [Path::new("out/a/x.wav.npy"), Path::new("out/a/x.flac.npy"), Path::new("out/b/y.npy"), Path::new("out/z.npy")]);
        assert_eq!(single_output_path(Path::new("o/feat"), Path::new("s.wav")), Path::new("o/feat.npy"));
        assert_eq!(single_output_path(Path::new("o/feat.npy"), Path::new("s.wav")), Path::new("o/feat.npy"));
    }

    #[test]
    fn inputs_are_a_file_a_walked_folder_or_a_glob() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        std::fs::create_dir_all(d.join("in/sub")).unwrap();
        for f in ["in/b.wav", "in/sub/a.flac", "in/notes.txt"] {
            std::fs::write(d.join(f), b"x").unwrap();
        }
        let s = |p: &Path| p.to_str().unwrap().to_owned();
        assert_eq!(inputs(&s(&d.join("in/b.wav"))).unwrap(), Inputs::File(d.join("in/b.wav")));
        let Inputs::Batch { root, files } = inputs(&s(&d.join("in"))).unwrap() else { panic!("a folder is a batch") };
        assert_eq!((root, files), (d.join("in"), vec![d.join("in/b.wav"), d.join("in/sub/a.flac")]));
        let Inputs::Batch { root, files } = inputs(&format!("{}/in/*.wav", s(d))).unwrap() else { panic!("a glob is a batch") };
        assert_eq!((root, files), (PathBuf::from(format!("{}/in/", s(d))), vec![d.join("in/b.wav")]));
        let missing = inputs(&s(&d.join("nope"))).unwrap_err().to_string();
        assert!(missing.ends_with("nope: no such file or folder"), "{missing}");
        let empty = inputs(&format!("{}/in/*.mp3", s(d))).unwrap_err().to_string();
        assert!(empty.contains("no audio files found"), "{empty}");
    }

    #[test]
    fn a_committed_output_is_complete_until_its_input_or_parameters_change() {
        let dir = tempfile::tempdir().unwrap();
        let input = tone_file(dir.path());
        let npy = dir.path().join("out/tone.npy");
        std::fs::create_dir_all(npy.parent().unwrap()).unwrap();
        let params = FeatureParams { kind: FeatureKind::Cqt, ..Default::default() };
        assert!(!is_complete(&npy, &input, &params, false));
        let f = extract_file(&input, &params).unwrap();
        commit(&f, &params, &input, &npy, false).unwrap();
        assert!(is_complete(&npy, &input, &params, false));
        assert!(!is_complete(&npy, &input, &params, true), "the picture was not drawn");
        let side = Sidecar::beside(&npy).unwrap();
        assert_eq!(side.spec, Some(f.spec));
        assert_eq!(side.source, Some(Fingerprint::of(&input)));
        assert!(!is_complete(&npy, &input, &FeatureParams { n_mels: 64, ..params.clone() }, false));
        // a rewritten input (other size) is no longer the one the output was made from
        reprise_io::write_wav(&input, &[0.1; 1000], 22050).unwrap();
        assert!(!is_complete(&npy, &input, &params, false));
    }

    #[test]
    fn concurrent_commits_of_one_output_leave_whole_files() {
        let dir = tempfile::tempdir().unwrap();
        let input = tone_file(dir.path());
        let npy = dir.path().join("tone.npy");
        let params = FeatureParams::default();
        let f = extract_file(&input, &params).unwrap();
        std::thread::scope(|s| {
            for _ in 0..4 {
                s.spawn(|| {
                    for _ in 0..10 {
                        commit(&f, &params, &input, &npy, false).unwrap();
                    }
                });
            }
        });
        let (data, _) = crate::pictures::read_feature_file(&npy).unwrap();
        assert_eq!(data, f.data);
        assert!(is_complete(&npy, &input, &params, false));
        let left: Vec<_> = std::fs::read_dir(dir.path()).unwrap().map(|e| e.unwrap().file_name()).collect();
        assert_eq!(left.len(), 3, "only the input, the .npy and the .json remain: {left:?}");
    }
}
