//! GUS patches (`.pat`) and the TiMidity configuration files that map them to programs:
//! the freepats family. rustysynth plays SF2 only, so a configuration is converted to SF2
//! bytes in memory, one preset per program, one zone per run of keys that a wave covers.
//!
//! The patch format is Gravis' (`GF1PATCH110`): a 129-byte header, a 63-byte instrument
//! header, a 47-byte layer header, then per wave a 96-byte header and its PCM data.
//! Frequencies are in mHz; loop points in bytes; modes bit 0 = 16-bit, 1 = unsigned,
//! 2 = looping, 3 = ping-pong, 4 = reverse, 5 = sustain, 6 = envelope.
//!
//! What the conversion keeps and what it approximates, after TiMidity++'s `instrum.c`:
//! - a key plays the first wave whose [low, high] frequency range holds it (else the wave
//!   whose root is nearest), pitched from the wave's root frequency (exact, in cents);
//! - the six-stage GUS envelope becomes SF2's attack, decay to sustain and release. A
//!   stage's time is TiMidity's: |Δoffset| · 8192 / (44100 · r) s with
//!   r = (rate & 63) << 3·(3 − rate >> 6); an offset is 6.02/16 dB per step;
//! - a looped wave always sustains (TiMidity adds the sustain bit to every looped wave); a
//!   looped wave without the envelope bit loops while the key is held, then plays on to its
//!   end; a wave without a loop is played to its end with no envelope, as TiMidity does;
//! - drum-set notes play their wave pitched to the note (TiMidity's `note_to_use`), with
//!   loops and envelopes stripped, as TiMidity does for drum sets by default;
//! - ping-pong loops become forward loops; reverse waves, vibrato, tremolo, pan, the
//!   configuration's `amp=`, and the scale frequency (the pivot of non-semitone key tracking;
//!   the root key is used) are ignored.

use crate::error::{DataError, Result};
use crate::riff::put_chunk;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

const HEADER: usize = 129;
const INSTRUMENT_HEADER: usize = 63;
const LAYER_HEADER: usize = 47;
const WAVE_HEADER: usize = 96;

const MODE_16BIT: u8 = 1;
const MODE_UNSIGNED: u8 = 2;
const MODE_LOOP: u8 = 4;
const MODE_SUSTAIN: u8 = 32;
const MODE_ENVELOPE: u8 = 64;

/// One wave (sample) of a GUS patch.
#[derive(Clone, Debug, PartialEq)]
pub struct GusWave {
    /// The name in the file (up to 7 characters).
    pub name: String,
    /// 16-bit signed PCM.
    pub data: Vec<i16>,
    /// Loop start, in frames.
    pub loop_start: usize,
    /// Loop end (exclusive), in frames.
    pub loop_end: usize,
    /// Sample rate in Hz.
    pub rate: u32,
    /// Lowest frequency this wave plays, in mHz.
    pub low_mhz: u32,
    /// Highest frequency this wave plays, in mHz.
    pub high_mhz: u32,
    /// The recorded pitch, in mHz.
    pub root_mhz: u32,
    /// Envelope rates of the six stages (attack, decay, sustain, release ×3).
    pub env_rates: [u8; 6],
    /// Envelope target levels of the six stages, 0–255.
    pub env_offsets: [u8; 6],
    /// Mode bits (see the module doc).
    pub modes: u8,
    /// Key tracking: 1024 is a semitone per key.
    pub scale_factor: u16,
}

/// A parsed GUS patch: its first instrument's first layer.
#[derive(Clone, Debug, PartialEq)]
pub struct GusPatch {
    /// The instrument name in the file.
    pub name: String,
    /// Its waves, in file order.
    pub waves: Vec<GusWave>,
}

fn text(b: &[u8]) -> String {
    let end = b.iter().position(|&c| c == 0).unwrap_or(b.len());
    String::from_utf8_lossy(&b[..end]).trim().to_string()
}

fn u16_at(b: &[u8], o: usize) -> u16 {
    u16::from_le_bytes([b[o], b[o + 1]])
}

fn u32_at(b: &[u8], o: usize) -> u32 {
    u32::from_le_bytes([b[o], b[o + 1], b[o + 2], b[o + 3]])
}

