//! Hidden-Markov decoding: Viterbi and the transition matrices librosa's `sequence` module
//! builds (`transition_uniform`, `transition_loop`, `transition_cycle`, `transition_local`).
//!
//! [`viterbi`] is the dense algorithm with librosa's conventions: probabilities are taken to
//! the log after adding the smallest positive `f64` (so an impossible transition or
//! observation costs about −708 instead of −∞), ties go to the lowest state index, and
//! the initial distribution defaults to uniform. It costs `O(T·S²)`.
//!
//! [`KronBanded`] decodes the same model when the transition matrix is a Kronecker product
//! `A = S ⊗ L` of a small dense matrix `S` (pYIN's voiced/unvoiced switch) and a banded
//! matrix `L` (a local pitch transition of width `w`): each step costs `O(m²·n·w)` instead
//! of `O(m²·n²)` for `m·n` states. Its path has the dense algorithm's log probability
//! (states outside the band are still considered, at their −708 cost, through prefix and
//! suffix maxima); where several paths tie within rounding it may pick another of them.

use ndarray::{Array2, ArrayView2};
use reprise_core::{invalid, Result};

/// The log of a probability as librosa's `viterbi` takes it: `ln(p + tiny)`.
#[inline]
pub fn log_prob(p: f64) -> f64 {
    (p + f64::MIN_POSITIVE).ln()
}

/// A window for [`transition_local`] (scipy's symmetric windows, `fftbins=False`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum LocalWindow {
    /// scipy's `triang` (librosa's default).
    #[default]
    Triangle,
    /// All ones.
    Boxcar,
    /// The symmetric Hann window.
    Hann,
}

impl LocalWindow {
    /// The symmetric window of `m` samples.
    pub fn symmetric(self, m: usize) -> Vec<f64> {
        match self {
            LocalWindow::Boxcar => vec![1.0; m],
            LocalWindow::Hann if m == 1 => vec![1.0],
            LocalWindow::Hann => (0..m).map(|k| 0.5 - 0.5 * (2.0 * std::f64::consts::PI * k as f64 / (m - 1) as f64).cos()).collect(),
            LocalWindow::Triangle => {
                // scipy.signal.windows.triang: rising half, mirrored
                let half: Vec<f64> = if m % 2 == 1 {
                    (1..=m.div_ceil(2)).map(|n| 2.0 * n as f64 / (m as f64 + 1.0)).collect()
                } else {
                    (1..=m / 2).map(|n| (2.0 * n as f64 - 1.0) / m as f64).collect()
                };
                let mut w = half.clone();
                let skip = if m % 2 == 1 { 1 } else { 0 };
                w.extend(half.iter().rev().skip(skip));
                w
            }
        }
    }
}

fn check_states(n_states: usize, at_least: usize) -> Result<()> {
    if n_states < at_least {
        return Err(invalid("n_states", format!("{n_states}: must be ≥ {at_least}")));
    }
    if n_states > u32::MAX as usize {
        return Err(invalid("n_states", format!("{n_states} states is too many")));
    }
    Ok(())
}

fn check_probs(prob: &[f64], n_states: usize) -> Result<Vec<f64>> {
    let p = match prob.len() {
        1 => vec![prob[0]; n_states],
        n if n == n_states => prob.to_vec(),
        n => return Err(invalid("prob", format!("{n} values for {n_states} states: give one, or one per state"))),
    };
    if let Some(bad) = p.iter().find(|v| !(**v >= 0.0 && **v <= 1.0)) {
        return Err(invalid("prob", format!("{bad} is outside [0, 1]")));
    }
    Ok(p)
}

/// The uniform transition matrix: every state goes to every state with probability `1/n`.
pub fn transition_uniform(n_states: usize) -> Result<Array2<f64>> {
    check_states(n_states, 1)?;
    Ok(Array2::from_elem((n_states, n_states), 1.0 / n_states as f64))
}

