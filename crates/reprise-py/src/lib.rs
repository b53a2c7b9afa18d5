//! `reprise._reprise`: the compiled half of the Python package. It converts types and
//! calls the facade; the librosa- and kymatio-shaped signatures, defaults and argument
//! checks live in the Python half (`python/reprise/`).
//!
//! Every computation releases the GIL; a batch of signals (the rows of a 2-D array) is
//! computed in parallel.

#![deny(missing_docs)]

use ndarray::{Array2, Array3, ArrayD, ShapeBuilder};
use num_complex::Complex32;
use numpy::{IntoPyArray, PyArray3, PyArrayDyn, PyReadonlyArray2, PyReadonlyArray3, PyReadonlyArrayDyn};
use pyo3::exceptions::{PyOSError, PyValueError};
use pyo3::prelude::*;
use rayon::prelude::*;
use reprise::features::{extract_signal_spec, FeatureData, FeatureParams, FeatureSpec};
use serde_json::Value;

mod extras;

/// A facade error as the Python exception the CLI's message maps to: files and inputs
/// → `OSError`, everything else → `ValueError`; the message is the CLI's one line.
pub(crate) fn to_py(e: reprise::Error) -> PyErr {
    match e {
        e @ (reprise::Error::Io(_) | reprise::Error::Input { .. }) => PyOSError::new_err(e.to_string()),
        e => PyValueError::new_err(e.to_string()),
    }
}

fn core_to_py(e: reprise::core::Error) -> PyErr {
    PyValueError::new_err(e.to_string())
}

/// Merges `overlay` into `base`, object by object.
fn merge(base: &mut Value, overlay: Value) {
    match (base, overlay) {
        (Value::Object(b), Value::Object(o)) => {
            for (k, v) in o {
                match b.get_mut(&k) {
                    Some(slot) if slot.is_object() && v.is_object() => merge(slot, v),
                    _ => {
                        b.insert(k, v);
                    }
                }
            }
        }
        (b, o) => *b = o,
    }
}

/// The names in `overlay` that `base` does not have (objects compared field by field;
/// a field whose default is not an object takes any value).
fn unknown(base: &Value, overlay: &Value, prefix: &str, out: &mut Vec<String>) {
    if let (Value::Object(b), Value::Object(o)) = (base, overlay) {
        for (k, v) in o {
            match b.get(k) {
                None => out.push(format!("{prefix}{k}")),
                Some(bv) => unknown(bv, v, &format!("{prefix}{k}."), out),
            }
        }
    }
}

/// The options (JSON: `FeatureParams` fields, librosa's names) over the defaults; a name
/// the parameters do not have is an error (nothing is silently ignored).
fn params_of(options: &str) -> PyResult<FeatureParams> {
    let overlay: Value = serde_json::from_str(options).map_err(|e| PyValueError::new_err(format!("options: {e}")))?;
    let mut params = serde_json::to_value(FeatureParams::default()).expect("plain data");
    let mut bad = Vec::new();
    unknown(&params, &overlay, "", &mut bad);
    if !bad.is_empty() {
        return Err(PyValueError::new_err(format!("unknown option(s) {}: see reprise.spec(kind) for the names", bad.join(", "))));
    }
    // an option the kind does not read is refused, as on the command line
    let mut given = Vec::new();
    leaf_paths(&overlay, "", &mut given);
    merge(&mut params, overlay);
    let params: FeatureParams = serde_json::from_value(params).map_err(|e| PyValueError::new_err(format!("options: {e}")))?;
    if let Some(msg) = given.iter().find_map(|p| reprise::features::ignored_option(p, p, params.kind)) {
        return Err(PyValueError::new_err(msg));
    }
    Ok(params)
}

/// The paths (`n_mels`, `cqt.n_bins`) of the values given in `v`.
fn leaf_paths(v: &Value, prefix: &str, out: &mut Vec<String>) {
    match v {
        Value::Object(o) => {
            for (k, x) in o {
                leaf_paths(x, &format!("{prefix}{k}."), out);
            }
        }
        _ => out.push(prefix.trim_end_matches('.').to_owned()),
    }
}

