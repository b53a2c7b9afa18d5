//! CQT/VQT parity with librosa 0.11.0 on fixtures from `scripts/make_cqt_fixtures.py`
//! (calls listed in `fixtures/librosa_cqt/manifest.json`).
//!
//! Multirate mode: librosa halves the rate with libsoxr (soxr_hq), Reprise with rubato,
//! so responses differ slightly; the tolerances are 1 % of each frame's maximum
//! and ±0.1 dB for bins within 40 dB of the frame's peak. Filter design is exact.

use ndarray::{Array1, Array2};
use ndarray_npy::read_npy;
use num_complex::Complex32;
use reprise_dsp::cqt::{relative_bandwidth, wavelet_atom};
use reprise_dsp::*;
use std::path::PathBuf;

fn path(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/librosa_cqt").join(name)
}
fn c64(name: &str) -> Array2<Complex32> {
    read_npy(path(name)).unwrap_or_else(|e| panic!("{name}: {e}"))
}
fn v64(name: &str) -> Vec<f64> {
    let a: Array1<f64> = read_npy(path(name)).unwrap_or_else(|e| panic!("{name}: {e}"));
    a.to_vec()
}
fn signal(name: &str) -> Vec<f32> {
    let a: Array1<f32> = read_npy(path(name)).unwrap();
    a.to_vec()
}

/// (worst |ours − ref| / frame max, worst dB difference within 40 dB of the frame peak).
/// Bin `k` is compared on the frames whose atom (length `L_k`, centred on the frame)
/// lies inside the signal with a margin for the resamplers' start-up transients, which
/// differ between soxr and rubato: 256 samples per halving stage at that stage's rate,
/// i.e. `256·2^(i+1)` full-rate samples for the `i`-th octave group from the top (the
/// extra factor covers early downsampling).
/// Frames whose maximum is 40 dB below the whole transform's (the sweep above the top
/// bin, silence) hold only leakage, where "relative to the frame maximum" is meaningless.
fn compare(ours: &Array2<Complex32>, reference: &Array2<Complex32>, lengths: &[f64], bpo: usize, hop: usize, len: usize) -> (f64, f64, usize) {
    assert_eq!(ours.dim(), reference.dim(), "shape");
    let (mut rel, mut db, mut compared) = (0.0f64, 0.0f64, 0usize);
    let global = reference.iter().map(|c| c.norm() as f64).fold(0.0, f64::max);
    for t in 0..reference.ncols() {
        let peak = reference.column(t).iter().map(|c| c.norm() as f64).fold(0.0, f64::max);
        if peak < 0.01 * global {
            continue;
        }
        for k in 0..reference.nrows() {
            let group = (reference.nrows() - 1 - k) / bpo;
            let (c, half) = ((t * hop) as f64, lengths[k] / 2.0 + 256.0 * 2f64.powi(group as i32 + 1));
            if c < half || c + half > len as f64 {
                continue;
            }
            compared += 1;
            let (a, b) = (ours[[k, t]].norm() as f64, reference[[k, t]].norm() as f64);
            rel = rel.max((a - b).abs() / peak);
            if b >= peak * 0.01 {
                let d = (20.0 * (a / b).log10()).abs();
                if d > db {
                    db = d;
                    if std::env::var_os("REPRISE_DEBUG").is_some() {
                        eprintln!("  worst so far: bin {k} frame {t}: {d:.3} dB");
                    }
                }
            }
        }
    }
    (rel, db, compared)
}

#[test]
fn filter_design_matches_librosa_exactly() {
    let f = VqtFilters::design(&CqtConfig::default()).unwrap();
    let close = |a: &[f64], b: &[f64], what: &str| {
        assert_eq!(a.len(), b.len());
        for (x, y) in a.iter().zip(b) {
            assert!((x - y).abs() <= 1e-12 * y.abs(), "{what}: {x} vs {y}");
        }
    };
    close(&f.freqs, &v64("cqt_frequencies.npy"), "frequencies");
    close(&relative_bandwidth(&f.freqs).unwrap(), &v64("relative_bandwidth.npy"), "alpha");
    close(&f.lengths, &v64("wavelet_lengths.npy"), "lengths");
    let erb = VqtFilters::design(&CqtConfig { gamma: Gamma::Erb, ..Default::default() }).unwrap();
    close(&erb.lengths, &v64("wavelet_lengths_erb.npy"), "ERB lengths");
    // the atoms of the top octave, centred in 256 samples as librosa pads them
    let atoms: Array2<Complex32> = c64("wavelet_filters_oct.npy");
    for (r, k) in (72..84).enumerate() {
        let (_, taps) = wavelet_atom(f.freqs[k], f.lengths[k], 22050.0, Window::Hann, FrameNorm::L1);
        let lpad = (256 - taps.len()) / 2;
        for (i, c) in taps.iter().enumerate() {
            let l = atoms[[r, lpad + i]];
            assert!((c.re as f32 - l.re).abs() < 1e-6 && (c.im as f32 - l.im).abs() < 1e-6, "atom {k} tap {i}");
        }
    }
}

