//! Spectrogram-style pictures: each panel a heat map, low rows at the bottom.

use ndarray::Array2;
use reprise::io::write_atomic;
use std::path::Path;

/// One panel of a picture.
pub struct Panel<'a> {
    /// Values, features × frames.
    pub data: &'a Array2<f32>,
    /// Show `10·log10` of the values (for power spectrograms not yet in dB).
    pub log: bool,
}

const WIDTH: usize = 900;
const PANEL_HEIGHT: usize = 220;
const GAP: usize = 6;

/// Colour ramp from black through purple and orange to pale yellow.
fn colour(t: f32) -> [u8; 3] {
    const STOPS: [(f32, [f32; 3]); 5] =
        [(0.0, [0.0, 0.0, 4.0]), (0.25, [87.0, 16.0, 110.0]), (0.5, [188.0, 55.0, 84.0]), (0.75, [249.0, 142.0, 9.0]), (1.0, [252.0, 255.0, 164.0])];
    let t = if t.is_finite() { t.clamp(0.0, 1.0) } else { 0.0 };
    for w in STOPS.windows(2) {
        let ((a, ca), (b, cb)) = (w[0], w[1]);
        if t <= b {
            let u = (t - a) / (b - a);
            return [0, 1, 2].map(|i| (ca[i] + u * (cb[i] - ca[i])).round() as u8);
        }
    }
    [252, 255, 164]
}

/// Writes the panels stacked vertically as one PNG (atomically).
pub fn write_png(path: &Path, panels: &[Panel]) -> Result<(), crate::Failure> {
    let height = panels.len() * PANEL_HEIGHT + panels.len().saturating_sub(1) * GAP;
    let mut rgb = vec![255u8; WIDTH * height * 3];
    for (p, panel) in panels.iter().enumerate() {
        let mut a = panel.data.clone();
        if panel.log {
            a.mapv_inplace(|v| 10.0 * v.max(1e-10).log10());
        }
        let (rows, cols) = a.dim();
        if rows == 0 || cols == 0 {
            continue;
        }
        let max = a.iter().cloned().filter(|v| v.is_finite()).fold(f32::NEG_INFINITY, f32::max);
        let mut min = a.iter().cloned().filter(|v| v.is_finite()).fold(f32::INFINITY, f32::min);
        if panel.log {
            min = min.max(max - 80.0);
        }
        let span = if max > min { max - min } else { 1.0 };
        let y0 = p * (PANEL_HEIGHT + GAP);
        for y in 0..PANEL_HEIGHT {
            let r = rows - 1 - (y * rows / PANEL_HEIGHT).min(rows - 1);
            for x in 0..WIDTH {
                let c = (x * cols / WIDTH).min(cols - 1);
                let px = colour((a[[r, c]] - min) / span);
                let o = ((y0 + y) * WIDTH + x) * 3;
                rgb[o..o + 3].copy_from_slice(&px);
            }
        }
    }
    save_rgb(path, WIDTH, height, &rgb)
}

/// Draws ASCII text with the 8×8 font (non-ASCII shows as `?`), top-left at (x, y).
fn draw_text(rgb: &mut [u8], width: usize, x: usize, y: usize, text: &str, colour: [u8; 3]) {
    let height = rgb.len() / (3 * width);
    for (n, ch) in text.chars().enumerate() {
        let glyph = font8x8::legacy::BASIC_LEGACY[if ch.is_ascii() { ch as usize } else { b'?' as usize }];
        for (gy, bits) in glyph.iter().enumerate() {
            for gx in 0..8 {
                let (px, py) = (x + n * 8 + gx, y + gy);
                if bits >> gx & 1 == 1 && px < width && py < height {
                    let o = (py * width + px) * 3;
                    rgb[o..o + 3].copy_from_slice(&colour);
                }
            }
        }
    }
}

