//! Parity with scikit-learn 1.9.1 on the fixtures written by `scripts/make_sklearn_fixtures.py`
//! (seeded Gaussian blobs; see `fixtures/sklearn/meta.json` for every call), plus the
//! properties each classifier must have whatever the reference says.

use ndarray::{Array1, Array2, ArrayView2};
use ndarray_npy::read_npy;
use reprise_ml::logistic::objective;
use reprise_ml::svc::Gamma;
use reprise_ml::*;
use std::path::PathBuf;

fn dir(set: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/sklearn").join(set)
}
fn m(set: &str, name: &str) -> Array2<f64> {
    read_npy(dir(set).join(name)).unwrap_or_else(|e| panic!("{set}/{name}: {e}"))
}
fn v(set: &str, name: &str) -> Array1<f64> {
    read_npy(dir(set).join(name)).unwrap_or_else(|e| panic!("{set}/{name}: {e}"))
}
fn labels(set: &str, name: &str) -> Vec<usize> {
    let a: Array1<i64> = read_npy(dir(set).join(name)).unwrap_or_else(|e| panic!("{set}/{name}: {e}"));
    a.iter().map(|&l| l as usize).collect()
}
fn max_abs_diff<'a>(a: impl IntoIterator<Item = &'a f64>, b: impl IntoIterator<Item = &'a f64>) -> f64 {
    a.into_iter().zip(b).fold(0.0, |m, (x, y)| m.max((x - y).abs()))
}
fn max_abs<'a>(a: impl IntoIterator<Item = &'a f64>) -> f64 {
    a.into_iter().fold(0.0, |m, x| m.max(x.abs()))
}
fn n_classes(y: &[usize]) -> usize {
    y.iter().max().unwrap() + 1
}

#[test]
fn standard_scaler_matches_sklearn() {
    for set in ["multi", "binary"] {
        let s = StandardScaler::fit(m(set, "X_train.npy").view()).unwrap();
        let (mean, scale) = (v(set, "scaler_mean.npy"), v(set, "scaler_scale.npy"));
        assert!(max_abs_diff(&s.mean, &mean) <= 1e-12 * max_abs(&mean), "{set} mean");
        assert!(max_abs_diff(&s.scale, &scale) <= 1e-12 * max_abs(&scale), "{set} scale");
        let xs = s.transform(m(set, "X_test.npy").view()).unwrap();
        assert!(max_abs_diff(&xs, &m(set, "Xs_test.npy")) <= 1e-10, "{set} transform");
    }
    // a constant column is centred, not divided by zero
    let x = ndarray::array![[1.0, 5.0], [2.0, 5.0], [3.0, 5.0]];
    let s = StandardScaler::fit(x.view()).unwrap();
    assert_eq!(s.scale[1], 1.0);
    assert_eq!(s.transform(x.view()).unwrap().column(1).to_vec(), vec![0.0; 3]);
}

#[test]
fn logistic_regression_reaches_sklearns_optimum() {
    for set in ["multi", "binary"] {
        let (x, y) = (m(set, "Xs_train.npy"), labels(set, "y_train.npy"));
        let xt = m(set, "Xs_test.npy");
        for (c, prefix) in [(1.0, "logreg"), (0.1, "logreg_c01")] {
            // run to convergence: the optimum is the same problem's, to rounding
            let tight = LogRegConfig { c, tol: 1e-10, max_iter: 10_000 }.fit(x.view(), &y, n_classes(&y)).unwrap();
            let coef = m(set, &format!("{prefix}_tight_coef.npy"));
            let icpt = v(set, &format!("{prefix}_tight_intercept.npy"));
            let err = max_abs_diff(&tight.coef, &coef).max(max_abs_diff(&tight.intercept, &icpt));
            assert!(err <= 1e-6 * max_abs(&coef), "{set} C={c}: tight optimum differs by {err}");
            // with the default tol both stop near the optimum; probabilities agree closely
            let lr = LogRegConfig { c, ..Default::default() }.fit(x.view(), &y, n_classes(&y)).unwrap();
            assert!(lr.converged);
            let p = lr.predict_proba(xt.view()).unwrap();
            let err = max_abs_diff(&p, &m(set, &format!("{prefix}_proba.npy")));
            assert!(err <= 1e-3, "{set} C={c}: probabilities differ by {err}");
            assert_eq!(lr.predict(xt.view()).unwrap(), labels(set, &format!("{prefix}_pred.npy")), "{set} C={c}");
        }
    }
}

