//! SoundFonts: reading SF2 and SF3 files, listing presets, rendering notes and scores
//! in-process with `rustysynth` (reverb and chorus off).
//!
//! rustysynth reads SF2 only. An SF3 file (Ogg Vorbis samples, as MuseScore General and
//! FluidR3Mono ship) is converted to SF2 in memory first: every compressed sample is decoded
//! with `lewton` to 16-bit PCM, its header rewritten (SF3 stores byte offsets of each Ogg
//! stream and loop points relative to the sample; SF2 wants absolute frame offsets, and 46
//! zero frames after each sample), and the RIFF file rebuilt around the new `smpl` chunk.

use crate::error::{DataError, Result};
use crate::riff::put_chunk;
use rayon::prelude::*;
use reprise_midi::{Score, DRUM_CHANNEL};
use rustysynth::{SoundFont, Synthesizer, SynthesizerSettings};
use std::io::Cursor;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// Well-known SoundFonts by short name: (name, family, file names to look for).
pub const KNOWN_SOUNDFONTS: [(&str, &str, &[&str]); 6] = [
    ("tim", "tim", &["sf2/TimGM6mb.sf2"]),
    ("fluid", "fluid", &["sf2/FluidR3_GM.sf2"]),
    ("fluid-mono", "fluid", &["sf3/FluidR3Mono_GM.sf3"]),
    ("musescore", "fluid", &["sf3/MuseScore_General.sf3", "sf3/MuseScore_General_Lite.sf3", "sf2/MuseScore_General.sf2"]),
    ("csound", "tim", &["sf2/sf_GMbank.sf2"]),
    // GUS patches, through the TiMidity configuration that lists them (see `gus`)
    ("freepats", "freepats", &["freepats.cfg", "/etc/timidity/freepats.cfg"]),
];

/// The Debian package that provides each short name.
pub fn debian_package(short_name: &str) -> Option<&'static str> {
    match short_name {
        "tim" => Some("timgm6mb-soundfont"),
        "fluid" => Some("fluid-soundfont-gm"),
        "fluid-mono" => Some("fluidr3mono-gm-soundfont"),
        "musescore" => Some("musescore-general-soundfont-small"),
        "csound" => Some("csound-soundfont"),
        "freepats" => Some("freepats"),
        _ => None,
    }
}

/// Folders searched for the well-known SoundFonts: `$REPRISE_SOUNDFONTS` (a folder
/// holding the files directly or in `sf2/`, `sf3/`), then `/usr/share/sounds`.
fn search_roots() -> Vec<PathBuf> {
    let mut roots = Vec::new();
    if let Some(dir) = std::env::var_os("REPRISE_SOUNDFONTS") {
        roots.push(PathBuf::from(dir));
    }
    roots.push(PathBuf::from("/usr/share/sounds"));
    roots
}

/// The recording family of a SoundFont, from its file name: `fluid` (FluidR3, FluidR3Mono,
/// MuseScore General), `tim` (TimGM6mb, csound's sf_GMbank), `freepats`, or else the file
/// stem. Families matter because SoundFonts of one family share recordings: a
/// cross-dataset test trains on one family and tests on another.
pub fn family_of(path: &Path) -> String {
    let stem = path.file_stem().map(|s| s.to_string_lossy().to_lowercase()).unwrap_or_default();
    if stem.contains("fluidr3") || stem.contains("musescore") {
        "fluid".into()
    } else if stem.contains("timgm") || stem.contains("sf_gmbank") {
        "tim".into()
    } else if stem.contains("freepats") {
        "freepats".into()
    } else {
        stem
    }
}

/// Opens the SoundFonts that `specs` name (see [`resolve_soundfont`]); with none, the
/// usual ones that are installed (`tim`, `fluid`, `freepats`). Returns them and, when
/// they were chosen here, the short names chosen.
pub fn open_soundfonts(specs: &[String]) -> Result<(Vec<SoundFontFile>, Option<Vec<String>>)> {
    let (specs, chosen) = if specs.is_empty() {
        let found: Vec<String> =
            ["tim", "fluid", "freepats"].iter().filter(|s| resolve_soundfont(s).is_ok_and(|(p, _)| p.is_file())).map(|s| s.to_string()).collect();
        if found.is_empty() {
            return Err(DataError::NoSoundFont);
        }
        (found.clone(), Some(found))
    } else {
        (specs.to_vec(), None)
    };
    let mut fonts = Vec::new();
    for spec in &specs {
        let (path, family) = resolve_soundfont(spec)?;
        fonts.push(SoundFontFile::open(&path, Some(&family))?);
    }
    Ok((fonts, chosen))
}

