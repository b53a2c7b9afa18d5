//! Melody-extraction metrics with mir_eval 0.8's definitions (`mir_eval.melody`): voicing
//! recall and false alarm, raw pitch and raw chroma accuracy, overall accuracy.
//!
//! A melody is a series of times (s, strictly increasing, ≥ 0) and frequencies (Hz): a
//! frequency ≤ 0 is unvoiced (a negative one is an unvoiced frame's pitch guess, as in
//! MIREX). The estimate may carry a voicing in [0, 1] per frame instead of the sign. As in
//! [`to_cent_voicing`]: both series start at time 0 (the first frame is repeated there when
//! they do not), frequencies become cents above `base_frequency`, the estimate is
//! resampled onto the reference's times (linear interpolation of the pitch, held across
//! unvoiced frames and zeroed where the estimate is unvoiced; voicing held), or both onto a
//! grid of `hop_s` when it is given, and the estimate is cut or padded (unvoiced) to the
//! reference's length. Tested against mir_eval on fixtures from
//! `scripts/make_pitch_fixtures.py`. (mir_eval's `ref_reward` weighting is not supported.)

use reprise_core::{invalid, Result};

/// Options of the evaluation (mir_eval's defaults).
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct MelodyEvalConfig {
    /// A pitch is correct within this many cents (50).
    pub cent_tolerance: f64,
    /// Reference frequency of the cent scale, Hz (10).
    pub base_frequency: f64,
    /// Resample both series onto this grid, s; `None`: onto the reference's times.
    pub hop_s: Option<f64>,
}

impl Default for MelodyEvalConfig {
    fn default() -> Self {
        MelodyEvalConfig { cent_tolerance: 50.0, base_frequency: 10.0, hop_s: None }
    }
}

/// The five scores of `mir_eval.melody.evaluate`.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct MelodyScores {
    /// Share of the reference's voiced frames that the estimate voices.
    pub voicing_recall: f64,
    /// Share of the reference's unvoiced frames that the estimate voices.
    pub voicing_false_alarm: f64,
    /// Share of the reference's voiced frames whose estimated pitch (voiced or a guess) is
    /// within the tolerance.
    pub raw_pitch_accuracy: f64,
    /// The same, ignoring octave errors.
    pub raw_chroma_accuracy: f64,
    /// Share of all frames that are right: voiced with the right pitch, or unvoiced in both.
    pub overall_accuracy: f64,
}

/// Both series on one time base: voicings in [0, 1] and pitches in cents (0 = none).
#[derive(Debug, Clone, PartialEq)]
pub struct CentVoicing {
    /// The reference's voicing.
    pub ref_voicing: Vec<f64>,
    /// The reference's pitch, cents.
    pub ref_cent: Vec<f64>,
    /// The estimate's voicing.
    pub est_voicing: Vec<f64>,
    /// The estimate's pitch, cents.
    pub est_cent: Vec<f64>,
}

fn check_series(what: &'static str, times: &[f64], freqs: &[f64]) -> Result<()> {
    if times.len() != freqs.len() {
        return Err(invalid(what, format!("{} times but {} frequencies", times.len(), freqs.len())));
    }
    if times.len() < 2 {
        return Err(invalid(what, format!("{} frames: a melody needs at least two", times.len())));
    }
    if let Some(i) = times.iter().position(|t| !(t.is_finite() && *t >= 0.0)) {
        return Err(invalid(what, format!("time {} at frame {i}: times must be finite and ≥ 0", times[i])));
    }
    if let Some(i) = times.windows(2).position(|w| !(w[1] > w[0])) {
        return Err(invalid(what, format!("times must increase: {} then {} at frame {}", times[i], times[i + 1], i + 1)));
    }
    if let Some(i) = freqs.iter().position(|f| !f.is_finite()) {
        return Err(invalid(what, format!("frequency {} at frame {i}: unvoiced frames are 0 (or −pitch), not NaN", freqs[i])));
    }
    Ok(())
}

/// `np.round(x, 10)`.
fn round10(x: f64) -> f64 {
    (x * 1e10).round_ties_even() / 1e10
}

fn hz2cents(f: &[f64], base: f64) -> Vec<f64> {
    f.iter().map(|&v| if v == 0.0 { 0.0 } else { 1200.0 * (v.abs() / base).log2() }).collect()
}

/// scipy's `interp1d(x, y, 'linear')` at `xn` (inside the range of `x`).
fn interp_linear(x: &[f64], y: &[f64], xn: f64) -> f64 {
    let idx = x.partition_point(|&v| v < xn).clamp(1, x.len() - 1);
    let (lo, hi) = (idx - 1, idx);
    let slope = (y[hi] - y[lo]) / (x[hi] - x[lo]);
    slope * (xn - x[lo]) + y[lo]
}

