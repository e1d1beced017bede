//! The engine ↔ jet protocol: one message type each way, encoded and decoded here only.
//! Every runner (whatever language its jets are written in) speaks it over the jet's
//! standard input and output; the model's own console goes to standard error.
//!
//! A frame is `<payload length: u32 little endian> <kind: one byte> <payload>`.
//!
//! | kind | direction | payload |
//! |---|---|---|
//! | `C` | to jet | configuration, JSON |
//! | `B` | to jet | `<batch id> <slot> <seqno> <j, b or c>\n` + a JSON array of records (`b`: strings of bytes 0–255; `c`: columns, see `columns.rs`) |
//! | `E` | to jet | end of input: `<slot>`, or `*` for every input |
//! | `N` | from jet | a batch is wanted: `<slot>`, or `*` for any input |
//! | `O` | from jet | outputs: `<batch id> <slot>\n` + one JSON text per line (batch 0: outside any batch), or `<batch id> <slot> c\n` + columns |
//! | `P` | from jet | `<batch id> <n>`: the batch's first n records are processed and their outputs sent (a call-back model's progress within a long batch) |
//! | `D` | from jet | `<batch id>`: the batch is processed and all its outputs sent |
//! | `S` | from jet | the model's cells and pools at the end of its input, JSON (`snapshots: eof`) |
//! | `F` | from jet | the model finished normally |
//! | `X` | from jet | the model failed: JSON `{"message", "traceback", "input"}` |

use serde_json::Value;
use std::io::{self, Read, Write};

/// Frames larger than this are a broken jet, not data.
const MAX_FRAME: usize = 1 << 30;

/// Records of one input slot for a jet.
#[derive(Debug, Clone)]
pub struct Batch {
    /// Unique within the job; outputs and the `D` frame name it.
    pub id: u64,
    pub slot: u32,
    /// Sequence number of the first record (records count from 1 per slot).
    pub seqno: u64,
    pub count: usize,
    pub format: Format,
    /// The records in that form.
    pub payload: std::sync::Arc<Vec<u8>>,
    /// It may be gathered with the batches after it into one record set (round trips,
    /// REST inputs); not when a `set` or a `pig` closed it.
    pub gather: bool,
}

/// How a batch's records are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// `[r1,r2,…]` as JSON text.
    Json,
    /// Records are raw bytes (no encoding), sent as a JSON array of strings of code points
    /// 0–255.
    Raw,
    /// Columns (`columns.rs`).
    Columns,
}

impl Batch {
    /// The records as values (to show those a model failed on).
    pub fn rows(&self) -> Vec<Value> {
        match self.format {
            Format::Columns => super::columns::rows(&self.payload),
            Format::Json | Format::Raw => serde_json::from_slice(&self.payload).unwrap_or_default(),
        }
    }
}

#[derive(Debug)]
pub enum ToJet<'a> {
    Config(&'a Value),
    Batch(&'a Batch),
    /// No more batches: for one slot, or (`None`) for any.
    End(Option<u32>),
}

#[derive(Debug, PartialEq)]
pub enum FromJet {
    Want(Option<u32>),
    Output {
        batch: u64,
        slot: u32,
        /// One JSON text per line.
        records: Vec<u8>,
    },
    /// The batch's first `records` records are processed, their outputs sent.
    Progress {
        batch: u64,
        records: usize,
    },
    Done(u64),
    /// The model's cells and pools at the end of its input (JSON), for `snapshots: eof`.
    Snapshot(Vec<u8>),
    Finished,
    Failed(Value),
}

fn head(len: usize, kind: u8) -> io::Result<[u8; 5]> {
    let len = u32::try_from(len).map_err(|_| io::Error::other("a frame over 4 GiB"))?;
    let [a, b, c, d] = len.to_le_bytes();
    Ok([a, b, c, d, kind])
}

fn slot_text(slot: Option<u32>) -> String {
    slot.map_or_else(|| "*".to_string(), |s| s.to_string())
}

/// Write one message (not flushed).
pub fn send(w: &mut impl Write, msg: &ToJet) -> io::Result<()> {
    match msg {
        ToJet::Config(v) => {
            let text = v.to_string();
            w.write_all(&head(text.len(), b'C')?)?;
            w.write_all(text.as_bytes())
        }
        ToJet::Batch(b) => {
            let line = format!(
                "{} {} {} {}\n",
                b.id,
                b.slot,
                b.seqno,
                match b.format {
                    Format::Json => 'j',
                    Format::Raw => 'b',
                    Format::Columns => 'c',
                }
            );
            w.write_all(&head(line.len() + b.payload.len(), b'B')?)?;
            w.write_all(line.as_bytes())?;
            w.write_all(&b.payload)
        }
        ToJet::End(slot) => {
            let text = slot_text(*slot);
            w.write_all(&head(text.len(), b'E')?)?;
            w.write_all(text.as_bytes())
        }
    }
}

fn bad(what: &str) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, format!("jet protocol: {what}"))
}

fn number<T: std::str::FromStr>(text: &[u8], what: &str) -> io::Result<T> {
    std::str::from_utf8(text)
        .ok()
        .and_then(|s| s.trim().parse().ok())
        .ok_or_else(|| bad(what))
}