/// Writes a confusion matrix as a PNG (atomically): rows are true classes, columns predicted
/// ones (numbered as the rows), each cell coloured by the fraction of its row and labelled
/// with its count.
pub fn write_confusion_png(path: &Path, title: &str, labels: &[String], counts: &[Vec<usize>]) -> Result<(), crate::Failure> {
    const CELL: usize = 44;
    let k = labels.len();
    let names: Vec<String> = labels.iter().enumerate().map(|(i, l)| format!("{i:>2} {}", l.chars().take(18).collect::<String>())).collect();
    let left = names.iter().map(|n| n.len()).max().unwrap_or(0) * 8 + 12;
    let top = 44;
    let width = (left + k * CELL + 10).max(title.len() * 8 + 20);
    let height = top + k * CELL + 28;
    let mut rgb = vec![255u8; width * height * 3];
    draw_text(&mut rgb, width, 8, 6, title, [0, 0, 0]);
    draw_text(&mut rgb, width, 8, 24, "true \\ predicted", [90, 90, 90]);
    for (c, _) in labels.iter().enumerate() {
        draw_text(&mut rgb, width, left + c * CELL + CELL / 2 - 8, top - 14 + 4, &format!("{c:>2}"), [0, 0, 0]);
    }
    for (r, row) in counts.iter().enumerate().take(k) {
        draw_text(&mut rgb, width, 6, top + r * CELL + CELL / 2 - 4, &names[r], [0, 0, 0]);
        let total: usize = row.iter().sum();
        for (c, &n) in row.iter().enumerate().take(k) {
            let frac = if total > 0 { n as f32 / total as f32 } else { 0.0 };
            let fill = if total > 0 { colour(frac) } else { [235, 235, 235] };
            for y in 1..CELL - 1 {
                for x in 1..CELL - 1 {
                    let o = ((top + r * CELL + y) * width + left + c * CELL + x) * 3;
                    rgb[o..o + 3].copy_from_slice(&fill);
                }
            }
            if n > 0 {
                let text = n.to_string();
                let ink = if frac > 0.6 { [0, 0, 0] } else { [255, 255, 255] };
                draw_text(&mut rgb, width, left + c * CELL + (CELL - text.len() * 8) / 2, top + r * CELL + CELL / 2 - 4, &text, ink);
            }
        }
    }
    save_rgb(path, width, height, &rgb)
}

/// Encodes 8-bit RGB pixels as a PNG, written atomically.
fn save_rgb(path: &Path, width: usize, height: usize, rgb: &[u8]) -> Result<(), crate::Failure> {
    write_atomic(path, |w| {
        let mut enc = png::Encoder::new(w, width as u32, height as u32);
        enc.set_color(png::ColorType::Rgb);
        enc.set_depth(png::BitDepth::Eight);
        let mut writer = enc.write_header().map_err(std::io::Error::other)?;
        writer.write_image_data(rgb).map_err(std::io::Error::other)
    })?;
    Ok(())
}

/// Draws a line between two points (clipped to the image).
fn draw_line(rgb: &mut [u8], width: usize, (x0, y0): (f64, f64), (x1, y1): (f64, f64), colour: [u8; 3]) {
    let height = rgb.len() / (3 * width);
    let n = ((x1 - x0).abs().max((y1 - y0).abs()).ceil() as usize).max(1);
    for i in 0..=n {
        let t = i as f64 / n as f64;
        let (x, y) = (x0 + t * (x1 - x0), y0 + t * (y1 - y0));
        for (dx, dy) in [(0, 0), (1, 0), (0, 1)] {
            let (px, py) = (x.round() as i64 + dx, y.round() as i64 + dy);
            if px >= 0 && py >= 0 && (px as usize) < width && (py as usize) < height {
                let o = (py as usize * width + px as usize) * 3;
                rgb[o..o + 3].copy_from_slice(&colour);
            }
        }
    }
}

