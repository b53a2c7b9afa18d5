//! Instrument classes: General MIDI program names, the class sets of the seeds'
//! instrument-recognition experiments, and each instrument's real pitch range.

use crate::error::{DataError, Result};

/// General MIDI level-1 program names (0-based program numbers), in snake case.
pub const GM_NAMES: [&str; 128] = [
    "acoustic_grand_piano",
    "bright_acoustic_piano",
    "electric_grand_piano",
    "honky_tonk_piano",
    "electric_piano_1",
    "electric_piano_2",
    "harpsichord",
    "clavinet",
    "celesta",
    "glockenspiel",
    "music_box",
    "vibraphone",
    "marimba",
    "xylophone",
    "tubular_bells",
    "dulcimer",
    "drawbar_organ",
    "percussive_organ",
    "rock_organ",
    "church_organ",
    "reed_organ",
    "accordion",
    "harmonica",
    "tango_accordion",
    "acoustic_guitar_nylon",
    "acoustic_guitar_steel",
    "electric_guitar_jazz",
    "electric_guitar_clean",
    "electric_guitar_muted",
    "overdriven_guitar",
    "distortion_guitar",
    "guitar_harmonics",
    "acoustic_bass",
    "electric_bass_finger",
    "electric_bass_pick",
    "fretless_bass",
    "slap_bass_1",
    "slap_bass_2",
    "synth_bass_1",
    "synth_bass_2",
    "violin",
    "viola",
    "cello",
    "contrabass",
    "tremolo_strings",
    "pizzicato_strings",
    "orchestral_harp",
    "timpani",
    "string_ensemble_1",
    "string_ensemble_2",
    "synth_strings_1",
    "synth_strings_2",
    "choir_aahs",
    "voice_oohs",
    "synth_voice",
    "orchestra_hit",
    "trumpet",
    "trombone",
    "tuba",
    "muted_trumpet",
    "french_horn",
    "brass_section",
    "synth_brass_1",
    "synth_brass_2",
    "soprano_sax",
    "alto_sax",
    "tenor_sax",
    "baritone_sax",
    "oboe",
    "english_horn",
    "bassoon",
    "clarinet",
    "piccolo",
    "flute",
    "recorder",
    "pan_flute",
    "blown_bottle",
    "shakuhachi",
    "whistle",
    "ocarina",
    "lead_1_square",
    "lead_2_sawtooth",
    "lead_3_calliope",
    "lead_4_chiff",
    "lead_5_charang",
    "lead_6_voice",
    "lead_7_fifths",
    "lead_8_bass_lead",
    "pad_1_new_age",
    "pad_2_warm",
    "pad_3_polysynth",
    "pad_4_choir",
    "pad_5_bowed",
    "pad_6_metallic",
    "pad_7_halo",
    "pad_8_sweep",
    "fx_1_rain",
    "fx_2_soundtrack",
    "fx_3_crystal",
    "fx_4_atmosphere",
    "fx_5_brightness",
    "fx_6_goblins",
    "fx_7_echoes",
    "fx_8_sci_fi",
    "sitar",
    "banjo",
    "shamisen",
    "koto",
    "kalimba",
    "bagpipe",
    "fiddle",
    "shanai",
    "tinkle_bell",
    "agogo",
    "steel_drums",
    "woodblock",
    "taiko_drum",
    "melodic_tom",
    "synth_drum",
    "reverse_cymbal",
    "guitar_fret_noise",
    "breath_noise",
    "seashore",
    "bird_tweet",
    "telephone_ring",
    "helicopter",
    "applause",
    "gunshot",
];

/// The GM name of a program (0–127).
pub fn gm_name(program: u8) -> &'static str {
    GM_NAMES.get(program as usize).copied().unwrap_or("unknown")
}

/// One class of a dataset: a label, the GM programs that play it (used in turn, pitch by
/// pitch), and the instrument's playable MIDI key range.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct InstrumentClass {
    /// The label written to manifests.
    pub label: String,
    /// GM programs, 0-based.
    pub programs: Vec<u8>,
    /// Lowest playable key of the real instrument.
    pub lo: u8,
    /// Highest playable key of the real instrument.
    pub hi: u8,
}

