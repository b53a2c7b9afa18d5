//! `reprise`: the command line of Reprise.
//!
//! Exit codes: 0 success; 1 a batch in which some files failed; 2 a usage error or a
//! single input that could not be processed. Errors are one line naming the file.

mod batch;
mod classify;
mod data;
mod deep;
mod demo;
mod invert;
mod midi;
mod pitch;
mod plot;

use clap::{Args, Parser, Subcommand};
use reprise::dsp::cqt::{CqtMode, Gamma};
use reprise::dsp::{MelNorm, PadMode, StftConfig, Tuning, Window};
use reprise::features::{CqtParams, FeatureKind, FeatureParams, PyinParams, ScatterParams};
use reprise::scatter::JtfsFormat;
use std::path::PathBuf;
use std::process::ExitCode;

/// mimalloc keeps freed memory for reuse: training steps allocate and free tensors of tens
/// of megabytes, which glibc's malloc maps and unmaps each time (page faults were a quarter
/// of a pons training step).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[derive(Parser)]
#[command(name = "reprise", version, about = "Music representations: audio in, features out.", long_about = None)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

/// `reprise structure`.
#[derive(clap::Args)]
pub struct StructureArgs {
    /// The recording.
    pub audio: PathBuf,
    /// The frames compared.
    #[arg(long, value_enum, default_value = "cae")]
    pub features: StructureKind,
    /// With --features cae: the model, a run folder of `reprise train --model cae` (or an
    /// exported model folder) [default: the shipped piano model].
    #[arg(long)]
    pub model: Option<PathBuf>,
    /// The piece's notes, a MIDI file or a CSV of onset (quarter notes), MIDI pitch, …: the
    /// patterns are then also written as MIREX points (patterns.txt), and only patterns with
    /// notes in two occurrences are kept.
    #[arg(long)]
    pub notes: Option<PathBuf>,
    /// Tempo, beats per minute: sets the shortest pattern (16 beats) and the notes' onsets.
    #[arg(long, default_value_t = reprise::structure::StructureConfig::default().bpm)]
    pub bpm: f64,
    /// The extractor's starting threshold (lowered by 0.001 until a pattern is found).
    #[arg(long, default_value_t = reprise::structure::StructureConfig::default().threshold)]
    pub threshold: f64,
    /// Output folder.
    #[arg(short, long)]
    pub out: PathBuf,
}

/// `reprise pitch`.
#[derive(clap::Args)]
pub struct PitchArgs {
    /// The recording.
    pub input: PathBuf,
    /// The CSV [default: INPUT's name with .pitch.csv, in the current folder]; the picture
    /// goes beside it (.png).
    #[arg(short, long)]
    pub out: Option<PathBuf>,
    /// Sample rate to analyse at, Hz, or `native`.
    #[arg(long, default_value = "22050", value_parser = parse_sr)]
    pub sr: SrArg,
    /// Lowest f0, Hz [default: C2 = 65.4 Hz].
    #[arg(long)]
    pub fmin: Option<f64>,
    /// Highest f0, Hz [default: C7 = 2093 Hz].
    #[arg(long)]
    pub fmax: Option<f64>,
    /// Samples per frame.
    #[arg(long, default_value_t = reprise::dsp::PyinConfig::default().frame_length)]
    pub frame_length: usize,
    /// Samples between frames [default: frame-length / 4].
    #[arg(long)]
    pub hop_length: Option<usize>,
    #[command(flatten)]
    pub pyin: PyinOpts,
    /// The tracker: pyin, or plain yin (frame by frame, voiced where its trough is below
    /// --threshold; frames start at t·hop instead of being centred).
    #[arg(long, value_enum, default_value = "pyin")]
    pub method: PitchMethodArg,
    /// yin: the trough threshold.
    #[arg(long, default_value_t = 0.1)]
    pub threshold: f64,
    /// Only the CSV, no picture.
    #[arg(long)]
    pub no_plot: bool,
}

/// `reprise transfer`.
#[derive(clap::Args)]
pub struct TransferArgs {
    /// The sound whose notes are kept.
    pub input: PathBuf,
    /// The sound whose timbre is imposed: a file, or a folder of audio files (searched
    /// recursively; envelope plays them one after another, mosaic draws frames from all).
    #[arg(long)]
    pub timbre: PathBuf,
    /// The method.
    #[arg(long, value_enum, default_value = "envelope")]
    pub method: TransferMethodArg,
    /// Output WAV (float32); the picture goes beside it (.png).
    #[arg(short, long)]
    pub out: PathBuf,
    /// Sample rate both are read at, Hz.
    #[arg(long, default_value_t = 22050)]
    pub sr: u32,
    /// envelope: cepstral coefficients kept (quefrencies below lifter-order / sr).
    #[arg(long, default_value_t = reprise::dsp::envelope::CrossSynthesisConfig::default().lifter_order)]
    pub lifter_order: usize,
    /// mosaic: timbre frames averaged per input frame.
    #[arg(long, default_value_t = reprise::dsp::mosaic::MosaicConfig::default().k)]
    pub k: usize,
    /// Only the WAV, no picture.
    #[arg(long)]
    pub no_plot: bool,
}

