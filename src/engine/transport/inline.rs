//! `inline` (archived name `debug`): records written into the descriptor itself, as an
//! array (one record each) or one string framed by the envelope; `DataBinary` is base64.

use super::{Direction, Source, Transport};
use serde_json::{json, Map, Value};
use std::sync::Arc;

#[derive(Debug)]
enum Inline {
    Records(Vec<Vec<u8>>),
    Chunk(Vec<u8>),
}

pub fn parse(params: Option<&Map<String, Value>>) -> Result<Arc<dyn Transport>, String> {
    use base64::Engine as _;
    let b64 = |s: &str| {
        base64::engine::general_purpose::STANDARD
            .decode(s)
            .map_err(|e| format!("DataBinary is not base64: {e}"))
    };
    let strings = |items: &[Value], what: &str| -> Result<Vec<String>, String> {
        items
            .iter()
            .map(|i| {
                i.as_str()
                    .map(str::to_string)
                    .ok_or_else(|| format!("{what} items must be strings"))
            })
            .collect()
    };
    let inline =
        match (
            super::param(params, "Data"),
            super::param(params, "DataBinary"),
        ) {
            (Some(Value::Array(items)), None) => Inline::Records(
                strings(items, "Data")?
                    .into_iter()
                    .map(String::into_bytes)
                    .collect(),
            ),
            (Some(Value::String(s)), None) => Inline::Chunk(s.as_bytes().to_vec()),
            (None, Some(Value::Array(items))) => Inline::Records(
                strings(items, "DataBinary")?
                    .iter()
                    .map(|s| b64(s))
                    .collect::<Result<_, _>>()?,
            ),
            (None, Some(Value::String(s))) => Inline::Chunk(b64(s)?),
            _ => return Err(
                "the inline transport needs Data or DataBinary (a string or an array of strings)"
                    .into(),
            ),
        };
    Ok(Arc::new(inline))
}

impl Transport for Inline {
    fn name(&self) -> &'static str {
        "inline"
    }

    fn direction(&self) -> Direction {
        Direction::Input
    }

    fn preserves_boundaries(&self) -> bool {
        matches!(self, Inline::Records(_))
    }

    fn internal(&self) -> Value {
        let data = match self {
            Inline::Records(items) => json!(items
                .iter()
                .map(|i| String::from_utf8_lossy(i))
                .collect::<Vec<_>>()),
            Inline::Chunk(data) => json!(String::from_utf8_lossy(data)),
        };
        json!({"type": "inline", "data": data})
    }

    fn open_source(&self) -> Result<Option<Box<dyn Source>>, String> {
        let pieces = match self {
            Inline::Records(items) => items.clone(),
            Inline::Chunk(data) => vec![data.clone()],
        };
        Ok(Some(Box::new(Pieces(pieces.into_iter()))))
    }
}

struct Pieces(std::vec::IntoIter<Vec<u8>>);

impl Source for Pieces {
    fn read(&mut self) -> std::io::Result<Option<Vec<u8>>> {
        Ok(self.0.next())
    }
}