/// Self-loops: state `i` stays with probability `prob[i]` (one value for all, or one per
/// state) and moves to each other state with `(1 − prob[i])/(n − 1)`.
pub fn transition_loop(n_states: usize, prob: &[f64]) -> Result<Array2<f64>> {
    check_states(n_states, 2)?;
    let p = check_probs(prob, n_states)?;
    let mut t = Array2::zeros((n_states, n_states));
    for (i, &pi) in p.iter().enumerate() {
        t.row_mut(i).fill((1.0 - pi) / (n_states - 1) as f64);
        t[[i, i]] = pi;
    }
    Ok(t)
}

/// A cycle: state `i` stays with probability `prob[i]` and moves to `i + 1 (mod n)` otherwise.
pub fn transition_cycle(n_states: usize, prob: &[f64]) -> Result<Array2<f64>> {
    check_states(n_states, 2)?;
    let p = check_probs(prob, n_states)?;
    let mut t = Array2::zeros((n_states, n_states));
    for (i, &pi) in p.iter().enumerate() {
        t[[i, (i + 1) % n_states]] = 1.0 - pi;
        t[[i, i]] = pi;
    }
    Ok(t)
}

/// Local transitions: from state `i`, the states within `width/2` of it, weighted by a
/// window of `width` samples centred on `i` and normalised per row; with `wrap` the band
/// wraps around the ends (circular states, such as chroma), without it the rows near the
/// ends are cut and renormalised. `width` is one value for all states or one per state,
/// each between 1 and `n_states` (librosa's `transition_local`).
pub fn transition_local(n_states: usize, width: &[usize], window: LocalWindow, wrap: bool) -> Result<Array2<f64>> {
    check_states(n_states, 2)?;
    let widths = match width.len() {
        1 => vec![width[0]; n_states],
        n if n == n_states => width.to_vec(),
        n => return Err(invalid("width", format!("{n} widths for {n_states} states: give one, or one per state"))),
    };
    let n = n_states;
    let mut t = Array2::zeros((n, n));
    for (i, &w) in widths.iter().enumerate() {
        if w < 1 || w > n {
            return Err(invalid("width", format!("{w}: must be between 1 and the number of states ({n})")));
        }
        let win = LocalWindow::symmetric(window, w);
        // librosa centres the window in n samples, then rolls it by n/2 + i + 1
        let lpad = (n - w) / 2;
        let shift = n / 2 + i + 1;
        let mut row = vec![0f64; n];
        for (k, &v) in win.iter().enumerate() {
            row[(lpad + k + shift) % n] = v;
        }
        if !wrap {
            let hi = (i + w / 2 + 1).min(n);
            row[hi..].fill(0.0);
            let lo = i.saturating_sub(w / 2);
            row[..lo].fill(0.0);
        }
        let sum = pairwise_sum(&row);
        if !(sum > 0.0) {
            return Err(invalid("width", format!("{w}: the {} window of this width is zero around state {i}", window_name(window))));
        }
        for (dst, v) in t.row_mut(i).iter_mut().zip(&row) {
            *dst = v / sum;
        }
    }
    Ok(t)
}

fn window_name(w: LocalWindow) -> &'static str {
    match w {
        LocalWindow::Triangle => "triangle",
        LocalWindow::Boxcar => "boxcar",
        LocalWindow::Hann => "hann",
    }
}

/// numpy's pairwise summation (blocks of 128, eight accumulators), so that row sums
/// round as numpy's do.
pub fn pairwise_sum(a: &[f64]) -> f64 {
    let n = a.len();
    if n < 8 {
        a.iter().fold(0.0, |s, v| s + v)
    } else if n <= 128 {
        let mut r = [0f64; 8];
        r.copy_from_slice(&a[..8]);
        let whole = n - n % 8;
        let mut i = 8;
        while i < whole {
            for j in 0..8 {
                r[j] += a[i + j];
            }
            i += 8;
        }
        let mut res = ((r[0] + r[1]) + (r[2] + r[3])) + ((r[4] + r[5]) + (r[6] + r[7]));
        for v in &a[whole..] {
            res += v;
        }
        res
    } else {
        let mut n2 = n / 2;
        n2 -= n2 % 8;
        pairwise_sum(&a[..n2]) + pairwise_sum(&a[n2..])
    }
}

