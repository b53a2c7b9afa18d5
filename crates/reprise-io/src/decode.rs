//! Decoding with symphonia: WAV (8/16/24/32-bit integer, 32/64-bit float), FLAC,
//! MP3 and Ogg Vorbis, mixed to mono and resampled while streaming.

use crate::error::{IoError, Result};
use reprise_core::Signal;
use reprise_dsp::resample::StreamResampler;
use serde::{Deserialize, Serialize};
use std::fs::File;
use std::path::{Path, PathBuf};
use symphonia::core::audio::SampleBuffer;
use symphonia::core::codecs::{Decoder, DecoderOptions, CODEC_TYPE_NULL};
use symphonia::core::errors::Error as SymError;
use symphonia::core::formats::{FormatOptions, FormatReader};
use symphonia::core::io::MediaSourceStream;
use symphonia::core::meta::MetadataOptions;
use symphonia::core::probe::Hint;

/// File extensions Reprise treats as audio when scanning folders.
pub const AUDIO_EXTENSIONS: &[&str] = &["wav", "wave", "flac", "mp3", "ogg", "oga"];

/// What a file holds, read from its header.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AudioInfo {
    /// The file.
    pub path: PathBuf,
    /// Container, from the file extension and probe (`wav`, `flac`, `mp3`, `ogg`).
    pub container: String,
    /// Codec short name as symphonia reports it (`pcm_s16le`, `flac`, `mp3`, `vorbis`).
    pub codec: String,
    /// Number of channels.
    pub channels: usize,
    /// Native sample rate in Hz.
    pub sample_rate: u32,
    /// Bits per sample, where the format declares it.
    pub bits_per_sample: Option<u32>,
    /// Frames (samples per channel) declared by the header, if any.
    pub n_frames: Option<u64>,
}

impl AudioInfo {
    /// PCM or FLAC: every declared frame must decode.
    pub fn is_lossless(&self) -> bool {
        self.codec.starts_with("pcm") || self.codec == "flac"
    }

    /// Frames the header promises, if it promises a real number: a WAV written to a
    /// pipe (ffmpeg `-f wav -`) declares a data size of 0xFFFFFFFF, meaning "unknown".
    pub fn declared_frames(&self) -> Option<u64> {
        let n = self.n_frames?;
        if self.codec.starts_with("pcm") {
            let bytes_per_frame = (self.channels as u64) * (self.bits_per_sample.unwrap_or(16) as u64).div_ceil(8);
            if n.saturating_mul(bytes_per_frame.max(1)) >= 0xFFFF_0000 {
                return None;
            }
        }
        Some(n)
    }

    /// Duration in seconds from the header, if it declares a real length (see
    /// [`AudioInfo::declared_frames`]).
    pub fn duration_s(&self) -> Option<f64> {
        self.declared_frames().map(|n| n as f64 / self.sample_rate as f64)
    }
}

/// How to load audio; defaults are `librosa.load`'s (`sr=22050`, mono, whole file).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct LoadOptions {
    /// Target sample rate in Hz; `None` keeps the file's rate.
    pub sr: Option<u32>,
    /// Start reading at this time in seconds (default 0).
    pub offset_s: f64,
    /// Read at most this many seconds (default: to the end).
    pub duration_s: Option<f64>,
}

impl Default for LoadOptions {
    fn default() -> Self {
        Self { sr: Some(22050), offset_s: 0.0, duration_s: None }
    }
}

struct Opened {
    format: Box<dyn FormatReader>,
    decoder: Box<dyn Decoder>,
    track_id: u32,
    info: AudioInfo,
}

