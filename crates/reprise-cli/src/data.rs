//! `reprise data`: build datasets from SoundFonts, split manifests, install packages.

use crate::Failure;
use clap::{Args, Subcommand, ValueEnum};
use indicatif::{ProgressBar, ProgressStyle};
use reprise::data::install::{package_set, PACKAGE_SETS, WITHOUT_APT};
use reprise::data::soundfont::{debian_package, KNOWN_SOUNDFONTS};
use reprise::data::split::subset;
use reprise::data::*;
use std::path::{Path, PathBuf};

#[derive(Subcommand)]
pub enum DataCommand {
    /// Render isolated instrument notes from SoundFonts: WAV files + manifest.csv.
    #[command(after_help = "Examples:
  reprise data notes -o notes/                          # seed8 classes, every installed SoundFont
  reprise data notes -o notes/ --soundfont tim --soundfont fluid --soundfont freepats --classes gm15
  reprise data notes -o small/ --soundfont tim --step 6 --velocities 100 --pitches 48..84
  reprise data notes -o mine/ --soundfont myfam=/path/to/Font.sf2 --classes violin,flute
  reprise data notes -o gus/ --soundfont mypats=/path/to/timidity.cfg   # GUS patches

A SoundFont is an .sf2 or .sf3 file, or a TiMidity .cfg listing GUS .pat patches
(freepats), converted to SF2 in memory.

Layout: OUT/FAMILY/SOUNDFONT/LABEL/LABEL_pPPP_vVVV.wav; manifest.csv columns
path,label,program,pitch,velocity,soundfont,family,split,duration_s,rms,peak.")]
    Notes(NotesArgs),
    /// Render short seeded monophonic phrases per instrument (WAV + aligned .mid + manifest.csv).
    #[command(after_help = "Examples:
  reprise data phrases -o phrases/ --count 20
  reprise data phrases -o phrases/ --soundfont tim --classes violin,clarinet --duration-s 6")]
    Phrases(PhrasesArgs),
    /// Split a manifest by SoundFont family, at random, or into K folds; writes one CSV per split.
    #[command(after_help = "Examples:
  reprise data split notes/manifest.csv --by family --train fluid --test tim
  reprise data split notes/manifest.csv --by random --val 0.15 --test-fraction 0.15
  reprise data split my_audio/ --by folds --folds 5 -o splits/   # a LABEL/file.wav folder

Clips of one SoundFont, program and pitch (the same note at several velocities) always
land in the same split, so that near-duplicates cannot leak from train to test.")]
    Split(SplitArgs),
    /// Install the Debian packages the datasets need (apt-get; nothing else is downloaded).
    #[command(after_help = "Sets: minimal (TimGM6mb only), soundfonts (Fluid, Tim and freepats families, the default),
corpora (tools for scripts/data/), all. Without apt it says what to get by hand.")]
    Install {
        /// Which packages: minimal, soundfonts, corpora or all.
        #[arg(default_value = "soundfonts")]
        set: String,
        /// Print the commands instead of running them.
        #[arg(long)]
        dry_run: bool,
    },
    /// List the well-known SoundFonts (installed or not), or the presets of the given ones.
    Soundfonts {
        /// SoundFonts (short names or paths) whose presets to list.
        fonts: Vec<String>,
    },
}

#[derive(Args)]
pub struct KitArgs {
    /// Output folder.
    #[arg(short, long)]
    out: PathBuf,
    /// SoundFont: tim, fluid, fluid-mono, musescore, csound, freepats, a path (.sf2, .sf3, or a
    /// TiMidity .cfg of GUS patches), or FAMILY=PATH; repeat for several [default: tim, fluid
    /// and freepats, those installed].
    #[arg(long = "soundfont")]
    soundfonts: Vec<String>,
    /// Classes: seed8, gm15, or GM programs by number or name (e.g. 0,40,flute).
    #[arg(long, default_value = "seed8")]
    classes: String,
    /// Restrict keys to LO..HI (MIDI numbers); each class also keeps to its real range.
    #[arg(long)]
    pitches: Option<String>,
    /// Sample rate of the WAV files, Hz (16000 to 192000).
    #[arg(long, default_value_t = 16_000)]
    sr: u32,
    /// Seed of the phrases and of the manifest's split column.
    #[arg(long, default_value_t = 0)]
    seed: u64,
}

#[derive(Args)]
pub struct NotesArgs {
    #[command(flatten)]
    kit: KitArgs,
    /// Every STEP-th key of each range.
    #[arg(long, default_value_t = 2)]
    step: u8,
    /// MIDI velocities, comma-separated.
    #[arg(long, default_value = "64,112")]
    velocities: String,
    /// Clip length in seconds.
    #[arg(long, default_value_t = 4.0)]
    duration_s: f64,
    /// How long each key is held, seconds (the rest of the clip is the release).
    #[arg(long, default_value_t = 3.0)]
    hold_s: f64,
}

