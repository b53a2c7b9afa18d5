//! How each representation is drawn: a feature matrix and its sidecar become a
//! [`reprise_plot::Figure`] with the axes, scale and colour map that suit the kind.
//!
//! The choices, in one place:
//! - energies (STFT, mel, the constant-Q magnitudes, scalogram, scattering) are drawn in dB,
//!   `10·log10(|X|²)` computed from whatever exponent was stored (or as stored when the
//!   output already is in dB), over `top_db` (80) below the panel's maximum; the
//!   [`Scale::Linear`] option draws magnitudes instead. The picture of an energy therefore
//!   looks the same with or without `--db`: that flag changes the numbers stored, not what
//!   is shown;
//! - signed values (MFCC) use a diverging map centred on zero, its range set by the
//!   coefficients above c0 (c0 saturates); chroma a linear map;
//! - one-row features (centroid, RMS…) are lines with their unit;
//! - rows are reordered so that low frequencies are at the bottom whatever order they are
//!   stored in (scalogram and scattering store high frequencies first);
//! - the scattering kinds are drawn one panel per path group (order 1, order 2; for
//!   JTFS and spiral: each order and spin, each octave filter), rows sorted by λ2 then λ1,
//!   with a thin line between bands; order 0 is left out.

use crate::features::{FeatureData, FeatureKind, FeatureParams, FeatureSpec};
use crate::{Error, Result};
use ndarray::{Array2, Axis};
use reprise_plot::ticks::{self, format_hz, Tick};
use reprise_plot::{ColourMap, Extent, Figure, Heatmap, Lines, Panel, Series, PALETTE};
use serde_json::Value;
use std::path::Path;

/// The colour scale of a picture.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Scale {
    /// dB for energies, linear for chroma, diverging for signed values.
    #[default]
    Auto,
    /// Linear magnitudes (energies shown as `|X|`).
    Linear,
}

/// Options of a feature picture.
#[derive(Debug, Clone, PartialEq)]
pub struct PictureOptions {
    /// Colour scale.
    pub scale: Scale,
    /// Values at the ends of the colour map (default: from the data).
    pub range: Option<(f32, f32)>,
    /// dB below each panel's maximum that the colours span (80).
    pub top_db: f32,
    /// Width in pixels (1000).
    pub width: u32,
    /// Height of each heat-map panel in pixels (300).
    pub height: Option<u32>,
    /// For the joint JTFS format: draw only this path (λ rows × frames).
    pub path: Option<usize>,
    /// Right end of the time axis in seconds (default: frames × hop / sr), so that
    /// stacked pictures share one axis.
    pub time_end_s: Option<f64>,
}

impl Default for PictureOptions {
    fn default() -> Self {
        PictureOptions { scale: Scale::Auto, range: None, top_db: 80.0, width: 1000, height: None, path: None, time_end_s: None }
    }
}

/// What a sidecar says about a feature matrix, read leniently (missing fields take defaults).
struct Described<'a> {
    kind: Option<FeatureKind>,
    /// The specification the sidecar records (or implies); `None` when unreadable.
    spec: Option<FeatureSpec>,
    sr: f64,
    hop: f64,
    rows: Vec<Value>,
    meta: Option<&'a Vec<Value>>,
}

fn describe(sidecar: &Value) -> Described<'_> {
    let kind: Option<FeatureKind> = sidecar.get("kind").and_then(|k| k.as_str()).and_then(|k| k.parse().ok());
    let sr = sidecar.get("sr").and_then(|v| v.as_f64()).filter(|v| *v > 0.0).unwrap_or(22050.0);
    let spec = FeatureSpec::from_sidecar(sidecar)
        .or_else(|_| FeatureParams { kind: kind.unwrap_or(FeatureKind::Mel), ..Default::default() }.spec(sr as u32))
        .ok();
    let hop = sidecar.get("hop_length").and_then(|v| v.as_f64()).filter(|v| *v > 0.0).unwrap_or(512.0);
    let rows = sidecar.pointer("/axes/features/values").and_then(|v| v.as_array()).cloned().unwrap_or_default();
    let meta = sidecar.get("meta").and_then(|m| m.as_array());
    Described { kind, spec, sr, hop, rows, meta }
}

