//! [`Score`]: notes in seconds, read from and written to standard MIDI files.

use crate::error::{MidiError, Result};
use midly::num::{u15, u24, u28, u4, u7};
use midly::{Format, Header, MetaMessage, MidiMessage, Smf, Timing, TrackEvent, TrackEventKind};
use std::path::{Path, PathBuf};

/// The General MIDI percussion channel (channel 10, counted from 1), counted from 0.
pub const DRUM_CHANNEL: u8 = 9;

/// Ticks per quarter note in files Reprise writes (at 120 bpm: 960 ticks per second,
/// about 1 ms).
pub const TICKS_PER_BEAT: u16 = 480;

/// Microseconds per quarter note in files Reprise writes (120 bpm).
const WRITE_TEMPO_US: u32 = 500_000;

/// One note.
#[derive(Clone, Copy, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Note {
    /// MIDI key, 0–127 (60 = C4 = 261.6 Hz).
    pub pitch: u8,
    /// Note-on velocity, 1–127.
    pub velocity: u8,
    /// Onset in seconds.
    pub start_s: f64,
    /// Offset in seconds (> `start_s`).
    pub end_s: f64,
    /// MIDI channel counted from 0; 9 is General MIDI percussion.
    pub channel: u8,
    /// General MIDI program (0–127, counted from 0) active on the channel at the onset.
    pub program: u8,
}

impl Note {
    /// A note on channel 0 with program 0 (acoustic grand piano).
    pub fn new(pitch: u8, velocity: u8, start_s: f64, end_s: f64) -> Self {
        Note { pitch, velocity, start_s, end_s, channel: 0, program: 0 }
    }

    /// Whether the note is on the General MIDI percussion channel.
    pub fn is_drum(&self) -> bool {
        self.channel == DRUM_CHANNEL
    }

    /// Duration in seconds.
    pub fn duration_s(&self) -> f64 {
        self.end_s - self.start_s
    }
}

/// A piece of symbolic music: notes sorted by onset (then pitch), times in seconds.
#[derive(Clone, Debug, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Score {
    /// The notes, sorted by `start_s`, then `pitch`, then `channel`.
    pub notes: Vec<Note>,
    /// Length in seconds: the last note offset, or the last event if that is later.
    pub duration_s: f64,
    /// Things worth knowing that did not stop the reading (dangling notes, ...).
    #[serde(skip)]
    pub warnings: Vec<String>,
}

/// One channel event at an absolute tick, merged across tracks.
struct Timed<'a> {
    tick: u64,
    track: usize,
    index: usize,
    kind: TrackEventKind<'a>,
}

impl Score {
    /// A score from notes (sorted here); the duration is the last offset.
    pub fn new(mut notes: Vec<Note>) -> Self {
        sort_notes(&mut notes);
        let duration_s = notes.iter().map(|n| n.end_s).fold(0.0, f64::max);
        Score { notes, duration_s, warnings: Vec::new() }
    }

    /// Reads a standard MIDI file (format 0, 1 or 2, or RIFF RMID).
    ///
    /// Errors name the file: missing, empty, not MIDI, truncated (a chunk longer than the
    /// file), or without any note.
    pub fn read(path: impl AsRef<Path>) -> Result<Self> {
        let path = path.as_ref();
        let bytes = std::fs::read(path).map_err(|source| MidiError::Io { path: path.to_owned(), source })?;
        Self::from_smf_bytes(&bytes, path)
    }

