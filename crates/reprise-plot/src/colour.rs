//! Colour maps: a sequential one (magma) for energies and a diverging one (coolwarm)
//! for signed values, both as piecewise-linear ramps through matplotlib's published stops.

/// How values are coloured.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ColourMap {
    /// Dark to light (magma): energies, magnitudes, chroma.
    Sequential,
    /// Blue through grey to red (coolwarm), centred on zero: signed values such as MFCC.
    Diverging,
    /// White to dark blue (Blues): fractions, such as the cells of a confusion matrix.
    Blues,
}

const MAGMA: [[f32; 3]; 9] = [
    [0.0, 0.0, 4.0],
    [28.0, 16.0, 68.0],
    [79.0, 18.0, 123.0],
    [129.0, 37.0, 129.0],
    [181.0, 54.0, 122.0],
    [229.0, 80.0, 100.0],
    [251.0, 135.0, 97.0],
    [254.0, 194.0, 135.0],
    [252.0, 253.0, 191.0],
];

const BLUES: [[f32; 3]; 5] = [[247.0, 251.0, 255.0], [198.0, 219.0, 239.0], [107.0, 174.0, 214.0], [33.0, 113.0, 181.0], [8.0, 48.0, 107.0]];

const COOLWARM: [[f32; 3]; 5] = [[59.0, 76.0, 192.0], [141.0, 176.0, 254.0], [221.0, 221.0, 221.0], [244.0, 154.0, 123.0], [180.0, 4.0, 38.0]];

/// Colour of a NaN value.
pub const NAN_RGB: [u8; 3] = [128, 128, 128];

impl ColourMap {
    /// The colour at `t` in [0, 1] (clamped; NaN is grey).
    pub fn rgb(self, t: f32) -> [u8; 3] {
        if t.is_nan() {
            return NAN_RGB;
        }
        let stops: &[[f32; 3]] = match self {
            ColourMap::Sequential => &MAGMA,
            ColourMap::Diverging => &COOLWARM,
            ColourMap::Blues => &BLUES,
        };
        let x = t.clamp(0.0, 1.0) * (stops.len() - 1) as f32;
        let i = (x.floor() as usize).min(stops.len() - 2);
        let u = x - i as f32;
        let (a, b) = (stops[i], stops[i + 1]);
        [0, 1, 2].map(|k| (a[k] + u * (b[k] - a[k])).round() as u8)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ends_and_clamping() {
        assert_eq!(ColourMap::Sequential.rgb(0.0), [0, 0, 4]);
        assert_eq!(ColourMap::Sequential.rgb(1.0), [252, 253, 191]);
        assert_eq!(ColourMap::Sequential.rgb(7.0), [252, 253, 191]);
        assert_eq!(ColourMap::Diverging.rgb(0.5), [221, 221, 221]);
        assert_eq!(ColourMap::Diverging.rgb(f32::NAN), NAN_RGB);
        // sequential lightness rises monotonically
        let lum = |c: [u8; 3]| 0.3 * c[0] as f32 + 0.59 * c[1] as f32 + 0.11 * c[2] as f32;
        let l: Vec<f32> = (0..=20).map(|i| lum(ColourMap::Sequential.rgb(i as f32 / 20.0))).collect();
        assert!(l.windows(2).all(|w| w[1] >= w[0]), "{l:?}");
    }
}
