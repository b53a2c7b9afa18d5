//! Times Reprise's library calls on a decoded file, one thread, and prints one JSON
//! object of median seconds. Used by `scripts/bench_vs_librosa.py`, which times
//! librosa on the same file in the same run.
//!
//! `cargo run --release -p reprise-dsp --example bench_json -- bench-data/clip60.wav`

use realfft::RealFftPlanner;
use reprise_dsp::*;
use std::time::Instant;

fn median_time(reps: usize, mut f: impl FnMut()) -> f64 {
    f(); // warm-up
    let mut t: Vec<f64> = (0..reps)
        .map(|_| {
            let s = Instant::now();
            f();
            s.elapsed().as_secs_f64()
        })
        .collect();
    t.sort_by(f64::total_cmp);
    t[t.len() / 2]
}

fn main() {
    let path = std::env::args().nth(1).unwrap_or_else(|| "bench-data/clip60.wav".into());
    let sig = match reprise_io::load(&path, &reprise_io::LoadOptions { sr: None, ..Default::default() }) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("error: {e}");
            std::process::exit(2);
        }
    };
    let (y, sr) = (sig.samples, sig.sr);
    let cfg = StftConfig::default();
    let plan = Stft::new(&cfg).unwrap();
    let mut out = serde_json::Map::new();
    let mut put = |k: &str, v: f64| {
        out.insert(k.into(), serde_json::json!(v));
    };

    put("stft", median_time(7, || drop(plan.process(&y).unwrap())));

    // bare realfft on the same (already framed and windowed) frames
    let framing = cfg.framing();
    let n = framing.n_frames(y.len()).unwrap();
    let mut frames = vec![0.0f32; n * cfg.n_fft];
    for t in 0..n {
        framing.fill(&y, 0, y.len(), t, &mut frames[t * cfg.n_fft..(t + 1) * cfg.n_fft]);
    }
    let fft = RealFftPlanner::<f32>::new().plan_fft_forward(cfg.n_fft);
    let mut spec = fft.make_output_vec();
    let mut scratch = fft.make_scratch_vec();
    let mut input = frames.clone();
    let mut all = vec![num_complex::Complex32::new(0.0, 0.0); n * cfg.n_freqs()];
    put(
        "realfft_frames",
        median_time(7, || {
            input.copy_from_slice(&frames);
            for (t, fr) in input.chunks_mut(cfg.n_fft).enumerate() {
                fft.process_with_scratch(fr, &mut spec, &mut scratch).unwrap();
                all[t * cfg.n_freqs()..(t + 1) * cfg.n_freqs()].copy_from_slice(&spec);
            }
        }),
    );

    let mel_cfg = MelConfig { sr, ..Default::default() };
    let mel = MelSpectrogram::new(&mel_cfg).unwrap();
    put("melspectrogram", median_time(7, || drop(mel.process(&y).unwrap())));
    let mfcc_plan = Mfcc::new(&MfccConfig { mel: mel_cfg, ..Default::default() }).unwrap();
    put("mfcc", median_time(7, || drop(mfcc_plan.process(&y).unwrap())));
    let chroma_cfg = ChromaStftConfig { sr, ..Default::default() };
    put("chroma_stft", median_time(7, || drop(chroma_stft(&y, &chroma_cfg).unwrap())));
    let chroma0 = ChromaStftConfig { tuning: Tuning::Bins(0.0), ..chroma_cfg };
    put("chroma_stft_tuning0", median_time(7, || drop(chroma_stft(&y, &chroma0).unwrap())));
    let pip = PiptrackConfig { sr, ..Default::default() };
    put(
        "estimate_tuning",
        median_time(7, || {
            let s = plan.spectrogram(&y, 1.0).unwrap();
            std::hint::black_box(estimate_tuning(s.view(), &pip, 12).unwrap());
        }),
    );
    let d = plan.process(&y).unwrap();
    put("istft", median_time(7, || drop(istft(d.view(), &cfg, Some(y.len())).unwrap())));
    let ten = &y[..(10 * sr as usize).min(y.len())];
    let mag = plan.process(ten).unwrap().mapv(|c| c.norm());
    let gl = GriffinLimConfig::default();
    put("griffinlim", median_time(3, || drop(griffinlim(mag.view(), &gl, Some(ten.len())).unwrap())));
    let cqt_cfg = CqtConfig { sr, ..Default::default() };
    let cqt_plan = Cqt::new(&cqt_cfg).unwrap();
    put("cqt", median_time(7, || drop(cqt_plan.process(&y).unwrap())));
    put(
        "cqt_stream",
        median_time(5, || {
            let mut s = cqt_plan.stream().unwrap();
            let mut n = 0;
            for c in y.chunks(4096) {
                n += s.push(c).unwrap().len();
            }
            n += s.finish().unwrap().len();
            std::hint::black_box(n);
        }),
    );
    let chroma_cfg = ChromaCqtConfig { cqt: CqtConfig { sr, ..ChromaCqtConfig::default().cqt }, ..Default::default() };
    put("chroma_cqt", median_time(5, || drop(chroma_cqt(&y, &chroma_cfg).unwrap())));
    println!("{}", serde_json::Value::Object(out));
}