/// Checks a transition matrix: square, non-negative, rows summing to 1 (within numpy's
/// `allclose`).
pub fn check_transition(t: ArrayView2<f64>) -> Result<()> {
    let (r, c) = t.dim();
    if r != c || r == 0 {
        return Err(invalid("transition", format!("shape {r}×{c}: must be square and non-empty")));
    }
    for (i, row) in t.rows().into_iter().enumerate() {
        if let Some(bad) = row.iter().find(|v| !(**v >= 0.0)) {
            return Err(invalid("transition", format!("row {i} holds {bad}: probabilities must be ≥ 0")));
        }
        let s: f64 = row.sum();
        if (s - 1.0).abs() > 1e-8 + 1e-5 {
            return Err(invalid("transition", format!("row {i} sums to {s}, not 1")));
        }
    }
    Ok(())
}

fn check_init(p_init: Option<&[f64]>, n: usize) -> Result<Vec<f64>> {
    match p_init {
        None => Ok(vec![log_prob(1.0 / n as f64); n]),
        Some(p) => {
            if p.len() != n {
                return Err(invalid("p_init", format!("{} values for {n} states", p.len())));
            }
            if let Some(bad) = p.iter().find(|v| !(**v >= 0.0)) {
                return Err(invalid("p_init", format!("holds {bad}: probabilities must be ≥ 0")));
            }
            let s: f64 = p.iter().sum();
            if (s - 1.0).abs() > 1e-8 + 1e-5 {
                return Err(invalid("p_init", format!("sums to {s}, not 1")));
            }
            Ok(p.iter().map(|&v| log_prob(v)).collect())
        }
    }
}

fn check_observations(prob: ArrayView2<f64>, n_states: usize) -> Result<()> {
    if prob.nrows() != n_states {
        return Err(invalid("prob", format!("{} states in the observations, {n_states} in the transition matrix", prob.nrows())));
    }
    if prob.ncols() == 0 {
        return Err(invalid("prob", "no time steps to decode"));
    }
    if let Some(bad) = prob.iter().find(|v| !(**v >= 0.0 && **v <= 1.0)) {
        return Err(invalid("prob", format!("holds {bad}: probabilities must be in [0, 1]")));
    }
    Ok(())
}

/// The most likely state sequence of a hidden Markov model and its log probability.
///
/// `prob` is `(n_states, n_steps)`: `prob[[s, t]]` is the likelihood of the observation at
/// step `t` in state `s`. `transition[[i, j]]` is the probability of going from `i` to `j`.
/// `p_init` defaults to uniform. librosa's `viterbi(prob, transition, p_init=…,
/// return_logp=True)`, ties to the lowest state.
pub fn viterbi(prob: ArrayView2<f64>, transition: ArrayView2<f64>, p_init: Option<&[f64]>) -> Result<(Vec<usize>, f64)> {
    check_transition(transition)?;
    let n = transition.nrows();
    check_observations(prob, n)?;
    let init = check_init(p_init, n)?;
    let log_trans = transition.mapv(log_prob);
    let steps = prob.ncols();
    let mut value: Vec<f64> = (0..n).map(|s| log_prob(prob[[s, 0]]) + init[s]).collect();
    let mut next = vec![0f64; n];
    let mut ptr = vec![0u32; steps * n];
    for t in 1..steps {
        for j in 0..n {
            let mut best = f64::NEG_INFINITY;
            let mut arg = 0;
            for i in 0..n {
                let v = value[i] + log_trans[[i, j]];
                if v > best {
                    best = v;
                    arg = i;
                }
            }
            ptr[t * n + j] = arg as u32;
            next[j] = log_prob(prob[[j, t]]) + best;
        }
        std::mem::swap(&mut value, &mut next);
    }
    Ok(backtrack(&value, &ptr, n, steps))
}

fn backtrack(last: &[f64], ptr: &[u32], n: usize, steps: usize) -> (Vec<usize>, f64) {
    let mut state = argmax_first(last);
    let logp = last[state];
    let mut states = vec![0usize; steps];
    states[steps - 1] = state;
    for t in (1..steps).rev() {
        state = ptr[t * n + state] as usize;
        states[t - 1] = state;
    }
    (states, logp)
}