#[derive(Args)]
pub struct PhrasesArgs {
    #[command(flatten)]
    kit: KitArgs,
    /// Phrases per class and SoundFont.
    #[arg(long, default_value_t = 10)]
    count: usize,
    /// Phrase length in seconds.
    #[arg(long, default_value_t = 8.0)]
    duration_s: f64,
}

#[derive(Clone, Copy, ValueEnum)]
pub enum SplitBy {
    /// Train on some SoundFont families, test on others.
    Family,
    /// Stratified random train/val/test.
    Random,
    /// Stratified K folds.
    Folds,
}

#[derive(Args)]
pub struct SplitArgs {
    /// Manifest CSV, or a folder of LABEL/file.wav.
    manifest: PathBuf,
    /// How to split.
    #[arg(long, value_enum)]
    by: SplitBy,
    /// Families to train on (comma-separated), for --by family.
    #[arg(long)]
    train: Option<String>,
    /// Families to test on [default: all others], for --by family.
    #[arg(long)]
    test: Option<String>,
    /// Fraction held out for validation (of the training families for --by family).
    #[arg(long, default_value_t = 0.1)]
    val: f64,
    /// Fraction for test, for --by random.
    #[arg(long, default_value_t = 0.15)]
    test_fraction: f64,
    /// Number of folds, for --by folds.
    #[arg(long, default_value_t = 5)]
    folds: usize,
    /// Seed.
    #[arg(long, default_value_t = 0)]
    seed: u64,
    /// Output folder [default: the manifest's folder].
    #[arg(short, long)]
    out: Option<PathBuf>,
}

pub fn run(cmd: &DataCommand) -> Result<(), Failure> {
    match cmd {
        DataCommand::Notes(a) => {
            let (fonts, kit) = kit_setup(&a.kit, a.duration_s)?;
            let velocities = a
                .velocities
                .split(',')
                .map(|v| v.trim().parse::<u8>())
                .collect::<Result<Vec<_>, _>>()
                .map_err(|_| format!("invalid value `{}` for --velocities: comma-separated MIDI velocities 1–127, e.g. 64,112", a.velocities))?;
            let cfg = NotesConfig { kit, step: a.step, velocities, hold_s: a.hold_s };
            let pb = progress("notes");
            let report = build_notes(&fonts, &cfg, &a.kit.out, &|d, t| tick(&pb, d, t))?;
            pb.finish_and_clear();
            summarise(&report, &a.kit.out)
        }
        DataCommand::Phrases(a) => {
            let (fonts, kit) = kit_setup(&a.kit, a.duration_s)?;
            let cfg = PhrasesConfig { kit, count: a.count };
            let pb = progress("phrases");
            let report = build_phrases(&fonts, &cfg, &a.kit.out, &|d, t| tick(&pb, d, t))?;
            pb.finish_and_clear();
            summarise(&report, &a.kit.out)
        }
        DataCommand::Split(a) => split_cmd(a),
        DataCommand::Install { set, dry_run } => install(set, *dry_run),
        DataCommand::Soundfonts { fonts } => soundfonts(fonts),
    }
}

fn kit_setup(a: &KitArgs, duration_s: f64) -> Result<(Vec<SoundFontFile>, KitConfig), Failure> {
    let classes = parse_classes(&a.classes)?;
    let pitches = a.pitches.as_deref().map(reprise::data::classes::parse_pitch_range).transpose()?;
    let (fonts, chosen) = reprise::data::open_soundfonts(&a.soundfonts)?;
    if let Some(found) = chosen {
        eprintln!("using SoundFonts: {}", found.join(", "));
    }
    Ok((fonts, KitConfig { classes, pitches, sr: a.sr, duration_s, seed: a.seed }))
}

fn progress(what: &str) -> ProgressBar {
    let pb = ProgressBar::new(0);
    pb.set_style(
        ProgressStyle::with_template(&format!("{{bar:30}} {{pos}}/{{len}} {what} [{{elapsed_precise}} < {{eta}}]"))
            .expect("valid template")
            .progress_chars("=> "),
    );
    pb
}

fn tick(pb: &ProgressBar, done: usize, total: usize) {
    pb.set_length(total as u64);
    pb.set_position(done as u64);
}

fn summarise(report: &KitReport, out: &Path) -> Result<(), Failure> {
    for s in &report.skipped {
        eprintln!("skipped: {s}");
    }
    let m = &report.manifest;
    let secs: f64 = m.rows.iter().filter_map(|r| r.duration_s).sum();
    println!("{} clips ({:.0} s of audio) in {}; manifest {}", m.rows.len(), secs, out.display(), out.join("manifest.csv").display());
    for (label, n) in m.label_counts() {
        println!("  {label:<20} {n}");
    }
    Ok(())
}

