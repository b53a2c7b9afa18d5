//! End-to-end tests of the `reprise` binary: the output contract and bad input.

use ndarray::Array2;
use ndarray_npy::read_npy;
use num_complex::Complex32;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

mod common;

fn fx(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/audio").join(name)
}
fn reprise(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_reprise")).args(args).output().expect("run reprise")
}
fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}
fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

/// Whether TimGM6mb is installed; in CI it must be. Otherwise says what is skipped.
fn tim_installed(what: &str) -> bool {
    if reprise(&["data", "soundfonts", "tim"]).status.success() {
        return true;
    }
    assert!(std::env::var_os("CI").is_none(), "CI must install timgm6mb-soundfont");
    eprintln!("skipping {what}: TimGM6mb is not installed");
    false
}

/// Renders a small TimGM6mb kit into `dir/notes`: violin, flute and piano, every sixth pitch,
/// two velocities, 1-s clips.
fn tiny_kit(dir: &Path) -> PathBuf {
    kit_of(dir, "violin,flute,piano")
}

/// Renders `classes` of TimGM6mb into `dir/notes`, every sixth pitch, two velocities, 1-s clips.
fn kit_of(dir: &Path, classes: &str) -> PathBuf {
    let notes = dir.join("notes");
    let args =
        ["data", "notes", "-o", s(&notes), "--soundfont", "tim", "--classes", classes, "--step", "6", "--velocities", "80,120", "--duration-s", "1"];
    let o = reprise(&[&args[..], &["--hold-s", "0.5"]].concat());
    assert!(o.status.success(), "{}", stderr(&o));
    notes
}

/// Runs `features` and expects exit code 2 with one `error:` line containing `needle`.
fn expect_error(args: &[&str], needle: &str) {
    let o = reprise(args);
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(2), "{args:?}: {err}");
    let lines: Vec<&str> = err.lines().collect();
    assert_eq!(lines.len(), 1, "{args:?}: expected one line, got {err}");
    assert!(lines[0].starts_with("error: ") && lines[0].contains(needle), "{args:?}: `{}` lacks `{needle}`", lines[0]);
    assert!(!err.contains("panicked"), "{err}");
}

#[test]
fn mel_output_contract() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("tone.npy");
    let o = reprise(&["features", "mel", s(&fx("tone_s16.wav")), "-o", s(&out)]);
    assert!(o.status.success(), "{}", stderr(&o));
    let a: Array2<f32> = read_npy(&out).unwrap();
    // 0.5 s at 22050 Hz, hop 512 → 1 + 11025/512 = 22 frames
    assert_eq!(a.dim(), (128, 22));
    let side: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(out.with_extension("json")).unwrap()).unwrap();
    assert_eq!(side["sr"], 22050);
    assert_eq!(side["hop_length"], 512);
    assert_eq!(side["shape"], serde_json::json!([128, 22]));
    assert_eq!(side["params"]["n_mels"], 128);
    assert_eq!(side["axes"]["features"]["values"].as_array().unwrap().len(), 128);
    let t1 = side["axes"]["frames"]["values"][1].as_f64().unwrap();
    assert!((t1 - 512.0 / 22050.0).abs() < 1e-12);
}

#[test]
fn stft_is_complex64_and_inverts() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("d.npy");
    let o = reprise(&["features", "stft", s(&fx("tone_s16.wav")), "-o", s(&out), "--sr", "native"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let d: Array2<Complex32> = read_npy(&out).unwrap();
    assert_eq!(d.nrows(), 1025);
    let wav = dir.path().join("back.wav");
    let o = reprise(&["invert", "stft", s(&out), "-o", s(&wav), "--length", "11025"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let back: Vec<f32> = hound::WavReader::open(&wav).unwrap().samples::<f32>().map(|v| v.unwrap()).collect();
    let orig: Vec<f32> = hound::WavReader::open(fx("tone_s16.wav")).unwrap().samples::<i16>().map(|v| v.unwrap() as f32 / 32768.0).collect();
    assert_eq!(back.len(), orig.len());
    let err = back.iter().zip(&orig).map(|(a, b)| (a - b).abs()).fold(0.0, f32::max);
    assert!(err < 1e-5, "istft round trip {err}");
}

#[test]
fn mel_in_db_inverts_through_griffin_lim() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("m.npy");
    assert!(reprise(&["features", "mel", s(&fx("tone.flac")), "-o", s(&out), "--db", "--plot"]).status.success());
    assert!(out.with_extension("png").is_file());
    let wav = dir.path().join("m.wav");
    let o = reprise(&["invert", "mel", s(&out), "-o", s(&wav)]);
    assert!(o.status.success(), "{}", stderr(&o));
    let r = hound::WavReader::open(&wav).unwrap();
    assert_eq!(r.spec().sample_rate, 22050);
    assert!(r.len() > 10000);
    // absurd output lengths are refused before allocating
    expect_error(&["invert", "mel", s(&out), "-o", s(&wav), "--length", "18446744073709551615"], "exceed");
    expect_error(&["invert", "mel", s(&out), "-o", s(&wav), "--hop-length", "1000000000"], "exceed");
    // a stft file is not a mel file
    expect_error(&["invert", "stft", s(&out), "-o", s(&wav)], "holds `mel` features");
}

#[test]
fn every_kind_runs_on_a_real_file() {
    let dir = tempfile::tempdir().unwrap();
    for kind in [
        "stft",
        "mel",
        "mfcc",
        "chroma-stft",
        "centroid",
        "bandwidth",
        "rolloff",
        "flatness",
        "zcr",
        "rms",
        "cqt",
        "vqt",
        "hybrid-cqt",
        "pseudo-cqt",
        "chroma-cqt",
        "chroma-cens",
        "scalogram",
        "scattering",
    ] {
        let out = dir.path().join(format!("{kind}.npy"));
        let o = reprise(&["features", kind, s(&fx("stereo_s16_44100.wav")), "-o", s(&out)]);
        assert!(o.status.success(), "{kind}: {}", stderr(&o));
        assert!(out.with_extension("json").is_file());
    }
}

#[test]
fn info_prints_the_header() {
    let o = reprise(&["info", s(&fx("stereo_s16_44100.wav"))]);
    let text = String::from_utf8_lossy(&o.stdout);
    assert!(o.status.success());
    assert!(text.contains("2 channels") && text.contains("44100 Hz") && text.contains("16-bit"), "{text}");
    let o = reprise(&["info", s(&fx("text.wav"))]);
    assert_eq!(o.status.code(), Some(2));
}

/// `features --help` names every kind the library has.
#[test]
fn features_help_lists_every_kind() {
    let o = reprise(&["features", "--help"]);
    let text = String::from_utf8_lossy(&o.stdout).split_whitespace().collect::<Vec<_>>().join(" ");
    for k in reprise::features::FeatureKind::ALL {
        assert!(text.contains(&format!(" {},", k.name())) || text.contains(&format!(" {}.", k.name())), "`{}` missing from: {text}", k.name());
    }
}

/// `reprise features cae`: the shipped model's magnitudes (256 rows, one column per CQT
/// frame), the phases below them with --phases, the usual sidecar; options it cannot use
/// and model folders of other kinds are refused with one line.
#[test]
fn features_cae_writes_the_invariant_magnitudes() {
    let dir = tempfile::tempdir().unwrap();
    let (wav, _, _) = aba(dir.path());
    let out = dir.path().join("a.npy");
    let o = reprise(&["features", "cae", s(&wav), "-o", s(&out)]);
    assert!(o.status.success(), "{}", stderr(&o));
    let a: ndarray::Array2<f32> = ndarray_npy::read_npy(&out).unwrap();
    // 36 s at hop 1984: the CQT's frames
    assert_eq!(a.dim(), (256, 1 + 36 * 22050 / 1984));
    assert!(a.iter().all(|v| v.is_finite() && *v >= 0.0));
    let side: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(dir.path().join("a.json")).unwrap()).unwrap();
    assert_eq!((side["kind"].as_str(), side["hop_length"].as_u64()), (Some("cae"), Some(1984)));
    let both = dir.path().join("b.npy");
    assert!(reprise(&["features", "cae", s(&wav), "-o", s(&both), "--phases"]).status.success());
    let b: ndarray::Array2<f32> = ndarray_npy::read_npy(&both).unwrap();
    assert_eq!(b.nrows(), 512);
    assert_eq!(b.slice(ndarray::s![..256, ..]), a);
    assert!(b.slice(ndarray::s![256.., ..]).iter().all(|p| p.abs() <= std::f32::consts::PI + 1e-6));
    expect_error(&["features", "cae", s(&wav), "-o", s(&out), "--n-bins", "60"], "--n-bins applies to");
    expect_error(&["features", "mel", s(&wav), "-o", s(&out), "--model", s(dir.path())], "--model applies to cae, not to mel");
    expect_error(&["features", "cae", s(&wav), "-o", s(&out), "--hop-length", "512"], "reads frames 1984 samples apart");
    expect_error(&["features", "cae", s(&wav), "-o", s(&out), "--model", s(dir.path())], "model.json");
    // a clip shorter than one window: written, with a warning naming the file
    let short = dir.path().join("short.wav");
    reprise::io::write_wav(&short, &(0..22050).map(|i| (i as f32 * 0.05).sin() * 0.3).collect::<Vec<_>>(), 22050).unwrap();
    let o = reprise(&["features", "cae", s(&short), "-o", s(&dir.path().join("short.npy"))]);
    assert!(o.status.success() && stderr(&o).contains("short.wav") && stderr(&o).contains("32-frame window"), "{}", stderr(&o));
}

/// `reprise info *.wav | head -c 100`: the reader closes the pipe while reprise still
/// prints; it ends at once with exit code 0 and nothing on stderr (no panic message).
#[test]
fn a_closed_pipe_ends_quietly() {
    use std::io::Read;
    let f = fx("tone_s16.wav").display().to_string();
    let mut args = vec!["info".to_string()];
    args.extend(std::iter::repeat_n(f, 3000));
    let mut child = Command::new(env!("CARGO_BIN_EXE_reprise"))
        .args(&args)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut head = [0u8; 100];
    child.stdout.as_mut().unwrap().read_exact(&mut head).unwrap();
    drop(child.stdout.take());
    let o = child.wait_with_output().unwrap();
    assert_eq!(o.status.code(), Some(0), "stderr: {}", String::from_utf8_lossy(&o.stderr));
    assert!(o.stderr.is_empty(), "{}", String::from_utf8_lossy(&o.stderr));
}

#[test]
fn bad_files_get_one_line_and_exit_2() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("o.npy");
    let o = s(&out);
    expect_error(&["features", "mel", "/no/such/file.wav", "-o", o], "no such file");
    expect_error(&["features", "mel", s(&fx("empty.wav")), "-o", o], "empty");
    expect_error(&["features", "mel", s(&fx("text.wav")), "-o", o], "not a supported audio file");
    expect_error(&["features", "mel", s(&fx("truncated.wav")), "-o", o], "truncated");
    expect_error(&["features", "mel", s(&fx("corrupt.flac")), "-o", o], "corrupt.flac");
    expect_error(&["features", "mel", s(&fx("nan_f32.wav")), "-o", o], "not finite");
    let empty = tempfile::tempdir().unwrap();
    expect_error(&["features", "mel", s(empty.path()), "-o", o], "no audio files found");
    assert!(!out.exists(), "no output may be left behind by a failure");
}

