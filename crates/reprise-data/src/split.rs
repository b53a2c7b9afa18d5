//! Splits: train/validation/test by SoundFont family (the cross-dataset protocol), by
//! seeded stratified random assignment, or into stratified K folds. Clips of one
//! [`ManifestRow::group_key`] (the same note at several velocities) never straddle splits.

use crate::error::{DataError, Result};
use crate::manifest::Manifest;
use crate::rng::Rng;
use std::collections::BTreeMap;

/// How to split.
#[derive(Clone, Debug, PartialEq)]
pub enum SplitPlan {
    /// Train (and validate) on the `train` families, test on `test` (all others when empty).
    ByFamily {
        /// Families to train on.
        train: Vec<String>,
        /// Families to test on; empty = every family not in `train`.
        test: Vec<String>,
        /// Fraction of the training families' groups held out for validation.
        val_fraction: f64,
    },
    /// Stratified random train/val/test.
    Random {
        /// Fraction of each label's groups for validation.
        val_fraction: f64,
        /// Fraction of each label's groups for test.
        test_fraction: f64,
    },
    /// Stratified K folds, `fold0` … `fold{K-1}`.
    Folds(usize),
}

/// Groups of row indices per label, each group's rows together, in a seeded order.
fn shuffled_groups(m: &Manifest, rows: &[usize], seed: u64) -> BTreeMap<String, Vec<Vec<usize>>> {
    let mut by_label: BTreeMap<String, BTreeMap<String, Vec<usize>>> = BTreeMap::new();
    for &i in rows {
        let r = &m.rows[i];
        by_label.entry(r.label.clone()).or_default().entry(r.group_key()).or_default().push(i);
    }
    by_label
        .into_iter()
        .map(|(label, groups)| {
            let mut g: Vec<Vec<usize>> = groups.into_values().collect();
            Rng::keyed(seed, &label).shuffle(&mut g);
            (label, g)
        })
        .collect()
}

/// Assigns `train`/`val`/`test` by fractions of each label's groups (rounded, at least
/// one group in train).
fn assign_fractions(m: &mut Manifest, rows: &[usize], val: f64, test: f64, seed: u64) {
    for (_, groups) in shuffled_groups(m, rows, seed) {
        let n = groups.len();
        let n_test = ((test * n as f64).round() as usize).min(n.saturating_sub(1));
        let n_val = ((val * n as f64).round() as usize).min((n - n_test).saturating_sub(1));
        for (k, g) in groups.iter().enumerate() {
            let s = if k < n_test {
                "test"
            } else if k < n_test + n_val {
                "val"
            } else {
                "train"
            };
            for &i in g {
                m.rows[i].split = s.to_string();
            }
        }
    }
}

/// Fills the `split` column of every row. Deterministic for a seed.
pub fn split(m: &mut Manifest, plan: &SplitPlan, seed: u64) -> Result<()> {
    let all: Vec<usize> = (0..m.rows.len()).collect();
    let frac = |name: &'static str, f: f64| {
        if (0.0..1.0).contains(&f) {
            Ok(())
        } else {
            Err(DataError::invalid(name, format!("{f}: a fraction in [0, 1)")))
        }
    };
    match plan {
        SplitPlan::Random { val_fraction, test_fraction } => {
            frac("val", *val_fraction)?;
            frac("test-fraction", *test_fraction)?;
            if val_fraction + test_fraction >= 1.0 {
                return Err(DataError::invalid("val", "validation and test fractions must leave something to train on"));
            }
            assign_fractions(m, &all, *val_fraction, *test_fraction, seed);
        }
        SplitPlan::Folds(k) => {
            if *k < 2 {
                return Err(DataError::invalid("folds", format!("{k}: at least 2")));
            }
            for (label, groups) in shuffled_groups(m, &all, seed) {
                if groups.len() < *k {
                    return Err(DataError::invalid(
                        "folds",
                        format!("label `{label}` has {} independent clip group(s), fewer than {k} folds", groups.len()),
                    ));
                }
                for (j, g) in groups.iter().enumerate() {
                    for &i in g {
                        m.rows[i].split = format!("fold{}", j % k);
                    }
                }
            }
        }
        SplitPlan::ByFamily { train, test, val_fraction } => {
            frac("val", *val_fraction)?;
            let families: std::collections::BTreeSet<&str> = m.rows.iter().map(|r| r.family.as_str()).collect();
            if families.iter().all(|f| f.is_empty()) {
                return Err(DataError::invalid("by", "the manifest has no `family` column values; split --by random or --by folds instead"));
            }
            for f in train.iter().chain(test) {
                if !families.contains(f.as_str()) {
                    return Err(DataError::invalid(
                        "train",
                        format!("family `{f}` is not in the manifest (it has: {})", families.iter().copied().collect::<Vec<_>>().join(", ")),
                    ));
                }
            }
            if train.is_empty() {
                return Err(DataError::invalid("train", "name the families to train on, e.g. --train fluid"));
            }
            if let Some(f) = train.iter().find(|f| test.contains(f)) {
                return Err(DataError::invalid("test", format!("family `{f}` is both a training and a test family")));
            }
            let train_rows: Vec<usize> = all.iter().copied().filter(|&i| train.contains(&m.rows[i].family)).collect();
            for r in m.rows.iter_mut() {
                r.split = if train.contains(&r.family) {
                    "train".into()
                } else if test.is_empty() || test.contains(&r.family) {
                    "test".into()
                } else {
                    String::new()
                };
            }
            assign_fractions(m, &train_rows, *val_fraction, 0.0, seed);
        }
    }
    Ok(())
}

/// The rows of one split value, as a manifest of their own with the same root.
pub fn subset(m: &Manifest, split_name: &str) -> Manifest {
    Manifest { rows: m.rows.iter().filter(|r| r.split == split_name).cloned().collect(), root: m.root.clone() }
}
