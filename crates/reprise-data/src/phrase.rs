//! Seeded monophonic phrases: melodic walks in a key with varied rhythm, dynamics and
//! articulation, and vibrato (modulation wheel) on sustained instruments. They stand in
//! for solo recordings, which cannot be downloaded here.

use crate::classes::InstrumentClass;
use crate::rng::Rng;
use crate::soundfont::{SynthEvent, SynthEventKind};
use reprise_midi::{Note, Score};

/// How an instrument class plays.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct PhraseStyle {
    /// Sustained instruments (bowed, blown, sung, organ) may play legato and with vibrato;
    /// struck and plucked ones (piano, guitars, harp, bass) may not.
    pub sustained: bool,
}

impl PhraseStyle {
    /// The style of a class, from its GM program family.
    pub fn for_class(class: &InstrumentClass) -> Self {
        let p = class.programs[0];
        // pianos 0–15, guitars 24–31, basses 32–39, harp 46, timpani 47 are struck or plucked
        let struck = p < 16 || (24..40).contains(&p) || p == 46 || p == 47 || p >= 104;
        PhraseStyle { sustained: !struck }
    }
}

const MAJOR: [u8; 7] = [0, 2, 4, 5, 7, 9, 11];
const MINOR: [u8; 7] = [0, 2, 3, 5, 7, 8, 10];

/// One phrase of `duration_s` seconds within keys `lo..=hi`, on channel 0 with `program`.
/// Returns the score and the controller events (vibrato). `key` names the phrase; with
/// `seed` it fixes every random choice, independently of other phrases.
///
/// Tempo 70–140 bpm; a random major or minor key; steps of one or two scale degrees,
/// repeats and leaps up to a fifth, reflected at the range ends; durations of ½ to 2
/// beats with occasional rests; velocity drifting within 35–120 with a crescendo or
/// diminuendo; articulation per phrase: legato (sustained instruments only), normal or
/// staccato; vibrato on notes of a beat or longer for sustained instruments. The last
/// 0.4 s stay free for the release.
pub fn phrase(style: &PhraseStyle, program: u8, lo: u8, hi: u8, duration_s: f64, seed: u64, key: &str) -> (Score, Vec<SynthEvent>) {
    let mut rng = Rng::keyed(seed, key);
    let beat = 60.0 / rng.range(70.0, 140.0);
    let tonic = rng.below(12) as u8;
    let scale = if rng.uniform() < 0.5 { MAJOR } else { MINOR };
    let in_key: Vec<u8> = (lo..=hi).filter(|p| scale.contains(&((p + 12 - tonic) % 12))).collect();
    let in_key = if in_key.is_empty() { (lo..=hi).collect() } else { in_key };
    let (gate, legato) = match rng.below(if style.sustained { 3 } else { 2 }) {
        0 => (0.9, false),
        1 => (0.45, false),
        _ => (1.0, true),
    };
    let vibrato = style.sustained && rng.uniform() < 0.7;
    let crescendo = rng.range(-25.0, 25.0);
    let mut velocity = rng.range(55.0, 105.0);
    // start near the middle of the range
    let mut idx = in_key.len() / 2 + rng.below(in_key.len().div_ceil(4).max(1));
    idx = idx.min(in_key.len() - 1);
    let end = (duration_s - 0.4).max(0.1);
    let mut t = rng.range(0.0, 0.25);
    let mut notes = Vec::new();
    let mut controls = Vec::new();
    let durations = [0.5, 0.5, 1.0, 1.0, 1.0, 1.5, 2.0];
    while t < end - 0.05 {
        if rng.uniform() < 0.1 && !notes.is_empty() {
            t += beat * if rng.uniform() < 0.5 { 0.5 } else { 1.0 };
            continue;
        }
        let ioi = (beat * durations[rng.below(durations.len())]).min(end - t);
        let length = if legato { ioi + 0.03 } else { ioi * gate };
        let length = length.min(end - t).max(0.03);
        let progress = t / end;
        let v = (velocity + crescendo * (progress - 0.5)).clamp(35.0, 120.0);
        notes.push(Note { pitch: in_key[idx], velocity: v.round() as u8, start_s: t, end_s: t + length, channel: 0, program });
        if vibrato && ioi >= beat * 0.99 {
            let depth = 30 + rng.below(50) as u8;
            controls.push(SynthEvent { time_s: t + 0.2_f64.min(length * 0.5), channel: 0, kind: SynthEventKind::Controller { cc: 1, value: depth } });
            controls.push(SynthEvent { time_s: t + length, channel: 0, kind: SynthEventKind::Controller { cc: 1, value: 0 } });
        }
        velocity = (velocity + rng.range(-8.0, 8.0)).clamp(35.0, 120.0);
        // melodic step
        let r = rng.uniform();
        let step: i64 = if r < 0.3 {
            1
        } else if r < 0.6 {
            -1
        } else if r < 0.72 {
            2
        } else if r < 0.84 {
            -2
        } else if r < 0.9 {
            0
        } else {
            let leap = 3 + rng.below(2) as i64; // a fourth or a fifth in scale steps
            if rng.uniform() < 0.5 {
                leap
            } else {
                -leap
            }
        };
        let mut next = idx as i64 + step;
        let last = in_key.len() as i64 - 1;
        if next < 0 {
            next = -next;
        }
        if next > last {
            next = 2 * last - next;
        }
        idx = next.clamp(0, last) as usize;
        t += ioi;
    }
    let mut score = Score::new(notes);
    score.duration_s = duration_s;
    (score, controls)
}
