//! Datasets rendered at test time from Debian's TimGM6mb (package timgm6mb-soundfont;
//! CI installs it). Without it these tests say so and pass, unless `CI` is set.

use reprise_data::*;
use reprise_dsp::{yin, YinConfig};
use std::path::{Path, PathBuf};

fn tim() -> Option<PathBuf> {
    match resolve_soundfont("tim") {
        Ok((p, _)) => Some(p),
        Err(e) => {
            assert!(std::env::var_os("CI").is_none(), "CI must install timgm6mb-soundfont: {e}");
            eprintln!("skipping: {e}");
            None
        }
    }
}

fn notes_config(classes: Vec<InstrumentClass>, step: u8, seed: u64) -> NotesConfig {
    NotesConfig { kit: KitConfig { classes, pitches: None, sr: 16_000, duration_s: 1.5, seed }, step, velocities: vec![100], hold_s: 1.0 }
}

fn read_wav(path: &Path) -> (Vec<f32>, u32) {
    let s = reprise_io::load(path, &reprise_io::LoadOptions { sr: None, ..Default::default() }).unwrap();
    (s.samples, s.sr)
}

/// Median YIN f0 over the held part of a note, from frames that look periodic.
fn median_f0(x: &[f32], sr: u32, hold_s: f64) -> Option<f64> {
    let cfg = YinConfig { fmin: 30.0, fmax: 4000.0, frame_length: 2048, hop_length: 256, trough_threshold: 0.15 };
    let frames = yin(x, sr, &cfg).ok()?;
    let mut f: Vec<f64> = frames
        .iter()
        .enumerate()
        .filter(|(i, fr)| {
            let t = (*i * 256) as f64 / sr as f64;
            t >= 0.05 && t + 2048.0 / sr as f64 <= hold_s && fr.aperiodicity < 0.3
        })
        .map(|(_, fr)| fr.f0_hz)
        .collect();
    if f.is_empty() {
        return None;
    }
    f.sort_by(f64::total_cmp);
    Some(f[f.len() / 2])
}

#[test]
fn notes_kit_is_audible_in_tune_and_deterministic() {
    let Some(tim) = tim() else { return };
    let font = SoundFontFile::open(&tim, None).unwrap();
    assert_eq!(font.family, "tim");
    assert!(!font.was_sf3);
    let dir = tempfile::tempdir().unwrap();
    let cfg = notes_config(seed8(), 5, 1);
    let report = build_notes(std::slice::from_ref(&font), &cfg, dir.path(), &|_, _| {}).unwrap();
    let m = &report.manifest;
    assert!(m.rows.len() >= 60, "{} clips; skipped: {:?}", m.rows.len(), report.skipped);
    // every class is there, every file exists and is audible and unclipped
    let labels: std::collections::BTreeSet<&str> = m.rows.iter().map(|r| r.label.as_str()).collect();
    assert_eq!(labels.len(), 8, "{labels:?}");
    let mut in_tune = 0;
    let mut pitched = 0;
    let mut off = Vec::new();
    for r in &m.rows {
        let (x, sr) = read_wav(&m.resolve(r));
        assert_eq!(sr, 16_000);
        assert_eq!(x.len(), 24_000);
        let peak = x.iter().fold(0f32, |a, v| a.max(v.abs()));
        assert!(peak >= 1e-3, "{}: silent", r.path);
        assert!(peak < 0.999, "{}: clipped", r.path);
        assert_eq!(r.family, "tim");
        assert_eq!(r.soundfont, "TimGM6mb");
        assert!(["train", "val", "test"].contains(&r.split.as_str()));
        let midi = r.pitch.unwrap() as f64;
        let f0 = median_f0(&x, sr, cfg.hold_s);
        pitched += 1;
        match f0 {
            Some(f) => {
                let cents = 1200.0 * (f / (440.0 * 2f64.powf((midi - 69.0) / 12.0))).log2();
                if cents.abs() <= 50.0 {
                    in_tune += 1;
                } else {
                    off.push(format!("{} {cents:.0}", r.path));
                }
            }
            None => off.push(format!("{} unpitched", r.path)),
        }
    }
    let share = in_tune as f64 / pitched as f64;
    eprintln!("pitch within 50 cents: {in_tune}/{pitched} = {share:.3}; off: {off:?}");
    assert!(share >= 0.95, "{in_tune}/{pitched} in tune; off: {off:?}");
    // the same settings give the same bytes
    let dir2 = tempfile::tempdir().unwrap();
    build_notes(std::slice::from_ref(&font), &cfg, dir2.path(), &|_, _| {}).unwrap();
    let a = std::fs::read(dir.path().join("manifest.csv")).unwrap();
    let b = std::fs::read(dir2.path().join("manifest.csv")).unwrap();
    assert_eq!(a, b);
    let r0 = &m.rows[m.rows.len() / 2].path;
    assert_eq!(std::fs::read(dir.path().join(r0)).unwrap(), std::fs::read(dir2.path().join(r0)).unwrap());
    // the manifest reads back identically
    let back = Manifest::read(dir.path().join("manifest.csv")).unwrap();
    assert_eq!(back.rows, m.rows);
}

