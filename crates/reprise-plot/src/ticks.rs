//! Tick marks of a heat map's row axis. Rows are drawn bottom to top, row `i` spanning
//! `[i, i + 1]`; a tick at a value between two row centres is placed by interpolating the
//! centres (linearly, or on a log scale for geometric axes), so one rule serves linear Hz
//! (STFT), mel centres, constant-Q and wavelet frequencies alike.

/// A tick on the row axis: its position in row units and its label.
#[derive(Debug, Clone, PartialEq)]
pub struct Tick {
    /// Position in row units (row `i` spans `[i, i + 1]`).
    pub pos: f64,
    /// Label.
    pub label: String,
}

/// Names of the twelve pitch classes, from C.
pub const PITCH_CLASSES: [&str; 12] = ["C", "C#", "D", "D#", "E", "F", "F#", "G", "G#", "A", "A#", "B"];

/// The note nearest to `hz` (A4 = 440 Hz), e.g. `C4`, `A#2`.
pub fn note_name(hz: f64) -> String {
    if !(hz > 0.0 && hz.is_finite()) {
        return "?".into();
    }
    let midi = (69.0 + 12.0 * (hz / 440.0).log2()).round() as i64;
    format!("{}{}", PITCH_CLASSES[midi.rem_euclid(12) as usize], midi.div_euclid(12) - 1)
}

/// `440` → `440`, `1500` → `1.5k`, `12.5` → `12.5`.
pub fn format_hz(hz: f64) -> String {
    let trim = |s: String| if s.contains('.') { s.trim_end_matches('0').trim_end_matches('.').to_string() } else { s };
    if hz.abs() >= 1000.0 {
        format!("{}k", trim(format!("{:.2}", hz / 1000.0)))
    } else if hz.abs() >= 10.0 {
        trim(format!("{hz:.1}"))
    } else {
        trim(format!("{hz:.2}"))
    }
}

/// The row position of `v` given ascending row-centre values (`None` outside them).
pub fn position(centres: &[f64], v: f64, log: bool) -> Option<f64> {
    let f = |x: f64| if log { x.max(f64::MIN_POSITIVE).ln() } else { x };
    let n = centres.len();
    if n == 0 || !v.is_finite() {
        return None;
    }
    if n == 1 {
        return ((v - centres[0]).abs() <= 1e-9 * centres[0].abs().max(1.0)).then_some(0.5);
    }
    let i = centres.windows(2).position(|w| w[0] <= v && v <= w[1])?;
    let (a, b) = (f(centres[i]), f(centres[i + 1]));
    let u = if b > a { (f(v) - a) / (b - a) } else { 0.0 };
    Some(i as f64 + 0.5 + u)
}

fn nice_step(span: f64, max_ticks: usize) -> f64 {
    let raw = span / max_ticks.max(1) as f64;
    let mag = 10f64.powf(raw.log10().floor());
    [1.0, 2.0, 5.0, 10.0].iter().map(|m| m * mag).find(|s| *s >= raw).unwrap_or(10.0 * mag)
}

/// Ticks at round frequencies (1-2-5 per decade on a log axis, an even step on a linear
/// one) for rows with the given ascending centre frequencies.
pub fn hz_ticks(centres: &[f64], log: bool) -> Vec<Tick> {
    let (lo, hi) = match (centres.first(), centres.last()) {
        (Some(&a), Some(&b)) if b > a => (a, b),
        (Some(&a), _) => return vec![Tick { pos: 0.5, label: format_hz(a) }],
        _ => return vec![],
    };
    let mut values = Vec::new();
    if log && lo > 0.0 {
        for mantissas in [&[1.0, 2.0, 5.0][..], &[1.0][..]] {
            values.clear();
            let mut k = lo.log10().floor() as i32;
            while 10f64.powi(k) <= hi {
                for m in mantissas {
                    let v = m * 10f64.powi(k);
                    if v >= lo && v <= hi {
                        values.push(v);
                    }
                }
                k += 1;
            }
            if values.len() <= 12 {
                break;
            }
        }
        if values.len() < 2 {
            values = vec![lo, hi];
        }
    } else {
        let step = nice_step(hi - lo, 6);
        let mut v = (lo / step).ceil() * step;
        while v <= hi + 1e-9 * step {
            values.push(v);
            v += step;
        }
    }
    values.into_iter().filter_map(|v| position(centres, v, log).map(|pos| Tick { pos, label: format_hz(v) })).collect()
}