#[test]
fn multirate_cqt_within_one_percent_of_librosa() {
    let y = signal("signal.npy");
    let sweep = signal("sweep.npy");
    let cases: Vec<(&str, CqtConfig, &Vec<f32>)> = vec![
        ("cqt_default.npy", CqtConfig::default(), &y),
        ("cqt_sweep.npy", CqtConfig::default(), &sweep),
        ("cqt_36bpo.npy", CqtConfig { hop_length: 256, fmin: Some(65.40639132514966), n_bins: 180, bins_per_octave: 36, ..Default::default() }, &y),
        (
            "cqt_filter_scale.npy",
            CqtConfig { filter_scale: 0.8, n_bins: 60, fmin: Some(55.0), tuning: Tuning::Bins(0.1), hop_length: 1024, ..Default::default() },
            &y,
        ),
        ("cqt_norm2.npy", CqtConfig { norm: FrameNorm::L2, ..Default::default() }, &y),
        ("cqt_noscale.npy", CqtConfig { scale: false, ..Default::default() }, &y),
        ("cqt_nosparse.npy", CqtConfig { sparsity: 0.0, ..Default::default() }, &y),
        ("vqt_gamma.npy", CqtConfig { gamma: Gamma::Fixed(20.0), ..Default::default() }, &y),
        ("vqt_erb.npy", CqtConfig { gamma: Gamma::Erb, ..Default::default() }, &y),
    ];
    for (name, cfg, x) in cases {
        let (ours, tuning) = vqt(x, &cfg).unwrap();
        let lengths = VqtFilters::design(&cfg.with_tuning(tuning)).unwrap().lengths;
        let (rel, db, n) = compare(&ours, &c64(name), &lengths, cfg.bins_per_octave, cfg.hop_length, x.len());
        assert!(n > ours.len() / 4, "{name}: only {n} of {} values compared", ours.len());
        let reference = c64(name);
        let all_frames = (0..reference.ncols())
            .map(|t| {
                let peak = reference.column(t).iter().map(|c| c.norm()).fold(0.0f32, f32::max).max(f32::MIN_POSITIVE);
                (0..reference.nrows()).map(|k| (ours[[k, t]].norm() - reference[[k, t]].norm()).abs() / peak).fold(0.0f32, f32::max)
            })
            .fold(0.0f32, f32::max);
        eprintln!(
            "measured {name}: interior {rel:.2e} of frame max, {db:.3} dB within 40 dB, {n} values (tolerance 1e-2, 0.1 dB); all frames incl. edges {all_frames:.2e}"
        );
        assert!(rel <= 1e-2, "{name}: {rel:e} of the frame maximum");
        assert!(db <= 0.1, "{name}: {db} dB");
    }
}

fn f32_2(name: &str) -> Array2<f32> {
    read_npy(path(name)).unwrap_or_else(|e| panic!("{name}: {e}"))
}

#[test]
fn pseudo_and_hybrid_cqt_match_librosa() {
    let y = signal("signal.npy");
    // pseudo: one full-rate STFT, no resampling: float precision
    let (ours, _) = pseudo_cqt(&y, &CqtConfig::default()).unwrap();
    let reference = f32_2("pseudo_cqt.npy");
    assert_eq!(ours.dim(), reference.dim());
    let scale = reference.iter().cloned().fold(0.0f32, f32::max);
    let e = ours.iter().zip(reference.iter()).map(|(a, b)| (a - b).abs()).fold(0.0f32, f32::max) / scale;
    eprintln!("measured pseudo_cqt: {e:.2e} of max (tolerance 1e-5)");
    assert!(e <= 1e-5, "pseudo_cqt {e:e}");
    // hybrid: the pseudo rows exactly, the CQT rows as the multirate CQT (resampler)
    let (ours, _) = hybrid_cqt(&y, &CqtConfig::default()).unwrap();
    let reference = f32_2("hybrid_cqt.npy");
    assert_eq!(ours.dim(), reference.dim());
    let top = 84 - 29;
    let mut worst_pseudo = 0.0f32;
    let mut worst_full = 0.0f32;
    let lengths = VqtFilters::design(&CqtConfig::default()).unwrap().lengths;
    for t in 0..reference.ncols() {
        let peak = reference.column(t).iter().cloned().fold(0.0f32, f32::max);
        for k in 0..84 {
            let d = (ours[[k, t]] - reference[[k, t]]).abs() / peak;
            if k >= top {
                worst_pseudo = worst_pseudo.max(d);
            } else {
                // interior frames only, as in the CQT comparison (early downsampling ×4 here)
                let group = (top - 1 - k) / 12;
                let half = lengths[k] / 2.0 + 256.0 * 2f64.powi(group as i32 + 3);
                let c = (t * 512) as f64;
                if c >= half && c + half <= y.len() as f64 {
                    worst_full = worst_full.max(d);
                }
            }
        }
    }
    eprintln!("measured hybrid_cqt: pseudo rows {worst_pseudo:.2e}, CQT rows {worst_full:.2e} of frame max");
    assert!(worst_pseudo <= 1e-5 && worst_full <= 1e-2, "{worst_pseudo} {worst_full}");
}

