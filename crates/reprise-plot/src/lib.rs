//! Pictures of Reprise's representations, drawn with plotters into PNGs.
//!
//! A [`Figure`] is a title and a stack of panels that share one width and one left margin,
//! so stacked time axes line up: [`Heatmap`] (a spectrogram-style matrix with a row axis,
//! ticks, a colour bar and its unit), [`Lines`] (one-row features, training curves) and
//! [`Waveform`] (a min/max envelope). [`confusion`] draws a confusion matrix. Text uses the
//! DejaVu Sans font embedded in the binary, so nothing needs installing.
//!
//! This crate knows nothing of features or sidecars: it draws what it is given. Which
//! kind is drawn how (dB or linear, which axis, which rows first) is decided by the facade
//! (`reprise::pictures`).
#![deny(missing_docs)]

mod colour;
pub mod ticks;

pub use colour::{ColourMap, NAN_RGB};

pub use ticks::Tick;

use ndarray::Array2;
use plotters::coord::Shift;
use plotters::prelude::*;
use std::sync::Once;

/// Errors of drawing and encoding.
#[derive(Debug, thiserror::Error)]
pub enum PlotError {
    /// plotters could not draw (a font or backend problem).
    #[error("cannot draw the picture: {0}")]
    Draw(String),
    /// The figure is not drawable as given.
    #[error("cannot draw the picture: {0}")]
    Invalid(String),
    /// PNG encoding failed.
    #[error("cannot encode the picture as PNG: {0}")]
    Encode(String),
}

/// Result of this crate.
pub type Result<T> = std::result::Result<T, PlotError>;

fn draw_err<E: std::fmt::Debug>(e: E) -> PlotError {
    PlotError::Draw(format!("{e:?}"))
}

/// A matrix drawn as colours: row 0 at the bottom, columns spread evenly over `x`.
#[derive(Debug, Clone)]
pub struct Heatmap {
    /// Panel title (what is shown).
    pub title: String,
    /// Values on the display scale (dB, linear…), rows × columns; NaN is drawn grey.
    pub values: Array2<f32>,
    /// The horizontal extent the columns cover, and its label (e.g. `time (s)`).
    pub x: Extent,
    /// Name of the row axis (e.g. `frequency (Hz)`).
    pub row_label: String,
    /// Ticks of the row axis, in row units (see [`ticks`]).
    pub row_ticks: Vec<Tick>,
    /// Colour map.
    pub colours: ColourMap,
    /// Values mapped to the ends of the colour map.
    pub range: (f32, f32),
    /// Unit of the colour bar (e.g. `dB`, `linear`).
    pub unit: String,
    /// Row positions where thin separators are drawn (between groups of rows).
    pub separators: Vec<f64>,
    /// Lines drawn over the matrix (a pitch track over a spectrogram): x values and, in
    /// each series, y values in row units (row `r` spans `r..r + 1`); NaN leaves a gap.
    pub overlay: Option<(Vec<f64>, Vec<Series>)>,
}

/// A horizontal axis: from `start` to `end`, labelled.
#[derive(Debug, Clone, PartialEq)]
pub struct Extent {
    /// Left end.
    pub start: f64,
    /// Right end.
    pub end: f64,
    /// Axis label with its unit.
    pub label: String,
}

impl Extent {
    /// Time in seconds from 0 to `end_s`.
    pub fn time(end_s: f64) -> Self {
        Extent { start: 0.0, end: end_s, label: "time (s)".into() }
    }
}

/// Line charts over a shared x axis.
#[derive(Debug, Clone)]
pub struct Lines {
    /// Panel title.
    pub title: String,
    /// The x axis (its range; points outside it are clipped).
    pub x: Extent,
    /// x value of every point.
    pub xs: Vec<f64>,
    /// The lines; NaN values leave gaps.
    pub series: Vec<Series>,
    /// y axis label with its unit.
    pub y_label: String,
    /// Fixed y range (default: the data's range with a margin).
    pub y_range: Option<(f64, f64)>,
    /// Where the legend goes (drawn when there are several lines).
    pub legend: Corner,
}

/// A corner of a panel.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Corner {
    /// Upper right.
    #[default]
    UpperRight,
    /// Lower right.
    LowerRight,
}

