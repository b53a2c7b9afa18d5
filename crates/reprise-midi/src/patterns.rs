//! Repeated patterns in symbolic music, as the MIREX task "Discovery of Repeated Themes &
//! Sections" states them: a pattern is a list of occurrences, an occurrence a list of
//! `(onset, MIDI pitch)` points (onsets in quarter notes). This module reads and writes the
//! task's text format and computes its metrics as `mir_eval.pattern` 0.8 does: standard,
//! establishment, occurrence (at a threshold), three-layer precision/recall/F, and the
//! first-five scores FFP and FFTP.
//!
//! The similarity of two occurrences is the cardinality score: the points they share over
//! the larger one's length (points compared exactly, as `mir_eval` compares tuples).

use crate::error::{MidiError, Result};
use serde::{Deserialize, Serialize};
use std::collections::HashSet;
use std::path::{Path, PathBuf};

/// One point: onset (quarter notes in the MIREX files) and MIDI pitch.
pub type Point = (f64, f64);

/// A pattern: its occurrences, the first being its prototype.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Pattern {
    /// The occurrences, each a list of points.
    pub occurrences: Vec<Vec<Point>>,
}

/// Reads patterns in the MIREX text format: a line containing `pattern` starts a pattern,
/// one containing `occurrence` starts an occurrence, and every other non-blank line is
/// `onset, pitch`. `label` names the source in errors.
pub fn parse_patterns(text: &str, label: &Path) -> Result<Vec<Pattern>> {
    let bad = |line: usize, reason: String| MidiError::Patterns { path: label.to_owned(), reason: format!("line {line}: {reason}") };
    let mut patterns = Vec::new();
    let mut pattern: Vec<Vec<Point>> = Vec::new();
    let mut occurrence: Vec<Point> = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let lower = line.to_ascii_lowercase();
        if lower.contains("pattern") {
            if !occurrence.is_empty() {
                pattern.push(std::mem::take(&mut occurrence));
            }
            if !pattern.is_empty() {
                patterns.push(Pattern { occurrences: std::mem::take(&mut pattern) });
            }
            continue;
        }
        if lower.contains("occurrence") {
            if !occurrence.is_empty() {
                pattern.push(std::mem::take(&mut occurrence));
            }
            continue;
        }
        if line.trim().is_empty() {
            continue;
        }
        let mut parts = line.split(',').map(str::trim);
        let (Some(a), Some(b)) = (parts.next(), parts.next()) else {
            return Err(bad(i + 1, format!("expected `onset, pitch`, found {line:?}")));
        };
        let num = |s: &str| s.parse::<f64>().ok().filter(|v| v.is_finite());
        match (num(a), num(b)) {
            (Some(onset), Some(pitch)) => occurrence.push((onset, pitch)),
            _ => return Err(bad(i + 1, format!("expected two finite numbers `onset, pitch`, found {line:?}"))),
        }
    }
    if !occurrence.is_empty() {
        pattern.push(occurrence);
    }
    if !pattern.is_empty() {
        patterns.push(Pattern { occurrences: pattern });
    }
    Ok(patterns)
}

/// Reads a MIREX pattern file (see [`parse_patterns`]).
pub fn read_patterns(path: impl AsRef<Path>) -> Result<Vec<Pattern>> {
    let path = path.as_ref();
    let text = std::fs::read_to_string(path).map_err(|e| MidiError::Io { path: path.to_owned(), source: e })?;
    parse_patterns(&text, path)
}

/// The MIREX text of `patterns` (`pattern1`, `occurrence1`, `onset, pitch` lines); onsets
/// with up to 5 decimals, pitches as integers when they are.
pub fn format_patterns(patterns: &[Pattern]) -> String {
    let mut s = String::new();
    for (i, p) in patterns.iter().enumerate() {
        s.push_str(&format!("pattern{}\n", i + 1));
        for (j, occ) in p.occurrences.iter().enumerate() {
            s.push_str(&format!("occurrence{}\n", j + 1));
            for (onset, pitch) in occ {
                let o = format!("{onset:.5}");
                let o = o.trim_end_matches('0').trim_end_matches('.');
                if pitch.fract() == 0.0 {
                    s.push_str(&format!("{o}, {}\n", *pitch as i64));
                } else {
                    s.push_str(&format!("{o}, {pitch}\n"));
                }
            }
        }
    }
    s
}

/// Precision, recall and F-measure.
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize)]
pub struct Fpr {
    /// F-measure.
    pub f: f64,
    /// Precision.
    pub p: f64,
    /// Recall.
    pub r: f64,
}