/// `reprise transfer --method`.
#[derive(Clone, Copy, Debug, PartialEq, clap::ValueEnum)]
pub enum TransferMethodArg {
    /// Cepstral-envelope cross-synthesis.
    Envelope,
    /// MFCC-domain mosaicing (k nearest frames, overlap-added).
    Mosaic,
}

/// `reprise pitch --method`.
#[derive(Clone, Copy, Debug, PartialEq, clap::ValueEnum)]
pub enum PitchMethodArg {
    /// Probabilistic YIN with Viterbi decoding (librosa 0.11's pyin).
    Pyin,
    /// Plain YIN, frame by frame.
    Yin,
}

/// The frames `reprise structure` compares.
#[derive(Clone, Copy, Debug, clap::ValueEnum)]
pub enum StructureKind {
    /// The invariant magnitudes of a Complex Autoencoder (--model, or the shipped piano model).
    Cae,
    /// CQT magnitudes, 120 bins at 24 per octave from 65.4 Hz, standardised per frame.
    Cqt,
    /// The CQT chromagram.
    Chroma,
    /// 20 MFCCs.
    Mfcc,
}

#[derive(Subcommand)]
enum Command {
    /// Show format, codec, channels, sample rate and duration of audio files.
    Info {
        /// Audio files.
        #[arg(required = true)]
        files: Vec<PathBuf>,
        /// Print one JSON object per file instead of text.
        #[arg(long)]
        json: bool,
    },
    /// Compute a representation of a file, a folder or a glob; write .npy + .json sidecar.
    ///
    /// KIND is one of: stft, mel, mfcc, chroma-stft, centroid, bandwidth, rolloff,
    /// flatness, zcr, rms, cqt, vqt, hybrid-cqt, pseudo-cqt, chroma-cqt, chroma-cens,
    /// scalogram, scattering, jtfs, spiral, cae, pyin. Output is features × frames (librosa's
    /// orientation), float32 (complex64 for stft, cqt and vqt unless --power or --db is
    /// given; paths × rows × frames for jtfs and spiral with --format joint). cae is a
    /// trained Complex Autoencoder's invariant magnitudes, one column per CQT frame
    /// (hop 1984 at 22050 Hz), from --model or the shipped piano model. pyin is three rows:
    /// f0 in Hz (NaN where unvoiced), the voiced flag (0 or 1) and the voiced probability.
    ///
    /// With a folder or glob as INPUT, OUT is a folder mirroring the input tree; files
    /// run in parallel, a bad file is reported and skipped, and a re-run skips outputs
    /// that are already complete with the same parameters.
    #[command(after_help = "Examples:
  reprise features mel song.flac -o song.mel.npy --db
  reprise features mfcc music/ -o feats/ --n-mfcc 13
  reprise features chroma-stft 'music/*.mp3' -o chroma/ --tuning 0
  reprise features stft song.wav -o d.npy --sr native --n-fft 1024 --hop-length 256
  reprise features cqt song.wav -o c.npy --n-bins 252 --bins-per-octave 36 --db
  reprise features chroma-cens music/ -o cens/
  reprise features cae song.wav -o song.cae.npy                 # the shipped piano CAE
  reprise features cae song.wav -o c.npy --model runs/cae --phases
  reprise features pyin voice.wav -o voice.pyin.npy --fmin 80 --fmax 1000")]
    Features(Box<FeaturesArgs>),
    /// Turn a spectrogram .npy back into audio (stft: iSTFT or Griffin-Lim; mel: NNLS + Griffin-Lim; cqt: inverse CQT).
    #[command(after_help = "Examples:
  reprise invert stft d.npy -o back.wav            # complex64: exact inverse STFT
  reprise invert mel song.mel.npy -o back.wav --n-iter 64
  reprise invert cqt c.npy -o back.wav             # complex64 CQT: inverse CQT")]
    Invert(invert::InvertArgs),
    /// Datasets: render instrument notes and phrases from SoundFonts, split manifests, install packages.
    #[command(subcommand)]
    Data(data::DataCommand),
    /// MIDI files: info, piano and drum rolls, chord labels, rendering through a SoundFont.
    #[command(subcommand)]
    Midi(midi::MidiCommand),
    /// Classify clips: clip features → scaling → logreg, SVC, k-NN, random forest; a table of accuracies.
    #[command(after_help = "Examples:
  reprise data notes -o notes/ --soundfont tim --soundfont fluid
  reprise data split notes/manifest.csv --by family --train fluid --test tim -o notes/
  reprise classify --train notes/train.csv --test notes/test.csv --features mfcc,spectral,scattering -o results/
  reprise classify --train my_audio/ --cv 5 --classifiers svc,rf --save-models -o cv/
  reprise classify predict cv/models/mfcc-svc.json new_clip.wav

FEATURES are `reprise features` kinds (mfcc, mel, cqt, chroma-cqt, scattering, jtfs, spiral, ...)
or spectral (centroid, bandwidth, rolloff, flatness, zcr, rms) or chroma (= chroma-cqt). Each
clip becomes the mean and standard deviation over frames of each feature row (energies in log).
Clip vectors are cached (--cache, default ~/.cache/reprise), so a second run is fast.
A clip that cannot be read is reported and left out; the exit code is then 1.")]
    Classify(Box<classify::ClassifyArgs>),
    /// Train a network (ConvNets on the CQT or mel spectrogram, a waveform CNN, an MLP) on a manifest.
    #[command(after_help = deep::train_help())]
    Train(Box<deep::TrainArgs>),
    /// Score a trained network on a test manifest (same report as `reprise classify`).
    #[command(after_help = "Example:
  reprise eval runs/lc2d --test notes/test.csv -o runs/lc2d/eval")]
    Eval(deep::EvalArgs),
    /// Class probabilities of audio files under a trained network, per clip and per window.
    #[command(after_help = "Examples:
  reprise predict runs/lc2d clip.wav other.flac          # file, label, probability
  reprise predict runs/lc2d clip.wav --json              # plus every window's probabilities")]
    Predict(deep::PredictArgs),
    /// Draw `reprise features` outputs (from their sidecars' axes) or a run's training curves as PNG.
    ///
    /// Like librosa's specshow: time in seconds, frequency in Hz or note names, pitch
    /// classes on chroma, a colour bar in dB for energies (linear with --linear), a
    /// diverging map for MFCC, lines for one-row features, one panel per path group for
    /// scattering and JTFS.
    #[command(after_help = "Examples:
  reprise plot song.mel.npy                       # → song.mel.png
  reprise plot feats/ -o pictures/                 # every .npy below feats/
  reprise plot c.npy --range -60,0 --width 1600    # fixed colour range, wider
  reprise plot j.npy --path 12                     # one path of a joint-format JTFS
  reprise plot runs/lc2d -o curves.png             # training curves of a run")]
    Plot(plot::PlotArgs),
    /// Self-similarity matrix and repeated sections of a recording (Nieto & Farbood's extractor).
    ///
    /// Frames every 1984 samples at 22050 Hz (about 90 ms) of the constant-Q magnitudes
    /// (120 bins at 24 per octave from 65.4 Hz, standardised per frame), the chromagram or
    /// the MFCCs; the recurrence matrix of the Complex Autoencoder's pipeline (cosine
    /// distance, inverse, the diagonal band cleared, smoothed along the diagonals, scaled to
    /// [0, 1]); the repeated segments grown along its diagonals and grouped into patterns.
    /// Writes OUT/ssm.npy, OUT/ssm.png (the matrix with the patterns marked), OUT/sections.json
    /// ({"patterns": [{"occurrences": [{"start_s", "end_s", ...}]}]}) and, with --notes, the
    /// patterns as (onset in quarter notes, MIDI pitch) points in the MIREX format
    /// (OUT/patterns.txt), which `reprise eval-patterns` scores.
    #[command(after_help = "Examples:
  reprise structure song.wav -o song-structure/
  reprise structure piece.wav --features chroma --notes piece.mid --bpm 84 -o out/
  reprise eval-patterns truth.txt out/patterns.txt")]
    Structure(Box<StructureArgs>),
    /// Score discovered repeated patterns against a reference with the MIREX metrics.
    ///
    /// Both files are in the MIREX text format of "Discovery of Repeated Themes &
    /// Sections": `pattern1`, `occurrence1`, then one `onset, MIDI pitch` line per note
    /// (onsets in quarter notes). Prints standard, establishment, occurrence (thresholds
    /// 0.75 and 0.5) and three-layer F / precision / recall, and FFP and FFTP_est on the
    /// first five estimated patterns: mir_eval.pattern 0.8's numbers, except that the
    /// 0.5 occurrence score really uses 0.5 (mir_eval's evaluate() passes it under a
    /// misspelt keyword and reports 0.75 twice).
    #[command(after_help = "Examples:
  reprise eval-patterns ref.txt est.txt
  reprise eval-patterns ref.txt est.txt --json")]
    EvalPatterns {
        /// The reference patterns.
        reference: PathBuf,
        /// The estimated patterns, best first (FFP and FFTP read the first five).
        estimate: PathBuf,
        /// Print one JSON object instead of a table.
        #[arg(long)]
        json: bool,
    },
    /// Track the fundamental frequency of a recording with pYIN: a CSV and a picture.
    ///
    /// pYIN (Mauch & Dixon 2014) as librosa 0.11 computes it, same parameters and defaults
    /// (frames of 2048 samples every 512 at 22050 Hz, f0 from C2 to C7 in bins of 10 cents),
    /// the same output frame by frame. Writes OUT (default: the input's name with
    /// `.pitch.csv`, in the current folder): `time_s,f0_hz,voiced,voiced_prob` per frame, f0
    /// `nan` where unvoiced; and beside it a PNG of f0 over the constant-Q spectrogram.
    #[command(after_help = "Examples:
  reprise pitch voice.wav                              # → voice.pitch.csv, voice.pitch.png
  reprise pitch bass.flac --fmin 30 --fmax 400 --frame-length 4096 -o bass.csv
  reprise eval-melody reference.csv voice.pitch.csv")]
    Pitch(Box<PitchArgs>),
    /// Impose the timbre of one sound on the notes of another: cepstral-envelope cross-synthesis or MFCC mosaicing.
    ///
    /// envelope: per STFT frame (2048 samples every 512), the input's cepstral envelope
    /// (--lifter-order coefficients) is divided out and the timbre's multiplied in, the
    /// input's phase kept; the output lasts as long as the longer of the two, the shorter
    /// repeated. mosaic: each input frame is replaced by the --k nearest frames of the timbre
    /// (a file, or a folder of files) in the MFCC domain (13 coefficients without the 0th),
    /// overlap-added at the input frame's level; the output has the input's length. Both are
    /// read at --sr (files at other rates are resampled, with a note). Writes OUT.wav and a
    /// picture of the three mel spectrograms beside it (.png).
    #[command(after_help = "Examples:
  reprise transfer voice.wav --timbre cello.wav -o voice-cello.wav
  reprise transfer melody.wav --method mosaic --timbre strings/ -o mosaic.wav --k 3")]
    Transfer(Box<TransferArgs>),
    /// Score a melody (f0 track) against a reference: mir_eval.melody's five measures.
    ///
    /// Both files hold one frame per line, `time_s, f0_hz` (MIREX's format; commas, tabs or
    /// spaces; a header is allowed; f0 ≤ 0 or `nan` is unvoiced, and a third column of 0
    /// marks an unvoiced frame, as `reprise pitch` writes). The estimate is resampled onto
    /// the reference's times. Prints voicing recall and false alarm, raw pitch and raw
    /// chroma accuracy (within 50 cents) and overall accuracy.
    #[command(after_help = "Examples:
  reprise eval-melody ref.csv est.csv
  reprise eval-melody ref.txt est.txt --json --cent-tolerance 25")]
    EvalMelody {
        /// The reference melody.
        reference: PathBuf,
        /// The estimated melody.
        estimate: PathBuf,
        /// A pitch is right within this many cents.
        #[arg(long, default_value_t = 50.0)]
        cent_tolerance: f64,
        /// Resample both onto this grid (seconds) instead of the reference's times.
        #[arg(long)]
        hop: Option<f64>,
        /// Print one JSON object instead of a table.
        #[arg(long)]
        json: bool,
    },
    /// The main job: the whole ladder of representations of the embedded demo clip, drawn, with an index.html gallery.
    ///
    /// Computes and draws the waveform, STFT, mel, MFCC, CQT, chroma, spectral centroid and
    /// RMS, a Morlet scalogram, scattering (orders 1 and 2), joint time-frequency and spiral
    /// scattering, and two reconstructions (Griffin-Lim from the STFT magnitude, inverse CQT)
    /// written as WAV with their errors. Each picture is made by the `reprise` command that
    /// the page shows beside it.
    #[command(after_help = "Example:
  reprise demo -o reprise-demo && xdg-open reprise-demo/index.html")]
    Demo {
        /// Output folder.
        #[arg(short, long, default_value = "reprise-demo")]
        out: PathBuf,
    },
}