/// The specification that `options` give at `sr`, starting from the defaults.
fn spec_of(options: &str, sr: u32) -> PyResult<FeatureSpec> {
    params_of(options)?.spec(sr).map_err(to_py)
}

/// `(real, complex, axis, meta)`: the stacked features (one of the two arrays), the row
/// axis and the scattering kinds' per-row description, as JSON.
type Stacked<'py> = (Option<Bound<'py, PyArrayDyn<f32>>>, Option<Bound<'py, PyArray3<Complex32>>>, String, String);

/// Features of every row of `y` (signals × samples, float32) with the options given as
/// JSON. Returns `(real, complex, axis, meta)`: one of the first two is a `(signals, rows,
/// frames)` array and the other `None`; `axis` and `meta` are JSON.
#[pyfunction]
fn features<'py>(py: Python<'py>, y: PyReadonlyArray2<'py, f32>, sr: u32, options: &str) -> PyResult<Stacked<'py>> {
    let spec = spec_of(options, sr)?;
    let y = y.as_array();
    // the rows are read in place (the Python half passes a C-contiguous array)
    let rows: Vec<&[f32]> =
        y.outer_iter().map(|r| r.to_slice().ok_or_else(|| PyValueError::new_err("y must be C-contiguous"))).collect::<PyResult<_>>()?;
    // one signal is computed on this thread; several in parallel on rayon's
    let results: Vec<reprise::Result<reprise::features::Features>> = py.detach(|| match rows.as_slice() {
        [one] => vec![extract_signal_spec(one, &spec)],
        _ => rows.par_iter().map(|r| extract_signal_spec(r, &spec)).collect(),
    });
    let mut out = Vec::with_capacity(results.len());
    for r in results {
        out.push(r.map_err(to_py)?);
    }
    let axis = serde_json::to_string(&out.first().map(|f| f.row_axis.clone())).expect("plain data");
    let meta = serde_json::to_string(&out.first().and_then(|f| f.meta.clone())).expect("plain data");
    match out.first().map(|f| &f.data) {
        Some(FeatureData::Complex(_)) => {
            let parts = out.into_iter().map(|f| match f.data {
                FeatureData::Complex(a) => a,
                _ => unreachable!("one kind"),
            });
            Ok((None, Some(stack(parts.collect()).into_pyarray(py)), axis, meta))
        }
        Some(FeatureData::Real3(_)) => {
            // paths × rows × frames per signal (JTFS and spiral in the joint format)
            let parts: Vec<ArrayD<f32>> = out
                .into_iter()
                .map(|f| match f.data {
                    FeatureData::Real3(a) => a.into_dyn(),
                    _ => unreachable!("one kind"),
                })
                .collect();
            let stacked = if parts.len() == 1 {
                parts.into_iter().next().expect("one part").insert_axis(ndarray::Axis(0))
            } else {
                let views: Vec<_> = parts.iter().map(|a| a.view()).collect();
                ndarray::stack(ndarray::Axis(0), &views).expect("equal shapes")
            };
            Ok((Some(stacked.into_pyarray(py)), None, axis, meta))
        }
        _ => {
            let parts = out.into_iter().map(|f| match f.data {
                FeatureData::Real(a) => a,
                d => d.magnitude_2d(),
            });
            Ok((Some(stack(parts.collect()).into_dyn().into_pyarray(py)), None, axis, meta))
        }
    }
}

/// `(signals, rows, frames)` from one `(rows, frames)` matrix per signal, without copying a
/// single signal's matrix; each matrix keeps its memory order (frame-major, as librosa's).
fn stack<T: Copy>(parts: Vec<Array2<T>>) -> Array3<T> {
    if parts.len() == 1 {
        return parts.into_iter().next().expect("one part").insert_axis(ndarray::Axis(0));
    }
    let (rows, frames) = parts.first().map_or((0, 0), |a| a.dim());
    let mut data = Vec::with_capacity(parts.len() * rows * frames);
    for p in &parts {
        data.extend(p.t().iter().copied());
    }
    Array3::from_shape_vec((parts.len(), rows, frames).strides((rows * frames, 1, rows)), data).expect("frame-major blocks")
}

