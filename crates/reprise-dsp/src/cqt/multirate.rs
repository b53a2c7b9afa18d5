//! The planned CQT/VQT: octave stages from the top, and its stream.

use super::*;

/// A whole octave signal through a block-evaluated stage: `put(frame, bin, value)` for
/// the first `n_frames` frames (values times `factor`).
#[inline(never)]
pub(super) fn fold_stage(fold: &FoldStage, x: &[f32], factor: &[f32], n_frames: usize, mut put: impl FnMut(usize, usize, Complex32)) -> Result<()> {
    let mut blocks = fold.stream();
    let mut keep = |t: usize, k: usize, v: Complex32| {
        if t < n_frames {
            put(t, k, v * factor[k]);
        }
    };
    blocks.push(x, &mut keep);
    blocks.finish(&mut keep)?;
    Ok(())
}

/// One octave group of a planned transform.
pub(super) struct Stage {
    pub(super) kernels: Arc<BandedKernels>,
    pub(super) framing: Framing,
    /// The bins this stage computes.
    pub(super) range: std::ops::Range<usize>,
    /// Per bin: the rate gain times `L_k^(−1/2)` (when `scale`).
    pub(super) factor: Vec<f32>,
    /// Whether the signal is halved after this stage.
    pub(super) halve_after: bool,
    /// Block evaluation, for stages whose frames overlap 32 times or more.
    pub(super) fold: Option<FoldStage>,
}

/// A planned CQT/VQT: filter design and FFT kernels are built once per tuning.
pub struct Cqt {
    pub(super) config: CqtConfig,
    pub(super) filters: VqtFilters,
    pub(super) early_factor: usize,
    /// The octave groups, from the top.
    pub(super) stages: Vec<Stage>,
}

impl Cqt {
    /// Plans the transform for `config`; its tuning must be known ([`Tuning::Bins`]).
    pub fn new(config: &CqtConfig) -> Result<Self> {
        let filters = VqtFilters::design(config)?;
        let exact = config.mode == CqtMode::Exact;
        let n_octaves = config.n_octaves();
        let n_filters = config.bins_per_octave.min(config.n_bins);
        let nyquist = config.sr as f64 / 2.0;
        // early downsampling (multirate only)
        let mut early = 0u32;
        if !exact {
            let count1 = ((nyquist / filters.cutoff).log2().ceil() as i64 - 1 - 1).max(0);
            let count2 = (config.hop_length.trailing_zeros() as i64 - n_octaves as i64 + 1).max(0);
            early = count1.min(count2) as u32;
        }
        let factor = 1usize << early;
        let mut sr = config.sr as f64 / factor as f64;
        let mut hop = config.hop_length / factor;
        let mut stages: Vec<Stage> = Vec::with_capacity(n_octaves);
        // the current kernel set: its key (normalised frequencies, lengths), the banded
        // form, the sparse rows, and, once a stage needs it, its block ("fold") form
        type Set = (Vec<f64>, Vec<f64>, Arc<BandedKernels>, Kernels, Option<Arc<FoldBank>>);
        let mut current: Option<Set> = None;
        let n = config.n_bins;
        for i in 0..n_octaves {
            let hi = n - n_filters * i;
            let lo = n.saturating_sub(n_filters * (i + 1));
            let (design_sr, gain) = if exact { (config.sr as f64, 1.0) } else { (sr, (config.sr as f64 / sr).sqrt()) };
            let sub = filters.subset(lo..hi, config, design_sr);
            let freqs: Vec<f64> = sub.freqs.iter().map(|f| f / design_sr).collect();
            let same = |a: &[f64], b: &[f64]| a.len() == b.len() && a.iter().zip(b).all(|(x, y)| (x - y).abs() <= 1e-12 * x.abs().max(y.abs()));
            // in multirate mode every whole octave has the same atoms at its own rate
            let set = match current.take() {
                Some(set) if same(&set.0, &freqs) && same(&set.1, &sub.lengths) => set,
                _ => {
                    let sparse = Kernels::build(&sub, config, design_sr, 1.0, exact);
                    if sparse.n_fft < 2 {
                        return Err(invalid(
                            "fmin",
                            format!("the filters would be {} sample(s) long; raise filter_scale or lower fmin", sparse.n_fft),
                        ));
                    }
                    (freqs, sub.lengths.clone(), Arc::new(BandedKernels::from_sparse(&sparse)), sparse, None)
                }
            };
            let (f, l, kernels, sparse, mut bank) = set;
            let stage_hop = if exact { config.hop_length } else { hop };
            let framing = Framing { frame_length: kernels.n_fft, hop_length: stage_hop, center: true, pad_mode: config.pad_mode };
            framing.validate()?;
            let fold = (!exact && config.pad_mode == PadMode::Constant && worth_folding(kernels.n_fft, stage_hop)).then(|| {
                let bank = bank.get_or_insert_with(|| Arc::new(FoldBank::new(sparse.n_fft, &sparse.rows)));
                FoldStage::new(bank.clone(), stage_hop)
            });
            let factor = filters.lengths[lo..hi].iter().map(|l| (gain * if config.scale { 1.0 / l.sqrt() } else { 1.0 }) as f32).collect();
            // the last octave's signal is not halved again
            let halve_after = !exact && hop.is_multiple_of(2) && i + 1 < n_octaves;
            stages.push(Stage { kernels: kernels.clone(), framing, range: lo..hi, factor, halve_after, fold });
            current = Some((f, l, kernels, sparse, bank));
            if halve_after {
                hop /= 2;
                sr /= 2.0;
            }
        }
        Ok(Self { config: *config, filters, early_factor: factor, stages })
    }