#[derive(Args, Clone)]
pub struct FeaturesArgs {
    /// What to compute.
    #[arg(value_parser = parse_kind)]
    kind: FeatureKind,
    /// Audio file, folder (searched recursively) or glob pattern (quote it).
    input: String,
    /// Output .npy for one file; output folder for a folder or glob.
    #[arg(short, long)]
    out: PathBuf,
    #[command(flatten)]
    opts: FeatureOpts,
    /// Also draw each output as a PNG next to it.
    #[arg(long)]
    plot: bool,
    /// Recompute outputs even if they are complete.
    #[arg(long)]
    force: bool,
    /// Parallel files (default: all cores).
    #[arg(short, long)]
    jobs: Option<usize>,
}

/// The library defaults the options below show and start from.
fn defaults() -> FeatureParams {
    FeatureParams::default()
}

/// Options shared by `features` (librosa's parameter names in kebab case): overlays on
/// [`FeatureParams::default`], which the libraries' defaults fill.
#[derive(Args, Clone)]
pub struct FeatureOpts {
    /// Target sample rate in Hz, or `native` to keep the file's rate.
    #[arg(long, default_value = "22050", value_parser = parse_sr)]
    sr: SrArg,
    /// Start reading at this time (seconds).
    #[arg(long, default_value_t = defaults().offset_s)]
    offset: f64,
    /// Read at most this many seconds.
    #[arg(long)]
    duration: Option<f64>,
    /// FFT length in samples (also the frame length of zcr and rms).
    #[arg(long, default_value_t = defaults().stft.n_fft)]
    n_fft: usize,
    /// Samples between frames [default: win-length / 4].
    #[arg(long)]
    hop_length: Option<usize>,
    /// Window length in samples [default: n-fft].
    #[arg(long)]
    win_length: Option<usize>,
    /// Window: hann, hamming, blackman, rectangular.
    #[arg(long, default_value = "hann", value_parser = parse_window)]
    window: Window,
    /// Centre frames on t·hop by padding n-fft/2 samples at each end.
    #[arg(long, default_value_t = defaults().stft.center, action = clap::ArgAction::Set)]
    center: bool,
    /// Padding when centring: constant (zeros) or reflect.
    #[arg(long, default_value = "constant", value_parser = parse_pad)]
    pad_mode: PadMode,
    /// Magnitude exponent (mel default 2; stft default: complex output).
    #[arg(long)]
    power: Option<f32>,
    /// Number of mel bands.
    #[arg(long, default_value_t = defaults().n_mels)]
    n_mels: usize,
    /// Lowest frequency, Hz [default: 0 for mel; C1 = 32.70 Hz for the constant-Q kinds].
    #[arg(long)]
    fmin: Option<f64>,
    /// Highest mel frequency, Hz [default: sr / 2].
    #[arg(long)]
    fmax: Option<f64>,
    /// Use the HTK mel scale instead of Slaney's.
    #[arg(long)]
    htk: bool,
    /// Mel filter normalisation: slaney or none.
    #[arg(long, default_value = "slaney", value_parser = parse_norm)]
    norm: MelNorm,
    /// Number of MFCCs.
    #[arg(long, default_value_t = defaults().n_mfcc)]
    n_mfcc: usize,
    /// MFCC liftering coefficient (0 = off).
    #[arg(long, default_value_t = defaults().lifter)]
    lifter: f32,
    /// Tuning in fractions of a bin, or `estimate` [default: estimate for chroma kinds, 0 for cqt/vqt/hybrid-cqt/pseudo-cqt, as librosa].
    #[arg(long, allow_hyphen_values = true, value_parser = parse_tuning)]
    tuning: Option<Tuning>,
    /// Constant-Q bins.
    #[arg(long, default_value_t = defaults().cqt.n_bins)]
    n_bins: usize,
    /// Constant-Q bins per octave [default: 12; 36 for chroma-cqt and chroma-cens].
    #[arg(long)]
    bins_per_octave: Option<usize>,
    /// Constant-Q filter length factor.
    #[arg(long, default_value_t = defaults().cqt.filter_scale)]
    filter_scale: f64,
    /// VQT bandwidth offset in Hz, or `erb` [default: 0 for cqt, erb for vqt].
    #[arg(long, allow_hyphen_values = true, value_parser = parse_gamma)]
    gamma: Option<Gamma>,
    /// Fraction of each constant-Q kernel's mass dropped (multirate mode).
    #[arg(long, default_value_t = defaults().cqt.sparsity)]
    sparsity: f64,
    /// Constant-Q computation: multirate (librosa's, fast) or exact (full-rate reference).
    #[arg(long, default_value = "multirate", value_parser = parse_mode)]
    mode: CqtMode,
    /// Octaves for chroma-cqt and chroma-cens.
    #[arg(long, default_value_t = defaults().cqt.n_octaves)]
    n_octaves: usize,
    /// Number of chroma bins.
    #[arg(long, default_value_t = defaults().n_chroma)]
    n_chroma: usize,
    /// Roll-off fraction for `rolloff`.
    #[arg(long, default_value_t = defaults().roll_percent)]
    roll_percent: f64,
    /// Output in dB (stft, mel, rms): power_to_db or amplitude_to_db.
    #[arg(long)]
    db: bool,
    /// dB floor below the maximum.
    #[arg(long, default_value_t = defaults().top_db.unwrap_or(80.0))]
    top_db: f32,
    /// Scattering: log2 of the largest temporal scale (2^J samples; 8 = 11.6 ms at 22050 Hz).
    #[arg(long = "J", default_value_t = defaults().scatter.j, help_heading = "Scattering (scalogram, scattering, jtfs, spiral)")]
    j: u32,
    /// Scattering: wavelets per octave, `Q1` or `Q1,Q2` (second order defaults to 1).
    #[arg(long = "Q", default_value = "12,1", value_parser = parse_q, help_heading = "Scattering (scalogram, scattering, jtfs, spiral)")]
    q: (u32, u32),
    /// Scattering: averaging scale in samples [default: 2^J]; 0 is refused (no averaging has no matrix output).
    #[arg(long = "T", help_heading = "Scattering (scalogram, scattering, jtfs, spiral)")]
    t: Option<usize>,
    /// Scattering: 1 or 2.
    #[arg(long, default_value_t = defaults().scatter.max_order, help_heading = "Scattering (scalogram, scattering, jtfs, spiral)")]
    max_order: u32,
    /// JTFS/spiral: log2 of the largest frequential scale, in first-order rows.
    #[arg(long = "J-fr", default_value_t = defaults().scatter.j_fr, help_heading = "Scattering (scalogram, scattering, jtfs, spiral)")]
    j_fr: u32,
    /// JTFS/spiral: frequential wavelets per octave.
    #[arg(long = "Q-fr", default_value_t = defaults().scatter.q_fr, help_heading = "Scattering (scalogram, scattering, jtfs, spiral)")]
    q_fr: u32,
    /// JTFS/spiral: frequential averaging in rows, a power of two ≤ 2^J_fr [default: 2^J_fr].
    #[arg(long = "F", help_heading = "Scattering (scalogram, scattering, jtfs, spiral)")]
    f: Option<usize>,
    /// JTFS/spiral output: `time` (channels × frames) or `joint` (paths × rows × frames).
    #[arg(long, default_value = "time", value_parser = parse_format, help_heading = "Scattering (scalogram, scattering, jtfs, spiral)")]
    format: JtfsFormat,
    /// cae: the model, a run folder of `reprise train --model cae` or an exported model
    /// folder [default: the shipped piano model].
    #[arg(long, help_heading = "Complex Autoencoder (cae)")]
    model: Option<PathBuf>,
    /// cae: also write the phases (rows n_bases…2·n_bases, below the magnitudes).
    #[arg(long, help_heading = "Complex Autoencoder (cae)")]
    phases: bool,
    #[command(flatten)]
    pyin: PyinOpts,
}