/// Read one message; `None` when the jet closed its end.
pub fn receive(r: &mut impl Read) -> io::Result<Option<FromJet>> {
    let mut h = [0u8; 5];
    match r.read_exact(&mut h) {
        Ok(()) => {}
        Err(e) if e.kind() == io::ErrorKind::UnexpectedEof => return Ok(None),
        Err(e) => return Err(e),
    }
    let len = u32::from_le_bytes([h[0], h[1], h[2], h[3]]) as usize;
    if len > MAX_FRAME {
        return Err(bad("a frame of more than 1 GiB"));
    }
    let mut payload = vec![0u8; len];
    r.read_exact(&mut payload)
        .map_err(|_| bad("a frame cut short"))?;
    Ok(Some(match h[4] {
        b'N' => FromJet::Want(match payload.as_slice() {
            b"*" => None,
            s => Some(number(s, "a bad slot in N")?),
        }),
        b'O' => {
            let split = payload
                .iter()
                .position(|b| *b == b'\n')
                .unwrap_or(payload.len());
            let mut words = payload[..split].split(|b| *b == b' ');
            let batch = number(words.next().unwrap_or(b""), "a bad batch id in O")?;
            let slot = number(words.next().unwrap_or(b""), "a bad slot in O")?;
            let body = payload.get(split + 1..).unwrap_or(&[]);
            let records = match words.next() {
                None => body.to_vec(),
                Some(b"c") => super::columns::to_lines(body)
                    .map_err(|e| bad(&format!("outputs as columns: {e}")))?,
                Some(_) => return Err(bad("a bad form in O")),
            };
            FromJet::Output {
                batch,
                slot,
                records,
            }
        }
        b'P' => {
            let mut words = payload.split(|b| *b == b' ');
            FromJet::Progress {
                batch: number(words.next().unwrap_or(b""), "a bad batch id in P")?,
                records: number(words.next().unwrap_or(b""), "a bad count in P")?,
            }
        }
        b'D' => FromJet::Done(number(&payload, "a bad batch id in D")?),
        b'S' => FromJet::Snapshot(payload),
        b'F' => FromJet::Finished,
        b'X' => {
            FromJet::Failed(serde_json::from_slice(&payload).map_err(|_| bad("X is not JSON"))?)
        }
        other => return Err(bad(&format!("unknown frame kind {other}"))),
    }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn frame(kind: u8, payload: &[u8]) -> Vec<u8> {
        let mut out = (payload.len() as u32).to_le_bytes().to_vec();
        out.push(kind);
        out.extend_from_slice(payload);
        out
    }

    #[test]
    fn messages_to_a_jet() {
        let batch = Batch {
            id: 7,
            slot: 2,
            seqno: 11,
            count: 2,
            format: Format::Json,
            payload: std::sync::Arc::new(b"[1,2]".to_vec()),
            gather: false,
        };
        let mut out = Vec::new();
        send(&mut out, &ToJet::Batch(&batch)).unwrap();
        send(&mut out, &ToJet::End(None)).unwrap();
        send(&mut out, &ToJet::End(Some(4))).unwrap();
        send(&mut out, &ToJet::Config(&json!({"a": 1}))).unwrap();
        let expected = [
            frame(b'B', b"7 2 11 j\n[1,2]"),
            frame(b'E', b"*"),
            frame(b'E', b"4"),
            frame(b'C', br#"{"a":1}"#),
        ]
        .concat();
        assert_eq!(out, expected);
    }

    #[test]
    fn messages_from_a_jet() {
        let bytes = [
            frame(b'N', b"*"),
            frame(b'N', b"2"),
            frame(b'O', b"7 1\n{\"a\": 1}\n2"),
            frame(b'O', b"0 3\n"),
            frame(
                b'O',
                b"2 1 c\n{\"n\":1,\"shape\":\"value\",\"columns\":[[\"\",\"json\",0,3]]}\n[7]",
            ),
            frame(b'P', b"7 250"),
            frame(b'D', b"7"),
            frame(b'F', b""),
            frame(b'X', br#"{"message": "boom"}"#),
        ]
        .concat();
        let mut r = bytes.as_slice();
        let mut got = Vec::new();
        while let Some(m) = receive(&mut r).unwrap() {
            got.push(m);
        }
        assert_eq!(
            got,
            [
                FromJet::Want(None),
                FromJet::Want(Some(2)),
                FromJet::Output {
                    batch: 7,
                    slot: 1,
                    records: b"{\"a\": 1}\n2".to_vec()
                },
                FromJet::Output {
                    batch: 0,
                    slot: 3,
                    records: Vec::new()
                },
                FromJet::Output {
                    batch: 2,
                    slot: 1,
                    records: b"7".to_vec()
                },
                FromJet::Progress {
                    batch: 7,
                    records: 250
                },
                FromJet::Done(7),
                FromJet::Finished,
                FromJet::Failed(json!({"message": "boom"})),
            ]
        );
    }

    #[test]
    fn a_broken_jet_is_an_error_not_a_message() {
        assert!(receive(&mut frame(b'Q', b"").as_slice()).is_err());
        assert!(receive(&mut frame(b'D', b"x").as_slice()).is_err());
        let mut cut = frame(b'O', b"1 1\nabc");
        cut.truncate(7);
        assert!(receive(&mut cut.as_slice()).is_err());
        assert!(
            receive(&mut (u32::MAX.to_le_bytes().to_vec()).as_slice()).is_ok_and(|m| m.is_none())
        );
        assert!(receive(&mut [0xff, 0xff, 0xff, 0x7f, b'O'].as_slice()).is_err());
    }
}