fn open(path: &Path) -> Result<Opened> {
    let meta = std::fs::metadata(path).map_err(|e| IoError::io(path, e))?;
    if meta.is_dir() {
        return Err(IoError::invalid(path, "is a directory, not an audio file"));
    }
    if meta.len() == 0 {
        return Err(IoError::EmptyFile { path: path.to_owned() });
    }
    let mut file = File::open(path).map_err(|e| IoError::io(path, e))?;
    check_headers(path, &mut file)?;
    let mss = MediaSourceStream::new(Box::new(file), Default::default());
    let mut hint = Hint::new();
    let ext = path.extension().and_then(|e| e.to_str()).unwrap_or("").to_ascii_lowercase();
    if !ext.is_empty() {
        hint.with_extension(&ext);
    }
    let probed = guarded(path, || {
        symphonia::default::get_probe()
            .format(&hint, mss, &FormatOptions { enable_gapless: true, ..Default::default() }, &MetadataOptions::default())
            .map_err(|e| unsupported(path, e))
    })?;
    let format = probed.format;
    // (an unrecognised file reaches EOF while symphonia looks for a stream: see `unsupported`)
    let track = format
        .tracks()
        .iter()
        .find(|t| t.codec_params.codec != CODEC_TYPE_NULL)
        .ok_or_else(|| IoError::UnsupportedFormat { path: path.to_owned(), reason: "no audio track".into() })?;
    let params = &track.codec_params;
    let codec = symphonia::default::get_codecs().get_codec(params.codec).map(|d| d.short_name.to_string()).unwrap_or_else(|| "unknown".into());
    let sample_rate = params.sample_rate.ok_or_else(|| IoError::Corrupt { path: path.to_owned(), reason: "no sample rate in header".into() })?;
    check_native_rate(path, sample_rate)?;
    let channels = params.channels.map(|c| c.count()).unwrap_or(1);
    let container = match codec.as_str() {
        c if c.starts_with("pcm") => "wav".to_string(),
        "flac" => "flac".into(),
        "mp3" | "mp2" | "mp1" => "mp3".into(),
        "vorbis" => "ogg".into(),
        _ => ext.clone(),
    };
    let info = AudioInfo {
        path: path.to_owned(),
        container,
        codec,
        channels,
        sample_rate,
        bits_per_sample: params.bits_per_sample,
        n_frames: params.n_frames,
    };
    let track_id = track.id;
    let decoder = guarded(path, || symphonia::default::get_codecs().make(params, &DecoderOptions::default()).map_err(|e| unsupported(path, e)))?;
    Ok(Opened { format, decoder, track_id, info })
}

thread_local! {
    /// Set while [`guarded`] runs symphonia on this thread: its panics are errors, not noise.
    static IN_DECODER: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// Runs symphonia code on a file, turning a panic into an error that names the file.
/// symphonia 0.5 panics on some damaged headers (a WAV sample rate of 0 found anywhere in
/// the stream, which fuzzing reached past our own header check); one bad file must never
/// bring down a batch. The panic message is kept off stderr: the error says it instead.
fn guarded<T>(path: &Path, f: impl FnOnce() -> Result<T>) -> Result<T> {
    static HOOK: std::sync::Once = std::sync::Once::new();
    HOOK.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            if !IN_DECODER.with(|d| d.get()) {
                previous(info)
            }
        }));
    });
    let was = IN_DECODER.with(|d| d.replace(true));
    let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(f));
    IN_DECODER.with(|d| d.set(was));
    r.unwrap_or_else(|p| {
        let why = p.downcast_ref::<&str>().map(|s| s.to_string()).or_else(|| p.downcast_ref::<String>().cloned()).unwrap_or_default();
        Err(IoError::Corrupt { path: path.to_owned(), reason: format!("the decoder failed on this file ({why})") })
    })
}

/// Lowest native sample rate accepted (Hz): below it a header is damaged, not audio.
pub const MIN_NATIVE_RATE: u32 = 1_000;

fn check_native_rate(path: &Path, sr: u32) -> Result<()> {
    if !(MIN_NATIVE_RATE..=crate::MAX_SAMPLE_RATE).contains(&sr) {
        return Err(IoError::Corrupt {
            path: path.to_owned(),
            reason: format!("the header's sample rate {sr} Hz is out of range ({MIN_NATIVE_RATE} to {} Hz)", crate::MAX_SAMPLE_RATE),
        });
    }
    Ok(())
}

/// symphonia's probe looks for a format's marker anywhere in a file's first MiB.
const PROBE_SEARCH: usize = 1 << 20;