/// One line of a [`Lines`] panel.
#[derive(Debug, Clone)]
pub struct Series {
    /// Name shown in the legend (legends are drawn when a panel has several lines).
    pub name: String,
    /// One value per x; NaN leaves a gap.
    pub values: Vec<f64>,
    /// RGB colour.
    pub colour: [u8; 3],
    /// Mark every point with a dot.
    pub markers: bool,
}

/// Blue, orange, green, red, purple (matplotlib's first colours).
pub const PALETTE: [[u8; 3]; 5] = [[31, 119, 180], [255, 127, 14], [44, 160, 44], [214, 39, 40], [148, 103, 189]];

/// A signal drawn as its min/max envelope per pixel column.
#[derive(Debug, Clone)]
pub struct Waveform {
    /// Panel title.
    pub title: String,
    /// Samples.
    pub samples: Vec<f32>,
    /// Sample rate in Hz.
    pub sr: f64,
}

/// One panel of a figure.
#[derive(Debug, Clone)]
pub enum Panel {
    /// A matrix with a colour bar.
    Heatmap(Heatmap),
    /// Line charts.
    Lines(Lines),
    /// A waveform envelope.
    Waveform(Waveform),
}

impl Panel {
    fn default_height(&self) -> u32 {
        match self {
            Panel::Heatmap(_) => 300,
            Panel::Lines(_) => 200,
            Panel::Waveform(_) => 170,
        }
    }
}

/// A picture: a title and panels stacked top to bottom.
#[derive(Debug, Clone)]
pub struct Figure {
    /// Title (what, and of which file).
    pub title: String,
    /// Panels, top to bottom.
    pub panels: Vec<Panel>,
    /// Width in pixels (default 1000).
    pub width: u32,
    /// Height of each heat-map panel in pixels (default 300; lines 200, waveform 170).
    pub heatmap_height: Option<u32>,
}

impl Figure {
    /// A figure of the default width.
    pub fn new(title: impl Into<String>, panels: Vec<Panel>) -> Self {
        Figure { title: title.into(), panels, width: 1000, heatmap_height: None }
    }

    fn panel_height(&self, p: &Panel) -> u32 {
        match p {
            Panel::Heatmap(_) => self.heatmap_height.unwrap_or(p.default_height()),
            _ => p.default_height(),
        }
    }
}

const FONT: &str = "sans-serif";
const TITLE_H: u32 = 40;
const HEAD_H: u32 = 22;
const Y_LABEL_W: u32 = 96;
const X_LABEL_H: u32 = 40;
const BAR_W: u32 = 96;
const MAX_SIDE: u32 = 20_000;

static FONTS: Once = Once::new();

/// Registers the embedded DejaVu Sans as plotters' `sans-serif` (once per process).
fn fonts() {
    FONTS.call_once(|| {
        // the embedded font is a valid TrueType file; a failure would only lose text
        let _ = plotters::style::register_font(FONT, FontStyle::Normal, dejavu::sans::regular());
        let _ = plotters::style::register_font(FONT, FontStyle::Bold, dejavu::sans::bold());
    });
}

/// Renders a figure to PNG bytes.
pub fn render(fig: &Figure) -> Result<Vec<u8>> {
    let (w, h, rgb) = render_rgb(fig)?;
    encode_png(w, h, &rgb)
}

/// Renders a figure to 8-bit RGB pixels: `(width, height, pixels)`.
pub fn render_rgb(fig: &Figure) -> Result<(u32, u32, Vec<u8>)> {
    fonts();
    if fig.panels.is_empty() {
        return Err(PlotError::Invalid("a figure needs at least one panel".into()));
    }
    let width = fig.width.clamp(400, MAX_SIDE);
    let heights: Vec<u32> = fig.panels.iter().map(|p| fig.panel_height(p).clamp(80, MAX_SIDE)).collect();
    let height = TITLE_H + heights.iter().sum::<u32>();
    if height > MAX_SIDE * 4 {
        return Err(PlotError::Invalid(format!("{} panels make a picture {height} pixels tall; draw fewer", fig.panels.len())));
    }
    let mut rgb = vec![255u8; width as usize * height as usize * 3];
    {
        let root = BitMapBackend::with_buffer(&mut rgb, (width, height)).into_drawing_area();
        root.fill(&WHITE).map_err(draw_err)?;
        let (head, mut rest) = root.split_vertically(TITLE_H);
        head.draw_text(&fig.title, &(FONT, 20).into_font().style(FontStyle::Bold).color(&BLACK), (12, 10)).map_err(draw_err)?;
        for (panel, &ph) in fig.panels.iter().zip(&heights) {
            let (area, below) = rest.split_vertically(ph);
            match panel {
                Panel::Heatmap(hm) => heatmap(&area, hm)?,
                Panel::Lines(l) => lines(&area, l)?,
                Panel::Waveform(wf) => waveform(&area, wf)?,
            }
            rest = below;
        }
        root.present().map_err(draw_err)?;
    }
    Ok((width, height, rgb))
}