/// The specification the options give, as JSON (what a sidecar records); checked as a
/// feature run checks it.
#[pyfunction]
fn spec(options: &str, sr: u32) -> PyResult<String> {
    let spec = spec_of(options, sr)?;
    spec.validate(true).map_err(to_py)?;
    Ok(serde_json::to_string(&spec).expect("plain data"))
}

/// `(samples, sr)` of an audio file: mono, resampled to `sr` (`None`: the file's rate),
/// from `offset` seconds, at most `duration` seconds.
#[pyfunction]
#[pyo3(signature = (path, sr, offset, duration))]
fn load<'py>(
    py: Python<'py>,
    path: std::path::PathBuf,
    sr: Option<u32>,
    offset: f64,
    duration: Option<f64>,
) -> PyResult<(Bound<'py, numpy::PyArray1<f32>>, u32)> {
    let opts = reprise::io::LoadOptions { sr, offset_s: offset, duration_s: duration };
    let s = py.detach(|| reprise::io::load(&path, &opts)).map_err(|e| to_py(e.into()))?;
    Ok((s.samples.into_pyarray(py), s.sr))
}

/// The inverse STFT of every matrix of `d` (signals × bins × frames, complex64).
#[pyfunction]
#[pyo3(signature = (d, n_fft, hop_length, win_length, window, center, length))]
#[allow(clippy::too_many_arguments)]
fn istft<'py>(
    py: Python<'py>,
    d: PyReadonlyArray3<'py, Complex32>,
    n_fft: usize,
    hop_length: Option<usize>,
    win_length: Option<usize>,
    window: &str,
    center: bool,
    length: Option<usize>,
) -> PyResult<Bound<'py, numpy::PyArray2<f32>>> {
    let window = window.parse().map_err(core_to_py)?;
    let cfg = reprise::dsp::StftConfig { n_fft, hop_length, win_length, window, center, ..Default::default() };
    per_signal(py, d, |m| reprise::dsp::istft(m, &cfg, length))
}

/// `power_to_db` (or `amplitude_to_db` with `amplitude`) of any array, with a reference
/// value already resolved.
#[pyfunction]
#[pyo3(signature = (s, reference, amin, top_db, amplitude))]
fn to_db<'py>(
    py: Python<'py>,
    s: PyReadonlyArrayDyn<'py, f32>,
    reference: f32,
    amin: f32,
    top_db: Option<f32>,
    amplitude: bool,
) -> PyResult<Bound<'py, PyArrayDyn<f32>>> {
    let mut a: ArrayD<f32> = s.as_array().to_owned();
    let cfg = reprise::dsp::DbConfig { reference: reprise::dsp::DbRef::Value(reference), amin, top_db };
    py.detach(|| if amplitude { reprise::dsp::amplitude_to_db(&mut a, &cfg) } else { reprise::dsp::power_to_db(&mut a, &cfg) })
        .map_err(core_to_py)?;
    Ok(a.into_pyarray(py))
}

/// `librosa.estimate_tuning(y=y, sr=sr, bins_per_octave=...)` of every row of `y`.
#[pyfunction]
fn estimate_tuning(py: Python<'_>, y: PyReadonlyArray2<'_, f32>, sr: u32, bins_per_octave: usize) -> PyResult<Vec<f64>> {
    let rows: Vec<Vec<f32>> = y.as_array().outer_iter().map(|r| r.to_vec()).collect();
    let t: Vec<reprise::core::Result<f64>> =
        py.detach(|| rows.par_iter().map(|r| reprise::dsp::cqt::estimate_tuning_of(r, sr, bins_per_octave)).collect());
    t.into_iter().collect::<Result<_, _>>().map_err(core_to_py)
}