fn split_cmd(a: &SplitArgs) -> Result<(), Failure> {
    let mut m = Manifest::read(&a.manifest)?;
    let list = |s: &Option<String>| {
        s.as_deref().map(|s| s.split(',').map(|f| f.trim().to_string()).filter(|f| !f.is_empty()).collect::<Vec<_>>()).unwrap_or_default()
    };
    let plan = match a.by {
        SplitBy::Family => SplitPlan::ByFamily { train: list(&a.train), test: list(&a.test), val_fraction: a.val },
        SplitBy::Random => SplitPlan::Random { val_fraction: a.val, test_fraction: a.test_fraction },
        SplitBy::Folds => SplitPlan::Folds(a.folds),
    };
    split(&mut m, &plan, a.seed)?;
    let out = a.out.clone().unwrap_or_else(|| {
        if a.manifest.is_dir() {
            a.manifest.clone()
        } else {
            a.manifest.parent().map(Path::to_path_buf).unwrap_or_default()
        }
    });
    let names: Vec<String> = match plan {
        SplitPlan::Folds(k) => (0..k).map(|i| format!("fold{i}")).collect(),
        _ => vec!["train".into(), "val".into(), "test".into()],
    };
    for name in &names {
        let s = subset(&m, name);
        let path = out.join(format!("{name}.csv"));
        if s.rows.is_empty() {
            eprintln!("warning: split `{name}` is empty; {} not written", path.display());
            continue;
        }
        s.write(&path)?;
        let counts = s.label_counts();
        println!("{:<6} {:>6} clips, {} labels -> {}", name, s.rows.len(), counts.len(), path.display());
    }
    let unused = m.rows.iter().filter(|r| r.split.is_empty()).count();
    if unused > 0 {
        println!("{unused} clips of other families are in no split");
    }
    Ok(())
}

fn install(set: &str, dry_run: bool) -> Result<(), Failure> {
    let mut packages: Vec<&str> = Vec::new();
    let sets: Vec<&str> = if set == "all" { PACKAGE_SETS.iter().map(|s| s.name).collect() } else { vec![set] };
    for name in sets {
        let s = package_set(name).ok_or_else(|| format!("unknown package set `{name}`; choose minimal, soundfonts, corpora or all"))?;
        println!("{}: {}", s.name, s.purpose);
        for p in s.packages {
            if !packages.contains(p) {
                packages.push(p);
            }
        }
    }
    let install = format!("apt-get install -y --no-install-recommends {}", packages.join(" "));
    let has_apt = std::process::Command::new("apt-get").arg("--version").output().is_ok_and(|o| o.status.success());
    if !has_apt {
        println!("apt-get is not available here.\n{WITHOUT_APT}");
        return Err(Failure { code: 2, message: "no apt-get: install the files by hand as described above".into() });
    }
    let root = std::process::Command::new("id").arg("-u").output().is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "0");
    if dry_run || !root {
        let sudo = if root { "" } else { "sudo " };
        println!("{sudo}apt-get update\n{sudo}{install}");
        if !root && !dry_run {
            return Err(Failure { code: 2, message: "not root: run the commands above (with sudo), or rerun as root".into() });
        }
        return Ok(());
    }
    let sh = |cmd: &str| std::process::Command::new("sh").arg("-c").arg(cmd).status().is_ok_and(|s| s.success());
    println!("$ apt-get update");
    if !sh("apt-get update -q") {
        eprintln!("warning: apt-get update failed; trying the install anyway");
    }
    println!("$ {install}");
    // a large install sometimes fails once on a missing archive and works when repeated
    if !sh(&install) && !sh(&install) {
        return Err(Failure { code: 2, message: format!("`{install}` failed twice; see apt's messages above") });
    }
    println!("installed: {}", packages.join(" "));
    Ok(())
}

fn soundfonts(fonts: &[String]) -> Result<(), Failure> {
    if fonts.is_empty() {
        for (name, family, _) in KNOWN_SOUNDFONTS {
            match resolve_soundfont(name) {
                Ok((p, _)) => println!("{name:<11} {family:<8} {}", p.display()),
                Err(_) => println!("{name:<11} {family:<8} not installed (Debian package {})", debian_package(name).unwrap_or("?")),
            }
        }
        return Ok(());
    }
    for spec in fonts {
        let (path, family) = resolve_soundfont(spec)?;
        let f = SoundFontFile::open(&path, Some(&family))?;
        let presets = f.presets();
        println!(
            "{} (family {}, {}{} presets)",
            path.display(),
            f.family,
            if f.was_sf3 {
                "SF3 decoded to SF2, "
            } else if path.extension().is_some_and(|e| e.eq_ignore_ascii_case("cfg")) {
                "GUS patches converted to SF2, "
            } else {
                ""
            },
            presets.len()
        );
        for p in presets {
            let gm = if p.bank == 0 { reprise::data::classes::gm_name(p.program) } else { "" };
            println!("  bank {:>3} program {:>3}  keys {:>3}-{:<3}  {:<24} {gm}", p.bank, p.program, p.key_lo, p.key_hi, p.name);
        }
    }
    Ok(())
}