#[test]
fn absurd_parameters_are_rejected() {
    let dir = tempfile::tempdir().unwrap();
    let o = dir.path().join("o.npy");
    let (i, o) = (fx("tone_s16.wav"), o);
    let (i, o) = (s(&i), s(&o));
    expect_error(&["features", "mel", i, "-o", o, "--n-fft", "0"], "n_fft");
    expect_error(&["features", "mel", i, "-o", o, "--hop-length", "0"], "hop_length");
    expect_error(&["features", "mel", i, "-o", o, "--fmax", "20000"], "Nyquist");
    expect_error(&["features", "mel", i, "-o", o, "--n-fft", "256", "--n-mels", "256"], "too many");
    expect_error(&["features", "mfcc", i, "-o", o, "--n-mfcc", "500"], "n_mfcc");
    expect_error(&["features", "mfcc", i, "-o", o, "--db"], "--db applies");
    expect_error(&["features", "chroma-stft", i, "-o", o, "--n-chroma", "0"], "n_chroma");
    expect_error(&["features", "chroma-stft", i, "-o", o, "--tuning", "0.7"], "tuning");
    expect_error(&["features", "mel", i, "-o", o, "--win-length", "4096"], "win_length");
    expect_error(&["features", "mel", i, "-o", o, "--hop-length", "9223372036854775808"], "absurdly large");
    expect_error(&["features", "mel", i, "-o", o, "--n-mels", "18446744073709551615"], "too many");
    expect_error(&["features", "chroma-stft", i, "-o", o, "--n-chroma", "18446744073709551615", "--tuning", "0"], "n_chroma");
    // a folder fails once, before any file is read, for rate-independent and rate-dependent checks
    let folder = fx("");
    let folder = s(&folder);
    expect_error(&["features", "mfcc", folder, "-o", o, "--n-mfcc", "0"], "n_mfcc");
    expect_error(&["features", "mfcc", folder, "-o", o, "--n-mfcc", "0", "--sr", "native"], "n_mfcc");
    expect_error(&["features", "mel", folder, "-o", o, "--fmin", "500", "--fmax", "400", "--sr", "native"], "fmax");
    let u = reprise(&["features", "mel", i, "-o", o, "--sr", "0"]);
    assert_eq!(u.status.code(), Some(2), "clap usage errors exit 2");
}

#[test]
fn silence_and_short_clips_warn_but_succeed() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("o.npy");
    let o = reprise(&["features", "mel", s(&fx("silence.wav")), "-o", s(&out)]);
    assert!(o.status.success());
    assert!(stderr(&o).contains("warning:") && stderr(&o).contains("silent"), "{}", stderr(&o));
    // 0.25 s is shorter than n_fft = 16384: centred frames work, uncentred ones cannot
    let o = reprise(&["features", "mel", s(&fx("tone_f64.wav")), "-o", s(&out), "--n-fft", "16384"]);
    assert!(o.status.success() && stderr(&o).contains("fewer than n_fft"), "{}", stderr(&o));
    expect_error(&["features", "mel", s(&fx("tone_f64.wav")), "-o", s(&out), "--n-fft", "16384", "--center", "false"], "too short");
}

#[test]
fn batch_skips_bad_files_reports_them_and_resumes() {
    let src = tempfile::tempdir().unwrap();
    std::fs::create_dir(src.path().join("sub")).unwrap();
    std::fs::copy(fx("tone_s16.wav"), src.path().join("a.wav")).unwrap();
    std::fs::copy(fx("tone.flac"), src.path().join("sub/b.flac")).unwrap();
    std::fs::copy(fx("text.wav"), src.path().join("bad.wav")).unwrap();
    std::fs::write(src.path().join("notes.txt"), "not audio, not listed").unwrap();
    let out = tempfile::tempdir().unwrap();
    let o = reprise(&["features", "mfcc", s(src.path()), "-o", s(out.path()), "--jobs", "2"]);
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(1), "{err}");
    assert!(err.contains("bad.wav") && err.contains("3 files: 2 done") && err.contains("1 failed"), "{err}");
    assert!(out.path().join("a.npy").is_file() && out.path().join("sub/b.npy").is_file());
    // re-run: the two complete outputs are skipped
    let o = reprise(&["features", "mfcc", s(src.path()), "-o", s(out.path())]);
    assert!(stderr(&o).contains("2 already complete"), "{}", stderr(&o));
    // changed parameters make them stale
    let o = reprise(&["features", "mfcc", s(src.path()), "-o", s(out.path()), "--n-mfcc", "13"]);
    assert!(stderr(&o).contains("0 already complete"), "{}", stderr(&o));
    // a glob works too
    let pattern = format!("{}/*.wav", s(src.path()));
    let out2 = tempfile::tempdir().unwrap();
    let o = reprise(&["features", "rms", &pattern, "-o", s(out2.path())]);
    assert_eq!(o.status.code(), Some(1));
    assert!(out2.path().join("a.npy").is_file());
    // no temporary files are left in the output tree
    let leftovers: Vec<_> = std::fs::read_dir(out.path()).unwrap().flatten().filter(|e| e.file_name().to_string_lossy().ends_with(".tmp")).collect();
    assert!(leftovers.is_empty());
}

/// Every `src="…"` and `href="…"` of an HTML page.
fn links(html: &str) -> Vec<String> {
    let mut out = Vec::new();
    for attr in ["src=\"", "href=\""] {
        let mut rest = html;
        while let Some(i) = rest.find(attr) {
            rest = &rest[i + attr.len()..];
            let end = rest.find('"').unwrap();
            out.push(rest[..end].to_string());
            rest = &rest[end..];
        }
    }
    out
}

fn is_png(p: &Path) -> bool {
    std::fs::read(p).map(|b| b.len() > 1000 && &b[1..4] == b"PNG").unwrap_or(false)
}

