//! `reprise structure`: a self-similarity matrix of a recording and its repeated sections,
//! as the Complex Autoencoder's pipeline computes them (Lattner, Dörfler & Arzt 2019) with
//! the extractor of Nieto & Farbood (2014) — on a trained CAE's invariant magnitudes (the
//! shipped piano model by default, [`crate::cae`]), or on CQT, chroma or MFCC frames — and,
//! given the piece's notes, its patterns as (onset in quarter notes, MIDI pitch) points in
//! the MIREX format.

use std::path::{Path, PathBuf};

use ndarray::{Array2, Axis};
use reprise_dsp::chroma::ChromaCqtConfig;
use reprise_dsp::cqt::CqtConfig;
use reprise_dsp::ssm::{find_repeats, recurrence_matrix, RecurrenceConfig, RepeatConfig, RepeatedPattern};
use reprise_dsp::{MelConfig, MfccConfig, StftConfig, Tuning};
use reprise_midi::patterns::{format_patterns, Pattern};
use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::features::{extract_file_spec, ConstantQSpec, FeatureData, FeatureKind, FeatureParams, FeatureSpec};
use crate::{Error, Result};

/// Sample rate of the analysis (the reference's 22050 Hz).
pub const SR: u32 = 22050;
/// Samples between frames (the reference's 1984, about 90 ms; a multiple of 2⁴ for the CQT's octaves).
pub const HOP: usize = 1984;

/// The frames the matrix compares.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum StructureFeatures {
    /// The invariant magnitudes of a trained Complex Autoencoder (the reference's features).
    Cae,
    /// The reference front end: CQT magnitudes, 120 bins at 24 per octave from 65.4 Hz,
    /// standardised per frame.
    Cqt,
    /// The CQT chromagram (`chroma_cqt`, librosa's defaults, tuning estimated).
    Chroma,
    /// 20 MFCCs (`mfcc`, librosa's defaults).
    Mfcc,
}

impl StructureFeatures {
    /// `cae`, `cqt`, `chroma` or `mfcc`.
    pub fn name(self) -> &'static str {
        match self {
            StructureFeatures::Cae => "cae",
            StructureFeatures::Cqt => "cqt",
            StructureFeatures::Chroma => "chroma",
            StructureFeatures::Mfcc => "mfcc",
        }
    }

    /// The specification that computes the frames at [`SR`] and [`HOP`] (for the CAE, the
    /// CQT it reads).
    pub fn spec(self) -> FeatureSpec {
        match self {
            StructureFeatures::Cae | StructureFeatures::Cqt => FeatureSpec::Cqt(ConstantQSpec {
                cqt: CqtConfig {
                    sr: SR,
                    hop_length: HOP,
                    fmin: Some(65.4),
                    n_bins: 120,
                    bins_per_octave: 24,
                    tuning: Tuning::Bins(0.0),
                    ..Default::default()
                },
                power: Some(1.0),
                db: None,
            }),
            StructureFeatures::Chroma => {
                let d = ChromaCqtConfig::default();
                FeatureSpec::ChromaCqt { chroma: ChromaCqtConfig { cqt: CqtConfig { sr: SR, hop_length: HOP, ..d.cqt_config() }, ..d } }
            }
            StructureFeatures::Mfcc => FeatureSpec::Mfcc {
                mfcc: MfccConfig {
                    mel: MelConfig { sr: SR, stft: StftConfig { hop_length: Some(HOP), ..Default::default() }, ..Default::default() },
                    ..Default::default()
                },
            },
        }
    }
}

/// What `reprise structure` computes and with which settings.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct StructureConfig {
    /// The frames compared.
    pub features: StructureFeatures,
    /// Tempo of the piece, beats per minute: frames ↔ notes for the extractor's lengths
    /// and for the MIREX points (120; the reference sets it per piece).
    pub bpm: f64,
    /// The extractor's starting threshold (0.0105).
    pub threshold: f64,
    /// The matrix.
    pub recurrence: RecurrenceConfig,
}

impl Default for StructureConfig {
    fn default() -> Self {
        StructureConfig { features: StructureFeatures::Cae, bpm: 120.0, threshold: 0.0105, recurrence: RecurrenceConfig::default() }
    }
}

