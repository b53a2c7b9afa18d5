//! Any bytes: `gus::parse_patch` returns Ok or Err, never panics; a patch that parses
//! converts to an SF2 that loads (rustysynth) without a panic.
#![no_main]
use libfuzzer_sys::fuzz_target;
use reprise_data::gus::{parse_patch, patches_to_sf2, PatchSlot};

fuzz_target!(|data: &[u8]| {
    if let Ok(patch) = parse_patch(data) {
        let slots = [PatchSlot { bank: 0, program: 0, drum_note: None, name: "fuzz".into(), patch: &patch }, PatchSlot { bank: 128, program: 0, drum_note: Some(36), name: "fuzz".into(), patch: &patch }];
        let sf2 = patches_to_sf2(&slots).expect("one patch is far below SF2's limits");
        reprise_data::SoundFontFile::from_bytes(&sf2, "fuzz.sf2", None).expect("a parsed patch must give a valid SoundFont");
    }
});
