//! `reprise plot` and every picture the binary writes: figures built by
//! `reprise::pictures` (which kind is drawn how) and drawn by `reprise-plot`, written
//! atomically as PNG.

use crate::Failure;
use clap::Args;
use reprise::features::FeatureData;
use reprise::io::write_atomic;
use reprise::nn::train::EpochMetrics;
use reprise::pictures::{feature_figure, feature_title, read_feature_file, PictureOptions, Scale};
use reprise::plot::{Corner, Extent, Figure, Lines, Panel, Series, PALETTE};
use std::path::{Path, PathBuf};

/// Writes rendered PNG bytes atomically; a rendering error names the picture.
fn write_png(path: &Path, png: reprise::plot::Result<Vec<u8>>) -> Result<(), Failure> {
    let png = png.map_err(|e| format!("{}: {e}", path.display()))?;
    write_atomic(path, |w| w.write_all(&png))?;
    Ok(())
}

/// Writes a figure as a PNG (atomically).
pub fn write_figure(path: &Path, fig: &Figure) -> Result<(), Failure> {
    write_png(path, reprise::plot::render(fig))
}

/// A confusion matrix: class names on the rows, counts and row percentages in the cells.
pub fn write_confusion_png(path: &Path, title: &str, labels: &[String], counts: &[Vec<usize>]) -> Result<(), Failure> {
    write_png(path, reprise::plot::confusion(title, labels, counts))
}

/// Training curves: loss (training, validation) above the objective's measures, one point
/// per epoch: accuracy (training, validation, validation per-class) for classifiers, the
/// invariance of the validation pairs for the CAE. `loss_name` titles the loss panel.
pub fn write_curves_png(path: &Path, title: &str, loss_name: &str, epochs: &[EpochMetrics]) -> Result<(), Failure> {
    let xs: Vec<f64> = epochs.iter().map(|m| m.epoch as f64).collect();
    let last = xs.last().copied().unwrap_or(1.0);
    let x = Extent { start: if last > 1.0 { 1.0 } else { 0.0 }, end: last.max(2.0), label: "epoch".into() };
    let value = |name: &str, scale: f64| -> Vec<f64> { epochs.iter().map(|m| m.value(name).map_or(f64::NAN, |v| scale * v)).collect() };
    let series = |name: &str, values: Vec<f64>, c: usize| Series { name: name.into(), values, colour: PALETTE[c], markers: true };
    let has = |name: &str| epochs.iter().any(|m| m.value(name).is_some());
    let loss = Lines {
        title: format!("loss ({loss_name})"),
        x: x.clone(),
        xs: xs.clone(),
        series: vec![
            series("training", epochs.iter().map(|m| m.train_loss).collect(), 0),
            series("validation", epochs.iter().map(|m| m.val_loss.unwrap_or(f64::NAN)).collect(), 1),
        ],
        y_label: "loss".into(),
        y_range: None,
        legend: Corner::UpperRight,
    };
    let mut panels = vec![Panel::Lines(loss)];
    if has("train_acc") || has("val_acc") {
        panels.push(Panel::Lines(Lines {
            title: "accuracy of the windows".into(),
            x,
            xs,
            series: vec![
                series("training", value("train_acc", 100.0), 0),
                series("validation", value("val_acc", 100.0), 1),
                series("validation, per-class", value("val_balanced_acc", 100.0), 2),
            ],
            y_label: "accuracy (%)".into(),
            y_range: Some((0.0, 100.0)),
            legend: Corner::LowerRight,
        }));
    } else if has("val_invariance") {
        panels.push(Panel::Lines(Lines {
            title: "invariance: distance to the shifted window / to an unrelated one (0 = invariant)".into(),
            x,
            xs,
            series: vec![series("validation pairs", value("val_invariance", 1.0), 1)],
            y_label: "distance ratio".into(),
            y_range: None,
            legend: Corner::UpperRight,
        }));
    }
    write_figure(path, &Figure::new(format!("{title}: training curves"), panels))
}