/// Resolves a `--soundfont` argument: a short name of [`KNOWN_SOUNDFONTS`] (`tim`,
/// `fluid`, `fluid-mono`, `musescore`, `csound`, `freepats`), a path, or `FAMILY=PATH` to set the
/// family. Returns the path and the family.
pub fn resolve_soundfont(spec: &str) -> Result<(PathBuf, String)> {
    if let Some(&(name, family, files)) = KNOWN_SOUNDFONTS.iter().find(|k| k.0 == spec) {
        let (absolute, relative): (Vec<&str>, Vec<&str>) = files.iter().partition(|f| Path::new(f).is_absolute());
        let mut candidates = Vec::new();
        for root in search_roots() {
            for f in &relative {
                candidates.push(root.join(f));
                candidates.push(root.join(Path::new(f).file_name().unwrap_or_default()));
            }
        }
        candidates.extend(absolute.iter().map(PathBuf::from));
        if let Some(p) = candidates.into_iter().find(|p| p.is_file()) {
            return Ok((p, family.to_string()));
        }
        let pkg = debian_package(name).unwrap_or("?");
        let expected = absolute.first().map_or_else(|| PathBuf::from(format!("/usr/share/sounds/{}", files[0])), PathBuf::from);
        return Err(DataError::SoundFont {
            path: expected,
            reason: format!(
                "SoundFont `{name}` is not installed; run `reprise data install` (apt-get install {pkg}), or put the file in $REPRISE_SOUNDFONTS"
            ),
        });
    }
    let (family, path) = match spec.split_once('=') {
        Some((f, p)) if !f.is_empty() && !f.contains('/') => (Some(f.to_string()), PathBuf::from(p)),
        _ => (None, PathBuf::from(spec)),
    };
    let family = family.unwrap_or_else(|| family_of(&path));
    Ok((path, family))
}

/// One preset of a SoundFont.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct PresetInfo {
    /// MIDI bank; 128 holds the percussion kits.
    pub bank: u16,
    /// Program (patch) number, 0–127.
    pub program: u8,
    /// The preset's name in the file.
    pub name: String,
    /// Lowest key any of its zones covers.
    pub key_lo: u8,
    /// Highest key any of its zones covers.
    pub key_hi: u8,
}

/// A loaded SoundFont.
pub struct SoundFontFile {
    /// Where it was read from.
    pub path: PathBuf,
    /// Its recording family (see [`family_of`]).
    pub family: String,
    /// Whether it was an SF3 file, decoded to SF2 on loading.
    pub was_sf3: bool,
    font: Arc<SoundFont>,
    presets: Vec<PresetInfo>,
}

/// A channel event for [`SoundFontFile::render_events`], at a time in seconds.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct SynthEvent {
    /// When, in seconds from the start.
    pub time_s: f64,
    /// MIDI channel, 0–15 (9 = percussion).
    pub channel: u8,
    /// What happens.
    pub kind: SynthEventKind,
}

/// What a [`SynthEvent`] does.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum SynthEventKind {
    /// Key down.
    NoteOn {
        /// MIDI key.
        key: u8,
        /// Velocity 1–127.
        velocity: u8,
    },
    /// Key up.
    NoteOff {
        /// MIDI key.
        key: u8,
    },
    /// Program change (on channel 9: the percussion kit).
    Program(u8),
    /// Control change (1 = modulation wheel, i.e. vibrato depth; 7 = volume; 11 = expression).
    Controller {
        /// Controller number.
        cc: u8,
        /// Value 0–127.
        value: u8,
    },
}