/// Parses the bytes of a `.pat` file. Errors say what is wrong (the caller names the file).
pub fn parse_patch(bytes: &[u8]) -> std::result::Result<GusPatch, String> {
    if bytes.is_empty() {
        return Err("file is empty (0 bytes)".into());
    }
    if bytes.len() < 22 || !(bytes.starts_with(b"GF1PATCH110\0") || bytes.starts_with(b"GF1PATCH100\0")) || &bytes[12..22] != b"ID#000002\0" {
        return Err("not a GUS patch (expected a `GF1PATCH110` header)".into());
    }
    let fixed = HEADER + INSTRUMENT_HEADER + LAYER_HEADER;
    if bytes.len() < fixed {
        return Err(format!("truncated: {} bytes, the headers alone take {fixed}", bytes.len()));
    }
    if bytes[82] > 1 {
        return Err(format!("{} instruments in one patch; only single-instrument patches are supported", bytes[82]));
    }
    let name = text(&bytes[HEADER + 2..HEADER + 18]);
    let layer = HEADER + INSTRUMENT_HEADER;
    // the layer count (byte HEADER + 22) is not checked: some writers put 0 for 1, and only
    // the first layer is read
    let n_waves = bytes[layer + 6] as usize;
    if n_waves == 0 {
        return Err("damaged: the patch has no wave".into());
    }
    let mut waves = Vec::with_capacity(n_waves);
    let mut pos = fixed;
    for i in 0..n_waves {
        let h = bytes.get(pos..pos + WAVE_HEADER).ok_or_else(|| format!("truncated: the header of wave {i} of {n_waves} is cut off"))?;
        let size = u32_at(h, 8) as usize;
        let modes = h[55];
        let data = bytes.get(pos + WAVE_HEADER..).and_then(|d| d.get(..size)).ok_or_else(|| {
            format!("truncated: wave {i} of {n_waves} declares {size} bytes, only {} remain", bytes.len().saturating_sub(pos + WAVE_HEADER))
        })?;
        pos += WAVE_HEADER + size;
        let (rate, low_mhz, high_mhz, root_mhz) = (u16_at(h, 20) as u32, u32_at(h, 22), u32_at(h, 26), u32_at(h, 30));
        if rate == 0 || root_mhz == 0 {
            return Err(format!("damaged: wave {i} has a sample rate of {rate} Hz and a root of {root_mhz} mHz"));
        }
        let wide = modes & MODE_16BIT != 0;
        let unsigned = modes & MODE_UNSIGNED != 0;
        let pcm: Vec<i16> = if wide {
            data.chunks_exact(2).map(|b| (u16::from_le_bytes([b[0], b[1]]) ^ if unsigned { 0x8000 } else { 0 }) as i16).collect()
        } else {
            data.iter().map(|&b| (((b ^ if unsigned { 0x80 } else { 0 }) as i8) as i16) << 8).collect()
        };
        if pcm.is_empty() {
            return Err(format!("damaged: wave {i} has no samples"));
        }
        let bytes_per = if wide { 2 } else { 1 };
        let (mut loop_start, mut loop_end) = (u32_at(h, 12) as usize / bytes_per, u32_at(h, 16) as usize / bytes_per);
        let mut modes = modes;
        if modes & MODE_LOOP != 0 && !(loop_start < loop_end && loop_end <= pcm.len()) {
            modes &= !MODE_LOOP; // a loop outside the wave cannot be played: play it once
        }
        if modes & MODE_LOOP == 0 {
            (loop_start, loop_end) = (0, pcm.len());
        } else {
            modes |= MODE_SUSTAIN; // as TiMidity: every looped wave sustains
        }
        let mut env_rates = [0u8; 6];
        let mut env_offsets = [0u8; 6];
        env_rates.copy_from_slice(&h[37..43]);
        env_offsets.copy_from_slice(&h[43..49]);
        waves.push(GusWave {
            name: text(&h[..7]),
            data: pcm,
            loop_start,
            loop_end,
            rate,
            low_mhz,
            high_mhz,
            root_mhz,
            env_rates,
            env_offsets,
            modes,
            scale_factor: u16_at(h, 58),
        });
    }
    Ok(GusPatch { name, waves })
}

/// Reads a `.pat` file; errors name it.
pub fn read_patch(path: &Path) -> Result<GusPatch> {
    parse_patch(&DataError::read_font_file(path)?).map_err(|reason| DataError::SoundFont { path: path.to_owned(), reason })
}

/// One program line of a TiMidity configuration.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PatchEntry {
    /// SF2 bank: the tone bank, or 128 for a drum set.
    pub bank: u16,
    /// Program (tone bank) or drum set number (drum set entries go to preset `drumset`).
    pub program: u8,
    /// For a drum set: the note this patch plays.
    pub drum_note: Option<u8>,
    /// The patch file, resolved.
    pub path: PathBuf,
}

/// Reads a TiMidity configuration (`dir`, `bank N`, `drumset N`, `source FILE`, and
/// `N patch[.pat] [options]` lines; other directives are ignored). A patch named by a
/// line must exist: the error names the line.
pub fn read_config(path: &Path) -> Result<Vec<PatchEntry>> {
    let mut entries = Vec::new();
    let mut dirs = Vec::new();
    read_config_into(path, &mut dirs, &mut entries, 0)?;
    Ok(entries)
}