/// A title for a kind: what is shown and on which scale.
pub fn kind_title(kind: FeatureKind) -> &'static str {
    match kind {
        FeatureKind::Stft => "STFT magnitude",
        FeatureKind::Mel => "Mel spectrogram",
        FeatureKind::Mfcc => "MFCC",
        FeatureKind::ChromaStft => "Chromagram (STFT)",
        FeatureKind::Centroid => "Spectral centroid",
        FeatureKind::Bandwidth => "Spectral bandwidth",
        FeatureKind::Rolloff => "Spectral roll-off",
        FeatureKind::Flatness => "Spectral flatness",
        FeatureKind::Zcr => "Zero-crossing rate",
        FeatureKind::Rms => "RMS energy",
        FeatureKind::Cqt => "Constant-Q transform",
        FeatureKind::Vqt => "Variable-Q transform",
        FeatureKind::HybridCqt => "Hybrid CQT",
        FeatureKind::PseudoCqt => "Pseudo CQT",
        FeatureKind::ChromaCqt => "Chromagram (CQT)",
        FeatureKind::ChromaCens => "Chroma CENS",
        FeatureKind::Scalogram => "Morlet scalogram",
        FeatureKind::Scattering => "Wavelet scattering",
        FeatureKind::Jtfs => "Joint time-frequency scattering",
        FeatureKind::Spiral => "Spiral scattering",
        FeatureKind::Cae => "Complex Autoencoder magnitudes",
        FeatureKind::Pyin => "pYIN fundamental frequency",
    }
}

/// How the values of a kind are shown.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Values {
    /// Energies stored as `|X|^p` (`p` = 1 for magnitudes, 2 for power) or already in dB.
    Energy { p: f32, db: bool },
    /// Non-negative values drawn linearly (chroma).
    Linear,
    /// Signed values (MFCC).
    Signed,
}

fn values_of(kind: Option<FeatureKind>, spec: Option<&FeatureSpec>, complex: bool) -> Values {
    use FeatureKind::*;
    match kind {
        Some(Stft | Mel | Cqt | Vqt | HybridCqt | PseudoCqt) => {
            let (p, db) = spec.map_or((1.0, false), |s| (s.stored_power(), s.db().is_some()));
            Values::Energy { p: if complex { 1.0 } else { p }, db: db && !complex }
        }
        Some(Scalogram | Scattering | Jtfs | Spiral) => Values::Energy { p: 1.0, db: false },
        Some(Mfcc) => Values::Signed,
        Some(ChromaStft | ChromaCqt | ChromaCens) => Values::Linear,
        _ if complex => Values::Energy { p: 1.0, db: false },
        _ => Values::Linear,
    }
}

/// Converts to the display scale: returns the values, the colour map, the range and the unit.
fn display(mut a: Array2<f32>, how: Values, opts: &PictureOptions) -> (Array2<f32>, ColourMap, (f32, f32), String) {
    let finite_max = |a: &Array2<f32>| a.iter().copied().filter(|v| v.is_finite()).fold(f32::NEG_INFINITY, f32::max);
    let finite_min = |a: &Array2<f32>| a.iter().copied().filter(|v| v.is_finite()).fold(f32::INFINITY, f32::min);
    let (map, range, unit) = match (how, opts.scale) {
        (Values::Energy { db: true, .. }, Scale::Auto) => {
            let hi = finite_max(&a);
            (ColourMap::Sequential, (hi - opts.top_db, hi), "dB (as stored)".to_string())
        }
        (Values::Energy { p, db: false }, Scale::Auto) => {
            // |X|^p → 10·log10(|X|²) = (20/p)·log10(|X|^p); the colours span top_db below the
            // maximum, so the floor only keeps log10 finite (second-order scattering lies far
            // below librosa's 1e-10 power floor)
            let (k, floor) = (20.0 / p, f32::MIN_POSITIVE);
            a.mapv_inplace(|v| k * v.max(floor).log10());
            let hi = finite_max(&a);
            (ColourMap::Sequential, (hi - opts.top_db, hi), "dB".to_string())
        }
        (Values::Energy { p, db }, Scale::Linear) => {
            if db {
                // back from dB to magnitude: the stored values are 10·log10(|X|^(2))
                a.mapv_inplace(|v| 10f32.powf(v / 20.0));
            } else if p != 1.0 {
                a.mapv_inplace(|v| v.max(0.0).powf(1.0 / p));
            }
            (ColourMap::Sequential, (0.0, finite_max(&a)), "magnitude".to_string())
        }
        (Values::Signed, _) => {
            // symmetric about zero; from coefficients 1 and up when there are several, so
            // that c0 (the log energy, an order of magnitude larger) saturates instead of
            // flattening the others to one colour
            let rows = if a.nrows() > 1 { a.slice(ndarray::s![1.., ..]) } else { a.view() };
            let m = rows.iter().copied().filter(|v| v.is_finite()).fold(0f32, |m, v| m.max(v.abs()));
            (ColourMap::Diverging, (-m, m), "value (c0 saturates)".to_string())
        }
        (Values::Linear, _) => (ColourMap::Sequential, (finite_min(&a).min(0.0), finite_max(&a)), "linear".to_string()),
    };
    (a, map, opts.range.unwrap_or(range), unit)
}