#[test]
fn logistic_gradient_matches_finite_differences() {
    for set in ["multi", "binary"] {
        let (x, y) = (m(set, "Xs_train.npy"), labels(set, "y_train.npy"));
        let k = if n_classes(&y) == 2 { 1 } else { n_classes(&y) };
        let n_params = k * x.ncols() + k;
        let p: Vec<f64> = (0..n_params).map(|i| ((i * 7919) % 13) as f64 / 13.0 - 0.5).collect();
        let mut g = vec![0.0; n_params];
        objective(x.view(), &y, n_classes(&y), 0.7, &p, &mut g);
        let mut scratch = vec![0.0; n_params];
        for i in 0..n_params {
            let h = 1e-6;
            let (mut a, mut b) = (p.clone(), p.clone());
            a[i] += h;
            b[i] -= h;
            let fd = (objective(x.view(), &y, n_classes(&y), 0.7, &a, &mut scratch) - objective(x.view(), &y, n_classes(&y), 0.7, &b, &mut scratch))
                / (2.0 * h);
            assert!((fd - g[i]).abs() <= 1e-7 * (1.0 + g[i].abs()), "{set} parameter {i}: analytic {} vs finite difference {fd}", g[i]);
        }
    }
}

#[test]
fn svc_matches_libsvm() {
    for set in ["multi", "binary"] {
        let (x, y) = (m(set, "Xs_train.npy"), labels(set, "y_train.npy"));
        let xt = m(set, "Xs_test.npy");
        let svc = SvcConfig::default().fit(x.view(), &y, n_classes(&y)).unwrap();
        assert!(svc.converged);
        assert_eq!(svc.support, labels(set, "svc_support.npy"), "{set}: support vectors");
        assert_eq!(svc.n_support, labels(set, "svc_n_support.npy"), "{set}: n_support");
        let dec = svc.decision_function_ovo(xt.view()).unwrap();
        // scikit-learn flips the sign of the binary decision (positive = class 1)
        let reference: Array2<f64> =
            if set == "binary" { -v(set, "svc_decision_ovo.npy").insert_axis(ndarray::Axis(1)) } else { m(set, "svc_decision_ovo.npy") };
        let err = max_abs_diff(&dec, &reference);
        assert!(err <= 1e-3 * max_abs(&reference), "{set}: decision values differ by {err}");
        assert_eq!(svc.predict(xt.view()).unwrap(), labels(set, "svc_pred.npy"), "{set}: predictions");
    }
}

#[test]
fn knn_matches_sklearn_including_ties() {
    for set in ["multi", "binary"] {
        let knn =
            KnnConfig::default().fit(m(set, "Xs_train.npy").view(), &labels(set, "y_train.npy"), n_classes(&labels(set, "y_train.npy"))).unwrap();
        assert_eq!(knn.predict(m(set, "Xs_test.npy").view()).unwrap(), labels(set, "knn_pred.npy"), "{set}");
    }
    // distance ties at the 5th place go to the earlier training row; vote ties to the lower class
    let y = labels("ties", "y_train.npy");
    let knn = KnnConfig::default().fit(m("ties", "X_train.npy").view(), &y, n_classes(&y)).unwrap();
    let xt = m("ties", "X_test.npy");
    assert_eq!(knn.predict(xt.view()).unwrap(), labels("ties", "knn_pred_brute.npy"));
    let nb: Vec<Vec<usize>> = knn.kneighbors(xt.view()).unwrap().iter().map(|r| r.iter().map(|&(i, _)| i).collect()).collect();
    let reference: Array2<i64> = read_npy(dir("ties").join("knn_neighbors_brute.npy")).unwrap();
    for (row, (ours, theirs)) in nb.iter().zip(reference.rows()).enumerate() {
        let mut a = ours.clone();
        let mut b: Vec<usize> = theirs.iter().map(|&i| i as usize).collect();
        a.sort();
        b.sort();
        assert_eq!(a, b, "neighbour set of test row {row}");
    }
}