impl Fpr {
    fn of(p: f64, r: f64) -> Fpr {
        Fpr { f: f_measure(p, r), p, r }
    }
}

/// `2PR / (P + R)`, 0 when both are 0 (`mir_eval.util.f_measure`).
pub fn f_measure(p: f64, r: f64) -> f64 {
    if p == 0.0 && r == 0.0 {
        0.0
    } else {
        2.0 * p * r / (p + r)
    }
}

/// Every score of the MIREX task.
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize)]
pub struct PatternScores {
    /// Standard: a reference pattern is found when an estimated prototype is a translation of its prototype.
    pub standard: Fpr,
    /// Establishment: how well each reference pattern is found by some occurrence of some estimated pattern.
    pub establishment: Fpr,
    /// Occurrence at threshold 0.75: how well the occurrences of the established patterns are found.
    pub occurrence_75: Fpr,
    /// Occurrence at threshold 0.5.
    pub occurrence_50: Fpr,
    /// Three-layer: F-measures of points within occurrences within patterns.
    pub three_layer: Fpr,
    /// Three-layer precision of the first five estimated patterns (FFP).
    pub ffp: f64,
    /// Establishment recall of the first five estimated patterns (FFTP_est).
    pub fftp_est: f64,
}

/// Checks the patterns as `mir_eval.pattern.validate`: every pattern has an occurrence.
fn validate(patterns: &[Pattern], which: &str) -> Result<()> {
    if let Some(i) = patterns.iter().position(|p| p.occurrences.is_empty()) {
        return Err(MidiError::Patterns { path: PathBuf::from(which), reason: format!("pattern {} has no occurrence", i + 1) });
    }
    Ok(())
}

fn n_points(patterns: &[Pattern]) -> usize {
    patterns.iter().flat_map(|p| &p.occurrences).map(Vec::len).sum()
}

/// A point as a hashable key (`-0.0` is `0.0`, as in Python's tuples).
fn key((o, p): Point) -> (u64, u64) {
    ((o + 0.0).to_bits(), (p + 0.0).to_bits())
}

/// The number of distinct points two occurrences share.
fn shared(a: &[Point], b: &[Point]) -> usize {
    let sa: HashSet<(u64, u64)> = a.iter().copied().map(key).collect();
    let sb: HashSet<(u64, u64)> = b.iter().copied().map(key).collect();
    sa.intersection(&sb).count()
}

/// Cardinality scores of every pair of occurrences: `|P ∩ Q| / max(|P|, |Q|)`.
fn score_matrix(p: &Pattern, q: &Pattern) -> Vec<Vec<f64>> {
    p.occurrences.iter().map(|a| q.occurrences.iter().map(|b| shared(a, b) as f64 / a.len().max(b.len()) as f64).collect()).collect()
}

fn max_all(m: &[Vec<f64>]) -> f64 {
    m.iter().flatten().copied().fold(f64::NEG_INFINITY, f64::max)
}

/// Mean over columns of each column's maximum (numpy `mean(max(m, axis=0))`).
fn mean_col_max(m: &[Vec<f64>]) -> f64 {
    let cols = m.first().map_or(0, Vec::len);
    (0..cols).map(|j| m.iter().map(|r| r[j]).fold(f64::NEG_INFINITY, f64::max)).sum::<f64>() / cols as f64
}

/// Mean over rows of each row's maximum (numpy `mean(max(m, axis=1))`).
fn mean_row_max(m: &[Vec<f64>]) -> f64 {
    m.iter().map(|r| r.iter().copied().fold(f64::NEG_INFINITY, f64::max)).sum::<f64>() / m.len() as f64
}

/// Standard precision/recall: a reference pattern counts as found when some estimated
/// prototype has its length and differs from its prototype by a constant translation
/// (within `tol`).
pub fn standard_fpr(reference: &[Pattern], estimate: &[Pattern], tol: f64) -> Result<Fpr> {
    validate(reference, "reference")?;
    validate(estimate, "estimate")?;
    if n_points(reference) == 0 || n_points(estimate) == 0 {
        return Ok(Fpr::default());
    }
    let mut k = 0usize;
    for r in reference {
        let p = &r.occurrences[0];
        for e in estimate {
            let q = &e.occurrences[0];
            if p.len() != q.len() {
                continue;
            }
            let d: Vec<Point> = p.iter().zip(q).map(|(a, b)| (a.0 - b.0, a.1 - b.1)).collect();
            let spread = d.windows(2).map(|w| (w[1].0 - w[0].0).abs().max((w[1].1 - w[0].1).abs())).fold(f64::NEG_INFINITY, f64::max);
            if p.len() == 1 || spread < tol {
                k += 1;
                break;
            }
        }
    }
    Ok(Fpr::of(k as f64 / estimate.len() as f64, k as f64 / reference.len() as f64))
}