/// One row of a grouped (scattering) picture.
struct Row {
    index: usize,
    group: String,
    block: (i64, i64),
    block_label: String,
    sort: (f64, f64, f64),
    freq1: Option<f64>,
}

/// Rows of the scattering kinds from their `meta()` (`per_path` rows for the joint format).
fn scattering_rows(kind: FeatureKind, meta: &[Value], sr: f64, per_path: usize) -> Vec<Row> {
    let mut rows = Vec::new();
    for (p, m) in meta.iter().enumerate() {
        let order = m.get("order").and_then(|v| v.as_u64()).unwrap_or(0);
        if order == 0 {
            continue;
        }
        let xi: Vec<f64> = m.get("xi").and_then(|v| v.as_array()).map(|a| a.iter().filter_map(Value::as_f64).collect()).unwrap_or_default();
        // JTFS names n2; Scattering1D lists the filter indices as n = [n1, n2]
        let n2 = m.get("n2").and_then(|v| v.as_i64()).or_else(|| (order == 2).then(|| m.pointer("/n/1").and_then(|v| v.as_i64())).flatten());
        let n_fr = m.get("n_fr").and_then(|v| v.as_i64()).unwrap_or(-1);
        let spin = m.get("spin").and_then(|v| v.as_i64());
        let octave = m.get("octave").and_then(|v| v.as_i64());
        let xi_fr = m.get("xi_fr").and_then(|v| v.as_f64()).unwrap_or(0.0);
        let has_n1 = per_path == 1 && (kind == FeatureKind::Scattering || m.get("n1").is_some_and(|v| !v.is_null()));
        let xi1 = if has_n1 { xi.first().copied() } else { None };
        let xi2 = if order == 2 { xi.last().copied() } else { None };
        let group = match (kind, order, spin, octave) {
            (FeatureKind::Scattering, o, _, _) => format!("order {o}"),
            (_, _, _, Some(b)) => format!("spiral paths, octave filter {b}"),
            (_, 1, Some(0), _) => "order 1: ψ_t · φ_f".to_string(),
            (_, 1, _, _) => "order 1: ψ_t · ψ_f".to_string(),
            (_, _, Some(0), _) => "order 2: ψ_t · φ_f".to_string(),
            (_, _, Some(s), _) if s > 0 => "order 2, spin up: ψ_t · ψ_f↑".to_string(),
            _ => "order 2, spin down: ψ_t · ψ_f↓".to_string(),
        };
        let block_label = match xi2 {
            Some(x) => format!("{} Hz", format_hz(x * sr)),
            None if kind == FeatureKind::Scattering => String::new(),
            None => format!("ξ_fr {xi_fr:+.2}"),
        };
        for r in 0..per_path {
            // joint format: λ row r filters at n1 = r·stride, whose frequency falls as r rises
            let lam = xi1.map(|x| x * sr).unwrap_or(-(r as f64));
            rows.push(Row {
                index: p * per_path + r,
                group: group.clone(),
                block: if kind == FeatureKind::Scattering { (n2.unwrap_or(-1), 0) } else { (n2.unwrap_or(-1), n_fr) },
                block_label: block_label.clone(),
                sort: (xi2.unwrap_or(0.0), xi_fr, lam),
                freq1: xi1.map(|x| x * sr),
            });
        }
    }
    rows
}