/// Encodes 8-bit RGB pixels as PNG.
pub fn encode_png(width: u32, height: u32, rgb: &[u8]) -> Result<Vec<u8>> {
    let mut out = Vec::new();
    {
        let mut enc = png::Encoder::new(&mut out, width, height);
        enc.set_color(png::ColorType::Rgb);
        enc.set_depth(png::BitDepth::Eight);
        let mut w = enc.write_header().map_err(|e| PlotError::Encode(e.to_string()))?;
        w.write_image_data(rgb).map_err(|e| PlotError::Encode(e.to_string()))?;
    }
    Ok(out)
}

type Area<'a> = DrawingArea<BitMapBackend<'a>, Shift>;

/// A linear axis from 0 to `n` whose ticks and labels are given (rows of a heat map).
struct Labelled {
    n: f64,
    ticks: Vec<Tick>,
}

impl plotters::coord::ranged1d::Ranged for Labelled {
    type FormatOption = plotters::coord::ranged1d::NoDefaultFormatting;
    type ValueType = f64;

    fn map(&self, v: &f64, limit: (i32, i32)) -> i32 {
        let u = if self.n > 0.0 { v / self.n } else { 0.5 };
        limit.0 + (u * (limit.1 - limit.0) as f64).round() as i32
    }

    fn key_points<H: plotters::coord::ranged1d::KeyPointHint>(&self, hint: H) -> Vec<f64> {
        if hint.weight().allow_light_points() {
            vec![]
        } else {
            self.ticks.iter().map(|t| t.pos).filter(|p| *p >= 0.0 && *p <= self.n).collect()
        }
    }

    fn range(&self) -> std::ops::Range<f64> {
        0.0..self.n
    }
}

impl plotters::coord::ranged1d::ValueFormatter<f64> for Labelled {
    fn format_ext(&self, v: &f64) -> String {
        self.ticks.iter().find(|t| (t.pos - *v).abs() < 1e-9).map(|t| t.label.clone()).unwrap_or_default()
    }
}

/// Splits a panel into its heading strip and body, drawing the title (and a unit on the right).
fn heading<'a>(area: &Area<'a>, title: &str, unit: Option<&str>) -> Result<Area<'a>> {
    let (head, body) = area.split_vertically(HEAD_H);
    head.draw_text(title, &(FONT, 15).into_font().color(&BLACK), (Y_LABEL_W as i32, 3)).map_err(draw_err)?;
    if let Some(u) = unit {
        let w = head.dim_in_pixel().0 as i32;
        head.draw_text(u, &(FONT, 13).into_font().color(&BLACK), (w - BAR_W as i32 + 6, 5)).map_err(draw_err)?;
    }
    Ok(body)
}

/// A short label for an axis value: no trailing zeros.
fn short(v: f64) -> String {
    if v == 0.0 {
        return "0".into();
    }
    let s = if v.abs() >= 100.0 {
        format!("{v:.0}")
    } else if v.abs() >= 1.0 {
        format!("{v:.2}")
    } else {
        format!("{v:.3}")
    };
    if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        s
    }
}

fn valid_extent(x: &Extent) -> (f64, f64) {
    let (a, b) = (x.start, x.end);
    if a.is_finite() && b.is_finite() && b > a {
        (a, b)
    } else if a.is_finite() {
        (a, a + 1.0)
    } else {
        (0.0, 1.0)
    }
}

