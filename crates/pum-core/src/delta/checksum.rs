//! Checksums as pum 0.x stores them (MD5 hex of the file bytes), and the
//! comparison that ignores CRLF/LF and a UTF-8 BOM.

/// MD5 hex digest of the bytes, as stored in the `checksum` column.
pub fn checksum(bytes: &[u8]) -> String {
    format!("{:x}", md5::compute(bytes))
}

const BOM: &[u8] = b"\xEF\xBB\xBF";

fn to_lf(bytes: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'\r' && bytes.get(i + 1) == Some(&b'\n') {
            i += 1;
            continue;
        }
        out.push(bytes[i]);
        i += 1;
    }
    out
}

fn to_crlf(lf: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(lf.len() + lf.len() / 20);
    for &b in lf {
        if b == b'\n' {
            out.push(b'\r');
        }
        out.push(b);
    }
    out
}

/// True when `stored` is the checksum of these bytes, or of the same text
/// with other line endings (LF / CRLF) or with / without a UTF-8 BOM.
///
/// The stored value is only a digest, so the variants are recomputed from
/// the current file; the raw digest is tried first, so the common case
/// costs one MD5.
pub fn matches_ignoring_line_endings(bytes: &[u8], stored: &str) -> bool {
    let stored = stored.trim().to_ascii_lowercase();
    if checksum(bytes) == stored {
        return true;
    }
    let body = bytes.strip_prefix(BOM).unwrap_or(bytes);
    let lf = to_lf(body);
    let crlf = to_crlf(&lf);
    for text in [&lf, &crlf] {
        if checksum(text) == stored {
            return true;
        }
        let mut with_bom = BOM.to_vec();
        with_bom.extend_from_slice(text);
        if checksum(&with_bom) == stored {
            return true;
        }
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn md5_like_python_hashlib() {
        // hashlib.md5(b"SELECT 1;\n").hexdigest()
        assert_eq!(checksum(b"SELECT 1;\n"), "2bdf1665f56c0ce5b966d9c60a7f7eac");
        assert_eq!(checksum(b""), "d41d8cd98f00b204e9800998ecf8427e");
    }

    #[test]
    fn line_endings_and_bom_ignored() {
        let lf = b"CREATE TABLE a();\nSELECT 1;\n";
        let crlf = b"CREATE TABLE a();\r\nSELECT 1;\r\n";
        let bom_crlf = b"\xEF\xBB\xBFCREATE TABLE a();\r\nSELECT 1;\r\n";
        let stored = checksum(crlf);
        assert!(matches_ignoring_line_endings(lf, &stored));
        assert!(matches_ignoring_line_endings(bom_crlf, &stored));
        assert!(matches_ignoring_line_endings(crlf, &checksum(lf)));
        assert!(matches_ignoring_line_endings(lf, &checksum(bom_crlf)));
        assert!(!matches_ignoring_line_endings(
            b"CREATE TABLE b();\n",
            &stored
        ));
    }
}
