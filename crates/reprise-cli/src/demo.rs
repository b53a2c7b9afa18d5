//! `reprise demo`: the main job. On the embedded clip it runs, in process, the very
//! `reprise` commands that its gallery page shows, so that every picture can be reproduced
//! by copying the command beside it.

use crate::{dispatch, plot, Cli, Failure};
use reprise::core::Signal;
use reprise::features::{extract_signal, FeatureData, FeatureKind, FeatureParams};
use reprise::io::{load, write_atomic, LoadOptions};
use reprise::pictures::{feature_panels, read_feature_file, PictureOptions};
use reprise::plot::{Figure, Panel, Waveform};
use std::path::Path;
use std::time::Instant;

/// The demo clip: 6 s of original synthesized music, CC0 (see `assets/README.md`).
const DEMO_FLAC: &[u8] = include_bytes!("../../../assets/demo.flac");

/// One step of the ladder: commands (files marked with `@`, relative to the output folder),
/// the picture they draw, and what to say about it.
struct Step {
    title: &'static str,
    caption: &'static str,
    commands: &'static [&'static str],
    picture: &'static str,
    /// Data files to link (besides the picture).
    files: &'static [&'static str],
}

const STEPS: &[Step] = &[
    Step {
        title: "Waveform",
        caption: "The demo clip itself (6 s of synthesized music, CC0), drawn as its min/max envelope.",
        commands: &["plot @demo.flac -o @demo.waveform.png"],
        picture: "demo.waveform.png",
        files: &["demo.flac"],
    },
    Step {
        title: "STFT",
        caption: "Short-time Fourier transform magnitude (n_fft 2048, hop 512, Hann), drawn in dB on a linear frequency axis. Stored as magnitudes so that Griffin-Lim can invert it below.",
        commands: &["features stft @demo.flac -o @demo.stft.npy --power 1 --plot"],
        picture: "demo.stft.png",
        files: &["demo.stft.npy", "demo.stft.json"],
    },
    Step {
        title: "Mel spectrogram",
        caption: "128 Slaney mel bands of the power STFT, in dB; the axis marks the band centres in Hz.",
        commands: &["features mel @demo.flac -o @demo.mel.npy --plot"],
        picture: "demo.mel.png",
        files: &["demo.mel.npy", "demo.mel.json"],
    },
    Step {
        title: "MFCC",
        caption: "20 mel-frequency cepstral coefficients (DCT-II of the log-mel spectrogram); signed values on a diverging map.",
        commands: &["features mfcc @demo.flac -o @demo.mfcc.npy --plot"],
        picture: "demo.mfcc.png",
        files: &["demo.mfcc.npy", "demo.mfcc.json"],
    },
    Step {
        title: "Constant-Q transform",
        caption: "192 bins, 24 per octave from C1 (32.7 Hz) to 8.1 kHz, hop 128, complex (inverted below); magnitude in dB on a note axis.",
        commands: &["features cqt @demo.flac -o @demo.cqt.npy --n-bins 192 --bins-per-octave 24 --hop-length 128 --plot"],
        picture: "demo.cqt.png",
        files: &["demo.cqt.npy", "demo.cqt.json"],
    },
    Step {
        title: "Chroma",
        caption: "Chromagram from the CQT (36 bins per octave folded to 12 pitch classes, tuning estimated).",
        commands: &["features chroma-cqt @demo.flac -o @demo.chroma-cqt.npy --plot"],
        picture: "demo.chroma-cqt.png",
        files: &["demo.chroma-cqt.npy", "demo.chroma-cqt.json"],
    },
    Step {
        title: "Spectral centroid",
        caption: "A one-row feature, drawn as a line: the centre of mass of each STFT frame, in Hz.",
        commands: &["features centroid @demo.flac -o @demo.centroid.npy --plot"],
        picture: "demo.centroid.png",
        files: &["demo.centroid.npy", "demo.centroid.json"],
    },
    Step {
        title: "RMS energy",
        caption: "Root-mean-square amplitude per frame.",
        commands: &["features rms @demo.flac -o @demo.rms.npy --plot"],
        picture: "demo.rms.png",
        files: &["demo.rms.npy", "demo.rms.json"],
    },
    Step {
        title: "Morlet scalogram",
        caption: "|x ∗ ψ_λ| with kymatio's first-order Morlet filters (J 8, Q 12), hop 2^J; low frequencies at the bottom although the rows are stored high to low.",
        commands: &["features scalogram @demo.flac -o @demo.scalogram.npy --plot"],
        picture: "demo.scalogram.png",
        files: &["demo.scalogram.npy", "demo.scalogram.json"],
    },
    Step {
        title: "Wavelet scattering, orders 1 and 2",
        caption: "Scattering 1-D (J 8, Q (12, 1)), as kymatio 0.3: order 1 on a λ1 axis in Hz; order 2 grouped in bands of λ2 (thin lines), λ1 rising within each. dB per panel.",
        commands: &["features scattering @demo.flac -o @demo.scattering.npy --plot"],
        picture: "demo.scattering.png",
        files: &["demo.scattering.npy", "demo.scattering.json"],
    },
    Step {
        title: "Joint time-frequency scattering",
        caption: "JTFS (J_fr 3, Q_fr 1), kymatio main's format `time`: one panel per path group (order 1; order 2 with φ_f, spin up, spin down).",
        commands: &["features jtfs @demo.flac -o @demo.jtfs.npy --plot"],
        picture: "demo.jtfs.png",
        files: &["demo.jtfs.npy", "demo.jtfs.json"],
    },
    Step {
        title: "Spiral scattering",
        caption: "JTFS plus finite differences across octaves at fixed chroma; the spiral paths get panels of their own.",
        commands: &["features spiral @demo.flac -o @demo.spiral.npy --plot"],
        picture: "demo.spiral.png",
        files: &["demo.spiral.npy", "demo.spiral.json"],
    },
    Step {
        title: "Complex Autoencoder magnitudes",
        caption: "A learned representation: the 256 invariant magnitudes of the Complex Autoencoder that ships with Reprise (trained on piano renders of Bach chorales), one column per 90-ms CQT frame, each for the 2.9-s window around it. Transposing or shifting the music changes the phases, hardly the magnitudes.",
        commands: &["features cae @demo.flac -o @demo.cae.npy --plot"],
        picture: "demo.cae.png",
        files: &["demo.cae.npy", "demo.cae.json"],
    },
    Step {
        title: "Self-similarity and repeated sections",
        caption: "The self-similarity matrix of the CAE magnitudes (cosine distance, inverted, diagonal band removed, smoothed along diagonals, min-max scaled) with the repeated sections that Nieto & Farbood's extractor finds marked on it. --bpm 240 sets the shortest pattern (16 beats) to 4 s, so that this 6-s clip can hold one; the occurrences found overlap, as the clip's loops do. On whole pieces, with MIREX scores, see RESULTS.md.",
        commands: &["structure @demo.flac --bpm 240 -o @demo.structure"],
        picture: "demo.structure/ssm.png",
        files: &["demo.structure/ssm.npy", "demo.structure/sections.json"],
    },
    Step {
        title: "Griffin-Lim reconstruction",
        caption: "Audio from the STFT magnitude alone: fast Griffin-Lim, 32 iterations, momentum 0.99, seeded random phase.",
        commands: &["invert stft @demo.stft.npy -o @demo.griffinlim.wav", "plot @demo.griffinlim.wav -o @demo.griffinlim.png"],
        picture: "demo.griffinlim.png",
        files: &["demo.griffinlim.wav"],
    },
    Step {
        title: "Inverse CQT reconstruction",
        caption: "Audio from the complex CQT above (librosa's icqt, an approximate inverse); content above the top bin (8.1 kHz) is lost.",
        commands: &["invert cqt @demo.cqt.npy -o @demo.icqt.wav", "plot @demo.icqt.wav -o @demo.icqt.png"],
        picture: "demo.icqt.png",
        files: &["demo.icqt.wav"],
    },
];