impl SoundFontFile {
    /// Reads an SF2 or SF3 file, or a TiMidity `.cfg` with the GUS patches it lists
    /// (converted to SF2 in memory, see [`crate::gus`]). Errors name the file: missing,
    /// empty, not a SoundFont, truncated, undecodable samples, or a structure rustysynth
    /// rejects.
    pub fn open(path: impl AsRef<Path>, family: Option<&str>) -> Result<Self> {
        let path = path.as_ref();
        let bad = |reason: String| DataError::SoundFont { path: path.to_owned(), reason };
        match path.extension().and_then(|e| e.to_str()).map(str::to_ascii_lowercase).as_deref() {
            Some("cfg") => return Self::from_bytes(&crate::gus::config_to_sf2(path)?, path, family),
            Some("pat") => return Err(bad("a single GUS patch: pass the TiMidity configuration that lists it (for freepats, /etc/timidity/freepats.cfg or `--soundfont freepats`)".into())),
            _ => {}
        }
        Self::from_bytes(&DataError::read_font_file(path)?, path, family)
    }

    /// Parses the bytes of an SF2 or SF3 file; `path` names it in errors and sets the
    /// family unless `family` is given.
    pub fn from_bytes(bytes: &[u8], path: impl AsRef<Path>, family: Option<&str>) -> Result<Self> {
        let path = path.as_ref();
        let (font, was_sf3) = parse_soundfont(bytes).map_err(|reason| DataError::SoundFont { path: path.to_owned(), reason })?;
        let presets = preset_list(&font);
        Ok(SoundFontFile {
            path: path.to_owned(),
            family: family.map_or_else(|| family_of(path), str::to_string),
            was_sf3,
            font: Arc::new(font),
            presets,
        })
    }

    /// The file stem, used to name outputs.
    pub fn name(&self) -> String {
        self.path.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_else(|| "soundfont".into())
    }

    /// All presets, sorted by bank then program.
    pub fn presets(&self) -> &[PresetInfo] {
        &self.presets
    }

    /// The preset at (bank, program), if the file has it.
    pub fn preset(&self, bank: u16, program: u8) -> Option<&PresetInfo> {
        self.presets.iter().find(|p| p.bank == bank && p.program == program)
    }

    /// Errors with [`DataError::MissingPreset`] unless the file has this melodic program
    /// (bank 0), or percussion kit (bank 128) when `drums`.
    pub fn require_program(&self, program: u8, drums: bool) -> Result<()> {
        let bank = if drums { 128 } else { 0 };
        if self.preset(bank, program).is_none() {
            let name = if drums { format!("drum kit {program}") } else { crate::classes::gm_name(program).to_string() };
            return Err(DataError::MissingPreset { path: self.path.clone(), bank, program, name });
        }
        Ok(())
    }

    /// Renders channel events to mono audio (mean of the two synthesizer outputs),
    /// `length_s` seconds long at `sr` Hz (16000–192000, rustysynth's range). Events take
    /// effect at the 64-sample block boundary at or after their time (4 ms at 16 kHz).
    pub fn render_events(&self, events: &[SynthEvent], length_s: f64, sr: u32) -> Result<Vec<f32>> {
        if !(16_000..=192_000).contains(&sr) {
            return Err(DataError::invalid(
                "sr",
                format!("{sr} Hz: the SoundFont synthesizer renders at 16000 to 192000 Hz; resample afterwards for other rates"),
            ));
        }
        if !(length_s.is_finite() && length_s > 0.0 && length_s <= 4.0 * 3600.0) {
            return Err(DataError::invalid("duration_s", format!("{length_s}: must be between 0 and 4 hours")));
        }
        let mut settings = SynthesizerSettings::new(sr as i32);
        settings.enable_reverb_and_chorus = false;
        let mut synth = Synthesizer::new(&self.font, &settings).map_err(|e| DataError::invalid("sr", e.to_string()))?;
        let n = (length_s * sr as f64).round() as usize;
        let mut order: Vec<usize> = (0..events.len()).collect();
        order.sort_by(|&a, &b| events[a].time_s.total_cmp(&events[b].time_s).then(a.cmp(&b)));
        let mut left = vec![0f32; n];
        let mut right = vec![0f32; n];
        let mut pos = 0usize;
        for &i in &order {
            let ev = events[i];
            let at = ((ev.time_s.max(0.0) * sr as f64).round() as usize).min(n);
            if at > pos {
                synth.render(&mut left[pos..at], &mut right[pos..at]);
                pos = at;
            }
            let ch = (ev.channel & 15) as i32;
            match ev.kind {
                SynthEventKind::NoteOn { key, velocity } => synth.note_on(ch, (key & 127) as i32, velocity.clamp(1, 127) as i32),
                SynthEventKind::NoteOff { key } => synth.note_off(ch, (key & 127) as i32),
                SynthEventKind::Program(p) => synth.process_midi_message(ch, 0xC0, (p & 127) as i32, 0),
                SynthEventKind::Controller { cc, value } => synth.process_midi_message(ch, 0xB0, (cc & 127) as i32, (value & 127) as i32),
            }
        }
        if pos < n {
            synth.render(&mut left[pos..], &mut right[pos..]);
        }
        Ok(left.iter().zip(&right).map(|(l, r)| 0.5 * (l + r)).collect())
    }

