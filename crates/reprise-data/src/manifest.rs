//! Manifests: the CSV tables that list a dataset's clips and labels.
//!
//! Columns: `path,label` are required; `program,pitch,velocity,soundfont,family,split,
//! duration_s,rms,peak` are optional (empty when unknown). Relative paths are relative to
//! the manifest's folder, so a dataset folder can be moved as a whole. A folder of
//! labelled audio (`LABEL/xxx.wav`, any depth below the label folder) is a manifest too.

use crate::error::{DataError, Result};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// One clip.
#[derive(Clone, Debug, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct ManifestRow {
    /// Audio file, relative to the manifest's folder (or absolute).
    pub path: String,
    /// Class label.
    pub label: String,
    /// GM program that rendered it, 0-based.
    #[serde(default)]
    pub program: Option<u8>,
    /// MIDI key of an isolated note.
    #[serde(default)]
    pub pitch: Option<u8>,
    /// MIDI velocity of an isolated note.
    #[serde(default)]
    pub velocity: Option<u8>,
    /// SoundFont (file stem) that rendered it.
    #[serde(default)]
    pub soundfont: String,
    /// Recording family of the SoundFont (`fluid`, `tim`, ...).
    #[serde(default)]
    pub family: String,
    /// `train`, `val`, `test`, `foldN` or empty.
    #[serde(default)]
    pub split: String,
    /// Length in seconds.
    #[serde(default)]
    pub duration_s: Option<f64>,
    /// Root-mean-square level (full scale = 1).
    #[serde(default)]
    pub rms: Option<f32>,
    /// Peak absolute sample (full scale = 1).
    #[serde(default)]
    pub peak: Option<f32>,
}

impl ManifestRow {
    /// The key that keeps near-duplicates together in splits: clips of one SoundFont,
    /// program and pitch (the same note at other velocities) share it; other clips are
    /// their own group.
    pub fn group_key(&self) -> String {
        match (self.pitch, self.program) {
            (Some(p), Some(g)) => format!("{}|{}|{}|{}", self.soundfont, self.label, g, p),
            _ => self.path.clone(),
        }
    }
}

/// A manifest: rows and the folder their relative paths start from.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Manifest {
    /// The clips.
    pub rows: Vec<ManifestRow>,
    /// Folder that relative paths are relative to.
    pub root: PathBuf,
}

impl Manifest {
    /// Reads a CSV manifest, or scans a folder of labelled audio (`LABEL/xxx.wav`).
    pub fn read(path: impl AsRef<Path>) -> Result<Self> {
        let path = path.as_ref();
        let bad = |reason: String| DataError::Manifest { path: path.to_owned(), reason };
        if path.is_dir() {
            return Self::from_folder(path);
        }
        let text = std::fs::read(path).map_err(|e| {
            if e.kind() == std::io::ErrorKind::NotFound {
                bad("no such file or folder".into())
            } else {
                DataError::io(path, e)
            }
        })?;
        if text.is_empty() {
            return Err(bad("file is empty (0 bytes); a manifest is a CSV with at least the columns path,label".into()));
        }
        let mut reader = csv::ReaderBuilder::new().trim(csv::Trim::All).from_reader(text.as_slice());
        let headers = reader.headers().map_err(|e| bad(format!("not a CSV file: {e}")))?.clone();
        for need in ["path", "label"] {
            if !headers.iter().any(|h| h == need) {
                return Err(bad(format!(
                    "has no `{need}` column (columns: {}); a manifest needs at least path,label",
                    headers.iter().collect::<Vec<_>>().join(",")
                )));
            }
        }
        let mut rows = Vec::new();
        for (i, rec) in reader.deserialize::<ManifestRow>().enumerate() {
            let row: ManifestRow = rec.map_err(|e| bad(format!("line {}: {e}", i + 2)))?;
            if row.path.is_empty() || row.label.is_empty() {
                return Err(bad(format!("line {}: empty path or label", i + 2)));
            }
            rows.push(row);
        }
        if rows.is_empty() {
            return Err(bad("has a header but no rows".into()));
        }
        let root = path.parent().map(Path::to_path_buf).unwrap_or_default();
        Ok(Manifest { rows, root })
    }