/// Ticks at note names (every C, or closer when the range is under three octaves) for rows
/// with the given ascending centre frequencies.
pub fn note_ticks(centres_hz: &[f64]) -> Vec<Tick> {
    let (Some(&lo), Some(&hi)) = (centres_hz.first(), centres_hz.last()) else { return vec![] };
    if !(lo > 0.0 && hi > lo) {
        return centres_hz.first().map(|&f| vec![Tick { pos: 0.5, label: note_name(f) }]).unwrap_or_default();
    }
    let midi = |hz: f64| 69.0 + 12.0 * (hz / 440.0).log2();
    let (m0, m1) = (midi(lo).ceil() as i64, midi(hi).floor() as i64);
    let step = [12, 6, 3, 1].into_iter().find(|s| (m1 - m0) / s <= 10 && (m1 - m0) / s >= 2).unwrap_or(12);
    (m0..=m1)
        .filter(|m| m.rem_euclid(step) == 0)
        .filter_map(|m| {
            let hz = 440.0 * 2f64.powf((m as f64 - 69.0) / 12.0);
            position(centres_hz, hz, true).map(|pos| Tick { pos, label: note_name(hz) })
        })
        .collect()
}

/// One tick per row, labelled by name (pitch classes, a handful of classes).
pub fn label_ticks(names: &[String]) -> Vec<Tick> {
    names.iter().enumerate().map(|(i, n)| Tick { pos: i as f64 + 0.5, label: n.clone() }).collect()
}

/// Ticks at round row indices (`0, 5, 10…`), for coefficient and channel axes.
pub fn index_ticks(n: usize) -> Vec<Tick> {
    if n == 0 {
        return vec![];
    }
    let step = (nice_step(n as f64, 8) as usize).max(1);
    (0..n).step_by(step).map(|i| Tick { pos: i as f64 + 0.5, label: i.to_string() }).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_formats() {
        assert_eq!(note_name(440.0), "A4");
        assert_eq!(note_name(261.63), "C4");
        assert_eq!(note_name(32.70), "C1");
        assert_eq!(note_name(0.0), "?");
        assert_eq!(format_hz(1500.0), "1.5k");
        assert_eq!(format_hz(1000.0), "1k");
        assert_eq!(format_hz(440.0), "440");
        assert_eq!(format_hz(2.5), "2.5");
    }

    #[test]
    fn positions_interpolate_between_centres() {
        let c = [100.0, 200.0, 400.0, 800.0];
        assert_eq!(position(&c, 100.0, true), Some(0.5));
        assert!((position(&c, 282.842712, true).unwrap() - 2.0).abs() < 1e-6);
        assert!((position(&c, 150.0, false).unwrap() - 1.0).abs() < 1e-12);
        assert_eq!(position(&c, 50.0, true), None);
        assert_eq!(position(&c, 900.0, true), None);
    }

    #[test]
    fn hz_ticks_are_round_and_inside() {
        let centres: Vec<f64> = (0..84).map(|k| 32.70 * 2f64.powf(k as f64 / 12.0)).collect();
        let t = hz_ticks(&centres, true);
        let labels: Vec<&str> = t.iter().map(|t| t.label.as_str()).collect();
        assert_eq!(labels, ["50", "100", "200", "500", "1k", "2k"]);
        assert!(t.windows(2).all(|w| w[1].pos > w[0].pos) && t.iter().all(|t| t.pos > 0.0 && t.pos < 84.0));
        // 100 Hz sits 19.65 bins above C1 (32.70 Hz): row centre 0.5 + 19.65
        assert!((t[1].pos - (0.5 + 12.0 * (100.0f64 / 32.70).log2())).abs() < 1e-3);
        let lin: Vec<f64> = (0..1025).map(|k| k as f64 * 22050.0 / 2048.0).collect();
        let t = hz_ticks(&lin, false);
        assert_eq!(t.first().unwrap().label, "0");
        assert!(t.len() >= 4 && t.len() <= 8, "{t:?}");
    }

    #[test]
    fn note_ticks_mark_octaves() {
        let centres: Vec<f64> = (0..84).map(|k| 32.70 * 2f64.powf(k as f64 / 12.0)).collect();
        let t = note_ticks(&centres);
        let labels: Vec<&str> = t.iter().map(|t| t.label.as_str()).collect();
        assert_eq!(labels, ["C1", "C2", "C3", "C4", "C5", "C6", "C7"]);
        assert!((t[3].pos - 36.5).abs() < 0.01);
    }

    #[test]
    fn degenerate_axes_do_not_panic() {
        assert!(hz_ticks(&[], true).is_empty());
        assert_eq!(hz_ticks(&[440.0], true).len(), 1);
        assert!(note_ticks(&[]).is_empty());
        assert_eq!(index_ticks(1), vec![Tick { pos: 0.5, label: "0".into() }]);
        assert_eq!(index_ticks(20).iter().map(|t| t.label.clone()).collect::<Vec<_>>(), ["0", "5", "10", "15"]);
    }
}
