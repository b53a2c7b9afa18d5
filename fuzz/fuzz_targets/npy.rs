//! Any bytes as an `.npy`: the checked reader returns Ok or Err for every element type and
//! rank Reprise reads, never panics, and never allocates more than the file holds.
#![no_main]
use libfuzzer_sys::fuzz_target;
use num_complex::Complex32;
use reprise_io::{read_npy, read_npy_header};

fuzz_target!(|data: &[u8]| {
    let dir = tempfile::tempdir().expect("temporary folder");
    let path = dir.path().join("fuzz.npy");
    std::fs::write(&path, data).expect("write the input");
    let _ = read_npy_header(&path);
    let _ = read_npy::<f32, ndarray::Ix2>(&path);
    let _ = read_npy::<f32, ndarray::Ix3>(&path);
    let _ = read_npy::<Complex32, ndarray::Ix2>(&path);
    let _ = read_npy::<f64, ndarray::Ix1>(&path);
});