fn argmax_first(v: &[f64]) -> usize {
    let mut arg = 0;
    for (i, &x) in v.iter().enumerate() {
        if x > v[arg] {
            arg = i;
        }
    }
    arg
}

/// A Viterbi decoder for transition matrices `A = S ⊗ L` (`np.kron(S, L)`): `S` is `m × m`
/// and dense, `L` is `n × n` and banded; state `a·n + p` is block `a`, position `p`.
/// [`KronBanded::decode`] finds a path of the log probability [`viterbi`] finds on `A`
/// (the same path unless several tie within rounding), at `O(m·n·w)` per step for a band
/// of width `w` (`O(m²·n·w)` when the band holds zeros).
///
/// When every entry inside the band is non-zero (pYIN's triangle), the best predecessor in
/// block `a` is found once for all target blocks: `ln(S[a,b]·L[p,q])` is then taken as
/// `ln S[a,b] + ln L[p,q]`, which can differ from numpy's product in the last bit: paths
/// whose log probabilities tie within rounding may be decoded differently.
#[derive(Debug, Clone)]
pub struct KronBanded {
    m: usize,
    n: usize,
    /// Lowest and highest offset `p − q` of a non-zero `L[p, q]` over all columns.
    d_lo: isize,
    d_hi: isize,
    /// Factored: one table `ln L[q+d, q]` and `ln S`; otherwise one table of
    /// `ln(S[a,b]·L[q+d, q] + tiny)` per `(a, b)`. Tables are stored by offset, then
    /// column (`(d − d_lo)·n_pad + q`); entries with `q + d` outside `0..n` are unused.
    log_t: Vec<Vec<f64>>,
    log_s: Option<Vec<f64>>,
    init: Vec<f64>,
    /// `n` rounded up to a multiple of [`BLOCK`]: the tables' row length.
    n_pad: usize,
}

/// `ln(tiny)`: the log-probability of a zero transition in the dense algorithm.
fn log_zero() -> f64 {
    log_prob(0.0)
}

/// Columns are processed in blocks of this many (a multiple of every SIMD width), tables
/// and sources padded to match.
const BLOCK: usize = 64;

/// For every column `q < u.len()`: the largest `src[q + k] + tab[k·stride + q]` over `k`
/// and its first `k`, into `u[q]` and `ui[q]` (`k` as a float). `src` is padded with −∞
/// wherever a source does not exist; `u.len()` is a multiple of [`BLOCK`]. Compiled for the
/// widest SIMD extension the CPU has, eight vectors of columns held in registers while
/// every offset passes over them.
fn band_max(u: &mut [f64], ui: &mut [f64], src: &[f64], tab: &[f64], stride: usize, width: usize) {
    struct Job<'a>(&'a mut [f64], &'a mut [f64], &'a [f64], &'a [f64], usize, usize);
    impl pulp::WithSimd for Job<'_> {
        type Output = ();
        #[inline(always)]
        fn with_simd<S: pulp::Simd>(self, simd: S) {
            let Job(u, ui, src, tab, stride, width) = self;
            const V: usize = 8;
            let w = V * S::F64_LANES;
            let neg = simd.splat_f64s(f64::NEG_INFINITY);
            let zero = simd.splat_f64s(0.0);
            let mut qb = 0;
            while qb + w <= u.len() {
                let (mut bu, mut bi) = ([neg; V], [zero; V]);
                for k in 0..width {
                    let sv = S::as_simd_f64s(&src[qb + k..qb + k + w]).0;
                    let lv = S::as_simd_f64s(&tab[k * stride + qb..k * stride + qb + w]).0;
                    let kk = simd.splat_f64s(k as f64);
                    for j in 0..V {
                        let v = simd.add_f64s(sv[j], lv[j]);
                        let gt = simd.greater_than_f64s(v, bu[j]);
                        bu[j] = simd.select_f64s(gt, v, bu[j]);
                        bi[j] = simd.select_f64s(gt, kk, bi[j]);
                    }
                }
                let (uo, io) = (S::as_mut_simd_f64s(&mut u[qb..qb + w]).0, S::as_mut_simd_f64s(&mut ui[qb..qb + w]).0);
                uo.copy_from_slice(&bu);
                io.copy_from_slice(&bi);
                qb += w;
            }
            // (u.len() is a multiple of BLOCK, hence of w: nothing is left)
            debug_assert_eq!(qb, u.len());
        }
    }
    pulp::Arch::new().dispatch(Job(u, ui, src, tab, stride, width))
}