#[test]
fn stratified_folds_equal_sklearns_without_shuffling() {
    for (set, y, folds, k) in [
        ("multi", "y_train.npy", "skf_test_fold.npy", 5),
        ("binary", "y_train.npy", "skf_test_fold.npy", 5),
        ("imbalanced", "y_imbalanced.npy", "skf_imbalanced_test_fold.npy", 3),
    ] {
        let (f, warnings) = stratified_k_fold(&labels(set, y), k, None).unwrap();
        assert_eq!(f, labels(set, folds), "{set}");
        assert!(warnings.is_empty());
    }
    // shuffled: same per-fold class counts, other assignment, reproducible from the seed
    let y = labels("imbalanced", "y_imbalanced.npy");
    let (a, _) = stratified_k_fold(&y, 3, Some(7)).unwrap();
    let (b, _) = stratified_k_fold(&y, 3, Some(7)).unwrap();
    assert_eq!(a, b);
    let count = |f: &[usize]| {
        (0..3).map(|k| (0..3).map(|c| (0..y.len()).filter(|&i| f[i] == k && y[i] == c).count()).collect::<Vec<_>>()).collect::<Vec<_>>()
    };
    assert_eq!(count(&a), count(&labels("imbalanced", "skf_imbalanced_test_fold.npy")));
    // a class smaller than the number of folds is a warning; all classes smaller is an error
    let (_, w) = stratified_k_fold(&[0, 0, 0, 0, 0, 1], 5, None).unwrap();
    assert!(matches!(w[0], FoldWarning::SmallClass { class: 1, count: 1, n_splits: 5 }));
    assert!(stratified_k_fold(&[0, 0, 1, 1], 3, None).is_err());
    // plain K-fold: sizes as scikit-learn's KFold
    let f = k_fold(11, 3, None).unwrap();
    assert_eq!((0..3).map(|k| f.iter().filter(|&&x| x == k).count()).collect::<Vec<_>>(), vec![4, 4, 3]);
}

#[test]
fn random_forest_is_as_accurate_as_sklearns() {
    let (x, y) = (m("multi", "Xs_train.npy"), labels("multi", "y_train.npy"));
    let (xt, yt) = (m("multi", "Xs_test.npy"), labels("multi", "y_test.npy"));
    let acc: Vec<f64> = (0..10)
        .map(|seed| {
            let rf = ForestConfig { random_state: seed, ..Default::default() }.fit(x.view(), &y, 3).unwrap();
            ConfusionMatrix::new(&yt, &rf.predict(xt.view()).unwrap(), 3).accuracy()
        })
        .collect();
    let mean = acc.iter().sum::<f64>() / 10.0;
    // scikit-learn's mean over seeds 0..9 is 0.607 (min 0.533, max 0.667) on 30 test rows
    assert!((mean - 0.607).abs() <= 0.07, "mean accuracy {mean} over seeds: {acc:?}");
    // the same seed gives the same forest; another seed another one
    let a = ForestConfig::default().fit(x.view(), &y, 3).unwrap();
    assert_eq!(a, ForestConfig::default().fit(x.view(), &y, 3).unwrap());
    assert_ne!(a, ForestConfig { random_state: 1, ..Default::default() }.fit(x.view(), &y, 3).unwrap());
}

