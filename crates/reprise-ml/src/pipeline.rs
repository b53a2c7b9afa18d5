//! Scaler + classifier + class names: what `reprise classify` fits, saves and applies.

use crate::forest::Node;
use crate::{ForestConfig, Knn, KnnConfig, LogRegConfig, LogisticRegression, MlError, RandomForest, Result, StandardScaler, Svc, SvcConfig};
use ndarray::{Array2, ArrayView2};
use serde::{Deserialize, Serialize};
use std::str::FromStr;

/// The four classifiers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ClassifierKind {
    /// Multinomial logistic regression.
    Logreg,
    /// RBF support-vector classifier.
    Svc,
    /// k nearest neighbours.
    Knn,
    /// Random forest.
    Rf,
}

impl ClassifierKind {
    /// All of them, in table order.
    pub const ALL: [ClassifierKind; 4] = [ClassifierKind::Logreg, ClassifierKind::Svc, ClassifierKind::Knn, ClassifierKind::Rf];

    /// Short name, as on the command line.
    pub fn name(self) -> &'static str {
        match self {
            ClassifierKind::Logreg => "logreg",
            ClassifierKind::Svc => "svc",
            ClassifierKind::Knn => "knn",
            ClassifierKind::Rf => "rf",
        }
    }

    /// The scikit-learn-default configuration (the forest seeded with `seed`).
    pub fn default_config(self, seed: u64) -> ClassifierConfig {
        match self {
            ClassifierKind::Logreg => ClassifierConfig::Logreg(LogRegConfig::default()),
            ClassifierKind::Svc => ClassifierConfig::Svc(SvcConfig::default()),
            ClassifierKind::Knn => ClassifierConfig::Knn(KnnConfig::default()),
            ClassifierKind::Rf => ClassifierConfig::Rf(ForestConfig { random_state: seed, ..Default::default() }),
        }
    }
}

impl FromStr for ClassifierKind {
    type Err = String;
    fn from_str(s: &str) -> std::result::Result<Self, String> {
        match s.trim().to_ascii_lowercase().as_str() {
            "logreg" | "lr" | "logistic" => Ok(ClassifierKind::Logreg),
            "svc" | "svm" => Ok(ClassifierKind::Svc),
            "knn" | "k-nn" => Ok(ClassifierKind::Knn),
            "rf" | "forest" | "random-forest" => Ok(ClassifierKind::Rf),
            other => Err(format!("unknown classifier `{other}`; expected logreg, svc, knn or rf")),
        }
    }
}

/// A classifier's settings.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase", tag = "kind", content = "params")]
pub enum ClassifierConfig {
    /// Logistic regression.
    Logreg(LogRegConfig),
    /// Support-vector classifier.
    Svc(SvcConfig),
    /// k nearest neighbours.
    Knn(KnnConfig),
    /// Random forest.
    Rf(ForestConfig),
}

/// A fitted classifier.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase", tag = "kind", content = "model")]
pub enum Model {
    /// Logistic regression.
    Logreg(LogisticRegression),
    /// Support-vector classifier.
    Svc(Svc),
    /// k nearest neighbours.
    Knn(Knn),
    /// Random forest.
    Rf(RandomForest),
}

impl ClassifierConfig {
    /// Which classifier.
    pub fn kind(&self) -> ClassifierKind {
        match self {
            ClassifierConfig::Logreg(_) => ClassifierKind::Logreg,
            ClassifierConfig::Svc(_) => ClassifierKind::Svc,
            ClassifierConfig::Knn(_) => ClassifierKind::Knn,
            ClassifierConfig::Rf(_) => ClassifierKind::Rf,
        }
    }

    /// Fits on rows `x` with labels `y` in `0..n_classes`, every class present.
    pub fn fit(&self, x: ArrayView2<f64>, y: &[usize], n_classes: usize) -> Result<Model> {
        Ok(match self {
            ClassifierConfig::Logreg(c) => Model::Logreg(c.fit(x, y, n_classes)?),
            ClassifierConfig::Svc(c) => Model::Svc(c.fit(x, y, n_classes)?),
            ClassifierConfig::Knn(c) => Model::Knn(c.fit(x, y, n_classes)?),
            ClassifierConfig::Rf(c) => Model::Rf(c.fit(x, y, n_classes)?),
        })
    }
}

