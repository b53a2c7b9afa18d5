//! The pseudo-CQT and the hybrid CQT, planned and streamed.

use super::*;

/// A planned pseudo-CQT (see [`pseudo_cqt`]): the STFT and the kernel magnitudes.
pub struct PseudoCqt {
    pub(super) stft: Stft,
    /// Per bin: (spectrum index, |kernel|).
    pub(super) rows: Vec<Vec<(usize, f32)>>,
    pub(super) factor: Vec<f32>,
    /// Centre frequencies, Hz.
    pub(super) freqs: Vec<f64>,
    pub(super) hop: usize,
}

impl PseudoCqt {
    /// Plans the pseudo-CQT of `config` (γ = 0); its tuning must be known.
    pub fn new(config: &CqtConfig) -> Result<Self> {
        let cfg = CqtConfig { gamma: Gamma::Fixed(0.0), ..*config };
        let filters = VqtFilters::design(&cfg)?;
        Self::with_filters(&cfg, &filters)
    }

    pub(super) fn with_filters(cfg: &CqtConfig, filters: &VqtFilters) -> Result<Self> {
        let k = Kernels::build_sized(filters, cfg, cfg.sr as f64, 1.0, false, Some(cfg.hop_length));
        let stft = Stft::new(&StftConfig {
            n_fft: k.n_fft,
            hop_length: Some(cfg.hop_length),
            win_length: None,
            window: Window::Hann,
            center: true,
            pad_mode: cfg.pad_mode,
        })?;
        let rows = k.rows.iter().map(|r| r.iter().map(|(m, w)| (*m as usize, w.norm())).collect()).collect();
        let factor = filters
            .lengths
            .iter()
            .map(|l| if cfg.scale { (1.0 / (k.n_fft as f64).sqrt()) as f32 } else { (l / k.n_fft as f64).sqrt() as f32 })
            .collect();
        Ok(Self { stft, rows, factor, freqs: filters.freqs.clone(), hop: cfg.hop_length })
    }

    /// Number of bins.
    pub fn n_bins(&self) -> usize {
        self.rows.len()
    }

    /// Appends the bins of one STFT frame to `out`; `mag` is scratch.
    pub(super) fn frame(&self, spec: &[Complex32], mag: &mut Vec<f32>, out: &mut Vec<f32>) {
        mag.clear();
        mag.extend(spec.iter().map(|c| abs_parts(c.re, c.im)));
        for (row, f) in self.rows.iter().zip(&self.factor) {
            out.push(row.iter().map(|(m, w)| w * mag[*m]).sum::<f32>() * f);
        }
    }

    /// The magnitudes of `y`, shape `(n_bins, n_frames)`.
    pub fn process(&self, y: &[f32]) -> Result<Array2<f32>> {
        let mut data = Vec::new();
        let mut mag = Vec::new();
        let n = self.stft.for_each_frame(y, |_, spec| self.frame(spec, &mut mag, &mut data))?;
        Ok(Array2::from_shape_vec((self.n_bins(), n).f(), data).expect("frame-major"))
    }

    /// A streaming pseudo-CQT whose frames equal those of [`PseudoCqt::process`].
    pub fn stream(&self) -> PseudoCqtStream<'_> {
        PseudoCqtStream { plan: self, stft: self.stft.stream(), mag: Vec::new() }
    }
}

/// A streaming pseudo-CQT (see [`PseudoCqt::stream`]); it keeps one STFT frame of samples.
pub struct PseudoCqtStream<'a> {
    pub(super) plan: &'a PseudoCqt,
    pub(super) stft: crate::stft::StftStream,
    pub(super) mag: Vec<f32>,
}