/// pYIN's own options (`reprise features pyin`, `reprise pitch`); its frames are
/// `--n-fft`/`--frame-length` samples, `--hop-length` apart. `--fmin`/`--fmax` default to
/// C2 and C7 there.
#[derive(Args, Clone)]
pub struct PyinOpts {
    /// pyin: width of a pitch bin, semitones.
    #[arg(long, default_value_t = reprise::dsp::PyinConfig::default().resolution, help_heading = "pYIN (pyin)")]
    resolution: f64,
    /// pyin: fastest pitch change, octaves per second.
    #[arg(long, default_value_t = reprise::dsp::PyinConfig::default().max_transition_rate, help_heading = "pYIN (pyin)")]
    max_transition_rate: f64,
    /// pyin: probability of switching between voiced and unvoiced from one frame to the next.
    #[arg(long, default_value_t = reprise::dsp::PyinConfig::default().switch_prob, help_heading = "pYIN (pyin)")]
    switch_prob: f64,
}

fn parse_q(s: &str) -> Result<(u32, u32), String> {
    let err = || format!("`{s}` is not a Q: give wavelets per octave as `12` or `12,1` (integers ≥ 1)");
    let mut it = s.split(',').map(|p| p.trim().parse::<u32>());
    let q1 = it.next().ok_or_else(err)?.map_err(|_| err())?;
    let q2 = match it.next() {
        Some(v) => v.map_err(|_| err())?,
        None => 1,
    };
    if it.next().is_some() || q1 == 0 || q2 == 0 {
        return Err(err());
    }
    Ok((q1, q2))
}

