//! `reprise transfer`: the timbre of one sound on the notes of another, by cepstral-envelope
//! cross-synthesis or by MFCC mosaicing, with a picture of the three spectrograms.

use crate::outputs::{inputs, Inputs};
use crate::Result;
use reprise_dsp::envelope::{cross_synthesize, CrossSynthesisConfig};
use reprise_dsp::mosaic::{mosaic, MosaicConfig};
use reprise_dsp::{MelConfig, StftConfig};
use reprise_io::LoadOptions;
use reprise_plot::{ticks, ColourMap, Extent, Figure, Heatmap, Panel};
use std::path::{Path, PathBuf};

/// How the timbre is imposed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum TransferMethod {
    /// Cross-synthesis: the input's envelope flattened, the timbre's imposed, per frame.
    Envelope,
    /// Mosaicing: each input frame replaced by the nearest timbre frames (MFCC, k-NN).
    Mosaic,
}

/// Settings of a transfer.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TransferConfig {
    /// The method.
    pub method: TransferMethod,
    /// Sample rate everything is read at, Hz.
    pub sr: u32,
    /// Cross-synthesis settings (`stft` framing, `lifter_order`).
    pub envelope: CrossSynthesisConfig,
    /// Mosaicing settings (`sr` is overridden by `sr` above).
    pub mosaic: MosaicConfig,
}

impl Default for TransferConfig {
    fn default() -> Self {
        TransferConfig { method: TransferMethod::Envelope, sr: 22050, envelope: CrossSynthesisConfig::default(), mosaic: MosaicConfig::default() }
    }
}

/// A finished transfer.
#[derive(Debug, Clone)]
pub struct Transfer {
    /// The input, as read.
    pub input: Vec<f32>,
    /// The timbre's files, as read (one signal per file).
    pub timbre: Vec<Vec<f32>>,
    /// The output.
    pub output: Vec<f32>,
    /// Sample rate, Hz.
    pub sr: u32,
    /// Notes for the user (resampled files, silence, a repeated timbre).
    pub notes: Vec<String>,
}

fn read(path: &Path, sr: u32, notes: &mut Vec<String>) -> Result<Vec<f32>> {
    // one decoder: its header gives the native rate, its chunks the signal at `sr`
    let mut stream = reprise_io::AudioStream::open(path, &LoadOptions { sr: Some(sr), offset_s: 0.0, duration_s: None })?;
    let native = stream.info().sample_rate;
    if native != sr {
        notes.push(format!("{}: resampled from {native} Hz to {sr} Hz", path.display()));
    }
    let mut samples = Vec::new();
    while let Some(c) = stream.next_chunk()? {
        samples.extend_from_slice(&c);
    }
    if samples.iter().all(|v| *v == 0.0) {
        notes.push(format!("{}: silent (all samples are zero)", path.display()));
    }
    Ok(samples)
}

/// Reads `input` and the timbre (a file, or a folder of audio files searched recursively)
/// at `cfg.sr`, and transfers.
pub fn transfer_files(input: &Path, timbre: &Path, cfg: &TransferConfig) -> Result<Transfer> {
    let mut notes = Vec::new();
    let x = read(input, cfg.sr, &mut notes)?;
    let timbre_files: Vec<PathBuf> = if timbre.is_dir() {
        // (a folder without audio files is an error naming it)
        match inputs(&timbre.display().to_string())? {
            Inputs::Batch { files, .. } => files,
            Inputs::File(f) => vec![f],
        }
    } else {
        vec![timbre.to_owned()]
    };
    let mut t = Vec::with_capacity(timbre_files.len());
    for f in &timbre_files {
        t.push(read(f, cfg.sr, &mut notes)?);
    }
    let output = transfer_signals(&x, &t, cfg, &mut notes).map_err(|e| match e {
        crate::Error::Dsp { path: None, source } => crate::Error::Dsp { path: Some(input.to_owned()), source },
        e => e,
    })?;
    Ok(Transfer { input: x, timbre: t, output, sr: cfg.sr, notes })
}

/// Transfers the timbre of `timbre` (one or more signals at `cfg.sr`) onto `input`.
pub fn transfer_signals(input: &[f32], timbre: &[Vec<f32>], cfg: &TransferConfig, notes: &mut Vec<String>) -> Result<Vec<f32>> {
    Ok(match cfg.method {
        TransferMethod::Envelope => {
            // one timbre sound: the files one after another
            let t: Vec<f32> = timbre.concat();
            if t.len() < input.len() && !t.is_empty() {
                notes.push(format!("the timbre ({:.2} s) is shorter than the input: it is repeated", t.len() as f64 / cfg.sr as f64));
            }
            cross_synthesize(input, &t, &cfg.envelope)?
        }
        TransferMethod::Mosaic => {
            let corpus: Vec<&[f32]> = timbre.iter().map(|v| v.as_slice()).collect();
            mosaic(input, &corpus, &MosaicConfig { sr: cfg.sr, ..cfg.mosaic })?
        }
    })
}

/// Mel spectrograms (dB) of the input, the timbre (its first file, or the files in a row)
/// and the output, one above the other on their own time axes.
pub fn picture(t: &Transfer, title: &str) -> Result<Vec<u8>> {
    let mel = MelConfig { sr: t.sr, stft: StftConfig::default(), ..MelConfig::default() };
    let timbre: Vec<f32> = t.timbre.concat();
    let mut panels = Vec::new();
    for (name, x) in [("input", &t.input), ("timbre", &timbre), ("output", &t.output)] {
        if x.is_empty() {
            continue;
        }
        let m = reprise_dsp::melspectrogram(x, &mel)?;
        let hi = m.iter().fold(1e-10f32, |a, v| a.max(*v));
        let db = m.mapv(|v| 10.0 * (v.max(hi * 1e-8) / hi).log10());
        let centres = reprise_dsp::convert::mel_frequencies(mel.n_mels + 2, mel.fmin, mel.fmax.unwrap_or(t.sr as f64 / 2.0), mel.htk);
        panels.push(Panel::Heatmap(Heatmap {
            title: format!("{name}: mel spectrogram"),
            values: db,
            x: Extent::time(x.len() as f64 / t.sr as f64),
            row_label: "mel band centre (Hz)".into(),
            row_ticks: ticks::hz_ticks(&centres[1..centres.len() - 1], true),
            colours: ColourMap::Sequential,
            range: (-80.0, 0.0),
            unit: "dB".into(),
            separators: vec![],
            overlay: None,
        }));
    }
    reprise_plot::render(&Figure::new(title, panels)).map_err(|e| crate::Error::Clip { path: "transfer.png".into(), reason: e.to_string() })
}

/// Writes the output WAV (atomically) and, unless `png` is `None`, the picture.
pub fn write_outputs(t: &Transfer, wav: &Path, png: Option<&Path>, title: &str) -> Result<Vec<PathBuf>> {
    if let Some(dir) = wav.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(|e| reprise_io::IoError::Io { path: dir.to_owned(), source: e })?;
    }
    reprise_io::write_wav(wav, &t.output, t.sr)?;
    let mut written = vec![wav.to_owned()];
    if let Some(png) = png {
        let bytes = picture(t, title)?;
        reprise_io::write_atomic(png, |w| w.write_all(&bytes))?;
        written.push(png.to_owned());
    }
    Ok(written)
}
