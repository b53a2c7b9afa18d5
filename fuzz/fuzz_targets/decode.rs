//! Any bytes, as a file of any of the extensions Reprise reads: probing and decoding (to
//! the native rate and resampled) return Ok or Err, never panic, and never allocate without
//! bound (a header's claims are checked against the file).
#![no_main]
use libfuzzer_sys::fuzz_target;
use reprise_io::{load, probe, LoadOptions};

fuzz_target!(|data: &[u8]| {
    let Some((&pick, bytes)) = data.split_first() else { return };
    let ext = ["wav", "flac", "mp3", "ogg"][pick as usize % 4];
    let dir = tempfile::tempdir().expect("temporary folder");
    let path = dir.path().join(format!("fuzz.{ext}"));
    std::fs::write(&path, bytes).expect("write the input");
    let _ = probe(&path);
    let _ = load(&path, &LoadOptions { sr: None, ..Default::default() });
    if pick & 0x80 != 0 {
        let _ = load(&path, &LoadOptions { sr: Some(22050), offset_s: 0.01, duration_s: Some(0.5) });
    }
});
