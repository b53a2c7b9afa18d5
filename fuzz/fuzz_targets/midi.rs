//! Any bytes: `Score::from_smf_bytes` returns Ok or Err, never panics, and whatever it
//! reads converts to rolls and chords and writes back to MIDI that reads again.
#![no_main]
use libfuzzer_sys::fuzz_target;
use reprise_midi::*;

fuzz_target!(|data: &[u8]| {
    if let Ok(score) = Score::from_smf_bytes(data, "fuzz.mid") {
        if score.duration_s < 600.0 {
            let _ = piano_roll(&score, 20.0, RollValue::Velocity, true);
            let _ = drum_roll(&score, 20.0, RollValue::Binary);
            let _ = chord_labels(&score, 5.0);
        }
        if let Ok(bytes) = score.to_smf_bytes() {
            let _ = Score::from_smf_bytes(&bytes, "again.mid");
        }
    }
});