/// The overview picture: waveform, mel, CQT, chroma and first-order scattering on one time axis.
const OVERVIEW: &str = "demo.png";

/// Runs `reprise ARGS` in process, files resolved in `out`.
fn run_command(out: &Path, command: &str) -> Result<(), Failure> {
    let mut argv = vec!["reprise".to_string()];
    argv.extend(command.split_whitespace().map(|a| match a.strip_prefix('@') {
        Some(f) => out.join(f).display().to_string(),
        None => a.to_string(),
    }));
    let matches =
        <Cli as clap::CommandFactory>::command().try_get_matches_from(&argv).map_err(|e| format!("demo command `{command}` does not parse: {e}"))?;
    dispatch(crate::command_of(&matches)?)
}

/// The command as a user types it inside the output folder.
fn shown(command: &str) -> String {
    format!("reprise {}", command.replace('@', ""))
}

pub fn run(out: &Path) -> Result<(), Failure> {
    std::fs::create_dir_all(out).map_err(|e| format!("{}: cannot create folder: {e}", out.display()))?;
    let clip = out.join("demo.flac");
    write_atomic(&clip, |w| w.write_all(DEMO_FLAC))?;
    let info = reprise::io::probe(&clip)?;
    println!(
        "demo clip: {} ({} Hz, {} channel, {:.2} s) → {}",
        clip.display(),
        info.sample_rate,
        info.channels,
        info.duration_s().unwrap_or(0.0),
        out.display()
    );
    let t0 = Instant::now();
    crate::QUIET.store(true, std::sync::atomic::Ordering::Relaxed);
    for step in STEPS {
        let t = Instant::now();
        for c in step.commands {
            run_command(out, c)?;
        }
        println!("  {:<36} {:>6.0} ms  {}", step.title, t.elapsed().as_secs_f64() * 1000.0, out.join(step.picture).display());
    }
    let y = load(&clip, &LoadOptions { sr: Some(22050), ..Default::default() })?;
    let errors = reconstruction_errors(out, &y)?;
    for (name, what) in &errors {
        println!("  {name}: {what}");
    }
    overview(out, y)?;
    println!("  {:<36} {}", "overview", out.join(OVERVIEW).display());
    let page = out.join("index.html");
    write_atomic(&page, |w| w.write_all(index_html(&errors, t0.elapsed().as_secs_f64()).as_bytes()))?;
    println!("gallery: {} (done in {:.1} s)", page.display(), t0.elapsed().as_secs_f64());
    Ok(())
}

