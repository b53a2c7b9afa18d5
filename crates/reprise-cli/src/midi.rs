//! `reprise midi`: inspect MIDI files, piano and drum rolls, chord labels, rendering.

use crate::Failure;
use clap::Subcommand;
use reprise::data::{resolve_soundfont, SoundFontFile};
use reprise::midi::*;
use std::path::{Path, PathBuf};

#[derive(Subcommand)]
pub enum MidiCommand {
    /// Notes, duration, programs and drum notes of MIDI files.
    Info {
        /// MIDI files.
        #[arg(required = true)]
        files: Vec<PathBuf>,
    },
    /// Piano roll (128 × frames) or drum roll (9 × frames) as .npy, with a .json sidecar.
    #[command(after_help = "Examples:
  reprise midi roll song.mid -o song.roll.npy --fps 100
  reprise midi roll groove.mid -o groove.drums.npy --drums --fps 8 --binary

Drum rows: kick, snare, closed hi-hat, open hi-hat, low tom, mid tom, high tom, crash,
ride (the Groove MIDI dataset's 9 classes); a drum roll marks onset frames only.")]
    Roll {
        /// MIDI file.
        input: PathBuf,
        /// Output .npy.
        #[arg(short, long)]
        out: PathBuf,
        /// Frames per second.
        #[arg(long, default_value_t = 100.0)]
        fps: f64,
        /// 1 where a note sounds instead of its velocity.
        #[arg(long)]
        binary: bool,
        /// The 9-class drum roll of the percussion channel instead of the piano roll.
        #[arg(long)]
        drums: bool,
        /// Piano roll: include the percussion channel.
        #[arg(long)]
        include_drums: bool,
    },
    /// A MIDI file from a roll .npy (piano: 128 rows; drums: 9 rows).
    FromRoll {
        /// Roll .npy (float32).
        input: PathBuf,
        /// Output .mid.
        #[arg(short, long)]
        out: PathBuf,
        /// Frames per second of the roll.
        #[arg(long, default_value_t = 100.0)]
        fps: f64,
        /// Cells are 0/1; notes get --velocity.
        #[arg(long)]
        binary: bool,
        /// Velocity of notes from a binary roll.
        #[arg(long, default_value_t = 100)]
        velocity: u8,
        /// GM program of the notes (piano rolls).
        #[arg(long, default_value_t = 0)]
        program: u8,
    },
    /// Frame-level chord labels (root:quality, N for none) as CSV segments.
    Chords {
        /// MIDI file.
        input: PathBuf,
        /// Output .csv with start_s,end_s,label.
        #[arg(short, long)]
        out: PathBuf,
        /// Label frames per second.
        #[arg(long, default_value_t = 10.0)]
        fps: f64,
    },
    /// Render a MIDI file through a SoundFont to WAV (reverb and chorus off).
    #[command(after_help = "Examples:
  reprise midi render song.mid -o song.wav --soundfont tim
  reprise midi render song.mid -o song.wav --soundfont /path/Font.sf3 --sr 44100")]
    Render {
        /// MIDI file.
        input: PathBuf,
        /// Output .wav (16-bit mono).
        #[arg(short, long)]
        out: PathBuf,
        /// SoundFont: tim, fluid, fluid-mono, musescore, csound, or a path.
        #[arg(long, default_value = "tim")]
        soundfont: String,
        /// Sample rate, Hz, 1000 to 192000 (below 16000: rendered at 16000 and resampled).
        #[arg(long, default_value_t = 22_050)]
        sr: u32,
        /// Seconds of release kept after the last note.
        #[arg(long, default_value_t = 1.0)]
        tail_s: f64,
    },
}

pub fn run(cmd: &MidiCommand) -> Result<(), Failure> {
    match cmd {
        MidiCommand::Info { files } => {
            let mut failed = 0;
            for f in files {
                match Score::read(f) {
                    Ok(s) => {
                        let drums = s.notes.iter().filter(|n| n.is_drum()).count();
                        let programs: Vec<String> =
                            s.programs().iter().filter(|(c, _)| *c != DRUM_CHANNEL).map(|(c, p)| format!("ch{}:{}", c + 1, p)).collect();
                        println!(
                            "{}: {} notes ({} drum), {:.2} s, programs [{}]",
                            f.display(),
                            s.notes.len(),
                            drums,
                            s.duration_s,
                            programs.join(" ")
                        );
                        for w in &s.warnings {
                            println!("  warning: {w}");
                        }
                    }
                    Err(e) => {
                        eprintln!("error: {e}");
                        failed += 1;
                    }
                }
            }
            if failed > 0 {
                return Err(Failure { code: if failed == files.len() { 2 } else { 1 }, message: String::new() });
            }
            Ok(())
        }
        MidiCommand::Roll { input, out, fps, binary, drums, include_drums } => {
            let score = Score::read(input)?;
            let value = if *binary { RollValue::Binary } else { RollValue::Velocity };
            let roll = if *drums {
                if !score.notes.iter().any(|n| n.is_drum()) {
                    return Err(format!("{}: no notes on the percussion channel (10) for a drum roll", input.display()).into());
                }
                drum_roll(&score, *fps, value).map_err(|e| format!("{}: {e}", input.display()))?
            } else {
                piano_roll(&score, *fps, value, *include_drums).map_err(|e| format!("{}: {e}", input.display()))?
            };
            reprise::io::write_npy(out, &roll)?;
            let rows: Vec<String> = if *drums { DRUM_CLASSES.iter().map(|s| s.to_string()).collect() } else { Vec::new() };
            let meta = serde_json::json!({
                "kind": if *drums { "drum_roll" } else { "piano_roll" },
                "source": input, "fps": fps, "value": if *binary { "binary" } else { "velocity" },
                "shape": roll.shape(), "rows": rows, "duration_s": score.duration_s,
            });
            reprise::io::write_json(&out.with_extension("json"), &meta)?;
            println!("{}: {} × {} at {fps} fps", out.display(), roll.nrows(), roll.ncols());
            Ok(())
        }
        MidiCommand::FromRoll { input, out, fps, binary, velocity, program } => {
            let roll: ndarray::Array2<f32> = read_roll(input)?;
            let value = if *binary { RollValue::Binary } else { RollValue::Velocity };
            let score = match roll.nrows() {
                9 => drum_roll_to_score(roll.view(), *fps, value, *velocity),
                _ => roll_to_score(roll.view(), *fps, value, *program, 0, *velocity),
            }
            .map_err(|e| format!("{}: {e}", input.display()))?;
            if score.notes.is_empty() {
                return Err(format!("{}: the roll is all zeros; no MIDI written", input.display()).into());
            }
            let bytes = score.to_smf_bytes()?;
            reprise::io::write_atomic(out, |w| w.write_all(&bytes))?;
            println!("{}: {} notes, {:.2} s", out.display(), score.notes.len(), score.duration_s);
            Ok(())
        }
        MidiCommand::Chords { input, out, fps } => {
            let score = Score::read(input)?;
            let labels = chord_labels(&score, *fps).map_err(|e| format!("{}: {e}", input.display()))?;
            let mut text = String::from("start_s,end_s,label\n");
            for (a, b, l) in chord_segments(&labels, *fps) {
                text.push_str(&format!("{a:.3},{b:.3},{}\n", l.map_or("N".to_string(), |c| c.to_string())));
            }
            reprise::io::write_atomic(out, |w| w.write_all(text.as_bytes()))?;
            println!("{}: {} frames at {fps} fps", out.display(), labels.len());
            Ok(())
        }
        MidiCommand::Render { input, out, soundfont, sr, tail_s } => {
            if !(1_000..=192_000).contains(sr) {
                return Err(format!("--sr {sr}: give a sample rate from 1000 to 192000 Hz").into());
            }
            let score = Score::read(input)?;
            let (path, family) = resolve_soundfont(soundfont)?;
            let font = SoundFontFile::open(&path, Some(&family))?;
            let render_sr = (*sr).clamp(16_000, 192_000);
            let mut audio = font.render_score(&score, render_sr, *tail_s).map_err(|e| format!("{}: {e}", input.display()))?;
            if render_sr != *sr {
                audio = reprise::io::resample(&audio, render_sr, *sr).map_err(|e| format!("--sr {sr}: {e}"))?;
            }
            reprise::io::write_wav_i16(out, &audio, *sr)?;
            println!("{}: {:.2} s at {sr} Hz from {}", out.display(), audio.len() as f64 / *sr as f64, path.display());
            Ok(())
        }
    }
}

fn read_roll(path: &Path) -> Result<ndarray::Array2<f32>, Failure> {
    use ndarray_npy::ReadNpyExt;
    reprise::io::check_npy(path)?;
    let f = std::fs::File::open(path).map_err(|e| format!("{}: {e}", path.display()))?;
    ndarray::Array2::<f32>::read_npy(f).map_err(|e| format!("{}: not a 2-D float32 .npy roll: {e}", path.display()).into())
}

/// `reprise eval-patterns`: the MIREX pattern metrics of an estimate against a reference.
pub fn eval_patterns(reference: &Path, estimate: &Path, json: bool) -> Result<(), Failure> {
    use reprise::midi::patterns::{evaluate_patterns, read_patterns};
    let (r, e) = (read_patterns(reference)?, read_patterns(estimate)?);
    for (side, path) in [(&r, reference), (&e, estimate)] {
        if side.iter().all(|p| p.occurrences.iter().all(Vec::is_empty)) {
            eprintln!("warning: {}: no patterns; every score is 0", path.display());
        }
    }
    let s = evaluate_patterns(&r, &e)?;
    if json {
        println!("{}", serde_json::to_string(&s).expect("plain data"));
        return Ok(());
    }
    println!("{:<16} {:>6} {:>6} {:>6}", "metric", "F", "P", "R");
    for (name, v) in [
        ("standard", s.standard),
        ("establishment", s.establishment),
        ("occurrence .75", s.occurrence_75),
        ("occurrence .5", s.occurrence_50),
        ("three-layer", s.three_layer),
    ] {
        println!("{name:<16} {:>6.3} {:>6.3} {:>6.3}", v.f, v.p, v.r);
    }
    println!("FFP {:.3}  FFTP_est {:.3}", s.ffp, s.fftp_est);
    Ok(())
}

/// `reprise structure`: the recurrence matrix and repeated sections of a recording.
pub fn structure(a: &crate::StructureArgs) -> Result<(), Failure> {
    use reprise::structure::{analyse, write_outputs, StructureConfig, StructureFeatures};
    let features = match a.features {
        crate::StructureKind::Cae => StructureFeatures::Cae,
        crate::StructureKind::Cqt => StructureFeatures::Cqt,
        crate::StructureKind::Chroma => StructureFeatures::Chroma,
        crate::StructureKind::Mfcc => StructureFeatures::Mfcc,
    };
    if !(a.bpm > 0.0 && a.bpm.is_finite() && a.bpm <= 1000.0) {
        return Err(format!("--bpm {}: give a tempo from 1 to 1000 beats per minute", a.bpm).into());
    }
    if a.model.is_some() && features != StructureFeatures::Cae {
        return Err(format!("--model reads with --features cae only (given --features {})", features.name()).into());
    }
    let cfg = StructureConfig { features, bpm: a.bpm, threshold: a.threshold, ..Default::default() };
    // the model is opened first, so that a wrong folder is named before any audio is read
    let cae = (features == StructureFeatures::Cae).then(|| reprise::cae::CaeModel::open(a.model.as_deref())).transpose()?;
    let s = analyse(&a.audio, a.notes.as_deref(), &cfg, a.model.as_deref())?;
    for w in &s.warnings {
        eprintln!("warning: {}: {w}", a.audio.display());
    }
    let written = write_outputs(&s, &a.audio, &cfg, cae.as_ref().map(|m| m.source.as_str()), &a.out)?;
    let occ: usize = s.patterns.iter().map(|p| p.occurrences.len()).sum();
    crate::note(format_args!(
        "{}: {} frames, {} patterns ({occ} occurrences){} → {}",
        a.audio.display(),
        s.frames,
        s.patterns.len(),
        s.threshold.map(|t| format!(" at threshold {t:.4}")).unwrap_or_default(),
        written.iter().map(|p| p.display().to_string()).collect::<Vec<_>>().join(", ")
    ));
    Ok(())
}