/// One heat-map panel per group of rows, low frequencies at the bottom.
fn grouped_panels(kind: FeatureKind, a: &Array2<f32>, rows: Vec<Row>, how: Values, x: &Extent, opts: &PictureOptions) -> Vec<Panel> {
    let mut order: Vec<String> = Vec::new();
    for r in &rows {
        if !order.contains(&r.group) {
            order.push(r.group.clone());
        }
    }
    let mut panels = Vec::new();
    for g in order {
        let mut rs: Vec<&Row> = rows.iter().filter(|r| r.group == g).collect();
        rs.sort_by(|a, b| a.sort.partial_cmp(&b.sort).unwrap_or(std::cmp::Ordering::Equal));
        let idx: Vec<usize> = rs.iter().map(|r| r.index).collect();
        let sub = a.select(Axis(0), &idx);
        let mut separators = Vec::new();
        let mut blocks: Vec<(usize, usize, String)> = Vec::new();
        // bands of rows that share a label (a λ2, or a ξ_fr), separated by thin lines
        for (i, r) in rs.iter().enumerate() {
            if i == 0 || rs[i - 1].block_label != r.block_label {
                if i > 0 {
                    separators.push(i as f64);
                }
                blocks.push((i, i + 1, r.block_label.clone()));
            } else if let Some(b) = blocks.last_mut() {
                b.1 = i + 1;
            }
        }
        let (row_label, row_ticks) = if blocks.len() == 1 && rs.iter().all(|r| r.freq1.is_some()) {
            let f: Vec<f64> = rs.iter().filter_map(|r| r.freq1).collect();
            ("λ1 (Hz)".to_string(), ticks::hz_ticks(&f, true))
        } else {
            let t = blocks.iter().filter(|b| !b.2.is_empty()).map(|b| Tick { pos: (b.0 + b.1) as f64 / 2.0, label: b.2.clone() }).collect();
            let label = if rs.iter().any(|r| r.block.0 >= 0) { "λ2 band (λ1 rising within)" } else { "ξ_fr band (λ1 rising within)" };
            (label.to_string(), t)
        };
        if separators.len() > 60 {
            separators.clear();
        }
        let (values, colours, range, unit) = display(sub, how, opts);
        panels.push(Panel::Heatmap(Heatmap {
            title: format!("{}: {g} ({} rows)", kind_title(kind), idx.len()),
            values,
            x: x.clone(),
            row_label,
            row_ticks,
            colours,
            range,
            unit,
            separators,
            overlay: None,
        }));
    }
    panels
}