fn read_config_into(path: &Path, dirs: &mut Vec<PathBuf>, entries: &mut Vec<PatchEntry>, depth: usize) -> Result<()> {
    let bad = |reason: String| DataError::SoundFont { path: path.to_owned(), reason };
    if depth > 8 {
        return Err(bad("`source` nests more than 8 deep (a loop?)".into()));
    }
    let raw = DataError::read_font_file(path)?;
    if raw.is_empty() {
        return Err(bad("file is empty (0 bytes)".into()));
    }
    let content = String::from_utf8(raw).map_err(|_| bad("not a TiMidity configuration (not text)".into()))?;
    let here = path.parent().unwrap_or(Path::new(".")).to_path_buf();
    // (drum set?, number)
    let mut current: (bool, u16) = (false, 0);
    for (ln, line) in content.lines().enumerate() {
        let line = line.split('#').next().unwrap_or("");
        let tokens: Vec<&str> = line.split_whitespace().collect();
        let Some(&first) = tokens.first() else { continue };
        let at = |what: String| bad(format!("line {}: {what}", ln + 1));
        let number = |t: Option<&&str>, what: &str| -> Result<u16> {
            t.and_then(|s| s.parse::<u16>().ok()).filter(|&n| n < 128).ok_or_else(|| at(format!("`{first}` needs a {what} from 0 to 127")))
        };
        match first {
            "dir" => {
                let d = PathBuf::from(tokens.get(1).ok_or_else(|| at("`dir` needs a folder".into()))?);
                dirs.push(if d.is_absolute() { d } else { here.join(d) });
            }
            "bank" => current = (false, number(tokens.get(1), "bank")?),
            "drumset" => current = (true, number(tokens.get(1), "drum set")?),
            "source" => {
                let f = PathBuf::from(tokens.get(1).ok_or_else(|| at("`source` needs a file".into()))?);
                read_config_into(&if f.is_absolute() { f } else { here.join(f) }, dirs, entries, depth + 1)?;
            }
            _ if first.bytes().all(|c| c.is_ascii_digit()) => {
                let n = number(Some(&first), "program")? as u8;
                let Some(name) = tokens.get(1) else { continue };
                let patch = resolve_patch(name, dirs, &here).ok_or_else(|| {
                    let missing: Vec<String> = dirs.iter().filter(|d| !d.is_dir()).map(|d| d.display().to_string()).collect();
                    let hint = if missing.is_empty() {
                        String::new()
                    } else {
                        format!(
                            "; {} does not exist: are the patches installed? (freepats: `reprise data install`, or apt-get install freepats)",
                            missing.join(", ")
                        )
                    };
                    at(format!(
                        "patch `{name}` not found in {}{hint}",
                        dirs.iter().chain([&here]).map(|d| d.display().to_string()).collect::<Vec<_>>().join(", ")
                    ))
                })?;
                let (bank, program, drum_note) = if current.0 { (128, current.1 as u8, Some(n)) } else { (current.1, n, None) };
                entries.push(PatchEntry { bank, program, drum_note, path: patch });
            }
            _ => {} // opt, map, comm, soundfont, …: not needed for GUS patches
        }
    }
    Ok(())
}

/// A patch name as TiMidity looks it up: in the `dir` folders, latest first, then beside
/// the configuration, with `.pat` added when missing.
fn resolve_patch(name: &str, dirs: &[PathBuf], here: &Path) -> Option<PathBuf> {
    let candidates = |base: PathBuf| {
        let mut pat = base.clone().into_os_string();
        pat.push(".pat");
        [base, PathBuf::from(pat)]
    };
    let p = Path::new(name);
    if p.is_absolute() {
        return candidates(p.to_path_buf()).into_iter().find(|c| c.is_file());
    }
    dirs.iter().rev().chain([&here.to_path_buf()]).flat_map(|d| candidates(d.join(p))).find(|c| c.is_file())
}

/// Timecents for a duration in seconds, clamped to SF2's range.
fn timecents(seconds: f64) -> i16 {
    if seconds <= 0.001 {
        return -12000;
    }
    (1200.0 * seconds.log2()).round().clamp(-12000.0, 8000.0) as i16
}

/// Seconds TiMidity takes for one envelope stage from `from` to `to` at `rate`.
fn stage_seconds(rate: u8, from: u8, to: u8) -> f64 {
    let r = ((rate & 63) as u32) << (3 * (3 - (rate >> 6) as u32));
    let delta = (from as f64 - to as f64).abs();
    if delta == 0.0 {
        0.0
    } else if r == 0 {
        100.0
    } else {
        delta * 8192.0 / (44_100.0 * r as f64)
    }
}

/// dB per GUS envelope offset step.
const DB_PER_STEP: f64 = 6.0206 / 16.0;

/// An SF2 generator: operator and amount.
type Gen = (u16, [u8; 2]);

fn gen_i16(op: u16, v: i16) -> Gen {
    (op, v.to_le_bytes())
}

/// The volume envelope of a wave as SF2 generators (attenuation, attack, decay, sustain,
/// release), following the module doc.
fn envelope(w: &GusWave, drum: bool) -> Vec<Gen> {
    let looping = w.modes & MODE_LOOP != 0;
    if drum || !looping || w.modes & MODE_ENVELOPE == 0 {
        // played to the end of the wave, as TiMidity does without an envelope
        let length = w.data.len() as f64 / w.rate as f64;
        return vec![gen_i16(38, timecents(length))];
    }
    let (r, o) = (w.env_rates, w.env_offsets);
    let t = |i: usize, from: u8| stage_seconds(r[i], from, o[i]);
    let attack = t(0, 0);
    let peak = o[0].max(1);
    let db = |a: u8, b: u8| (a as f64 - b as f64).max(0.0) * DB_PER_STEP;
    let per_100db = |secs: f64, span_db: f64| if span_db > 0.1 { secs * 100.0 / span_db } else { 0.0 };
    // looped waves always sustain at stage 2 (TiMidity sets the sustain bit on them)
    let (sustain_level, decay_secs) = (o[2], t(1, o[0]) + t(2, o[1]));
    let release_secs = t(3, sustain_level) + t(4, o[3]) + t(5, o[4]);
    let mut g = Vec::new();
    // rustysynth (like the EMU8000) applies 0.4 × initialAttenuation: divide by 0.4
    let attenuation = ((255 - peak as i32) as f64 * DB_PER_STEP * 10.0 / 0.4).round().min(1440.0) as i16;
    if attenuation > 0 {
        g.push(gen_i16(48, attenuation));
    }
    g.push(gen_i16(34, timecents(attack)));
    g.push(gen_i16(36, timecents(per_100db(decay_secs, db(peak, sustain_level)))));
    g.push(gen_i16(37, (db(peak, sustain_level) * 10.0).round().min(1440.0) as i16));
    g.push(gen_i16(38, timecents(per_100db(release_secs, db(sustain_level, o[5]).max(60.0)))));
    g
}

