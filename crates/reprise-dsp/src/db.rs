//! Decibel scaling: `librosa.power_to_db` and `librosa.amplitude_to_db`.

use ndarray::{ArrayBase, Data, DataMut, Dimension};
use reprise_core::{invalid, Result};
use serde::{Deserialize, Serialize};

/// The reference that maps to 0 dB.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum DbRef {
    /// A fixed value (librosa's default `ref=1.0`).
    Value(f32),
    /// The maximum of the input (`ref=np.max`).
    Max,
}

impl Default for DbRef {
    fn default() -> Self {
        DbRef::Value(1.0)
    }
}

/// Parameters of [`power_to_db`].
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct DbConfig {
    /// Reference (default 1.0).
    pub reference: DbRef,
    /// Floor applied before the logarithm (default 1e-10 for power, 1e-5 for amplitude).
    pub amin: f32,
    /// Clamp to `max − top_db` (default 80 dB); `None` disables the clamp.
    pub top_db: Option<f32>,
}

impl DbConfig {
    /// librosa's `power_to_db` defaults.
    pub fn power() -> Self {
        Self { reference: DbRef::Value(1.0), amin: 1e-10, top_db: Some(80.0) }
    }
    /// librosa's `amplitude_to_db` defaults.
    pub fn amplitude() -> Self {
        Self { reference: DbRef::Value(1.0), amin: 1e-5, top_db: Some(80.0) }
    }
    fn validate(&self) -> Result<()> {
        if !(self.amin > 0.0) {
            return Err(invalid("amin", format!("{} must be > 0", self.amin)));
        }
        if let Some(t) = self.top_db {
            if !(t >= 0.0) {
                return Err(invalid("top_db", format!("{t} must be ≥ 0")));
            }
        }
        Ok(())
    }
}

/// In place: `10·log10(max(amin, S)) − 10·log10(max(amin, |ref|))`, then clamped at
/// `max − top_db`. The max is global, as in librosa, so the result of a chunk can
/// differ from that of the whole signal.
pub fn power_to_db<S, D>(s: &mut ArrayBase<S, D>, config: &DbConfig) -> Result<()>
where
    S: DataMut<Elem = f32>,
    D: Dimension,
{
    config.validate()?;
    let ref_value = match config.reference {
        DbRef::Value(v) => v.abs(),
        DbRef::Max => max_of(s),
    };
    let amin = config.amin;
    let offset = 10.0 * ref_value.max(amin).log10();
    s.mapv_inplace(|x| 10.0 * x.max(amin).log10() - offset);
    if let Some(top_db) = config.top_db {
        let floor = max_of(s) - top_db;
        s.mapv_inplace(|x| x.max(floor));
    }
    Ok(())
}

/// In place: `power_to_db(|S|², ref=ref², amin=amin², top_db)`.
pub fn amplitude_to_db<S, D>(s: &mut ArrayBase<S, D>, config: &DbConfig) -> Result<()>
where
    S: DataMut<Elem = f32>,
    D: Dimension,
{
    config.validate()?;
    let ref_value = match config.reference {
        DbRef::Value(v) => v.abs(),
        DbRef::Max => s.iter().fold(0.0f32, |m, v| m.max(v.abs())),
    };
    s.mapv_inplace(|x| x * x);
    let power_cfg = DbConfig { reference: DbRef::Value(ref_value * ref_value), amin: config.amin * config.amin, top_db: config.top_db };
    power_to_db(s, &power_cfg)
}

fn max_of<S: Data<Elem = f32>, D: Dimension>(s: &ArrayBase<S, D>) -> f32 {
    s.iter().fold(f32::NEG_INFINITY, |m, v| m.max(*v))
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::array;

    #[test]
    fn power_to_db_by_hand() {
        let mut s = array![1.0f32, 10.0, 100.0, 0.0];
        power_to_db(&mut s, &DbConfig { top_db: None, ..DbConfig::power() }).unwrap();
        assert_eq!(s, array![0.0, 10.0, 20.0, -100.0]);
        let mut s = array![1.0f32, 10.0, 100.0, 0.0];
        power_to_db(&mut s, &DbConfig { reference: DbRef::Max, top_db: Some(15.0), ..DbConfig::power() }).unwrap();
        assert_eq!(s, array![-15.0, -10.0, 0.0, -15.0]);
    }

    #[test]
    fn bad_amin_is_an_error() {
        let mut s = array![1.0f32];
        assert!(power_to_db(&mut s, &DbConfig { amin: 0.0, ..DbConfig::power() }).is_err());
    }
}