/// The panels that show one feature matrix, given its sidecar (`reprise features` writes
/// both; any missing sidecar field takes a default).
pub fn feature_panels(data: &FeatureData, sidecar: &Value, opts: &PictureOptions) -> Result<Vec<Panel>> {
    let d = describe(sidecar);
    let complex = matches!(data, FeatureData::Complex(_));
    let how = values_of(d.kind, d.spec.as_ref(), complex);
    let (n_rows, frames) = data.dim();
    let time_end = opts.time_end_s.unwrap_or(frames as f64 * d.hop / d.sr);
    let x = Extent::time(if time_end > 0.0 { time_end } else { d.hop / d.sr });
    let title = d.kind.map(kind_title).unwrap_or("Feature matrix");
    let kind = d.kind;

    if let FeatureData::Real3(a3) = data {
        let (paths, per_path, _) = a3.dim();
        let flat = a3.to_shape((paths * per_path, frames)).map_err(|e| Error::Clip { path: Default::default(), reason: e.to_string() })?.to_owned();
        if let Some(p) = opts.path {
            if p >= paths {
                return Err(Error::Clip {
                    path: Default::default(),
                    reason: format!("--path {p}: the joint format has {paths} paths (0 to {})", paths - 1),
                });
            }
            let mut sub = flat.slice(ndarray::s![p * per_path..(p + 1) * per_path, ..]).to_owned();
            sub.invert_axis(Axis(0));
            let (values, colours, range, unit) = display(sub, how, opts);
            return Ok(vec![Panel::Heatmap(Heatmap {
                title: format!("{title}: path {p} of {paths} (λ rows × frames)"),
                values,
                x,
                row_label: "λ1 row (low at bottom)".into(),
                row_ticks: ticks::index_ticks(per_path),
                colours,
                range,
                unit,
                separators: vec![],
                overlay: None,
            })]);
        }
        let rows = match d.meta {
            Some(m) if m.len() == paths => scattering_rows(kind.unwrap_or(FeatureKind::Jtfs), m, d.sr, per_path),
            _ => (0..paths * per_path)
                .map(|i| Row {
                    index: i,
                    group: "all paths".into(),
                    block: (i as i64 / per_path as i64, 0),
                    block_label: format!("path {}", i / per_path),
                    sort: (0.0, 0.0, i as f64),
                    freq1: None,
                })
                .collect(),
        };
        return Ok(grouped_panels(kind.unwrap_or(FeatureKind::Jtfs), &flat, rows, how, &x, opts));
    }

    let a = data.magnitude_2d();
    if kind == Some(FeatureKind::Pyin) && n_rows == 3 {
        // f0 (gaps where unvoiced) above the voiced probability and flag
        let xs: Vec<f64> = (0..frames).map(|t| t as f64 * d.hop / d.sr).collect();
        let row = |r: usize| a.row(r).iter().map(|&v| v as f64).collect::<Vec<f64>>();
        let line = |name: &str, values, colour| Series { name: name.into(), values, colour, markers: frames < 40 };
        return Ok(vec![
            Panel::Lines(Lines {
                title: format!("{title} (gaps: unvoiced)"),
                x: x.clone(),
                xs: xs.clone(),
                series: vec![line("f0", row(0), PALETTE[0])],
                y_label: "f0 (Hz)".into(),
                y_range: opts.range.map(|(a, b)| (a as f64, b as f64)),
                legend: Default::default(),
            }),
            Panel::Lines(Lines {
                title: "voicing".into(),
                x,
                xs,
                series: vec![line("voiced probability", row(2), PALETTE[1]), line("voiced (decoded)", row(1), PALETTE[2])],
                y_label: "probability".into(),
                y_range: Some((0.0, 1.05)),
                legend: Default::default(),
            }),
        ]);
    }
    if n_rows == 1 {
        let unit = match kind {
            Some(FeatureKind::Centroid | FeatureKind::Bandwidth | FeatureKind::Rolloff) => "Hz",
            Some(FeatureKind::Rms) if d.spec.is_some_and(|s| s.db().is_some()) => "dB",
            Some(FeatureKind::Rms) => "RMS amplitude",
            Some(FeatureKind::Zcr) => "crossings per sample",
            Some(FeatureKind::Flatness) => "flatness (0 to 1)",
            _ => "value",
        };
        let xs: Vec<f64> = (0..frames).map(|t| t as f64 * d.hop / d.sr).collect();
        let values: Vec<f64> = a.row(0).iter().map(|&v| v as f64).collect();
        return Ok(vec![Panel::Lines(Lines {
            title: title.to_string(),
            x,
            xs,
            series: vec![Series { name: title.to_string(), values, colour: PALETTE[0], markers: frames < 40 }],
            y_label: unit.to_string(),
            y_range: opts.range.map(|(a, b)| (a as f64, b as f64)),
            legend: Default::default(),
        })]);
    }

    if let (Some(k @ (FeatureKind::Scattering | FeatureKind::Jtfs | FeatureKind::Spiral)), Some(m)) = (kind, d.meta) {
        if m.len() == n_rows {
            return Ok(grouped_panels(k, &a, scattering_rows(k, m, d.sr, 1), how, &x, opts));
        }
    }

    // a frequency-like axis: the sidecar's row values, reordered to rise upwards
    let mut a = a;
    let mut freqs: Vec<f64> = d.rows.iter().filter_map(Value::as_f64).collect();
    if freqs.len() == n_rows && n_rows > 1 && freqs[0] > freqs[n_rows - 1] {
        a.invert_axis(Axis(0));
        freqs.reverse();
    }
    let have_freqs = freqs.len() == n_rows && freqs.windows(2).all(|w| w[1] >= w[0]);
    let names: Vec<String> = d.rows.iter().filter_map(|v| v.as_str().map(String::from)).collect();
    let (row_label, row_ticks) = match kind {
        Some(FeatureKind::Stft) if have_freqs => ("frequency (Hz)".to_string(), ticks::hz_ticks(&freqs, false)),
        Some(FeatureKind::Mel) if have_freqs => ("mel band centre (Hz)".to_string(), ticks::hz_ticks(&freqs, true)),
        Some(FeatureKind::Cqt | FeatureKind::Vqt | FeatureKind::HybridCqt | FeatureKind::PseudoCqt) if have_freqs => {
            ("note".to_string(), ticks::note_ticks(&freqs))
        }
        Some(FeatureKind::Scalogram) if have_freqs => ("frequency (Hz)".to_string(), ticks::hz_ticks(&freqs, true)),
        Some(FeatureKind::ChromaStft | FeatureKind::ChromaCqt | FeatureKind::ChromaCens) if names.len() == n_rows => {
            ("pitch class".to_string(), ticks::label_ticks(&names))
        }
        Some(FeatureKind::Mfcc) => ("MFCC coefficient".to_string(), ticks::index_ticks(n_rows)),
        _ => ("row".to_string(), ticks::index_ticks(n_rows)),
    };
    let (values, colours, range, unit) = display(a, how, opts);
    Ok(vec![Panel::Heatmap(Heatmap {
        title: title.to_string(),
        values,
        x,
        row_label,
        row_ticks,
        colours,
        range,
        unit,
        separators: vec![],
        overlay: None,
    })])
}

/// A whole picture of one feature matrix: its panels under `title`.
pub fn feature_figure(title: &str, data: &FeatureData, sidecar: &Value, opts: &PictureOptions) -> Result<Figure> {
    let panels = feature_panels(data, sidecar, opts)?;
    Ok(Figure { title: title.to_string(), panels, width: opts.width, heatmap_height: opts.height })
}