fn class(label: &str, programs: &[u8], lo: u8, hi: u8) -> InstrumentClass {
    InstrumentClass { label: label.to_string(), programs: programs.to_vec(), lo, hi }
}

/// The eight classes of the seeds' instrument-recognition experiment (piano, violin,
/// distorted guitar, female singer, clarinet, flute, trumpet, tenor sax); the singer is
/// SoundFont choir "aahs" (52) and voice "oohs" (53).
pub fn seed8() -> Vec<InstrumentClass> {
    vec![
        class("piano", &[0], 33, 96),
        class("violin", &[40], 55, 96),
        class("distorted_guitar", &[30], 40, 84),
        class("female_singer", &[52, 53], 48, 79),
        class("clarinet", &[71], 50, 89),
        class("flute", &[73], 60, 96),
        class("trumpet", &[56], 55, 82),
        class("tenor_sax", &[66], 44, 75),
    ]
}

/// [`seed8`] plus cello, nylon guitar, acoustic bass, oboe, trombone, church organ, harp.
pub fn gm15() -> Vec<InstrumentClass> {
    let mut v = seed8();
    v.extend([
        class("cello", &[42], 36, 76),
        class("nylon_guitar", &[24], 40, 84),
        class("acoustic_bass", &[32], 28, 55),
        class("oboe", &[68], 58, 91),
        class("trombone", &[57], 40, 72),
        class("church_organ", &[19], 36, 84),
        class("harp", &[46], 36, 96),
    ]);
    v
}

/// Parses `--classes`: `seed8`, `gm15`, or a comma-separated list of class labels of
/// those sets (`piano`, `female_singer`, ...), GM programs (0-based numbers) or GM names
/// (`acoustic_grand_piano`, `viola`, ...). Listed programs outside the two sets
/// take the range 36–96 (narrowed later to what the SoundFont's preset covers).
pub fn parse_classes(spec: &str) -> Result<Vec<InstrumentClass>> {
    match spec.trim() {
        "seed8" => return Ok(seed8()),
        "gm15" => return Ok(gm15()),
        _ => {}
    }
    let known = gm15();
    let mut out: Vec<InstrumentClass> = Vec::new();
    for item in spec.split(',').map(str::trim).filter(|s| !s.is_empty()) {
        if let Some(c) = known.iter().find(|c| c.label == item) {
            if !out.iter().any(|o| o.label == c.label) {
                out.push(c.clone());
            }
            continue;
        }
        let program = match item.parse::<u8>() {
            Ok(p) if p < 128 => p,
            Ok(p) => return Err(DataError::invalid("classes", format!("program {p}: GM programs are 0–127 (counted from 0)"))),
            Err(_) => GM_NAMES.iter().position(|n| *n == item).map(|p| p as u8).ok_or_else(|| {
                DataError::invalid("classes", format!("`{item}` is not `seed8`, `gm15`, a class of theirs (piano, violin, female_singer, ...), a program number 0–127 or a GM name (viola, acoustic_grand_piano, ...)"))
            })?,
        };
        if out.iter().any(|c| c.programs == [program]) {
            continue;
        }
        let c = known.iter().find(|c| c.programs[0] == program).map(|c| InstrumentClass { programs: vec![program], ..c.clone() });
        out.push(c.unwrap_or_else(|| class(gm_name(program), &[program], 36, 96)));
    }
    if out.is_empty() {
        return Err(DataError::invalid("classes", "is empty; give `seed8`, `gm15` or programs such as `0,40,73`"));
    }
    Ok(out)
}

/// Parses `--pitches LO..HI` (MIDI keys, inclusive), e.g. `48..72`.
pub fn parse_pitch_range(spec: &str) -> Result<(u8, u8)> {
    let bad = || DataError::invalid("pitches", format!("`{spec}`: write LO..HI with MIDI keys 0–127, e.g. 48..72"));
    let (lo, hi) = spec.split_once("..").ok_or_else(bad)?;
    let lo: u8 = lo.trim().parse().map_err(|_| bad())?;
    let hi: u8 = hi.trim().parse().map_err(|_| bad())?;
    if lo > hi || hi > 127 {
        return Err(bad());
    }
    Ok((lo, hi))
}