    /// Parses the bytes of a standard MIDI file; `label` names it in errors.
    pub fn from_smf_bytes(bytes: &[u8], label: impl AsRef<Path>) -> Result<Self> {
        let path = label.as_ref();
        let malformed = |reason: String| MidiError::Malformed { path: path.to_owned(), reason };
        if bytes.is_empty() {
            return Err(malformed("file is empty (0 bytes)".into()));
        }
        check_chunks(bytes).map_err(malformed)?;
        let smf = Smf::parse(bytes).map_err(|e| malformed(e.to_string()))?;
        let mut warnings = Vec::new();
        for (i, track) in smf.tracks.iter().enumerate() {
            if !matches!(track.last().map(|e| e.kind), Some(TrackEventKind::Meta(MetaMessage::EndOfTrack))) {
                warnings.push(format!("track {i} has no End-of-Track event (the file may be cut short)"));
            }
        }
        let seconds_per_tick: Box<dyn Fn(u32) -> f64> = match smf.header.timing {
            Timing::Metrical(ppq) => {
                let ppq = ppq.as_int();
                if ppq == 0 {
                    return Err(malformed("header declares 0 ticks per quarter note".into()));
                }
                Box::new(move |tempo_us| tempo_us as f64 * 1e-6 / ppq as f64)
            }
            Timing::Timecode(fps, sub) => {
                let rate = fps.as_f32() as f64 * sub as f64;
                if rate <= 0.0 {
                    return Err(malformed("header declares a timecode rate of 0".into()));
                }
                Box::new(move |_| 1.0 / rate)
            }
        };

        // Merge all tracks by absolute tick; ties keep track order, then file order.
        let mut events = Vec::new();
        for (track_i, track) in smf.tracks.iter().enumerate() {
            let mut tick = 0u64;
            for (index, ev) in track.iter().enumerate() {
                tick += ev.delta.as_int() as u64;
                events.push(Timed { tick, track: track_i, index, kind: ev.kind });
            }
        }
        events.sort_by_key(|e| (e.tick, e.track, e.index));

        let mut tempo_us = WRITE_TEMPO_US;
        let mut last_tick = 0u64;
        let mut now_s = 0.0f64;
        let mut program = [0u8; 16];
        // Open notes per (channel, key): (start tick, start s, velocity, program), oldest first.
        let mut open: Vec<Vec<(u64, f64, u8, u8)>> = vec![Vec::new(); 16 * 128];
        let mut notes = Vec::new();
        for ev in &events {
            now_s += (ev.tick - last_tick) as f64 * seconds_per_tick(tempo_us);
            last_tick = ev.tick;
            match ev.kind {
                TrackEventKind::Meta(MetaMessage::Tempo(t)) => {
                    let t = t.as_int();
                    if t > 0 {
                        tempo_us = t;
                    }
                }
                TrackEventKind::Midi { channel, message } => {
                    let ch = channel.as_int();
                    match message {
                        MidiMessage::ProgramChange { program: p } => program[ch as usize] = p.as_int(),
                        MidiMessage::NoteOn { key, vel } if vel.as_int() > 0 => {
                            open[ch as usize * 128 + key.as_int() as usize].push((ev.tick, now_s, vel.as_int(), program[ch as usize]));
                        }
                        MidiMessage::NoteOn { key, .. } | MidiMessage::NoteOff { key, .. } => {
                            let stack = &mut open[ch as usize * 128 + key.as_int() as usize];
                            // Close the oldest note that began before this tick; a note-on at the
                            // same tick only if there is no other (a zero-length note, dropped).
                            let pos = stack.iter().position(|o| o.0 < ev.tick).or(if stack.is_empty() { None } else { Some(0) });
                            if let Some(pos) = pos {
                                let (start_tick, start_s, velocity, prog) = stack.remove(pos);
                                if start_tick < ev.tick {
                                    notes.push(Note { pitch: key.as_int(), velocity, start_s, end_s: now_s, channel: ch, program: prog });
                                }
                            }
                        }
                        _ => {}
                    }
                }
                _ => {}
            }
        }
        let mut dangling = 0usize;
        for (slot, stack) in open.iter().enumerate() {
            for &(start_tick, start_s, velocity, prog) in stack {
                dangling += 1;
                if start_tick < last_tick {
                    notes.push(Note { pitch: (slot % 128) as u8, velocity, start_s, end_s: now_s, channel: (slot / 128) as u8, program: prog });
                }
            }
        }
        if dangling > 0 {
            warnings.push(format!("{dangling} note(s) never released; closed at the end of the file"));
        }
        if notes.is_empty() {
            return Err(MidiError::NoNotes { path: path.to_owned() });
        }
        sort_notes(&mut notes);
        let duration_s = notes.iter().map(|n| n.end_s).fold(now_s, f64::max);
        Ok(Score { notes, duration_s, warnings })
    }

