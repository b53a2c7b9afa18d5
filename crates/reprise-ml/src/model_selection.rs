//! K-fold cross-validation splits, as scikit-learn's `KFold` and `StratifiedKFold`.
//!
//! Stratified folds follow scikit-learn's allocation: classes are numbered in order of first
//! appearance, the labels sorted by that number are dealt round-robin to the folds to fix how
//! many samples of each class each fold gets, and each class's samples (in data order, or
//! shuffled) are given to folds 0, 0, …, 1, 1, … in those numbers. Without shuffling the
//! folds equal scikit-learn's exactly; with shuffling they are drawn from this crate's
//! seeded generator.

use crate::{MlError, Result};
use reprise_core::Rng;

/// A condition scikit-learn warns about but that does not stop the split.
#[derive(Debug, Clone, PartialEq)]
pub enum FoldWarning {
    /// The least populated class has fewer members than there are folds: some test folds
    /// will not contain it.
    SmallClass {
        /// The class.
        class: usize,
        /// Its number of samples.
        count: usize,
        /// The number of folds.
        n_splits: usize,
    },
}

impl std::fmt::Display for FoldWarning {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            FoldWarning::SmallClass { class, count, n_splits } => {
                write!(f, "class {class} has only {count} member(s), fewer than the {n_splits} folds: some test folds will not contain it")
            }
        }
    }
}

/// The test fold (`0..n_splits`) of each sample for plain K-fold: contiguous blocks, the first
/// `n mod K` folds one larger, after an optional seeded shuffle.
pub fn k_fold(n: usize, n_splits: usize, shuffle: Option<u64>) -> Result<Vec<usize>> {
    if n_splits < 2 || n_splits > n {
        return Err(MlError::Core(reprise_core::invalid("n_splits", format!("must be between 2 and the number of samples ({n}), got {n_splits}"))));
    }
    let mut idx: Vec<usize> = (0..n).collect();
    if let Some(seed) = shuffle {
        Rng::new(seed).shuffle(&mut idx);
    }
    let mut fold = vec![0; n];
    let mut start = 0;
    for k in 0..n_splits {
        let size = n / n_splits + usize::from(k < n % n_splits);
        idx[start..start + size].iter().for_each(|&i| fold[i] = k);
        start += size;
    }
    Ok(fold)
}

/// The test fold of each sample for stratified K-fold, and the warnings scikit-learn would
/// give. Fails when every class has fewer members than `n_splits`.
pub fn stratified_k_fold(y: &[usize], n_splits: usize, shuffle: Option<u64>) -> Result<(Vec<usize>, Vec<FoldWarning>)> {
    if n_splits < 2 {
        return Err(MlError::Core(reprise_core::invalid("n_splits", format!("must be at least 2, got {n_splits}"))));
    }
    // classes in order of first appearance
    let mut code_of = std::collections::HashMap::new();
    let mut first: Vec<usize> = Vec::new();
    let encoded: Vec<usize> = y
        .iter()
        .map(|&l| {
            *code_of.entry(l).or_insert_with(|| {
                first.push(l);
                first.len() - 1
            })
        })
        .collect();
    let n_classes = first.len();
    let mut counts = vec![0usize; n_classes];
    encoded.iter().for_each(|&c| counts[c] += 1);
    if counts.iter().all(|&c| c < n_splits) {
        return Err(MlError::Core(reprise_core::invalid(
            "n_splits",
            format!("{n_splits} folds but no class has that many members (largest: {})", counts.iter().max().unwrap_or(&0)),
        )));
    }
    let mut warnings = Vec::new();
    if let Some((c, &count)) = counts.iter().enumerate().min_by_key(|(_, &c)| c) {
        if count < n_splits {
            warnings.push(FoldWarning::SmallClass { class: first[c], count, n_splits });
        }
    }
    let mut sorted = encoded.clone();
    sorted.sort_unstable();
    // allocation[f][c]: samples of class c in fold f
    let mut allocation = vec![vec![0usize; n_classes]; n_splits];
    for (i, &c) in sorted.iter().enumerate() {
        allocation[i % n_splits][c] += 1;
    }
    let mut rng = shuffle.map(Rng::new);
    let mut fold = vec![0; y.len()];
    for c in 0..n_classes {
        let mut folds_for_class: Vec<usize> = allocation.iter().enumerate().flat_map(|(f, per_class)| std::iter::repeat_n(f, per_class[c])).collect();
        if let Some(rng) = rng.as_mut() {
            rng.shuffle(&mut folds_for_class);
        }
        let members = (0..y.len()).filter(|&i| encoded[i] == c);
        members.zip(folds_for_class).for_each(|(i, f)| fold[i] = f);
    }
    Ok((fold, warnings))
}