/// Checks, before symphonia reads them, the headers it would trust blindly: a RIFF/WAVE
/// `fmt ` chunk (its WAV reader panics on a sample rate of 0; rates and channel counts no
/// audio has are refused), a FLAC file's comments and pictures (see [`check_flac_metadata`])
/// and an Ogg stream's comment header (see [`check_ogg_comments`]).
/// Like symphonia's probe, it looks at the first marker in the file's first MiB, wherever it
/// is: fuzzing found both problems behind a byte of junk. Other files pass.
fn check_headers(path: &Path, file: &mut File) -> Result<()> {
    use std::io::{Read, Seek, SeekFrom};
    let marker = |head: &[u8]| head.windows(4).position(|w| matches!(w, b"RIFF" | b"fLaC" | b"OggS" | b"ID3\x03" | b"ID3\x04" | b"ID3\x02"));
    // a real file has its marker at the start: read the first 64 KiB, and the rest of the
    // probe's MiB only when there is none in them
    let mut head = Vec::with_capacity(1 << 16);
    file.take(1 << 16).read_to_end(&mut head).map_err(|e| IoError::io(path, e))?;
    if marker(&head).is_none() && head.len() == 1 << 16 {
        file.take((PROBE_SEARCH + 12 - head.len()) as u64).read_to_end(&mut head).map_err(|e| IoError::io(path, e))?;
    }
    file.seek(SeekFrom::Start(0)).map_err(|e| IoError::io(path, e))?;
    let Some(base) = marker(&head) else { return Ok(()) };
    let base64 = base as u64;
    match &head[base..base + 4] {
        b"fLaC" => check_flac_metadata(path, file, base64 + 4)?,
        b"OggS" => check_ogg_comments(path, file, base64)?,
        b"RIFF" if head.get(base + 8..base + 12) == Some(b"WAVE") => {
            // walk the chunks (at most 64 of them) to `fmt `
            let mut at = base64 + 12;
            for _ in 0..64 {
                let mut ch = [0u8; 16];
                file.seek(SeekFrom::Start(at)).map_err(|e| IoError::io(path, e))?;
                let got = file.read(&mut ch).map_err(|e| IoError::io(path, e))?;
                if got < 8 {
                    break;
                }
                let size = u32::from_le_bytes([ch[4], ch[5], ch[6], ch[7]]) as u64;
                if &ch[..4] == b"fmt " {
                    if got < 16 {
                        return Err(IoError::Corrupt { path: path.to_owned(), reason: "the WAV file ends inside its fmt chunk".into() });
                    }
                    let channels = u16::from_le_bytes([ch[10], ch[11]]);
                    let sr = u32::from_le_bytes([ch[12], ch[13], ch[14], ch[15]]);
                    if channels == 0 {
                        return Err(IoError::Corrupt { path: path.to_owned(), reason: "the WAV header declares 0 channels".into() });
                    }
                    check_native_rate(path, sr)?;
                    break;
                }
                at += 8 + size + (size & 1);
            }
        }
        _ => {}
    }
    file.seek(SeekFrom::Start(0)).map_err(|e| IoError::io(path, e))?;
    Ok(())
}

/// What the first bytes of a file say it is, for messages.
fn sniff(path: &Path) -> Option<&'static str> {
    use std::io::Read;
    let mut b = [0u8; 12];
    let n = File::open(path).ok()?.read(&mut b).ok()?;
    let b = &b[..n];
    Some(match b {
        [b'R', b'I', b'F', b'F', _, _, _, _, b'W', b'A', b'V', b'E', ..] => "WAV",
        [b'f', b'L', b'a', b'C', ..] => "FLAC",
        [b'O', b'g', b'g', b'S', ..] => "Ogg",
        [b'I', b'D', b'3', ..] => "MP3",
        [0xFF, x, ..] if x & 0xE0 == 0xE0 => "MP3",
        [b'F', b'O', b'R', b'M', _, _, _, _, b'A', b'I', b'F', ..] => "AIFF",
        _ => return None,
    })
}