/// Establishment precision/recall: the best cardinality score between any occurrences of
/// each pair of patterns.
pub fn establishment_fpr(reference: &[Pattern], estimate: &[Pattern]) -> Result<Fpr> {
    validate(reference, "reference")?;
    validate(estimate, "estimate")?;
    if n_points(reference) == 0 || n_points(estimate) == 0 {
        return Ok(Fpr::default());
    }
    let s: Vec<Vec<f64>> = reference.iter().map(|r| estimate.iter().map(|e| max_all(&score_matrix(r, e))).collect()).collect();
    Ok(Fpr::of(mean_col_max(&s), mean_row_max(&s)))
}

/// Occurrence precision/recall at threshold `thres`: over the pairs of patterns whose
/// establishment score reaches it, how well the occurrences are found. The pairs are
/// indexed with repetition, as `mir_eval`'s `np.ix_` does.
pub fn occurrence_fpr(reference: &[Pattern], estimate: &[Pattern], thres: f64) -> Result<Fpr> {
    validate(reference, "reference")?;
    validate(estimate, "estimate")?;
    if n_points(reference) == 0 || n_points(estimate) == 0 {
        return Ok(Fpr::default());
    }
    let (n_p, n_q) = (reference.len(), estimate.len());
    let (mut op, mut or) = (vec![vec![0.0; n_q]; n_p], vec![vec![0.0; n_q]; n_p]);
    let mut rel: Vec<(usize, usize)> = Vec::new();
    for (i, r) in reference.iter().enumerate() {
        for (j, e) in estimate.iter().enumerate() {
            let s = score_matrix(r, e);
            if max_all(&s) >= thres {
                op[i][j] = mean_col_max(&s);
                or[i][j] = mean_row_max(&s);
                rel.push((i, j));
            }
        }
    }
    if rel.is_empty() {
        return Ok(Fpr::default());
    }
    let sub = |m: &[Vec<f64>]| -> Vec<Vec<f64>> { rel.iter().map(|&(i, _)| rel.iter().map(|&(_, j)| m[i][j]).collect()).collect() };
    Ok(Fpr::of(mean_col_max(&sub(&op)), mean_row_max(&sub(&or))))
}

/// Three-layer precision/recall: point F-measures between occurrences, occurrence
/// F-measures between patterns, pattern F-measures overall.
pub fn three_layer_fpr(reference: &[Pattern], estimate: &[Pattern]) -> Result<Fpr> {
    validate(reference, "reference")?;
    validate(estimate, "estimate")?;
    if n_points(reference) == 0 || n_points(estimate) == 0 {
        return Ok(Fpr::default());
    }
    let first = |a: &[Point], b: &[Point]| {
        let s = shared(a, b) as f64;
        f_measure(s / a.len() as f64, s / b.len() as f64)
    };
    let second = |p: &Pattern, q: &Pattern| {
        let f1: Vec<Vec<f64>> = p.occurrences.iter().map(|a| q.occurrences.iter().map(|b| first(a, b)).collect()).collect();
        f_measure(mean_col_max(&f1), mean_row_max(&f1))
    };
    let f2: Vec<Vec<f64>> = reference.iter().map(|r| estimate.iter().map(|e| second(r, e)).collect()).collect();
    Ok(Fpr::of(mean_col_max(&f2), mean_row_max(&f2)))
}

/// Every score: standard (translation tolerance 1e-5), establishment, occurrence at 0.75
/// and at 0.5, three-layer, and FFP / FFTP_est on the first five estimated patterns.
pub fn evaluate_patterns(reference: &[Pattern], estimate: &[Pattern]) -> Result<PatternScores> {
    let first5 = &estimate[..estimate.len().min(5)];
    let empty = n_points(reference) == 0 || n_points(estimate) == 0;
    Ok(PatternScores {
        standard: standard_fpr(reference, estimate, 1e-5)?,
        establishment: establishment_fpr(reference, estimate)?,
        occurrence_75: occurrence_fpr(reference, estimate, 0.75)?,
        occurrence_50: occurrence_fpr(reference, estimate, 0.5)?,
        three_layer: three_layer_fpr(reference, estimate)?,
        ffp: if empty { 0.0 } else { three_layer_fpr(reference, first5)?.p },
        fftp_est: if empty { 0.0 } else { establishment_fpr(reference, first5)?.r },
    })
}