/// Writes training curves as a PNG (atomically): loss on the left, accuracy on the right,
/// training in blue and validation in orange, one point per epoch.
pub fn write_curves_png(path: &Path, title: &str, epochs: &[reprise::nn::train::EpochMetrics]) -> Result<(), crate::Failure> {
    const PW: usize = 420;
    const PH: usize = 260;
    const LEFT: usize = 56;
    const TOP: usize = 40;
    let width = 2 * (LEFT + PW) + 30;
    let height = TOP + PH + 40;
    let mut rgb = vec![255u8; width * height * 3];
    let (blue, orange, grey) = ([31, 119, 180], [255, 127, 14], [120, 120, 120]);
    draw_text(&mut rgb, width, 8, 6, &format!("{title}: training (blue) and validation (orange)"), [0, 0, 0]);
    type Series = (Vec<Option<f64>>, [u8; 3]);
    let panels: [(&str, Vec<Series>, bool); 2] = [
        ("loss", vec![(epochs.iter().map(|m| Some(m.train_loss)).collect(), blue), (epochs.iter().map(|m| m.val_loss).collect(), orange)], false),
        ("accuracy %", vec![(epochs.iter().map(|m| Some(100.0 * m.train_acc)).collect(), blue), (epochs.iter().map(|m| m.val_acc.map(|a| 100.0 * a)).collect(), orange)], true),
    ];
    let n = epochs.len();
    for (p, (name, series, percent)) in panels.iter().enumerate() {
        let x0 = LEFT + p * (LEFT + PW + 20);
        let values: Vec<f64> = series.iter().flat_map(|(v, _)| v.iter().flatten().copied()).filter(|v| v.is_finite()).collect();
        let (mut lo, mut hi) = values.iter().fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), &v| (a.min(v), b.max(v)));
        if *percent {
            (lo, hi) = (0.0, 100.0);
        }
        if hi.partial_cmp(&lo) != Some(std::cmp::Ordering::Greater) {
            (lo, hi) = (lo - 1.0, lo + 1.0);
        }
        for i in 0..=PW {
            for (x, y) in [(x0 + i, TOP), (x0 + i, TOP + PH)] {
                let o = (y * width + x) * 3;
                rgb[o..o + 3].copy_from_slice(&grey);
            }
        }
        for j in 0..=PH {
            for (x, y) in [(x0, TOP + j), (x0 + PW, TOP + j)] {
                let o = (y * width + x) * 3;
                rgb[o..o + 3].copy_from_slice(&grey);
            }
        }
        draw_text(&mut rgb, width, x0 + 4, TOP - 12, name, [0, 0, 0]);
        draw_text(&mut rgb, width, x0.saturating_sub(52), TOP, &format!("{hi:>6.2}"), grey);
        draw_text(&mut rgb, width, x0.saturating_sub(52), TOP + PH - 8, &format!("{lo:>6.2}"), grey);
        draw_text(&mut rgb, width, x0, TOP + PH + 6, "epoch 1", grey);
        draw_text(&mut rgb, width, x0 + PW - 8 * format!("{n}").len(), TOP + PH + 6, &format!("{n}"), grey);
        let at = |e: usize, v: f64| {
            let x = x0 as f64 + if n > 1 { e as f64 * PW as f64 / (n - 1) as f64 } else { PW as f64 / 2.0 };
            (x, TOP as f64 + (hi - v) / (hi - lo) * PH as f64)
        };
        for (values, colour) in series {
            let pts: Vec<(f64, f64)> = values.iter().enumerate().filter_map(|(e, v)| v.filter(|v| v.is_finite()).map(|v| at(e, v))).collect();
            for w in pts.windows(2) {
                draw_line(&mut rgb, width, w[0], w[1], *colour);
            }
            for &pt in &pts {
                draw_line(&mut rgb, width, (pt.0 - 2.0, pt.1), (pt.0 + 2.0, pt.1), *colour);
            }
        }
    }
    save_rgb(path, width, height, &rgb)
}
