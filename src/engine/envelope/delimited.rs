//! `delimited`: a record ends at the separator (default `\n`); an empty last record is
//! dropped, so a trailing newline makes no record.

use super::{Envelope, Framer, Pending};
use serde_json::{json, Map, Value};
use std::sync::Arc;

#[derive(Debug)]
pub struct Delimited {
    separator: Vec<u8>,
}

impl Delimited {
    pub fn new(separator: Vec<u8>) -> Delimited {
        Delimited { separator }
    }
}

pub fn parse(params: Option<&Map<String, Value>>) -> Result<Arc<dyn Envelope>, String> {
    Ok(Arc::new(Delimited::new(super::separator(params, "\n")?)))
}

impl Envelope for Delimited {
    fn name(&self) -> &'static str {
        "delimited"
    }

    fn internal(&self) -> Value {
        json!({"type": "delimited", "separator": String::from_utf8_lossy(&self.separator)})
    }

    fn framer(&self) -> Box<dyn Framer> {
        Box::new(Splitter {
            separator: self.separator.clone(),
            pending: Pending::default(),
        })
    }

    fn frame(&self, record: &[u8], out: &mut Vec<u8>) {
        out.extend_from_slice(record);
        out.extend_from_slice(&self.separator);
    }
}

struct Splitter {
    separator: Vec<u8>,
    pending: Pending,
}

impl Framer for Splitter {
    fn feed(&mut self, bytes: &[u8], emit: &mut dyn FnMut(&[u8])) {
        let sep = self.separator.as_slice();
        if self.pending.skipping {
            match self.pending.skip(bytes, sep) {
                Some(rest) => return self.feed(&rest, emit),
                None => return,
            }
        }
        let buffer = &mut self.pending.buffer;
        if buffer.is_empty() && sep.len() == 1 {
            // the common case: split the chunk in place, keep only its unfinished tail
            let mut start = 0;
            for (i, b) in bytes.iter().enumerate() {
                if *b == sep[0] {
                    emit(&bytes[start..i]);
                    start = i + 1;
                }
            }
            buffer.extend_from_slice(&bytes[start..]);
        } else {
            buffer.extend_from_slice(bytes);
            let mut start = 0;
            while let Some(i) = find(&buffer[start..], sep) {
                emit(&buffer[start..start + i]);
                start += i + sep.len();
            }
            buffer.drain(..start);
        }
        self.pending.check_length(sep);
    }

    fn finish(&mut self, emit: &mut dyn FnMut(&[u8])) {
        let rest = std::mem::take(&mut self.pending.buffer);
        if !rest.is_empty() && !self.pending.skipping {
            emit(&rest);
        }
    }

    fn dropped(&mut self) -> usize {
        std::mem::take(&mut self.pending.dropped)
    }
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn records_span_chunks_and_a_trailing_newline_makes_no_record() {
        let nl = Delimited::new(b"\n".to_vec());
        assert_eq!(
            super::super::frames(&nl, &[b"1\n2", b"2\n3\n"]),
            ["1", "22", "3"]
        );
        assert_eq!(super::super::frames(&nl, &[b"\n\nx"]), ["", "", "x"]);
        let crlf = Delimited::new(b"\r\n".to_vec());
        assert_eq!(super::super::frames(&crlf, &[b"a\r", b"\nb"]), ["a", "b"]);
    }

    #[test]
    fn a_record_over_the_limit_is_dropped_up_to_its_end_and_counted() {
        let crlf = Delimited::new(b"\r\n".to_vec());
        let mut f = crlf.framer();
        let mut out = Vec::new();
        let chunk = vec![b'x'; super::super::MAX_RECORD / 2 + 1];
        f.feed(b"a\r\n", &mut |r| out.push(r.to_vec()));
        for _ in 0..3 {
            f.feed(&chunk, &mut |r| out.push(r.to_vec()));
        }
        f.feed(b"yy\r", &mut |r| out.push(r.to_vec()));
        f.feed(b"\nb\r\nc", &mut |r| out.push(r.to_vec()));
        f.finish(&mut |r| out.push(r.to_vec()));
        assert_eq!(out, [b"a".to_vec(), b"b".to_vec(), b"c".to_vec()]);
        assert_eq!(f.dropped(), 1);
        assert_eq!(f.dropped(), 0);
    }
}
