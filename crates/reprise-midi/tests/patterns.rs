//! The MIREX pattern metrics against mir_eval 0.8.2 on the fixtures of
//! scripts/make_pattern_fixtures.py (seeded): every score of every case within 1e-12, the
//! files read by Reprise's parser as mir_eval's `load_patterns` reads them.

use reprise_midi::patterns::*;
use std::path::Path;

#[test]
fn scores_equal_mir_eval() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/mir_eval_patterns");
    let expected: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(dir.join("expected.json")).unwrap()).unwrap();
    let cases = expected["cases"].as_object().unwrap();
    assert!(cases.len() >= 7);
    let mut occurrence_thresholds_differ = false;
    for (name, want) in cases {
        let r = read_patterns(dir.join(format!("{name}_ref.txt"))).unwrap();
        let e = read_patterns(dir.join(format!("{name}_est.txt"))).unwrap();
        let got = evaluate_patterns(&r, &e).unwrap();
        let check = |metric: &str, ours: Fpr| {
            for (k, v) in [("f", ours.f), ("p", ours.p), ("r", ours.r)] {
                let w = want[metric][k].as_f64().unwrap();
                assert!((v - w).abs() <= 1e-12, "{name}: {metric}.{k} = {v}, mir_eval {w}");
            }
        };
        check("standard", got.standard);
        check("establishment", got.establishment);
        check("occurrence_75", got.occurrence_75);
        check("occurrence_50", got.occurrence_50);
        check("three_layer", got.three_layer);
        assert!((got.ffp - want["ffp"].as_f64().unwrap()).abs() <= 1e-12, "{name}: ffp");
        assert!((got.fftp_est - want["fftp_est"].as_f64().unwrap()).abs() <= 1e-12, "{name}: fftp_est");
        occurrence_thresholds_differ |= got.occurrence_50 != got.occurrence_75;
    }
    assert!(occurrence_thresholds_differ, "the fixtures exercise the two occurrence thresholds apart");
}

#[test]
fn written_patterns_read_back() {
    let p = vec![
        Pattern { occurrences: vec![vec![(0.0, 60.0), (1.0 / 3.0, 62.0)], vec![(8.0, 65.0), (8.33333, 67.0)]] },
        Pattern { occurrences: vec![vec![(2.5, 70.0)]] },
    ];
    let text = format_patterns(&p);
    assert!(text.starts_with("pattern1\noccurrence1\n0, 60\n0.33333, 62\n"), "{text}");
    let back = parse_patterns(&text, Path::new("x.txt")).unwrap();
    assert_eq!(back.len(), 2);
    assert_eq!(back[1], p[1]);
    assert_eq!(back[0].occurrences[1], p[0].occurrences[1]);
    // a translation of a prototype is found by the standard metric; an unrelated one is not
    let moved = vec![Pattern { occurrences: vec![p[0].occurrences[0].iter().map(|(o, m)| (o + 4.0, m - 2.0)).collect()] }];
    assert_eq!(standard_fpr(&p[..1], &moved, 1e-5).unwrap().f, 1.0);
    let other = vec![Pattern { occurrences: vec![vec![(0.0, 60.0), (1.0, 50.0)]] }];
    assert_eq!(standard_fpr(&p[..1], &other, 1e-5).unwrap().f, 0.0);
}

#[test]
fn bad_pattern_files_say_which_line() {
    let e = parse_patterns("pattern1\noccurrence1\n1.0, 60\n2.0; 62\n", Path::new("est.txt")).unwrap_err().to_string();
    assert!(e.starts_with("est.txt: line 4:"), "{e}");
    let e = parse_patterns("pattern1\noccurrence1\n1.0, NaN\n", Path::new("est.txt")).unwrap_err().to_string();
    assert!(e.contains("line 3") && e.contains("finite"), "{e}");
    let e = read_patterns("/nonexistent/ref.txt").unwrap_err().to_string();
    assert!(e.starts_with("/nonexistent/ref.txt:"), "{e}");
    // no points on a side: every score is 0, as mir_eval (which warns)
    let r = parse_patterns("pattern1\noccurrence1\n1, 60\n", Path::new("r")).unwrap();
    assert_eq!(evaluate_patterns(&r, &[]).unwrap(), PatternScores::default());
}