    /// Renders a score: program changes where each channel's program changes, then its
    /// notes; the audio lasts until the score's end plus `tail_s` (for releases).
    /// Every (channel, program) must exist in the file ([`DataError::MissingPreset`]).
    pub fn render_score(&self, score: &Score, sr: u32, tail_s: f64) -> Result<Vec<f32>> {
        for (ch, program) in score.programs() {
            self.require_program(program, ch == DRUM_CHANNEL)?;
        }
        self.render_events(&score_events(score), score.duration_s + tail_s.max(0.0), sr)
    }
}

/// The presets of a parsed SoundFont with their key ranges, sorted by bank then program.
fn preset_list(font: &SoundFont) -> Vec<PresetInfo> {
    let mut v: Vec<PresetInfo> = font
        .get_presets()
        .iter()
        .map(|p| {
            let (lo, hi) =
                p.get_regions().iter().fold((127i32, 0i32), |(lo, hi), r| (lo.min(r.get_key_range_start()), hi.max(r.get_key_range_end())));
            let (lo, hi) = if lo > hi { (0, 127) } else { (lo.clamp(0, 127), hi.clamp(0, 127)) };
            PresetInfo {
                bank: p.get_bank_number().clamp(0, u16::MAX as i32) as u16,
                program: p.get_patch_number().clamp(0, 127) as u8,
                name: p.get_name().trim().to_string(),
                key_lo: lo as u8,
                key_hi: hi as u8,
            }
        })
        .collect();
    v.sort_by_key(|p| (p.bank, p.program));
    v
}

/// The synthesizer events of a score: a program change wherever a channel's program
/// changes, then note-ons and note-offs, sorted by [`sort_events`].
pub fn score_events(score: &Score) -> Vec<SynthEvent> {
    let mut events = Vec::with_capacity(score.notes.len() * 2 + 16);
    let mut current = [None::<u8>; 16];
    for n in &score.notes {
        let ch = n.channel as usize & 15;
        if current[ch] != Some(n.program) {
            events.push(SynthEvent { time_s: n.start_s, channel: n.channel, kind: SynthEventKind::Program(n.program) });
            current[ch] = Some(n.program);
        }
        events.push(SynthEvent { time_s: n.start_s, channel: n.channel, kind: SynthEventKind::NoteOn { key: n.pitch, velocity: n.velocity } });
        events.push(SynthEvent { time_s: n.end_s, channel: n.channel, kind: SynthEventKind::NoteOff { key: n.pitch } });
    }
    sort_events(&mut events);
    events
}

/// Sorts events by time; at equal times note-offs come first, then program and
/// controller changes, then note-ons (so that a repeated key re-strikes).
pub fn sort_events(events: &mut [SynthEvent]) {
    events.sort_by(|a, b| a.time_s.total_cmp(&b.time_s).then(rank(&a.kind).cmp(&rank(&b.kind))));
}

/// Order of simultaneous events: note-offs, then program and controller changes, then note-ons.
fn rank(k: &SynthEventKind) -> u8 {
    match k {
        SynthEventKind::NoteOff { .. } => 0,
        SynthEventKind::Program(_) | SynthEventKind::Controller { .. } => 1,
        SynthEventKind::NoteOn { .. } => 2,
    }
}