#[derive(Args)]
pub struct PlotArgs {
    /// A .npy written by `reprise features` (its .json sidecar gives the axes), a folder of
    /// them, a run folder of `reprise train` (or its metrics.jsonl) for training curves, or
    /// an audio file for its waveform.
    input: PathBuf,
    /// Output PNG [default: beside the input: FILE.png; RUN/training.png]; a folder when
    /// INPUT is a folder of .npy files.
    #[arg(short, long)]
    out: Option<PathBuf>,
    /// Draw energies as linear magnitudes instead of dB.
    #[arg(long)]
    linear: bool,
    /// Values at the ends of the colour map (in the picture's unit, e.g. dB): LOW,HIGH.
    #[arg(long, value_parser = parse_range, allow_hyphen_values = true)]
    range: Option<(f32, f32)>,
    /// dB below the maximum that the colours span.
    #[arg(long, default_value_t = 80.0)]
    top_db: f32,
    /// Width of the picture in pixels.
    #[arg(long, default_value_t = 1000)]
    width: u32,
    /// Height of each heat-map panel in pixels.
    #[arg(long, default_value_t = 300)]
    height: u32,
    /// Joint-format JTFS: draw only this path (λ rows × frames) instead of every group.
    #[arg(long)]
    path: Option<usize>,
}

fn parse_range(s: &str) -> Result<(f32, f32), String> {
    let parts: Vec<&str> = s.split(',').collect();
    let [lo, hi] = parts[..] else { return Err(format!("`{s}`: give two numbers, LOW,HIGH (e.g. -80,0)")) };
    let num = |t: &str| t.trim().parse::<f32>().ok().filter(|v| v.is_finite()).ok_or_else(|| format!("`{t}` is not a finite number"));
    let (lo, hi) = (num(lo)?, num(hi)?);
    if hi > lo {
        Ok((lo, hi))
    } else {
        Err(format!("`{s}`: HIGH must be above LOW"))
    }
}

pub fn run(a: &PlotArgs) -> Result<(), Failure> {
    if !(a.top_db > 0.0 && a.top_db.is_finite()) {
        return Err(format!("--top-db {}: must be a positive number of dB", a.top_db).into());
    }
    if !(200..=20_000).contains(&a.width) || !(80..=5_000).contains(&a.height) {
        return Err(format!("--width {} / --height {}: the width must be 200 to 20000 pixels and the height 80 to 5000", a.width, a.height).into());
    }
    let p = &a.input;
    if !p.exists() {
        return Err(format!("{}: no such file or folder", p.display()).into());
    }
    let is_run = p.extension().is_some_and(|e| e == "jsonl") || (p.is_dir() && p.join("metrics.jsonl").is_file());
    if is_run {
        return curves(a);
    }
    let opts = PictureOptions {
        scale: if a.linear { Scale::Linear } else { Scale::Auto },
        range: a.range,
        top_db: a.top_db,
        width: a.width,
        height: Some(a.height),
        path: a.path,
        time_end_s: None,
    };
    if p.is_file() {
        let out = a.out.clone().unwrap_or_else(|| p.with_extension("png"));
        if reprise::io::is_audio_path(p) {
            write_waveform_png(p, &out, a.width)?;
        } else {
            plot_one(p, &out, &opts)?;
        }
        crate::note(format_args!("wrote {}", out.display()));
        return Ok(());
    }
    let mut files = Vec::new();
    walk_npy(p, &mut files).map_err(|e| format!("{}: {e}", p.display()))?;
    if files.is_empty() {
        return Err(format!("{}: no .npy files and no metrics.jsonl found (give a `reprise features` output or a training run)", p.display()).into());
    }
    let mut failed = 0;
    for f in &files {
        let out = match &a.out {
            Some(dir) => dir.join(f.strip_prefix(p).unwrap_or(f)).with_extension("png"),
            None => f.with_extension("png"),
        };
        if let Some(parent) = out.parent() {
            std::fs::create_dir_all(parent).map_err(|e| format!("{}: cannot create folder: {e}", parent.display()))?;
        }
        match plot_one(f, &out, &opts) {
            Ok(()) => crate::note(format_args!("wrote {}", out.display())),
            Err(e) => {
                eprintln!("error: {}", e.message);
                failed += 1;
            }
        }
    }
    if failed > 0 {
        return Err(Failure { code: 1, message: format!("{failed} of {} file(s) could not be drawn", files.len()) });
    }
    Ok(())
}

