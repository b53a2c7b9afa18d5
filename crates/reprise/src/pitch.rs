//! `reprise pitch`: the pYIN track of a recording, as a CSV (time, f0, voiced, voiced
//! probability per frame) and a picture of f0 over the constant-Q spectrogram.

use crate::Result;
use ndarray::Array2;
use reprise_dsp::pyin::{Pyin, PyinConfig, PyinTrack};
use reprise_dsp::{CqtConfig, Tuning};
use reprise_io::LoadOptions;
use reprise_plot::ticks;
use reprise_plot::{ColourMap, Extent, Figure, Heatmap, Lines, Panel, Series, PALETTE};
use std::path::{Path, PathBuf};

/// The tracker.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum PitchMethod {
    /// pYIN (librosa 0.11's): an HMM over YIN's candidates, with voicing.
    Pyin,
    /// YIN (de Cheveigné & Kawahara 2002), frame by frame: the first trough of the
    /// normalised difference below the threshold (else the global minimum); a frame is
    /// voiced when that trough is below the threshold.
    Yin,
}

/// A recording's pitch track.
#[derive(Debug, Clone)]
pub struct PitchTrack {
    /// The tracker that made it.
    pub method: PitchMethod,
    /// The decoded signal (mono, at `sr`).
    pub signal: Vec<f32>,
    /// Sample rate, Hz.
    pub sr: u32,
    /// The tracker's settings.
    pub config: PyinConfig,
    /// f0, voicing and voiced probability per frame.
    pub track: PyinTrack,
    /// Conditions worth telling the user.
    pub warnings: Vec<String>,
}

impl PitchTrack {
    /// The time of frame `t`, s (frames are centred on `t·hop` unless `center` is off).
    pub fn time_s(&self, t: usize) -> f64 {
        let c = &self.config;
        let offset = if c.center { 0.0 } else { c.frame_length as f64 / 2.0 };
        (t * c.hop_length()) as f64 / self.sr as f64 + offset / self.sr as f64
    }

    /// The CSV: `time_s,f0_hz,voiced,voiced_prob`, f0 `nan` where unvoiced (librosa's
    /// `fill_na`), probabilities to six decimals.
    pub fn csv(&self) -> String {
        let mut s = String::from("time_s,f0_hz,voiced,voiced_prob\n");
        for (t, ((f, v), p)) in self.track.f0_hz.iter().zip(&self.track.voiced).zip(&self.track.voiced_prob).enumerate() {
            let f0 = if *v { format!("{f:.3}") } else { "nan".into() };
            s.push_str(&format!("{:.6},{f0},{},{p:.6}\n", self.time_s(t), *v as u8));
        }
        s
    }

    /// Share of voiced frames.
    pub fn voiced_share(&self) -> f64 {
        if self.track.is_empty() {
            return 0.0;
        }
        self.track.voiced.iter().filter(|v| **v).count() as f64 / self.track.len() as f64
    }
}

/// Decodes `path` (resampled to `sr`, or at its own rate when `None`) and tracks its pitch
/// (`yin_threshold`: the trough threshold of [`PitchMethod::Yin`]).
pub fn track_file(path: &Path, sr: Option<u32>, config: &PyinConfig, method: PitchMethod, yin_threshold: f64) -> Result<PitchTrack> {
    let signal = reprise_io::load(path, &LoadOptions { sr, offset_s: 0.0, duration_s: None })?;
    let track = match method {
        PitchMethod::Pyin => track_signal(signal.samples, signal.sr, config),
        PitchMethod::Yin => track_signal_yin(signal.samples, signal.sr, config, yin_threshold),
    };
    track.map_err(|e| match e {
        crate::Error::Dsp { path: None, source } => crate::Error::Dsp { path: Some(path.to_owned()), source },
        e => e,
    })
}