#[test]
fn phrases_come_with_aligned_midi() {
    let Some(tim) = tim() else { return };
    let font = SoundFontFile::open(&tim, None).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let classes = parse_classes("violin,flute,0").unwrap();
    let cfg = PhrasesConfig { kit: KitConfig { classes, pitches: None, sr: 16_000, duration_s: 4.0, seed: 3 }, count: 2 };
    let report = build_phrases(std::slice::from_ref(&font), &cfg, dir.path(), &|_, _| {}).unwrap();
    assert_eq!(report.manifest.rows.len(), 6, "{:?}", report.skipped);
    let mut firsts = Vec::new();
    for r in &report.manifest.rows {
        let wav = report.manifest.resolve(r);
        let score = reprise_midi::Score::read(wav.with_extension("mid")).unwrap();
        assert!(score.notes.len() >= 3, "{}: {} notes", r.path, score.notes.len());
        assert!(score.notes.iter().all(|n| n.end_s <= 3.61 && n.program == r.program.unwrap()));
        // monophonic apart from legato overlaps of 30 ms
        for w in score.notes.windows(2) {
            assert!(w[1].start_s >= w[0].end_s - 0.031, "{}: overlap {:?}", r.path, w);
        }
        let (x, _) = read_wav(&wav);
        assert!(x.iter().fold(0f32, |a, v| a.max(v.abs())) > 1e-3);
        firsts.push(score.notes[0].pitch);
    }
    // phrases differ from each other
    let distinct: std::collections::BTreeSet<String> = report
        .manifest
        .rows
        .iter()
        .map(|r| std::fs::read(report.manifest.resolve(r).with_extension("mid")).map(|b| format!("{b:?}")).unwrap())
        .collect();
    assert_eq!(distinct.len(), 6);
}

#[test]
fn bad_soundfonts_and_missing_presets_get_clear_errors() {
    let dir = tempfile::tempdir().unwrap();
    let p = |name: &str, bytes: &[u8]| {
        let path = dir.path().join(name);
        std::fs::write(&path, bytes).unwrap();
        path
    };
    let msg = |path: &Path| SoundFontFile::open(path, None).err().expect("must fail").to_string();
    let e = msg(&p("empty.sf2", b""));
    assert!(e.contains("empty.sf2") && e.contains("empty"), "{e}");
    let e = msg(&p("wave.sf2", b"RIFF\x24\0\0\0WAVEfmt junk junk junk junk junk junk"));
    assert!(e.contains("not a SoundFont"), "{e}");
    let e = msg(&dir.path().join("missing.sf2"));
    assert!(e.contains("missing.sf2") && e.contains("no such file"), "{e}");
    let Some(tim) = tim() else { return };
    let good = std::fs::read(&tim).unwrap();
    for cut in [good.len() / 2, good.len() - 10, 100] {
        let e = msg(&p("cut.sf2", &good[..cut]));
        assert!(e.contains("cut.sf2") && (e.contains("truncated") || e.contains("damaged")), "cut at {cut}: {e}");
    }
    // a bag pointing past the generators (rustysynth would index out of bounds; found by fuzzing)
    let mut b = good.clone();
    let pbag = good.windows(4).position(|w| w == b"pbag").unwrap() + 8;
    b[pbag..pbag + 2].copy_from_slice(&u16::MAX.to_le_bytes());
    let e = msg(&p("bag.sf2", &b));
    assert!(e.contains("bag.sf2") && e.contains("`pbag` record 0 points to `pgen`"), "{e}");
    // byte flips in the headers and the preset data never panic
    let mut rng = reprise_data::rng::Rng::new(5);
    let pdta = good.windows(4).rposition(|w| w == b"pdta").unwrap();
    for i in 0..40 {
        let mut b = good.clone();
        for _ in 0..4 {
            let at = if i % 2 == 0 { rng.below(200) } else { pdta + rng.below(good.len() - pdta) };
            b[at] = rng.next_u64() as u8;
        }
        let _ = SoundFontFile::open(p("flip.sf2", &b), None);
    }
    let font = SoundFontFile::open(&tim, None).unwrap();
    let e = font.require_program(127, true).unwrap_err().to_string();
    assert!(e.contains("bank 128, program 127") && e.contains("reprise data soundfonts"), "{e}");
    let score = reprise_midi::Score::new(vec![reprise_midi::Note { channel: 9, program: 127, ..reprise_midi::Note::new(36, 100, 0.0, 0.2) }]);
    assert!(font.render_score(&score, 16_000, 0.5).is_err());
    assert!(font.render_events(&[], 1.0, 8_000).unwrap_err().to_string().contains("16000"));
}

