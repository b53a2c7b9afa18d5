//! Block ("fold") evaluation of one octave's constant-Q kernels, for octaves whose hop
//! is small against their FFT size (the low octaves of the multirate transform, where
//! consecutive frames overlap 32 times or more).
//!
//! A kernel row `w` applied to the spectrum of a centred frame is an inner product of
//! the frame with one fixed complex sequence, `g[n] = Σ_m w_m e^(−2πi m n/N)` (the rows
//! address the full DFT of a real frame, so no conjugate half needs special care). The
//! responses at every hop are therefore samples of one correlation of the padded signal
//! with `g`. Per block of `B = 4N` padded samples this evaluates it with one real FFT of
//! the block, and per bin the product with `Q[ν] = Σ_n g[n] e^(2πi ν n/B)`, folded to
//! `B/hop` points (sampling every hop-th lag) and one inverse FFT of `B/hop` points: that
//! yields `(B − N)/hop` frames of the bin at once. The frame-by-frame path pays a
//! length-`N` FFT per frame instead.
//!
//! Blocks sit at fixed positions of the padded signal, so a stream fed in any chunking
//! computes exactly the same blocks, hence the same floats, as one call on the whole
//! signal.

use crate::frame::{fill_span, Framing, PadMode};
use num_complex::Complex32;
use realfft::RealToComplex;
use reprise_core::Result;
use rustfft::Fft;
use std::sync::Arc;

/// Blocks are this many FFT lengths long.
const BLOCK_FACTOR: usize = 4;

/// Whether a stage with FFT length `n_fft` and hop `hop` is cheaper by blocks.
pub(crate) fn worth_folding(n_fft: usize, hop: usize) -> bool {
    hop > 0 && hop * 32 <= n_fft && n_fft.is_power_of_two() && hop.is_power_of_two()
}

/// The kernels' `Q` spectra at the block length (shared by every octave that uses the
/// same kernels).
pub(crate) struct FoldBank {
    n_fft: usize,
    block: usize,
    q_re: Vec<Vec<f32>>,
    q_im: Vec<Vec<f32>>,
}

impl FoldBank {
    /// From sparse kernel rows over the full DFT of length `n_fft` (`(bin, weight)`).
    pub(crate) fn new(n_fft: usize, rows: &[Vec<(u32, Complex32)>]) -> Self {
        let block = BLOCK_FACTOR * n_fft;
        let forward = reprise_core::fft::forward::<f32>(n_fft);
        let inverse = reprise_core::fft::inverse::<f32>(block);
        let mut scratch = vec![Complex32::new(0.0, 0.0); forward.get_inplace_scratch_len().max(inverse.get_inplace_scratch_len())];
        let (mut q_re, mut q_im) = (Vec::with_capacity(rows.len()), Vec::with_capacity(rows.len()));
        let mut g = vec![Complex32::new(0.0, 0.0); block];
        for row in rows {
            // g = DFT_N(c) with c[m] = w_m; Q = unnormalised inverse DFT_B of g, zero-padded
            g.fill(Complex32::new(0.0, 0.0));
            for (m, w) in row {
                g[*m as usize] += w;
            }
            forward.process_with_scratch(&mut g[..n_fft], &mut scratch);
            inverse.process_with_scratch(&mut g, &mut scratch);
            q_re.push(g.iter().map(|c| c.re).collect());
            q_im.push(g.iter().map(|c| c.im).collect());
        }
        Self { n_fft, block, q_re, q_im }
    }
}

/// One stage evaluated by blocks: the bank, the hop and the transforms.
pub(crate) struct FoldStage {
    bank: Arc<FoldBank>,
    framing: Framing,
    /// Frames per block, `(B − N)/hop`.
    per_block: usize,
    /// Folded length, `B/hop`.
    folded: usize,
    rfft: Arc<dyn RealToComplex<f32>>,
    ifft: Arc<dyn Fft<f32>>,
}

impl FoldStage {
    /// A stage with zero padding at the ends (the only padding the blocks support: a
    /// reflected end would read samples that earlier blocks have already let go).
    pub(crate) fn new(bank: Arc<FoldBank>, hop: usize) -> Self {
        let (n, b) = (bank.n_fft, bank.block);
        let framing = Framing { frame_length: n, hop_length: hop, center: true, pad_mode: PadMode::Constant };
        let rfft = reprise_core::fft::real_forward::<f32>(b);
        let ifft = reprise_core::fft::inverse::<f32>(b / hop);
        Self { bank, framing, per_block: (b - n) / hop, folded: b / hop, rfft, ifft }
    }

    /// A stream over this stage (also used for whole signals).
    pub(crate) fn stream(&self) -> FoldStream<'_> {
        let b = self.bank.block;
        FoldStream {
            stage: self,
            buf: Vec::new(),
            buf_offset: 0,
            received: 0,
            next_block: 0,
            block: vec![0.0; b],
            spec: self.rfft.make_output_vec(),
            scratch: self.rfft.make_scratch_vec(),
            a_re: vec![0.0; b],
            a_im: vec![0.0; b],
            p_re: vec![0.0; self.folded],
            p_im: vec![0.0; self.folded],
            folded: vec![Complex32::new(0.0, 0.0); self.folded],
            iscratch: vec![Complex32::new(0.0, 0.0); self.ifft.get_inplace_scratch_len()],
        }
    }
}

/// Block evaluation over a stream of samples (see the module docs).
pub(crate) struct FoldStream<'a> {
    stage: &'a FoldStage,
    /// Samples from absolute index `buf_offset` on.
    buf: Vec<f32>,
    buf_offset: usize,
    received: usize,
    next_block: usize,
    block: Vec<f32>,
    spec: Vec<Complex32>,
    scratch: Vec<Complex32>,
    a_re: Vec<f32>,
    a_im: Vec<f32>,
    p_re: Vec<f32>,
    p_im: Vec<f32>,
    folded: Vec<Complex32>,
    iscratch: Vec<Complex32>,
}