impl StructureConfig {
    /// The extractor's settings for this tempo and the analysis hop.
    pub fn repeats(&self) -> RepeatConfig {
        RepeatConfig { threshold: self.threshold, ..RepeatConfig::for_tempo(self.bpm, HOP as f64 / SR as f64) }
    }
}

/// A piece's notes as (onset in quarter notes, MIDI pitch), in file order.
pub type Notes = Vec<(f64, f64)>;

/// Reads notes: a MIDI file (onsets in seconds × `bpm` / 60, put on the nearest 1/960 beat
/// when within 1e-3 beat of it) or a CSV whose first two
/// columns are the onset in quarter notes and the MIDI pitch (the JKU patterns corpus's
/// layout; a header line is skipped). Also returns the last onset in seconds at `bpm`.
pub fn read_notes(path: &Path, bpm: f64) -> Result<(Notes, f64)> {
    let bad = |reason: String| Error::Input { input: path.display().to_string(), reason };
    let is_midi = matches!(path.extension().and_then(|e| e.to_str()).map(str::to_ascii_lowercase).as_deref(), Some("mid" | "midi"));
    let notes: Notes = if is_midi {
        let score =
            reprise_midi::Score::read(path).map_err(|e| bad(e.to_string().trim_start_matches(&format!("{}: ", path.display())).to_string()))?;
        // a MIDI tempo is a whole number of microseconds per beat (101 bpm: 594 059 µs), so
        // seconds × bpm / 60 drifts off the beat grid by about 1e-6 beat per beat: onsets
        // within 1e-3 beat of a 1/960-beat tick are put on it
        let snap = |q: f64| {
            let t = (q * 960.0).round() / 960.0;
            if (q - t).abs() < 1e-3 {
                t
            } else {
                q
            }
        };
        score.notes.iter().filter(|n| !n.is_drum()).map(|n| (snap(n.start_s * bpm / 60.0), n.pitch as f64)).collect()
    } else {
        let text = std::fs::read_to_string(path).map_err(|e| bad(e.to_string()))?;
        let mut out = Vec::new();
        for (i, line) in text.lines().enumerate() {
            let cells: Vec<&str> = line.split(',').map(str::trim).collect();
            let num = |k: usize| cells.get(k).and_then(|c| c.parse::<f64>().ok()).filter(|v| v.is_finite());
            match (num(0), num(1)) {
                (Some(o), Some(p)) => out.push((o, p)),
                _ if i == 0 || line.trim().is_empty() => {}
                _ => return Err(bad(format!("line {}: expected `onset, MIDI pitch, ...`, found {line:?}", i + 1))),
            }
        }
        out
    };
    if notes.is_empty() {
        return Err(bad("holds no notes".into()));
    }
    let last_s = notes.iter().map(|n| n.0).fold(f64::NEG_INFINITY, f64::max) * 60.0 / bpm;
    Ok((notes, last_s))
}

/// Python's `round`: to the nearest integer, ties to even.
fn round_half_even(x: f64) -> f64 {
    let r = x.round();
    if (x - x.trunc()).abs() == 0.5 && r % 2.0 != 0.0 {
        r - x.signum()
    } else {
        r
    }
}

/// The notes of frames `[a, b)` as the reference maps them: the frame bounds in beats
/// (`frame · h + offset`, `offset` the first onset), rounded to whole beats, and the notes
/// whose onsets lie on the eighth-beat grid in between (within 1e-6 of a grid point).
fn occurrence_points(notes: &Notes, (a, b): (usize, usize), h: f64, offset: f64) -> Vec<(f64, f64)> {
    let (start, end) = (round_half_even(a as f64 * h + offset), round_half_even(b as f64 * h + offset));
    let mut out = Vec::new();
    let mut k = 0usize;
    loop {
        let t = start + k as f64 * 0.125;
        if t >= end {
            break;
        }
        out.extend(notes.iter().filter(|n| (n.0 - t).abs() < 1e-6).copied());
        k += 1;
    }
    out
}

