//! Random forest of Gini decision trees on bootstrap samples, as scikit-learn's
//! `RandomForestClassifier` (`criterion="gini"`, `max_features="sqrt"`, `bootstrap=True`,
//! grown until leaves are pure), with the seeds' 10 trees.
//!
//! Each tree is grown depth-first. At a node, features are drawn without replacement until
//! `max_features` non-constant ones have been searched (constant ones do not count, as in
//! scikit-learn); for each, every threshold halfway between consecutive distinct values is
//! scored by the weighted Gini impurity of the two children, and the best split over all
//! searched features is kept. A bootstrap sample is represented by per-row counts used as
//! weights. The forest's probabilities are the mean of the trees' leaf class frequencies.
//! The random numbers (SplitMix64, one stream per tree) are not NumPy's, so a forest equals
//! scikit-learn's in distribution, not tree by tree.

use crate::{check_predict, check_xy, MlError, Result};
use ndarray::{Array2, ArrayView2};
use rayon::prelude::*;
use reprise_core::Rng;
use serde::{Deserialize, Serialize};

/// How many features each split searches.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum MaxFeatures {
    /// `max(1, ⌊√d⌋)` (the default for classification).
    Sqrt,
    /// `max(1, ⌊log2 d⌋)`.
    Log2,
    /// All features (bagged trees).
    All,
    /// A given number.
    Count(usize),
}

/// Settings, with scikit-learn's names; `Default` is the seeds' forest (10 trees).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct ForestConfig {
    /// Number of trees (10 as in the seeds; scikit-learn's default is 100).
    pub n_estimators: usize,
    /// Features searched per split (`"sqrt"`).
    pub max_features: MaxFeatures,
    /// Train each tree on a bootstrap sample (true).
    pub bootstrap: bool,
    /// Smallest node that may be split (2).
    pub min_samples_split: usize,
    /// Maximum depth (`None`: grow until pure).
    pub max_depth: Option<usize>,
    /// Seed of the bootstrap samples and feature draws (`random_state`).
    pub random_state: u64,
}

impl Default for ForestConfig {
    fn default() -> Self {
        ForestConfig { n_estimators: 10, max_features: MaxFeatures::Sqrt, bootstrap: true, min_samples_split: 2, max_depth: None, random_state: 0 }
    }
}

/// A node of a fitted tree.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum Node {
    /// `x[feature] <= threshold` goes to `left`, else to `right` (indices into the tree).
    Split {
        /// Feature index.
        feature: usize,
        /// Threshold.
        threshold: f64,
        /// Left child.
        left: usize,
        /// Right child.
        right: usize,
    },
    /// Class frequencies of the training samples that reached the leaf (sum 1).
    Leaf(Vec<f64>),
}

/// A fitted decision tree: nodes, root first.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Tree {
    /// The nodes.
    pub nodes: Vec<Node>,
}

/// A fitted random forest.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RandomForest {
    /// The trees.
    pub trees: Vec<Tree>,
    /// Number of features.
    pub n_features: usize,
    /// Number of classes.
    pub n_classes: usize,
}

const FEATURE_THRESHOLD: f64 = 1e-7;

impl ForestConfig {
    /// Rejects zero trees, `min_samples_split < 2`, a zero depth or zero features.
    pub fn validate(&self) -> Result<()> {
        if self.n_estimators == 0 {
            return Err(MlError::Core(reprise_core::invalid("n_estimators", "must be at least 1")));
        }
        if self.min_samples_split < 2 {
            return Err(MlError::Core(reprise_core::invalid("min_samples_split", format!("must be at least 2, got {}", self.min_samples_split))));
        }
        if self.max_depth == Some(0) {
            return Err(MlError::Core(reprise_core::invalid("max_depth", "must be at least 1 (or none)")));
        }
        if self.max_features == MaxFeatures::Count(0) {
            return Err(MlError::Core(reprise_core::invalid("max_features", "must be at least 1")));
        }
        Ok(())
    }

    fn n_try(&self, d: usize) -> usize {
        match self.max_features {
            MaxFeatures::Sqrt => ((d as f64).sqrt() as usize).max(1),
            MaxFeatures::Log2 => ((d as f64).log2() as usize).max(1),
            MaxFeatures::All => d,
            MaxFeatures::Count(k) => k.min(d),
        }
    }

    /// Fits `n_estimators` trees (in parallel) on rows `x` with labels `y` in `0..n_classes`.
    pub fn fit(&self, x: ArrayView2<f64>, y: &[usize], n_classes: usize) -> Result<RandomForest> {
        self.validate()?;
        check_xy(x, y, n_classes)?;
        let n = x.nrows();
        let trees = (0..self.n_estimators)
            .into_par_iter()
            .map(|t| {
                let mut rng = Rng::keyed(self.random_state, &format!("tree {t}"));
                let mut weight = vec![0.0; n];
                if self.bootstrap {
                    (0..n).for_each(|_| weight[rng.below(n)] += 1.0);
                } else {
                    weight.iter_mut().for_each(|w| *w = 1.0);
                }
                let rows: Vec<usize> = (0..n).filter(|&r| weight[r] > 0.0).collect();
                grow(x, y, n_classes, &weight, rows, self, &mut rng)
            })
            .collect();
        Ok(RandomForest { trees, n_features: x.ncols(), n_classes })
    }
}

