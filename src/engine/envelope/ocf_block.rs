//! `ocf-block`: Avro Object Container File blocks (spec/engine.md §5.4), with the
//! `avro-binary` encoding. Input: the file's header gives the writer's schema, codec and
//! sync marker; each datum of each block is one record. Output: a header with the slot's
//! schema, then a block per record (deflated with `"Compress": "deflate"`).

use super::{Envelope, Framer, MAX_RECORD};
use crate::schema::Avro;
use apache_avro::Schema;
use serde_json::{json, Map, Value};
use std::io::Read;
use std::sync::Arc;

const MAGIC: &[u8; 4] = b"Obj\x01";

#[derive(Debug)]
struct OcfBlock {
    deflate: bool,
    /// The output's sync marker.
    sync: [u8; 16],
}

pub fn parse(params: Option<&Map<String, Value>>) -> Result<Arc<dyn Envelope>, String> {
    let field = |k: &str| params.and_then(|m| crate::stream::descriptor::field(m, k));
    if field("SkipHeader").and_then(Value::as_bool) == Some(false) {
        return Err(
            "ocf-block streams without a header are not supported yet (SkipHeader must be true)"
                .into(),
        );
    }
    let deflate = match field("Compress") {
        None | Some(Value::Null) => false,
        Some(Value::String(c)) if c.eq_ignore_ascii_case("deflate") => true,
        Some(Value::String(c)) if c.eq_ignore_ascii_case("null") => false,
        Some(other) => {
            return Err(format!(
                "the ocf-block Compress must be null or \"deflate\", not {other}"
            ))
        }
    };
    let mut sync = [0u8; 16];
    for (i, b) in sync.iter_mut().enumerate() {
        *b = (crate::ids::random_u64() >> (i % 8)) as u8;
    }
    Ok(Arc::new(OcfBlock { deflate, sync }))
}

impl Envelope for OcfBlock {
    fn name(&self) -> &'static str {
        "ocf-block"
    }

    fn internal(&self) -> Value {
        json!({"type": "ocf-block", "skip_header": true, "compress": if self.deflate { Value::from("deflate") } else { Value::Null }})
    }

    fn requires_encoding(&self) -> Option<&'static str> {
        Some("avro-binary")
    }

    fn framer(&self) -> Box<dyn Framer> {
        Box::new(BlockReader::default())
    }

    fn output_header(&self, schema: Option<&Avro>) -> Result<Vec<u8>, String> {
        let schema = schema.ok_or("an ocf-block output needs a schema")?;
        let text = serde_json::to_string(schema.schema()).map_err(|e| e.to_string())?;
        let mut out = MAGIC.to_vec();
        write_long(&mut out, 2);
        for (key, value) in [
            ("avro.schema", text.as_bytes()),
            (
                "avro.codec",
                if self.deflate {
                    &b"deflate"[..]
                } else {
                    &b"null"[..]
                },
            ),
        ] {
            write_bytes(&mut out, key.as_bytes());
            write_bytes(&mut out, value);
        }
        write_long(&mut out, 0);
        out.extend_from_slice(&self.sync);
        Ok(out)
    }

    fn frame(&self, record: &[u8], out: &mut Vec<u8>) {
        let data = if self.deflate {
            let mut packed = Vec::new();
            let _ = flate2::read::DeflateEncoder::new(record, flate2::Compression::default())
                .read_to_end(&mut packed);
            packed
        } else {
            record.to_vec()
        };
        write_long(out, 1);
        write_bytes(out, &data);
        out.extend_from_slice(&self.sync);
    }
}

fn write_long(out: &mut Vec<u8>, n: i64) {
    let mut z = ((n << 1) ^ (n >> 63)) as u64;
    loop {
        if z < 0x80 {
            out.push(z as u8);
            return;
        }
        out.push((z as u8 & 0x7f) | 0x80);
        z >>= 7;
    }
}

fn write_bytes(out: &mut Vec<u8>, bytes: &[u8]) {
    write_long(out, bytes.len() as i64);
    out.extend_from_slice(bytes);
}

/// A long at `at`, and where it ends; `None` when the bytes end first.
fn read_long(bytes: &[u8], at: usize) -> Result<Option<(i64, usize)>, String> {
    let mut z: u64 = 0;
    for (i, b) in bytes.iter().skip(at).take(10).enumerate() {
        z |= u64::from(b & 0x7f) << (7 * i);
        if b & 0x80 == 0 {
            return Ok(Some((((z >> 1) as i64) ^ -((z & 1) as i64), at + i + 1)));
        }
    }
    if bytes.len() >= at + 10 {
        return Err("a malformed length".into());
    }
    Ok(None)
}

#[derive(Default)]
struct BlockReader {
    buffer: Vec<u8>,
    header: Option<Header>,
    /// Set when the stream cannot be read on; the rest is dropped.
    broken: bool,
    dropped: usize,
}

struct Header {
    schema: Schema,
    deflate: bool,
    sync: Vec<u8>,
}

/// What could be read of the buffer: a piece, how many bytes it took; `None`: not yet.
type Step<T> = Result<Option<(T, usize)>, String>;