fn parse_format(s: &str) -> Result<JtfsFormat, String> {
    match s {
        "time" => Ok(JtfsFormat::Time),
        "joint" => Ok(JtfsFormat::Joint),
        _ => Err(format!("unknown format `{s}`; use time or joint")),
    }
}

#[derive(Clone, Copy, Debug)]
pub enum SrArg {
    Native,
    Hz(u32),
}

fn parse_sr(s: &str) -> Result<SrArg, String> {
    if s == "native" {
        return Ok(SrArg::Native);
    }
    match s.parse::<u32>() {
        Ok(0) | Err(_) => Err(format!("`{s}` is not a sample rate: give a positive integer in Hz or `native`")),
        Ok(v) => Ok(SrArg::Hz(v)),
    }
}
fn parse_tuning(s: &str) -> Result<Tuning, String> {
    if s == "estimate" {
        return Ok(Tuning::Estimate);
    }
    s.parse::<f64>().map(Tuning::Bins).map_err(|_| format!("`{s}` is not a tuning: give a number of bins in [-0.5, 0.5] or `estimate`"))
}
fn parse_gamma(s: &str) -> Result<Gamma, String> {
    if s == "erb" {
        return Ok(Gamma::Erb);
    }
    s.parse::<f64>().map(Gamma::Fixed).map_err(|_| format!("`{s}` is not a gamma: give Hz (≥ 0) or `erb`"))
}
fn parse_mode(s: &str) -> Result<CqtMode, String> {
    match s {
        "multirate" => Ok(CqtMode::Multirate),
        "exact" => Ok(CqtMode::Exact),
        _ => Err(format!("unknown mode `{s}`; use multirate or exact")),
    }
}
fn parse_kind(s: &str) -> Result<FeatureKind, String> {
    s.parse()
}
fn parse_window(s: &str) -> Result<Window, String> {
    s.parse().map_err(|e: reprise::core::Error| e.to_string())
}
fn parse_pad(s: &str) -> Result<PadMode, String> {
    s.parse().map_err(|e: reprise::core::Error| e.to_string())
}
fn parse_norm(s: &str) -> Result<MelNorm, String> {
    match s {
        "slaney" => Ok(MelNorm::Slaney),
        "none" => Ok(MelNorm::None),
        _ => Err(format!("unknown norm `{s}`; use slaney or none")),
    }
}