fn heatmap(area: &Area, hm: &Heatmap) -> Result<()> {
    let body = heading(area, &hm.title, Some(&hm.unit))?;
    let (w, _) = body.dim_in_pixel();
    let (main, bar) = body.split_horizontally(w.saturating_sub(BAR_W));
    let (x0, x1) = valid_extent(&hm.x);
    let n_rows = hm.values.nrows().max(1) as f64;
    let plot_h = body.dim_in_pixel().1.saturating_sub(X_LABEL_H + 2).max(1) as f64;
    let ticks = thin(&hm.row_ticks, 12.0 * n_rows / plot_h);
    let mut chart = ChartBuilder::on(&main)
        .margin_top(2)
        .margin_left(12)
        .margin_right(10)
        .x_label_area_size(X_LABEL_H)
        .y_label_area_size(Y_LABEL_W)
        .build_cartesian_2d(x0..x1, Labelled { n: n_rows, ticks })
        .map_err(draw_err)?;
    let (lo, hi) = colour_range(hm.range);
    {
        let pa = chart.plotting_area();
        let (pw, ph) = pa.dim_in_pixel();
        if pw > 0 && ph > 0 {
            let img = raster(&hm.values, hm.colours, (lo, hi), pw as usize, ph as usize);
            let el = BitMapElement::with_owned_buffer((x0, n_rows), (pw, ph), img).ok_or_else(|| PlotError::Invalid("image buffer size".into()))?;
            pa.draw(&el).map_err(draw_err)?;
        }
    }
    chart
        .configure_mesh()
        .disable_mesh()
        .x_labels(10)
        .x_label_formatter(&|x| short(*x))
        .x_desc(hm.x.label.as_str())
        .y_desc(hm.row_label.as_str())
        .label_style((FONT, 12))
        .axis_desc_style((FONT, 13))
        .draw()
        .map_err(draw_err)?;
    let sep = RGBColor(255, 255, 255).mix(0.6).stroke_width(1);
    for &s in hm.separators.iter().filter(|s| **s > 0.0 && **s < n_rows) {
        chart.draw_series(std::iter::once(PathElement::new(vec![(x0, s), (x1, s)], sep))).map_err(draw_err)?;
    }
    if let Some((xs, series)) = &hm.overlay {
        for s in series {
            let [r, g, b] = s.colour;
            let style = RGBColor(r, g, b).stroke_width(2);
            // runs of finite points inside the panel, each one path
            let mut run: Vec<(f64, f64)> = Vec::new();
            let mut flush = |run: &mut Vec<(f64, f64)>| -> Result<()> {
                if run.len() == 1 {
                    chart.draw_series(std::iter::once(Circle::new(run[0], 2, style.filled()))).map_err(draw_err)?;
                } else if run.len() > 1 {
                    chart.draw_series(std::iter::once(PathElement::new(std::mem::take(run), style))).map_err(draw_err)?;
                }
                run.clear();
                Ok(())
            };
            for (&x, &y) in xs.iter().zip(&s.values) {
                if y.is_finite() && x.is_finite() && (0.0..=n_rows).contains(&y) && x >= x0 && x <= x1 {
                    run.push((x, y));
                } else {
                    flush(&mut run)?;
                }
            }
            flush(&mut run)?;
        }
    }
    colour_bar(&bar, hm.colours, (lo, hi))
}

/// Drops ticks closer than `min_gap` (row units) to the one kept before them, so that
/// labels never overlap.
fn thin(ticks: &[Tick], min_gap: f64) -> Vec<Tick> {
    let mut sorted: Vec<&Tick> = ticks.iter().collect();
    sorted.sort_by(|a, b| a.pos.total_cmp(&b.pos));
    let mut out: Vec<Tick> = Vec::new();
    for t in sorted {
        if out.last().is_none_or(|l| t.pos - l.pos >= min_gap) {
            out.push(t.clone());
        }
    }
    out
}

/// A usable colour range: finite, increasing.
fn colour_range((lo, hi): (f32, f32)) -> (f32, f32) {
    match (lo.is_finite(), hi.is_finite()) {
        (true, true) if hi > lo => (lo, hi),
        (true, _) => (lo - 1.0, lo + 1.0),
        (false, true) => (hi - 1.0, hi + 1.0),
        _ => (0.0, 1.0),
    }
}

