//! Reading `.npy` files safely: the header's shape is checked against the file's size
//! before anything is allocated, so a damaged or hostile header (a 518-byte file that
//! declares terabytes) is an error, not an allocation abort.

use crate::error::{IoError, Result};
use ndarray_npy::{ReadNpyExt, ReadableElement};
use std::io::Read;
use std::path::Path;

/// What an `.npy` header declares.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NpyHeader {
    /// numpy's type string (`<f4`, `<c8`, …).
    pub descr: String,
    /// The shape.
    pub shape: Vec<usize>,
    /// Bytes of one element.
    pub item_bytes: usize,
    /// Bytes before the data (magic, version, length, header).
    pub data_offset: usize,
}

impl NpyHeader {
    /// Bytes of data the shape needs, if that number fits in a `u64`.
    pub fn data_bytes(&self) -> Option<u64> {
        self.shape.iter().try_fold(self.item_bytes as u64, |acc, &d| acc.checked_mul(d as u64))
    }
}

/// Reads and checks the header of an `.npy` file without reading its data.
pub fn read_npy_header(path: &Path) -> Result<NpyHeader> {
    use std::io::{Seek, SeekFrom};
    let bad = |reason: String| IoError::invalid(path, format!("not a valid .npy file ({reason})"));
    let mut f = std::fs::File::open(path).map_err(|e| IoError::io(path, e))?;
    let mut pre = [0u8; 12];
    let got = read_up_to(&mut f, &mut pre).map_err(|e| IoError::io(path, e))?;
    if got < 10 || &pre[..6] != b"\x93NUMPY" {
        return Err(bad("no .npy magic bytes at the start".into()));
    }
    let (len, start) = match pre[6] {
        1 => (u16::from_le_bytes([pre[8], pre[9]]) as usize, 10),
        2 | 3 if got >= 12 => (u32::from_le_bytes([pre[8], pre[9], pre[10], pre[11]]) as usize, 12),
        v => return Err(bad(format!("format version {v} is not 1, 2 or 3"))),
    };
    if len > 1 << 20 {
        return Err(bad(format!("a header of {len} bytes")));
    }
    let mut header = vec![0u8; len];
    f.seek(SeekFrom::Start(start as u64)).map_err(|e| IoError::io(path, e))?;
    if read_up_to(&mut f, &mut header).map_err(|e| IoError::io(path, e))? < len {
        return Err(bad("the file ends inside its header".into()));
    }
    let text = String::from_utf8_lossy(&header);
    let field = |key: &str| -> Option<String> {
        let at = text.find(&format!("'{key}'"))? + key.len() + 2;
        let rest = text[at..].trim_start().strip_prefix(':')?.trim_start();
        Some(rest.to_string())
    };
    let descr = field("descr")
        .and_then(|r| r.strip_prefix('\'').and_then(|r| r.split('\'').next()).map(String::from))
        .ok_or_else(|| bad("no 'descr' in the header".into()))?;
    let item_bytes: usize = descr
        .trim_start_matches(['<', '>', '|', '='])
        .get(1..)
        .and_then(|d| d.parse().ok())
        .ok_or_else(|| bad(format!("unknown element type `{descr}`")))?;
    let shape_text = field("shape").ok_or_else(|| bad("no 'shape' in the header".into()))?;
    let inner = shape_text.strip_prefix('(').and_then(|r| r.split(')').next()).ok_or_else(|| bad("the shape is not a tuple".into()))?;
    let shape = inner
        .split(',')
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .map(|t| t.trim_end_matches('L').parse::<usize>().map_err(|_| bad(format!("shape entry `{t}` is not a size"))))
        .collect::<Result<Vec<_>>>()?;
    Ok(NpyHeader { descr, shape, item_bytes, data_offset: start + len })
}

fn read_up_to(f: &mut impl Read, buf: &mut [u8]) -> std::io::Result<usize> {
    let mut n = 0;
    while n < buf.len() {
        match f.read(&mut buf[n..])? {
            0 => break,
            k => n += k,
        }
    }
    Ok(n)
}

