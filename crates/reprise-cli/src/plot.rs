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
    write_atomic(path, |w| {
        let mut enc = png::Encoder::new(w, WIDTH as u32, height as u32);
        enc.set_color(png::ColorType::Rgb);
        enc.set_depth(png::BitDepth::Eight);
        let mut writer = enc.write_header().map_err(std::io::Error::other)?;
        writer.write_image_data(&rgb).map_err(std::io::Error::other)
    })?;
    Ok(())
}