/// Resamples `values` (row 0 at the bottom) to `pw × ph` pixels: each pixel shows the
/// largest value of the cells it covers (the mean for a diverging map), so that thin
/// harmonics and short onsets survive downsampling.
fn raster(values: &Array2<f32>, map: ColourMap, (lo, hi): (f32, f32), pw: usize, ph: usize) -> Vec<u8> {
    let (rows, cols) = values.dim();
    let mut img = vec![255u8; pw * ph * 3];
    if rows == 0 || cols == 0 {
        return img;
    }
    let span = |i: usize, n: usize, m: usize| -> (usize, usize) {
        let a = i * m / n;
        let b = ((i + 1) * m / n).max(a + 1).min(m);
        (a.min(m - 1), b)
    };
    // per pixel column: the range of data columns; per pixel row: the range of data rows
    let cspan: Vec<(usize, usize)> = (0..pw).map(|px| span(px, pw, cols)).collect();
    for py in 0..ph {
        let (r0, r1) = span(ph - 1 - py, ph, rows);
        for (px, &(c0, c1)) in cspan.iter().enumerate() {
            let cell = values.slice(ndarray::s![r0..r1, c0..c1]);
            let v = match map {
                ColourMap::Sequential | ColourMap::Blues => {
                    let m = cell.iter().copied().filter(|v| !v.is_nan()).fold(f32::NEG_INFINITY, f32::max);
                    if m == f32::NEG_INFINITY && cell.iter().any(|v| v.is_nan()) {
                        f32::NAN
                    } else {
                        m
                    }
                }
                ColourMap::Diverging => {
                    let (s, n) = cell.iter().filter(|v| !v.is_nan()).fold((0.0f64, 0usize), |(s, n), &v| (s + v as f64, n + 1));
                    if n == 0 {
                        f32::NAN
                    } else {
                        (s / n as f64) as f32
                    }
                }
            };
            let t = (v - lo) / (hi - lo);
            let c = map.rgb(if v == f32::NEG_INFINITY { 0.0 } else { t });
            let o = (py * pw + px) * 3;
            img[o..o + 3].copy_from_slice(&c);
        }
    }
    img
}

fn colour_bar(area: &Area, map: ColourMap, (lo, hi): (f32, f32)) -> Result<()> {
    let mut cb = ChartBuilder::on(area)
        .margin_top(2)
        .margin_right(6)
        .margin_left(8)
        .x_label_area_size(X_LABEL_H)
        .right_y_label_area_size(52)
        .build_cartesian_2d(0f64..1f64, lo as f64..hi as f64)
        .map_err(draw_err)?;
    {
        let pa = cb.plotting_area();
        let (pw, ph) = pa.dim_in_pixel();
        if pw > 0 && ph > 0 {
            let mut img = vec![0u8; (pw * ph * 3) as usize];
            for py in 0..ph as usize {
                let c = map.rgb(1.0 - py as f32 / (ph as f32 - 1.0).max(1.0));
                for px in 0..pw as usize {
                    let o = (py * pw as usize + px) * 3;
                    img[o..o + 3].copy_from_slice(&c);
                }
            }
            let el =
                BitMapElement::with_owned_buffer((0.0, hi as f64), (pw, ph), img).ok_or_else(|| PlotError::Invalid("image buffer size".into()))?;
            pa.draw(&el).map_err(draw_err)?;
        }
    }
    cb.configure_mesh()
        .disable_mesh()
        .disable_x_axis()
        .y_labels(6)
        .y_label_formatter(&|v| short(*v))
        .label_style((FONT, 12))
        .draw()
        .map_err(draw_err)?;
    Ok(())
}

fn data_range(values: impl Iterator<Item = f64>) -> (f64, f64) {
    let (lo, hi) = values.filter(|v| v.is_finite()).fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), v| (a.min(v), b.max(v)));
    if !lo.is_finite() {
        return (0.0, 1.0);
    }
    if hi > lo {
        let m = 0.05 * (hi - lo);
        (lo - m, hi + m)
    } else {
        let m = if lo == 0.0 { 1.0 } else { 0.1 * lo.abs() };
        (lo - m, lo + m)
    }
}

type XyChart<'a, 'b> =
    ChartContext<'a, BitMapBackend<'b>, Cartesian2d<plotters::coord::types::RangedCoordf64, plotters::coord::types::RangedCoordf64>>;

/// A plain x–y chart with a light grid, its axes labelled and ticked.
fn xy_chart<'a, 'b>(
    area: &'a Area<'b>,
    (x0, x1): (f64, f64),
    (y0, y1): (f64, f64),
    (x_desc, y_desc): (&str, &str),
    y_labels: usize,
) -> Result<XyChart<'a, 'b>> {
    let mut chart = ChartBuilder::on(area)
        .margin_top(2)
        .margin_left(12)
        .margin_right(10)
        .x_label_area_size(X_LABEL_H)
        .y_label_area_size(Y_LABEL_W)
        .build_cartesian_2d(x0..x1, y0..y1)
        .map_err(draw_err)?;
    chart
        .configure_mesh()
        .light_line_style(RGBColor(238, 238, 238))
        .bold_line_style(RGBColor(215, 215, 215))
        .x_labels(10)
        .y_labels(y_labels)
        .x_label_formatter(&|x| short(*x))
        .y_label_formatter(&|y| short(*y))
        .x_desc(x_desc)
        .y_desc(y_desc)
        .label_style((FONT, 12))
        .axis_desc_style((FONT, 13))
        .draw()
        .map_err(draw_err)?;
    Ok(chart)
}