impl FoldStream<'_> {
    /// First signal index of block `b` (frames `b·F … b·F + F − 1`).
    fn block_start(&self, b: usize) -> isize {
        (b * self.stage.per_block * self.stage.framing.hop_length) as isize - self.stage.framing.pad() as isize
    }

    /// Appends samples; calls `put(frame, bin, value)` (value before the per-bin factor)
    /// for every frame of every block now complete.
    pub(crate) fn push(&mut self, x: &[f32], mut put: impl FnMut(usize, usize, Complex32)) {
        self.buf.extend_from_slice(x);
        self.received += x.len();
        while self.block_start(self.next_block) + self.stage.bank.block as isize <= self.received as isize {
            self.run_block(usize::MAX, usize::MAX, &mut put);
        }
    }

    /// Ends the signal: computes the remaining frames and returns the stage's frame count.
    pub(crate) fn finish(&mut self, mut put: impl FnMut(usize, usize, Complex32)) -> Result<usize> {
        let total = self.received;
        let n_frames = self.stage.framing.count(total)?;
        while self.next_block * self.stage.per_block < n_frames {
            self.run_block(total, n_frames, &mut put);
        }
        Ok(n_frames)
    }

    /// Evaluates the next block; `total` and `n_frames` are `usize::MAX` until the end
    /// of the signal is known.
    fn run_block(&mut self, total: usize, n_frames: usize, put: &mut impl FnMut(usize, usize, Complex32)) {
        let st = self.stage;
        let bank = &st.bank;
        let b = bank.block;
        let start = self.block_start(self.next_block);
        fill_span(&self.buf, self.buf_offset, total, start, st.framing.pad_mode, &mut self.block);
        st.rfft.process_with_scratch(&mut self.block, &mut self.spec, &mut self.scratch).expect("buffer sizes fixed at planning");
        // the full spectrum of the real block, from its first half
        for (nu, c) in self.spec.iter().enumerate() {
            self.a_re[nu] = c.re;
            self.a_im[nu] = c.im;
            if nu > 0 && nu < b - nu {
                self.a_re[b - nu] = c.re;
                self.a_im[b - nu] = -c.im;
            }
        }
        let first = self.next_block * st.per_block;
        let count = st.per_block.min(n_frames.saturating_sub(first));
        let scale = 1.0 / b as f32;
        for (k, (q_re, q_im)) in bank.q_re.iter().zip(&bank.q_im).enumerate() {
            fold_product(&mut self.p_re, &mut self.p_im, &self.a_re, &self.a_im, q_re, q_im);
            for ((f, r), i) in self.folded.iter_mut().zip(&self.p_re).zip(&self.p_im) {
                *f = Complex32::new(*r, *i);
            }
            st.ifft.process_with_scratch(&mut self.folded, &mut self.iscratch);
            for (j, v) in self.folded[..count].iter().enumerate() {
                put(first + j, k, v * scale);
            }
        }
        self.next_block += 1;
        // drop samples no later block needs, once they are the larger part of the buffer
        // (dropping after every block would move the rest of a long buffer each time)
        let keep_from = self.block_start(self.next_block).max(0) as usize;
        let dead = keep_from.saturating_sub(self.buf_offset).min(self.buf.len());
        if dead > 0 && 2 * dead >= self.buf.len() {
            self.buf.drain(..dead);
            self.buf_offset += dead;
        }
    }
}

/// `P[μ] = Σ_q A[μ + q·M]·Q[μ + q·M]` for `μ < M = p.len()`, over split real and
/// imaginary parts, compiled for the widest SIMD extension the CPU has (no fused
/// multiply-adds: the same floats on every path).
fn fold_product(p_re: &mut [f32], p_im: &mut [f32], a_re: &[f32], a_im: &[f32], q_re: &[f32], q_im: &[f32]) {
    struct Job<'a> {
        p: (&'a mut [f32], &'a mut [f32]),
        a: (&'a [f32], &'a [f32]),
        q: (&'a [f32], &'a [f32]),
    }
    impl pulp::WithSimd for Job<'_> {
        type Output = ();
        #[inline(always)]
        fn with_simd<S: pulp::Simd>(self, _: S) {
            let Job { p: (p_re, p_im), a: (a_re, a_im), q: (q_re, q_im) } = self;
            let m = p_re.len();
            // eight outputs at a time in local sums: no stores to alias the inputs
            const L: usize = 8;
            for (c, (pr, pi)) in p_re.chunks_exact_mut(L).zip(p_im.chunks_exact_mut(L)).enumerate() {
                let (mut sr, mut si) = ([0.0f32; L], [0.0f32; L]);
                for q in (c * L..a_re.len()).step_by(m) {
                    let (ar, ai, qr, qi) = (&a_re[q..q + L], &a_im[q..q + L], &q_re[q..q + L], &q_im[q..q + L]);
                    for l in 0..L {
                        sr[l] += ar[l] * qr[l] - ai[l] * qi[l];
                        si[l] += ar[l] * qi[l] + ai[l] * qr[l];
                    }
                }
                pr.copy_from_slice(&sr);
                pi.copy_from_slice(&si);
            }
        }
    }
    debug_assert!(p_re.len().is_multiple_of(8) && a_re.len().is_multiple_of(p_re.len()));
    pulp::Arch::new().dispatch(Job { p: (p_re, p_im), a: (a_re, a_im), q: (q_re, q_im) })
}