#[test]
fn demo_draws_the_ladder_and_its_page_links_resolve() {
    let dir = tempfile::tempdir().unwrap();
    let o = reprise(&["demo", "-o", s(dir.path())]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(is_png(&dir.path().join("demo.png")));
    let m: Array2<f32> = read_npy(dir.path().join("demo.mel.npy")).unwrap();
    assert_eq!(m.dim(), (128, 259));
    let html = std::fs::read_to_string(dir.path().join("index.html")).unwrap();
    let links = links(&html);
    for want in [
        "demo.waveform.png",
        "demo.stft.png",
        "demo.mel.png",
        "demo.mfcc.png",
        "demo.cqt.png",
        "demo.chroma-cqt.png",
        "demo.scalogram.png",
        "demo.scattering.png",
        "demo.jtfs.png",
        "demo.spiral.png",
        "demo.griffinlim.wav",
        "demo.icqt.wav",
    ] {
        assert!(links.iter().any(|l| l == want), "the page does not show {want}");
    }
    for l in &links {
        let p = dir.path().join(l);
        assert!(p.is_file(), "the page links {l}, which the demo did not write");
        if l.ends_with(".png") {
            assert!(is_png(&p), "{l} is not a PNG");
        }
    }
    // each picture comes with the command that makes it, and the errors of the reconstructions
    assert!(html.contains("reprise features jtfs demo.flac -o demo.jtfs.npy --plot"));
    assert!(html.contains("spectral convergence") && html.contains("signal-to-error ratio"));
    // the commands on the page reproduce its pictures
    let again = dir.path().join("again.png");
    let o = reprise(&["plot", s(&dir.path().join("demo.mel.npy")), "-o", s(&again)]);
    assert!(o.status.success() && is_png(&again), "{}", stderr(&o));
}

#[test]
fn plot_draws_features_folders_and_audio_and_refuses_bad_input() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let tone = fx("tone.flac");
    for (kind, extra) in [("mel", &[][..]), ("stft", &[][..]), ("cqt", &[][..]), ("jtfs", &["--format", "joint"][..]), ("rms", &[][..])] {
        let out = d.join(format!("f/{kind}.npy"));
        let mut args = vec!["features", kind, s(&tone), "-o", s(&out)];
        args.extend_from_slice(extra);
        std::fs::create_dir_all(d.join("f")).unwrap();
        let o = reprise(&args);
        assert!(o.status.success(), "{kind}: {}", stderr(&o));
    }
    // one file, beside it by default
    let o = reprise(&["plot", s(&d.join("f/mel.npy"))]);
    assert!(o.status.success() && is_png(&d.join("f/mel.png")), "{}", stderr(&o));
    // options
    let o =
        reprise(&["plot", s(&d.join("f/cqt.npy")), "-o", s(&d.join("c.png")), "--linear", "--range", "0,2", "--width", "1600", "--height", "200"]);
    assert!(o.status.success() && is_png(&d.join("c.png")), "{}", stderr(&o));
    let o = reprise(&["plot", s(&d.join("f/jtfs.npy")), "-o", s(&d.join("p.png")), "--path", "3"]);
    assert!(o.status.success() && is_png(&d.join("p.png")), "{}", stderr(&o));
    // a folder, into another folder
    let o = reprise(&["plot", s(&d.join("f")), "-o", s(&d.join("pics"))]);
    assert!(o.status.success(), "{}", stderr(&o));
    for kind in ["mel", "stft", "cqt", "jtfs", "rms"] {
        assert!(is_png(&d.join(format!("pics/{kind}.png"))), "{kind}");
    }
    // audio: its waveform
    let o = reprise(&["plot", s(&tone), "-o", s(&d.join("w.png"))]);
    assert!(o.status.success() && is_png(&d.join("w.png")), "{}", stderr(&o));
    // a .npy without a sidecar is drawn by index
    std::fs::copy(d.join("f/mel.npy"), d.join("bare.npy")).unwrap();
    let o = reprise(&["plot", s(&d.join("bare.npy"))]);
    assert!(o.status.success() && is_png(&d.join("bare.png")), "{}", stderr(&o));
    // bad input: one line naming the file or the option
    expect_error(&["plot", "/nonexistent/x.npy"], "/nonexistent/x.npy: no such file or folder");
    std::fs::write(d.join("junk.npy"), b"not an npy at all").unwrap();
    expect_error(&["plot", s(&d.join("junk.npy"))], "junk.npy: not a valid .npy file");
    std::fs::write(d.join("f/mel.json"), b"{ broken").unwrap();
    expect_error(&["plot", s(&d.join("f/mel.npy"))], "mel.json: not a sidecar");
    expect_error(&["plot", s(&d.join("f/rms.npy")), "--path", "2"], "--path is for the joint JTFS format");
    expect_error(&["plot", s(&d.join("f/jtfs.npy")), "--path", "100000"], "--path 100000");
    expect_error(&["plot", s(&d.join("f/cqt.npy")), "--top-db", "0"], "--top-db 0");
    let o = reprise(&["plot", s(&d.join("f/cqt.npy")), "--range", "3,1"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("HIGH must be above LOW"), "{}", stderr(&o));
    let empty = d.join("empty");
    std::fs::create_dir_all(&empty).unwrap();
    expect_error(&["plot", s(&empty)], "no .npy files and no metrics.jsonl");
}

#[test]
fn batch_output_names_never_collide_and_odd_names_work() {
    let src = tempfile::tempdir().unwrap();
    std::fs::copy(fx("tone_s16.wav"), src.path().join("a.wav")).unwrap();
    std::fs::copy(fx("tone.flac"), src.path().join("a.flac")).unwrap();
    std::fs::copy(fx("tone.flac"), src.path().join("song [live].v2.flac")).unwrap();
    let out = tempfile::tempdir().unwrap();
    let o = reprise(&["features", "rms", s(src.path()), "-o", s(out.path())]);
    assert!(o.status.success(), "{}", stderr(&o));
    for name in ["a.wav.npy", "a.flac.npy", "song [live].v2.npy"] {
        assert!(out.path().join(name).is_file(), "{name} missing");
    }
    // a file whose name contains glob characters is taken literally
    let single = out.path().join("single");
    std::fs::create_dir(&single).unwrap();
    let o = reprise(&["features", "rms", s(&src.path().join("song [live].v2.flac")), "-o", s(&single)]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(single.join("song [live].v2.npy").is_file());
}

#[test]
fn relative_glob_mirrors_below_its_folder() {
    let src = tempfile::tempdir().unwrap();
    std::fs::create_dir(src.path().join("music")).unwrap();
    std::fs::copy(fx("tone_s16.wav"), src.path().join("music/a.wav")).unwrap();
    let out = tempfile::tempdir().unwrap();
    let o = Command::new(env!("CARGO_BIN_EXE_reprise"))
        .args(["features", "zcr", "./music/*.wav", "-o", s(out.path())])
        .current_dir(src.path())
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(out.path().join("a.npy").is_file());
}

#[test]
fn resume_notices_a_changed_input_and_a_requested_plot() {
    let src = tempfile::tempdir().unwrap();
    std::fs::copy(fx("tone_s16.wav"), src.path().join("a.wav")).unwrap();
    let out = tempfile::tempdir().unwrap();
    let run = |extra: &[&str]| {
        let mut args = vec!["features", "mel", s(src.path()), "-o", s(out.path())];
        args.extend_from_slice(extra);
        stderr(&reprise(&args))
    };
    assert!(run(&[]).contains("1 done"));
    assert!(run(&[]).contains("1 already complete"));
    let png = out.path().join("a.png");
    assert!(run(&["--plot"]).contains("1 done") && png.is_file(), "--plot must not be skipped");
    std::fs::copy(fx("stereo_s16_44100.wav"), src.path().join("a.wav")).unwrap();
    assert!(run(&["--plot"]).contains("1 done"), "a changed input must be recomputed");
}

#[test]
fn cqt_output_contract_and_bad_parameters() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("c.npy");
    let o = reprise(&["features", "cqt", s(&fx("stereo_s16_44100.wav")), "-o", s(&out), "--n-bins", "72"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let c: Array2<Complex32> = read_npy(&out).unwrap();
    assert_eq!(c.nrows(), 72);
    let side: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(out.with_extension("json")).unwrap()).unwrap();
    let freqs = side["axes"]["features"]["values"].as_array().unwrap();
    assert_eq!(freqs.len(), 72);
    assert!((freqs[0].as_f64().unwrap() - 32.703).abs() < 1e-3);
    assert_eq!(side["tuning"], 0.0);
    // chroma-cqt estimates the tuning by default and records it
    let out2 = dir.path().join("ch.npy");
    assert!(reprise(&["features", "chroma-cqt", s(&fx("tone.flac")), "-o", s(&out2)]).status.success());
    let side: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(out2.with_extension("json")).unwrap()).unwrap();
    assert!(side["tuning"].is_f64());
    let i = fx("tone_s16.wav");
    let (i, o) = (s(&i), s(&out));
    expect_error(&["features", "cqt", i, "-o", o, "--fmin", "0"], "fmin");
    expect_error(&["features", "cqt", i, "-o", o, "--n-bins", "120"], "Nyquist");
    expect_error(&["features", "cqt", i, "-o", o, "--bins-per-octave", "0"], "bins_per_octave");
    expect_error(&["features", "chroma-cqt", i, "-o", o, "--bins-per-octave", "13"], "multiple of n_chroma");
    expect_error(&["features", "vqt", i, "-o", o, "--gamma", "-1"], "gamma");
    expect_error(&["features", "cqt", i, "-o", o, "--sparsity", "1"], "sparsity");
    expect_error(&["features", "chroma-cens", i, "-o", o, "--db"], "--db does not apply");
}

#[test]
fn cqt_inverts_to_audio() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("c.npy");
    let o = reprise(&["features", "cqt", s(&fx("tone_s16.wav")), "-o", s(&out), "--hop-length", "128", "--bins-per-octave", "24", "--n-bins", "168"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let wav = dir.path().join("back.wav");
    let o = reprise(&["invert", "cqt", s(&out), "-o", s(&wav), "--length", "11025"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let back: Vec<f32> = hound::WavReader::open(&wav).unwrap().samples::<f32>().map(|v| v.unwrap()).collect();
    let orig: Vec<f32> = hound::WavReader::open(fx("tone_s16.wav")).unwrap().samples::<i16>().map(|v| v.unwrap() as f32 / 32768.0).collect();
    assert_eq!(back.len(), orig.len());
    // a 440 Hz tone is well inside the analysed band: most of it comes back
    let num: f32 = back.iter().zip(&orig).skip(2000).take(7000).map(|(a, b)| (a - b).powi(2)).sum();
    let den: f32 = orig.iter().skip(2000).take(7000).map(|v| v.powi(2)).sum();
    assert!((num / den).sqrt() < 0.5, "relative error {}", (num / den).sqrt());
    // magnitudes cannot be inverted this way
    let mag = dir.path().join("m.npy");
    assert!(reprise(&["features", "cqt", s(&fx("tone_s16.wav")), "-o", s(&mag), "--db"]).status.success());
    expect_error(&["invert", "cqt", s(&mag), "-o", s(&wav)], "complex CQT");
}

#[test]
fn scattering_kinds_output_contract_and_bad_parameters() {
    let dir = tempfile::tempdir().unwrap();
    let input = fx("tone_s16.wav");
    for (kind, extra, ndim) in [
        ("scattering", vec!["--J", "6", "--Q", "8"], 2),
        ("jtfs", vec!["--J", "6", "--Q", "8,1", "--J-fr", "2"], 2),
        ("jtfs", vec!["--J", "6", "--Q", "8", "--J-fr", "2", "--format", "joint"], 3),
        ("spiral", vec!["--J", "6", "--Q", "8", "--J-fr", "2"], 2),
        ("scalogram", vec!["--J", "6", "--Q", "8", "--hop-length", "16"], 2),
    ] {
        let out = dir.path().join(format!("{kind}{ndim}.npy"));
        let mut args = vec!["features", kind, s(&input), "-o", s(&out)];
        args.extend(extra);
        let o = reprise(&args);
        assert!(o.status.success(), "{kind}: {}", stderr(&o));
        let side: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(out.with_extension("json")).unwrap()).unwrap();
        let shape: Vec<usize> = side["shape"].as_array().unwrap().iter().map(|v| v.as_u64().unwrap() as usize).collect();
        assert_eq!(shape.len(), ndim, "{kind}: {shape:?}");
        let rows = if kind == "scalogram" { side["meta"]["xi"].as_array().unwrap().len() } else { side["meta"].as_array().unwrap().len() };
        assert_eq!(rows, shape[0], "{kind}: one meta entry per channel or path");
        if ndim == 2 {
            let a: Array2<f32> = read_npy(&out).unwrap();
            assert_eq!(a.dim(), (shape[0], shape[1]));
            assert!(a.iter().all(|v| v.is_finite()), "{kind}: finite");
            if kind == "scalogram" {
                assert!(a.iter().all(|v| *v >= 0.0), "a modulus is non-negative");
            }
        } else {
            let a: ndarray::Array3<f32> = read_npy(&out).unwrap();
            assert_eq!(a.shape(), &shape[..]);
        }
    }
    let out = dir.path().join("bad.npy");
    expect_error(&["features", "scattering", s(&input), "-o", s(&out), "--J", "40"], "`J`");
    expect_error(&["features", "jtfs", s(&input), "-o", s(&out), "--F", "64"], "`F`");
    expect_error(&["features", "scattering", s(&input), "-o", s(&out), "--T", "1000000"], "`T`");
    expect_error(&["features", "scalogram", s(&input), "-o", s(&out), "--hop-length", "100"], "hop_length");
    expect_error(&["features", "scattering", s(&input), "-o", s(&out), "--db"], "--db");
    let q = reprise(&["features", "scattering", s(&input), "-o", s(&out), "--Q", "0"]);
    assert_eq!(q.status.code(), Some(2));
    assert!(!stderr(&q).contains("panicked"));
}

#[test]
fn data_and_midi_commands() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    // bad input first: these need no SoundFont
    expect_error(&["data", "notes", "-o", s(&d.join("x")), "--soundfont", "/nonexistent/Font.sf2"], "/nonexistent/Font.sf2: no such file");
    expect_error(&["data", "split", s(d), "--by", "folds"], "no labelled audio");
    expect_error(&["data", "install", "everything", "--dry-run"], "unknown package set `everything`");
    let bad = d.join("cut.mid");
    std::fs::write(&bad, b"MThd\0\0\0\x06\0\x01\0\x02\x01\xe0MTrk\0\0\x01\0").unwrap();
    expect_error(&["midi", "info", s(&bad)], "cut.mid: not a valid MIDI file: truncated");
    expect_error(&["midi", "roll", s(&bad), "-o", s(&d.join("r.npy"))], "cut.mid");
    let empty = d.join("empty.mid");
    std::fs::write(&empty, b"").unwrap();
    expect_error(&["midi", "render", s(&empty), "-o", s(&d.join("e.wav"))], "empty.mid: not a valid MIDI file: file is empty");

    if !tim_installed("the rendering half") {
        return;
    }
    let notes = kit_of(d, "violin,flute,female_singer");
    let manifest = std::fs::read_to_string(notes.join("manifest.csv")).unwrap();
    assert!(manifest.starts_with("path,label,program,pitch,velocity,soundfont,family,split"), "{manifest}");
    assert!(manifest.contains("female_singer") && manifest.contains(",tim,"));
    let o = reprise(&["data", "split", s(&notes.join("manifest.csv")), "--by", "folds", "--folds", "2", "-o", s(&d.join("folds"))]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(d.join("folds/fold0.csv").is_file() && d.join("folds/fold1.csv").is_file());
    expect_error(&["data", "split", s(&notes.join("manifest.csv")), "--by", "family", "--train", "fluid"], "family `fluid` is not in the manifest");

    // the freepats GUS patches are a family of their own (CI installs the package)
    let o = reprise(&["data", "soundfonts"]);
    assert!(String::from_utf8_lossy(&o.stdout).contains("freepats"), "{}", String::from_utf8_lossy(&o.stdout));
    if std::path::Path::new("/usr/share/midi/freepats/Tone_000/000_Acoustic_Grand_Piano.pat").is_file() {
        let two = d.join("two");
        let o = reprise(&[
            "data",
            "notes",
            "-o",
            s(&two),
            "--soundfont",
            "tim",
            "--soundfont",
            "freepats",
            "--classes",
            "violin,clarinet",
            "--step",
            "12",
            "--velocities",
            "100",
            "--duration-s",
            "1",
            "--hold-s",
            "0.5",
        ]);
        assert!(o.status.success(), "{}", stderr(&o));
        let o = reprise(&[
            "data",
            "split",
            s(&two.join("manifest.csv")),
            "--by",
            "family",
            "--train",
            "tim",
            "--test",
            "freepats",
            "--val",
            "0",
            "-o",
            s(&two),
        ]);
        assert!(o.status.success(), "{}", stderr(&o));
        let test = std::fs::read_to_string(two.join("test.csv")).unwrap();
        assert!(test.lines().count() > 4 && test.lines().skip(1).all(|l| l.contains(",freepats,")), "{test}");
    } else {
        assert!(std::env::var_os("CI").is_none(), "CI must install freepats");
    }

    let phrases = d.join("phrases");
    let o = reprise(&["data", "phrases", "-o", s(&phrases), "--soundfont", "tim", "--classes", "clarinet", "--count", "1", "--duration-s", "3"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let mid = phrases.join("tim/TimGM6mb/clarinet/clarinet_000.mid");
    let roll = d.join("roll.npy");
    assert!(reprise(&["midi", "roll", s(&mid), "-o", s(&roll), "--fps", "20"]).status.success());
    let r: ndarray::Array2<f32> = ndarray_npy::read_npy(&roll).unwrap();
    assert_eq!(r.shape(), &[128, 60]);
    assert!(d.join("roll.json").is_file());
    let back = d.join("back.mid");
    assert!(reprise(&["midi", "from-roll", s(&roll), "-o", s(&back), "--fps", "20", "--program", "71"]).status.success());
    let o = reprise(&["midi", "info", s(&back)]);
    assert!(String::from_utf8_lossy(&o.stdout).contains("ch1:71"), "{}", String::from_utf8_lossy(&o.stdout));
    assert!(reprise(&["midi", "chords", s(&mid), "-o", s(&d.join("ch.csv"))]).status.success());
    assert!(std::fs::read_to_string(d.join("ch.csv")).unwrap().starts_with("start_s,end_s,label\n"));
    let wav = d.join("r.wav");
    assert!(reprise(&["midi", "render", s(&mid), "-o", s(&wav), "--sr", "22050", "--tail-s", "0.5"]).status.success());
    let w = hound::WavReader::open(&wav).unwrap();
    assert_eq!(w.spec().sample_rate, 22_050);
    assert_eq!(w.duration(), (3.5 * 22_050.0) as u32);
    expect_error(&["midi", "roll", s(&mid), "-o", s(&roll), "--drums"], "no notes on the percussion channel");
    expect_error(&["midi", "roll", s(&mid), "-o", s(&roll), "--fps", "0"], "fps");
}

#[test]
fn classify_command() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let out = d.join("out");
    expect_error(&["classify", "--train", "/nonexistent/m.csv", "--cv", "3", "-o", s(&out)], "/nonexistent/m.csv");
    expect_error(&["classify", "--train", s(d), "--cv", "3", "--features", "nope"], "unknown feature kind `nope`");
    expect_error(&["classify", "--train", s(d), "--cv", "3", "--classifiers", "xgboost"], "unknown classifier `xgboost`");
    expect_error(&["classify", "--train", s(d), "--cv", "1"], "--cv 1: need at least 2 folds");
    let junk = d.join("junk.json");
    std::fs::write(&junk, b"{\"format\": \"something else\"}").unwrap();
    expect_error(&["classify", "predict", s(&junk), "x.wav"], "junk.json: not a Reprise classifier model");

    if !tim_installed("the classify runs") {
        return;
    }
    let notes = tiny_kit(d);
    // one row whose file is missing: reported, left out, exit code 1, results still written
    let manifest = notes.join("manifest.csv");
    let mut text = std::fs::read_to_string(&manifest).unwrap();
    let n_clips = text.lines().count() - 1;
    text += "tim/TimGM6mb/piano/missing.wav,piano,0,60,100,TimGM6mb,tim,train,1,0.1,0.5\n";
    std::fs::write(&manifest, text).unwrap();
    let cache = d.join("cache");
    let args =
        ["classify", "--train", s(&manifest), "--cv", "3", "--features", "mfcc,spectral,cae", "--cache", s(&cache), "--save-models", "-o", s(&out)];
    let o = reprise(&args);
    let (stdout, err) = (String::from_utf8_lossy(&o.stdout).into_owned(), stderr(&o));
    assert_eq!(o.status.code(), Some(1), "{stdout}\n{err}");
    assert!(err.contains("missing.wav") && err.contains("could not be analysed"), "{err}");
    assert!(stdout.contains("| mfcc |") && stdout.contains("| spectral |") && stdout.contains("| cae |") && stdout.contains("± "), "{stdout}");
    for f in ["results.json", "results.md", "mfcc-svc.json", "mfcc-svc-confusion.png", "spectral-rf-confusion.png", "models/mfcc-logreg.json"] {
        assert!(out.join(f).is_file(), "{f} missing");
    }
    let results: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(out.join("results.json")).unwrap()).unwrap();
    let rows = results["results"].as_array().unwrap();
    assert_eq!(rows.len(), 12);
    // three well separated instruments of one SoundFont: MFCCs must beat chance (1/3) clearly
    let svc = rows.iter().find(|r| r["feature"] == "mfcc" && r["classifier"] == "svc").unwrap();
    assert!(svc["accuracy"].as_f64().unwrap() > 0.6, "{svc}");
    let total: u64 = svc["confusion"]["counts"].as_array().unwrap().iter().flat_map(|r| r.as_array().unwrap()).map(|v| v.as_u64().unwrap()).sum();
    assert_eq!(total as usize, n_clips, "every readable clip is tested once");
    // the second run reads every clip vector from the cache
    let o = reprise(&args);
    assert!(String::from_utf8_lossy(&o.stdout).contains(&format!("({n_clips} from cache)")), "{}", String::from_utf8_lossy(&o.stdout));
    // a saved model predicts files; a damaged one is refused
    let model = out.join("models/mfcc-logreg.json");
    let clip = std::fs::read_dir(notes.join("tim/TimGM6mb/flute")).unwrap().next().unwrap().unwrap().path();
    let o = reprise(&["classify", "predict", s(&model), s(&clip)]);
    assert!(o.status.success(), "{}", stderr(&o));
    let label = String::from_utf8_lossy(&o.stdout).trim().rsplit('\t').next().unwrap().to_string();
    assert!(["violin", "flute", "piano"].contains(&label.as_str()), "{label}");
    // --json: the label, a probability per label summing to 1, the label the highest
    let o = reprise(&["classify", "predict", s(&model), s(&clip), "--json"]);
    let line: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(line["label"], label.as_str());
    assert_eq!(line["score_kind"], "probability");
    let scores = line["scores"].as_object().unwrap();
    assert_eq!(scores.len(), 3, "{line}");
    assert!((scores.values().map(|v| v.as_f64().unwrap()).sum::<f64>() - 1.0).abs() < 1e-9, "{line}");
    let best = scores.iter().max_by(|a, b| a.1.as_f64().unwrap().total_cmp(&b.1.as_f64().unwrap())).unwrap().0;
    assert_eq!(best, &label);
    // a model whose feature settings no longer fit its classifier is blamed, not the audio
    let mut edited: serde_json::Value = serde_json::from_slice(&std::fs::read(&model).unwrap()).unwrap();
    edited["feature"]["parts"][0]["n_mfcc"] = serde_json::json!(7);
    let edited_path = d.join("edited.json");
    std::fs::write(&edited_path, edited.to_string()).unwrap();
    let o = reprise(&["classify", "predict", s(&edited_path), s(&clip)]);
    assert_eq!(o.status.code(), Some(2));
    let err = stderr(&o);
    assert!(err.contains("edited.json: inconsistent model") && !err.contains(&clip.display().to_string()), "{err}");
    let bytes = std::fs::read(&model).unwrap();
    let cut = d.join("cut.json");
    std::fs::write(&cut, &bytes[..bytes.len() / 2]).unwrap();
    expect_error(&["classify", "predict", s(&cut), s(&clip)], "cut.json: not a Reprise model (invalid or truncated JSON");
    // held-out protocol with a label the training set lacks: a warning, counted as errors
    let train = d.join("train.csv");
    let all = std::fs::read_to_string(&manifest).unwrap();
    let kept: Vec<&str> = all.lines().filter(|l| !l.contains(",piano,")).collect();
    std::fs::write(&train, kept.join("\n") + "\n").unwrap();
    let o = reprise(&[
        "classify",
        "--train",
        s(&train),
        "--test",
        s(&manifest),
        "--features",
        "mfcc",
        "--classifiers",
        "knn",
        "--cache",
        s(&cache),
        "-o",
        s(&d.join("held")),
    ]);
    assert!(stderr(&o).contains("test label `piano`") && stderr(&o).contains("not in the training manifest"), "{}", stderr(&o));
}

#[test]
fn train_eval_predict_plot() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let run = d.join("run");
    expect_error(&["train", "--model", "lc-2d", "--train", "/nonexistent/m.csv", "-o", s(&run)], "/nonexistent/m.csv");
    expect_error(&["train", "--model", "resnet", "--train", s(d), "-o", s(&run)], "unknown model 'resnet'");
    expect_error(&["train", "--model", "lc-2d", "--train", s(d), "-o", s(&run), "--lr", "0"], "learning rate");
    assert!(!run.exists(), "a failed start must not leave a run folder");
    expect_error(&["eval", s(d), "--test", "x.csv"], "model.json");
    expect_error(&["predict", "/nonexistent/run", "x.wav"], "run folder");
    if !tim_installed("the training runs") {
        return;
    }
    let notes = tiny_kit(d);
    let manifest = notes.join("manifest.csv");
    // a tiny MLP: trains, early-stops or not, writes the run folder
    let train = |extra: &[&str]| {
        let mut args =
            vec!["train", "--model", "mlp", "--train", s(&manifest), "-o", s(&run), "--epochs", "3", "--epoch-size", "64", "--val-split", "0.34"];
        args.extend_from_slice(extra);
        reprise(&args)
    };
    let o = train(&["-j", "2"]);
    let stdout = String::from_utf8_lossy(&o.stdout).into_owned();
    assert!(o.status.success(), "{stdout}\n{}", stderr(&o));
    assert!(stdout.contains("epoch   3: train loss") && stdout.contains("val loss"), "{stdout}");
    for f in ["model.json", "weights.bpk", "metrics.jsonl", "checkpoint/model.bpk", "checkpoint/optim.bpk", "training.png"] {
        assert!(run.join(f).is_file(), "{f} missing");
    }
    // a second run into the same folder must not overwrite it
    expect_error(&["train", "--model", "mlp", "--train", s(&manifest), "-o", s(&run), "--epochs", "3", "--epoch-size", "64"], "already holds a run");
    // resuming a finished run does nothing more and keeps the three epochs
    let o = train(&["--resume"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(String::from_utf8_lossy(&o.stdout).contains("resuming after epoch 3"));
    assert_eq!(std::fs::read_to_string(run.join("metrics.jsonl")).unwrap().lines().count(), 3);
    // eval: same report shape as `reprise classify`; clearly above chance on three instruments
    let o = reprise(&["eval", s(&run), "--test", s(&manifest), "-o", s(&d.join("ev"))]);
    assert!(o.status.success(), "{}", stderr(&o));
    let results: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(d.join("ev/results.json")).unwrap()).unwrap();
    let r = &results["results"][0];
    assert!(r["accuracy"].as_f64().unwrap() > 0.6, "{r}");
    assert!(d.join("ev/mfcc-mlp-confusion.png").is_file());
    // predict: one line per file; a missing file is an error line and exit code 1
    let wav = std::fs::read_dir(notes.join("tim/TimGM6mb/flute")).unwrap().next().unwrap().unwrap().path();
    let o = reprise(&["predict", s(&run), s(&wav), "/nonexistent/x.wav"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&o.stdout).starts_with(s(&wav)) && stderr(&o).contains("/nonexistent/x.wav"));
    // plot
    let o = reprise(&["plot", s(&run), "-o", s(&d.join("c.png"))]);
    assert!(o.status.success() && d.join("c.png").is_file(), "{}", stderr(&o));
    // damaged weights: one clear line
    std::fs::write(run.join("weights.bpk"), b"damaged").unwrap();
    expect_error(&["predict", s(&run), s(&wav)], "weights.bpk");
    // a ConvNet on the CQT: one short epoch runs, and predict gives window probabilities
    let cnn = d.join("cnn");
    let o =
        reprise(&["train", "--model", "lc-1d", "--train", s(&manifest), "-o", s(&cnn), "--epochs", "1", "--epoch-size", "32", "--val-split", "0"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let o = reprise(&["predict", s(&cnn), s(&wav), "--json"]);
    let line: serde_json::Value = serde_json::from_str(String::from_utf8_lossy(&o.stdout).trim()).unwrap();
    assert!(!line["windows"].as_array().unwrap().is_empty() && line["probs"].as_object().unwrap().len() == 3, "{line}");
    let o = reprise(&["predict", s(&cnn), s(&wav), "--json", "--overlap", "0"]);
    assert!(o.status.success(), "{}", stderr(&o));
    expect_error(&["predict", s(&cnn), s(&wav), "--overlap", "1.5"], "--overlap 1.5: give a fraction from 0 to 0.9");
}

/// A 160-byte `.npy` whose header declares 10^12 × 10^6 float32s.
fn hostile_npy(path: &Path) {
    std::fs::write(path, common::npy_bytes("<f4", "(1000000000000, 1000000)", &[0; 32])).unwrap();
}

/// The panics and aborts found by the bad-input probe: each is now one line and exit 2.
#[test]
fn panics_and_aborts_of_the_bad_input_probe_are_one_line_errors() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    // a WAV whose header says 0 Hz (symphonia panicked) in every command that reads audio
    let mut wav = std::fs::read(fx("tone_s16.wav")).unwrap();
    let fmt = wav.windows(4).position(|w| w == b"fmt ").unwrap();
    wav[fmt + 12..fmt + 16].copy_from_slice(&0u32.to_le_bytes());
    let zero = d.join("zero_hz.wav");
    std::fs::write(&zero, &wav).unwrap();
    expect_error(&["info", s(&zero)], "zero_hz.wav");
    expect_error(&["features", "mel", s(&zero), "-o", s(&d.join("z.npy"))], "zero_hz.wav: corrupt audio data: the header's sample rate 0 Hz");
    // and in a folder batch it costs only itself
    let batch = d.join("batch");
    std::fs::create_dir_all(&batch).unwrap();
    std::fs::copy(&zero, batch.join("a_zero.wav")).unwrap();
    std::fs::copy(fx("tone_s16.wav"), batch.join("b_good.wav")).unwrap();
    let o = reprise(&["features", "mel", s(&batch), "-o", s(&d.join("batch_out"))]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert!(stderr(&o).contains("1 done") && d.join("batch_out/b_good.npy").is_file(), "{}", stderr(&o));
    // scattering kinds on signals shorter than 2^J (index out of bounds before)
    let tiny = d.join("tiny.wav");
    let spec = hound::WavSpec { channels: 1, sample_rate: 22050, bits_per_sample: 16, sample_format: hound::SampleFormat::Int };
    let mut w = hound::WavWriter::create(&tiny, spec).unwrap();
    for i in 0..46 {
        w.write_sample(((i as f32 * 0.3).sin() * 10000.0) as i16).unwrap();
    }
    w.finalize().unwrap();
    for kind in ["scalogram", "scattering", "jtfs", "spiral"] {
        expect_error(&["features", kind, s(&tiny), "-o", s(&d.join("t.npy"))], "tiny.wav: signal too short: 46 samples");
    }
    // `--sr 64` on a short file: refused instead of a 337 × 0 output
    expect_error(&["features", "scattering", s(&fx("tone_s16.wav")), "-o", s(&d.join("t.npy")), "--sr", "64"], "signal too short");
    // invert with a sample rate of 0 (hound divided by zero), from the sidecar or the flag
    let out = d.join("m.npy");
    assert!(reprise(&["features", "stft", s(&fx("tone_s16.wav")), "-o", s(&out), "--power", "1"]).status.success());
    expect_error(&["invert", "stft", s(&out), "-o", s(&d.join("b.wav")), "--sr", "0"], "--sr 0: give a sample rate");
    let side = out.with_extension("json");
    let text = std::fs::read_to_string(&side).unwrap();
    let mut v: serde_json::Value = serde_json::from_str(&text).unwrap();
    for bad in [serde_json::json!(0), serde_json::json!(-5), serde_json::json!("fast")] {
        v["sr"] = bad.clone();
        std::fs::write(&side, v.to_string()).unwrap();
        expect_error(&["invert", "stft", s(&out), "-o", s(&d.join("b.wav"))], &format!("m.json: `sr` is {bad}, not a sample rate"));
    }
    // .npy headers that declare more than the file holds (allocation aborts before)
    let huge = d.join("huge.npy");
    hostile_npy(&huge);
    expect_error(&["invert", "stft", s(&huge), "-o", s(&d.join("b.wav"))], "huge.npy: truncated or damaged .npy");
    expect_error(&["midi", "from-roll", s(&huge), "-o", s(&d.join("x.mid"))], "huge.npy: truncated or damaged .npy");
    expect_error(&["plot", s(&huge)], "huge.npy: truncated or damaged .npy");
    // rendering at an absurd rate (6 GB before the abort)
    expect_error(
        &["midi", "render", "any.mid", "-o", s(&d.join("x.wav")), "--sr", "1000000000"],
        "--sr 1000000000: give a sample rate from 1000 to 192000 Hz",
    );
}

/// Temporaries of a batch killed with `kill -9` are removed by the next run.
#[test]
fn a_rerun_sweeps_the_temporaries_of_a_killed_batch() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("in");
    std::fs::create_dir_all(&input).unwrap();
    std::fs::copy(fx("tone_s16.wav"), input.join("a.wav")).unwrap();
    let out = dir.path().join("out");
    std::fs::create_dir_all(out.join("deep")).unwrap();
    // a pid above Linux's pid_max: its process cannot be alive
    let stale = out.join("deep/.reprise-4294967294-k1ll3d.tmp");
    std::fs::write(&stale, vec![0u8; 4096]).unwrap();
    let o = reprise(&["features", "mfcc", s(&input), "-o", s(&out)]);
    assert!(o.status.success(), "{}", stderr(&o));
    if Path::new("/proc/self").exists() {
        assert!(!stale.exists(), "the stale temporary is still there");
        assert!(stderr(&o).contains("removed 1 temporary file"), "{}", stderr(&o));
    }
    assert!(out.join("a.npy").is_file());
}

/// A feature cache that cannot be written is said so, not silently skipped.
#[test]
fn an_unwritable_cache_is_reported() {
    let dir = tempfile::tempdir().unwrap();
    // a file where the cache folder should be (permissions do not stop root)
    let blocked = dir.path().join("cache");
    std::fs::write(&blocked, b"a file").unwrap();
    let o = reprise(&["classify", "predict", s(&dir.path().join("model.json")), s(&fx("tone.flac")), "--cache", s(&blocked)]);
    assert_eq!(o.status.code(), Some(2));
    let err = stderr(&o);
    assert!(err.lines().any(|l| l.starts_with("warning: ") && l.contains("cache") && l.contains("running without a cache")), "{err}");
}

/// An option that the kind does not read is refused rather than silently ignored.
#[test]
fn options_a_kind_ignores_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("x.npy");
    let tone = fx("tone.flac");
    expect_error(&["features", "mfcc", s(&tone), "-o", s(&out), "--Q", "8"], "--Q applies to scalogram, scattering, jtfs, spiral, not to mfcc");
    expect_error(&["features", "mel", s(&tone), "-o", s(&out), "--n-bins", "96"], "--n-bins applies to cqt");
    expect_error(&["features", "cqt", s(&tone), "-o", s(&out), "--n-mels", "64"], "--n-mels applies to mel, mfcc, not to cqt");
    expect_error(&["features", "jtfs", s(&tone), "-o", s(&out), "--max-order", "1"], "--max-order applies to scattering, not to jtfs");
    // the defaults of every option, and options that apply, still run
    assert!(reprise(&["features", "mfcc", s(&tone), "-o", s(&out), "--n-mels", "64", "--n-mfcc", "13"]).status.success());
}

#[test]
fn eval_patterns_prints_mir_evals_scores_and_names_a_bad_file() {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/mir_eval_patterns");
    let (r, e) = (dir.join("many_estimates_ref.txt"), dir.join("many_estimates_est.txt"));
    let o = reprise(&["eval-patterns", s(&r), s(&e), "--json"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let got: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let want: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(dir.join("expected.json")).unwrap()).unwrap();
    let want = &want["cases"]["many_estimates"];
    for m in ["establishment", "occurrence_75", "occurrence_50", "three_layer"] {
        assert!((got[m]["f"].as_f64().unwrap() - want[m]["f"].as_f64().unwrap()).abs() < 1e-12, "{m}");
    }
    let table = reprise(&["eval-patterns", s(&r), s(&e)]);
    assert!(String::from_utf8_lossy(&table.stdout).contains("occurrence .5"));
    let bad = dir.join("no-such.txt");
    let o = reprise(&["eval-patterns", s(&r), s(&bad)]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("no-such.txt"), "{}", stderr(&o));
}

/// A B A: 24 half-second notes, 24 others, the first 24 again (120 bpm: a note a beat);
/// the notes as a CSV of (onset in quarter notes, MIDI pitch) and the MIREX truth.
fn aba(dir: &Path) -> (PathBuf, PathBuf, PathBuf) {
    let mut state = 7u64;
    let mut next = |m: u64| {
        state = state.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        (state >> 33) % m
    };
    let a: Vec<u8> = (0..24).map(|_| 57 + next(24) as u8).collect();
    let b: Vec<u8> = (0..24).map(|_| 57 + next(24) as u8).collect();
    let seq: Vec<u8> = a.iter().chain(&b).chain(&a).copied().collect();
    let sr = 22050usize;
    let mut y = Vec::new();
    for &p in &seq {
        let f = 440.0 * 2f64.powf((p as f64 - 69.0) / 12.0);
        y.extend((0..sr / 2).map(|i| {
            let t = i as f64 / sr as f64;
            ((0.3 * (std::f64::consts::TAU * f * t).sin() + 0.15 * (std::f64::consts::TAU * 2.0 * f * t).sin()) * (-3.0 * t).exp()) as f32
        }));
    }
    let wav = dir.join("aba.wav");
    reprise::io::write_wav(&wav, &y, sr as u32).unwrap();
    let csv = dir.join("aba.csv");
    let rows: String = seq.iter().enumerate().map(|(k, p)| format!("{k}, {p}, 0, 1, 0\n")).collect();
    std::fs::write(&csv, rows).unwrap();
    let occ = |start: usize| -> String { a.iter().enumerate().map(|(k, p)| format!("{}, {p}\n", start + k)).collect() };
    let truth = dir.join("truth.txt");
    std::fs::write(&truth, format!("pattern1\noccurrence1\n{}occurrence2\n{}", occ(0), occ(48))).unwrap();
    (wav, csv, truth)
}

#[test]
fn structure_finds_the_repeat_and_its_notes() {
    let dir = tempfile::tempdir().unwrap();
    let (wav, csv, truth) = aba(dir.path());
    // the CQT frames, then the shipped CAE's (the default)
    for features in ["cqt", "cae"] {
        let out = dir.path().join(features);
        let o = reprise(&["structure", s(&wav), "--notes", s(&csv), "--bpm", "120", "--features", features, "-o", s(&out)]);
        assert!(o.status.success(), "{}", stderr(&o));
        for f in ["ssm.npy", "ssm.png", "sections.json", "patterns.txt"] {
            assert!(out.join(f).is_file(), "{f}");
        }
        let sections: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(out.join("sections.json")).unwrap()).unwrap();
        let pats = sections["patterns"].as_array().unwrap();
        // some pattern has occurrences starting near 0 s and near 24 s (the A's)
        let found = pats.iter().any(|p| {
            let starts: Vec<f64> = p["occurrences"].as_array().unwrap().iter().map(|o| o["start_s"].as_f64().unwrap()).collect();
            starts.iter().any(|t| *t < 2.0) && starts.iter().any(|t| (t - 24.0).abs() < 2.0)
        });
        assert!(found, "{sections}");
        // the MIREX points score well against the truth
        let e = reprise(&["eval-patterns", s(&truth), s(&out.join("patterns.txt")), "--json"]);
        assert!(e.status.success(), "{}", stderr(&e));
        let scores: serde_json::Value = serde_json::from_slice(&e.stdout).unwrap();
        assert!(scores["establishment"]["r"].as_f64().unwrap() > 0.6, "{features}: {scores}");
        assert_eq!(sections["features"], features);
        assert_eq!(sections["model"], if features == "cae" { serde_json::json!("builtin:cae-piano") } else { serde_json::Value::Null });
    }
    // --model without --features cae; a model folder of another kind
    let m = reprise(&["structure", s(&wav), "--features", "chroma", "--model", s(dir.path()), "-o", s(&dir.path().join("m"))]);
    assert!(m.status.code() == Some(2) && stderr(&m).contains("--features cae only"), "{}", stderr(&m));
    let m = reprise(&["structure", s(&wav), "--model", s(dir.path()), "-o", s(&dir.path().join("m"))]);
    assert!(m.status.code() == Some(2) && stderr(&m).contains("model.json"), "{}", stderr(&m));
    assert!(!dir.path().join("m").exists());
    // notes of another length: a warning naming the file; silence: one line, nothing written
    let short = dir.path().join("short.csv");
    std::fs::write(&short, "0, 60\n1, 62\n").unwrap();
    let w = reprise(&["structure", s(&wav), "--notes", s(&short), "-o", s(&dir.path().join("w"))]);
    assert!(stderr(&w).contains("short.csv") && stderr(&w).contains("same piece"), "{}", stderr(&w));
    let silent = dir.path().join("silent.wav");
    reprise::io::write_wav(&silent, &vec![0.0f32; 22050 * 20], 22050).unwrap();
    let q = reprise(&["structure", s(&silent), "-o", s(&dir.path().join("q"))]);
    assert_eq!(q.status.code(), Some(2));
    assert!(stderr(&q).contains("silent.wav") && stderr(&q).contains("silence"), "{}", stderr(&q));
    assert!(!dir.path().join("q/sections.json").exists());
}

/// A melody of harmonic tones with rests at 22050 Hz, and its reference (time, f0) on a
/// 10-ms grid.
fn melody(dir: &Path) -> (PathBuf, PathBuf) {
    let sr = 22050usize;
    let notes = [(220.0, 0.5), (0.0, 0.25), (330.0, 0.5), (164.8, 0.5), (0.0, 0.25), (523.3, 0.5)];
    let mut y = Vec::new();
    let mut reference = String::from("time_s,f0_hz\n");
    let mut t0 = 0.0;
    for (f, d) in notes {
        let n = (d * sr as f64) as usize;
        y.extend((0..n).map(|i| {
            let t = i as f64 / sr as f64;
            (1..=4).map(|h| (std::f64::consts::TAU * f * h as f64 * t).sin() / h as f64).sum::<f64>() as f32 * 0.2
        }));
        let mut t = t0;
        while t < t0 + d - 1e-9 {
            reference.push_str(&format!("{t:.2},{f}\n"));
            t += 0.01;
        }
        t0 += d;
    }
    let wav = dir.join("melody.wav");
    reprise::io::write_wav(&wav, &y, sr as u32).unwrap();
    let r = dir.join("reference.csv");
    std::fs::write(&r, reference).unwrap();
    (wav, r)
}

#[test]
fn pitch_writes_the_track_its_picture_and_scores_against_a_reference() {
    let dir = tempfile::tempdir().unwrap();
    let (wav, reference) = melody(dir.path());
    let csv = dir.path().join("out/melody.csv");
    let o = reprise(&["pitch", s(&wav), "-o", s(&csv)]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(csv.with_extension("png").exists());
    let text = std::fs::read_to_string(&csv).unwrap();
    let rows: Vec<Vec<&str>> = text.lines().skip(1).map(|l| l.split(',').collect()).collect();
    assert_eq!(text.lines().next(), Some("time_s,f0_hz,voiced,voiced_prob"));
    // the same frames as `features pyin`
    let npy = dir.path().join("m.npy");
    let o = reprise(&["features", "pyin", s(&wav), "-o", s(&npy)]);
    assert!(o.status.success(), "{}", stderr(&o));
    let a: Array2<f32> = read_npy(&npy).unwrap();
    assert_eq!(a.dim(), (3, rows.len()));
    for (t, r) in rows.iter().enumerate() {
        assert_eq!(r[2] == "1", a[[1, t]] == 1.0, "frame {t}");
        if r[2] == "1" {
            assert!((r[1].parse::<f32>().unwrap() - a[[0, t]]).abs() < 1e-3 * a[[0, t]]);
        } else {
            assert!(r[1] == "nan" && a[[0, t]].is_nan());
        }
    }
    let o = reprise(&["eval-melody", s(&reference), s(&csv), "--json"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let scores: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    for (m, at_least) in [("raw_pitch_accuracy", 0.9), ("voicing_recall", 0.9), ("overall_accuracy", 0.85)] {
        assert!(scores[m].as_f64().unwrap() >= at_least, "{m}: {scores}");
    }
    // plain YIN: frames start at t·hop, so its first time is half a frame in
    let yin = dir.path().join("yin.csv");
    let o = reprise(&["pitch", s(&wav), "--method", "yin", "-o", s(&yin), "--no-plot"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let first: f64 = std::fs::read_to_string(&yin).unwrap().lines().nth(1).unwrap().split(',').next().unwrap().parse().unwrap();
    assert!((first - 1024.0 / 22050.0).abs() < 1e-6, "{first}");
    let o = reprise(&["eval-melody", s(&reference), s(&yin), "--json"]);
    let scores: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert!(scores["raw_pitch_accuracy"].as_f64().unwrap() > 0.85, "{scores}");
    // an octave too high: raw pitch falls, raw chroma does not
    let up = dir.path().join("up.csv");
    let doubled: String = std::fs::read_to_string(&reference)
        .unwrap()
        .lines()
        .map(|l| match l.split_once(',') {
            Some((t, f)) if f.parse::<f64>().is_ok() => format!("{t},{}\n", 2.0 * f.parse::<f64>().unwrap()),
            _ => format!("{l}\n"),
        })
        .collect();
    std::fs::write(&up, doubled).unwrap();
    let o = reprise(&["eval-melody", s(&up), s(&csv), "--json"]);
    let scores: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert!(scores["raw_pitch_accuracy"].as_f64().unwrap() < 0.1 && scores["raw_chroma_accuracy"].as_f64().unwrap() > 0.9, "{scores}");
}

#[test]
fn pitch_and_eval_melody_refuse_bad_input_in_one_line() {
    let dir = tempfile::tempdir().unwrap();
    let (wav, reference) = melody(dir.path());
    expect_error(&["pitch", s(&wav), "--fmin", "10", "-o", s(&dir.path().join("a.csv"))], "fmin");
    expect_error(&["pitch", s(&wav), "--fmax", "20000", "-o", s(&dir.path().join("a.csv"))], "Nyquist");
    expect_error(&["pitch", s(&dir.path().join("none.wav"))], "none.wav");
    expect_error(&["pitch", s(&wav), "--threshold", "0.2", "-o", s(&dir.path().join("a.csv"))], "--method yin");
    expect_error(&["features", "mel", s(&wav), "-o", s(&dir.path().join("m.npy")), "--switch-prob", "0.1"], "applies to pyin");
    let junk = dir.path().join("junk.csv");
    std::fs::write(&junk, "time,f0\n0.0,100\nzero,abc\n").unwrap();
    expect_error(&["eval-melody", s(&reference), s(&junk)], "junk.csv");
    assert!(!dir.path().join("a.csv").exists());
    // silence: every frame unvoiced, a warning, the files written
    let quiet = dir.path().join("quiet.wav");
    reprise::io::write_wav(&quiet, &vec![0f32; 22050], 22050).unwrap();
    let csv = dir.path().join("quiet.csv");
    let o = reprise(&["pitch", s(&quiet), "-o", s(&csv), "--no-plot"]);
    assert!(o.status.success() && stderr(&o).contains("silent"), "{}", stderr(&o));
    assert!(std::fs::read_to_string(&csv).unwrap().lines().skip(1).all(|l| l.split(',').nth(2) == Some("0")));
    assert!(!csv.with_extension("png").exists());
}

#[test]
fn transfer_by_envelope_and_mosaic_writes_audio_and_a_picture() {
    let dir = tempfile::tempdir().unwrap();
    let (wav, _) = melody(dir.path());
    // a timbre at another rate (resampled, with a note), shorter than the input
    let timbre = dir.path().join("timbre.wav");
    let t: Vec<f32> = (0..16000).map(|i| ((std::f64::consts::TAU * 150.0 * i as f64 / 16000.0).sin() * 0.3) as f32).collect();
    reprise::io::write_wav(&timbre, &t, 16000).unwrap();
    let input_len = reprise::io::load(&wav, &Default::default()).unwrap().samples.len();
    for method in ["envelope", "mosaic"] {
        let out = dir.path().join(format!("out/{method}.wav"));
        let o = reprise(&["transfer", s(&wav), "--timbre", s(&timbre), "--method", method, "-o", s(&out)]);
        assert!(o.status.success(), "{method}: {}", stderr(&o));
        assert!(stderr(&o).contains("resampled from 16000 Hz"), "{}", stderr(&o));
        assert!(out.with_extension("png").exists());
        let y = reprise::io::load(&out, &reprise::io::LoadOptions { sr: None, ..Default::default() }).unwrap();
        assert_eq!((y.sr, y.samples.len()), (22050, input_len), "{method}");
        assert!(y.samples.iter().all(|v| v.is_finite()) && y.samples.iter().any(|v| *v != 0.0));
    }
    // bad input, one line each, nothing written
    let empty = dir.path().join("empty");
    std::fs::create_dir_all(&empty).unwrap();
    let bad_out = dir.path().join("bad.wav");
    expect_error(&["transfer", s(&wav), "--timbre", s(&empty), "-o", s(&bad_out)], "no audio files");
    expect_error(&["transfer", s(&wav), "--timbre", s(&dir.path().join("none.wav")), "-o", s(&bad_out)], "none.wav");
    expect_error(&["transfer", s(&wav), "--timbre", s(&timbre), "--k", "3", "-o", s(&bad_out)], "--method mosaic");
    expect_error(&["transfer", s(&wav), "--timbre", s(&timbre), "--lifter-order", "0", "-o", s(&bad_out)], "lifter_order");
    assert!(!bad_out.exists());
}