impl FeatureOpts {
    pub fn params(&self, kind: FeatureKind) -> FeatureParams {
        FeatureParams {
            kind,
            sr: match self.sr {
                SrArg::Native => None,
                SrArg::Hz(v) => Some(v),
            },
            offset_s: self.offset,
            duration_s: self.duration,
            stft: StftConfig {
                n_fft: self.n_fft,
                hop_length: self.hop_length,
                win_length: self.win_length,
                window: self.window,
                center: self.center,
                pad_mode: self.pad_mode,
            },
            power: self.power,
            n_mels: self.n_mels,
            fmin: self.fmin.unwrap_or(0.0),
            fmax: self.fmax,
            htk: self.htk,
            norm: self.norm,
            n_mfcc: self.n_mfcc,
            lifter: self.lifter,
            // `None`: the kind's librosa default, decided by FeatureParams::spec
            tuning: self.tuning,
            n_chroma: self.n_chroma,
            roll_percent: self.roll_percent,
            db: self.db,
            top_db: Some(self.top_db),
            cqt: CqtParams {
                fmin: self.fmin,
                n_bins: self.n_bins,
                bins_per_octave: self.bins_per_octave,
                filter_scale: self.filter_scale,
                gamma: self.gamma,
                sparsity: self.sparsity,
                mode: self.mode,
                n_octaves: self.n_octaves,
            },
            scatter: ScatterParams {
                j: self.j,
                q: self.q,
                t: self.t,
                max_order: self.max_order,
                j_fr: self.j_fr,
                q_fr: self.q_fr,
                f: self.f,
                format: self.format,
            },
            model: self.model.clone(),
            phases: self.phases,
            pyin: PyinParams {
                fmin: self.fmin,
                fmax: self.fmax,
                resolution: self.pyin.resolution,
                max_transition_rate: self.pyin.max_transition_rate,
                switch_prob: self.pyin.switch_prob,
            },
        }
    }
}