/// The usual title of a feature picture: `Mel spectrogram of song.wav`, from the sidecar.
pub fn feature_title(sidecar: &Value, fallback_name: &str) -> String {
    let d = describe(sidecar);
    let what = d.kind.map(kind_title).unwrap_or("Feature matrix");
    let input = sidecar
        .get("input")
        .and_then(|v| v.as_str())
        .map(|s| Path::new(s).file_name().map(|f| f.to_string_lossy().to_string()).unwrap_or(s.to_string()));
    format!("{what} of {}", input.unwrap_or_else(|| fallback_name.to_string()))
}

/// Draws the picture of a feature run (the `--plot` of `reprise features`) from the
/// sidecar written beside it, and writes it atomically as a PNG.
pub fn write_feature_png(png: &Path, data: &FeatureData, sidecar: &Value, input: &Path) -> Result<()> {
    let bad = |reason: String| Error::Clip { path: png.to_owned(), reason };
    let title = feature_title(sidecar, &input.display().to_string());
    let fig = feature_figure(&title, data, sidecar, &PictureOptions::default()).map_err(|e| bad(e.to_string()))?;
    let bytes = reprise_plot::render(&fig).map_err(|e| bad(e.to_string()))?;
    reprise_io::write_atomic(png, |w| w.write_all(&bytes))?;
    Ok(())
}

/// The picture of a recurrence matrix `ssm` (frames `frame_s` seconds apart) and its
/// repeated sections (`reprise structure`): the matrix (time on both axes, row 0 at the
/// bottom) with each pattern's occurrence pairs outlined in grey, and a timeline below
/// with one line per pattern over the time its occurrences cover.
pub fn structure_png(ssm: &Array2<f32>, frame_s: f64, patterns: &[reprise_dsp::ssm::RepeatedPattern], title: &str) -> Result<Vec<u8>> {
    let bad = |reason: String| Error::Clip { path: "ssm.png".into(), reason };
    let n = ssm.nrows();
    let mut values = ssm.clone();
    // outline occurrence pairs (first occurrence × each other one, both triangles)
    for p in patterns {
        let first = p.occurrences[0];
        for &o in &p.occurrences[1..] {
            for (r, c) in [(first, o), (o, first)] {
                let (r0, r1, c0, c1) = (r.0.min(n - 1), r.1.min(n) - 1, c.0.min(n - 1), c.1.min(n) - 1);
                for t in c0..=c1.max(c0) {
                    values[[r0, t]] = f32::NAN;
                    values[[r1.max(r0), t]] = f32::NAN;
                }
                for t in r0..=r1.max(r0) {
                    values[[t, c0]] = f32::NAN;
                    values[[t, c1.max(c0)]] = f32::NAN;
                }
            }
        }
    }
    // the matrix is an inverse distance: a few near-identical pairs dwarf the rest after its
    // min-max scaling, so the colours end at the 99th percentile (values above it saturate)
    let mut finite: Vec<f32> = ssm.iter().copied().filter(|v| v.is_finite() && *v > 0.0).collect();
    let top = if finite.is_empty() {
        1.0
    } else {
        let k = (finite.len() * 99 / 100).min(finite.len() - 1);
        *finite.select_nth_unstable_by(k, f32::total_cmp).1
    };
    let top = if top > 0.0 { top } else { 1.0 };
    let end_s = n as f64 * frame_s;
    let step = [5.0, 10.0, 15.0, 30.0, 60.0, 120.0].into_iter().find(|st| end_s / st <= 8.0).unwrap_or(300.0);
    let row_ticks: Vec<Tick> =
        (0..).map(|k| k as f64 * step).take_while(|t| *t < end_s).map(|t| Tick { pos: t / frame_s, label: format!("{t:.0}") }).collect();
    let heat = Heatmap {
        title: format!(
            "self-similarity, colours to its 99th percentile ({top:.3}) (grey boxes: a pattern's first occurrence against each other one)"
        ),
        values,
        x: Extent::time(end_s),
        row_label: "time (s)".into(),
        row_ticks,
        colours: ColourMap::Sequential,
        range: (0.0, top),
        unit: "similarity".into(),
        separators: vec![],
        overlay: None,
    };
    let xs: Vec<f64> = (0..n).map(|t| (t as f64 + 0.5) * frame_s).collect();
    let series: Vec<Series> = patterns
        .iter()
        .enumerate()
        .map(|(k, p)| {
            let mut v = vec![f64::NAN; n];
            for &(a, b) in &p.occurrences {
                v[a.min(n)..b.min(n)].iter_mut().for_each(|x| *x = (k + 1) as f64);
            }
            Series { name: format!("pattern {}", k + 1), values: v, colour: PALETTE[k % PALETTE.len()], markers: false }
        })
        .collect();
    let mut panels = vec![Panel::Heatmap(heat)];
    if !series.is_empty() {
        panels.push(Panel::Lines(Lines {
            title: format!("repeated sections ({} patterns; each line covers its occurrences)", series.len()),
            x: Extent::time(end_s),
            xs,
            y_label: "pattern".into(),
            y_range: Some((0.5, series.len() as f64 + 0.5)),
            series,
            legend: reprise_plot::Corner::UpperRight,
        }));
    }
    let mut fig = Figure::new(title, panels);
    fig.heatmap_height = Some(700);
    reprise_plot::render(&fig).map_err(|e| bad(e.to_string()))
}