/// A RIFF chunk: its id and its data.
struct Chunk<'a> {
    id: [u8; 4],
    data: &'a [u8],
}

/// The sub-chunks of a RIFF body. Declared sizes must fit; odd-sized chunks may or may
/// not be followed by a pad byte (MuseScore's SF3 writer leaves it out).
fn sub_chunks<'a>(body: &'a [u8], what: &str) -> std::result::Result<Vec<Chunk<'a>>, String> {
    let mut out = Vec::new();
    let mut pos = 0usize;
    let plausible = |p: usize| p >= body.len() || (body.len() - p >= 8 && body[p..p + 4].iter().all(|b| b.is_ascii_graphic() || *b == b' '));
    while pos < body.len() {
        if body.len() - pos < 8 {
            return Err(format!("truncated: {} stray byte(s) at the end of {what}", body.len() - pos));
        }
        let id = [body[pos], body[pos + 1], body[pos + 2], body[pos + 3]];
        let size = u32::from_le_bytes([body[pos + 4], body[pos + 5], body[pos + 6], body[pos + 7]]) as usize;
        let start = pos + 8;
        if size > body.len() - start {
            return Err(format!(
                "truncated: chunk `{}` in {what} declares {size} bytes, only {} remain",
                String::from_utf8_lossy(&id),
                body.len() - start
            ));
        }
        out.push(Chunk { id, data: &body[start..start + size] });
        pos = start + size;
        // a pad byte follows an odd-sized chunk, unless the writer left it out
        if size % 2 == 1 && pos < body.len() && body[pos] == 0 && plausible(pos + 1) {
            pos += 1;
        }
    }
    Ok(out)
}

/// The LIST chunks of an `sfbk` file, by list type.
/// A LIST chunk: its type (`INFO`, `sdta`, `pdta`) and its body.
type List<'a> = (&'a [u8], &'a [u8]);

fn lists(bytes: &[u8]) -> std::result::Result<Vec<List<'_>>, String> {
    if bytes.is_empty() {
        return Err("file is empty (0 bytes)".into());
    }
    if bytes.len() < 12 || &bytes[0..4] != b"RIFF" || &bytes[8..12] != b"sfbk" {
        return Err("not a SoundFont (expected a RIFF `sfbk` file, .sf2 or .sf3)".into());
    }
    let declared = u32::from_le_bytes([bytes[4], bytes[5], bytes[6], bytes[7]]) as usize;
    if declared > bytes.len() - 8 {
        return Err(format!("truncated: the RIFF header declares {} bytes, the file has {}", declared + 8, bytes.len()));
    }
    let mut out = Vec::new();
    for c in sub_chunks(&bytes[12..8 + declared], "the file")? {
        if &c.id == b"LIST" && c.data.len() >= 4 {
            out.push((&c.data[0..4], &c.data[4..]));
        }
    }
    for need in [&b"INFO"[..], b"sdta", b"pdta"] {
        if !out.iter().any(|(t, _)| *t == need) {
            return Err(format!("damaged: no `{}` list", String::from_utf8_lossy(need)));
        }
    }
    Ok(out)
}