fn lines(area: &Area, l: &Lines) -> Result<()> {
    let body = heading(area, &l.title, None)?;
    let (w, _) = body.dim_in_pixel();
    let (main, _) = body.split_horizontally(w.saturating_sub(BAR_W));
    let (x0, x1) = valid_extent(&l.x);
    let (y0, y1) = match l.y_range {
        Some((a, b)) if a.is_finite() && b.is_finite() && b > a => (a, b),
        _ => data_range(l.series.iter().flat_map(|s| s.values.iter().copied())),
    };
    let mut chart = xy_chart(&main, (x0, x1), (y0, y1), (&l.x.label, &l.y_label), 6)?;
    for s in &l.series {
        let colour = RGBColor(s.colour[0], s.colour[1], s.colour[2]);
        let style = colour.stroke_width(2);
        let pts: Vec<Option<(f64, f64)>> =
            l.xs.iter().zip(&s.values).map(|(&x, &y)| (x.is_finite() && y.is_finite()).then_some((x, y.clamp(y0, y1)))).collect();
        let mut first = true;
        for run in pts.split(|p| p.is_none()).filter(|r| !r.is_empty()) {
            let run: Vec<(f64, f64)> = run.iter().flatten().copied().collect();
            let drawn = chart.draw_series(LineSeries::new(run.clone(), style)).map_err(draw_err)?;
            if first && l.series.len() > 1 {
                drawn.label(s.name.as_str()).legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 18, y)], colour.stroke_width(2)));
                first = false;
            }
            if s.markers {
                chart.draw_series(run.into_iter().map(|p| Circle::new(p, 3, colour.filled()))).map_err(draw_err)?;
            }
        }
    }
    if l.series.len() > 1 {
        chart
            .configure_series_labels()
            .position(match l.legend {
                Corner::UpperRight => SeriesLabelPosition::UpperRight,
                Corner::LowerRight => SeriesLabelPosition::LowerRight,
            })
            .background_style(WHITE.mix(0.85))
            .border_style(RGBColor(180, 180, 180))
            .label_font((FONT, 12))
            .draw()
            .map_err(draw_err)?;
    }
    Ok(())
}

fn waveform(area: &Area, wf: &Waveform) -> Result<()> {
    let body = heading(area, &wf.title, None)?;
    let (w, _) = body.dim_in_pixel();
    let (main, _) = body.split_horizontally(w.saturating_sub(BAR_W));
    let sr = if wf.sr > 0.0 && wf.sr.is_finite() { wf.sr } else { 1.0 };
    let dur = (wf.samples.len() as f64 / sr).max(1.0 / sr);
    let peak = wf.samples.iter().filter(|v| v.is_finite()).fold(0f32, |m, v| m.max(v.abs())) as f64;
    let m = if peak > 0.0 { 1.05 * peak } else { 1.0 };
    let mut chart = xy_chart(&main, (0.0, dur), (-m, m), ("time (s)", "amplitude"), 5)?;
    let pw = chart.plotting_area().dim_in_pixel().0.max(1) as usize;
    let n = wf.samples.len();
    let blue = RGBColor(PALETTE[0][0], PALETTE[0][1], PALETTE[0][2]);
    let cols = (0..pw).filter_map(|px| {
        let (a, b) = (px * n / pw, ((px + 1) * n / pw).min(n));
        let seg = wf.samples.get(a..b.max(a + 1).min(n))?;
        let (lo, hi) = seg.iter().filter(|v| v.is_finite()).fold((f32::INFINITY, f32::NEG_INFINITY), |(l, h), &v| (l.min(v), h.max(v)));
        let x = (px as f64 + 0.5) / pw as f64 * dur;
        lo.is_finite().then(|| PathElement::new(vec![(x, lo as f64), (x, hi as f64)], blue.stroke_width(1)))
    });
    chart.draw_series(cols).map_err(draw_err)?;
    Ok(())
}

