//! MIME multipart bodies as FastScore sends them (`multipart/mixed` model loads and
//! snapshots, `multipart/form-data` uploads): header parameters, reading the parts of a
//! body, and writing one.

/// `x-model; name="cube"` → ("x-model", [("name", "cube")]): the value lower-cased, the
/// parameter names lower-cased, quotes taken off.
pub fn header_params(value: &str) -> (String, Vec<(String, String)>) {
    let mut parts = split_unquoted(value, ';').into_iter();
    let kind = parts.next().unwrap_or_default().trim().to_ascii_lowercase();
    let params = parts
        .filter_map(|p| {
            let (k, v) = p.split_once('=')?;
            let v = v.trim();
            let v = v
                .strip_prefix('"')
                .and_then(|v| v.strip_suffix('"'))
                .unwrap_or(v);
            Some((k.trim().to_ascii_lowercase(), v.to_string()))
        })
        .collect();
    (kind, params)
}

/// The value of parameter `name` among `params`.
pub fn param<'a>(params: &'a [(String, String)], name: &str) -> Option<&'a str> {
    params
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
}

fn split_unquoted(text: &str, sep: char) -> Vec<String> {
    let mut parts = vec![String::new()];
    let mut quoted = false;
    for c in text.chars() {
        if c == '"' {
            quoted = !quoted;
        }
        if c == sep && !quoted {
            parts.push(String::new());
        } else if let Some(last) = parts.last_mut() {
            last.push(c);
        }
    }
    parts
}

/// One part: its headers and its content.
pub struct Part<'a> {
    pub headers: Vec<(String, String)>,
    pub content: &'a [u8],
}

impl Part<'_> {
    /// The value of header `name` (any case).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// `Content-Disposition` as (kind, parameters).
    pub fn disposition(&self) -> (String, Vec<(String, String)>) {
        header_params(self.header("Content-Disposition").unwrap_or(""))
    }
}

/// The boundary of a multipart `content_type`, when it is one.
pub fn boundary(content_type: &str) -> Option<String> {
    let (kind, params) = header_params(content_type);
    if !kind.starts_with("multipart/") {
        return None;
    }
    param(&params, "boundary").map(str::to_string)
}

fn find(hay: &[u8], needle: &[u8], from: usize) -> Option<usize> {
    memchr::memmem::find(hay.get(from..)?, needle).map(|i| i + from)
}

/// The parts of `body`, delimited by `boundary`.
pub fn parts<'a>(body: &'a [u8], boundary: &str) -> Result<Vec<Part<'a>>, String> {
    let delimiter = format!("--{boundary}");
    let delim = delimiter.as_bytes();
    let mut pos = find(body, delim, 0).ok_or("the multipart body has no parts")?;
    let mut parts = Vec::new();
    loop {
        let after = pos + delim.len();
        if body.get(after..after + 2) == Some(b"--") {
            break;
        }
        let start = after
            + if body.get(after..after + 2) == Some(b"\r\n") {
                2
            } else {
                0
            };
        let next = find(body, &[b"\r\n", delim].concat(), start)
            .ok_or("the multipart body is not closed")?;
        let part = &body[start..next];
        let split = find(part, b"\r\n\r\n", 0)
            .map(|i| (i, i + 4))
            .or_else(|| part.starts_with(b"\r\n").then_some((0, 2)))
            .ok_or("a multipart part without headers")?;
        let headers = String::from_utf8_lossy(&part[..split.0])
            .split("\r\n")
            .filter_map(|l| {
                l.split_once(':')
                    .map(|(k, v)| (k.trim().to_string(), v.trim().to_string()))
            })
            .collect();
        parts.push(Part {
            headers,
            content: &part[split.1..],
        });
        pos = next + 2;
    }
    Ok(parts)
}

/// A `multipart/mixed` body being written.
pub struct Builder {
    boundary: String,
    body: Vec<u8>,
}

impl Default for Builder {
    fn default() -> Builder {
        Builder {
            boundary: crate::ids::random_hex(24),
            body: Vec::new(),
        }
    }
}

impl Builder {
    /// Add a part with these headers (`Content-Disposition`, `Content-Type`, …).
    pub fn part(&mut self, headers: &[(&str, &str)], content: &[u8]) -> &mut Builder {
        self.body
            .extend_from_slice(format!("\r\n--{}\r\n", self.boundary).as_bytes());
        for (name, value) in headers {
            self.body
                .extend_from_slice(format!("{name}: {value}\r\n").as_bytes());
        }
        self.body.extend_from_slice(b"\r\n");
        self.body.extend_from_slice(content);
        self
    }

    /// The content type (with the boundary) and the body.
    pub fn finish(mut self) -> (String, Vec<u8>) {
        self.body
            .extend_from_slice(format!("\r\n--{}--\r\n", self.boundary).as_bytes());
        (
            format!("multipart/mixed; boundary={}", self.boundary),
            self.body,
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_written_body_reads_back() {
        let mut b = Builder::default();
        b.part(&[("Content-Type", "application/json")], br#"{"id": "x"}"#)
            .part(
                &[
                    ("Content-Disposition", "attachment; filename=\"x.bin\""),
                    ("Content-Type", "application/octet-stream"),
                ],
                b"\x00\x01\r\n--",
            );
        let (ctype, body) = b.finish();
        let boundary = boundary(&ctype).unwrap();
        let read = parts(&body, &boundary).unwrap();
        assert_eq!(read.len(), 2);
        assert_eq!(read[0].content, br#"{"id": "x"}"#);
        assert_eq!(read[1].content, b"\x00\x01\r\n--");
        assert_eq!(read[1].disposition().0, "attachment");
        assert_eq!(param(&read[1].disposition().1, "filename"), Some("x.bin"));
        assert_eq!(
            read[1].header("content-type"),
            Some("application/octet-stream")
        );
    }
}