impl Model {
    /// Which classifier.
    pub fn kind(&self) -> ClassifierKind {
        match self {
            Model::Logreg(_) => ClassifierKind::Logreg,
            Model::Svc(_) => ClassifierKind::Svc,
            Model::Knn(_) => ClassifierKind::Knn,
            Model::Rf(_) => ClassifierKind::Rf,
        }
    }

    /// Predicted class of each row.
    pub fn predict(&self, x: ArrayView2<f64>) -> Result<Vec<usize>> {
        match self {
            Model::Logreg(m) => m.predict(x),
            Model::Svc(m) => m.predict(x),
            Model::Knn(m) => m.predict(x),
            Model::Rf(m) => m.predict(x),
        }
    }

    /// A score per class for each row, n × K, whose row maximum is [`Model::predict`]'s
    /// class: probabilities (logistic regression, forest, k-NN neighbour shares) or, for
    /// the SVC, shares of the one-vs-one votes (see [`Model::score_kind`]).
    pub fn class_scores(&self, x: ArrayView2<f64>) -> Result<Array2<f64>> {
        match self {
            Model::Logreg(m) => m.predict_proba(x),
            Model::Svc(m) => m.vote_shares(x),
            Model::Knn(m) => m.predict_proba(x),
            Model::Rf(m) => m.predict_proba(x),
        }
    }

    /// What [`Model::class_scores`] are: `probability` or `vote_share` (SVC).
    pub fn score_kind(&self) -> &'static str {
        match self {
            Model::Svc(_) => "vote_share",
            _ => "probability",
        }
    }

    /// Whether the optimiser converged (always true for k-NN and forests).
    pub fn converged(&self) -> bool {
        match self {
            Model::Logreg(m) => m.converged,
            Model::Svc(m) => m.converged,
            _ => true,
        }
    }

    /// Checks the internal consistency of a model read from disk, so that a damaged or edited
    /// file gives an error instead of a panic or an endless loop at prediction time.
    pub fn validate(&self, n_features: usize, n_classes: usize) -> Result<()> {
        let bad =
            |what: String| Err(MlError::ShapeMismatch { expected: format!("a model for {n_features} features and {n_classes} classes"), got: what });
        match self {
            Model::Logreg(m) => {
                let k = if n_classes == 2 { 1 } else { n_classes };
                if m.n_classes != n_classes || m.coef.dim() != (k, n_features) || m.intercept.len() != k {
                    return bad(format!("logistic regression with coefficients {:?} and {} intercepts", m.coef.dim(), m.intercept.len()));
                }
            }
            Model::Svc(m) => {
                let n_sv = m.support_vectors.nrows();
                let pairs_ok = m.pairs.len() == n_classes * (n_classes - 1) / 2
                    && m.pairs.iter().all(|p| p.i < p.j && p.j < n_classes && p.coef.iter().all(|&(s, _)| s < n_sv));
                if m.n_classes != n_classes || m.support_vectors.ncols() != n_features || !pairs_ok || !(m.gamma > 0.0) {
                    return bad(format!(
                        "SVC with {} classes, {} pair models and support vectors of {} features",
                        m.n_classes,
                        m.pairs.len(),
                        m.support_vectors.ncols()
                    ));
                }
            }
            Model::Knn(m) => {
                if m.n_classes != n_classes
                    || m.x.ncols() != n_features
                    || m.y.len() != m.x.nrows()
                    || m.y.iter().any(|&l| l >= n_classes)
                    || m.n_neighbors == 0
                    || m.n_neighbors > m.x.nrows()
                {
                    return bad(format!("k-NN with {} rows of {} features and {} labels", m.x.nrows(), m.x.ncols(), m.y.len()));
                }
            }
            Model::Rf(m) => {
                let tree_ok = |nodes: &[Node]| {
                    !nodes.is_empty()
                        && nodes.iter().enumerate().all(|(i, n)| match n {
                            // children always come after their parent, so a walk ends
                            Node::Split { feature, left, right, threshold } => {
                                *feature < n_features && *left > i && *right > i && *left < nodes.len() && *right < nodes.len() && !threshold.is_nan()
                            }
                            Node::Leaf(p) => p.len() == n_classes,
                        })
                };
                if m.n_classes != n_classes || m.n_features != n_features || m.trees.is_empty() || !m.trees.iter().all(|t| tree_ok(&t.nodes)) {
                    return bad(format!("random forest of {} trees with inconsistent nodes", m.trees.len()));
                }
            }
        }
        Ok(())
    }
}