/// scipy's `interp1d(x, y, 'zero')` at `xn`: the value of the last point at or before it.
fn interp_zero(x: &[f64], y: &[f64], xn: f64) -> f64 {
    let i = x.partition_point(|&v| v <= xn).saturating_sub(1);
    y[i.min(x.len() - 1)]
}

fn allclose(a: &[f64], b: &[f64]) -> bool {
    a.iter().zip(b).all(|(x, y)| (x - y).abs() <= 1e-8 + 1e-5 * y.abs())
}

/// mir_eval's `resample_melody_series` (kind `linear`).
fn resample(times: &[f64], cents: &[f64], voicing: &[f64], times_new: &[f64]) -> (Vec<f64>, Vec<f64>) {
    if times.len() == times_new.len() && allclose(times, times_new) {
        return (cents.to_vec(), voicing.to_vec());
    }
    let mut t: Vec<f64> = times.iter().map(|&v| round10(v)).collect();
    let tn: Vec<f64> = times_new.iter().map(|&v| round10(v)).collect();
    let (mut f, mut v) = (cents.to_vec(), voicing.to_vec());
    let max_new = tn.iter().cloned().fold(f64::NEG_INFINITY, f64::max);
    if max_new > *t.last().expect("two frames or more") {
        t.push(max_new);
        f.push(0.0);
        v.push(0.0);
    }
    let mut held = f.clone();
    for n in 1..f.len() {
        if f[n] == 0.0 {
            held[n] = held[n - 1];
        }
    }
    let binary = v.iter().all(|&x| x == 0.0 || x == 1.0);
    let fr = tn.iter().map(|&x| if interp_zero(&t, &f, x) != 0.0 { interp_linear(&t, &held, x) } else { 0.0 }).collect();
    let vr = tn.iter().map(|&x| if binary { interp_zero(&t, &v, x) } else { interp_linear(&t, &v, x) }).collect();
    (fr, vr)
}

fn hop_timebase(hop: f64, end: f64) -> Vec<f64> {
    let end = round10(end);
    let n = (end / hop).floor() as usize;
    let stop = hop * n as f64;
    (0..=n)
        .map(|i| {
            round10(if n == 0 {
                0.0
            } else if i == n {
                stop
            } else {
                i as f64 * (stop / n as f64)
            })
        })
        .collect()
}

/// Both melodies on one time base, in cents, as `mir_eval.melody.to_cent_voicing`.
pub fn to_cent_voicing(
    ref_time: &[f64],
    ref_freq: &[f64],
    est_time: &[f64],
    est_freq: &[f64],
    est_voicing: Option<&[f64]>,
    cfg: &MelodyEvalConfig,
) -> Result<CentVoicing> {
    check_series("reference", ref_time, ref_freq)?;
    check_series("estimate", est_time, est_freq)?;
    if let Some(v) = est_voicing {
        if v.len() != est_freq.len() {
            return Err(invalid("est_voicing", format!("{} values for {} frames", v.len(), est_freq.len())));
        }
        if let Some(bad) = v.iter().find(|x| !(**x >= 0.0 && **x <= 1.0)) {
            return Err(invalid("est_voicing", format!("{bad}: voicings must be in [0, 1]")));
        }
    }
    if !(cfg.base_frequency > 0.0 && cfg.base_frequency.is_finite()) {
        return Err(invalid("base_frequency", format!("{}: must be > 0 Hz", cfg.base_frequency)));
    }
    if let Some(h) = cfg.hop_s {
        if !(h > 0.0 && h.is_finite()) {
            return Err(invalid("hop_s", format!("{h}: must be > 0 s")));
        }
    }
    let start = |t: &[f64], f: &[f64], v: Option<&[f64]>| {
        let (mut t, mut f, mut v) = (t.to_vec(), f.to_vec(), v.map(|v| v.to_vec()));
        if t[0] > 0.0 {
            t.insert(0, 0.0);
            f.insert(0, f[0]);
            if let Some(v) = v.as_mut() {
                v.insert(0, v[0]);
            }
        }
        (t, f, v)
    };
    let (rt, rf, _) = start(ref_time, ref_freq, None);
    let (et, ef, ev) = start(est_time, est_freq, est_voicing);
    let ref_voicing: Vec<f64> = rf.iter().map(|&f| (f > 0.0) as u8 as f64).collect();
    let est_v: Vec<f64> = match ev {
        Some(mut v) => {
            for (x, f) in v.iter_mut().zip(&ef) {
                if *f == 0.0 {
                    *x = 0.0;
                }
            }
            v
        }
        None => ef.iter().map(|&f| (f > 0.0) as u8 as f64).collect(),
    };
    let rc = hz2cents(&rf, cfg.base_frequency);
    let ec = hz2cents(&ef, cfg.base_frequency);
    let (ref_voicing, ref_cent, mut est_voicing, mut est_cent) = match cfg.hop_s {
        Some(hop) => {
            let rmax = *rt.last().expect("checked");
            let emax = *et.last().expect("checked");
            let (rc, rv) = resample(&rt, &rc, &ref_voicing, &hop_timebase(hop, rmax));
            let (ec, ev) = resample(&et, &ec, &est_v, &hop_timebase(hop, emax));
            (rv, rc, ev, ec)
        }
        None => {
            let (ec, ev) = resample(&et, &ec, &est_v, &rt);
            (ref_voicing, rc, ev, ec)
        }
    };
    est_cent.resize(ref_cent.len(), 0.0);
    est_voicing.resize(ref_voicing.len(), 0.0);
    Ok(CentVoicing { ref_voicing, ref_cent, est_voicing, est_cent })
}