/// Three well separated blobs: every classifier must get them right.
fn separable() -> (Array2<f64>, Vec<usize>) {
    let mut rng = reprise_core::Rng::new(3);
    let mut x = Array2::zeros((60, 4));
    let y: Vec<usize> = (0..60).map(|i| i % 3).collect();
    for (i, mut row) in x.rows_mut().into_iter().enumerate() {
        for (j, v) in row.iter_mut().enumerate() {
            *v = rng.range(-0.5, 0.5) + if j == y[i] { 10.0 } else { 0.0 };
        }
    }
    (x, y)
}

#[test]
fn every_classifier_fits_separable_data_and_overfits_its_training_set() {
    let (x, y) = separable();
    let names: Vec<String> = ["a", "b", "c"].iter().map(|s| s.to_string()).collect();
    for kind in ClassifierKind::ALL {
        let (p, warnings) = Pipeline::fit(x.view(), &y, &names, &kind.default_config(0)).unwrap();
        assert!(warnings.is_empty(), "{warnings:?}");
        assert_eq!(p.predict(x.view()).unwrap(), y, "{}", kind.name());
    }
    // unpruned trees without bootstrap memorise noisy data exactly
    let noisy = m("multi", "Xs_train.npy");
    let yn = labels("multi", "y_train.npy");
    let rf = ForestConfig { bootstrap: false, max_features: reprise_ml::forest::MaxFeatures::All, n_estimators: 1, ..Default::default() }
        .fit(noisy.view(), &yn, 3)
        .unwrap();
    assert_eq!(rf.predict(noisy.view()).unwrap(), yn);
    let knn1 = KnnConfig { n_neighbors: 1 }.fit(noisy.view(), &yn, 3).unwrap();
    assert_eq!(knn1.predict(noisy.view()).unwrap(), yn);
}

#[test]
fn pipelines_round_trip_through_json_and_reject_damage() {
    let (x, y) = (m("multi", "X_train.npy"), labels("multi", "y_train.npy"));
    let xt = m("multi", "X_test.npy");
    let names: Vec<String> = ["x", "y", "z", "never seen"].iter().map(|s| s.to_string()).collect();
    for kind in ClassifierKind::ALL {
        let (p, warnings) = Pipeline::fit(x.view(), &y, &names, &kind.default_config(5)).unwrap();
        assert_eq!(warnings, vec!["class `never seen` has no training examples and cannot be predicted".to_string()]);
        let json = serde_json::to_string(&p).unwrap();
        let back: Pipeline = serde_json::from_str(&json).unwrap();
        back.validate().unwrap();
        assert_eq!(back, p, "{}: JSON round trip is exact", kind.name());
        assert_eq!(back.predict(xt.view()).unwrap(), p.predict(xt.view()).unwrap(), "{}", kind.name());
        // a wrong width is an error, not a panic
        assert!(matches!(p.predict(xt.slice(ndarray::s![.., ..3])), Err(MlError::ShapeMismatch { .. })));
    }
    // a forest whose child points back to its parent would loop forever: rejected
    let (p, _) = Pipeline::fit(x.view(), &y, &names, &ClassifierKind::Rf.default_config(0)).unwrap();
    let mut json: serde_json::Value = serde_json::to_value(&p).unwrap();
    json["model"]["model"]["trees"][0]["nodes"][0]["Split"]["left"] = serde_json::json!(0);
    let damaged: Pipeline = serde_json::from_value(json).unwrap();
    assert!(damaged.validate().is_err());
}