/// The matrices of `s` (signals × rows × frames) through `f`, in parallel, stacked.
fn per_matrix<'py>(
    py: Python<'py>,
    s: PyReadonlyArray3<'py, f32>,
    f: impl Fn(ndarray::ArrayView2<f32>) -> reprise::core::Result<Array2<f32>> + Sync,
) -> PyResult<Bound<'py, PyArray3<f32>>> {
    let mats: Vec<Array2<f32>> = s.as_array().outer_iter().map(|m| m.to_owned()).collect();
    let out: Vec<reprise::core::Result<Array2<f32>>> = py.detach(|| mats.par_iter().map(|m| f(m.view())).collect());
    let out: Vec<Array2<f32>> = out.into_iter().collect::<Result<_, _>>().map_err(core_to_py)?;
    Ok(stack(out).into_pyarray(py))
}

/// A feature of spectrograms already computed (`S=` inputs): `mel` from a power (or
/// magnitude) spectrogram, `mfcc` from a log-power mel spectrogram, `chroma-stft` from a
/// power spectrogram, `descriptor` (the spectral descriptor of `options`) and `rms` from a
/// magnitude spectrogram, `chroma-cqt`/`chroma-cens` from CQT magnitudes, and
/// `mel-to-stft` (the NNLS inversion of a mel spectrogram).
#[pyfunction]
fn from_spectrogram<'py>(py: Python<'py>, s: PyReadonlyArray3<'py, f32>, sr: u32, options: &str, what: &str) -> PyResult<Bound<'py, PyArray3<f32>>> {
    match (what, spec_of(options, sr)?) {
        ("mel", FeatureSpec::Mel { mel, .. }) => {
            let plan = reprise::dsp::MelSpectrogram::new(&mel).map_err(core_to_py)?;
            per_matrix(py, s, |m| plan.from_spectrogram(m))
        }
        ("mfcc", FeatureSpec::Mfcc { mfcc }) => {
            let plan = reprise::dsp::Mfcc::new(&mfcc).map_err(core_to_py)?;
            per_matrix(py, s, |m| plan.from_db(m))
        }
        ("chroma-stft", FeatureSpec::ChromaStft { chroma }) => {
            chroma.validate().map_err(core_to_py)?;
            per_matrix(py, s, |m| reprise::dsp::chroma::chroma_from_power(m, &chroma).map(|(c, _)| c))
        }
        ("mel-to-stft", FeatureSpec::Mel { mel, .. }) => per_matrix(py, s, |m| reprise::dsp::mel_to_stft(m, &mel)),
        ("descriptor", FeatureSpec::Centroid(d) | FeatureSpec::Bandwidth(d) | FeatureSpec::Rolloff(d) | FeatureSpec::Flatness(d)) => {
            per_matrix(py, s, |m| reprise::dsp::descriptor_from_spectrogram(m, d.sr, d.descriptor))
        }
        ("rms", FeatureSpec::Rms { frames, .. }) => per_matrix(py, s, |m| reprise::dsp::rms_from_spectrogram(m, frames.frame_length)),
        ("chroma-cqt", FeatureSpec::ChromaCqt { chroma }) => per_matrix(py, s, |m| reprise::dsp::chroma::chroma_from_cqt_magnitude(m, &chroma)),
        ("chroma-cens", FeatureSpec::ChromaCens { chroma, win_len_smooth, norm }) => {
            let raw = reprise::dsp::ChromaCqtConfig { norm: reprise::dsp::FrameNorm::None, ..chroma };
            per_matrix(py, s, |m| {
                Ok(reprise::dsp::chroma::cens_from_chroma(reprise::dsp::chroma::chroma_from_cqt_magnitude(m, &raw)?, norm, win_len_smooth))
            })
        }
        (w, spec) => Err(PyValueError::new_err(format!("{w} from a spectrogram is not available for {}", spec.kind().name()))),
    }
}

