//! Any bytes as saved models: split at the first zero byte into a JSON part and a binary
//! part. The JSON is read as a classifier model (`reprise classify --save-models`) and as
//! a run's `model.json`; when the latter is accepted, the binary part is its
//! `weights.bpk`. Every load returns Ok or Err, never panics, and never allocates by what
//! a damaged file claims.
#![no_main]
use libfuzzer_sys::fuzz_target;
use reprise::classify::ModelFile;
use reprise::deep::RunInfo;

fuzz_target!(|data: &[u8]| {
    let (json, bpk) = match data.iter().position(|&b| b == 0) {
        Some(i) => (&data[..i], &data[i + 1..]),
        None => (data, &[][..]),
    };
    let dir = tempfile::tempdir().expect("temporary folder");
    let run = dir.path();
    std::fs::write(run.join("model.json"), json).expect("write the input");
    std::fs::write(run.join("weights.bpk"), bpk).expect("write the input");
    let _ = ModelFile::load(&run.join("model.json"));
    if let Ok(info) = RunInfo::load(run) {
        let _ = info.network(run, &Default::default());
    }
});