/// A pattern's occurrences as MIREX points; occurrences without notes are left out.
fn pattern_points(p: &RepeatedPattern, notes: &Notes, h: f64, offset: f64) -> Pattern {
    Pattern { occurrences: p.occurrences.iter().map(|&o| occurrence_points(notes, o, h, offset)).filter(|o| !o.is_empty()).collect() }
}

/// The result of [`analyse`].
#[derive(Debug, Clone)]
pub struct Structure {
    /// The recurrence matrix, `(frames + pad)²`.
    pub ssm: Array2<f32>,
    /// Frames of features (the matrix's first `frames` rows).
    pub frames: usize,
    /// Seconds between frames.
    pub frame_s: f64,
    /// The repeated sections found, as frame intervals.
    pub patterns: Vec<RepeatedPattern>,
    /// The threshold that found them (`None`: none found).
    pub threshold: Option<f64>,
    /// The patterns as MIREX points, when notes were given.
    pub points: Option<Vec<Pattern>>,
    /// Conditions worth telling the user.
    pub warnings: Vec<String>,
}

/// The frames of `features` for `audio`, one column each (the CQT standardised per frame;
/// for the CAE, the magnitudes of the model in the folder `model`, the shipped one when it
/// is `None`).
pub fn frames(audio: &Path, features: StructureFeatures, model: Option<&Path>) -> Result<Array2<f32>> {
    let spec = match features {
        StructureFeatures::Cae => {
            FeatureParams { kind: FeatureKind::Cae, sr: Some(SR), model: model.map(Path::to_owned), ..Default::default() }.spec(SR)?
        }
        other => other.spec(),
    };
    let f = extract_file_spec(audio, &spec, 0.0, None)?;
    if features == StructureFeatures::Cae && f.warnings.iter().any(|w| w.contains("silent")) {
        return Err(Error::Input {
            input: audio.display().to_string(),
            reason: "is silence (all samples are zero): there is nothing to compare".into(),
        });
    }
    let FeatureData::Real(mut x) = f.data else {
        return Err(Error::Input { input: audio.display().to_string(), reason: "unexpected complex features".into() });
    };
    if features == StructureFeatures::Cqt {
        for mut col in x.axis_iter_mut(Axis(1)) {
            let n = col.len() as f64;
            let mean = col.iter().map(|v| *v as f64).sum::<f64>() / n;
            let sd = (col.iter().map(|v| (*v as f64 - mean).powi(2)).sum::<f64>() / n).sqrt();
            col.mapv_inplace(|v| if sd > 0.0 { ((v as f64 - mean) / sd) as f32 } else { 0.0 });
        }
    }
    Ok(x)
}