/// Set by `reprise demo`, which runs commands in process and prints its own summary of them.
static QUIET: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

/// A command's report of what it wrote (not a warning or an error, which are always shown):
/// one line on stderr, unless `reprise demo` is running the command.
pub fn note(line: std::fmt::Arguments) {
    if !QUIET.load(std::sync::atomic::Ordering::Relaxed) {
        eprintln!("{line}");
    }
}

/// A failure and the exit code it maps to.
pub struct Failure {
    pub code: u8,
    pub message: String,
}

impl<E: std::fmt::Display> From<E> for Failure {
    fn from(e: E) -> Self {
        Failure { code: 2, message: e.to_string() }
    }
}

/// Sizes rayon's global pool (`-j`); without a value, all cores.
pub fn set_global_jobs(jobs: Option<usize>) {
    if let Some(j) = jobs {
        rayon::ThreadPoolBuilder::new().num_threads(j.max(1)).build_global().ok();
    }
}

/// A progress bar over files labelled with what is computed (`mfcc [=====>   ] 12/40 3s`).
pub fn files_bar(len: usize, what: &str) -> indicatif::ProgressBar {
    let bar = indicatif::ProgressBar::new(len as u64);
    bar.set_style(indicatif::ProgressStyle::with_template("{msg:>12} [{bar:30}] {pos}/{len} {elapsed}").expect("template").progress_chars("=> "));
    bar.set_message(what.to_string());
    bar
}

/// The parsed command, after checking that `features` was given no option its kind ignores.
fn command_of(matches: &clap::ArgMatches) -> Result<Command, Failure> {
    use clap::FromArgMatches;
    let cli = Cli::from_arg_matches(matches).map_err(|e| e.to_string())?;
    if let (Command::Features(args), Some(m)) = (&cli.command, matches.subcommand_matches("features")) {
        if let Some(msg) = ignored_feature_option(m, args.kind) {
            return Err(msg.into());
        }
    }
    Ok(cli.command)
}

