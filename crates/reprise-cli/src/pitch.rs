//! `reprise pitch`, `reprise eval-melody` and `reprise transfer`.

use crate::{Failure, PitchArgs, PitchMethodArg, SrArg, TransferArgs, TransferMethodArg};
use reprise::dsp::{MelodyEvalConfig, PyinConfig};
use reprise::pitch::PitchMethod;
use std::path::{Path, PathBuf};

/// `reprise pitch`: pYIN, then the CSV and the picture.
pub fn run(a: &PitchArgs) -> Result<(), Failure> {
    let lib = PyinConfig::default();
    let cfg = PyinConfig {
        fmin: a.fmin.unwrap_or(lib.fmin),
        fmax: a.fmax.unwrap_or(lib.fmax),
        frame_length: a.frame_length,
        hop_length: a.hop_length,
        resolution: a.pyin.resolution,
        max_transition_rate: a.pyin.max_transition_rate,
        switch_prob: a.pyin.switch_prob,
        ..lib
    };
    let sr = match a.sr {
        SrArg::Native => None,
        SrArg::Hz(v) => Some(v),
    };
    // parameters are checked before any audio is decoded (at the rate asked for)
    if let Some(sr) = sr {
        cfg.validate(sr).map_err(|e| format!("{}: {e}", a.input.display()))?;
    }
    let csv = a.out.clone().unwrap_or_else(|| default_csv(&a.input));
    let png = (!a.no_plot).then(|| csv.with_extension("png"));
    let method = match a.method {
        PitchMethodArg::Pyin => PitchMethod::Pyin,
        PitchMethodArg::Yin => PitchMethod::Yin,
    };
    if method == PitchMethod::Pyin && a.threshold != 0.1 {
        return Err("--threshold is YIN's; give --method yin".to_string().into());
    }
    if !(a.threshold > 0.0 && a.threshold.is_finite()) {
        return Err(format!("--threshold {}: give a positive number", a.threshold).into());
    }
    let track = reprise::pitch::track_file(&a.input, sr, &cfg, method, a.threshold)?;
    for w in &track.warnings {
        eprintln!("warning: {}: {w}", a.input.display());
    }
    let name = a.input.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let label = if method == PitchMethod::Yin { "YIN" } else { "pYIN" };
    let written = reprise::pitch::write_outputs(&track, &csv, png.as_deref(), &format!("{label}: {name}"))?;
    crate::note(format_args!(
        "{}: {} frames, {:.0} % voiced → {}",
        a.input.display(),
        track.track.len(),
        100.0 * track.voiced_share(),
        written.iter().map(|p| p.display().to_string()).collect::<Vec<_>>().join(", ")
    ));
    Ok(())
}

/// `song.wav` → `song.pitch.csv` in the current folder.
fn default_csv(input: &Path) -> PathBuf {
    let stem = input.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_else(|| "pitch".into());
    PathBuf::from(format!("{stem}.pitch.csv"))
}

/// `reprise eval-melody`.
pub fn eval_melody(reference: &Path, estimate: &Path, cent_tolerance: f64, hop: Option<f64>, json: bool) -> Result<(), Failure> {
    if !(cent_tolerance > 0.0 && cent_tolerance.is_finite()) {
        return Err(format!("--cent-tolerance {cent_tolerance}: give a positive number of cents").into());
    }
    let cfg = MelodyEvalConfig { cent_tolerance, hop_s: hop, ..Default::default() };
    let s = reprise::pitch::evaluate_files(reference, estimate, &cfg)?;
    if json {
        println!("{}", serde_json::to_string(&s).expect("plain data"));
        return Ok(());
    }
    for (name, v) in [
        ("voicing recall", s.voicing_recall),
        ("voicing false alarm", s.voicing_false_alarm),
        ("raw pitch accuracy", s.raw_pitch_accuracy),
        ("raw chroma accuracy", s.raw_chroma_accuracy),
        ("overall accuracy", s.overall_accuracy),
    ] {
        println!("{name:<20} {v:.4}");
    }
    Ok(())
}

/// `reprise transfer`.
pub fn transfer(a: &TransferArgs) -> Result<(), Failure> {
    use reprise::transfer::{transfer_files, write_outputs, TransferConfig, TransferMethod};
    let lib = TransferConfig::default();
    let method = match a.method {
        TransferMethodArg::Envelope => TransferMethod::Envelope,
        TransferMethodArg::Mosaic => TransferMethod::Mosaic,
    };
    // (an option of the other method, changed from its default, would be silently ignored)
    if method == TransferMethod::Mosaic && a.lifter_order != lib.envelope.lifter_order {
        return Err("--lifter-order is the envelope method's; give --method envelope".to_string().into());
    }
    if method == TransferMethod::Envelope && a.k != lib.mosaic.k {
        return Err("--k is the mosaic method's; give --method mosaic".to_string().into());
    }
    if !(8000..=192_000).contains(&a.sr) {
        return Err(format!("--sr {}: give a rate from 8000 to 192000 Hz", a.sr).into());
    }
    let cfg = TransferConfig {
        method,
        sr: a.sr,
        envelope: reprise::dsp::envelope::CrossSynthesisConfig { lifter_order: a.lifter_order, ..lib.envelope },
        mosaic: reprise::dsp::mosaic::MosaicConfig { k: a.k, sr: a.sr, ..lib.mosaic },
    };
    cfg.envelope.validate().map_err(|e| format!("{}: {e}", a.input.display()))?;
    cfg.mosaic.validate().map_err(|e| format!("{}: {e}", a.input.display()))?;
    let t = transfer_files(&a.input, &a.timbre, &cfg)?;
    for n in &t.notes {
        eprintln!("note: {n}");
    }
    let png = (!a.no_plot).then(|| a.out.with_extension("png"));
    let name = |p: &Path| p.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let title = format!("{} with the timbre of {} ({:?})", name(&a.input), name(&a.timbre), method).to_lowercase();
    let written = write_outputs(&t, &a.out, png.as_deref(), &title)?;
    crate::note(format_args!(
        "{}: {:.2} s → {}",
        a.input.display(),
        t.output.len() as f64 / t.sr as f64,
        written.iter().map(|p| p.display().to_string()).collect::<Vec<_>>().join(", ")
    ));
    Ok(())
}