fn freq_of_key(key: u8) -> f64 {
    440.0 * 2f64.powf((key as f64 - 69.0) / 12.0)
}

/// The wave TiMidity plays for a frequency: the first whose range holds it, else the one
/// whose root is nearest (in cents).
fn wave_for(waves: &[GusWave], hz: f64) -> usize {
    let mhz = hz * 1000.0;
    waves.iter().position(|w| w.low_mhz as f64 <= mhz && mhz <= w.high_mhz as f64).unwrap_or_else(|| {
        let dist = |w: &GusWave| (mhz / w.root_mhz as f64).log2().abs();
        (0..waves.len()).min_by(|&a, &b| dist(&waves[a]).total_cmp(&dist(&waves[b]))).unwrap_or(0)
    })
}

/// The root key, coarse tune (semitones) and fine tune (cents) that make a wave sound at
/// its root frequency; the coarse tune carries what a root outside keys 0–127 leaves over.
fn root_key(w: &GusWave) -> (i16, i16, i16) {
    let key = 69.0 + 12.0 * (w.root_mhz as f64 / 440_000.0).log2();
    let k = key.round();
    let root = k.clamp(0.0, 127.0);
    (root as i16, (root - k).clamp(-120.0, 120.0) as i16, ((k - key) * 100.0).round() as i16)
}

/// An SF2 file being assembled.
#[derive(Default)]
struct Sf2Builder {
    pcm: Vec<i16>,
    shdr: Vec<u8>,
    n_samples: usize,
    insts: Vec<(String, Vec<Vec<Gen>>)>,
    presets: Vec<(String, u16, u16, usize)>,
}

fn name20(s: &str) -> [u8; 20] {
    let mut b = [0u8; 20];
    for (d, c) in b.iter_mut().zip(s.bytes().filter(u8::is_ascii).take(19)) {
        *d = c;
    }
    b
}

impl Sf2Builder {
    /// Adds a wave's PCM (46 zero frames after it) and its header; returns its index.
    fn add_sample(&mut self, name: &str, w: &GusWave) -> u16 {
        if self.pcm.is_empty() {
            // rustysynth takes sample data that starts with "OggS" for SF3 and refuses it
            self.pcm.resize(46, 0);
        }
        let base = self.pcm.len() as u32;
        self.pcm.extend_from_slice(&w.data);
        self.pcm.extend(std::iter::repeat_n(0i16, 46));
        self.shdr.extend_from_slice(&name20(name));
        for v in [base, base + w.data.len() as u32, base + w.loop_start as u32, base + w.loop_end as u32, w.rate] {
            self.shdr.extend_from_slice(&v.to_le_bytes());
        }
        self.shdr.extend_from_slice(&[60, 0, 0, 0, 1, 0]); // original pitch, correction, link, mono
        self.n_samples += 1;
        (self.n_samples - 1) as u16
    }