/// Griffin-Lim of every magnitude matrix of `s` with the STFT of `options`.
#[pyfunction]
#[pyo3(signature = (s, options, n_iter, momentum, seed, random_init, length))]
#[allow(clippy::too_many_arguments)]
fn griffinlim<'py>(
    py: Python<'py>,
    s: PyReadonlyArray3<'py, f32>,
    options: &str,
    n_iter: usize,
    momentum: f32,
    seed: u64,
    random_init: bool,
    length: Option<usize>,
) -> PyResult<Bound<'py, numpy::PyArray2<f32>>> {
    let FeatureSpec::Stft { stft, .. } = spec_of(options, 22050)? else { return Err(PyValueError::new_err("griffinlim needs STFT options")) };
    let cfg = reprise::dsp::GriffinLimConfig { stft, n_iter, momentum, seed, random_init };
    per_signal(py, s, |m| reprise::dsp::griffinlim(m, &cfg, length))
}

/// The inverse CQT of every matrix of `c` with the CQT of `options` at `sr`.
#[pyfunction]
fn icqt<'py>(
    py: Python<'py>,
    c: PyReadonlyArray3<'py, Complex32>,
    sr: u32,
    options: &str,
    length: Option<usize>,
) -> PyResult<Bound<'py, numpy::PyArray2<f32>>> {
    let FeatureSpec::Cqt(q) = spec_of(options, sr)? else { return Err(PyValueError::new_err("icqt needs CQT options")) };
    let cfg = q.cqt.with_tuning(q.cqt.tuning.known().unwrap_or(0.0));
    per_signal(py, c, |m| reprise::dsp::icqt(m, &cfg, length))
}

/// One signal from each matrix of `x` (signals × rows × frames) through `f`, in parallel
/// with the GIL released, as a `(signals, samples)` array.
fn per_signal<'py, T: numpy::Element + Copy + Send + Sync>(
    py: Python<'py>,
    x: PyReadonlyArray3<'py, T>,
    f: impl Fn(ndarray::ArrayView2<T>) -> reprise::core::Result<Vec<f32>> + Sync,
) -> PyResult<Bound<'py, numpy::PyArray2<f32>>> {
    let mats: Vec<Array2<T>> = x.as_array().outer_iter().map(|m| m.to_owned()).collect();
    let ys: Vec<reprise::core::Result<Vec<f32>>> = py.detach(|| mats.par_iter().map(|m| f(m.view())).collect());
    let ys: Vec<Vec<f32>> = ys.into_iter().collect::<Result<_, _>>().map_err(core_to_py)?;
    let n = ys.first().map_or(0, Vec::len);
    let flat: Vec<f32> = ys.concat();
    Ok(Array2::from_shape_vec((flat.len() / n.max(1), n), flat).expect("equal lengths").into_pyarray(py))
}

/// The mel filter bank of `options` at `sr`, `(n_mels, 1 + n_fft/2)` (`librosa.filters.mel`).
#[pyfunction]
fn mel_filters<'py>(py: Python<'py>, sr: u32, options: &str) -> PyResult<Bound<'py, numpy::PyArray2<f32>>> {
    let FeatureSpec::Mel { mel, .. } = spec_of(options, sr)? else { return Err(PyValueError::new_err("mel filters need mel options")) };
    let bank = reprise::dsp::MelFilterBank::new(&mel.filters()).map_err(core_to_py)?;
    Ok(bank.to_array().into_pyarray(py))
}

/// The chroma filter bank, `(n_chroma, 1 + n_fft/2)` (`librosa.filters.chroma`).
#[pyfunction]
#[pyo3(signature = (sr, n_fft, n_chroma, tuning, ctroct, octwidth, base_c))]
#[allow(clippy::too_many_arguments)]
fn chroma_filters<'py>(
    py: Python<'py>,
    sr: u32,
    n_fft: usize,
    n_chroma: usize,
    tuning: f64,
    ctroct: f64,
    octwidth: Option<f64>,
    base_c: bool,
) -> PyResult<Bound<'py, numpy::PyArray2<f32>>> {
    let cfg = reprise::dsp::ChromaFilterConfig { sr, n_fft, n_chroma, tuning, ctroct, octwidth, base_c };
    Ok(reprise::dsp::chroma_filters(&cfg).map_err(core_to_py)?.into_pyarray(py))
}