impl KronBanded {
    /// Plans the decoder for `np.kron(switch, local)` with initial distribution `p_init`
    /// (uniform when `None`).
    pub fn new(switch: ArrayView2<f64>, local: ArrayView2<f64>, p_init: Option<&[f64]>) -> Result<KronBanded> {
        check_transition(switch)?;
        check_transition(local)?;
        let (m, n) = (switch.nrows(), local.nrows());
        let (mut d_lo, mut d_hi) = (0isize, 0isize);
        for ((p, q), &v) in local.indexed_iter() {
            if v != 0.0 {
                let d = p as isize - q as isize;
                d_lo = d_lo.min(d);
                d_hi = d_hi.max(d);
            }
        }
        let width = (d_hi - d_lo + 1) as usize;
        let in_band = |d: isize, q: usize| {
            let p = q as isize + d;
            (p >= 0 && (p as usize) < n).then_some(p as usize)
        };
        let factored = (d_lo..=d_hi).all(|d| (0..n).all(|q| in_band(d, q).is_none_or(|p| local[[p, q]] > 0.0))) && switch.iter().all(|&s| s > 0.0);
        let n_pad = n.div_ceil(BLOCK) * BLOCK;
        let table = |s: f64, factor: bool| {
            let mut tab = vec![log_zero(); width * n_pad];
            for (k, d) in (d_lo..=d_hi).enumerate() {
                for q in 0..n {
                    if let Some(p) = in_band(d, q) {
                        // np.kron multiplies, then viterbi adds tiny and takes the log
                        tab[k * n_pad + q] = if factor { log_prob(local[[p, q]]) } else { log_prob(s * local[[p, q]]) };
                    }
                }
            }
            tab
        };
        let (log_t, log_s) = if factored {
            (vec![table(1.0, true)], Some(switch.iter().map(|&s| log_prob(s)).collect()))
        } else {
            ((0..m * m).map(|ab| table(switch[[ab / m, ab % m]], false)).collect(), None)
        };
        let init = check_init(p_init, m * n)?;
        Ok(KronBanded { m, n, d_lo, d_hi, log_t, log_s, init, n_pad })
    }

    /// Number of states, `m·n`.
    pub fn n_states(&self) -> usize {
        self.m * self.n
    }

    /// Decodes `log_obs` (`(m·n) × steps`, already `ln(p + tiny)`, as [`log_prob`] gives):
    /// the states and the path's log probability.
    pub fn decode_log(&self, log_obs: ArrayView2<f64>) -> Result<(Vec<usize>, f64)> {
        let ns = self.n_states();
        if log_obs.nrows() != ns {
            return Err(invalid("prob", format!("{} states in the observations, {ns} in the transition matrix", log_obs.nrows())));
        }
        let obs_t = log_obs.t();
        self.decode_rows(log_obs.ncols(), |t, row| row.iter_mut().zip(obs_t.row(t)).for_each(|(d, s)| *d = *s))
    }

    /// Decodes `steps` steps whose log observations `fill(t, row)` writes into `row`
    /// (`m·n` values, `ln(p + tiny)`), one step at a time: the observations are never
    /// held all at once.
    pub fn decode_rows(&self, steps: usize, mut fill: impl FnMut(usize, &mut [f64])) -> Result<(Vec<usize>, f64)> {
        let ns = self.n_states();
        if steps == 0 {
            return Err(invalid("prob", "no time steps to decode"));
        }
        let mut row = vec![0f64; ns];
        fill(0, &mut row);
        let mut value: Vec<f64> = row.iter().zip(&self.init).map(|(o, i)| o + i).collect();
        let mut ptr = vec![0u32; steps * ns];
        let mut best = vec![0f64; ns];
        let mut arg = vec![0u32; ns];
        let mut scratch = Scratch::new(self.m, self.n, self.n_pad, (self.d_hi - self.d_lo + 1) as usize);
        for t in 1..steps {
            self.step(&value, &mut best, &mut arg, &mut scratch);
            fill(t, &mut row);
            for s in 0..ns {
                value[s] = row[s] + best[s];
            }
            ptr[t * ns..(t + 1) * ns].copy_from_slice(&arg);
        }
        Ok(backtrack(&value, &ptr, ns, steps))
    }