/// Walks a FLAC file's metadata blocks and checks that every Vorbis comment and every field
/// of a picture fits in its block: symphonia allocates each declared length (up to 4 GiB)
/// before reading it, which fuzzing found; Linux's overcommit hides it, a strict allocator
/// would abort.
fn check_flac_metadata(path: &Path, file: &mut File, first_block: u64) -> Result<()> {
    use std::io::{Read, Seek, SeekFrom};
    let damaged = |reason: String| IoError::Corrupt { path: path.to_owned(), reason: format!("damaged FLAC metadata: {reason}") };
    let mut at = first_block;
    for _ in 0..128 {
        let mut h = [0u8; 4];
        file.seek(SeekFrom::Start(at)).map_err(|e| IoError::io(path, e))?;
        if file.read(&mut h).map_err(|e| IoError::io(path, e))? < 4 {
            break;
        }
        let (last, kind) = (h[0] & 0x80 != 0, h[0] & 0x7F);
        let len = u32::from_be_bytes([0, h[1], h[2], h[3]]) as usize;
        if kind == 4 || kind == 6 {
            let mut block = Vec::with_capacity(len);
            file.take(len as u64).read_to_end(&mut block).map_err(|e| IoError::io(path, e))?;
            if kind == 4 {
                check_flac_comments(&block).map_err(damaged)?;
            } else {
                check_flac_picture(&block).map_err(damaged)?;
            }
        }
        if last {
            break;
        }
        at += 4 + len as u64;
    }
    Ok(())
}

/// Most bytes of an Ogg comment header that are read to check it (a header with a large
/// cover picture inside is checked if it fits).
const MAX_OGG_COMMENT: usize = 64 << 20;

/// Reassembles the second packet of the first Ogg stream (the comment header of Vorbis
/// and Opus) from its pages and checks that every comment fits in it, as for FLAC:
/// symphonia allocates each declared comment length (up to 4 GiB) before reading it.
fn check_ogg_comments(path: &Path, file: &mut File, first_page: u64) -> Result<()> {
    use std::io::{Read, Seek, SeekFrom};
    let mut at = first_page;
    let mut serial = None;
    let mut packets: Vec<Vec<u8>> = vec![vec![]];
    for _ in 0..4096 {
        let mut h = [0u8; 27];
        file.seek(SeekFrom::Start(at)).map_err(|e| IoError::io(path, e))?;
        if file.read(&mut h).map_err(|e| IoError::io(path, e))? < 27 || &h[..4] != b"OggS" {
            return Ok(());
        }
        let mut lacing = vec![0u8; h[26] as usize];
        if file.read(&mut lacing).map_err(|e| IoError::io(path, e))? < lacing.len() {
            return Ok(());
        }
        let body: usize = lacing.iter().map(|&l| l as usize).sum();
        at += 27 + lacing.len() as u64 + body as u64;
        let s = u32::from_le_bytes([h[14], h[15], h[16], h[17]]);
        if *serial.get_or_insert(s) != s {
            continue;
        }
        let mut data = Vec::with_capacity(body);
        file.take(body as u64).read_to_end(&mut data).map_err(|e| IoError::io(path, e))?;
        let mut off = 0;
        for &l in &lacing {
            let piece = data.get(off..off + l as usize).unwrap_or(&[]);
            packets.last_mut().expect("one open packet").extend_from_slice(piece);
            off += l as usize;
            if l < 255 {
                if packets.len() == 2 {
                    let p = &packets[1];
                    let comments = if p.starts_with(b"\x03vorbis") {
                        Some(&p[7..])
                    } else if p.starts_with(b"OpusTags") {
                        Some(&p[8..])
                    } else {
                        None
                    };
                    if let Some(c) = comments {
                        check_flac_comments(c)
                            .map_err(|r| IoError::Corrupt { path: path.to_owned(), reason: format!("damaged Ogg comment header: {r}") })?;
                    }
                    return Ok(());
                }
                packets.push(vec![]);
            }
        }
        if packets.iter().map(Vec::len).sum::<usize>() > MAX_OGG_COMMENT || data.len() < body {
            return Ok(());
        }
    }
    Ok(())
}

/// A Vorbis comment block (FLAC's VORBIS_COMMENT, Ogg's comment header): little-endian lengths of the vendor string and each comment.
fn check_flac_comments(block: &[u8]) -> std::result::Result<(), String> {
    let len = block.len();
    let u32_at = |i: usize| block.get(i..i + 4).map(|b| u32::from_le_bytes([b[0], b[1], b[2], b[3]]) as usize);
    let vendor = u32_at(0).ok_or("a comment block too short for its vendor string")?;
    let mut i = 4usize.saturating_add(vendor);
    let n = u32_at(i).ok_or_else(|| format!("a vendor string of {vendor} bytes in a comment block of {len}"))?;
    i += 4;
    for k in 0..n {
        let c = u32_at(i).ok_or_else(|| format!("comment {k} of {n} lies past its block of {len} bytes"))?;
        i = i.saturating_add(4).saturating_add(c);
        if i > len {
            return Err(format!("comment {k} claims {c} bytes in a block of {len}"));
        }
    }
    Ok(())
}

