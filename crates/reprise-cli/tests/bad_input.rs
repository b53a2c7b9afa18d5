//! The bad-input corpus: files damaged in the ways a probe of about 800 inputs found, made
//! here from the committed fixtures, run through every subcommand that reads such a file.
//! Whatever the file, the command must end with exit code 0, 1 or 2 (never a panic or a
//! signal), and a failure must be reported on `error:` lines that name the file.

use std::path::{Path, PathBuf};
use std::process::Command;

mod common;

fn fx(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/audio").join(name)
}

/// Bytes of a seeded generator (SplitMix64), so that the corpus is the same on every run.
fn noise(n: usize, seed: u64) -> Vec<u8> {
    let mut s = seed;
    (0..n)
        .map(|_| {
            s = s.wrapping_add(0x9E37_79B9_7F4A_7C15);
            let mut z = s;
            z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
            (z ^ (z >> 31)) as u8
        })
        .collect()
}

fn wav_with(edit: impl Fn(&mut Vec<u8>, usize, usize)) -> Vec<u8> {
    let mut b = std::fs::read(fx("tone_s16.wav")).unwrap();
    let fmt = b.windows(4).position(|w| w == b"fmt ").unwrap();
    let data = b.windows(4).position(|w| w == b"data").unwrap();
    edit(&mut b, fmt, data);
    b
}

/// Writes the corpus into `dir`: (file name, what is wrong with it).
fn corpus(dir: &Path) -> Vec<(&'static str, &'static str)> {
    let tone = std::fs::read(fx("tone_s16.wav")).unwrap();
    let mp3 = std::fs::read(fx("tone.mp3")).unwrap();
    let ogg = std::fs::read(fx("tone.ogg")).unwrap();
    let flac = std::fs::read(fx("tone.flac")).unwrap();
    // a comment header whose first comment claims 4 GiB (symphonia would allocate it)
    let mut ogg_comment = ogg.clone();
    let at = ogg.windows(7).position(|w| w == b"\x03vorbis").unwrap() + 7;
    let n = at + 4 + u32::from_le_bytes(ogg[at..at + 4].try_into().unwrap()) as usize;
    ogg_comment[n..n + 8].copy_from_slice(&[1, 0, 0, 0, 0xF0, 0xFF, 0xFF, 0xFF]);
    let mut overwritten_mp3 = mp3.clone();
    let mid = overwritten_mp3.len() / 2;
    overwritten_mp3[mid..mid + 800.min(mp3.len() / 4)].copy_from_slice(&noise(800.min(mp3.len() / 4), 3));
    let files: Vec<(&'static str, &'static str, Vec<u8>)> = vec![
        ("empty.wav", "0 bytes", vec![]),
        ("text.wav", "text named .wav", b"this is not audio, just a few words of text\n".repeat(10)),
        ("noise.wav", "random bytes", noise(3000, 1)),
        ("noise.flac", "random bytes", noise(3000, 2)),
        ("riff_only.wav", "a RIFF header and nothing else", tone[..12].to_vec()),
        ("half_header.wav", "ends inside the fmt chunk", tone[..30].to_vec()),
        ("rate0.wav", "sample rate 0", wav_with(|b, f, _| b[f + 12..f + 16].copy_from_slice(&0u32.to_le_bytes()))),
        ("rate1.wav", "sample rate 1 Hz", wav_with(|b, f, _| b[f + 12..f + 16].copy_from_slice(&1u32.to_le_bytes()))),
        ("rate4g.wav", "sample rate 4 GHz", wav_with(|b, f, _| b[f + 12..f + 16].copy_from_slice(&4_000_000_000u32.to_le_bytes()))),
        ("channels0.wav", "0 channels", wav_with(|b, f, _| b[f + 10..f + 12].copy_from_slice(&0u16.to_le_bytes()))),
        ("bigsize.wav", "data size 0xFFFFFF9C", wav_with(|b, _, d| b[d + 4..d + 8].copy_from_slice(&0xFFFF_FF9Cu32.to_le_bytes()))),
        ("cut.wav", "the first half of a WAV", tone[..tone.len() / 2].to_vec()),
        ("cut.flac", "the first half of a FLAC", flac[..flac.len() / 2].to_vec()),
        ("cut50.mp3", "the first half of an MP3", mp3[..mp3.len() / 2].to_vec()),
        ("cut80.ogg", "80 % of an Ogg Vorbis file", ogg[..ogg.len() * 4 / 5].to_vec()),
        ("overwritten.mp3", "800 bytes of an MP3 overwritten", overwritten_mp3),
        ("comment4g.ogg", "an Ogg Vorbis comment claiming 4 GiB", ogg_comment),
        (
            "tiny.wav",
            "46 samples",
            wav_with(|b, _, d| {
                b[d + 4..d + 8].copy_from_slice(&92u32.to_le_bytes());
                b.truncate(d + 8 + 92);
            }),
        ),
        ("huge.npy", "a header declaring 10^18 floats", common::npy_bytes("<f4", "(1000000000000, 1000000)", &[0; 32])),
        ("cut.npy", "a valid header, half the data", common::npy_bytes("<f4", "(128, 100)", &[0; 128 * 50 * 4])),
        ("ints.npy", "int64 values", common::npy_bytes("<i8", "(4, 4)", &[0; 128])),
        ("flat.npy", "a 1-D array", common::npy_bytes("<f4", "(16,)", &[0; 64])),
        ("junk.npy", "not an .npy", noise(700, 4)),
        ("empty.mid", "0 bytes", vec![]),
        ("text.mid", "text named .mid", b"MThd? no, just text".to_vec()),
        ("noise.mid", "random bytes after an MThd", [b"MThd\x00\x00\x00\x06\x00\x01\x00\x02\x01\xe0".to_vec(), noise(400, 5)].concat()),
    ];
    for (name, _, bytes) in &files {
        std::fs::write(dir.join(name), bytes).unwrap();
    }
    files.into_iter().map(|(n, what, _)| (n, what)).collect()
}