/// Standard scaling followed by a classifier, with the names of the classes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Pipeline {
    /// Class names; predictions index into this list.
    pub labels: Vec<String>,
    /// The label index of each of the model's classes (the classes seen in training).
    pub classes: Vec<usize>,
    /// Fitted on the training rows.
    pub scaler: StandardScaler,
    /// Fitted on the scaled training rows.
    pub model: Model,
}

impl Pipeline {
    /// Fits the scaler and the classifier. `y` indexes `labels`; classes of `labels` absent
    /// from `y` cannot be predicted and are reported in the returned warnings, as are classes
    /// with a single example.
    pub fn fit(x: ArrayView2<f64>, y: &[usize], labels: &[String], config: &ClassifierConfig) -> Result<(Pipeline, Vec<String>)> {
        if let Some((row, &label)) = y.iter().enumerate().find(|(_, &l)| l >= labels.len()) {
            return Err(MlError::BadLabel { row, label, n_classes: labels.len() });
        }
        let mut count = vec![0usize; labels.len()];
        y.iter().for_each(|&l| count[l] += 1);
        let classes: Vec<usize> = (0..labels.len()).filter(|&l| count[l] > 0).collect();
        let mut warnings = Vec::new();
        for (l, &c) in count.iter().enumerate() {
            match c {
                0 => warnings.push(format!("class `{}` has no training examples and cannot be predicted", labels[l])),
                1 => warnings.push(format!("class `{}` has a single training example", labels[l])),
                _ => {}
            }
        }
        let mut compact = vec![usize::MAX; labels.len()];
        classes.iter().enumerate().for_each(|(i, &l)| compact[l] = i);
        let yc: Vec<usize> = y.iter().map(|&l| compact[l]).collect();
        let scaler = StandardScaler::fit(x)?;
        let xs = scaler.transform(x)?;
        let model = config.fit(xs.view(), &yc, classes.len())?;
        if !model.converged() {
            warnings.push(format!("{} did not converge within its iteration limit", model.kind().name()));
        }
        Ok((Pipeline { labels: labels.to_vec(), classes, scaler, model }, warnings))
    }

    /// Predicted label index of each row.
    pub fn predict(&self, x: ArrayView2<f64>) -> Result<Vec<usize>> {
        let xs = self.scaler.transform(x)?;
        Ok(self.model.predict(xs.view())?.into_iter().map(|c| self.classes[c]).collect())
    }

    /// A score per label for each row, n × labels (0 for labels without training
    /// examples), whose first row maximum ([`crate::argmax`]) is [`Pipeline::predict`]'s
    /// label; see [`Model::class_scores`].
    pub fn class_scores(&self, x: ArrayView2<f64>) -> Result<Array2<f64>> {
        let xs = self.scaler.transform(x)?;
        let scores = self.model.class_scores(xs.view())?;
        let mut out = Array2::zeros((x.nrows(), self.labels.len()));
        for (c, &label) in self.classes.iter().enumerate() {
            out.column_mut(label).assign(&scores.column(c));
        }
        Ok(out)
    }

    /// Number of input features.
    pub fn n_features(&self) -> usize {
        self.scaler.n_features()
    }

    /// Checks a pipeline read from disk (see [`Model::validate`]).
    pub fn validate(&self) -> Result<()> {
        let d = self.scaler.n_features();
        if self.scaler.scale.len() != d
            || self.scaler.scale.iter().any(|s| !(s.abs() > 0.0) || !s.is_finite())
            || self.scaler.mean.iter().any(|m| !m.is_finite())
        {
            return Err(MlError::ShapeMismatch { expected: format!("{d} finite means and non-zero scales"), got: "a damaged scaler".into() });
        }
        if self.classes.len() < 2 || self.classes.iter().any(|&c| c >= self.labels.len()) {
            return Err(MlError::ShapeMismatch {
                expected: format!("at least two class indices below {}", self.labels.len()),
                got: format!("{:?}", self.classes),
            });
        }
        self.model.validate(d, self.classes.len())
    }
}
