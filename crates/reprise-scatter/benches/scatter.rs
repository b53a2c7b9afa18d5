//! Criterion benchmarks of the scattering transforms on 2^16 samples (3 s at 22050 Hz),
//! J=8, Q=(12,1), J_fr=3. Peer comparisons live in `scripts/bench_scattering.py`.
use criterion::{criterion_group, criterion_main, Criterion};
use reprise_scatter::{Jtfs, JtfsConfig, Scalogram, ScalogramConfig, Scattering1D, ScatteringConfig};
use std::hint::black_box;

fn signal(n: usize) -> Vec<f32> {
    (0..n).map(|i| (i as f32 * 0.0627).sin() * 0.5 + (i as f32 * 0.3311).sin() * 0.2 * (i as f32 * 0.0003).cos()).collect()
}

fn benches(c: &mut Criterion) {
    let n = 1 << 16;
    let x = signal(n);
    let mut g = c.benchmark_group("scatter_2^16");
    g.sample_size(10);
    g.bench_function("scattering_plan", |b| b.iter(|| Scattering1D::new(ScatteringConfig::default(), n).unwrap()));
    let s = Scattering1D::new(ScatteringConfig::default(), n).unwrap();
    g.bench_function("scattering", |b| b.iter(|| s.process(black_box(&x)).unwrap()));
    let u = Scalogram::new(ScalogramConfig::default(), n).unwrap();
    g.bench_function("scalogram", |b| b.iter(|| u.process(black_box(&x)).unwrap()));
    let j = Jtfs::new(JtfsConfig::default(), n).unwrap();
    g.bench_function("jtfs", |b| b.iter(|| j.process(black_box(&x)).unwrap()));
    g.finish();
}

criterion_group!(scatter, benches);
criterion_main!(scatter);