    /// Gain after early downsampling: librosa resamples with energy scaling (× √factor)
    /// and, when the transform itself is unscaled, multiplies by √factor once more.
    pub(super) fn early_gain(&self) -> f32 {
        let root = (self.early_factor as f32).sqrt();
        if self.config.scale {
            root
        } else {
            root * root
        }
    }

    /// The filter design in use.
    pub fn filters(&self) -> &VqtFilters {
        &self.filters
    }

    /// The complex transform of `y`, shape `(n_bins, n_frames)`, bins ascending.
    pub fn process(&self, y: &[f32]) -> Result<Array2<Complex32>> {
        self.run(y, |c| c)
    }

    /// The magnitude `|C|` of the transform of `y`, shape `(n_bins, n_frames)`, without
    /// the complex array in between.
    pub fn magnitude(&self, y: &[f32]) -> Result<Array2<f32>> {
        self.run(y, |c| abs_parts(c.re, c.im))
    }

    /// The transform of `y`, each value passed through `map`, compiled for the widest
    /// SIMD extension the CPU has (pulp's runtime dispatch; no fused multiply-adds, so
    /// every path gives the same floats).
    pub(super) fn run<T: Copy + Default>(&self, y: &[f32], map: impl Fn(Complex32) -> T) -> Result<Array2<T>> {
        pulp::Arch::new().dispatch(
            #[inline(always)]
            || self.run_inner(y, map),
        )
    }