/// Reads a melody for [`reprise_dsp::melody`]: one frame per line, `time_s, f0_hz`
/// separated by commas, tabs or spaces (MIREX's format), header lines allowed. An f0 of
/// `nan`, 0 or below is unvoiced; a third column (`voiced`, as `reprise pitch` writes it)
/// of 0 marks the frame unvoiced too.
pub fn read_melody(path: &Path) -> Result<(Vec<f64>, Vec<f64>)> {
    let bad = |reason: String| crate::Error::Clip { path: path.to_owned(), reason };
    let text = std::fs::read_to_string(path).map_err(|e| reprise_io::IoError::Io { path: path.to_owned(), source: e })?;
    let (mut times, mut freqs) = (Vec::new(), Vec::new());
    for (i, line) in text.lines().enumerate() {
        let fields: Vec<&str> = line.split([',', '\t', ' ']).map(str::trim).filter(|f| !f.is_empty()).collect();
        if fields.is_empty() || fields[0].starts_with('#') {
            continue;
        }
        let Ok(t) = fields[0].parse::<f64>() else {
            if times.is_empty() {
                continue; // a header
            }
            return Err(bad(format!("line {}: `{}` is not a time in seconds", i + 1, fields[0])));
        };
        let f = match fields.get(1) {
            Some(v) => v.parse::<f64>().map_err(|_| bad(format!("line {}: `{v}` is not a frequency in Hz", i + 1)))?,
            None => return Err(bad(format!("line {}: a time without a frequency (lines are `time_s, f0_hz`)", i + 1))),
        };
        let voiced = fields.get(2).and_then(|v| v.parse::<f64>().ok()).is_none_or(|v| v != 0.0);
        times.push(t);
        freqs.push(if f.is_finite() && voiced { f } else { 0.0 });
    }
    if times.len() < 2 {
        return Err(bad(format!("{} frames: a melody needs at least two lines of `time_s, f0_hz`", times.len())));
    }
    Ok((times, freqs))
}

/// Scores the melody in `estimate` against `reference` (files as [`read_melody`] reads).
pub fn evaluate_files(reference: &Path, estimate: &Path, cfg: &reprise_dsp::MelodyEvalConfig) -> Result<reprise_dsp::MelodyScores> {
    let (rt, rf) = read_melody(reference)?;
    let (et, ef) = read_melody(estimate)?;
    reprise_dsp::evaluate_melody(&rt, &rf, &et, &ef, None, cfg).map_err(|e| crate::Error::Clip {
        path: if e.to_string().contains("reference") { reference.to_owned() } else { estimate.to_owned() },
        reason: e.to_string(),
    })
}

/// Tracks the pitch of a signal.
pub fn track_signal(signal: Vec<f32>, sr: u32, config: &PyinConfig) -> Result<PitchTrack> {
    let plan = Pyin::new(sr, config)?;
    let mut warnings: Vec<String> = config.warning(sr).into_iter().collect();
    if signal.iter().all(|v| *v == 0.0) {
        warnings.push("signal is silent (all samples are zero): every frame is unvoiced".into());
    }
    let track = plan.track(&signal)?;
    Ok(PitchTrack { method: PitchMethod::Pyin, signal, sr, config: config.clone(), track, warnings })
}

/// Tracks the pitch of a signal with plain YIN (`config`'s `fmin`, `fmax`, `frame_length`
/// and `hop_length`; frames start at `t·hop`, not centred), voiced where the chosen trough
/// is below `threshold`; the voiced probability column holds `1 − aperiodicity`.
pub fn track_signal_yin(signal: Vec<f32>, sr: u32, config: &PyinConfig, threshold: f64) -> Result<PitchTrack> {
    let cfg = reprise_dsp::YinConfig {
        fmin: config.fmin,
        fmax: config.fmax,
        frame_length: config.frame_length,
        hop_length: config.hop_length(),
        trough_threshold: threshold,
    };
    let frames = reprise_dsp::yin(&signal, sr, &cfg)?;
    let mut warnings = Vec::new();
    if frames.is_empty() {
        warnings.push(format!("{} samples are fewer than one frame ({}): no frames", signal.len(), cfg.frame_length));
    }
    let track = PyinTrack {
        f0_hz: frames.iter().map(|f| f.f0_hz).collect(),
        voiced: frames.iter().map(|f| f.aperiodicity < threshold).collect(),
        voiced_prob: frames.iter().map(|f| (1.0 - f.aperiodicity).clamp(0.0, 1.0)).collect(),
    };
    let config = PyinConfig { center: false, hop_length: Some(cfg.hop_length), ..config.clone() };
    Ok(PitchTrack { method: PitchMethod::Yin, signal, sr, config, track, warnings })
}