/// Draws a confusion matrix: rows are true classes and columns predicted ones (numbered as
/// the rows), each cell coloured by the fraction of its row (white to blue) and labelled
/// with its count and row percentage; a class with no clips is a grey row. Returns PNG bytes.
pub fn confusion(title: &str, labels: &[String], counts: &[Vec<usize>]) -> Result<Vec<u8>> {
    fonts();
    let k = labels.len();
    if k == 0 || counts.len() != k || counts.iter().any(|r| r.len() != k) {
        return Err(PlotError::Invalid(format!("a confusion matrix of {k} classes needs {k} rows of {k} counts")));
    }
    if k > 200 {
        return Err(PlotError::Invalid(format!("{k} classes are too many to draw")));
    }
    let cell = if k <= 12 { 56 } else { (700 / k as u32).max(8) };
    let name_w = labels.iter().map(|l| l.chars().count().min(24)).max().unwrap_or(1) as u32 * 8 + 50;
    let width = (name_w + k as u32 * cell + 60).max(520);
    let height = TITLE_H + 30 + k as u32 * cell + 50;
    let mut rgb = vec![255u8; width as usize * height as usize * 3];
    {
        let root = BitMapBackend::with_buffer(&mut rgb, (width, height)).into_drawing_area();
        root.fill(&WHITE).map_err(draw_err)?;
        let (head, body) = root.split_vertically(TITLE_H);
        head.draw_text(title, &(FONT, 17).into_font().style(FontStyle::Bold).color(&BLACK), (12, 10)).map_err(draw_err)?;
        let names: Vec<String> = labels.iter().enumerate().map(|(i, l)| format!("{i}  {}", l.chars().take(24).collect::<String>())).collect();
        let col_ticks: Vec<Tick> = (0..k).map(|i| Tick { pos: i as f64 + 0.5, label: i.to_string() }).collect();
        let row_ticks: Vec<Tick> = (0..k).map(|i| Tick { pos: (k - 1 - i) as f64 + 0.5, label: names[i].clone() }).collect();
        let mut chart = ChartBuilder::on(&body)
            .margin_top(8)
            .margin_left(12)
            .margin_right(20)
            .x_label_area_size(44)
            .y_label_area_size(name_w)
            .build_cartesian_2d(Labelled { n: k as f64, ticks: col_ticks }, Labelled { n: k as f64, ticks: row_ticks })
            .map_err(draw_err)?;
        chart
            .configure_mesh()
            .disable_mesh()
            .x_desc("predicted class")
            .y_desc("true class")
            .label_style((FONT, 12))
            .axis_desc_style((FONT, 13))
            .draw()
            .map_err(draw_err)?;
        for (r, row) in counts.iter().enumerate() {
            let total: usize = row.iter().sum();
            let y = (k - 1 - r) as f64;
            for (c, &n) in row.iter().enumerate() {
                let frac = if total > 0 { n as f32 / total as f32 } else { 0.0 };
                let fill = if total > 0 { ColourMap::Blues.rgb(frac) } else { [235, 235, 235] };
                let x = c as f64;
                chart
                    .draw_series(std::iter::once(Rectangle::new(
                        [(x + 0.02, y + 0.02), (x + 0.98, y + 0.98)],
                        RGBColor(fill[0], fill[1], fill[2]).filled(),
                    )))
                    .map_err(draw_err)?;
                if n > 0 && cell >= 30 {
                    let ink = if frac > 0.5 { WHITE } else { BLACK };
                    let style = (FONT, 12).into_font().color(&ink).pos(plotters::style::text_anchor::Pos::new(
                        plotters::style::text_anchor::HPos::Center,
                        plotters::style::text_anchor::VPos::Center,
                    ));
                    chart.draw_series(std::iter::once(Text::new(n.to_string(), (x + 0.5, y + 0.62), style.clone()))).map_err(draw_err)?;
                    chart
                        .draw_series(std::iter::once(Text::new(format!("{:.0}%", 100.0 * frac), (x + 0.5, y + 0.32), style.clone())))
                        .map_err(draw_err)?;
                }
            }
        }
        root.present().map_err(draw_err)?;
    }
    encode_png(width, height, &rgb)
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::Array2;

    fn hm(values: Array2<f32>) -> Heatmap {
        let n = values.nrows();
        Heatmap {
            title: "t".into(),
            values,
            x: Extent::time(2.0),
            row_label: "row".into(),
            row_ticks: ticks::index_ticks(n),
            colours: ColourMap::Sequential,
            range: (0.0, 1.0),
            unit: "linear".into(),
            separators: vec![],
            overlay: None,
        }
    }

    #[test]
    fn raster_puts_row_zero_at_the_bottom() {
        let mut v = Array2::zeros((4, 3));
        v.row_mut(0).fill(1.0);
        let img = raster(&v, ColourMap::Sequential, (0.0, 1.0), 3, 4);
        let px = |x: usize, y: usize| [img[(y * 3 + x) * 3], img[(y * 3 + x) * 3 + 1], img[(y * 3 + x) * 3 + 2]];
        assert_eq!(px(1, 3), ColourMap::Sequential.rgb(1.0));
        assert_eq!(px(1, 0), ColourMap::Sequential.rgb(0.0));
    }

    #[test]
    fn close_ticks_are_thinned() {
        let t: Vec<Tick> = [0.5, 0.9, 3.0, 3.1, 7.0].iter().map(|&pos| Tick { pos, label: pos.to_string() }).collect();
        let kept: Vec<f64> = thin(&t, 2.0).iter().map(|t| t.pos).collect();
        assert_eq!(kept, [0.5, 3.0, 7.0]);
    }

    #[test]
    fn raster_keeps_peaks_when_shrinking() {
        let mut v = Array2::zeros((1, 1000));
        v[[0, 501]] = 1.0;
        let img = raster(&v, ColourMap::Sequential, (0.0, 1.0), 10, 1);
        assert_eq!(&img[15..18], &ColourMap::Sequential.rgb(1.0));
    }

    #[test]
    fn figures_of_awkward_shapes_render() {
        let shapes = [(1, 1), (1, 5000), (3, 2), (600, 4000), (0, 10), (5, 0)];
        for (r, c) in shapes {
            let fig = Figure::new("shape", vec![Panel::Heatmap(hm(Array2::from_shape_fn((r, c), |(i, j)| ((i + j) % 7) as f32 / 7.0)))]);
            let png = render(&fig).unwrap_or_else(|e| panic!("{r}×{c}: {e}"));
            assert_eq!(&png[1..4], b"PNG");
        }
        let mut nan = hm(Array2::from_elem((4, 4), f32::NAN));
        nan.range = (f32::NAN, f32::INFINITY);
        render(&Figure::new("nan", vec![Panel::Heatmap(nan)])).unwrap();
        let l = Lines {
            title: "l".into(),
            x: Extent::time(1.0),
            xs: vec![0.0, 0.5, 1.0],
            series: vec![
                Series { name: "a".into(), values: vec![1.0, f64::NAN, 2.0], colour: PALETTE[0], markers: true },
                Series { name: "b".into(), values: vec![0.0; 3], colour: PALETTE[1], markers: false },
            ],
            y_label: "y".into(),
            y_range: None,
            legend: Corner::LowerRight,
        };
        let w = Waveform { title: "w".into(), samples: vec![0.0; 3], sr: 22050.0 };
        render(&Figure::new(
            "mixed",
            vec![Panel::Lines(l), Panel::Waveform(w), Panel::Waveform(Waveform { title: "e".into(), samples: vec![], sr: 0.0 })],
        ))
        .unwrap();
        assert!(render(&Figure::new("none", vec![])).is_err());
    }

    #[test]
    fn text_is_drawn_with_the_embedded_font() {
        // a title in a figure whose only panel is blank must still put dark pixels in the
        // title band: the embedded font was found and used
        let (w, _, rgb) =
            render_rgb(&Figure::new("Reprise", vec![Panel::Waveform(Waveform { title: String::new(), samples: vec![], sr: 1.0 })])).unwrap();
        let dark =
            (0..TITLE_H as usize).flat_map(|y| (0..w as usize).map(move |x| (y, x))).filter(|&(y, x)| rgb[(y * w as usize + x) * 3] < 100).count();
        assert!(dark > 50, "{dark} dark pixels in the title band");
    }

    #[test]
    fn confusion_checks_its_shape() {
        let labels = vec!["piano".to_string(), "violin".to_string()];
        let png = confusion("c", &labels, &[vec![3, 1], vec![0, 4]]).unwrap();
        assert_eq!(&png[1..4], b"PNG");
        assert!(confusion("c", &labels, &[vec![3, 1]]).is_err());
        confusion("c", &labels, &[vec![0, 0], vec![0, 0]]).unwrap();
    }
}
