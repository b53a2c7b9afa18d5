//! The instrument kits: isolated notes (`reprise data notes`) and short monophonic
//! phrases (`reprise data phrases`), rendered from SoundFonts into WAV files and a
//! manifest.

use crate::classes::InstrumentClass;
use crate::error::{DataError, Result};
use crate::manifest::{Manifest, ManifestRow};
use crate::phrase::{phrase, PhraseStyle};
use crate::soundfont::SoundFontFile;
use crate::split::{split, SplitPlan};
use rayon::prelude::*;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};

/// Clips whose peak is below this (a key outside the preset's samples) are dropped.
pub const MIN_PEAK: f32 = 1e-3;

/// Settings shared by both kits.
#[derive(Clone, Debug)]
pub struct KitConfig {
    /// Classes to render.
    pub classes: Vec<InstrumentClass>,
    /// Optional key range that narrows every class's own range.
    pub pitches: Option<(u8, u8)>,
    /// Sample rate of the WAV files (16000–192000 Hz).
    pub sr: u32,
    /// Clip length in seconds.
    pub duration_s: f64,
    /// Seed of the phrases and of the random `split` column.
    pub seed: u64,
}

/// Isolated notes: every `step`-th key of each class's range × `velocities`.
#[derive(Clone, Debug)]
pub struct NotesConfig {
    /// Shared settings (`duration_s` is the clip length, default 4 s as in NSynth).
    pub kit: KitConfig,
    /// Key step in semitones (default 2).
    pub step: u8,
    /// MIDI velocities (default 64 and 112).
    pub velocities: Vec<u8>,
    /// How long the key is held, in seconds (default 3, as in NSynth); the rest is release.
    pub hold_s: f64,
}

/// Monophonic phrases: `count` per class and SoundFont.
#[derive(Clone, Debug)]
pub struct PhrasesConfig {
    /// Shared settings (`duration_s` is the phrase length, default 8 s).
    pub kit: KitConfig,
    /// Phrases per class and SoundFont.
    pub count: usize,
}

/// What a kit build did.
#[derive(Debug, Default)]
pub struct KitReport {
    /// The manifest written (`OUT/manifest.csv`).
    pub manifest: Manifest,
    /// Things skipped, one line each (missing presets, silent clips, failed writes).
    pub skipped: Vec<String>,
}

/// One clip to render.
struct Job<'a> {
    font: &'a SoundFontFile,
    class: &'a InstrumentClass,
    program: u8,
    what: JobKind,
    rel: PathBuf,
}

enum JobKind {
    Note { pitch: u8, velocity: u8 },
    Phrase { index: usize },
}

impl KitConfig {
    fn validate(&self) -> Result<()> {
        if !(16_000..=192_000).contains(&self.sr) {
            return Err(DataError::invalid("sr", format!("{} Hz: the SoundFont synthesizer renders at 16000 to 192000 Hz", self.sr)));
        }
        if !(self.duration_s.is_finite() && self.duration_s > 0.05 && self.duration_s <= 600.0) {
            return Err(DataError::invalid("duration-s", format!("{}: between 0.05 and 600 seconds", self.duration_s)));
        }
        if self.classes.is_empty() {
            return Err(DataError::invalid("classes", "no classes to render"));
        }
        Ok(())
    }

    /// The keys a class may play in a SoundFont: its real range, narrowed by `--pitches`
    /// and by the keys the preset covers.
    fn key_range(&self, class: &InstrumentClass, font: &SoundFontFile, program: u8) -> Option<(u8, u8)> {
        let (mut lo, mut hi) = (class.lo, class.hi);
        if let Some((a, b)) = self.pitches {
            lo = lo.max(a);
            hi = hi.min(b);
        }
        if let Some(p) = font.preset(0, program) {
            lo = lo.max(p.key_lo);
            hi = hi.min(p.key_hi);
        }
        (lo <= hi).then_some((lo, hi))
    }
}

/// Checks presets and builds the job list from the programs of each class that each
/// SoundFont has (freepats has 53 "voice oohs" but not 52 "choir aahs"); a class a
/// SoundFont lacks entirely is skipped and reported, not fatal.
fn plan<'a>(
    fonts: &'a [SoundFontFile],
    kit: &'a KitConfig,
    skipped: &mut Vec<String>,
    mut per_class: impl FnMut(&'a SoundFontFile, &'a InstrumentClass, &[u8], &mut Vec<Job<'a>>),
) -> Vec<Job<'a>> {
    let mut jobs = Vec::new();
    for font in fonts {
        for class in &kit.classes {
            let mut present = Vec::new();
            let mut missing = Vec::new();
            for &p in &class.programs {
                match font.require_program(p, false) {
                    Ok(()) => present.push(p),
                    Err(e) => missing.push(e.to_string()),
                }
            }
            if present.is_empty() {
                skipped.extend(missing);
                continue;
            }
            per_class(font, class, &present, &mut jobs);
        }
    }
    jobs
}

