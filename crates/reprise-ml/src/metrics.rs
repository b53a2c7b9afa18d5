//! Scores of a classification: accuracy, per-class recall, precision and F1, macro
//! averages and the confusion matrix, with `sklearn.metrics`' definitions.

use serde::{Deserialize, Serialize};

/// Counts of (true class, predicted class); rows are true classes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConfusionMatrix {
    /// `counts[t][p]`: samples of class t predicted as p.
    pub counts: Vec<Vec<usize>>,
}

impl ConfusionMatrix {
    /// Tallies predictions; labels at or above `n_classes` are ignored.
    pub fn new(truth: &[usize], predicted: &[usize], n_classes: usize) -> Self {
        let mut counts = vec![vec![0; n_classes]; n_classes];
        for (&t, &p) in truth.iter().zip(predicted) {
            if t < n_classes && p < n_classes {
                counts[t][p] += 1;
            }
        }
        ConfusionMatrix { counts }
    }

    /// Number of classes.
    pub fn n_classes(&self) -> usize {
        self.counts.len()
    }

    /// Number of samples.
    pub fn total(&self) -> usize {
        self.counts.iter().flatten().sum()
    }

    /// Fraction of samples on the diagonal (0 when empty).
    pub fn accuracy(&self) -> f64 {
        let total = self.total();
        if total == 0 {
            return 0.0;
        }
        (0..self.n_classes()).map(|k| self.counts[k][k]).sum::<usize>() as f64 / total as f64
    }

    /// Recall of each class, `None` for a class with no true samples.
    pub fn recall(&self) -> Vec<Option<f64>> {
        (0..self.n_classes())
            .map(|k| {
                let support: usize = self.counts[k].iter().sum();
                (support > 0).then(|| self.counts[k][k] as f64 / support as f64)
            })
            .collect()
    }

    /// Precision of each class, `None` for a class never predicted.
    pub fn precision(&self) -> Vec<Option<f64>> {
        (0..self.n_classes())
            .map(|k| {
                let predicted: usize = self.counts.iter().map(|r| r[k]).sum();
                (predicted > 0).then(|| self.counts[k][k] as f64 / predicted as f64)
            })
            .collect()
    }

    /// F1 of each class (0 where precision and recall are both 0 or undefined).
    pub fn f1(&self) -> Vec<f64> {
        self.precision()
            .iter()
            .zip(self.recall())
            .map(|(p, r)| {
                let (p, r) = (p.unwrap_or(0.0), r.unwrap_or(0.0));
                if p + r > 0.0 {
                    2.0 * p * r / (p + r)
                } else {
                    0.0
                }
            })
            .collect()
    }

    /// Classes that occur in the truth or in the predictions (scikit-learn's `unique_labels`).
    fn labels(&self) -> Vec<usize> {
        (0..self.n_classes()).filter(|&k| self.counts[k].iter().sum::<usize>() + self.counts.iter().map(|r| r[k]).sum::<usize>() > 0).collect()
    }

    fn macro_mean(&self, per_class: &[f64]) -> f64 {
        let labels = self.labels();
        if labels.is_empty() {
            return 0.0;
        }
        labels.iter().map(|&k| per_class[k]).sum::<f64>() / labels.len() as f64
    }

    /// Mean recall over the classes that have true samples (`balanced_accuracy_score`).
    pub fn balanced_accuracy(&self) -> f64 {
        let r: Vec<f64> = self.recall().into_iter().flatten().collect();
        if r.is_empty() {
            0.0
        } else {
            r.iter().sum::<f64>() / r.len() as f64
        }
    }

    /// `recall_score(average="macro")`: mean over the labels in truth or predictions, an
    /// undefined recall counting 0.
    pub fn macro_recall(&self) -> f64 {
        self.macro_mean(&self.recall().into_iter().map(|v| v.unwrap_or(0.0)).collect::<Vec<_>>())
    }

    /// `precision_score(average="macro")`, an undefined precision counting 0.
    pub fn macro_precision(&self) -> f64 {
        self.macro_mean(&self.precision().into_iter().map(|v| v.unwrap_or(0.0)).collect::<Vec<_>>())
    }

    /// `f1_score(average="macro")`.
    pub fn macro_f1(&self) -> f64 {
        self.macro_mean(&self.f1())
    }
}