/// The first option given on the command line that `kind` does not read, as an error
/// message (an option silently ignored would look applied); which kinds read which option
/// is the facade's table ([`reprise::features::kinds_reading`]).
fn ignored_feature_option(m: &clap::ArgMatches, kind: FeatureKind) -> Option<String> {
    // each kind-specific flag: its clap id, as shown, and its path in FeatureParams
    let flags: [(&str, &str, &str); 24] = [
        ("j", "--J", "scatter.J"),
        ("q", "--Q", "scatter.Q"),
        ("t", "--T", "scatter.T"),
        ("max_order", "--max-order", "scatter.max_order"),
        ("j_fr", "--J-fr", "scatter.J_fr"),
        ("q_fr", "--Q-fr", "scatter.Q_fr"),
        ("f", "--F", "scatter.F"),
        ("format", "--format", "scatter.format"),
        ("n_mels", "--n-mels", "n_mels"),
        ("htk", "--htk", "htk"),
        ("norm", "--norm", "norm"),
        ("n_mfcc", "--n-mfcc", "n_mfcc"),
        ("lifter", "--lifter", "lifter"),
        ("n_bins", "--n-bins", "cqt.n_bins"),
        ("bins_per_octave", "--bins-per-octave", "cqt.bins_per_octave"),
        ("filter_scale", "--filter-scale", "cqt.filter_scale"),
        ("sparsity", "--sparsity", "cqt.sparsity"),
        ("n_chroma", "--n-chroma", "n_chroma"),
        ("roll_percent", "--roll-percent", "roll_percent"),
        ("model", "--model", "model"),
        ("phases", "--phases", "phases"),
        ("resolution", "--resolution", "pyin.resolution"),
        ("max_transition_rate", "--max-transition-rate", "pyin.max_transition_rate"),
        ("switch_prob", "--switch-prob", "pyin.switch_prob"),
    ];
    let given = |id: &str| matches!(m.value_source(id), Some(clap::parser::ValueSource::CommandLine));
    flags.iter().filter(|(id, _, _)| given(id)).find_map(|(_, flag, option)| reprise::features::ignored_option(option, flag, kind))
}

fn main() -> ExitCode {
    reset_sigpipe();
    let matches = <Cli as clap::CommandFactory>::command().get_matches();
    match command_of(&matches).and_then(dispatch) {
        Ok(()) => ExitCode::SUCCESS,
        Err(f) => {
            if !f.message.is_empty() {
                eprintln!("error: {}", f.message);
            }
            ExitCode::from(f.code)
        }
    }
}

/// Runs one parsed command (also used by `reprise demo` to run the commands it shows).
fn dispatch(command: Command) -> Result<(), Failure> {
    match command {
        Command::Info { files, json } => info(&files, json),
        Command::Features(args) => batch::run(&args),
        Command::Invert(args) => invert::run(&args),
        Command::Demo { out } => demo::run(&out),
        Command::Data(cmd) => data::run(&cmd),
        Command::Midi(cmd) => midi::run(&cmd),
        Command::Classify(args) => classify::run(&args),
        Command::Train(args) => deep::train(&args),
        Command::Eval(args) => deep::eval(&args),
        Command::Predict(args) => deep::predict(&args),
        Command::Plot(args) => plot::run(&args),
        Command::Structure(args) => midi::structure(&args),
        Command::EvalPatterns { reference, estimate, json } => midi::eval_patterns(&reference, &estimate, json),
        Command::Pitch(args) => pitch::run(&args),
        Command::Transfer(args) => pitch::transfer(&args),
        Command::EvalMelody { reference, estimate, cent_tolerance, hop, json } => {
            pitch::eval_melody(&reference, &estimate, cent_tolerance, hop, json)
        }
    }
}

/// A closed pipe (`reprise info *.wav | head`) ends the program quietly with exit code 0:
/// Rust ignores SIGPIPE, so printing to the closed pipe panics with a broken-pipe message,
/// which this hook turns into a silent exit (every output file is written atomically, so
/// nothing is left half-written).
fn reset_sigpipe() {
    let previous = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        let msg =
            info.payload().downcast_ref::<String>().map(String::as_str).or_else(|| info.payload().downcast_ref::<&str>().copied()).unwrap_or("");
        if msg.starts_with("failed printing to std") && msg.contains("Broken pipe") {
            std::process::exit(0);
        }
        previous(info)
    }));
}

fn info(files: &[PathBuf], json: bool) -> Result<(), Failure> {
    let mut failed = 0;
    for f in files {
        match reprise::io::probe(f) {
            Ok(i) => {
                if json {
                    let mut v = serde_json::to_value(&i).expect("serialisable");
                    v["duration_s"] = serde_json::json!(i.duration_s());
                    println!("{v}");
                } else {
                    let dur = i.duration_s().map(|d| format!("{d:.3} s")).unwrap_or_else(|| "unknown".into());
                    let bits = i.bits_per_sample.map(|b| format!(", {b}-bit")).unwrap_or_default();
                    println!(
                        "{}: {} ({}{}), {} channel{}, {} Hz, {}",
                        f.display(),
                        i.container,
                        i.codec,
                        bits,
                        i.channels,
                        if i.channels == 1 { "" } else { "s" },
                        i.sample_rate,
                        dur
                    );
                }
            }
            Err(e) => {
                eprintln!("error: {e}");
                failed += 1;
            }
        }
    }
    match failed {
        0 => Ok(()),
        n if n == files.len() => Err(Failure { code: 2, message: String::new() }),
        _ => Err(Failure { code: 1, message: String::new() }),
    }
}
