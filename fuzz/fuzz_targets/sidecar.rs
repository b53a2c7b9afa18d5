//! Any bytes as the `.json` sidecar of a small valid feature matrix: reading it and
//! drawing from it (axis labels, units, dB ranges, the JTFS and scattering layouts all
//! come from the sidecar) returns Ok or Err, never panics, and never allocates by what
//! the sidecar claims.
#![no_main]
use libfuzzer_sys::fuzz_target;
use reprise::features::FeatureParams;
use reprise::pictures::{feature_figure, read_feature_file, PictureOptions};

fuzz_target!(|data: &[u8]| {
    let dir = tempfile::tempdir().expect("temporary folder");
    let npy = dir.path().join("x.npy");
    let m = ndarray::Array2::from_shape_fn((12, 16), |(r, c)| (r * 16 + c) as f32 / 100.0);
    reprise::io::write_npy(&npy, &m).expect("write the matrix");
    std::fs::write(npy.with_extension("json"), data).expect("write the input");
    if let Ok((data, sidecar)) = read_feature_file(&npy) {
        let opts = PictureOptions { width: 200, height: Some(60), ..PictureOptions::default() };
        let _ = feature_figure("fuzz", &data, &sidecar, &opts);
        if let Ok(p) = serde_json::from_value::<FeatureParams>(sidecar["params"].clone()) {
            let _ = p.validate();
        }
    }
});