#[test]
fn chroma_cqt_and_cens_match_librosa() {
    let y = signal("signal.npy");
    let detuned = signal("signal_detuned.npy");
    let default = ChromaCqtConfig::default();
    let fixed = ChromaCqtConfig { cqt: CqtConfig { tuning: Tuning::Bins(0.0), ..default.cqt }, ..default };
    // tunings librosa estimated (manifest: estimate_tuning(y, sr, bins_per_octave=36))
    let (_, t) = chroma_cqt(&y, &default).unwrap();
    assert!((t - -0.27).abs() <= 0.01 + 1e-9, "signal tuning {t}");
    let (_, t) = chroma_cqt(&detuned, &default).unwrap();
    assert!((t - -0.36).abs() <= 0.01 + 1e-9, "detuned tuning {t}");
    let cases: Vec<(&str, Array2<f32>)> = vec![
        ("chroma_cqt.npy", chroma_cqt(&y, &default).unwrap().0),
        ("chroma_cqt_tuning0.npy", chroma_cqt(&y, &fixed).unwrap().0),
        ("chroma_cqt_detuned.npy", chroma_cqt(&detuned, &default).unwrap().0),
        ("chroma_cens.npy", chroma_cens(&y, &ChromaCqtConfig { norm: FrameNorm::L2, ..default }, 41).unwrap().0),
        ("chroma_cens_tuning0.npy", chroma_cens(&y, &ChromaCqtConfig { norm: FrameNorm::L2, ..fixed }, 41).unwrap().0),
    ];
    for (name, ours) in cases {
        let reference = f32_2(name);
        assert_eq!(ours.dim(), reference.dim(), "{name}");
        // chroma values are in [0, 1] per frame; edges included. CENS quantises: a CQT
        // difference that moves one value across a threshold in one frame changes the
        // smoothed output by up to 0.25·max(w) ≈ 0.012; at the signal's ends the two
        // decimators differ enough for a few such flips, so CENS allows four but must
        // agree closely on average.
        let e = ours.iter().zip(reference.iter()).map(|(a, b)| (a - b).abs()).fold(0.0f32, f32::max);
        let mean = ours.iter().zip(reference.iter()).map(|(a, b)| (a - b).abs()).sum::<f32>() / ours.len() as f32;
        let (max_tol, mean_tol) = if name.starts_with("chroma_cens") { (0.05, 2e-3) } else { (1e-2, 1e-3) };
        eprintln!("measured {name}: max abs {e:.2e}, mean abs {mean:.2e} (tolerance {max_tol}, {mean_tol})");
        assert!(e <= max_tol && mean <= mean_tol, "{name}: max {e}, mean {mean}");
    }
}

#[test]
fn icqt_matches_librosa_and_reconstructs_as_well() {
    let y = signal("signal.npy");
    // librosa.icqt(librosa.cqt(signal, sparsity=0), length=len): invert librosa's own CQT
    let c = c64("cqt_nosparse.npy");
    let ours = icqt(c.view(), &CqtConfig::default(), Some(y.len())).unwrap();
    let reference: Array1<f64> = read_npy(path("icqt_roundtrip.npy")).unwrap();
    assert_eq!(ours.len(), reference.len());
    let norm = |v: &mut dyn Iterator<Item = f64>| v.map(|x| x * x).sum::<f64>().sqrt();
    let diff = norm(&mut ours.iter().zip(reference.iter()).map(|(a, b)| *a as f64 - b));
    let rel_to_librosa = diff / norm(&mut reference.iter().copied());
    // reconstruction error of each against the original signal
    let err = |z: &mut dyn Iterator<Item = f64>| norm(&mut z.zip(y.iter()).map(|(a, b)| a - *b as f64)) / norm(&mut y.iter().map(|v| *v as f64));
    let ours_err = err(&mut ours.iter().map(|v| *v as f64));
    let librosa_err = err(&mut reference.iter().copied());
    eprintln!("measured icqt: ‖ours − librosa‖/‖librosa‖ = {rel_to_librosa:.2e}; reconstruction error ours {ours_err:.4}, librosa {librosa_err:.4}");
    assert!(rel_to_librosa < 2e-2, "{rel_to_librosa}");
    assert!(ours_err <= librosa_err * 1.01, "{ours_err} vs {librosa_err}");
}

#[test]
fn icqt_of_our_cqt_reconstructs_with_more_bins_and_shorter_hops() {
    let y = signal("signal.npy");
    let cfg = CqtConfig { hop_length: 128, bins_per_octave: 36, n_bins: 252, sparsity: 0.0, ..Default::default() };
    let (c, t) = cqt(&y, &cfg).unwrap();
    let back = icqt(c.view(), &cfg.with_tuning(t), Some(y.len())).unwrap();
    let num: f64 = back.iter().zip(&y).map(|(a, b)| ((a - b) as f64).powi(2)).sum();
    let den: f64 = y.iter().map(|v| (*v as f64).powi(2)).sum();
    let e = (num / den).sqrt();
    eprintln!("measured icqt(cqt(y)) relative error, 36 bins/octave, hop 128: {e:.4}");
    assert!(e < 0.3, "{e}");
}
