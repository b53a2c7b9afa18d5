//! Writing RIFF chunks, for the SF2 files that SF3 and GUS-patch conversions build.

/// Appends chunk `id` holding `data` to `out`.
pub(crate) fn put_chunk(out: &mut Vec<u8>, id: &[u8], data: &[u8]) {
    // SF2 readers expect even sizes; an odd chunk (a zero-terminated string) gets a zero.
    let even = data.len() + data.len() % 2;
    out.extend_from_slice(id);
    out.extend_from_slice(&(even as u32).to_le_bytes());
    out.extend_from_slice(data);
    if data.len() % 2 == 1 {
        out.push(0);
    }
}