#[test]
fn sf3_is_decoded_and_renders_in_tune() {
    // Not in CI (the package is 34 MB); runs where musescore-general-soundfont-small is.
    let Ok((path, family)) = resolve_soundfont("musescore") else {
        eprintln!("skipping: no MuseScore General SF3 here");
        return;
    };
    let font = SoundFontFile::open(&path, Some(&family)).unwrap();
    assert!(font.was_sf3);
    assert_eq!(font.family, "fluid");
    for (program, pitch) in [(40u8, 67u8), (71, 60), (73, 72), (56, 65)] {
        use reprise_data::soundfont::{SynthEvent, SynthEventKind::*};
        let ev = [
            SynthEvent { time_s: 0.0, channel: 0, kind: Program(program) },
            SynthEvent { time_s: 0.0, channel: 0, kind: NoteOn { key: pitch, velocity: 100 } },
            SynthEvent { time_s: 1.0, channel: 0, kind: NoteOff { key: pitch } },
        ];
        let x = font.render_events(&ev, 1.5, 16_000).unwrap();
        let f = median_f0(&x, 16_000, 1.0).unwrap();
        let cents = 1200.0 * (f / (440.0 * 2f64.powf((pitch as f64 - 69.0) / 12.0))).log2();
        assert!(cents.abs() < 50.0, "program {program} key {pitch}: {f} Hz ({cents:.0} cents)");
    }
}

#[test]
fn freepats_gus_patches_render_in_tune() {
    // Debian's freepats (GUS patches through /etc/timidity/freepats.cfg): CI installs it.
    let (path, family) = match resolve_soundfont("freepats") {
        Ok(found) => found,
        Err(e) => {
            assert!(std::env::var_os("CI").is_none(), "CI must install freepats: {e}");
            eprintln!("skipping: {e}");
            return;
        }
    };
    let font = match SoundFontFile::open(&path, Some(&family)) {
        Ok(f) => f,
        Err(e) => {
            // e.g. a removed but not purged package: the .cfg stays, the patches go
            assert!(std::env::var_os("CI").is_none(), "CI must install freepats: {e}");
            eprintln!("skipping: {e}");
            return;
        }
    };
    assert_eq!(font.family, "freepats");
    assert_eq!(font.name(), "freepats");
    assert!(font.preset(0, 53).is_some() && font.preset(0, 52).is_none(), "freepats has voice oohs, not choir aahs");
    let dir = tempfile::tempdir().unwrap();
    let cfg = notes_config(seed8(), 5, 1);
    let report = build_notes(std::slice::from_ref(&font), &cfg, dir.path(), &|_, _| {}).unwrap();
    let m = &report.manifest;
    let labels: std::collections::BTreeSet<&str> = m.rows.iter().map(|r| r.label.as_str()).collect();
    assert_eq!(labels.len(), 8, "{labels:?}; skipped: {:?}", report.skipped);
    let (mut in_tune, mut off) = (0, Vec::new());
    for r in &m.rows {
        let (x, sr) = read_wav(&m.resolve(r));
        let peak = x.iter().fold(0f32, |a, v| a.max(v.abs()));
        assert!((1e-3..0.999).contains(&peak), "{}: peak {peak}", r.path);
        assert_eq!((r.family.as_str(), r.soundfont.as_str()), ("freepats", "freepats"));
        let midi = r.pitch.unwrap() as f64;
        match median_f0(&x, sr, cfg.hold_s) {
            Some(f) if (1200.0 * (f / (440.0 * 2f64.powf((midi - 69.0) / 12.0))).log2()).abs() <= 50.0 => in_tune += 1,
            f0 => off.push(format!("{} {f0:?}", r.path)),
        }
    }
    let share = in_tune as f64 / m.rows.len() as f64;
    eprintln!("freepats: {} clips, pitch within 50 cents: {share:.3}; off: {off:?}", m.rows.len());
    assert!(m.rows.len() >= 60 && share >= 0.95, "{in_tune}/{} in tune; off: {off:?}", m.rows.len());
}