    /// The bytes of a format-1 standard MIDI file holding the score: a tempo track
    /// (120 bpm, 480 ticks per quarter, so times are rounded up to the next 1/960 s; it ends at
    /// `duration_s`, so that trailing silence is kept) and one track per
    /// channel, with a program change wherever a channel's program changes. Write them
    /// with `reprise_io::write_atomic`.
    pub fn to_smf_bytes(&self) -> Result<Vec<u8>> {
        let ticks_per_s = TICKS_PER_BEAT as f64 * 1e6 / WRITE_TEMPO_US as f64;
        let max_s = (u28::max_value().as_int() as f64 - 1.0) / ticks_per_s;
        let mut tracks: Vec<Vec<TrackEvent>> = Vec::new();
        // the tempo track ends at the score's duration, so that trailing silence survives
        let end_tick =
            if self.duration_s.is_finite() && self.duration_s > 0.0 { (self.duration_s.min(max_s) * ticks_per_s - 1e-6).ceil() as u32 } else { 0 };
        tracks.push(vec![
            TrackEvent { delta: 0.into(), kind: TrackEventKind::Meta(MetaMessage::Tempo(u24::new(WRITE_TEMPO_US))) },
            TrackEvent { delta: u28::new(end_tick), kind: TrackEventKind::Meta(MetaMessage::EndOfTrack) },
        ]);
        for ch in 0..16u8 {
            let notes: Vec<&Note> = self.notes.iter().filter(|n| n.channel == ch).collect();
            if notes.is_empty() {
                continue;
            }
            // (tick, order, message): note-offs, then program changes, then note-ons.
            let mut evs: Vec<(u64, u8, MidiMessage)> = Vec::with_capacity(notes.len() * 2 + 1);
            let mut current_program: Option<u8> = None;
            for n in notes {
                if !(n.start_s.is_finite() && n.end_s.is_finite() && n.start_s >= 0.0 && n.end_s > n.start_s && n.end_s <= max_s) {
                    return Err(MidiError::invalid(
                        "notes",
                        format!("note {} at {} s to {} s: times must be finite, 0 ≤ start < end ≤ {max_s:.0} s", n.pitch, n.start_s, n.end_s),
                    ));
                }
                if n.pitch > 127 || n.program > 127 || n.channel > 15 {
                    return Err(MidiError::invalid(
                        "notes",
                        format!("pitch {}, program {}, channel {}: must be ≤ 127, 127, 15", n.pitch, n.program, n.channel),
                    ));
                }
                // the first tick at or after each time (within float noise): a time on a
                // frame boundary is never read back in the frame before it, so a piano roll
                // written and read at the same rate (under 960 frames per second) comes back
                // frame for frame; a time moves by less than one tick (1.04 ms)
                let tick = |t: f64| (t * ticks_per_s - 1e-6).ceil().max(0.0) as u64;
                let on = tick(n.start_s);
                let off = tick(n.end_s).max(on + 1);
                if current_program != Some(n.program) {
                    evs.push((on, 1, MidiMessage::ProgramChange { program: u7::new(n.program) }));
                    current_program = Some(n.program);
                }
                let vel = u7::new(n.velocity.clamp(1, 127));
                evs.push((on, 2, MidiMessage::NoteOn { key: u7::new(n.pitch), vel }));
                evs.push((off, 0, MidiMessage::NoteOff { key: u7::new(n.pitch), vel: u7::new(0) }));
            }
            evs.sort_by_key(|e| (e.0, e.1));
            let mut track = Vec::with_capacity(evs.len() + 1);
            let mut last = 0u64;
            for (tick, _, message) in evs {
                track.push(TrackEvent { delta: u28::new((tick - last) as u32), kind: TrackEventKind::Midi { channel: u4::new(ch), message } });
                last = tick;
            }
            track.push(TrackEvent { delta: 0.into(), kind: TrackEventKind::Meta(MetaMessage::EndOfTrack) });
            tracks.push(track);
        }
        let smf = Smf { header: Header::new(Format::Parallel, Timing::Metrical(u15::new(TICKS_PER_BEAT))), tracks };
        let mut out = Vec::new();
        smf.write_std(&mut out).map_err(|source| MidiError::Io { path: PathBuf::from("<memory>"), source })?;
        Ok(out)
    }

    /// Notes on the percussion channel only, or all others.
    pub fn filter_drums(&self, drums: bool) -> Score {
        Score::new(self.notes.iter().copied().filter(|n| n.is_drum() == drums).collect())
    }

    /// The distinct (channel, program) pairs that play notes.
    pub fn programs(&self) -> Vec<(u8, u8)> {
        let mut v: Vec<(u8, u8)> = self.notes.iter().map(|n| (n.channel, n.program)).collect();
        v.sort_unstable();
        v.dedup();
        v
    }
}

fn sort_notes(notes: &mut [Note]) {
    notes.sort_by(|a, b| a.start_s.total_cmp(&b.start_s).then(a.pitch.cmp(&b.pitch)).then(a.channel.cmp(&b.channel)));
}

/// Checks the chunk layout of a standard MIDI file: a header chunk, then chunks whose
/// declared lengths fit in the file. midly recovers silently from a cut-off track; this
/// turns that into an error.
fn check_chunks(bytes: &[u8]) -> std::result::Result<(), String> {
    let body = if bytes.starts_with(b"RIFF") {
        return Ok(()); // RMID: midly unwraps and checks it.
    } else {
        bytes
    };
    if !body.starts_with(b"MThd") {
        return Err("does not start with the `MThd` header".into());
    }
    let mut pos = 0usize;
    let mut n_tracks_found = 0usize;
    let mut declared_tracks = None;
    while pos < body.len() {
        if body.len() - pos < 8 {
            return Err(format!("truncated: {} stray byte(s) at the end", body.len() - pos));
        }
        let id = &body[pos..pos + 4];
        let len = u32::from_be_bytes([body[pos + 4], body[pos + 5], body[pos + 6], body[pos + 7]]) as usize;
        let remaining = body.len() - pos - 8;
        if len > remaining {
            let what = if id == b"MTrk" { format!("track {n_tracks_found}") } else { String::from_utf8_lossy(id).into_owned() };
            return Err(format!("truncated: {what} declares {len} bytes but only {remaining} remain"));
        }
        if pos == 0 && len >= 6 {
            declared_tracks = Some(u16::from_be_bytes([body[10], body[11]]) as usize);
        }
        if id == b"MTrk" {
            n_tracks_found += 1;
        }
        pos += 8 + len;
    }
    if let Some(d) = declared_tracks {
        if n_tracks_found < d {
            return Err(format!("truncated: header declares {d} tracks, the file holds {n_tracks_found}"));
        }
    }
    Ok(())
}