    /// Scans a folder whose sub-folders are labels: `DIR/LABEL/**/file.{wav,flac,mp3,ogg}`.
    /// Audio directly in `DIR` has no label and is an error; so is a folder with no audio.
    pub fn from_folder(dir: &Path) -> Result<Self> {
        let bad = |reason: String| DataError::Manifest { path: dir.to_owned(), reason };
        let mut rows = Vec::new();
        let mut entries: Vec<PathBuf> = std::fs::read_dir(dir).map_err(|e| DataError::io(dir, e))?.filter_map(|e| e.ok().map(|e| e.path())).collect();
        entries.sort();
        let mut unlabelled = 0usize;
        for entry in entries {
            if entry.is_dir() {
                let label = entry.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
                if label.starts_with('.') {
                    continue;
                }
                let mut files = Vec::new();
                collect_audio(&entry, &mut files);
                files.sort();
                for f in files {
                    let rel = f.strip_prefix(dir).unwrap_or(&f).to_string_lossy().into_owned();
                    rows.push(ManifestRow { path: rel, label: label.clone(), ..Default::default() });
                }
            } else if reprise_io::is_audio_path(&entry) {
                unlabelled += 1;
            }
        }
        if rows.is_empty() {
            let hint =
                if unlabelled > 0 { format!(" ({unlabelled} audio file(s) lie directly in it, without a label folder)") } else { String::new() };
            return Err(bad(format!("no labelled audio{hint}; expected LABEL/file.wav, one sub-folder per class")));
        }
        Ok(Manifest { rows, root: dir.to_owned() })
    }

    /// The file of a row, relative paths resolved against [`Manifest::root`].
    pub fn resolve(&self, row: &ManifestRow) -> PathBuf {
        let p = Path::new(&row.path);
        if p.is_absolute() {
            p.to_owned()
        } else {
            self.root.join(p)
        }
    }

    /// Writes the rows as CSV, atomically. Relative paths are rewritten for the new
    /// location when the manifest moves to another folder (absolute when they must).
    pub fn write(&self, path: impl AsRef<Path>) -> Result<()> {
        let path = path.as_ref();
        let new_root = path.parent().map(Path::to_path_buf).unwrap_or_default();
        let same = std::fs::canonicalize(if new_root.as_os_str().is_empty() { Path::new(".") } else { &new_root }).ok()
            == std::fs::canonicalize(if self.root.as_os_str().is_empty() { Path::new(".") } else { &self.root }).ok();
        let mut w = csv::Writer::from_writer(Vec::new());
        for row in &self.rows {
            let mut row = row.clone();
            if !same && Path::new(&row.path).is_relative() {
                let abs = self.resolve(&row);
                row.path = std::fs::canonicalize(&abs).unwrap_or(abs).to_string_lossy().into_owned();
            }
            w.serialize(&row).map_err(|e| DataError::Manifest { path: path.to_owned(), reason: e.to_string() })?;
        }
        let bytes = w.into_inner().map_err(|e| DataError::Manifest { path: path.to_owned(), reason: e.to_string() })?;
        reprise_io::write_atomic(path, |f| f.write_all(&bytes))?;
        Ok(())
    }

    /// Number of rows per label, sorted by label.
    pub fn label_counts(&self) -> BTreeMap<String, usize> {
        let mut m = BTreeMap::new();
        for r in &self.rows {
            *m.entry(r.label.clone()).or_insert(0) += 1;
        }
        m
    }
}

fn collect_audio(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(rd) = std::fs::read_dir(dir) else { return };
    for e in rd.flatten() {
        let p = e.path();
        if p.is_dir() {
            collect_audio(&p, out);
        } else if reprise_io::is_audio_path(&p) {
            out.push(p);
        }
    }
}