/// Two `(signals, rows, frames)` arrays.
type Pair3<'py> = (Bound<'py, PyArray3<f32>>, Bound<'py, PyArray3<f32>>);

/// `librosa.piptrack(S=...)` of every magnitude matrix of `s` (signals × bins × frames):
/// `(pitches, magnitudes)`, each the shape of `s`. `reference` (signals × frames) holds the
/// level each frame's peaks must exceed; `None` is `threshold ×` the frame's maximum.
#[pyfunction]
#[pyo3(signature = (s, sr, fmin, fmax, threshold, reference))]
fn piptrack<'py>(
    py: Python<'py>,
    s: PyReadonlyArray3<'py, f32>,
    sr: u32,
    fmin: f64,
    fmax: f64,
    threshold: f32,
    reference: Option<PyReadonlyArray2<'py, f32>>,
) -> PyResult<Pair3<'py>> {
    let cfg = reprise::dsp::PiptrackConfig { sr, n_fft: 0, fmin, fmax, threshold };
    let mats: Vec<Array2<f32>> = s.as_array().outer_iter().map(|m| m.to_owned()).collect();
    let refs: Option<Array2<f32>> = reference.map(|r| r.as_array().to_owned());
    if refs.as_ref().is_some_and(|r| r.nrows() != mats.len()) {
        return Err(PyValueError::new_err("ref: one row of levels per spectrogram"));
    }
    let out: Vec<reprise::core::Result<(Array2<f32>, Array2<f32>)>> =
        py.detach(|| mats.par_iter().enumerate().map(|(i, m)| reprise::dsp::piptrack(m.view(), &cfg, refs.as_ref().map(|r| r.row(i)))).collect());
    let (p, m): (Vec<_>, Vec<_>) = out.into_iter().collect::<Result<Vec<_>, _>>().map_err(core_to_py)?.into_iter().unzip();
    Ok((stack(p).into_pyarray(py), stack(m).into_pyarray(py)))
}

/// pYIN's three outputs: f0, voiced flags, voiced probabilities.
type Track<'py> = (Bound<'py, numpy::PyArray2<f64>>, Bound<'py, numpy::PyArray2<bool>>, Bound<'py, numpy::PyArray2<f64>>);

/// `librosa.pyin` of every signal of `y` (signals × samples), in parallel: f0 (Hz, NaN
/// where unvoiced when `fill_na` is set), voiced flags and voiced probabilities, each
/// signals × frames. `config` is a `PyinConfig` as JSON.
#[pyfunction]
fn pyin<'py>(py: Python<'py>, y: PyReadonlyArray2<'py, f32>, sr: u32, config: &str, fill_na: bool) -> PyResult<Track<'py>> {
    let cfg: reprise::dsp::PyinConfig = serde_json::from_str(config).map_err(|e| PyValueError::new_err(format!("pyin parameters: {e}")))?;
    let plan = reprise::dsp::Pyin::new(sr, &cfg).map_err(core_to_py)?;
    let rows: Vec<Vec<f32>> = y.as_array().outer_iter().map(|r| r.to_vec()).collect();
    let tracks: Vec<reprise::core::Result<reprise::dsp::PyinTrack>> = py.detach(|| rows.par_iter().map(|r| plan.track(r)).collect());
    let tracks = tracks.into_iter().collect::<Result<Vec<_>, _>>().map_err(core_to_py)?;
    let n = tracks.first().map_or(0, |t| t.len());
    let mut f0 = Array2::<f64>::zeros((tracks.len(), n));
    let mut voiced = Array2::<bool>::from_elem((tracks.len(), n), false);
    let mut prob = Array2::<f64>::zeros((tracks.len(), n));
    for (i, t) in tracks.iter().enumerate() {
        let f = if fill_na { t.f0_or_nan() } else { t.f0_hz.clone() };
        f0.row_mut(i).assign(&ndarray::ArrayView1::from(&f));
        voiced.row_mut(i).assign(&ndarray::ArrayView1::from(&t.voiced));
        prob.row_mut(i).assign(&ndarray::ArrayView1::from(&t.voiced_prob));
    }
    Ok((f0.into_pyarray(py), voiced.into_pyarray(py), prob.into_pyarray(py)))
}