    #[inline(always)]
    pub(super) fn run_inner<T: Copy + Default>(&self, y: &[f32], map: impl Fn(Complex32) -> T) -> Result<Array2<T>> {
        check_finite(y, "sample")?;
        if y.is_empty() {
            return Err(Error::Empty);
        }
        if y.len() < self.early_factor {
            return Err(Error::TooShort { len: y.len(), need: self.early_factor, why: "early downsampling".into() });
        }
        // frames: as many as the octave with the fewest has
        let mut len = y.len().div_ceil(self.early_factor);
        let mut n_frames = usize::MAX;
        for st in &self.stages {
            n_frames = n_frames.min(st.framing.count(len)?);
            if st.halve_after {
                len = len.div_ceil(2);
            }
        }
        let mut sig: Vec<f32>;
        let mut cur: &[f32] = y;
        if self.early_factor > 1 {
            sig = y.to_vec();
            let mut f = self.early_factor;
            while f > 1 {
                sig = halve(&sig);
                f /= 2;
            }
            let g = self.early_gain();
            sig.iter_mut().for_each(|v| *v *= g);
            cur = &sig;
        }
        let n_bins = self.config.n_bins;
        let mut data = vec![T::default(); n_bins * n_frames];
        for st in &self.stages {
            let lo = st.range.start;
            if let Some(fold) = &st.fold {
                fold_stage(fold, cur, &st.factor, n_frames, |t, k, v| data[t * n_bins + lo + k] = map(v))?;
            } else {
                let mut work = st.kernels.work();
                for (b, block) in data.chunks_mut(n_bins * LANES).enumerate() {
                    let n_lanes = block.len() / n_bins;
                    for lane in 0..n_lanes {
                        st.framing.fill(cur, 0, cur.len(), b * LANES + lane, work.fft.frame_mut());
                        st.kernels.transform(&mut work, lane);
                    }
                    st.kernels.respond(&work, &st.factor, n_lanes, |k, lane, v| block[lane * n_bins + lo + k] = map(v));
                }
            }
            if st.halve_after {
                let mut owned = halve(cur);
                owned.iter_mut().for_each(|v| *v *= std::f32::consts::SQRT_2);
                sig = owned;
                cur = &sig;
            }
        }
        Ok(Array2::from_shape_vec((n_bins, n_frames).f(), data).expect("frame-major data"))
    }
}

impl Cqt {
    /// A streaming transform: push chunks, receive complete frames; the frames equal
    /// those of [`Cqt::process`] on the whole signal, for any chunking.
    pub fn stream(&self) -> Result<CqtStream<'_>> {
        let early = (0..self.early_factor.trailing_zeros()).map(|_| Halver::new()).collect();
        let mut stages = Vec::with_capacity(self.stages.len());
        for st in &self.stages {
            let source = match &st.fold {
                Some(fold) => StageStream::Blocks(fold.stream(), 0),
                None => StageStream::Frames(FrameStream::new(st.framing)?, st.kernels.work()),
            };
            stages.push((source, st.halve_after.then(Halver::new)));
        }
        Ok(CqtStream { cqt: self, early, pending: vec![std::collections::VecDeque::new(); stages.len()], stages, received: 0 })
    }
}

/// A streaming CQT/VQT (see [`Cqt::stream`]). Memory stays bounded: each octave keeps
/// about one frame of samples and the frames that wait for slower octaves.
pub struct CqtStream<'a> {
    pub(super) cqt: &'a Cqt,
    pub(super) early: Vec<Halver>,
    pub(super) stages: Vec<(StageStream<'a>, Option<Halver>)>,
    pub(super) pending: Vec<std::collections::VecDeque<Vec<Complex32>>>,
    pub(super) received: usize,
}

/// How one octave of a stream is evaluated: frame by frame, or by blocks (with the
/// number of frames produced so far).
pub(super) enum StageStream<'a> {
    Frames(FrameStream, FrameWork),
    Blocks(FoldStream<'a>, usize),
}