/// The matrix and the repeated sections of `audio` (and, with `notes`, their MIREX points);
/// `model` is the folder of the CAE of [`StructureFeatures::Cae`] (the shipped one when `None`).
pub fn analyse(audio: &Path, notes: Option<&Path>, cfg: &StructureConfig, model: Option<&Path>) -> Result<Structure> {
    let repeat = cfg.repeats();
    repeat.validate().map_err(|e| Error::Dsp { path: None, source: e })?;
    let notes = notes.map(|p| read_notes(p, cfg.bpm).map(|n| (p.to_owned(), n))).transpose()?;
    let x = frames(audio, cfg.features, model)?;
    if x.ncols() == 0 {
        return Err(Error::Input { input: audio.display().to_string(), reason: "has no frames: too short for a self-similarity matrix".into() });
    }
    let frame_s = HOP as f64 / SR as f64;
    let mut warnings = Vec::new();
    let duration_s = x.ncols() as f64 * frame_s;
    let min_s = repeat.min_dur() as f64 * frame_s;
    if duration_s < 2.0 * min_s {
        warnings.push(format!(
            "{:.1} s of audio is shorter than two of the shortest patterns ({:.0} notes = {min_s:.1} s at {} bpm): no pattern can repeat in it",
            duration_s, repeat.min_notes, cfg.bpm
        ));
    }
    if let Some((path, (_, last_s))) = &notes {
        if (last_s - duration_s).abs() > 0.1 * duration_s.max(10.0) {
            warnings.push(format!(
                "{}: its last note starts at {last_s:.1} s at {} bpm, but the audio lasts {duration_s:.1} s: is it the same piece, at this tempo (--bpm)?",
                path.display(),
                cfg.bpm
            ));
        }
    }
    let ssm = recurrence_matrix(x.view(), &cfg.recurrence).map_err(|e| Error::Dsp { path: Some(audio.to_owned()), source: e })?;
    let h = repeat.beats_per_frame;
    // the notes and their first onset (the reference's offset of frames in beats)
    let notes = notes.map(|(_, (n, _))| {
        let offset = n.iter().map(|v| v.0).fold(f64::INFINITY, f64::min);
        (n, offset)
    });
    let (patterns, threshold) = match &notes {
        Some((n, offset)) => {
            let keep = |p: &RepeatedPattern| pattern_points(p, n, h, *offset).occurrences.len() >= 2;
            find_repeats(ssm.view(), &repeat, &keep)?
        }
        None => find_repeats(ssm.view(), &repeat, &|_| true)?,
    };
    // the matrix is padded past the last frame (the reference's recipe): an occurrence ends
    // with the audio
    let frames = x.ncols();
    let patterns: Vec<RepeatedPattern> = patterns
        .into_iter()
        .map(|p| RepeatedPattern {
            occurrences: p.occurrences.into_iter().map(|(a, b)| (a.min(frames), b.min(frames))).filter(|(a, b)| b > a).collect(),
        })
        .collect();
    if threshold.is_none() {
        warnings.push("no repeated section found, down to threshold 0".into());
    }
    let points = notes.map(|(n, offset)| patterns.iter().map(|p| pattern_points(p, &n, h, offset)).collect());
    Ok(Structure { ssm, frames: x.ncols(), frame_s, patterns, threshold, points, warnings })
}

/// The `sections.json` of a structure; `model` names the CAE of [`StructureFeatures::Cae`].
pub fn sections_json(s: &Structure, input: &Path, cfg: &StructureConfig, model: Option<&str>) -> serde_json::Value {
    let patterns: Vec<_> = s
        .patterns
        .iter()
        .map(|p| {
            let occ: Vec<_> = p
                .occurrences
                .iter()
                .map(|&(a, b)| json!({ "start_s": a as f64 * s.frame_s, "end_s": b as f64 * s.frame_s, "start_frame": a, "end_frame": b }))
                .collect();
            json!({ "occurrences": occ })
        })
        .collect();
    json!({
        "reprise_version": env!("CARGO_PKG_VERSION"),
        "input": input.display().to_string(),
        "features": cfg.features.name(),
        "model": model,
        "bpm": cfg.bpm,
        "frame_s": s.frame_s,
        "frames": s.frames,
        "ssm_size": s.ssm.nrows(),
        "threshold_start": cfg.threshold,
        "threshold": s.threshold,
        "patterns": patterns,
        "warnings": s.warnings,
    })
}

