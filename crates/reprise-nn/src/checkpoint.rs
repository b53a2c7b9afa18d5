//! Run folders: the model description, the metrics log, the weights, and a checkpoint that
//! is replaced atomically after every epoch.
//!
//! ```text
//! RUN_DIR/
//!   model.json        format, version, model and training configuration, labels, input
//!                     description, standardisation: everything but the weights
//!   weights.bpk       the best weights (lowest validation loss), burnpack
//!   metrics.jsonl     one JSON object per finished epoch
//!   checkpoint/       model.bpk, optim.bpk, state.json of the last finished epoch
//! ```
//!
//! A checkpoint is written into a temporary folder of its own (`.reprise-<pid>.<host>-….tmp/`) and
//! renamed over `checkpoint/` (the old one is first renamed to `checkpoint.old/`), so a kill
//! at any moment leaves one complete checkpoint on disk. Every file goes through the
//! workspace's atomic writer ([`reprise_core::fs::write_atomic`]), so two processes writing
//! one run never leave a half-written or mixed file.

use std::fs;
use std::path::{Path, PathBuf};

use burn::module::Module;
use burn::optim::ModuleOptimizer;
use burn::store::{BurnpackStore, ModuleSnapshot};
use serde::{Deserialize, Serialize};

use crate::models::{ModelConfig, Net};
use crate::{NnError, Result};
use reprise_core::fs::write_atomic;

/// `format` of `model.json`.
pub const FORMAT: &str = "reprise-nn";
/// Version of the run-folder layout.
pub const VERSION: u32 = 1;

/// Training progress saved with each checkpoint.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TrainState {
    /// Epochs finished.
    pub epoch: usize,
    /// Lowest validation (or training) loss so far.
    pub best_loss: f64,
    /// Epoch (1-based) that reached it.
    pub best_epoch: usize,
    /// Epochs since the last improvement.
    pub stale: usize,
    /// Whether early stopping ended the run.
    pub stopped: bool,
}

fn tensor_file(path: &Path, what: &str, e: impl std::fmt::Display) -> NnError {
    NnError::file(path, format!("cannot {what}: {e}"))
}

/// Writes a module's weights to `path` (burnpack) atomically.
pub fn save_weights(net: &Net, path: &Path) -> Result<()> {
    let mut store = BurnpackStore::from_bytes(None);
    net.save_into(&mut store).map_err(|e| tensor_file(path, "write weights", e))?;
    let bytes = store.get_bytes().map_err(|e| tensor_file(path, "write weights", e))?;
    write_atomic(path, |w| w.write_all(&bytes)).map_err(|e| tensor_file(path, "write weights", e))
}

/// Builds `config`'s network on `device` and loads the weights at `path` into it. A
/// missing, truncated, foreign or mismatched file is an error that names it.
pub fn load_weights(config: &ModelConfig, path: &Path, device: &burn::prelude::Device) -> Result<Net> {
    if !path.is_file() {
        return Err(NnError::file(path, "no such weights file"));
    }
    let mut net = config.init(device)?;
    let mut store = BurnpackStore::from_file(path).auto_extension(false);
    let applied = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| net.load_from(&mut store)))
        .map_err(|_| NnError::file(path, "damaged weights file (the reader failed)"))?
        .map_err(|e| {
            let e = e.to_string().replace('\n', " ");
            if e.contains("Mismatch") {
                NnError::file(path, format!("weights do not fit the model in model.json ({e})"))
            } else {
                NnError::file(path, format!("not a readable weights file ({e}); it may be truncated or damaged"))
            }
        })?;
    if !applied.missing.is_empty() || !applied.errors.is_empty() {
        return Err(NnError::file(
            path,
            format!(
                "weights do not fit the model in model.json ({} missing, {} errors{})",
                applied.missing.len(),
                applied.errors.len(),
                applied.errors.first().map(|e| format!(": {e}")).unwrap_or_default()
            ),
        ));
    }
    Ok(net)
}

/// Writes `value` as JSON to `path` atomically.
pub fn write_json_atomic<T: Serialize>(path: &Path, value: &T) -> Result<()> {
    let text = serde_json::to_string_pretty(value).map_err(|e| tensor_file(path, "serialise", e))?;
    write_atomic(path, |w| w.write_all((text + "\n").as_bytes())).map_err(|e| tensor_file(path, "write", e))
}

/// The checkpoint folder of a run.
pub fn checkpoint_dir(run: &Path) -> PathBuf {
    run.join("checkpoint")
}

