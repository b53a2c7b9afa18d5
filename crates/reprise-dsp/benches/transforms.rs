//! Criterion benchmarks of the STFT family on 10 s of a synthetic chord signal at
//! 22050 Hz (one thread). Peer ratios live in BENCHMARKS.md (`scripts/bench_vs_librosa.py`).

use criterion::{criterion_group, criterion_main, Criterion};
use reprise_dsp::*;
use std::hint::black_box;

fn signal(seconds: usize) -> Vec<f32> {
    let sr = 22050.0;
    (0..seconds * 22050)
        .map(|i| {
            let t = i as f64 / sr;
            [220.0, 277.18, 329.63]
                .iter()
                .map(|f| (1..=8).map(|k| (2.0 * std::f64::consts::PI * f * k as f64 * t).sin() / k as f64).sum::<f64>())
                .sum::<f64>() as f32
                * 0.1
        })
        .collect()
}

fn bench(c: &mut Criterion) {
    let y = signal(10);
    let cfg = StftConfig::default();
    let stft_plan = Stft::new(&cfg).unwrap();
    let mel = MelSpectrogram::new(&MelConfig::default()).unwrap();
    let mfcc_plan = Mfcc::new(&MfccConfig::default()).unwrap();
    let mut g = c.benchmark_group("10s_22050Hz");
    g.sample_size(20);
    g.bench_function("stft", |b| b.iter(|| stft_plan.process(black_box(&y)).unwrap()));
    g.bench_function("melspectrogram", |b| b.iter(|| mel.process(black_box(&y)).unwrap()));
    g.bench_function("mfcc", |b| b.iter(|| mfcc_plan.process(black_box(&y)).unwrap()));
    g.bench_function("chroma_stft_estimated_tuning", |b| b.iter(|| chroma_stft(black_box(&y), &ChromaStftConfig::default()).unwrap()));
    let d = stft_plan.process(&y).unwrap();
    g.bench_function("istft", |b| b.iter(|| istft(black_box(d.view()), &cfg, None).unwrap()));
    let mag = d.mapv(|c| c.norm());
    g.sample_size(10);
    g.bench_function("griffinlim_32", |b| b.iter(|| griffinlim(black_box(mag.view()), &GriffinLimConfig::default(), None).unwrap()));
    g.bench_function("filters_mel_128", |b| b.iter(|| MelFilterBank::new(&MelFilterConfig::default()).unwrap()));
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