/// Reads a `.npy` written by `reprise features` (float32 2-D or 3-D, complex64 2-D) and its
/// `.json` sidecar (an empty object when there is none).
pub fn read_feature_file(npy: &Path) -> Result<(FeatureData, Value)> {
    use reprise_io::read_npy;
    let bad = |reason: String| Error::Clip { path: npy.to_owned(), reason };
    if !npy.is_file() {
        return Err(bad("no such file".into()));
    }
    // the header says which array it is (and that the file holds it)
    let h = reprise_io::check_npy(npy)?;
    let data = match (h.descr.trim_start_matches(['<', '>', '=', '|']), h.shape.len()) {
        ("f4", 2) => FeatureData::Real(read_npy(npy)?),
        ("c8", 2) => FeatureData::Complex(read_npy(npy)?),
        ("f4", 3) => FeatureData::Real3(read_npy(npy)?),
        (_, rank) => return Err(bad(format!("not a float32 (2-D or 3-D) or complex64 (2-D) .npy: it holds {rank}-D `{}`", h.descr))),
    };
    let side = npy.with_extension("json");
    let sidecar = match std::fs::read_to_string(&side) {
        Ok(text) => {
            serde_json::from_str(&text).map_err(|e| Error::Clip { path: side.clone(), reason: format!("not a sidecar (invalid JSON: {e})") })?
        }
        Err(_) => Value::Object(Default::default()),
    };
    Ok((data, sidecar))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::features::extract_signal;

    fn chirp(sr: u32, seconds: f64) -> Vec<f32> {
        // 100 → 5000 Hz, exponential
        let n = (sr as f64 * seconds) as usize;
        let (f0, f1) = (100.0f64, 5000.0f64);
        let k = (f1 / f0).ln() / seconds;
        (0..n).map(|i| (2.0 * std::f64::consts::PI * f0 * (((k * i as f64 / sr as f64).exp() - 1.0) / k)).sin() as f32 * 0.5).collect()
    }

    /// Row (in display order, 0 = bottom) holding the largest energy in the first and the last
    /// tenth of the frames.
    fn peak_rows(p: &Panel) -> (usize, usize) {
        let Panel::Heatmap(h) = p else { panic!("not a heat map") };
        let (_, cols) = h.values.dim();
        let peak = |c0: usize, c1: usize| {
            let sums: Vec<f32> =
                h.values.rows().into_iter().map(|r| r.slice(ndarray::s![c0..c1]).iter().map(|v| 10f32.powf(v / 20.0)).sum()).collect();
            sums.iter().enumerate().max_by(|a, b| a.1.total_cmp(b.1)).unwrap().0
        };
        (peak(0, cols / 10), peak(cols - cols / 10, cols))
    }

    #[test]
    fn a_rising_chirp_rises_in_every_frequency_picture() {
        let sr = 22050;
        let y = chirp(sr, 2.0);
        for kind in [FeatureKind::Stft, FeatureKind::Mel, FeatureKind::Cqt, FeatureKind::Scalogram, FeatureKind::Scattering] {
            let params = FeatureParams { kind, ..Default::default() };
            let f = extract_signal(&y, sr, &params).unwrap();
            let side = f.sidecar("chirp.wav", &params);
            let panels = feature_panels(&f.data, &side, &PictureOptions::default()).unwrap();
            let (lo, hi) = peak_rows(&panels[0]);
            assert!(hi > lo, "{}: the chirp's energy is in row {lo} at the start and {hi} at the end", kind.name());
            if let Panel::Heatmap(h) = &panels[0] {
                assert!(h.unit.starts_with("dB"), "{}: {}", kind.name(), h.unit);
                assert!(!h.row_ticks.is_empty(), "{}: no ticks", kind.name());
            }
        }
    }

    #[test]
    fn kinds_get_their_scales_and_shapes() {
        let sr = 22050;
        let y = chirp(sr, 1.0);
        let run = |kind, db| {
            let params = FeatureParams { kind, db, ..Default::default() };
            let f = extract_signal(&y, sr, &params).unwrap();
            let side = f.sidecar("x.wav", &params);
            feature_panels(&f.data, &side, &PictureOptions::default()).unwrap()
        };
        let Panel::Heatmap(m) = &run(FeatureKind::Mfcc, false)[0] else { panic!() };
        assert_eq!(m.colours, ColourMap::Diverging);
        assert_eq!(m.range.0, -m.range.1);
        let Panel::Heatmap(c) = &run(FeatureKind::ChromaStft, false)[0] else { panic!() };
        assert_eq!(c.row_ticks.iter().map(|t| t.label.as_str()).collect::<Vec<_>>()[..3], ["C", "C#", "D"]);
        assert!(matches!(run(FeatureKind::Centroid, false)[0], Panel::Lines(_)));
        // the same mel picture with and without --db
        let (Panel::Heatmap(a), Panel::Heatmap(b)) = (&run(FeatureKind::Mel, false)[0], &run(FeatureKind::Mel, true)[0]) else { panic!() };
        // (the same colours: values below the range's floor all take its first colour)
        assert!((a.range.0 - b.range.0).abs() < 1e-3 && (a.range.1 - b.range.1).abs() < 1e-3, "{:?} {:?}", a.range, b.range);
        let diff = a.values.iter().zip(&b.values).fold(0f32, |m, (x, y)| m.max((x.max(a.range.0) - y.max(b.range.0)).abs()));
        assert!(diff < 1e-3, "mel dB pictures differ by {diff}");
        // a complex CQT is drawn in dB like a complex STFT
        let Panel::Heatmap(q) = &run(FeatureKind::Cqt, false)[0] else { panic!() };
        assert_eq!(q.unit, "dB");
        assert_eq!(q.row_label, "note");
        // scattering: one panel per order, order 0 left out
        let s = run(FeatureKind::Scattering, false);
        assert_eq!(s.len(), 2);
        // JTFS joint: grouped panels, and one path on request
        let params = FeatureParams {
            kind: FeatureKind::Jtfs,
            scatter: crate::features::ScatterParams { format: reprise_scatter::JtfsFormat::Joint, ..Default::default() },
            ..Default::default()
        };
        let f = extract_signal(&y, sr, &params).unwrap();
        let side = f.sidecar("x.wav", &params);
        let groups = feature_panels(&f.data, &side, &PictureOptions::default()).unwrap();
        assert!(groups.len() >= 3, "{} groups", groups.len());
        let one = feature_panels(&f.data, &side, &PictureOptions { path: Some(0), ..Default::default() }).unwrap();
        assert_eq!(one.len(), 1);
        assert!(feature_panels(&f.data, &side, &PictureOptions { path: Some(100_000), ..Default::default() }).is_err());
    }

    #[test]
    fn every_kind_draws_on_music_silence_and_long_input() {
        let sr = 22050;
        let music = chirp(sr, 1.0);
        let silence = vec![0.0f32; sr as usize];
        for kind in FeatureKind::ALL {
            for (name, y) in [("chirp", &music), ("silence", &silence)] {
                let params = FeatureParams { kind, ..Default::default() };
                let f = extract_signal(y, sr, &params).unwrap();
                let side = f.sidecar("x.wav", &params);
                let fig =
                    feature_figure("t", &f.data, &side, &PictureOptions::default()).unwrap_or_else(|e| panic!("{} on {name}: {e}", kind.name()));
                let png = reprise_plot::render(&fig).unwrap_or_else(|e| panic!("{} on {name}: {e}", kind.name()));
                assert_eq!(&png[1..4], b"PNG");
            }
        }
        // thousands of frames, and the complex STFT
        let long: Vec<f32> = chirp(sr, 90.0);
        for kind in [FeatureKind::Stft, FeatureKind::Mel, FeatureKind::Centroid] {
            let params = FeatureParams { kind, ..Default::default() };
            let f = extract_signal(&long, sr, &params).unwrap();
            assert!(f.data.dim().1 > 3000);
            let side = f.sidecar("long.wav", &params);
            reprise_plot::render(&feature_figure("long", &f.data, &side, &PictureOptions::default()).unwrap()).unwrap();
        }
    }

    #[test]
    fn silence_and_missing_sidecars_draw() {
        let params = FeatureParams { kind: FeatureKind::Mel, ..Default::default() };
        let f = extract_signal(&vec![0.0; 22050], 22050, &params).unwrap();
        let side = f.sidecar("silence.wav", &params);
        let fig = feature_figure("silence", &f.data, &side, &PictureOptions::default()).unwrap();
        reprise_plot::render(&fig).unwrap();
        let fig = feature_figure("bare", &f.data, &Value::Null, &PictureOptions::default()).unwrap();
        reprise_plot::render(&fig).unwrap();
    }
}