/// Writes `ssm.npy`, `sections.json`, `ssm.png` and (with notes) `patterns.txt` into
/// `out`, each atomically, `sections.json` last. Returns the paths written.
pub fn write_outputs(s: &Structure, input: &Path, cfg: &StructureConfig, model: Option<&str>, out: &Path) -> Result<Vec<PathBuf>> {
    std::fs::create_dir_all(out).map_err(|e| reprise_io::IoError::Io { path: out.to_owned(), source: e })?;
    let mut written = Vec::new();
    let npy = out.join("ssm.npy");
    reprise_io::write_npy(&npy, &s.ssm)?;
    written.push(npy);
    let png = out.join("ssm.png");
    let bytes = crate::pictures::structure_png(
        &s.ssm,
        s.frame_s,
        &s.patterns,
        &format!("{} — self-similarity ({}) and repeated sections", input.display(), cfg.features.name()),
    )?;
    reprise_io::write_atomic(&png, |w| w.write_all(&bytes))?;
    written.push(png);
    if let Some(points) = &s.points {
        let txt = out.join("patterns.txt");
        let text = format_patterns(points);
        reprise_io::write_atomic(&txt, |w| w.write_all(text.as_bytes()))?;
        written.push(txt);
    }
    let json_path = out.join("sections.json");
    reprise_io::write_json(&json_path, &sections_json(s, input, cfg, model))?;
    written.push(json_path);
    Ok(written)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_of_frames_is_a_valid_specification() {
        for f in [StructureFeatures::Cae, StructureFeatures::Cqt, StructureFeatures::Chroma, StructureFeatures::Mfcc] {
            let spec = f.spec();
            spec.validate(true).unwrap_or_else(|e| panic!("{}: {e}", f.name()));
            assert_eq!((spec.sr(), spec.hop_length()), (SR, HOP), "{}", f.name());
            // and computes: 3 s of a tone give real frames every HOP samples
            let y: Vec<f32> = (0..3 * SR as usize).map(|i| (i as f32 * 0.05).sin() * 0.3).collect();
            let out = crate::features::extract_signal_spec(&y, &spec).unwrap_or_else(|e| panic!("{}: {e}", f.name()));
            assert!(matches!(out.data, FeatureData::Real(ref a) if a.ncols() == 1 + y.len() / HOP), "{}", f.name());
        }
    }

    /// At 101 bpm a MIDI tempo is 594 059 µs a beat, not 594 059.4: onsets read back from
    /// the file stay on the beat grid (they drifted off it, so no occurrence had notes).
    #[test]
    fn midi_onsets_at_a_tempo_of_rounded_microseconds_stay_on_the_grid() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("n.mid");
        let bpm = 101.0;
        // format 0, 480 ticks a beat, tempo 594 059 µs, a note every half beat for 200 beats
        let mut track = vec![0x00, 0xFF, 0x51, 0x03, 0x09, 0x10, 0x8B];
        for k in 0..400u32 {
            let pitch = 60 + (k % 12) as u8;
            // delta 0: note on; delta 200 ticks: note off; then 40 ticks to the next onset
            track.extend([if k == 0 { 0x00 } else { 0x28 }, 0x90, pitch, 90, 0x81, 0x48, 0x80, pitch, 0]);
        }
        track.extend([0x00, 0xFF, 0x2F, 0x00]);
        let mut smf = b"MThd\x00\x00\x00\x06\x00\x00\x00\x01\x01\xE0MTrk".to_vec();
        smf.extend((track.len() as u32).to_be_bytes());
        smf.extend(track);
        std::fs::write(&path, smf).unwrap();
        let (read, _) = read_notes(&path, bpm).unwrap();
        assert_eq!(read.len(), 400);
        for (k, n) in read.iter().enumerate() {
            assert_eq!(n.0, k as f64 * 0.5, "note {k}");
        }
    }

    #[test]
    fn occurrences_become_the_notes_on_the_eighth_grid_as_the_reference_maps_them() {
        assert_eq!((round_half_even(2.5), round_half_even(3.5), round_half_even(-0.5), round_half_even(1.4)), (2.0, 4.0, -0.0, 1.0));
        // notes every half beat from beat 0, and one triplet (off the grid)
        let mut notes: Notes = (0..40).map(|k| (k as f64 * 0.5, 60.0 + (k % 5) as f64)).collect();
        notes.push((1.0 / 3.0, 70.0));
        // h = 1 beat per frame, offset 0: frames [2, 6) are beats [2, 6)
        let pts = occurrence_points(&notes, (2, 6), 1.0, 0.0);
        assert_eq!(pts.len(), 8);
        assert_eq!(pts[0], (2.0, 64.0));
        assert!(pts.iter().all(|p| p.0 >= 2.0 && p.0 < 6.0 && p.1 != 70.0));
        // a pickup: onsets from −1 shift the frames by the first onset
        let pickup: Notes = notes.iter().map(|n| (n.0 - 1.0, n.1)).collect();
        assert_eq!(occurrence_points(&pickup, (2, 6), 1.0, -1.0).first(), Some(&(1.0, 64.0)));
        let p = RepeatedPattern { occurrences: vec![(2, 6), (100, 104), (10, 12)] };
        assert_eq!(pattern_points(&p, &notes, 1.0, 0.0).occurrences.len(), 2, "the occurrence past the notes is left out");
    }
}
