//! The model load request (`PUT /1/job/model`, spec/rest-api.md §6.3): a bare source, or a
//! multipart/mixed body of attachments, embedded schemas and the model.

#[derive(Clone, Debug)]
pub enum AttachmentPart {
    Inline {
        name: String,
        bytes: Vec<u8>,
    },
    /// `urn:fastscore:attachment:<model>:<attachment>`, fetched from Model Manage.
    Reference {
        name: String,
        model: String,
        attachment: String,
    },
}

#[derive(Clone, Debug)]
pub struct LoadRequest {
    pub name: String,
    pub mtype: String,
    pub source: String,
    pub attachments: Vec<AttachmentPart>,
    pub schemas: Vec<(String, String)>,
}

/// `x-model; name="cube"` → ("x-model", [("name", "cube")]).
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

fn param<'a>(params: &'a [(String, String)], name: &str) -> Option<&'a str> {
    params
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
}

fn model_type(content_type: &str) -> Result<String, String> {
    crate::model_type::from_mime_type(content_type.trim())
        .map(str::to_string)
        .ok_or_else(|| format!("unknown model type '{content_type}'"))
}

pub fn parse(
    content_type: &str,
    disposition: Option<&str>,
    body: &[u8],
) -> Result<LoadRequest, String> {
    let (ctype, params) = header_params(content_type);
    if ctype != "multipart/mixed" {
        let name = disposition
            .map(header_params)
            .and_then(|(_, p)| param(&p, "name").map(str::to_string))
            .unwrap_or_else(|| "model".to_string());
        return Ok(LoadRequest {
            name,
            mtype: model_type(content_type)?,
            source: String::from_utf8(body.to_vec())
                .map_err(|_| "the model source is not UTF-8 text")?,
            attachments: Vec::new(),
            schemas: Vec::new(),
        });
    }
    let boundary = param(&params, "boundary").ok_or("multipart body without a boundary")?;
    let mut model = None;
    let mut attachments = Vec::new();
    let mut schemas = Vec::new();
    for part in multipart_parts(body, boundary)? {
        let (headers, content) = part;
        let get = |name: &str| {
            headers
                .iter()
                .find(|(k, _)| k.eq_ignore_ascii_case(name))
                .map(|(_, v)| v.as_str())
        };
        let (disp, dparams) = header_params(get("Content-Disposition").unwrap_or(""));
        let part_type = get("Content-Type").unwrap_or("");
        match disp.as_str() {
            "attachment" => {
                let name = param(&dparams, "filename")
                    .ok_or("an attachment part without a filename")?
                    .to_string();
                let (ptype, pparams) = header_params(part_type);
                if ptype == "message/external-body" {
                    let reference =
                        param(&pparams, "ref").ok_or("an external attachment without ref")?;
                    let rest = reference
                        .strip_prefix("urn:fastscore:attachment:")
                        .ok_or_else(|| format!("unknown attachment reference '{reference}'"))?;
                    let (model_name, attachment) = rest
                        .split_once(':')
                        .ok_or_else(|| format!("unknown attachment reference '{reference}'"))?;
                    attachments.push(AttachmentPart::Reference {
                        name,
                        model: model_name.to_string(),
                        attachment: attachment.to_string(),
                    });
                } else {
                    attachments.push(AttachmentPart::Inline {
                        name,
                        bytes: content.to_vec(),
                    });
                }
            }
            "x-schema" => {
                let name = param(&dparams, "name")
                    .ok_or("a schema part without a name")?
                    .to_string();
                let text = String::from_utf8(content.to_vec())
                    .map_err(|_| format!("schema '{name}' is not UTF-8 text"))?;
                schemas.push((name, text));
            }
            "x-model" => {
                let name = param(&dparams, "name").unwrap_or("model").to_string();
                let source = String::from_utf8(content.to_vec())
                    .map_err(|_| "the model source is not UTF-8 text")?;
                model = Some((name, model_type(part_type)?, source));
            }
            other => {
                return Err(format!(
                    "unexpected part '{other}' in the model load request"
                ))
            }
        }
    }
    let (name, mtype, source) = model.ok_or("the model load request has no x-model part")?;
    Ok(LoadRequest {
        name,
        mtype,
        source,
        attachments,
        schemas,
    })
}

type Part<'a> = (Vec<(String, String)>, &'a [u8]);

fn find(hay: &[u8], needle: &[u8], from: usize) -> Option<usize> {
    hay.get(from..)?
        .windows(needle.len())
        .position(|w| w == needle)
        .map(|i| i + from)
}

fn multipart_parts<'a>(body: &'a [u8], boundary: &str) -> Result<Vec<Part<'a>>, String> {
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
        parts.push((headers, &part[split.1..]));
        pos = next + 2;
    }
    Ok(parts)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn single_part() {
        let r = parse(
            "application/vnd.fastscore.model-python3",
            Some("x-model; name=\"cube\""),
            b"def action(x): yield x",
        )
        .unwrap();
        assert_eq!((r.name.as_str(), r.mtype.as_str()), ("cube", "python3"));
        assert!(parse("text/plain", None, b"x")
            .unwrap_err()
            .contains("unknown model type"));
    }

    #[test]
    fn multipart_as_the_sdk_sends_it() {
        let b = "d0bd70db758a265dc9b49d0b";
        let body = format!(
            "\r\n--{b}\r\nContent-Disposition: attachment; filename=\"data1.zip\"\r\nContent-Type: message/external-body; access-type=x-model-manage; ref=\"urn:fastscore:attachment:cube:data1.zip\"\r\n\r\nContent-Type: application/zip\r\nContent-Length: 22\r\n\r\n\
             \r\n--{b}\r\nContent-Disposition: x-schema; name=\"in1\"\r\nContent-Type: application/vnd.fastscore.schema-avro\r\n\r\n\"int\"\
             \r\n--{b}\r\nContent-Disposition: attachment; filename=\"x.tgz\"\r\nContent-Type: application/gzip\r\n\r\n\x1f\x0b\
             \r\n--{b}\r\nContent-Disposition: x-model; name=\"cube\"\r\nContent-Type: application/vnd.fastscore.model-python3\r\n\r\ndef action(x):\n  yield x*x*x\n\
             \r\n--{b}--\r\n"
        );
        let r = parse(
            &format!("multipart/mixed; boundary={b}"),
            None,
            body.as_bytes(),
        )
        .unwrap();
        assert_eq!(r.name, "cube");
        assert_eq!(r.source, "def action(x):\n  yield x*x*x\n");
        assert_eq!(r.schemas, [("in1".to_string(), "\"int\"".to_string())]);
        assert!(
            matches!(&r.attachments[0], AttachmentPart::Reference { model, attachment, .. } if model == "cube" && attachment == "data1.zip")
        );
        assert!(
            matches!(&r.attachments[1], AttachmentPart::Inline { bytes, .. } if bytes == b"\x1f\x0b")
        );
    }
}