/// A PICTURE block: big-endian lengths of the MIME type, the description and the data.
fn check_flac_picture(block: &[u8]) -> std::result::Result<(), String> {
    let len = block.len();
    let u32_at = |i: usize| block.get(i..i + 4).map(|b| u32::from_be_bytes([b[0], b[1], b[2], b[3]]) as usize);
    let mut i = 4usize;
    for what in ["MIME type", "description"] {
        let n = u32_at(i).ok_or_else(|| format!("a picture block of {len} bytes ends before its {what}"))?;
        i = i.saturating_add(4).saturating_add(n);
        if i > len {
            return Err(format!("a picture's {what} claims {n} bytes in a block of {len}"));
        }
    }
    let data = u32_at(i + 16).ok_or_else(|| format!("a picture block of {len} bytes ends before its data"))?;
    if (i + 20).saturating_add(data) > len {
        return Err(format!("a picture claims {data} bytes in a block of {len}"));
    }
    Ok(())
}

fn unsupported(path: &Path, e: SymError) -> IoError {
    match e {
        SymError::IoError(io) if io.kind() == std::io::ErrorKind::UnexpectedEof => {
            let reason = match sniff(path) {
                Some("AIFF") => "AIFF is not read; convert it to WAV or FLAC".to_string(),
                Some(kind) => format!("{} {kind} file that ends early: truncated or damaged", if kind == "Ogg" { "an" } else { "a" }),
                None => "no WAV, FLAC, MP3 or Ogg Vorbis stream found in it".to_string(),
            };
            IoError::UnsupportedFormat { path: path.to_owned(), reason }
        }
        SymError::IoError(io) => IoError::io(path, io),
        SymError::Unsupported(what) => IoError::UnsupportedFormat { path: path.to_owned(), reason: format!("unsupported {what}") },
        other => IoError::UnsupportedFormat { path: path.to_owned(), reason: other.to_string() },
    }
}

/// Reads a file's header: format, channels, sample rate, length.
pub fn probe(path: impl AsRef<Path>) -> Result<AudioInfo> {
    Ok(open(path.as_ref())?.info)
}

/// A decoder that yields the file as mono chunks at the requested sample rate, so
/// that long files are processed in bounded memory.
pub struct AudioStream {
    opened: Opened,
    sr_out: u32,
    resampler: Option<StreamResampler>,
    skip: u64,
    remaining: Option<u64>,
    decoded: u64,
    emitted: u64,
    sample_buf: Option<SampleBuffer<f32>>,
    finished: bool,
    skipped_packets: usize,
    warnings: Vec<String>,
}

/// More undecodable packets than this in a lossy file make it corrupt, not damaged.
const MAX_SKIPPED_PACKETS: usize = 16;

impl AudioStream {
    /// Opens `path` for streaming with `options`.
    pub fn open(path: impl AsRef<Path>, options: &LoadOptions) -> Result<Self> {
        let path = path.as_ref();
        let opened = open(path)?;
        let sr_native = opened.info.sample_rate;
        if !(options.offset_s >= 0.0 && options.offset_s.is_finite()) {
            return Err(IoError::invalid(path, format!("offset {} s must be ≥ 0", options.offset_s)));
        }
        if let Some(d) = options.duration_s {
            if !(d > 0.0 && d.is_finite()) {
                return Err(IoError::invalid(path, format!("duration {d} s must be > 0")));
            }
        }
        let sr_out = options.sr.unwrap_or(sr_native);
        if sr_out == 0 || sr_out > crate::MAX_SAMPLE_RATE {
            return Err(IoError::invalid(path, format!("target sample rate {sr_out} Hz is out of range (1..={})", crate::MAX_SAMPLE_RATE)));
        }
        let resampler = if sr_out != sr_native {
            Some(StreamResampler::new(sr_native, sr_out).map_err(|e| IoError::invalid(path, e.to_string()))?)
        } else {
            None
        };
        // librosa: start = int(offset · sr_native), frames = int(duration · sr_native)
        let skip = (options.offset_s * sr_native as f64) as u64;
        if let Some(n) = opened.info.n_frames {
            if skip > 0 && skip >= n {
                return Err(IoError::invalid(
                    path,
                    format!("offset {} s is past the end of the file ({:.3} s)", options.offset_s, n as f64 / sr_native as f64),
                ));
            }
        }
        let remaining = options.duration_s.map(|d| (d * sr_native as f64) as u64);
        Ok(Self {
            opened,
            sr_out,
            resampler,
            skip,
            remaining,
            decoded: 0,
            emitted: 0,
            sample_buf: None,
            finished: false,
            skipped_packets: 0,
            warnings: Vec::new(),
        })
    }

