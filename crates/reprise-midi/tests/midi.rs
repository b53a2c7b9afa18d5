//! Standard MIDI files, rolls and chords: round trips, hand-built files, bad input.

use midly::num::{u15, u24, u28, u4, u7};
use midly::{Format, Header, MetaMessage, MidiMessage, Smf, Timing, TrackEvent, TrackEventKind};
use reprise_midi::*;

/// A small deterministic generator (SplitMix64) for property tests.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E3779B97F4A7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58476D1CE4E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D049BB133111EB);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

fn midi_event(delta: u32, ch: u8, message: MidiMessage) -> TrackEvent<'static> {
    TrackEvent { delta: u28::new(delta), kind: TrackEventKind::Midi { channel: u4::new(ch), message } }
}

fn meta(delta: u32, m: MetaMessage<'static>) -> TrackEvent<'static> {
    TrackEvent { delta: u28::new(delta), kind: TrackEventKind::Meta(m) }
}

fn bytes_of(smf: &Smf) -> Vec<u8> {
    let mut v = Vec::new();
    smf.write_std(&mut v).unwrap();
    v
}

#[test]
fn smf_round_trip_is_exact_on_the_tick_grid() {
    let mut rng = Rng(7);
    for _ in 0..20 {
        let notes: Vec<Note> = (0..50)
            .map(|_| {
                let start = rng.below(20_000) as f64 / 960.0;
                let len = (1 + rng.below(2_000)) as f64 / 960.0;
                let channel = rng.below(16) as u8;
                Note {
                    pitch: rng.below(128) as u8,
                    velocity: 1 + rng.below(127) as u8,
                    start_s: start,
                    end_s: start + len,
                    channel,
                    program: if channel == 9 { 0 } else { rng.below(128) as u8 },
                }
            })
            .collect();
        // one program per channel, so that program changes cannot reorder
        let mut notes = notes;
        for n in notes.iter_mut() {
            n.program = n.channel * 3;
        }
        // notes of one (channel, pitch) must not overlap for the pairing to be unique
        notes.sort_by(|a, b| a.start_s.total_cmp(&b.start_s));
        let mut kept: Vec<Note> = Vec::new();
        for n in notes {
            if !kept.iter().any(|k| k.channel == n.channel && k.pitch == n.pitch && k.end_s >= n.start_s) {
                kept.push(n);
            }
        }
        let score = Score::new(kept);
        let back = Score::from_smf_bytes(&score.to_smf_bytes().unwrap(), "mem.mid").unwrap();
        assert_eq!(back.notes.len(), score.notes.len());
        for (a, b) in score.notes.iter().zip(&back.notes) {
            assert_eq!((a.pitch, a.velocity, a.channel, a.program), (b.pitch, b.velocity, b.channel, b.program));
            assert!((a.start_s - b.start_s).abs() < 1e-9 && (a.end_s - b.end_s).abs() < 1e-9, "{a:?} vs {b:?}");
        }
        assert!(back.warnings.is_empty(), "{:?}", back.warnings);
    }
}

#[test]
fn tempo_changes_and_division_are_applied() {
    // 96 ticks per quarter; 120 bpm, then 60 bpm from tick 192 on (a tempo track).
    let header = Header::new(Format::Parallel, Timing::Metrical(u15::new(96)));
    let tempo =
        vec![meta(0, MetaMessage::Tempo(u24::new(500_000))), meta(192, MetaMessage::Tempo(u24::new(1_000_000))), meta(0, MetaMessage::EndOfTrack)];
    let on = |d, k| midi_event(d, 2, MidiMessage::NoteOn { key: u7::new(k), vel: u7::new(90) });
    let off = |d, k| midi_event(d, 2, MidiMessage::NoteOn { key: u7::new(k), vel: u7::new(0) }); // note-on, velocity 0
    let track = vec![
        midi_event(0, 2, MidiMessage::ProgramChange { program: u7::new(40) }),
        on(0, 60),
        off(96, 60), // 0.5 s
        on(96, 62),  // at tick 192 = 1.0 s
        off(96, 62), // at 60 bpm: +1.0 s
        meta(0, MetaMessage::EndOfTrack),
    ];
    let smf = Smf { header, tracks: vec![tempo, track] };
    let s = Score::from_smf_bytes(&bytes_of(&smf), "t.mid").unwrap();
    assert_eq!(s.notes.len(), 2);
    let n = &s.notes;
    assert_eq!((n[0].pitch, n[0].program, n[0].channel), (60, 40, 2));
    assert!((n[0].start_s - 0.0).abs() < 1e-12 && (n[0].end_s - 0.5).abs() < 1e-12);
    assert!((n[1].start_s - 1.0).abs() < 1e-12 && (n[1].end_s - 2.0).abs() < 1e-12, "{:?}", n[1]);
}

#[test]
fn same_tick_retrigger_pairs_with_the_older_note() {
    // note-on at 0, then at tick 480 a new note-on written *before* the old note-off.
    let header = Header::new(Format::SingleTrack, Timing::Metrical(u15::new(480)));
    let on = |d| midi_event(d, 0, MidiMessage::NoteOn { key: u7::new(64), vel: u7::new(80) });
    let off = |d| midi_event(d, 0, MidiMessage::NoteOff { key: u7::new(64), vel: u7::new(0) });
    let track = vec![on(0), on(480), off(0), off(480), meta(0, MetaMessage::EndOfTrack)];
    let s = Score::from_smf_bytes(&bytes_of(&Smf { header, tracks: vec![track] }), "r.mid").unwrap();
    let spans: Vec<(f64, f64)> = s.notes.iter().map(|n| (n.start_s, n.end_s)).collect();
    assert_eq!(spans, vec![(0.0, 0.5), (0.5, 1.0)]);
}

#[test]
fn bad_files_get_errors_that_name_them() {
    let good = Score::new(vec![Note::new(60, 100, 0.0, 1.0), Note::new(64, 100, 1.0, 2.0)]).to_smf_bytes().unwrap();
    let msg = |bytes: &[u8]| Score::from_smf_bytes(bytes, "song.mid").unwrap_err().to_string();
    assert!(msg(&[]).contains("song.mid") && msg(&[]).contains("empty"));
    assert!(msg(b"RIFFxxxxWAVEfmt ").contains("not a valid MIDI file"));
    assert!(msg(b"hello world, not midi").contains("MThd"));
    for cut in [good.len() - 1, good.len() - 5, 30, 14, 9] {
        let m = msg(&good[..cut]);
        assert!(m.contains("song.mid") && m.contains("truncated"), "cut {cut}: {m}");
    }
    // a file with a tempo track only
    let header = Header::new(Format::Parallel, Timing::Metrical(u15::new(480)));
    let smf = Smf { header, tracks: vec![vec![meta(0, MetaMessage::Tempo(u24::new(500_000))), meta(0, MetaMessage::EndOfTrack)]] };
    assert!(msg(&bytes_of(&smf)).contains("has no notes"));
    // missing file
    let e = Score::read("/nonexistent/dir/x.mid").unwrap_err().to_string();
    assert!(e.contains("/nonexistent/dir/x.mid"), "{e}");
    // random garbage after a valid header never panics
    let mut rng = Rng(3);
    for _ in 0..300 {
        let mut b = good.clone();
        for _ in 0..1 + rng.below(8) {
            let i = rng.below(b.len() as u64) as usize;
            b[i] = rng.next() as u8;
        }
        let _ = Score::from_smf_bytes(&b, "fuzz.mid");
    }
}

#[test]
fn piano_roll_values_and_round_trip() {
    let fps = 50.0;
    let notes = vec![
        Note::new(60, 100, 0.0, 0.5),
        Note::new(60, 80, 0.6, 1.0),
        Note::new(67, 30, 0.2, 0.3),
        Note { channel: 9, ..Note::new(36, 127, 0.0, 0.1) },
    ];
    let score = Score::new(notes);
    let roll = piano_roll(&score, fps, RollValue::Velocity, false).unwrap();
    assert_eq!(roll.shape(), &[128, 50]);
    assert_eq!(roll[[60, 0]], 100.0);
    assert_eq!(roll[[60, 24]], 100.0);
    assert_eq!(roll[[60, 25]], 0.0);
    assert_eq!(roll[[60, 30]], 80.0);
    assert_eq!(roll.row(67).sum(), 30.0 * 5.0);
    assert_eq!(roll.row(36).sum(), 0.0, "drums are left out by default");
    assert_eq!(piano_roll(&score, fps, RollValue::Binary, true).unwrap()[[36, 0]], 1.0);
    // roll -> score -> roll is the identity
    let back = roll_to_score(roll.view(), fps, RollValue::Velocity, 0, 0, 100).unwrap();
    let melodic: Vec<Note> = score.notes.iter().copied().filter(|n| !n.is_drum()).collect();
    assert_eq!(back.notes, melodic);
    assert_eq!(piano_roll(&back, fps, RollValue::Velocity, false).unwrap(), roll);
    // MIDI -> roll -> MIDI: the bytes of the round trip parse to the same notes
    let midi = Score::from_smf_bytes(&score.filter_drums(false).to_smf_bytes().unwrap(), "a.mid").unwrap();
    let roll2 = piano_roll(&midi, fps, RollValue::Velocity, false).unwrap();
    let again =
        Score::from_smf_bytes(&roll_to_score(roll2.view(), fps, RollValue::Velocity, 0, 0, 100).unwrap().to_smf_bytes().unwrap(), "b.mid").unwrap();
    assert_eq!(again.notes.len(), midi.notes.len());
    for (a, b) in again.notes.iter().zip(&midi.notes) {
        assert_eq!((a.pitch, a.velocity), (b.pitch, b.velocity));
        assert!((a.start_s - b.start_s).abs() < 1e-9 && (a.end_s - b.end_s).abs() < 1e-9);
    }
    // a roll at a rate whose frames fall between ticks (50 fps: 19.2 ticks) comes back
    // from the MIDI bytes frame for frame
    let mut roll50 = ndarray::Array2::<f32>::zeros((128, 100));
    for (k, p) in (40..80).enumerate() {
        let s = (k * 7) % 60;
        roll50.slice_mut(ndarray::s![p, s..s + 1 + k % 9]).fill(20.0 + k as f32);
    }
    let bytes = roll_to_score(roll50.view(), 50.0, RollValue::Velocity, 0, 0, 100).unwrap().to_smf_bytes().unwrap();
    let read = piano_roll(&Score::from_smf_bytes(&bytes, "r.mid").unwrap(), 50.0, RollValue::Velocity, false).unwrap();
    let diff: Vec<_> = read.indexed_iter().filter(|(i, v)| **v != roll50[*i]).map(|(i, v)| (i, *v, roll50[i])).take(5).collect();
    assert!(diff.is_empty(), "{diff:?}");
    // bad parameters
    assert!(piano_roll(&score, 0.0, RollValue::Binary, false).unwrap_err().to_string().contains("fps"));
    assert!(piano_roll(&score, f64::NAN, RollValue::Binary, false).is_err());
    assert!(piano_roll(&score, 1e12, RollValue::Binary, false).unwrap_err().to_string().contains("lower it"));
    let bad = ndarray::Array2::<f32>::zeros((88, 10));
    assert!(roll_to_score(bad.view(), fps, RollValue::Binary, 0, 0, 100).unwrap_err().to_string().contains("128"));
    let mut nan = ndarray::Array2::<f32>::zeros((128, 10));
    nan[[3, 3]] = f32::NAN;
    assert!(roll_to_score(nan.view(), fps, RollValue::Binary, 0, 0, 100).is_err());
}

#[test]
fn drum_mapping_and_drum_roll_round_trip() {
    let mut seen = std::collections::HashSet::new();
    for (c, ps) in DRUM_CLASS_PITCHES.iter().enumerate() {
        for &p in ps.iter() {
            assert!(seen.insert(p), "key {p} in two classes");
            assert_eq!(drum_class(p), Some(c));
        }
    }
    assert_eq!(drum_class(36), Some(0));
    assert_eq!(drum_class(38), Some(1));
    assert_eq!(drum_class(42), Some(2));
    assert_eq!(drum_class(51), Some(8));
    assert_eq!(drum_class(100), None);
    let fps = 8.0; // sixteenth notes at 120 bpm
    let mut rng = Rng(11);
    let mut notes = Vec::new();
    for f in 0..64 {
        for pitches in DRUM_CLASS_PITCHES {
            if rng.below(4) == 0 {
                let pitch = pitches[0];
                notes.push(Note {
                    pitch,
                    velocity: 1 + rng.below(127) as u8,
                    start_s: f as f64 / fps,
                    end_s: (f + 1) as f64 / fps,
                    channel: 9,
                    program: 0,
                });
            }
        }
    }
    let score = Score::from_smf_bytes(&Score::new(notes).to_smf_bytes().unwrap(), "g.mid").unwrap();
    let roll = drum_roll(&score, fps, RollValue::Velocity).unwrap();
    assert_eq!(roll.shape(), &[9, 64]);
    let back = drum_roll_to_score(roll.view(), fps, RollValue::Velocity, 100).unwrap();
    assert_eq!(back.notes.len(), score.notes.len());
    assert_eq!(drum_roll(&back, fps, RollValue::Velocity).unwrap(), roll);
}

#[test]
fn chord_labels_by_templates() {
    let fps = 4.0;
    let chord = |pitches: &[u8], t0: f64| pitches.iter().map(move |&p| Note::new(p, 90, t0, t0 + 1.0)).collect::<Vec<_>>();
    let mut notes = Vec::new();
    notes.extend(chord(&[60, 64, 67], 0.0)); // C major
    notes.extend(chord(&[57, 60, 64, 67], 1.0)); // A minor 7
    notes.extend(chord(&[55, 59, 62, 65], 2.0)); // G7
    notes.extend(chord(&[64, 67, 72], 3.0)); // C major, first inversion
    notes.extend(chord(&[62, 65, 69], 5.0)); // D minor, after a second of silence
    notes.push(Note { channel: 9, ..Note::new(38, 120, 4.0, 4.5) }); // a snare in the silence
    let labels = chord_labels(&Score::new(notes), fps).unwrap();
    let names: Vec<String> = labels.iter().map(|l| l.map_or("N".to_string(), |c| c.to_string())).collect();
    let seg = |i: usize| names[i * 4..i * 4 + 4].to_vec();
    assert_eq!(seg(0), vec!["C:maj"; 4]);
    assert_eq!(seg(1), vec!["A:min7"; 4]);
    assert_eq!(seg(2), vec!["G:7"; 4]);
    assert_eq!(seg(3), vec!["C:maj"; 4]);
    assert_eq!(seg(4), vec!["N"; 4]);
    assert_eq!(seg(5), vec!["D:min"; 4]);
    let segs = chord_segments(&labels, fps);
    assert_eq!(segs.len(), 6);
    assert_eq!((segs[4].0, segs[4].1, segs[4].2), (4.0, 5.0, None));
    // a single note, even doubled at the octave, is no chord (it was labelled a triad)
    let melody = vec![Note::new(60, 90, 0.0, 1.0), Note::new(72, 90, 0.0, 1.0), Note::new(64, 90, 1.0, 2.0)];
    assert!(chord_labels(&Score::new(melody), fps).unwrap().iter().all(|l| l.is_none()));
}