/// The waveform of an audio file at its own rate (channels mixed to mono).
fn write_waveform_png(audio: &Path, out: &Path, width: u32) -> Result<(), Failure> {
    let sig = reprise::io::load(audio, &reprise::io::LoadOptions { sr: None, offset_s: 0.0, duration_s: None })?;
    let name = audio.file_name().unwrap_or_default().to_string_lossy().to_string();
    let title = format!("Waveform of {name} ({} Hz, {:.2} s)", sig.sr, sig.duration_s());
    let panel = Panel::Waveform(reprise::plot::Waveform { title: "mono mix".into(), samples: sig.samples, sr: sig.sr as f64 });
    write_figure(out, &Figure { title, panels: vec![panel], width, heatmap_height: None })
}

fn plot_one(npy: &Path, out: &Path, opts: &PictureOptions) -> Result<(), Failure> {
    let (data, sidecar) = read_feature_file(npy)?;
    let mut title = feature_title(&sidecar, &npy.file_name().unwrap_or_default().to_string_lossy());
    if sidecar.as_object().is_none_or(|o| o.is_empty()) {
        title = format!("{} (no sidecar: rows by index)", npy.display());
    }
    if opts.path.is_some() && !matches!(data, FeatureData::Real3(_)) {
        return Err(format!("{}: --path is for the joint JTFS format (paths × rows × frames); this .npy is 2-D", npy.display()).into());
    }
    let fig = feature_figure(&title, &data, &sidecar, opts).map_err(|e| format!("{}: {e}", npy.display()))?;
    write_figure(out, &fig)
}

fn walk_npy(dir: &Path, out: &mut Vec<PathBuf>) -> std::io::Result<()> {
    let mut entries: Vec<_> = std::fs::read_dir(dir)?.collect::<Result<_, _>>()?;
    entries.sort_by_key(|e| e.path());
    for e in entries {
        let p = e.path();
        if e.file_type()?.is_dir() {
            walk_npy(&p, out)?;
        } else if p.extension().is_some_and(|x| x == "npy") {
            out.push(p);
        }
    }
    Ok(())
}

fn curves(a: &PlotArgs) -> Result<(), Failure> {
    let path = if a.input.is_dir() { a.input.join("metrics.jsonl") } else { a.input.clone() };
    let text = std::fs::read_to_string(&path).map_err(|e| format!("{}: {e}", path.display()))?;
    let epochs: Vec<EpochMetrics> = text
        .lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty())
        .map(|(i, l)| serde_json::from_str(l).map_err(|e| format!("{}: line {}: not a metrics line ({e})", path.display(), i + 1)))
        .collect::<Result<_, _>>()?;
    if epochs.is_empty() {
        return Err(format!("{}: no epochs to plot", path.display()).into());
    }
    let out = a.out.clone().unwrap_or_else(|| path.with_file_name("training.png"));
    let title = path.parent().and_then(|p| p.file_name()).map(|s| s.to_string_lossy().to_string()).unwrap_or_default();
    // the loss the run was trained on, from its model.json when it is there
    let loss_name = match path.parent().and_then(|run| reprise::deep::RunInfo::load(run).ok()).map(|info| info.model) {
        Some(reprise::nn::models::ModelConfig::Cae(c)) => format!("L{} pair reconstruction", c.loss_power),
        Some(_) => "cross-entropy".into(),
        None => "training objective".into(),
    };
    write_curves_png(&out, &title, &loss_name, &epochs)?;
    crate::note(format_args!("wrote {}", out.display()));
    Ok(())
}