    /// Header information.
    pub fn info(&self) -> &AudioInfo {
        &self.opened.info
    }

    /// Sample rate of the chunks this stream yields.
    pub fn sr(&self) -> u32 {
        self.sr_out
    }

    /// Conditions worth reporting that did not stop decoding (skipped damaged packets).
    pub fn warnings(&self) -> &[String] {
        &self.warnings
    }

    /// Output samples yielded so far.
    pub fn samples_emitted(&self) -> u64 {
        self.emitted
    }

    /// The next chunk of mono samples, or `None` at the end.
    pub fn next_chunk(&mut self) -> Result<Option<Vec<f32>>> {
        loop {
            if self.finished {
                return Ok(None);
            }
            match self.next_native()? {
                Some(mono) => {
                    let out = match &mut self.resampler {
                        Some(r) => r.push(&mono),
                        None => mono,
                    };
                    if !out.is_empty() {
                        self.emitted += out.len() as u64;
                        return Ok(Some(out));
                    }
                }
                None => {
                    self.finished = true;
                    let out = self.resampler.take().map(|r| r.finish()).unwrap_or_default();
                    if out.is_empty() {
                        return Ok(None);
                    }
                    self.emitted += out.len() as u64;
                    return Ok(Some(out));
                }
            }
        }
    }

    /// Next mono chunk at the native rate, after offset and duration are applied.
    fn next_native(&mut self) -> Result<Option<Vec<f32>>> {
        let path = self.opened.info.path.clone();
        loop {
            if self.remaining == Some(0) {
                return Ok(None);
            }
            let format = &mut self.opened.format;
            let packet = match guarded(&path, || Ok(format.next_packet()))? {
                Ok(p) => p,
                Err(SymError::IoError(e)) if e.kind() == std::io::ErrorKind::UnexpectedEof => return self.end_of_stream(),
                Err(SymError::ResetRequired) => return self.end_of_stream(),
                Err(SymError::IoError(e)) => return Err(IoError::io(&path, e)),
                Err(e) => return Err(IoError::Corrupt { path, reason: e.to_string() }),
            };
            if packet.track_id() != self.opened.track_id {
                continue;
            }
            let decoder = &mut self.opened.decoder;
            let decoded = match guarded(&path, || Ok(decoder.decode(&packet)))? {
                Ok(d) => d,
                Err(SymError::IoError(e)) if e.kind() == std::io::ErrorKind::UnexpectedEof => return self.end_of_stream(),
                Err(SymError::DecodeError(e)) if !self.opened.info.is_lossless() && self.skipped_packets < MAX_SKIPPED_PACKETS => {
                    // a damaged MP3/Vorbis packet: skip it, as libmpg123 and libvorbis do
                    self.skipped_packets += 1;
                    let at = self.decoded as f64 / self.opened.info.sample_rate as f64;
                    if self.skipped_packets == 1 {
                        self.warnings.push(format!("skipped an undecodable packet at {at:.3} s ({e})"));
                    }
                    continue;
                }
                Err(e) => {
                    let at = self.decoded as f64 / self.opened.info.sample_rate as f64;
                    return Err(IoError::Corrupt { path, reason: format!("{e} (at {at:.3} s)") });
                }
            };
            let spec = *decoded.spec();
            let n_ch = spec.channels.count().max(1);
            let frames = decoded.frames();
            if frames == 0 {
                continue;
            }
            let need_cap = decoded.capacity() as u64;
            let buf = match &mut self.sample_buf {
                Some(b) if b.capacity() as u64 >= need_cap * n_ch as u64 => b,
                _ => {
                    self.sample_buf = Some(SampleBuffer::<f32>::new(need_cap, spec));
                    self.sample_buf.as_mut().expect("just set")
                }
            };
            buf.copy_interleaved_ref(decoded);
            let samples = &buf.samples()[..frames * n_ch];
            // mono mix-down as librosa.to_mono: mean over channels
            let mut mono: Vec<f32> =
                if n_ch == 1 { samples.to_vec() } else { samples.chunks_exact(n_ch).map(|f| f.iter().sum::<f32>() / n_ch as f32).collect() };
            let mut first_frame = self.decoded;
            self.decoded += frames as u64;
            if self.skip > 0 {
                let s = (self.skip as usize).min(mono.len());
                mono.drain(..s);
                self.skip -= s as u64;
                first_frame += s as u64;
            }
            if let Some(rem) = &mut self.remaining {
                if (mono.len() as u64) > *rem {
                    mono.truncate(*rem as usize);
                }
                *rem -= mono.len() as u64;
            }
            // only samples inside offset/duration matter, as in librosa
            if let Some(i) = mono.iter().position(|v| !v.is_finite()) {
                return Err(IoError::Signal {
                    path,
                    source: reprise_core::Error::NonFinite { what: "sample", index: first_frame as usize + i, value: mono[i] },
                });
            }
            if !mono.is_empty() {
                return Ok(Some(mono));
            }
        }
    }