    /// Decodes probabilities (`(m·n) × steps`, each in `[0, 1]`).
    pub fn decode(&self, prob: ArrayView2<f64>) -> Result<(Vec<usize>, f64)> {
        check_observations(prob, self.n_states())?;
        self.decode_log(prob.mapv(log_prob).view())
    }

    /// The best in-band predecessor in block `a` through table `tab`, for every column,
    /// written as (value, source position) into `u`, `ui` (`n_pad` long). `vp` is scratch.
    fn band_pass(&self, va: &[f64], tab: &[f64], u: &mut [f64], ui: &mut [f64], vp: &mut [f64]) {
        let (n, n_pad) = (self.n, self.n_pad);
        let width = (self.d_hi - self.d_lo + 1) as usize;
        // sources with −∞ where none exists: source of column q at offset k is vp[q + k]
        let lead = (-self.d_lo) as usize;
        vp.fill(f64::NEG_INFINITY);
        vp[lead..lead + n].copy_from_slice(va);
        band_max(u, ui, vp, tab, n_pad, width);
        // offsets back to source positions
        for (q, i) in ui[..n].iter_mut().enumerate() {
            *i = (q as isize + self.d_lo + *i as isize) as f64;
        }
    }

    /// One step: for every target state, the best predecessor value `V[i] + ln A[i, j]`
    /// (before the observation) and its index, ties to the lowest index.
    fn step(&self, value: &[f64], best: &mut [f64], arg: &mut [u32], sc: &mut Scratch) {
        let (m, n, np) = (self.m, self.n, self.n_pad);
        let vl = sc.vp.len() / m;
        best.fill(f64::NEG_INFINITY);
        match &self.log_s {
            Some(log_s) => {
                // the best in-band source of each block, once for every target block
                let tab = &self.log_t[0];
                let pass = |a: usize, u: &mut [f64], ui: &mut [f64], vp: &mut [f64]| self.band_pass(&value[a * n..(a + 1) * n], tab, u, ui, vp);
                // (one thread: forking the two blocks each step costs more than it saves)
                for a in 0..m {
                    pass(a, &mut sc.u[a * np..(a + 1) * np], &mut sc.ui[a * np..(a + 1) * np], &mut sc.vp[a * vl..(a + 1) * vl]);
                }
                for b in 0..m {
                    for a in 0..m {
                        let ls = log_s[a * m + b];
                        for q in 0..n {
                            let v = sc.u[a * np + q] + ls;
                            if v > best[b * n + q] {
                                best[b * n + q] = v;
                                arg[b * n + q] = (a * n) as u32 + sc.ui[a * np + q] as u32;
                            }
                        }
                    }
                }
            }
            None => {
                for b in 0..m {
                    for a in 0..m {
                        let (u, ui, vp) = (&mut sc.u[..np], &mut sc.ui[..np], &mut sc.vp[..vl]);
                        self.band_pass(&value[a * n..(a + 1) * n], &self.log_t[a * m + b], u, ui, vp);
                        for q in 0..n {
                            if u[q] > best[b * n + q] {
                                best[b * n + q] = u[q];
                                arg[b * n + q] = (a * n) as u32 + ui[q] as u32;
                            }
                        }
                    }
                }
            }
        }
        self.far(value, best, arg, sc);
    }