/// Parses SF2 or SF3 bytes into a rustysynth SoundFont; `true` when they were SF3.
pub(crate) fn parse_soundfont(bytes: &[u8]) -> std::result::Result<(SoundFont, bool), String> {
    let lists = lists(bytes)?;
    let sdta = lists.iter().find(|(t, _)| *t == b"sdta").map(|l| l.1).unwrap_or_default();
    let pdta = lists.iter().find(|(t, _)| *t == b"pdta").map(|l| l.1).unwrap_or_default();
    let smpl = sub_chunks(sdta, "sdta")?.into_iter().find(|c| &c.id == b"smpl").map(|c| c.data).ok_or("damaged: no `smpl` sample chunk")?;
    let pdta_chunks = sub_chunks(pdta, "pdta")?;
    let shdr = pdta_chunks.iter().find(|c| &c.id == b"shdr").map(|c| c.data).ok_or("damaged: no `shdr` sample-header chunk")?;
    if shdr.len() % 46 != 0 || shdr.len() < 46 {
        return Err(format!("damaged: sample headers are {} bytes, not a positive multiple of 46", shdr.len()));
    }
    check_indices(&pdta_chunks)?;
    let compressed = smpl.starts_with(b"OggS") || shdr.chunks_exact(46).any(|h| u16::from_le_bytes([h[44], h[45]]) & 0x10 != 0);
    let sf2;
    let data: &[u8] = if compressed {
        sf2 = sf3_to_sf2(&lists, smpl, shdr, &pdta_chunks)?;
        &sf2
    } else {
        bytes
    };
    // rustysynth checks indices but is third-party code fed with untrusted bytes: a panic
    // inside it becomes an error here rather than taking the whole batch down.
    let parsed = std::panic::catch_unwind(|| SoundFont::new(&mut Cursor::new(data)));
    match parsed {
        Ok(Ok(font)) => Ok((font, compressed)),
        Ok(Err(e)) => Err(format!("damaged SoundFont: {e}")),
        Err(_) => Err("damaged SoundFont: the parser failed on malformed data".into()),
    }
}