#[test]
fn every_command_survives_the_bad_input_corpus() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let cases = corpus(d);
    let out = d.join("out");
    std::fs::create_dir_all(&out).unwrap();
    let o = |n: &str| out.join(n).display().to_string();
    let mut failures = Vec::new();
    let mut runs = 0;
    for (name, what) in &cases {
        let f = d.join(name).display().to_string();
        let commands: Vec<Vec<String>> = match Path::new(name).extension().and_then(|e| e.to_str()) {
            Some("npy") => vec![
                vec!["invert".into(), "stft".into(), f.clone(), "-o".into(), o("x.wav")],
                vec!["invert".into(), "mel".into(), f.clone(), "-o".into(), o("x.wav")],
                vec!["invert".into(), "cqt".into(), f.clone(), "-o".into(), o("x.wav")],
                vec!["plot".into(), f.clone(), "-o".into(), o("x.png")],
                vec!["midi".into(), "from-roll".into(), f.clone(), "-o".into(), o("x.mid")],
            ],
            Some("mid") => vec![
                vec!["midi".into(), "info".into(), f.clone()],
                vec!["midi".into(), "roll".into(), f.clone(), "-o".into(), o("r.npy")],
                vec!["midi".into(), "chords".into(), f.clone(), "-o".into(), o("c.csv")],
                vec!["midi".into(), "render".into(), f.clone(), "-o".into(), o("r.wav")],
            ],
            _ => vec![
                vec!["info".into(), f.clone()],
                vec!["features".into(), "mel".into(), f.clone(), "-o".into(), o("m.npy")],
                vec!["features".into(), "cqt".into(), f.clone(), "-o".into(), o("c.npy")],
                vec!["features".into(), "scattering".into(), f.clone(), "-o".into(), o("s.npy")],
                vec!["features".into(), "scalogram".into(), f.clone(), "-o".into(), o("u.npy"), "--sr".into(), "4".into()],
                vec!["plot".into(), f.clone(), "-o".into(), o("w.png")],
                vec!["features".into(), "pyin".into(), f.clone(), "-o".into(), o("p.npy")],
                vec!["pitch".into(), f.clone(), "-o".into(), o("p.csv")],
                vec!["transfer".into(), f.clone(), "--timbre".into(), fx("tone_s16.wav").display().to_string(), "-o".into(), o("t.wav")],
                vec![
                    "transfer".into(),
                    fx("tone_s16.wav").display().to_string(),
                    "--timbre".into(),
                    f.clone(),
                    "--method".into(),
                    "mosaic".into(),
                    "-o".into(),
                    o("t.wav"),
                ],
            ],
        };
        for args in commands {
            runs += 1;
            let r = Command::new(env!("CARGO_BIN_EXE_reprise")).args(&args).output().unwrap();
            let err = String::from_utf8_lossy(&r.stderr);
            let said = format!("`reprise {}` on {name} ({what}): exit {:?}, stderr: {err}", args.join(" "), r.status.code());
            match r.status.code() {
                None => failures.push(format!("killed by a signal: {said}")),
                Some(c) if c > 2 => failures.push(format!("unexpected exit code: {said}")),
                Some(0) => {}
                Some(_) => {
                    let errors: Vec<&str> = err.lines().filter(|l| l.starts_with("error:")).collect();
                    if errors.is_empty() || !errors.iter().all(|l| l.contains(name) || l.contains("--")) {
                        failures.push(format!("no error line naming the file: {said}"));
                    }
                }
            }
            if err.contains("panicked") || err.contains("memory allocation") {
                failures.push(format!("panic or abort: {said}"));
            }
        }
    }
    assert!(failures.is_empty(), "{} of {runs} runs misbehaved:\n{}", failures.len(), failures.join("\n"));
}

/// An output folder that cannot be written (here: under a regular file, which even root
/// cannot write into) is found before any input is decoded: the batch stops with one line
/// naming the folder.
#[test]
fn unwritable_outputs_are_found_before_the_work() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let blocker = d.join("a-file");
    std::fs::write(&blocker, b"x").unwrap();
    let inputs = d.join("in");
    std::fs::create_dir_all(&inputs).unwrap();
    for i in 0..3 {
        std::fs::copy(fx("tone_s16.wav"), inputs.join(format!("t{i}.wav"))).unwrap();
    }
    let out = blocker.join("out");
    let r = Command::new(env!("CARGO_BIN_EXE_reprise"))
        .args(["features", "mel", &inputs.display().to_string(), "-o", &out.display().to_string()])
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&r.stderr);
    assert_eq!(r.status.code(), Some(2), "{err}");
    let lines: Vec<&str> = err.lines().filter(|l| !l.trim().is_empty()).collect();
    assert_eq!(lines.len(), 1, "{err}");
    assert!(lines[0].contains("a-file/out") && lines[0].contains("cannot write in the output folder"), "{err}");
}