/// `librosa.estimate_tuning(S=...)` of magnitude spectrograms (signals × bins × frames),
/// pooled over all of them as librosa pools leading axes: the piptrack peaks of every
/// frame (`threshold ×` the frame's maximum), the median-magnitude threshold, the
/// histogram of residuals at `resolution`.
#[pyfunction]
#[allow(clippy::too_many_arguments)]
fn estimate_tuning_pooled(
    py: Python<'_>,
    s: PyReadonlyArray3<'_, f32>,
    sr: u32,
    fmin: f64,
    fmax: f64,
    threshold: f32,
    resolution: f64,
    bins_per_octave: usize,
) -> PyResult<f64> {
    let s = s.as_array();
    let n_fft = 2 * s.shape()[1].saturating_sub(1);
    let cfg = reprise::dsp::PiptrackConfig { sr, n_fft, fmin, fmax, threshold };
    if s.iter().any(|v| !v.is_finite()) {
        return Err(PyValueError::new_err("S holds a non-finite value (NaN or infinity)"));
    }
    let mats: Vec<Array2<f32>> = s.outer_iter().map(|m| m.to_owned()).collect();
    py.detach(|| {
        let mut est = reprise::dsp::TuningEstimator::new(&cfg, bins_per_octave, resolution)?;
        est.estimate_with(|e| {
            for m in &mats {
                for col in m.columns() {
                    e.push_frame(&col.to_vec());
                }
            }
            Ok::<_, reprise::core::Error>(())
        })
    })
    .map_err(core_to_py)
}

/// What `reprise features INPUT` reads: `(None, [file])` for one file, `(root, files)`
/// for a folder (walked) or a glob, with the root the outputs mirror.
#[pyfunction]
fn inputs(input: &str) -> PyResult<(Option<String>, Vec<String>)> {
    let show = |p: &std::path::Path| p.to_string_lossy().into_owned();
    Ok(match reprise::outputs::inputs(input).map_err(to_py)? {
        reprise::outputs::Inputs::File(f) => (None, vec![show(&f)]),
        reprise::outputs::Inputs::Batch { root, files } => (Some(show(&root)), files.iter().map(|f| show(f)).collect()),
    })
}

/// The `.npy` of every input of a batch under `out`, as `reprise features` names them.
#[pyfunction]
fn output_paths(root: std::path::PathBuf, files: Vec<std::path::PathBuf>, out: std::path::PathBuf) -> Vec<String> {
    reprise::outputs::output_paths(&root, &files, &out).iter().map(|p| p.to_string_lossy().into_owned()).collect()
}

/// The `.npy` of a single input given `-o out`, as `reprise features` names it.
#[pyfunction]
fn single_output_path(out: std::path::PathBuf, input: std::path::PathBuf) -> String {
    reprise::outputs::single_output_path(&out, &input).to_string_lossy().into_owned()
}

/// Makes `out` (and checks it can be written in), then removes the temporaries an
/// interrupted run left there; returns how many were removed.
#[pyfunction]
fn prepare_output_folder(out: std::path::PathBuf) -> PyResult<usize> {
    reprise::io::check_writable(&out).map_err(|e| PyOSError::new_err(format!("{}: cannot write in the output folder: {e}", out.display())))?;
    Ok(reprise::io::sweep_stale_temporaries(&out))
}

/// The options, checked, as the `params` a sidecar records (JSON).
#[pyfunction]
fn params(options: &str) -> PyResult<String> {
    let p = params_of(options)?;
    p.validate().map_err(to_py)?;
    Ok(serde_json::to_string(&p.recorded()).expect("plain data"))
}