/// The picture: f0 (white, gaps where unvoiced) over the constant-Q spectrogram of the
/// range searched, and the voiced probability below.
pub fn picture(p: &PitchTrack, title: &str) -> Result<Vec<u8>> {
    let c = &p.config;
    let sr = p.sr as f64;
    let bpo = 36usize;
    // the range searched, kept under the Nyquist frequency with room for the filters
    let top = c.fmax.min(0.45 * sr);
    let n_bins = ((bpo as f64 * (top / c.fmin).log2()).floor() as usize + 1).max(1);
    let hop = 256usize.max(1 << ((n_bins / bpo) as u32 + 1).min(12));
    let duration = p.signal.len() as f64 / sr;
    let cfg =
        CqtConfig { sr: p.sr, hop_length: hop, fmin: Some(c.fmin), n_bins, bins_per_octave: bpo, tuning: Tuning::Bins(0.0), ..CqtConfig::default() };
    let x = Extent::time(duration.max(c.hop_length() as f64 / sr));
    let n_frames = p.track.len();
    let xs: Vec<f64> = (0..n_frames).map(|t| p.time_s(t)).collect();
    // f0 in rows: bin k spans k..k+1 around its centre fmin·2^(k/36)
    let rows: Vec<f64> = p.track.f0_or_nan().iter().map(|f| if f.is_finite() { bpo as f64 * (f / c.fmin).log2() + 0.5 } else { f64::NAN }).collect();
    let mut panels = Vec::new();
    let spectrogram = if p.signal.is_empty() { None } else { reprise_dsp::cqt(&p.signal, &cfg).ok() };
    match spectrogram {
        Some((z, _)) => {
            let mut db: Array2<f32> = z.mapv(|v| 20.0 * v.norm().max(1e-10).log10());
            let hi = db.iter().copied().fold(f32::NEG_INFINITY, f32::max);
            db.mapv_inplace(|v| v.max(hi - 80.0));
            let centres: Vec<f64> = (0..n_bins).map(|k| c.fmin * 2f64.powf(k as f64 / bpo as f64)).collect();
            panels.push(Panel::Heatmap(Heatmap {
                title: format!("constant-Q spectrogram and {} f0 (white; gaps: unvoiced)", if p.method == PitchMethod::Yin { "YIN" } else { "pYIN" }),
                values: db,
                x: x.clone(),
                row_label: "note".into(),
                row_ticks: ticks::note_ticks(&centres),
                colours: ColourMap::Sequential,
                range: (hi - 80.0, hi),
                unit: "dB".into(),
                separators: vec![],
                overlay: Some((xs.clone(), vec![Series { name: "f0".into(), values: rows, colour: [255, 255, 255], markers: false }])),
            }));
        }
        None => {
            // too short for the spectrogram: f0 alone
            panels.push(Panel::Lines(Lines {
                title: format!("{} f0 (gaps: unvoiced)", if p.method == PitchMethod::Yin { "YIN" } else { "pYIN" }),
                x: x.clone(),
                xs: xs.clone(),
                series: vec![Series { name: "f0".into(), values: p.track.f0_or_nan(), colour: PALETTE[0], markers: n_frames < 40 }],
                y_label: "f0 (Hz)".into(),
                y_range: None,
                legend: Default::default(),
            }));
        }
    }
    panels.push(Panel::Lines(Lines {
        title: "voicing".into(),
        x,
        xs,
        series: vec![
            Series { name: "voiced probability".into(), values: p.track.voiced_prob.clone(), colour: PALETTE[1], markers: n_frames < 40 },
            Series {
                name: "voiced (decoded)".into(),
                values: p.track.voiced.iter().map(|v| *v as u8 as f64).collect(),
                colour: PALETTE[2],
                markers: false,
            },
        ],
        y_label: "probability".into(),
        y_range: Some((0.0, 1.05)),
        legend: Default::default(),
    }));
    reprise_plot::render(&Figure::new(title, panels)).map_err(|e| crate::Error::Clip { path: "pitch.png".into(), reason: e.to_string() })
}

/// Writes the CSV (atomically) and, unless `png` is `None`, the picture; returns what was
/// written.
pub fn write_outputs(p: &PitchTrack, csv: &Path, png: Option<&Path>, title: &str) -> Result<Vec<PathBuf>> {
    let mut written = Vec::new();
    if let Some(dir) = csv.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(|e| reprise_io::IoError::Io { path: dir.to_owned(), source: e })?;
    }
    let text = p.csv();
    reprise_io::write_atomic(csv, |w| w.write_all(text.as_bytes()))?;
    written.push(csv.to_owned());
    if let Some(png) = png {
        let bytes = picture(p, title)?;
        reprise_io::write_atomic(png, |w| w.write_all(&bytes))?;
        written.push(png.to_owned());
    }
    Ok(written)
}