    fn end_of_stream(&mut self) -> Result<Option<Vec<f32>>> {
        if !self.opened.info.is_lossless() {
            // a lossy stream just stops where a file was cut: look at its last frame or page
            let info = &self.opened.info;
            let cut = match info.codec.as_str() {
                "mp3" | "mp2" | "mp1" => tail::mp3_ends_cleanly(&info.path).map(|ok| (ok, "MP3 frame")),
                "vorbis" => tail::ogg_ends_cleanly(&info.path).map(|ok| (ok, "Ogg page marked as the last")),
                _ => None,
            };
            if let Some((false, what)) = cut {
                let at = self.decoded as f64 / info.sample_rate as f64;
                self.warnings.push(format!("the file does not end with a complete {what}: it looks truncated (decoded {at:.3} s)"));
            }
        }
        let info = &self.opened.info;
        if let Some(declared) = info.declared_frames() {
            // Lossless formats must deliver every declared frame; lossy ones may differ
            // by their encoder delay and padding.
            let short = if info.is_lossless() { self.decoded < declared } else { self.decoded + 4096 < declared.saturating_mul(9) / 10 };
            if short {
                return Err(IoError::Truncated { path: info.path.clone(), declared, decoded: self.decoded });
            }
        }
        if self.decoded == 0 {
            return Err(IoError::Corrupt { path: info.path.clone(), reason: "no audio frames could be decoded".into() });
        }
        if let (true, Some(n), None) = (info.codec.starts_with("pcm"), info.n_frames, info.declared_frames()) {
            // a data size near 4 GiB that the file does not hold: 0xFFFFFFFF is the
            // "unknown length" of a streamed WAV; anything else is a damaged header
            let bpf = (info.channels as u64) * (info.bits_per_sample.unwrap_or(16) as u64).div_ceil(8).max(1);
            if n.saturating_mul(bpf) <= 0xFFFF_FFFF - bpf && self.decoded < n {
                let sr = info.sample_rate as f64;
                self.warnings.push(format!(
                    "the WAV header declares {n} frames ({:.0} s) but the file holds {} ({:.3} s): damaged header, read what is there",
                    n as f64 / sr,
                    self.decoded,
                    self.decoded as f64 / sr
                ));
            }
        }
        Ok(None)
    }
}

/// `librosa.load`: decodes `path` to a mono signal at `options.sr`.
///
/// ```no_run
/// let sig = reprise_io::load("song.flac", &reprise_io::LoadOptions::default()).unwrap();
/// assert_eq!(sig.sr, 22050);
/// ```
pub fn load(path: impl AsRef<Path>, options: &LoadOptions) -> Result<Signal> {
    let mut stream = AudioStream::open(path, options)?;
    let mut samples = Vec::with_capacity(
        stream.info().n_frames.map(|n| (n as f64 * stream.sr() as f64 / stream.info().sample_rate as f64) as usize + 16).unwrap_or(0).min(1 << 28),
    );
    while let Some(c) = stream.next_chunk()? {
        samples.extend_from_slice(&c);
    }
    Ok(Signal { samples, sr: stream.sr() })
}