impl CqtStream<'_> {
    /// Pushes samples; returns the frames (each `n_bins` values, bins ascending) that are
    /// now complete in every octave.
    pub fn push(&mut self, chunk: &[f32]) -> Result<Vec<Vec<Complex32>>> {
        if let Err(Error::NonFinite { what, index, value }) = check_finite(chunk, "sample") {
            return Err(Error::NonFinite { what, index: index + self.received, value });
        }
        self.received += chunk.len();
        let mut x = chunk.to_vec();
        for h in &mut self.early {
            x = h.push(&x);
        }
        self.scale_early(&mut x);
        self.feed(x, false)?;
        Ok(self.emit(false))
    }

    /// Ends the signal; returns the remaining frames.
    pub fn finish(&mut self) -> Result<Vec<Vec<Complex32>>> {
        if self.received == 0 {
            return Err(Error::Empty);
        }
        if self.received < self.cqt.early_factor {
            return Err(Error::TooShort { len: self.received, need: self.cqt.early_factor, why: "early downsampling".into() });
        }
        let mut x: Vec<f32> = Vec::new();
        for h in &mut self.early {
            let mut y = h.push(&x);
            y.extend(h.finish());
            x = y;
        }
        self.scale_early(&mut x);
        self.feed(x, true)?;
        Ok(self.emit(true))
    }

    pub(super) fn scale_early(&self, x: &mut [f32]) {
        if self.cqt.early_factor > 1 {
            let g = self.cqt.early_gain();
            x.iter_mut().for_each(|v| *v *= g);
        }
    }

    /// Feeds the (early-decimated) samples through the octave stages, top first.
    pub(super) fn feed(&mut self, mut x: Vec<f32>, last: bool) -> Result<()> {
        for ((source, halver), (st, queue)) in self.stages.iter_mut().zip(self.cqt.stages.iter().zip(&mut self.pending)) {
            match source {
                StageStream::Frames(frames, work) => {
                    let mut on_frame = |fr: &[f32]| {
                        // one frame in lane 0: the same sums as in the batch transform
                        work.fft.frame_mut().copy_from_slice(fr);
                        st.kernels.transform(work, 0);
                        let mut r = vec![Complex32::new(0.0, 0.0); st.range.len()];
                        st.kernels.respond(work, &st.factor, 1, |k, _, v| r[k] = v);
                        queue.push_back(r);
                    };
                    frames.push(&x, |_, fr| on_frame(fr));
                    if last {
                        frames.finish(|_, fr| on_frame(fr))?;
                    }
                }
                StageStream::Blocks(blocks, done) => {
                    // blocks report bin by bin: gather their frames, then queue them in order
                    let mut fresh: Vec<Vec<Complex32>> = Vec::new();
                    let mut put = |t: usize, k: usize, v: Complex32| {
                        let i = t - *done;
                        if fresh.len() <= i {
                            fresh.resize(i + 1, vec![Complex32::new(0.0, 0.0); st.range.len()]);
                        }
                        fresh[i][k] = v * st.factor[k];
                    };
                    blocks.push(&x, &mut put);
                    if last {
                        blocks.finish(&mut put)?;
                    }
                    *done += fresh.len();
                    queue.extend(fresh);
                }
            }
            if let Some(h) = halver {
                let mut y = h.push(&x);
                if last {
                    y.extend(h.finish());
                }
                y.iter_mut().for_each(|v| *v *= std::f32::consts::SQRT_2);
                x = y;
            }
        }
        Ok(())
    }

    /// Assembles frames that every octave has produced; at the end, drops the extra
    /// frames of faster octaves (the batch transform keeps the minimum count).
    pub(super) fn emit(&mut self, last: bool) -> Vec<Vec<Complex32>> {
        let n_bins = self.cqt.config.n_bins;
        let mut out = Vec::new();
        while self.pending.iter().all(|q| !q.is_empty()) {
            let mut frame = vec![Complex32::new(0.0, 0.0); n_bins];
            for (q, st) in self.pending.iter_mut().zip(&self.cqt.stages) {
                let r = q.pop_front().expect("checked non-empty");
                frame[st.range.clone()].copy_from_slice(&r);
            }
            out.push(frame);
        }
        if last {
            self.pending.iter_mut().for_each(|q| q.clear());
        }
        out
    }
}

impl FrameTransform for CqtStream<'_> {
    fn hop_length(&self) -> usize {
        self.cqt.config.hop_length
    }
    fn push(&mut self, samples: &[f32], emit: &mut dyn FnMut(Frames<'_>)) -> Result<()> {
        CqtStream::push(self, samples)?.iter().for_each(|f| emit(Frames::Complex(f)));
        Ok(())
    }
    fn finish(&mut self, emit: &mut dyn FnMut(Frames<'_>)) -> Result<()> {
        CqtStream::finish(self)?.iter().for_each(|f| emit(Frames::Complex(f)));
        Ok(())
    }
    fn axis(&self) -> Axis {
        Axis::numbers("frequency_hz", self.cqt.filters.freqs.clone())
    }
}