/// Reads an `.npy` array after checking that the file holds the data its header declares.
/// Errors name the file: a missing file, a damaged header, a declared size larger than the
/// file, or an element type or number of dimensions other than `T` and `D`.
pub fn read_npy<T: ReadableElement, D: ndarray::Dimension>(path: &Path) -> Result<ndarray::Array<T, D>> {
    check_npy(path)?;
    let f = std::fs::File::open(path).map_err(|e| IoError::io(path, e))?;
    ndarray::Array::<T, D>::read_npy(std::io::BufReader::new(f))
        .map_err(|e| IoError::invalid(path, format!("cannot read this .npy as {}: {e}", std::any::type_name::<T>())))
}

/// Reads an `.npy` header and checks that the file holds all the data it declares, so that
/// reading it afterwards allocates no more than the file's size.
pub fn check_npy(path: &Path) -> Result<NpyHeader> {
    let h = read_npy_header(path)?;
    let file_bytes = std::fs::metadata(path).map_err(|e| IoError::io(path, e))?.len();
    let have = file_bytes.saturating_sub(h.data_offset as u64);
    match h.data_bytes() {
        Some(need) if need <= have => {}
        need => {
            return Err(IoError::invalid(
                path,
                format!(
                    "truncated or damaged .npy: its header declares shape {:?} of {} ({} bytes) but the file holds {have} bytes of data",
                    h.shape,
                    h.descr,
                    need.map_or("more than 2^64".to_string(), |n| n.to_string())
                ),
            ))
        }
    }
    Ok(h)
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::{Array2, Array3};

    #[test]
    fn round_trip_and_wrong_types() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("a.npy");
        let a = Array2::from_shape_fn((3, 5), |(i, j)| (i * 5 + j) as f32);
        crate::write_npy(&p, &a).unwrap();
        let h = read_npy_header(&p).unwrap();
        assert_eq!((h.descr.as_str(), h.shape.as_slice(), h.item_bytes), ("<f4", &[3usize, 5][..], 4));
        assert_eq!(read_npy::<f32, ndarray::Ix2>(&p).unwrap(), a);
        assert!(read_npy::<f32, ndarray::Ix3>(&p).is_err());
        let c = Array3::<f32>::zeros((2, 0, 4));
        crate::write_npy(&p, &c).unwrap();
        assert_eq!(read_npy::<f32, ndarray::Ix3>(&p).unwrap().shape(), &[2, 0, 4]);
    }

    #[test]
    fn a_header_that_declares_more_than_the_file_holds_is_refused_before_reading() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("huge.npy");
        // a 128-byte file declaring 10^12 × 10^6 float64s (and one overflowing u64)
        for shape in ["(1000000000000, 1000000)", "(4294967296, 4294967296, 4294967296)"] {
            let mut header = format!("{{'descr': '<f8', 'fortran_order': False, 'shape': {shape}, }}");
            while !(10 + header.len() + 1).is_multiple_of(64) {
                header.push(' ');
            }
            header.push('\n');
            let mut bytes = b"\x93NUMPY\x01\x00".to_vec();
            bytes.extend_from_slice(&(header.len() as u16).to_le_bytes());
            bytes.extend_from_slice(header.as_bytes());
            bytes.extend_from_slice(&[0u8; 64]);
            std::fs::write(&p, &bytes).unwrap();
            let e = read_npy::<f64, ndarray::Ix2>(&p).unwrap_err().to_string();
            assert!(e.contains("huge.npy") && e.contains("truncated or damaged"), "{e}");
        }
        // not an npy at all, empty, and a header cut short
        for bytes in [&b"hello world, not numpy"[..], &b""[..], &b"\x93NUMPY\x01\x00\xff\x00{'descr'"[..]] {
            std::fs::write(&p, bytes).unwrap();
            let e = read_npy::<f32, ndarray::Ix2>(&p).unwrap_err().to_string();
            assert!(e.contains("huge.npy: not a valid .npy file"), "{e}");
        }
        let e = read_npy::<f32, ndarray::Ix2>(&dir.path().join("missing.npy")).unwrap_err().to_string();
        assert!(e.contains("missing.npy") && e.contains("no such file"), "{e}");
    }
}
