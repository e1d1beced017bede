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

pub use crate::multipart::header_params;
use crate::multipart::param;

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
    for part in crate::multipart::parts(body, boundary)? {
        let content = part.content;
        let (disp, dparams) = part.disposition();
        let part_type = part.header("Content-Type").unwrap_or("");
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