/// Saves model, optimizer and state as the run's checkpoint, atomically.
pub fn save_checkpoint(run: &Path, net: &Net, optim: &ModuleOptimizer, state: &TrainState) -> Result<()> {
    let dir = checkpoint_dir(run);
    let old = run.join("checkpoint.old");
    // a folder of this process's own (a killed run's are swept), so that two writers of one
    // run never write into each other's checkpoint
    reprise_core::fs::sweep_stale_temporaries(run);
    let tmp = reprise_core::fs::temp_dir_in(run).map_err(|e| tensor_file(run, "create a checkpoint folder in", e))?;
    save_weights(net, &tmp.join("model.bpk"))?;
    let optim_path = tmp.join("optim.bpk");
    let bytes = optimizer_bytes(optim).map_err(|e| tensor_file(&optim_path, "write optimizer state", e))?;
    write_atomic(&optim_path, |w| w.write_all(&bytes)).map_err(|e| tensor_file(&optim_path, "write optimizer state", e))?;
    write_json_atomic(&tmp.join("state.json"), state)?;
    let moved = (|| {
        let _ = fs::remove_dir_all(&old);
        if dir.exists() {
            fs::rename(&dir, &old).map_err(|e| tensor_file(&dir, "move aside", e))?;
        }
        fs::rename(&tmp, &dir).map_err(|e| tensor_file(&dir, "move into place", e))
    })();
    if moved.is_err() {
        // another writer of this run moved its checkpoint in between: keep theirs, whole
        let _ = fs::remove_dir_all(&tmp);
    }
    let _ = fs::remove_dir_all(&old);
    moved
}

/// The optimizer state as burnpack bytes with its tensors in name order: burn lists them
/// in a hash map's order, so two runs with one seed would write different files.
fn optimizer_bytes(optim: &ModuleOptimizer) -> std::result::Result<Vec<u8>, String> {
    let bytes = optim.to_record().into_bytes().map_err(|e| e.to_string())?;
    let reader = burn_pack::Reader::from_bytes(bytes).map_err(|e| e.to_string())?;
    let (scalars, metadata) = (reader.scalars().clone(), reader.metadata().clone());
    let mut parts = reader
        .into_tensors()
        .map_err(|e| e.to_string())?
        .into_iter()
        .map(|t| t.into_parts())
        .collect::<std::result::Result<Vec<_>, _>>()
        .map_err(|e| e.to_string())?;
    parts.sort_by(|a, b| a.0.cmp(&b.0));
    let mut writer = burn_pack::Writer::new(
        parts.into_iter().map(|(name, dtype, shape, id, data)| burn_pack::Tensor::new(name, dtype, shape, id, data)).collect(),
    );
    for (k, v) in &scalars {
        writer = writer.with_scalar(k, *v);
    }
    for (k, v) in &metadata {
        writer = writer.with_metadata(k, v);
    }
    Ok(writer.into_bytes().map_err(|e| e.to_string())?.to_vec())
}

/// Loads the run's checkpoint, if there is one: the network (with its parameter ids, so the
/// optimizer state attaches to it), the optimizer state and the training state.
pub fn load_checkpoint(
    run: &Path,
    config: &ModelConfig,
    optim: ModuleOptimizer,
    device: &burn::prelude::Device,
) -> Result<Option<(Net, ModuleOptimizer, TrainState)>> {
    let mut dir = checkpoint_dir(run);
    if !dir.is_dir() {
        // Killed between the two renames: the previous checkpoint is still complete.
        dir = run.join("checkpoint.old");
        if !dir.is_dir() {
            return Ok(None);
        }
    }
    let state_path = dir.join("state.json");
    let text = fs::read_to_string(&state_path).map_err(|e| tensor_file(&state_path, "read", e))?;
    let state: TrainState = serde_json::from_str(&text).map_err(|e| NnError::file(&state_path, format!("damaged training state: {e}")))?;
    let net = load_weights(config, &dir.join("model.bpk"), device)?.train();
    let optim_path = dir.join("optim.bpk");
    let record = std::panic::catch_unwind(|| burn::optim::OptimizerRecord::load(&optim_path))
        .map_err(|_| NnError::file(&optim_path, "damaged optimizer state (the reader failed)"))?
        .map_err(|e| NnError::file(&optim_path, format!("damaged optimizer state: {e}")))?;
    Ok(Some((net, optim.load_record(record), state)))
}
