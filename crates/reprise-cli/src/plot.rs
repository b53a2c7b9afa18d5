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