fn read_header(bytes: &[u8]) -> Step<Header> {
    if bytes.len() < 4 {
        return Ok(None);
    }
    if &bytes[..4] != MAGIC {
        return Err("not an Avro object container (no Obj\\x01 header)".into());
    }
    let mut at = 4;
    let (mut schema, mut codec) = (None, None);
    loop {
        let Some((count, next)) = read_long(bytes, at)? else {
            return Ok(None);
        };
        at = next;
        if count == 0 {
            break;
        }
        if count < 0 {
            // a negative count is followed by the block's size in bytes
            let Some((_, next)) = read_long(bytes, at)? else {
                return Ok(None);
            };
            at = next;
        }
        for _ in 0..count.unsigned_abs() {
            let Some((key, next)) = read_field(bytes, at)? else {
                return Ok(None);
            };
            let Some((value, after)) = read_field(bytes, next)? else {
                return Ok(None);
            };
            match key.as_slice() {
                b"avro.schema" => schema = Some(value),
                b"avro.codec" => codec = Some(value),
                _ => {}
            }
            at = after;
        }
    }
    if bytes.len() < at + 16 {
        return Ok(None);
    }
    let schema = schema.ok_or("the header has no avro.schema")?;
    let doc: Value =
        serde_json::from_slice(&schema).map_err(|e| format!("the header's schema: {e}"))?;
    let schema = Schema::parse(&doc).map_err(|e| format!("the header's schema: {e}"))?;
    let deflate = match codec.as_deref() {
        None | Some(b"null") => false,
        Some(b"deflate") => true,
        Some(other) => {
            return Err(format!(
                "the {} codec is not supported",
                String::from_utf8_lossy(other)
            ))
        }
    };
    Ok(Some((
        Header {
            schema,
            deflate,
            sync: bytes[at..at + 16].to_vec(),
        },
        at + 16,
    )))
}

fn read_field(bytes: &[u8], at: usize) -> Step<Vec<u8>> {
    let Some((len, start)) = read_long(bytes, at)? else {
        return Ok(None);
    };
    let len = usize::try_from(len).map_err(|_| "a negative length")?;
    if len > MAX_RECORD {
        return Err("a field longer than a record may be".into());
    }
    if bytes.len() < start + len {
        return Ok(None);
    }
    Ok(Some((bytes[start..start + len].to_vec(), start + len)))
}

impl BlockReader {
    /// One block from the buffer: its datums, each as its bytes.
    fn block(&self, header: &Header) -> Step<Vec<Vec<u8>>> {
        let bytes = &self.buffer;
        let Some((count, at)) = read_long(bytes, 0)? else {
            return Ok(None);
        };
        let Some((data, at)) = read_field(bytes, at)? else {
            return Ok(None);
        };
        if bytes.len() < at + 16 {
            return Ok(None);
        }
        if bytes[at..at + 16] != header.sync[..] {
            return Err("a block does not end with the header's sync marker".into());
        }
        let data = if header.deflate {
            let mut plain = Vec::new();
            flate2::read::DeflateDecoder::new(&data[..])
                .take(MAX_RECORD as u64 + 1)
                .read_to_end(&mut plain)
                .map_err(|e| format!("a deflated block: {e}"))?;
            plain
        } else {
            data
        };
        let mut datums = Vec::new();
        let mut rest = &data[..];
        for _ in 0..count.max(0) {
            let before = rest.len();
            apache_avro::reader::datum::GenericDatumReader::builder(&header.schema)
                .build()
                .and_then(|r| r.read_value(&mut rest))
                .map_err(|e| format!("a datum of a block: {e}"))?;
            datums.push(data[data.len() - before..data.len() - rest.len()].to_vec());
        }
        Ok(Some((datums, at + 16)))
    }
}

impl Framer for BlockReader {
    fn feed(&mut self, bytes: &[u8], emit: &mut dyn FnMut(&[u8])) {
        if self.broken {
            return;
        }
        self.buffer.extend_from_slice(bytes);
        loop {
            let step = match &self.header {
                None => read_header(&self.buffer).map(|h| {
                    h.map(|(header, used)| {
                        self.header = Some(header);
                        (Vec::new(), used)
                    })
                }),
                Some(header) => self.block(header),
            };
            match step {
                Ok(Some((datums, used))) => {
                    for d in &datums {
                        emit(d);
                    }
                    self.buffer.drain(..used);
                }
                Ok(None) if self.buffer.len() <= 2 * MAX_RECORD => return,
                Ok(None) | Err(_) => {
                    // not a container this engine can read on: what is left is dropped
                    self.broken = true;
                    self.dropped += 1;
                    self.buffer.clear();
                    return;
                }
            }
        }
    }

    fn finish(&mut self, _emit: &mut dyn FnMut(&[u8])) {
        if !self.buffer.is_empty() {
            self.dropped += 1;
            self.buffer.clear();
        }
    }

    fn dropped(&mut self) -> usize {
        std::mem::take(&mut self.dropped)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn what_it_writes_it_reads_back_in_any_pieces() {
        for compress in [Value::Null, Value::from("deflate")] {
            let e = parse(Some(json!({"Compress": compress}).as_object().unwrap())).unwrap();
            let schema = crate::schema::parse(&json!({"type": "array", "items": "int"})).unwrap();
            let mut stream = e.output_header(Some(&schema)).unwrap();
            let datums: [&[u8]; 2] = [&[0x08, 0x02, 0x04, 0x06, 0x08, 0x00], &[0x00]];
            for d in datums {
                e.frame(d, &mut stream);
            }
            let mut framer = e.framer();
            let mut records = Vec::new();
            for byte in &stream {
                framer.feed(std::slice::from_ref(byte), &mut |r| {
                    records.push(r.to_vec())
                });
            }
            framer.finish(&mut |r| records.push(r.to_vec()));
            assert_eq!(records, datums.map(<[u8]>::to_vec));
            assert_eq!(framer.dropped(), 0);
            // not a container: dropped, and counted
            let mut framer = e.framer();
            framer.feed(b"not avro at all", &mut |_| panic!("no record"));
            assert_eq!(framer.dropped(), 1);
        }
    }
}