    fn bytes(mut self) -> std::result::Result<Vec<u8>, String> {
        // every index of an SF2 file is 16-bit
        let (bags, gens) = (self.insts.iter().map(|i| i.1.len()).sum::<usize>(), self.insts.iter().flat_map(|i| &i.1).map(Vec::len).sum::<usize>());
        let most = [("samples", self.n_samples), ("instrument zones", bags), ("generators", gens), ("presets", self.presets.len())]
            .into_iter()
            .max_by_key(|m| m.1)
            .expect("four counts");
        if most.1 >= u16::MAX as usize {
            return Err(format!("too many {} ({}) for one SoundFont (at most 65534)", most.0, most.1));
        }
        self.shdr.extend_from_slice(&name20("EOS"));
        self.shdr.extend_from_slice(&[0u8; 26]);
        let (mut inst, mut ibag, mut igen) = (Vec::new(), Vec::new(), Vec::new());
        let (mut nbag, mut ngen) = (0u16, 0u16);
        for (name, zones) in &self.insts {
            inst.extend_from_slice(&name20(name));
            inst.extend_from_slice(&nbag.to_le_bytes());
            for z in zones {
                ibag.extend_from_slice(&ngen.to_le_bytes());
                ibag.extend_from_slice(&0u16.to_le_bytes());
                for (op, amount) in z {
                    igen.extend_from_slice(&op.to_le_bytes());
                    igen.extend_from_slice(amount);
                }
                nbag += 1;
                ngen += z.len() as u16;
            }
        }
        inst.extend_from_slice(&name20("EOI"));
        inst.extend_from_slice(&nbag.to_le_bytes());
        ibag.extend_from_slice(&ngen.to_le_bytes());
        ibag.extend_from_slice(&0u16.to_le_bytes());
        igen.extend_from_slice(&[0u8; 4]);
        let (mut phdr, mut pbag, mut pgen) = (Vec::new(), Vec::new(), Vec::new());
        self.presets.sort_by_key(|p| (p.1, p.2));
        for (i, (name, bank, program, inst_index)) in self.presets.iter().enumerate() {
            phdr.extend_from_slice(&name20(name));
            phdr.extend_from_slice(&program.to_le_bytes());
            phdr.extend_from_slice(&bank.to_le_bytes());
            phdr.extend_from_slice(&(i as u16).to_le_bytes());
            phdr.extend_from_slice(&[0u8; 12]);
            pbag.extend_from_slice(&(i as u16).to_le_bytes());
            pbag.extend_from_slice(&0u16.to_le_bytes());
            pgen.extend_from_slice(&41u16.to_le_bytes()); // instrument
            pgen.extend_from_slice(&(*inst_index as u16).to_le_bytes());
        }
        let n = self.presets.len() as u16;
        phdr.extend_from_slice(&name20("EOP"));
        phdr.extend_from_slice(&[0u8; 4]);
        phdr.extend_from_slice(&n.to_le_bytes());
        phdr.extend_from_slice(&[0u8; 12]);
        pbag.extend_from_slice(&n.to_le_bytes());
        pbag.extend_from_slice(&0u16.to_le_bytes());
        pgen.extend_from_slice(&[0u8; 4]);

        let mut info = b"INFO".to_vec();
        put_chunk(&mut info, b"ifil", &[2, 0, 1, 0]);
        put_chunk(&mut info, b"isng", b"EMU8000\0");
        put_chunk(&mut info, b"INAM", b"GUS patches (Reprise)\0");
        let mut sdta = b"sdta".to_vec();
        let raw: Vec<u8> = self.pcm.iter().flat_map(|s| s.to_le_bytes()).collect();
        put_chunk(&mut sdta, b"smpl", &raw);
        let mut pdta = b"pdta".to_vec();
        for (id, data) in [
            (b"phdr", &phdr),
            (b"pbag", &pbag),
            (b"pmod", &vec![0u8; 10]),
            (b"pgen", &pgen),
            (b"inst", &inst),
            (b"ibag", &ibag),
            (b"imod", &vec![0u8; 10]),
            (b"igen", &igen),
            (b"shdr", &self.shdr),
        ] {
            put_chunk(&mut pdta, id, data);
        }
        let mut body = b"sfbk".to_vec();
        for list in [info, sdta, pdta] {
            put_chunk(&mut body, b"LIST", &list);
        }
        let mut out = b"RIFF".to_vec();
        out.extend_from_slice(&(body.len() as u32).to_le_bytes());
        out.extend_from_slice(&body);
        Ok(out)
    }
}

/// The zone generators of one wave for keys `lo..=hi`; a drum note plays the wave at its
/// recorded pitch.
fn zone(lo: u8, hi: u8, w: &GusWave, sample: u16, drum: bool) -> Vec<Gen> {
    let mut z = vec![(43, [lo, hi])];
    z.extend(envelope(w, drum));
    if !drum && w.modes & MODE_LOOP != 0 {
        // with an envelope the loop runs through the release; without, only while held
        z.push(gen_i16(54, if w.modes & MODE_ENVELOPE != 0 { 1 } else { 3 }));
    }
    let (root, coarse, fine) = root_key(w);
    z.push(gen_i16(58, root));
    if coarse != 0 {
        z.push(gen_i16(51, coarse));
    }
    if fine != 0 {
        z.push(gen_i16(52, fine));
    }
    if !drum && w.scale_factor != 1024 && w.scale_factor <= 2048 {
        z.push(gen_i16(56, (w.scale_factor as f64 * 100.0 / 1024.0).round() as i16));
    }
    z.push((53, sample.to_le_bytes()));
    z
}

/// Converts a TiMidity configuration and the GUS patches it lists to SF2 bytes: a preset
/// per tone-bank program (bank N) and per drum set (bank 128).
pub fn config_to_sf2(path: &Path) -> Result<Vec<u8>> {
    let entries = read_config(path)?;
    if entries.is_empty() {
        return Err(DataError::SoundFont { path: path.to_owned(), reason: "the configuration lists no patch".into() });
    }
    let mut patches: BTreeMap<&Path, GusPatch> = BTreeMap::new();
    for e in &entries {
        if !patches.contains_key(e.path.as_path()) {
            patches.insert(&e.path, read_patch(&e.path)?);
        }
    }
    let slots: Vec<PatchSlot> = entries
        .iter()
        .map(|e| PatchSlot {
            bank: e.bank,
            program: e.program,
            drum_note: e.drum_note,
            name: e.path.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_default(),
            patch: &patches[e.path.as_path()],
        })
        .collect();
    patches_to_sf2(&slots).map_err(|reason| DataError::SoundFont { path: path.to_owned(), reason })
}

/// Where a patch goes in the SoundFont built by [`patches_to_sf2`].
pub struct PatchSlot<'a> {
    /// SF2 bank (128 for a drum set).
    pub bank: u16,
    /// Program, or drum set number.
    pub program: u8,
    /// For a drum set: the note the patch plays.
    pub drum_note: Option<u8>,
    /// A name for the instrument and its samples.
    pub name: String,
    /// The patch; slots that share one patch share its samples.
    pub patch: &'a GusPatch,
}