fn class_weights(rows: &[usize], y: &[usize], w: &[f64], k: usize) -> Vec<f64> {
    let mut c = vec![0.0; k];
    rows.iter().for_each(|&r| c[y[r]] += w[r]);
    c
}

/// Grows one tree depth-first over `rows` (rows with a non-zero weight).
fn grow(x: ArrayView2<f64>, y: &[usize], k: usize, w: &[f64], mut rows: Vec<usize>, cfg: &ForestConfig, rng: &mut Rng) -> Tree {
    let d = x.ncols();
    let n_try = cfg.n_try(d);
    let mut nodes: Vec<Node> = Vec::new();
    // (start, end, depth, index of the node to fill)
    let mut stack = vec![(0usize, rows.len(), 0usize, 0usize)];
    nodes.push(Node::Leaf(Vec::new()));
    let mut features: Vec<usize> = (0..d).collect();
    let mut order: Vec<(f64, usize)> = Vec::with_capacity(rows.len());
    while let Some((start, end, depth, id)) = stack.pop() {
        let node_rows = &rows[start..end];
        let counts = class_weights(node_rows, y, w, k);
        let total: f64 = counts.iter().sum();
        let gini = 1.0 - counts.iter().map(|c| (c / total) * (c / total)).sum::<f64>();
        let leaf = node_rows.len() < cfg.min_samples_split || gini <= f64::EPSILON || cfg.max_depth.is_some_and(|m| depth >= m);
        let mut best: Option<(f64, usize, f64)> = None; // (proxy, feature, threshold)
        if !leaf {
            // partial Fisher–Yates: draw features until n_try non-constant ones are searched
            let mut searched = 0;
            let mut drawn = 0;
            while drawn < d && searched < n_try {
                let pick = drawn + rng.below(d - drawn);
                features.swap(drawn, pick);
                let f = features[drawn];
                drawn += 1;
                order.clear();
                order.extend(node_rows.iter().map(|&r| (x[[r, f]], r)));
                order.sort_by(|a, b| a.0.total_cmp(&b.0));
                if order[order.len() - 1].0 <= order[0].0 + FEATURE_THRESHOLD {
                    continue; // constant here
                }
                searched += 1;
                let mut left = vec![0.0; k];
                let mut wl = 0.0;
                for p in 1..order.len() {
                    let r = order[p - 1].1;
                    left[y[r]] += w[r];
                    wl += w[r];
                    if order[p].0 <= order[p - 1].0 + FEATURE_THRESHOLD {
                        continue;
                    }
                    let wr = total - wl;
                    let sl: f64 = left.iter().map(|c| c * c).sum::<f64>() / wl;
                    let sr: f64 = left.iter().zip(&counts).map(|(l, c)| (c - l) * (c - l)).sum::<f64>() / wr;
                    let proxy = sl + sr;
                    if best.is_none_or(|b| proxy > b.0) {
                        let mut t = 0.5 * (order[p - 1].0 + order[p].0);
                        if t == order[p].0 || !t.is_finite() {
                            t = order[p - 1].0;
                        }
                        best = Some((proxy, f, t));
                    }
                }
            }
        }
        match best {
            Some((_, feature, threshold)) => {
                // partition the node's rows: left part first
                let slice = &mut rows[start..end];
                let mut m = 0;
                for i in 0..slice.len() {
                    if x[[slice[i], feature]] <= threshold {
                        slice.swap(i, m);
                        m += 1;
                    }
                }
                let (left, right) = (nodes.len(), nodes.len() + 1);
                nodes.push(Node::Leaf(Vec::new()));
                nodes.push(Node::Leaf(Vec::new()));
                nodes[id] = Node::Split { feature, threshold, left, right };
                stack.push((start + m, end, depth + 1, right));
                stack.push((start, start + m, depth + 1, left));
            }
            None => nodes[id] = Node::Leaf(counts.iter().map(|c| c / total).collect()),
        }
    }
    Tree { nodes }
}

impl Tree {
    /// The class frequencies of the leaf a row falls in.
    pub fn leaf(&self, row: ndarray::ArrayView1<f64>) -> &[f64] {
        let mut i = 0;
        loop {
            match &self.nodes[i] {
                Node::Split { feature, threshold, left, right } => i = if row[*feature] <= *threshold { *left } else { *right },
                Node::Leaf(p) => return p,
            }
        }
    }
}

impl RandomForest {
    /// Mean of the trees' class frequencies, n × K (`predict_proba`).
    pub fn predict_proba(&self, x: ArrayView2<f64>) -> Result<Array2<f64>> {
        check_predict(x, self.n_features)?;
        let mut p = Array2::zeros((x.nrows(), self.n_classes));
        for (mut out, row) in p.rows_mut().into_iter().zip(x.rows()) {
            for t in &self.trees {
                out.iter_mut().zip(t.leaf(row)).for_each(|(o, v)| *o += v);
            }
            out.mapv_inplace(|v| v / self.trees.len() as f64);
        }
        Ok(p)
    }

    /// Most probable class of each row.
    pub fn predict(&self, x: ArrayView2<f64>) -> Result<Vec<usize>> {
        Ok(crate::argmax_rows(&self.predict_proba(x)?))
    }
}
