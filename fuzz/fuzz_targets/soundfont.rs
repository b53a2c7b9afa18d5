//! Any bytes: `SoundFontFile::from_bytes` (RIFF walk, SF3 decoding, rustysynth) returns
//! Ok or Err, never panics, hangs or allocates beyond the input's size.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(font) = reprise_data::SoundFontFile::from_bytes(data, "fuzz.sf2", None) {
        let _ = font.presets();
    }
});