impl PseudoCqtStream<'_> {
    /// Pushes samples; returns the frames now complete (each `n_bins` magnitudes).
    pub fn push(&mut self, chunk: &[f32]) -> Result<Vec<Vec<f32>>> {
        let (plan, mag) = (self.plan, &mut self.mag);
        let mut out = Vec::new();
        self.stft.push(chunk, |_, spec| {
            let mut f = Vec::with_capacity(plan.n_bins());
            plan.frame(spec, mag, &mut f);
            out.push(f);
        })?;
        Ok(out)
    }

    /// Ends the signal; returns the remaining frames.
    pub fn finish(&mut self) -> Result<Vec<Vec<f32>>> {
        let (plan, mag) = (self.plan, &mut self.mag);
        let mut out = Vec::new();
        self.stft.finish(|_, spec| {
            let mut f = Vec::with_capacity(plan.n_bins());
            plan.frame(spec, mag, &mut f);
            out.push(f);
        })?;
        Ok(out)
    }
}

/// A planned hybrid CQT (see [`hybrid_cqt`]): a multirate CQT for the low bins and a
/// pseudo-CQT for the high ones.
pub struct HybridCqt {
    pub(super) full: Option<Cqt>,
    pub(super) pseudo: Option<PseudoCqt>,
    pub(super) n_bins: usize,
    /// Centre frequencies, Hz.
    pub(super) freqs: Vec<f64>,
    pub(super) hop: usize,
}

impl HybridCqt {
    /// Plans the hybrid CQT of `config` (γ = 0); its tuning must be known.
    pub fn new(config: &CqtConfig) -> Result<Self> {
        let cfg = CqtConfig { gamma: Gamma::Fixed(0.0), ..*config };
        let filters = VqtFilters::design(&cfg)?;
        let n_pseudo = filters.lengths.iter().filter(|l| (next_pow2(**l) as f64) < 2.0 * cfg.hop_length as f64).count();
        let n_full = cfg.n_bins - n_pseudo;
        let mut full = None;
        if n_full > 0 {
            if n_full < 2 {
                return Err(invalid("n_bins", "hybrid_cqt needs at least 2 bins computed by the full CQT"));
            }
            let sub = CqtConfig { fmin: Some(filters.freqs[0]), n_bins: n_full, tuning: Tuning::Bins(0.0), mode: CqtMode::Multirate, ..cfg };
            full = Some(Cqt::new(&sub)?);
        }
        let mut pseudo = None;
        if n_pseudo > 0 {
            let sub = CqtConfig { fmin: Some(filters.freqs[n_full]), n_bins: n_pseudo, tuning: Tuning::Bins(0.0), ..cfg };
            // equal temperament: the subset's bandwidths equal those of the full design
            pseudo = Some(PseudoCqt::with_filters(&sub, &filters.subset(n_full..cfg.n_bins, &sub, cfg.sr as f64))?);
        }
        Ok(Self { full, pseudo, n_bins: cfg.n_bins, freqs: filters.freqs.clone(), hop: cfg.hop_length })
    }

    /// The magnitudes of `y`, shape `(n_bins, n_frames)`.
    pub fn process(&self, y: &[f32]) -> Result<Array2<f32>> {
        let low = self.full.as_ref().map(|c| c.magnitude(y)).transpose()?;
        let high = self.pseudo.as_ref().map(|p| p.process(y)).transpose()?;
        let n_full = low.as_ref().map_or(0, |a| a.nrows());
        let n_frames = low.iter().chain(&high).map(|a| a.ncols()).min().unwrap_or(0);
        Ok(Array2::from_shape_fn((self.n_bins, n_frames).f(), |(k, t)| match (&low, &high) {
            (Some(l), _) if k < n_full => l[[k, t]],
            (_, Some(h)) => h[[k - n_full, t]],
            _ => unreachable!("every bin belongs to one part"),
        }))
    }

    /// A streaming hybrid CQT whose frames equal those of [`HybridCqt::process`].
    pub fn stream(&self) -> Result<HybridCqtStream<'_>> {
        Ok(HybridCqtStream {
            full: self.full.as_ref().map(Cqt::stream).transpose()?,
            pseudo: self.pseudo.as_ref().map(PseudoCqt::stream),
            low: Default::default(),
            high: Default::default(),
            parts: (self.full.is_some(), self.pseudo.is_some()),
            n_bins: self.n_bins,
            plan: self,
        })
    }
}

