//! `delimited-csv`: like `delimited`, but a separator inside a quoted field does not end the
//! record (RFC 4180); the header line and blank lines may be skipped.

use super::{Envelope, Framer, Pending};
use crate::stream::descriptor::field;
use serde_json::{json, Map, Value};
use std::sync::Arc;

#[derive(Debug)]
pub struct DelimitedCsv {
    separator: Vec<u8>,
    skip_header: bool,
    skip_blank_lines: bool,
}

/// The spec's default record separator. Records written end with it; read, a record may end
/// with a bare `\n` too (Unix files), as the separator's `\r` is stripped.
const CRLF: &[u8] = b"\r\n";

impl DelimitedCsv {
    /// The default for csv streams: `\r\n` between records, header and blank lines skipped.
    pub fn standard() -> DelimitedCsv {
        DelimitedCsv {
            separator: CRLF.to_vec(),
            skip_header: true,
            skip_blank_lines: true,
        }
    }
}

pub fn parse(params: Option<&Map<String, Value>>) -> Result<Arc<dyn Envelope>, String> {
    let flag = |name: &str| {
        params
            .and_then(|m| field(m, name))
            .and_then(Value::as_bool)
            .unwrap_or(true)
    };
    Ok(Arc::new(DelimitedCsv {
        separator: super::separator(params, "\r\n")?,
        skip_header: flag("SkipHeader"),
        skip_blank_lines: flag("SkipBlankLines"),
    }))
}

impl Envelope for DelimitedCsv {
    fn name(&self) -> &'static str {
        "delimited-csv"
    }

    fn internal(&self) -> Value {
        json!({"type": "delimited-csv", "separator": String::from_utf8_lossy(&self.separator),
               "skip_header": self.skip_header, "skip_blank_lines": self.skip_blank_lines})
    }

    fn requires_encoding(&self) -> Option<&'static str> {
        Some("csv")
    }

    fn framer(&self) -> Box<dyn Framer> {
        // read, `\r\n` also takes lines that end with `\n` alone (the `\r` is stripped)
        let separator = match self.separator.as_slice() {
            CRLF => b"\n".to_vec(),
            other => other.to_vec(),
        };
        Box::new(CsvSplitter {
            separator,
            header_pending: self.skip_header,
            skip_blank_lines: self.skip_blank_lines,
            pending: Pending::default(),
            scanned: 0,
            in_quotes: false,
        })
    }

    fn frame(&self, record: &[u8], out: &mut Vec<u8>) {
        out.extend_from_slice(record);
        out.extend_from_slice(&self.separator);
    }
}

struct CsvSplitter {
    separator: Vec<u8>,
    header_pending: bool,
    skip_blank_lines: bool,
    pending: Pending,
    /// How far the pending record has been scanned, and whether that ends inside quotes
    /// (so a long record is scanned once, not again with every chunk).
    scanned: usize,
    in_quotes: bool,
}

impl CsvSplitter {
    fn deliver(&mut self, start: usize, stop: usize, emit: &mut dyn FnMut(&[u8])) {
        let record = &self.pending.buffer[start..stop];
        let record = record.strip_suffix(b"\r").unwrap_or(record);
        if self.header_pending {
            self.header_pending = false;
        } else if !(self.skip_blank_lines && record.iter().all(u8::is_ascii_whitespace)) {
            emit(record);
        }
    }
}

impl Framer for CsvSplitter {
    fn feed(&mut self, bytes: &[u8], emit: &mut dyn FnMut(&[u8])) {
        let sep = self.separator.clone();
        if self.pending.skipping {
            match self.pending.skip(bytes, &sep) {
                Some(rest) => return self.feed(&rest, emit),
                None => return,
            }
        }
        self.pending.buffer.extend_from_slice(bytes);
        let mut start = 0;
        let mut i = self.scanned;
        while i + sep.len() <= self.pending.buffer.len() {
            if self.pending.buffer[i] == b'"' {
                self.in_quotes = !self.in_quotes;
            } else if !self.in_quotes && self.pending.buffer[i..].starts_with(&sep) {
                self.deliver(start, i, emit);
                start = i + sep.len();
                i = start;
                continue;
            }
            i += 1;
        }
        self.pending.buffer.drain(..start);
        self.scanned = i - start;
        self.pending.check_length(&sep);
        if self.pending.skipping {
            self.scanned = 0;
            self.in_quotes = false;
        }
    }

    fn finish(&mut self, emit: &mut dyn FnMut(&[u8])) {
        if !self.pending.buffer.is_empty() && !self.pending.skipping {
            let len = self.pending.buffer.len();
            self.deliver(0, len, emit);
        }
        self.pending.buffer.clear();
    }

    fn dropped(&mut self) -> usize {
        std::mem::take(&mut self.pending.dropped)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_quoted_separators_and_skips_the_header_and_blank_lines() {
        let csv = DelimitedCsv::standard();
        assert_eq!(
            super::super::frames(&csv, &[b"id,name\r\n1,\"a\nb\"\n\n2,", b"c"]),
            ["1,\"a\nb\"", "2,c"]
        );
        let mut out = Vec::new();
        csv.frame(b"1,a", &mut out);
        assert_eq!(out, b"1,a\r\n");
    }
}