/// Checks the index links of the preset data (presets → bags → generators, instruments
/// likewise): each list must rise and stay within the list it
/// points into. rustysynth indexes them unchecked (found by fuzzing); with this check a
/// damaged file is an error before it gets there.
fn check_indices(pdta: &[Chunk<'_>]) -> std::result::Result<(), String> {
    let records = |id: &[u8; 4], size: usize| -> std::result::Result<Vec<&[u8]>, String> {
        // rustysynth keeps the last chunk of each kind
        let c = pdta.iter().rev().find(|c| &c.id == id).ok_or_else(|| format!("damaged: no `{}` chunk", String::from_utf8_lossy(id)))?;
        if c.data.len() % size != 0 || c.data.is_empty() {
            return Err(format!("damaged: `{}` is {} bytes, not a positive multiple of {size}", String::from_utf8_lossy(id), c.data.len()));
        }
        Ok(c.data.chunks_exact(size).collect())
    };
    // (list, record size, offset of the u16 index, list it points into, its record size);
    // modulator links are not followed (rustysynth ignores modulators)
    type Link = (&'static [u8; 4], usize, usize, &'static [u8; 4], usize);
    let links: [Link; 4] = [(b"phdr", 38, 24, b"pbag", 4), (b"pbag", 4, 0, b"pgen", 4), (b"inst", 22, 20, b"ibag", 4), (b"ibag", 4, 0, b"igen", 4)];
    for (from, size, at, to, to_size) in links {
        let n_to = records(to, to_size)?.len();
        let mut last = 0usize;
        for (i, r) in records(from, size)?.iter().enumerate() {
            let v = u16::from_le_bytes([r[at], r[at + 1]]) as usize;
            if v < last || v >= n_to {
                return Err(format!(
                    "damaged: `{}` record {i} points to `{}` record {v} (of {n_to}, after {last})",
                    String::from_utf8_lossy(from),
                    String::from_utf8_lossy(to)
                ));
            }
            last = v;
        }
    }
    Ok(())
}

/// Decodes one Ogg Vorbis stream to 16-bit PCM (first channel).
fn decode_vorbis(ogg: &[u8]) -> std::result::Result<Vec<i16>, String> {
    let mut reader = lewton::inside_ogg::OggStreamReader::new(Cursor::new(ogg)).map_err(|e| e.to_string())?;
    let channels = reader.ident_hdr.audio_channels.max(1) as usize;
    let mut out = Vec::new();
    while let Some(packet) = reader.read_dec_packet_itl().map_err(|e| e.to_string())? {
        out.extend(packet.iter().step_by(channels));
    }
    Ok(out)
}

/// Rebuilds an SF3 file as SF2 bytes with decoded samples.
fn sf3_to_sf2(lists: &[List<'_>], smpl: &[u8], shdr: &[u8], pdta_chunks: &[Chunk<'_>]) -> std::result::Result<Vec<u8>, String> {
    let headers: Vec<&[u8]> = shdr.chunks_exact(46).collect();
    let n = headers.len() - 1; // the last record is the terminal "EOS"
    let decoded: Vec<std::result::Result<Vec<i16>, String>> = headers[..n]
        .par_iter()
        .enumerate()
        .map(|(i, h)| {
            let field = |o: usize| u32::from_le_bytes([h[o], h[o + 1], h[o + 2], h[o + 3]]) as usize;
            let (start, end, kind) = (field(20), field(24), u16::from_le_bytes([h[44], h[45]]));
            let name = String::from_utf8_lossy(&h[..20]).trim_end_matches('\0').to_string();
            if kind & 0x8000 != 0 {
                return Ok(Vec::new()); // ROM sample: no data in the file
            }
            if kind & 0x10 != 0 {
                let ogg = smpl.get(start..end).ok_or_else(|| format!("damaged: sample {i} ({name}) points outside the sample data"))?;
                decode_vorbis(ogg).map_err(|e| format!("damaged: sample {i} ({name}) does not decode as Ogg Vorbis: {e}"))
            } else {
                let raw = smpl.get(start * 2..end * 2).ok_or_else(|| format!("damaged: sample {i} ({name}) points outside the sample data"))?;
                Ok(raw.chunks_exact(2).map(|b| i16::from_le_bytes([b[0], b[1]])).collect())
            }
        })
        .collect();
    // leading silence: rustysynth takes sample data that starts with "OggS" for SF3
    let mut pcm: Vec<i16> = vec![0; 46];
    let mut new_shdr = Vec::with_capacity(shdr.len());
    for (h, d) in headers[..n].iter().zip(decoded) {
        let d = d?;
        let field = |o: usize| u32::from_le_bytes([h[o], h[o + 1], h[o + 2], h[o + 3]]) as usize;
        let (start, loop_start, loop_end, kind) = (field(20), field(28), field(32), u16::from_le_bytes([h[44], h[45]]));
        let mut rec = h.to_vec();
        if kind & 0x8000 == 0 {
            let base = pcm.len();
            let len = d.len();
            // SF3 loop points are relative to the sample; uncompressed ones are absolute.
            let (ls, le) = if kind & 0x10 != 0 { (loop_start, loop_end) } else { (loop_start.saturating_sub(start), loop_end.saturating_sub(start)) };
            pcm.extend_from_slice(&d);
            pcm.extend(std::iter::repeat_n(0i16, 46));
            let put = |rec: &mut Vec<u8>, o: usize, v: usize| rec[o..o + 4].copy_from_slice(&(v as u32).to_le_bytes());
            put(&mut rec, 20, base);
            put(&mut rec, 24, base + len);
            put(&mut rec, 28, base + ls.min(len));
            put(&mut rec, 32, base + le.min(len));
            rec[44..46].copy_from_slice(&(kind & !0x10).to_le_bytes());
        }
        new_shdr.extend_from_slice(&rec);
    }
    new_shdr.extend_from_slice(headers[n]);

    let mut body = Vec::with_capacity(pcm.len() * 2 + (1 << 20));
    body.extend_from_slice(b"sfbk");
    for (kind, data) in lists {
        let mut list = Vec::new();
        list.extend_from_slice(kind);
        match *kind {
            b"INFO" => {
                for c in sub_chunks(data, "INFO")? {
                    if &c.id == b"ifil" && c.data.len() == 4 {
                        put_chunk(&mut list, b"ifil", &[2, 0, 1, 0]); // version 2.01
                    } else {
                        put_chunk(&mut list, &c.id, c.data);
                    }
                }
            }
            b"sdta" => {
                let raw: Vec<u8> = pcm.iter().flat_map(|s| s.to_le_bytes()).collect();
                put_chunk(&mut list, b"smpl", &raw);
            }
            b"pdta" => {
                for c in pdta_chunks {
                    put_chunk(&mut list, &c.id, if &c.id == b"shdr" { &new_shdr } else { c.data });
                }
            }
            _ => list.extend_from_slice(data),
        }
        put_chunk(&mut body, b"LIST", &list);
    }
    let mut out = Vec::with_capacity(body.len() + 8);
    out.extend_from_slice(b"RIFF");
    out.extend_from_slice(&(body.len() as u32).to_le_bytes());
    out.extend_from_slice(&body);
    Ok(out)
}