/// Errors of the two reconstructions, as text for the page: Griffin-Lim by spectral
/// convergence (its phase is new, so samples cannot be compared), the inverse CQT by the
/// signal-to-error ratio of the samples.
/// `y` is the clip at 22050 Hz; the clip's |STFT| is the demo's `demo.stft.npy`.
fn reconstruction_errors(out: &Path, y: &Signal) -> Result<Vec<(&'static str, String)>, Failure> {
    let opts = LoadOptions { sr: Some(22050), ..Default::default() };
    let gl = load(out.join("demo.griffinlim.wav"), &opts)?;
    let icqt = load(out.join("demo.icqt.wav"), &opts)?;
    // the same STFT as the step that wrote demo.stft.npy (`--power 1`, defaults otherwise)
    let params = FeatureParams { kind: FeatureKind::Stft, power: Some(1.0), ..Default::default() };
    let real = |d: FeatureData| -> Result<ndarray::Array2<f32>, Failure> {
        match d {
            FeatureData::Real(a) => Ok(a),
            _ => Err("the STFT magnitude is not real".into()),
        }
    };
    let (a, b) = (real(read_feature_file(&out.join("demo.stft.npy"))?.0)?, real(extract_signal(&gl.samples, 22050, &params)?.data)?);
    let frames = a.ncols().min(b.ncols());
    let (a, b) = (a.slice(ndarray::s![.., ..frames]), b.slice(ndarray::s![.., ..frames]));
    let num: f64 = a.iter().zip(b.iter()).map(|(x, y)| ((x - y) as f64).powi(2)).sum();
    let den: f64 = a.iter().map(|x| (*x as f64).powi(2)).sum();
    let sc = (num / den.max(1e-30)).sqrt();
    let n = y.samples.len().min(icqt.samples.len());
    let sig: f64 = y.samples[..n].iter().map(|v| (*v as f64).powi(2)).sum();
    let err: f64 = y.samples[..n].iter().zip(&icqt.samples[..n]).map(|(a, b)| ((a - b) as f64).powi(2)).sum();
    Ok(vec![
        ("Griffin-Lim", format!("spectral convergence ‖|S′| − |S|‖ / ‖|S|‖ = {sc:.3} ({:.1} dB)", 20.0 * sc.max(1e-12).log10())),
        ("inverse CQT", format!("signal-to-error ratio {:.1} dB over {n} samples", 10.0 * (sig / err.max(1e-30)).log10())),
    ])
}