#[test]
fn bad_input_gives_errors() {
    let (x, y) = separable();
    let cfg = ClassifierKind::Logreg.default_config(0);
    let mut nan = x.clone();
    nan[[3, 2]] = f64::NAN;
    let err = cfg.fit(nan.view(), &y, 3).unwrap_err();
    assert!(matches!(err, MlError::NonFinite { row: 3, col: 2, .. }), "{err}");
    assert_eq!(err.to_string(), "feature matrix has a non-finite value (NaN) at row 3, column 2");
    assert!(matches!(cfg.fit(x.view(), &vec![1; 60], 3), Err(MlError::TooFewClasses { found: 1 })));
    assert!(matches!(cfg.fit(ArrayView2::from_shape((0, 4), &[]).unwrap(), &[], 3), Err(MlError::Empty { .. })));
    assert!(matches!(cfg.fit(x.view(), &y[..10], 3), Err(MlError::ShapeMismatch { .. })));
    assert!(matches!(cfg.fit(x.view(), &y, 2), Err(MlError::BadLabel { .. })));
    assert!(matches!(
        SvcConfig { gamma: Gamma::Value(-1.0), ..Default::default() }.fit(x.view(), &y, 3),
        Err(MlError::Core(reprise_core::Error::InvalidParameter { name: "gamma", .. }))
    ));
    assert!(matches!(
        KnnConfig { n_neighbors: 100 }.fit(x.view(), &y, 3),
        Err(MlError::Core(reprise_core::Error::InvalidParameter { name: "n_neighbors", .. }))
    ));
    // a class with one example fits, with a warning
    let mut y1 = y.clone();
    y1[0] = 3;
    let names: Vec<String> = (0..4).map(|i| i.to_string()).collect();
    for kind in ClassifierKind::ALL {
        let (_, w) = Pipeline::fit(x.view(), &y1, &names, &kind.default_config(0)).unwrap();
        assert_eq!(w, vec!["class `3` has a single training example".to_string()], "{}", kind.name());
    }
}

#[test]
fn confusion_matrix_scores_match_sklearn_metrics() {
    // y_true = [0,0,0,1,1,2], y_pred = [0,1,0,1,2,1]: values from sklearn.metrics
    let cm = ConfusionMatrix::new(&[0, 0, 0, 1, 1, 2], &[0, 1, 0, 1, 2, 1], 4);
    assert_eq!(cm.counts[0], vec![2, 1, 0, 0]);
    assert!((cm.accuracy() - 0.5).abs() < 1e-12);
    // balanced_accuracy_score = (2/3 + 1/2 + 0) / 3
    assert!((cm.balanced_accuracy() - (2.0 / 3.0 + 0.5) / 3.0).abs() < 1e-12);
    // precision per class: 1, 1/3, 0 ; recall: 2/3, 1/2, 0 ; f1: 0.8, 0.4, 0
    assert!((cm.macro_precision() - (1.0 + 1.0 / 3.0) / 3.0).abs() < 1e-12);
    assert!((cm.macro_f1() - (0.8 + 0.4) / 3.0).abs() < 1e-12);
    assert_eq!(cm.recall()[3], None);
}

/// Class scores: one per label, rows summing to 1, 0 for a label without training
/// examples, and the row maximum (first on ties) is the predicted label, for every
/// classifier on noisy data where the classes overlap.
#[test]
fn class_scores_agree_with_predictions() {
    let x = m("multi", "Xs_train.npy");
    let y = labels("multi", "y_train.npy");
    let names: Vec<String> = ["a", "b", "c", "never"].iter().map(|s| s.to_string()).collect();
    let xt = m("multi", "Xs_test.npy");
    for kind in ClassifierKind::ALL {
        let (p, _) = Pipeline::fit(x.view(), &y, &names, &kind.default_config(0)).unwrap();
        let scores = p.class_scores(xt.view()).unwrap();
        assert_eq!(scores.dim(), (xt.nrows(), 4));
        let predicted = p.predict(xt.view()).unwrap();
        let mut mixed = 0;
        for (row, &label) in scores.rows().into_iter().zip(&predicted) {
            assert!((row.sum() - 1.0).abs() < 1e-9, "{}: {row}", kind.name());
            assert_eq!(row[3], 0.0, "{}: a label without examples", kind.name());
            let best = row.iter().enumerate().fold(0, |b, (i, &v)| if v > row[b] { i } else { b });
            assert_eq!(best, label, "{}: {row}", kind.name());
            mixed += usize::from(row.iter().filter(|&&v| v > 0.0).count() > 1);
        }
        assert!(mixed > 0, "{}: every row certain; the test needs overlap", kind.name());
        assert!(["probability", "vote_share"].contains(&p.model.score_kind()));
    }
}