    /// The candidates outside the band: `ln(tiny)` plus the best value before and after
    /// the band in each block, compared by (value, lowest index). They cannot reach a target
    /// whose in-band best already exceeds the largest value plus `ln(tiny)`; only the others
    /// are searched (in practice the states far from every candidate pitch).
    fn far(&self, value: &[f64], best: &mut [f64], arg: &mut [u32], sc: &mut Scratch) {
        let (m, n) = (self.m, self.n);
        let c = log_zero();
        let reach = value.iter().fold(f64::NEG_INFINITY, |a, &v| a.max(v)) + c;
        let open = |q: usize, best: &[f64]| (0..m).any(|b| best[b * n + q] <= reach);
        if !(0..n).any(|q| open(q, best)) {
            return;
        }
        sc.prefix_suffix(value, m, n);
        for q in 0..n {
            if !open(q, best) {
                continue;
            }
            let lo = q as isize + self.d_lo; // first in-band source
            let hi = q as isize + self.d_hi; // last in-band source
            let (mut fv, mut fi) = (f64::NEG_INFINITY, u32::MAX);
            for a in 0..m {
                let mut consider = |(v, i): (f64, u32)| {
                    let v = v + c;
                    let idx = (a * n) as u32 + i;
                    if v > fv || (v == fv && idx < fi) {
                        fv = v;
                        fi = idx;
                    }
                };
                if lo > 0 {
                    consider(sc.prefix[a * n + (lo - 1) as usize]);
                }
                if hi + 1 < n as isize {
                    consider(sc.suffix[a * n + (hi + 1) as usize]);
                }
            }
            for b in 0..m {
                let (bv, ba) = (&mut best[b * n + q], &mut arg[b * n + q]);
                if fv > *bv || (fv == *bv && fi < *ba) {
                    *bv = fv;
                    *ba = fi;
                }
            }
        }
    }
}

/// Per-block running maxima (value, first position) from the left and from the right.
struct Scratch {
    prefix: Vec<(f64, u32)>,
    suffix: Vec<(f64, u32)>,
    /// Per block: the best in-band value for each column and its source position
    /// (`n_pad` each).
    u: Vec<f64>,
    ui: Vec<f64>,
    /// Per block: the sources, padded with −∞ (`n_pad + width` each).
    vp: Vec<f64>,
}

impl Scratch {
    fn new(m: usize, n: usize, n_pad: usize, width: usize) -> Scratch {
        Scratch {
            prefix: vec![(0.0, 0); m * n],
            suffix: vec![(0.0, 0); m * n],
            u: vec![0.0; m * n_pad],
            ui: vec![0.0; m * n_pad],
            vp: vec![0.0; m * (n_pad + width)],
        }
    }

    fn prefix_suffix(&mut self, value: &[f64], m: usize, n: usize) {
        for a in 0..m {
            let v = &value[a * n..(a + 1) * n];
            let pre = &mut self.prefix[a * n..(a + 1) * n];
            let mut cur = (v[0], 0u32);
            for (p, &x) in v.iter().enumerate() {
                if x > cur.0 {
                    cur = (x, p as u32);
                }
                pre[p] = cur;
            }
            let suf = &mut self.suffix[a * n..(a + 1) * n];
            let mut cur = (v[n - 1], (n - 1) as u32);
            for p in (0..n).rev() {
                // ties go to the lower index
                if v[p] >= cur.0 {
                    cur = (v[p], p as u32);
                }
                suf[p] = cur;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn triangle_matches_scipy() {
        // scipy.signal.get_window('triangle', 5, fftbins=False) = [1/3, 2/3, 1, 2/3, 1/3]
        let w = LocalWindow::Triangle.symmetric(5);
        let want = [1.0 / 3.0, 2.0 / 3.0, 1.0, 2.0 / 3.0, 1.0 / 3.0];
        for (a, b) in w.iter().zip(want) {
            assert!((a - b).abs() < 1e-15);
        }
        // even: triang(4) = [0.25, 0.75, 0.75, 0.25]
        assert_eq!(LocalWindow::Triangle.symmetric(4), vec![0.25, 0.75, 0.75, 0.25]);
    }

    #[test]
    fn pairwise_sum_is_a_sum() {
        let a: Vec<f64> = (0..1000).map(|i| (i as f64 * 0.37).sin()).collect();
        let s: f64 = a.iter().sum();
        assert!((pairwise_sum(&a) - s).abs() < 1e-12);
        assert_eq!(pairwise_sum(&[1.0, 2.0]), 3.0);
    }
}