/// Renders isolated notes into `out`: `FAMILY/SOUNDFONT/LABEL/LABEL_pPPP_vVVV.wav` and
/// `manifest.csv` (with a seeded stratified 70/15/15 `split` column; `reprise data split`
/// makes others). Each note starts at 0 s, is held `hold_s`, and the clip lasts
/// `duration_s`. Deterministic: the same settings give the same bytes.
pub fn build_notes(fonts: &[SoundFontFile], cfg: &NotesConfig, out: &Path, progress: &(dyn Fn(usize, usize) + Sync)) -> Result<KitReport> {
    cfg.kit.validate()?;
    if cfg.step == 0 {
        return Err(DataError::invalid("step", "0: the key step is at least 1 semitone"));
    }
    if cfg.velocities.is_empty() || cfg.velocities.iter().any(|&v| v == 0 || v > 127) {
        return Err(DataError::invalid("velocities", format!("{:?}: one or more MIDI velocities 1–127", cfg.velocities)));
    }
    if !(cfg.hold_s.is_finite() && cfg.hold_s > 0.0 && cfg.hold_s <= cfg.kit.duration_s) {
        return Err(DataError::invalid("hold-s", format!("{}: must be > 0 and ≤ the clip length {} s", cfg.hold_s, cfg.kit.duration_s)));
    }
    let mut skipped = Vec::new();
    let jobs = plan(fonts, &cfg.kit, &mut skipped, |font, class, programs, jobs| {
        let mut i = 0usize;
        let lo_all = class.lo.max(cfg.kit.pitches.map_or(0, |p| p.0));
        let mut pitch = lo_all;
        while pitch <= class.hi {
            let program = programs[i % programs.len()];
            i += 1;
            if let Some((lo, hi)) = cfg.kit.key_range(class, font, program) {
                if (lo..=hi).contains(&pitch) {
                    for &velocity in &cfg.velocities {
                        let rel = PathBuf::from(&font.family)
                            .join(font.name())
                            .join(&class.label)
                            .join(format!("{}_p{pitch:03}_v{velocity:03}.wav", class.label));
                        jobs.push(Job { font, class, program, what: JobKind::Note { pitch, velocity }, rel });
                    }
                }
            }
            pitch = match pitch.checked_add(cfg.step) {
                Some(p) => p,
                None => break,
            };
        }
    });
    run(jobs, &cfg.kit, out, skipped, progress, |job| match job.what {
        JobKind::Note { pitch, velocity } => {
            use crate::soundfont::{SynthEvent, SynthEventKind::*};
            let ev = [
                SynthEvent { time_s: 0.0, channel: 0, kind: Program(job.program) },
                SynthEvent { time_s: 0.0, channel: 0, kind: NoteOn { key: pitch, velocity } },
                SynthEvent { time_s: cfg.hold_s, channel: 0, kind: NoteOff { key: pitch } },
            ];
            job.font.render_events(&ev, cfg.kit.duration_s, cfg.kit.sr).map(|a| (a, None))
        }
        JobKind::Phrase { .. } => unreachable!("notes only"),
    })
}