/// One input of a batch under `reprise features`' contract: when `npy` is already
/// complete for these options (and `force` is false) nothing is done; otherwise the
/// features are computed and committed (`.npy`, the picture with `plot`, the sidecar
/// last, each atomic). Returns `(computed, duration_s, warnings)`; errors name the file.
#[pyfunction]
#[pyo3(signature = (path, npy, options, plot=false, force=false))]
fn features_file(
    py: Python<'_>,
    path: std::path::PathBuf,
    npy: std::path::PathBuf,
    options: &str,
    plot: bool,
    force: bool,
) -> PyResult<(bool, f64, Vec<String>)> {
    let params = params_of(options)?;
    py.detach(|| {
        params.validate()?;
        if !force && reprise::outputs::is_complete(&npy, &path, &params, plot) {
            return Ok((false, 0.0, vec![]));
        }
        if let Some(dir) = npy.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(|e| reprise::io::IoError::Io { path: dir.to_owned(), source: e })?;
        }
        let f = reprise::features::extract_file(&path, &params)?;
        reprise::outputs::commit(&f, &params, &path, &npy, plot)?;
        Ok((true, f.duration_s, f.warnings.clone()))
    })
    .map_err(to_py)
}

/// The per-row description of a scattering kind for signals of `n` samples (JSON),
/// planned as such a signal plans it (so the length-dependent parameters are checked) and
/// without computing a transform.
#[pyfunction]
fn meta(options: &str, sr: u32, n: usize) -> PyResult<String> {
    let spec = spec_of(options, sr)?;
    let m = reprise::features::whole_signal_meta(&spec, n).map_err(to_py)?;
    Ok(serde_json::to_string(&m).expect("plain data"))
}

/// The version of the compiled module.
#[pyfunction]
fn version() -> &'static str {
    env!("CARGO_PKG_VERSION")
}

/// The compiled module.
#[pymodule]
fn _reprise(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(features, m)?)?;
    m.add_function(wrap_pyfunction!(spec, m)?)?;
    m.add_function(wrap_pyfunction!(load, m)?)?;
    m.add_function(wrap_pyfunction!(istft, m)?)?;
    m.add_function(wrap_pyfunction!(to_db, m)?)?;
    m.add_function(wrap_pyfunction!(estimate_tuning, m)?)?;
    m.add_function(wrap_pyfunction!(version, m)?)?;
    m.add_function(wrap_pyfunction!(from_spectrogram, m)?)?;
    m.add_function(wrap_pyfunction!(griffinlim, m)?)?;
    m.add_function(wrap_pyfunction!(icqt, m)?)?;
    m.add_function(wrap_pyfunction!(mel_filters, m)?)?;
    m.add_function(wrap_pyfunction!(chroma_filters, m)?)?;
    m.add_function(wrap_pyfunction!(piptrack, m)?)?;
    m.add_function(wrap_pyfunction!(pyin, m)?)?;
    m.add_function(wrap_pyfunction!(estimate_tuning_pooled, m)?)?;
    m.add_function(wrap_pyfunction!(inputs, m)?)?;
    m.add_function(wrap_pyfunction!(output_paths, m)?)?;
    m.add_function(wrap_pyfunction!(single_output_path, m)?)?;
    m.add_function(wrap_pyfunction!(prepare_output_folder, m)?)?;
    m.add_function(wrap_pyfunction!(params, m)?)?;
    m.add_function(wrap_pyfunction!(features_file, m)?)?;
    m.add_function(wrap_pyfunction!(meta, m)?)?;
    m.add_function(wrap_pyfunction!(extras::read_manifest, m)?)?;
    m.add_function(wrap_pyfunction!(extras::write_manifest, m)?)?;
    m.add_function(wrap_pyfunction!(extras::resolve_rows, m)?)?;
    m.add_function(wrap_pyfunction!(extras::split_rows, m)?)?;
    m.add_function(wrap_pyfunction!(extras::build_notes, m)?)?;
    m.add_function(wrap_pyfunction!(extras::midi_notes, m)?)?;
    m.add_function(wrap_pyfunction!(extras::piano_roll, m)?)?;
    m.add_function(wrap_pyfunction!(extras::write_roll, m)?)?;
    m.add_class::<extras::Network>()?;
    m.add_class::<extras::Classifier>()?;
    Ok(())
}