/// A streaming hybrid CQT (see [`HybridCqt::stream`]): frames are emitted once both parts
/// have them.
pub struct HybridCqtStream<'a> {
    pub(super) full: Option<CqtStream<'a>>,
    pub(super) pseudo: Option<PseudoCqtStream<'a>>,
    pub(super) low: std::collections::VecDeque<Vec<f32>>,
    pub(super) high: std::collections::VecDeque<Vec<f32>>,
    /// Which parts the plan has: (low CQT, high pseudo-CQT).
    pub(super) parts: (bool, bool),
    pub(super) n_bins: usize,
    pub(super) plan: &'a HybridCqt,
}

impl HybridCqtStream<'_> {
    /// Pushes samples; returns the frames now complete (each `n_bins` magnitudes).
    pub fn push(&mut self, chunk: &[f32]) -> Result<Vec<Vec<f32>>> {
        if let Some(f) = &mut self.full {
            self.low.extend(f.push(chunk)?.into_iter().map(|fr| fr.iter().map(|c| abs_parts(c.re, c.im)).collect::<Vec<f32>>()));
        }
        if let Some(p) = &mut self.pseudo {
            self.high.extend(p.push(chunk)?);
        }
        Ok(self.emit())
    }

    /// Ends the signal; returns the remaining frames (as many as the shorter part has).
    pub fn finish(&mut self) -> Result<Vec<Vec<f32>>> {
        if let Some(mut f) = self.full.take() {
            self.low.extend(f.finish()?.into_iter().map(|fr| fr.iter().map(|c| abs_parts(c.re, c.im)).collect::<Vec<f32>>()));
        }
        if let Some(mut p) = self.pseudo.take() {
            self.high.extend(p.finish()?);
        }
        Ok(self.emit())
    }

    pub(super) fn emit(&mut self) -> Vec<Vec<f32>> {
        let (low, high) = self.parts;
        let mut out = Vec::new();
        while (low || high) && (!low || !self.low.is_empty()) && (!high || !self.high.is_empty()) {
            let mut frame = Vec::with_capacity(self.n_bins);
            if low {
                frame.extend(self.low.pop_front().expect("checked non-empty"));
            }
            if high {
                frame.extend(self.high.pop_front().expect("checked non-empty"));
            }
            out.push(frame);
        }
        out
    }
}

impl FrameTransform for PseudoCqtStream<'_> {
    fn hop_length(&self) -> usize {
        self.plan.hop
    }
    fn push(&mut self, samples: &[f32], emit: &mut dyn FnMut(Frames<'_>)) -> Result<()> {
        PseudoCqtStream::push(self, samples)?.iter().for_each(|f| emit(Frames::Real(f)));
        Ok(())
    }
    fn finish(&mut self, emit: &mut dyn FnMut(Frames<'_>)) -> Result<()> {
        PseudoCqtStream::finish(self)?.iter().for_each(|f| emit(Frames::Real(f)));
        Ok(())
    }
    fn axis(&self) -> Axis {
        Axis::numbers("frequency_hz", self.plan.freqs.clone())
    }
}

impl FrameTransform for HybridCqtStream<'_> {
    fn hop_length(&self) -> usize {
        self.plan.hop
    }
    fn push(&mut self, samples: &[f32], emit: &mut dyn FnMut(Frames<'_>)) -> Result<()> {
        HybridCqtStream::push(self, samples)?.iter().for_each(|f| emit(Frames::Real(f)));
        Ok(())
    }
    fn finish(&mut self, emit: &mut dyn FnMut(Frames<'_>)) -> Result<()> {
        HybridCqtStream::finish(self)?.iter().for_each(|f| emit(Frames::Real(f)));
        Ok(())
    }
    fn axis(&self) -> Axis {
        Axis::numbers("frequency_hz", self.plan.freqs.clone())
    }
}