/// Waveform, mel, CQT, chroma and first-order scattering stacked on one time axis.
fn overview(out: &Path, y: Signal) -> Result<(), Failure> {
    let dur = y.duration_s();
    let opts = PictureOptions { time_end_s: Some(dur), height: Some(230), ..Default::default() };
    let mut panels = vec![Panel::Waveform(Waveform { title: "waveform".into(), samples: y.samples, sr: 22050.0 })];
    for name in ["demo.mel.npy", "demo.cqt.npy", "demo.chroma-cqt.npy", "demo.scattering.npy"] {
        let (data, side) = read_feature_file(&out.join(name))?;
        panels.push(feature_panels(&data, &side, &opts)?.remove(0));
    }
    let fig = Figure { title: "Reprise demo: demo.flac from waveform to scattering".into(), panels, width: 1000, heatmap_height: Some(230) };
    plot::write_figure(&out.join(OVERVIEW), &fig)
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

/// The gallery page: every picture with its caption, the commands that make it, and links
/// to its data.
fn index_html(errors: &[(&str, String)], seconds: f64) -> String {
    let mut h = String::new();
    h.push_str(concat!(
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>Reprise demo</title>\n<style>\n",
        "body{font-family:system-ui,sans-serif;max-width:1060px;margin:2em auto;padding:0 1em;color:#222}\n",
        "figure{margin:2.2em 0;border-top:1px solid #ddd;padding-top:1em}img{max-width:100%;border:1px solid #eee}\n",
        "pre{background:#f4f4f4;padding:.6em .8em;overflow-x:auto}figcaption{margin:.4em 0}.err{font-weight:bold}\n",
        "</style>\n</head>\n<body>\n<h1>Reprise demo: the ladder of representations</h1>\n",
        "<p>Every picture below was made by the <code>reprise</code> command printed under it, run inside this folder on ",
        "<a href=\"demo.flac\">demo.flac</a>. Each <code>.npy</code> is in librosa's orientation (features × frames) with a ",
        "<code>.json</code> sidecar that holds its parameters and axes; <code>reprise plot FILE.npy</code> redraws it.</p>\n",
        "<p><a href=\"demo.png\"><img src=\"demo.png\" alt=\"overview\"></a></p>\n"
    ));
    for s in STEPS {
        h.push_str(&format!("<figure id=\"{}\">\n<h2>{}</h2>\n", s.picture.trim_end_matches(".png"), escape(s.title)));
        h.push_str(&format!("<img src=\"{}\" alt=\"{}\">\n<figcaption>{}</figcaption>\n", s.picture, escape(s.title), escape(s.caption)));
        for f in s.files {
            if f.ends_with(".wav") {
                h.push_str(&format!("<p><audio controls src=\"{f}\"></audio> <a href=\"{f}\">{f}</a></p>\n"));
            }
        }
        if let Some((_, e)) = errors.iter().find(|(n, _)| s.title.to_lowercase().contains(&n.to_lowercase())) {
            h.push_str(&format!("<p class=\"err\">{}</p>\n", escape(e)));
        }
        let cmds: Vec<String> = s.commands.iter().map(|c| escape(&shown(c))).collect();
        h.push_str(&format!("<pre>{}</pre>\n", cmds.join("\n")));
        let data: Vec<String> =
            s.files.iter().filter(|f| !f.ends_with(".wav") && !f.ends_with(".flac")).map(|f| format!("<a href=\"{f}\">{f}</a>")).collect();
        if !data.is_empty() {
            h.push_str(&format!("<p>data: {}</p>\n", data.join(" · ")));
        }
        h.push_str("</figure>\n");
    }
    h.push_str(&format!("<p>Made by <code>reprise demo</code> (Reprise {}) in {seconds:.1} s.</p>\n</body>\n</html>\n", env!("CARGO_PKG_VERSION")));
    h
}