/// The five scores from series already on one time base.
pub fn melody_scores(cv: &CentVoicing, cent_tolerance: f64) -> Result<MelodyScores> {
    let CentVoicing { ref_voicing: rv, ref_cent: rc, est_voicing: ev, est_cent: ec } = cv;
    let n = rv.len();
    if ev.len() != n || rc.len() != n || ec.len() != n {
        return Err(invalid("melody", "voicing and pitch series of different lengths"));
    }
    if !(cent_tolerance > 0.0) {
        return Err(invalid("cent_tolerance", format!("{cent_tolerance}: must be > 0 cents")));
    }
    if n == 0 {
        return Ok(MelodyScores {
            voicing_recall: 0.0,
            voicing_false_alarm: 0.0,
            raw_pitch_accuracy: 0.0,
            raw_chroma_accuracy: 0.0,
            overall_accuracy: 0.0,
        });
    }
    let voiced: f64 = rv.iter().map(|&v| (v > 0.0) as u8 as f64).sum();
    let unvoiced: f64 = rv.iter().map(|&v| (v == 0.0) as u8 as f64).sum();
    let voicing_recall = if voiced == 0.0 { 1.0 } else { rv.iter().zip(ev).map(|(r, e)| e * (*r > 0.0) as u8 as f64).sum::<f64>() / voiced };
    let voicing_false_alarm =
        if unvoiced == 0.0 { 0.0 } else { rv.iter().zip(ev).map(|(r, e)| e * (*r == 0.0) as u8 as f64).sum::<f64>() / unvoiced };
    let sum_rv: f64 = rv.iter().sum();
    let both: Vec<usize> = (0..n).filter(|&i| ec[i] != 0.0 && rc[i] != 0.0).collect();
    let tol = cent_tolerance;
    let accuracy = |chroma: bool| {
        if sum_rv == 0.0 || both.is_empty() {
            return 0.0;
        }
        let ok = |i: usize| {
            let d = (rc[i] - ec[i]).abs();
            let d = if chroma { (d - 1200.0 * (d / 1200.0 + 0.5).floor()).abs() } else { d };
            d < tol
        };
        both.iter().map(|&i| rv[i] * ok(i) as u8 as f64).sum::<f64>() / sum_rv
    };
    let raw_pitch_accuracy = accuracy(false);
    let raw_chroma_accuracy = accuracy(true);
    let ratio = if sum_rv == 0.0 { 0.0 } else { voiced / sum_rv };
    let correct: f64 = both.iter().map(|&i| rv[i] * ev[i] * (((rc[i] - ec[i]).abs() < tol) as u8 as f64)).sum();
    let silent: f64 = rv.iter().zip(ev).map(|(r, e)| (1.0 - (*r > 0.0) as u8 as f64) * (1.0 - e)).sum();
    let overall_accuracy = (ratio * correct + silent) / n as f64;
    Ok(MelodyScores { voicing_recall, voicing_false_alarm, raw_pitch_accuracy, raw_chroma_accuracy, overall_accuracy })
}

/// `mir_eval.melody.evaluate(ref_time, ref_freq, est_time, est_freq, est_voicing)`.
pub fn evaluate_melody(
    ref_time: &[f64],
    ref_freq: &[f64],
    est_time: &[f64],
    est_freq: &[f64],
    est_voicing: Option<&[f64]>,
    cfg: &MelodyEvalConfig,
) -> Result<MelodyScores> {
    let cv = to_cent_voicing(ref_time, ref_freq, est_time, est_freq, est_voicing, cfg)?;
    melody_scores(&cv, cfg.cent_tolerance)
}