/// Renders monophonic phrases into `out`: `FAMILY/SOUNDFONT/LABEL/LABEL_NNN.wav`, each
/// with its score beside it (`.mid`, aligned with the audio), and `manifest.csv`.
pub fn build_phrases(fonts: &[SoundFontFile], cfg: &PhrasesConfig, out: &Path, progress: &(dyn Fn(usize, usize) + Sync)) -> Result<KitReport> {
    cfg.kit.validate()?;
    if cfg.count == 0 || cfg.count > 100_000 {
        return Err(DataError::invalid("count", format!("{}: 1 to 100000 phrases per class", cfg.count)));
    }
    let mut skipped = Vec::new();
    let jobs = plan(fonts, &cfg.kit, &mut skipped, |font, class, programs, jobs| {
        for index in 0..cfg.count {
            let program = programs[index % programs.len()];
            let rel = PathBuf::from(&font.family).join(font.name()).join(&class.label).join(format!("{}_{index:03}.wav", class.label));
            jobs.push(Job { font, class, program, what: JobKind::Phrase { index }, rel });
        }
    });
    run(jobs, &cfg.kit, out, skipped, progress, |job| match job.what {
        JobKind::Phrase { index } => {
            let (lo, hi) = cfg
                .kit
                .key_range(job.class, job.font, job.program)
                .ok_or_else(|| DataError::invalid("pitches", format!("class {} has no playable key in {}", job.class.label, job.font.name())))?;
            let key = format!("{}/{}/{index}", job.font.name(), job.class.label);
            let (score, controls) = phrase(&PhraseStyle::for_class(job.class), job.program, lo, hi, cfg.kit.duration_s, cfg.kit.seed, &key);
            let mut events = crate::soundfont::score_events(&score);
            events.extend(controls);
            crate::soundfont::sort_events(&mut events);
            let audio = job.font.render_events(&events, cfg.kit.duration_s, cfg.kit.sr)?;
            Ok((audio, Some(score)))
        }
        JobKind::Note { .. } => unreachable!("phrases only"),
    })
}

/// Renders every job in parallel, writes WAV (and MIDI) files atomically, and the
/// manifest last. A failed or silent clip is reported and skipped.
fn run(
    jobs: Vec<Job<'_>>,
    kit: &KitConfig,
    out: &Path,
    mut skipped: Vec<String>,
    progress: &(dyn Fn(usize, usize) + Sync),
    render: impl Fn(&Job<'_>) -> Result<(Vec<f32>, Option<reprise_midi::Score>)> + Sync,
) -> Result<KitReport> {
    if jobs.is_empty() {
        let why = if skipped.is_empty() { "nothing to render (check --classes and --pitches)".to_string() } else { skipped.join("; ") };
        return Err(DataError::invalid("classes", why));
    }
    std::fs::create_dir_all(out).map_err(|e| DataError::io(out, e))?;
    let done = AtomicUsize::new(0);
    let total = jobs.len();
    let results: Vec<std::result::Result<ManifestRow, String>> = jobs
        .par_iter()
        .map(|job| {
            let r = (|| -> std::result::Result<ManifestRow, String> {
                let (audio, score) = render(job).map_err(|e| e.to_string())?;
                let peak = audio.iter().fold(0f32, |m, v| m.max(v.abs()));
                if peak < MIN_PEAK {
                    return Err(format!("{}: silent (peak {peak:.1e}), the preset has no sample there; dropped", job.rel.display()));
                }
                let rms = (audio.iter().map(|v| (*v as f64).powi(2)).sum::<f64>() / audio.len() as f64).sqrt() as f32;
                let path = out.join(&job.rel);
                reprise_io::write_wav_i16(&path, &audio, kit.sr).map_err(|e| e.to_string())?;
                if let Some(score) = score {
                    let bytes = score.to_smf_bytes().map_err(|e| e.to_string())?;
                    let mid = path.with_extension("mid");
                    reprise_io::write_atomic(&mid, |f| f.write_all(&bytes)).map_err(|e| e.to_string())?;
                }
                let (pitch, velocity) = match job.what {
                    JobKind::Note { pitch, velocity } => (Some(pitch), Some(velocity)),
                    JobKind::Phrase { .. } => (None, None),
                };
                Ok(ManifestRow {
                    path: job.rel.to_string_lossy().replace('\\', "/"),
                    label: job.class.label.clone(),
                    program: Some(job.program),
                    pitch,
                    velocity,
                    soundfont: job.font.name(),
                    family: job.font.family.clone(),
                    split: String::new(),
                    duration_s: Some(audio.len() as f64 / kit.sr as f64),
                    rms: Some(rms),
                    peak: Some(peak),
                })
            })();
            progress(done.fetch_add(1, Ordering::Relaxed) + 1, total);
            r
        })
        .collect();
    let mut rows = Vec::with_capacity(results.len());
    for r in results {
        match r {
            Ok(row) => rows.push(row),
            Err(e) => skipped.push(e),
        }
    }
    if rows.is_empty() {
        return Err(DataError::invalid("classes", format!("every clip failed: {}", skipped.first().cloned().unwrap_or_default())));
    }
    let mut manifest = Manifest { rows, root: out.to_owned() };
    split(&mut manifest, &SplitPlan::Random { val_fraction: 0.15, test_fraction: 0.15 }, kit.seed)?;
    manifest.write(out.join("manifest.csv"))?;
    Ok(KitReport { manifest, skipped })
}