/// SF2 bytes from parsed patches. A later slot for the same (bank, program), or the same
/// drum set and note, replaces an earlier one, as in TiMidity. Errors when the result
/// would exceed SF2's 16-bit indices.
pub fn patches_to_sf2(slots: &[PatchSlot<'_>]) -> std::result::Result<Vec<u8>, String> {
    let mut sf = Sf2Builder::default();
    // the first sample index of each patch, by address
    let mut first_sample: BTreeMap<*const GusPatch, u16> = BTreeMap::new();
    // drum set → note → zone
    let mut drums: BTreeMap<u8, BTreeMap<u8, Vec<Gen>>> = BTreeMap::new();
    for slot in slots {
        let patch = slot.patch;
        let first = match first_sample.get(&(patch as *const GusPatch)) {
            Some(&f) => f,
            None => {
                if sf.n_samples + patch.waves.len() >= u16::MAX as usize {
                    return Err(format!("too many waves (over {}) for one SoundFont", sf.n_samples + patch.waves.len()));
                }
                let f = sf.n_samples as u16;
                for (i, w) in patch.waves.iter().enumerate() {
                    sf.add_sample(&format!("{}{i}", slot.name.chars().take(16).collect::<String>()), w);
                }
                first_sample.insert(patch as *const GusPatch, f);
                f
            }
        };
        match slot.drum_note {
            Some(note) => {
                let i = wave_for(&patch.waves, freq_of_key(note));
                drums.entry(slot.program).or_default().insert(note, zone(note, note, &patch.waves[i], first + i as u16, true));
            }
            None => {
                // one zone per run of keys that play the same wave
                let wave_of: Vec<usize> = (0..=127u8).map(|key| wave_for(&patch.waves, freq_of_key(key))).collect();
                let mut zones = Vec::new();
                let mut lo = 0usize;
                for key in 0..128usize {
                    if key == 127 || wave_of[key + 1] != wave_of[key] {
                        let i = wave_of[key];
                        zones.push(zone(lo as u8, key as u8, &patch.waves[i], first + i as u16, false));
                        lo = key + 1;
                    }
                }
                sf.presets.retain(|p| (p.1, p.2) != (slot.bank, slot.program as u16));
                sf.presets.push((crate::classes::gm_name(slot.program).to_string(), slot.bank, slot.program as u16, sf.insts.len()));
                sf.insts.push((slot.name.clone(), zones));
            }
        }
    }
    for (set, zones) in drums {
        sf.presets.push((format!("drum set {set}"), 128, set as u16, sf.insts.len()));
        sf.insts.push((format!("drums {set}"), zones.into_values().collect()));
    }
    sf.bytes()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A one-wave patch: a sine at `root_hz`, 8-bit unsigned or 16-bit signed, looped.
    pub(crate) fn sine_patch(root_hz: f64, wide: bool) -> Vec<u8> {
        let rate = 22_050u32;
        let n = 2 * rate as usize;
        let period = rate as f64 / root_hz;
        let x: Vec<f64> = (0..n).map(|i| (2.0 * std::f64::consts::PI * i as f64 / period).sin() * 0.5).collect();
        let mut data = Vec::new();
        for v in &x {
            if wide {
                data.extend_from_slice(&((v * 32767.0) as i16).to_le_bytes());
            } else {
                data.push(((v * 127.0) as i8 as u8) ^ 0x80);
            }
        }
        let bytes_per = if wide { 2 } else { 1 };
        let mut out = Vec::new();
        out.extend_from_slice(b"GF1PATCH110\0ID#000002\0");
        out.extend_from_slice(&[0u8; 60]);
        out.extend_from_slice(&[1, 14, 0, 1, 0, 127, 0]);
        out.extend_from_slice(&((WAVE_HEADER + data.len()) as u32).to_le_bytes());
        out.extend_from_slice(&[0u8; 36]);
        let mut inst = vec![0u8; INSTRUMENT_HEADER];
        inst[2..6].copy_from_slice(b"sine");
        inst[22] = 1;
        out.extend_from_slice(&inst);
        let mut layer = vec![0u8; LAYER_HEADER];
        layer[6] = 1;
        out.extend_from_slice(&layer);
        let mut h = vec![0u8; WAVE_HEADER];
        h[..4].copy_from_slice(b"sine");
        h[8..12].copy_from_slice(&(data.len() as u32).to_le_bytes());
        let loop_start = (rate as f64 / root_hz * 100.0).round() as usize;
        h[12..16].copy_from_slice(&((loop_start * bytes_per) as u32).to_le_bytes());
        let periods = ((n - loop_start) as f64 / period).floor() - 1.0;
        let loop_end = loop_start + (periods * period).round() as usize;
        h[16..20].copy_from_slice(&((loop_end * bytes_per) as u32).to_le_bytes());
        h[20..22].copy_from_slice(&(rate as u16).to_le_bytes());
        h[22..26].copy_from_slice(&8_176u32.to_le_bytes());
        h[26..30].copy_from_slice(&12_543_854u32.to_le_bytes());
        h[30..34].copy_from_slice(&((root_hz * 1000.0) as u32).to_le_bytes());
        h[37..43].copy_from_slice(&[63, 63, 63, 141, 63, 63]);
        h[43..49].copy_from_slice(&[246, 246, 246, 0, 0, 0]);
        h[55] = MODE_LOOP | MODE_SUSTAIN | MODE_ENVELOPE | if wide { MODE_16BIT } else { MODE_UNSIGNED };
        h[58..60].copy_from_slice(&1024u16.to_le_bytes());
        out.extend_from_slice(&h);
        out.extend_from_slice(&data);
        out
    }

    #[test]
    fn patches_parse_in_both_sample_formats() {
        for wide in [false, true] {
            let p = parse_patch(&sine_patch(440.0, wide)).unwrap();
            assert_eq!(p.name, "sine");
            let w = &p.waves[0];
            assert_eq!(w.data.len(), 44_100);
            assert_eq!((w.rate, w.root_mhz), (22_050, 440_000));
            assert!(w.loop_start < w.loop_end && w.loop_end <= w.data.len());
            // the sine's peak is 0.5 of full scale in both formats, signed
            let peak = w.data.iter().map(|&v| v as i32).max().unwrap();
            let trough = w.data.iter().map(|&v| v as i32).min().unwrap();
            assert!((peak - 16_256).abs() < 300 && (trough + 16_256).abs() < 300, "{wide}: {peak} {trough}");
        }
    }

    #[test]
    fn damaged_patches_get_errors() {
        let good = sine_patch(440.0, true);
        assert!(parse_patch(b"").unwrap_err().contains("empty"));
        assert!(parse_patch(b"RIFF....sfbk").unwrap_err().contains("not a GUS patch"));
        for cut in [30, HEADER + 10, HEADER + INSTRUMENT_HEADER + LAYER_HEADER + 50, good.len() - 1] {
            let e = parse_patch(&good[..cut]).unwrap_err();
            assert!(e.contains("truncated"), "cut at {cut}: {e}");
        }
        let mut no_rate = good.clone();
        let h = HEADER + INSTRUMENT_HEADER + LAYER_HEADER;
        no_rate[h + 20] = 0;
        no_rate[h + 21] = 0;
        assert!(parse_patch(&no_rate).unwrap_err().contains("sample rate"));
        // a loop beyond the wave plays the wave once instead
        let mut bad_loop = good.clone();
        bad_loop[h + 16..h + 20].copy_from_slice(&u32::MAX.to_le_bytes());
        let w = &parse_patch(&bad_loop).unwrap().waves[0];
        assert_eq!(w.modes & MODE_LOOP, 0);
        // random byte flips never panic
        let mut rng = crate::rng::Rng::new(9);
        for _ in 0..300 {
            let mut b = good.clone();
            for _ in 0..6 {
                let at = rng.below(h + WAVE_HEADER + 8);
                b[at] = rng.next_u64() as u8;
            }
            let _ = parse_patch(&b);
        }
    }

    #[test]
    fn envelope_times_follow_timidity() {
        // rate 141 = range 2, value 13: r = 13 << 3 = 104; 246 steps take 246·8192/(44100·104) s
        let t = stage_seconds(141, 246, 0);
        assert!((t - 246.0 * 8192.0 / (44_100.0 * 104.0)).abs() < 1e-12, "{t}");
        // rate 63 (range 0) is all but instant; rate 0 never finishes
        assert!(stage_seconds(63, 0, 255) < 0.002);
        assert_eq!(stage_seconds(0, 0, 255), 100.0);
        assert_eq!(timecents(1.0), 0);
        assert_eq!(timecents(0.0), -12000);
        assert_eq!(timecents(2.0), 1200);
    }

    #[test]
    fn keys_pick_the_wave_whose_range_holds_them() {
        let mut p = parse_patch(&sine_patch(440.0, true)).unwrap();
        let mut w2 = p.waves[0].clone();
        p.waves[0].high_mhz = 500_000;
        w2.low_mhz = 500_001;
        w2.root_mhz = 880_000;
        p.waves.push(w2);
        assert_eq!(wave_for(&p.waves, 440.0), 0);
        assert_eq!(wave_for(&p.waves, 880.0), 1);
        // outside every range: the nearest root
        p.waves[0].low_mhz = 300_000;
        assert_eq!(wave_for(&p.waves, 100.0), 0);
        assert_eq!(root_key(&p.waves[1]), (81, 0, 0));
        let mut off = p.waves[1].clone();
        off.root_mhz = 445_000; // +19.6 cents above A4: root key 69, fine tune −20 cents
        assert_eq!(root_key(&off), (69, 0, -20));
        off.root_mhz = 20_000_000; // key 135.08: root 127, coarse −8 semitones, fine −8 cents
        assert_eq!(root_key(&off), (127, -8, -8));
    }

    /// Frequency from the mean period between rising zero crossings (a pure tone).
    fn tone_hz(x: &[f32], sr: f64) -> f64 {
        let ups: Vec<usize> = (1..x.len()).filter(|&i| x[i - 1] < 0.0 && x[i] >= 0.0).collect();
        (ups.len() - 1) as f64 * sr / (ups[ups.len() - 1] - ups[0]) as f64
    }

    #[test]
    fn a_configuration_becomes_a_playable_soundfont() {
        use crate::soundfont::{SynthEvent, SynthEventKind::*};
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("tones")).unwrap();
        std::fs::write(dir.path().join("tones/sine.pat"), sine_patch(440.0, true)).unwrap();
        std::fs::write(dir.path().join("tones/byte.pat"), sine_patch(220.0, false)).unwrap();
        let cfg = dir.path().join("mine.cfg");
        std::fs::write(&cfg, "# test\ndir tones\nbank 0\n 40 sine amp=100\n 71 byte.pat # 8-bit\ndrumset 0\n 36 sine\nopt -EFreverb=0\n").unwrap();
        let font = crate::SoundFontFile::open(&cfg, None).unwrap();
        assert_eq!(font.family, "mine");
        let names: Vec<(u16, u8)> = font.presets().iter().map(|p| (p.bank, p.program)).collect();
        assert_eq!(names, [(0, 40), (0, 71), (128, 0)]);
        for (program, key) in [(40u8, 69u8), (40, 81), (40, 57), (71, 62)] {
            let ev = [
                SynthEvent { time_s: 0.0, channel: 0, kind: Program(program) },
                SynthEvent { time_s: 0.0, channel: 0, kind: NoteOn { key, velocity: 100 } },
                SynthEvent { time_s: 1.5, channel: 0, kind: NoteOff { key } },
            ];
            let x = font.render_events(&ev, 2.5, 44_100).unwrap();
            // held past the loop start: the loop keeps the tone going at the key's pitch
            let held = &x[22_050..63_000];
            let f = tone_hz(held, 44_100.0);
            let want = 440.0 * 2f64.powf((key as f64 - 69.0) / 12.0);
            assert!((1200.0 * (f / want).log2()).abs() < 5.0, "program {program} key {key}: {f} Hz, want {want}");
            let rms = |s: &[f32]| (s.iter().map(|v| v * v).sum::<f32>() / s.len() as f32).sqrt();
            assert!(rms(held) > 0.02, "program {program} key {key}: rms {}", rms(held));
            // released: the 0.44 s release of the envelope has faded it by the end
            assert!(rms(&x[x.len() - 4410..]) < 0.02 * rms(held), "program {program} key {key} does not fade");
        }
        // a drum note plays its wave pitched to the note (TiMidity's note_to_use), unlooped:
        // the 2-s wave pitched from A4 down to C2 (×0.149) lasts 13.5 s, so it still sounds
        let ev = [
            SynthEvent { time_s: 0.0, channel: 9, kind: NoteOn { key: 36, velocity: 100 } },
            SynthEvent { time_s: 1.5, channel: 9, kind: NoteOff { key: 36 } },
        ];
        let x = font.render_events(&ev, 1.5, 44_100).unwrap();
        let f = tone_hz(&x[22_050..], 44_100.0);
        assert!((1200.0 * (f / freq_of_key(36)).log2()).abs() < 5.0, "drum note 36: {f} Hz");
    }

    #[test]
    fn a_wave_that_starts_like_ogg_still_loads() {
        // found by fuzzing: rustysynth refuses sample data that begins with "OggS"
        let mut bytes = sine_patch(440.0, true);
        let data = HEADER + INSTRUMENT_HEADER + LAYER_HEADER + WAVE_HEADER;
        bytes[data..data + 4].copy_from_slice(b"OggS");
        let patch = parse_patch(&bytes).unwrap();
        let sf2 = patches_to_sf2(&[PatchSlot { bank: 0, program: 0, drum_note: None, name: "ogg".into(), patch: &patch }]).unwrap();
        let font = crate::SoundFontFile::from_bytes(&sf2, "ogg.sf2", None).unwrap();
        assert!(!font.was_sf3);
        assert_eq!(font.presets().len(), 1);
    }

    #[test]
    fn bad_configurations_name_the_file_and_line() {
        let dir = tempfile::tempdir().unwrap();
        let open = |name: &str, text: &str| {
            let p = dir.path().join(name);
            std::fs::write(&p, text).unwrap();
            crate::SoundFontFile::open(&p, None).err().expect("must fail").to_string()
        };
        let e = open("empty.cfg", "");
        assert!(e.contains("empty.cfg") && e.contains("empty"), "{e}");
        let e = open("nopatch.cfg", "bank 0\n 0 missing_piano\n");
        assert!(e.contains("nopatch.cfg") && e.contains("line 2") && e.contains("missing_piano"), "{e}");
        let e = open("bank.cfg", "bank 300\n");
        assert!(e.contains("line 1") && e.contains("0 to 127"), "{e}");
        let e = open("none.cfg", "# nothing\n");
        assert!(e.contains("lists no patch"), "{e}");
        let e = open("loop.cfg", "source loop.cfg\n");
        assert!(e.contains("nests"), "{e}");
        std::fs::write(dir.path().join("cut.pat"), &sine_patch(440.0, true)[..500]).unwrap();
        let e = open("cut.cfg", "0 cut\n");
        assert!(e.contains("cut.pat") && e.contains("truncated"), "{e}");
        let e = crate::SoundFontFile::open(dir.path().join("cut.pat"), None).err().unwrap().to_string();
        assert!(e.contains("TiMidity configuration"), "{e}");
    }
}
