//! The mel, MFCC and chroma pipelines against direct formulas: a direct DFT, dense
//! filter products, `10·log10` and the DCT-II written out term by term, in f64.

use reprise_dsp::*;
use std::f64::consts::PI;

fn chord(n: usize) -> Vec<f32> {
    (0..n)
        .map(|i| {
            let t = i as f64 / 22050.0;
            [220.0, 277.18, 329.63].iter().map(|f| (1..=6).map(|k| (2.0 * PI * f * k as f64 * t).sin() / k as f64).sum::<f64>()).sum::<f64>() as f32
                * 0.2
        })
        .collect()
}

/// |DFT|² of each centred, zero-padded, Hann-windowed frame, by the definition.
fn naive_power(y: &[f32], n_fft: usize, hop: usize) -> Vec<Vec<f64>> {
    let pad = n_fft / 2;
    let n_frames = 1 + y.len() / hop;
    let w: Vec<f64> = (0..n_fft).map(|i| 0.5 - 0.5 * (2.0 * PI * i as f64 / n_fft as f64).cos()).collect();
    (0..n_frames)
        .map(|t| {
            let x: Vec<f64> = (0..n_fft)
                .map(|i| {
                    let idx = (t * hop + i) as isize - pad as isize;
                    if idx >= 0 && (idx as usize) < y.len() {
                        y[idx as usize] as f64 * w[i]
                    } else {
                        0.0
                    }
                })
                .collect();
            (0..=n_fft / 2)
                .map(|k| {
                    let (mut re, mut im) = (0.0, 0.0);
                    for (i, v) in x.iter().enumerate() {
                        let a = -2.0 * PI * ((k * i) % n_fft) as f64 / n_fft as f64;
                        re += v * a.cos();
                        im += v * a.sin();
                    }
                    re * re + im * im
                })
                .collect()
        })
        .collect()
}

#[test]
fn mel_mfcc_and_chroma_match_direct_formulas() {
    let (n_fft, hop, n_mels, n_mfcc) = (512, 256, 40, 13);
    let y = chord(4000);
    let stft = StftConfig { n_fft, hop_length: Some(hop), ..Default::default() };
    let power = naive_power(&y, n_fft, hop);
    let mel_cfg = MelConfig { stft, n_mels, ..Default::default() };
    let fb = MelFilterBank::new(&mel_cfg.filters()).unwrap().to_array();

    // mel = filters · |X|²
    let naive_mel: Vec<Vec<f64>> =
        power.iter().map(|p| (0..n_mels).map(|m| (0..p.len()).map(|k| fb[[m, k]] as f64 * p[k]).sum()).collect()).collect();
    let ours = melspectrogram(&y, &mel_cfg).unwrap();
    let scale = naive_mel.iter().flatten().cloned().fold(0.0, f64::max);
    for (t, col) in naive_mel.iter().enumerate() {
        for (m, v) in col.iter().enumerate() {
            assert!((ours[[m, t]] as f64 - v).abs() <= 1e-5 * scale, "mel[{m},{t}]");
        }
    }

    // mfcc = DCT-II-ortho(max(10·log10(max(mel, 1e-10)), max − 80))
    let db: Vec<Vec<f64>> = naive_mel.iter().map(|c| c.iter().map(|v| 10.0 * v.max(1e-10).log10()).collect()).collect();
    let top = db.iter().flatten().cloned().fold(f64::MIN, f64::max);
    let db: Vec<Vec<f64>> = db.iter().map(|c| c.iter().map(|v| v.max(top - 80.0)).collect()).collect();
    let ours = mfcc(&y, &MfccConfig { mel: mel_cfg, n_mfcc, ..Default::default() }).unwrap();
    for (t, col) in db.iter().enumerate() {
        for k in 0..n_mfcc {
            let s = if k == 0 { (1.0 / n_mels as f64).sqrt() } else { (2.0 / n_mels as f64).sqrt() };
            let c: f64 = (0..n_mels).map(|n| col[n] * (PI * k as f64 * (2 * n + 1) as f64 / (2 * n_mels) as f64).cos()).sum::<f64>() * s;
            assert!((ours[[k, t]] as f64 - c).abs() <= 1e-3, "mfcc[{k},{t}]: {} vs {c}", ours[[k, t]]);
        }
    }

    // chroma = ∞-normalise(chroma filters · |X|²) at a fixed tuning
    let cf = chroma_filters(&ChromaFilterConfig { n_fft, tuning: 0.1, ..Default::default() }).unwrap();
    let (ours, _) = chroma_stft(&y, &ChromaStftConfig { stft, tuning: Tuning::Bins(0.1), ..Default::default() }).unwrap();
    for (t, p) in power.iter().enumerate() {
        let raw: Vec<f64> = (0..12).map(|c| (0..p.len()).map(|k| cf[[c, k]] as f64 * p[k]).sum()).collect();
        let max = raw.iter().cloned().fold(0.0, f64::max);
        for (c, v) in raw.iter().enumerate() {
            assert!((ours[[c, t]] as f64 - v / max).abs() <= 1e-4, "chroma[{c},{t}]");
        }
    }
}
