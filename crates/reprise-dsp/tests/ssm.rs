//! The recurrence matrix against scipy (pdist, convolve2d) on the fixture of
//! scripts/make_ssm_fixture.py: within 1e-5 of the reference's peak (1).

use ndarray::Array2;
use ndarray_npy::read_npy;
use reprise_dsp::ssm::{recurrence_matrix, RecurrenceConfig};

#[test]
fn recurrence_matrix_equals_scipy() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/ssm");
    let x: Array2<f32> = read_npy(dir.join("features.npy")).unwrap();
    let want: Array2<f32> = read_npy(dir.join("recurrence.npy")).unwrap();
    let got = recurrence_matrix(x.view(), &RecurrenceConfig::default()).unwrap();
    assert_eq!(got.dim(), want.dim());
    let err = got.iter().zip(&want).map(|(a, b)| (a - b).abs()).fold(0.0f32, f32::max);
    assert!(err <= 1e-5, "max error {err}");
}