#[test]
fn splits_are_stratified_grouped_and_seeded() {
    let mut rows = Vec::new();
    for family in ["fluid", "tim", "other"] {
        for label in ["a", "b", "c"] {
            for pitch in 40..60u8 {
                for velocity in [64u8, 112] {
                    rows.push(ManifestRow {
                        path: format!("{family}/{label}/{pitch}_{velocity}.wav"),
                        label: label.into(),
                        program: Some(0),
                        pitch: Some(pitch),
                        velocity: Some(velocity),
                        soundfont: family.into(),
                        family: family.into(),
                        ..Default::default()
                    });
                }
            }
        }
    }
    let base = Manifest { rows, root: PathBuf::from(".") };
    // by family
    let mut m = base.clone();
    split(&mut m, &SplitPlan::ByFamily { train: vec!["fluid".into()], test: vec!["tim".into()], val_fraction: 0.2 }, 0).unwrap();
    for r in &m.rows {
        match r.family.as_str() {
            "fluid" => assert!(r.split == "train" || r.split == "val"),
            "tim" => assert_eq!(r.split, "test"),
            _ => assert_eq!(r.split, ""),
        }
    }
    let val = m.rows.iter().filter(|r| r.split == "val").count();
    assert_eq!(val, 3 * 4 * 2, "20% of each label's 20 pitch groups, two velocities each");
    // groups never straddle, for every plan
    for plan in [SplitPlan::Random { val_fraction: 0.15, test_fraction: 0.15 }, SplitPlan::Folds(5)] {
        let mut m = base.clone();
        split(&mut m, &plan, 42).unwrap();
        let mut by_group = std::collections::HashMap::new();
        for r in &m.rows {
            assert_eq!(by_group.entry(r.group_key()).or_insert(r.split.clone()), &r.split);
        }
        // stratified: every label in every split
        let splits: std::collections::BTreeSet<&str> = m.rows.iter().map(|r| r.split.as_str()).collect();
        for s in &splits {
            let labels: std::collections::BTreeSet<&str> = m.rows.iter().filter(|r| r.split == *s).map(|r| r.label.as_str()).collect();
            assert_eq!(labels.len(), 3, "split {s}");
        }
        // deterministic for a seed, different for another
        let mut again = base.clone();
        split(&mut again, &plan, 42).unwrap();
        assert_eq!(again, m);
        let mut other = base.clone();
        split(&mut other, &plan, 43).unwrap();
        assert_ne!(other, m);
    }
    // bad plans
    let mut m = base.clone();
    assert!(split(&mut m, &SplitPlan::ByFamily { train: vec!["nope".into()], test: vec![], val_fraction: 0.1 }, 0)
        .unwrap_err()
        .to_string()
        .contains("nope"));
    assert!(split(&mut m, &SplitPlan::Folds(1), 0).is_err());
    assert!(split(&mut m, &SplitPlan::Folds(100), 0).unwrap_err().to_string().contains("fewer than 100 folds"));
    assert!(split(&mut m, &SplitPlan::Random { val_fraction: 0.6, test_fraction: 0.5 }, 0).is_err());
}

#[test]
fn folders_and_csv_files_are_manifests() {
    let dir = tempfile::tempdir().unwrap();
    let e = Manifest::read(dir.path()).unwrap_err().to_string();
    assert!(e.contains("no labelled audio"), "{e}");
    for (label, name) in [("violin", "a.wav"), ("violin", "sub/b.wav"), ("flute", "c.wav")] {
        let p = dir.path().join(label).join(name);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        reprise_io::write_wav_i16(&p, &[0.1, -0.1, 0.2], 16_000).unwrap();
    }
    let m = Manifest::read(dir.path()).unwrap();
    assert_eq!(m.rows.len(), 3);
    assert_eq!(m.label_counts().get("violin"), Some(&2));
    assert!(m.resolve(&m.rows[0]).is_file());
    // written elsewhere, paths still resolve
    let other = tempfile::tempdir().unwrap();
    m.write(other.path().join("m.csv")).unwrap();
    let back = Manifest::read(other.path().join("m.csv")).unwrap();
    assert!(back.rows.iter().all(|r| back.resolve(r).is_file()));
    // bad CSVs
    let bad = |text: &str| {
        let p = other.path().join("bad.csv");
        std::fs::write(&p, text).unwrap();
        Manifest::read(&p).unwrap_err().to_string()
    };
    assert!(bad("").contains("empty"));
    assert!(bad("file,class\na.wav,x\n").contains("no `path` column"));
    assert!(bad("path,label\n").contains("no rows"));
    assert!(bad("path,label,pitch\na.wav,x,high\n").contains("line 2"));
    assert!(Manifest::read(other.path().join("none.csv")).unwrap_err().to_string().contains("none.csv"));
}