/// Whether a path has an audio extension Reprise reads.
pub fn is_audio_path(path: &Path) -> bool {
    path.extension().and_then(|e| e.to_str()).map(|e| AUDIO_EXTENSIONS.contains(&e.to_ascii_lowercase().as_str())).unwrap_or(false)
}

/// Whether a lossy file's last frame or page is whole: a file cut short (a partial download,
/// a full disk) ends in the middle of one, which the decoders cannot tell from a real end.
mod tail {
    use std::io::{Read, Seek, SeekFrom};
    use std::path::Path;

    fn last_bytes(path: &Path, n: u64) -> Option<Vec<u8>> {
        let mut f = std::fs::File::open(path).ok()?;
        let len = f.metadata().ok()?.len();
        f.seek(SeekFrom::Start(len.saturating_sub(n))).ok()?;
        let mut b = Vec::new();
        f.read_to_end(&mut b).ok()?;
        Some(b)
    }

    /// `Some(true)` when the last Ogg page is complete and flagged end-of-stream.
    pub fn ogg_ends_cleanly(path: &Path) -> Option<bool> {
        let b = last_bytes(path, 70_000)?;
        let pos = b.windows(4).rposition(|w| w == b"OggS")?;
        let h = &b[pos..];
        if h.len() < 27 {
            return Some(false);
        }
        let n_seg = h[26] as usize;
        if h.len() < 27 + n_seg {
            return Some(false);
        }
        let body: usize = h[27..27 + n_seg].iter().map(|&v| v as usize).sum();
        Some(h.len() == 27 + n_seg + body && h[5] & 0x04 != 0)
    }

    /// Length in bytes of the MPEG audio frame whose header starts `h`, if it is one.
    fn mpeg_frame_len(h: &[u8]) -> Option<usize> {
        if h.len() < 4 || h[0] != 0xFF || h[1] & 0xE0 != 0xE0 {
            return None;
        }
        let version = (h[1] >> 3) & 3; // 3: MPEG-1, 2: MPEG-2, 0: MPEG-2.5
        let layer = (h[1] >> 1) & 3; // 1: III, 2: II, 3: I
        let (bi, si, pad) = ((h[2] >> 4) as usize, ((h[2] >> 2) & 3) as usize, ((h[2] >> 1) & 1) as usize);
        if version == 1 || layer == 0 || bi == 0 || bi == 15 || si == 3 {
            return None;
        }
        const V1: [[u32; 15]; 3] = [
            [0, 32, 64, 96, 128, 160, 192, 224, 256, 288, 320, 352, 384, 416, 448],
            [0, 32, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320, 384],
            [0, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320],
        ];
        const V2: [[u32; 15]; 2] =
            [[0, 32, 48, 56, 64, 80, 96, 112, 128, 144, 160, 176, 192, 224, 256], [0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160]];
        let rates = match version {
            3 => [44100, 48000, 32000],
            2 => [22050, 24000, 16000],
            _ => [11025, 12000, 8000],
        };
        let sr = rates[si] as usize;
        let kbps = match (version, layer) {
            (3, 3) => V1[0][bi],
            (3, 2) => V1[1][bi],
            (3, _) => V1[2][bi],
            (_, 3) => V2[0][bi],
            _ => V2[1][bi],
        } as usize;
        let br = kbps * 1000;
        Some(match layer {
            3 => (12 * br / sr + pad) * 4,
            1 if version != 3 => 72 * br / sr + pad,
            _ => 144 * br / sr + pad,
        })
    }

    /// `Some(true)` when an MPEG audio frame ends exactly where the audio ends (before an
    /// ID3v1 tag, if there is one).
    pub fn mp3_ends_cleanly(path: &Path) -> Option<bool> {
        let mut b = last_bytes(path, 16_384)?;
        if b.len() >= 128 && &b[b.len() - 128..b.len() - 125] == b"TAG" {
            b.truncate(b.len() - 128);
        }
        let end = b.len();
        Some((0..end.saturating_sub(3)).rev().any(|i| mpeg_frame_len(&b[i..]).is_some_and(|n| i + n == end)))
    }
}
