//! Model types as FastScore names them, their MIME types, and how a type is guessed.

use crate::error::{Error, Result};

/// `-type:` keys and MIME types, in the original's lookup order.
pub const MODEL_TYPES: &[(&str, &str)] = &[
    ("pfa-json", "application/vnd.fastscore.model-pfa+json"),
    ("pfa-yaml", "application/vnd.fastscore.model-pfa-yaml"),
    ("pfa-pretty", "application/vnd.fastscore.model-pfa-pretty"),
    ("h2o-java", "application/vnd.fastscore.model-h2o-java"),
    ("python", "application/vnd.fastscore.model-python"),
    ("python3", "application/vnd.fastscore.model-python3"),
    ("R", "application/vnd.fastscore.model-r"),
    ("r", "application/vnd.fastscore.model-r"),
    ("java", "application/vnd.fastscore.model-java"),
    ("c", "application/vnd.fastscore.model-c"),
    ("octave", "application/vnd.fastscore.model-m"),
    ("jupyter", "application/vnd.fastscore.model-jupyter"),
    ("sas", "application/vnd.fastscore.model-sas"),
];

const EXTENSIONS: &[(&str, &str)] = &[
    (".pfa", "pfa-json"),
    (".ppfa", "pfa-pretty"),
    (".json", "pfa-json"),
    (".yaml", "pfa-yaml"),
    (".py", "python"),
    (".py3", "python3"),
    (".R", "R"),
    (".c", "c"),
    (".m", "octave"),
    (".ipynb", "jupyter"),
    (".java", "java"),
];

const POLICY_TYPES: &[(&str, &str)] = &[
    ("python", "application/vnd.fastscore.import-policy-python"),
    ("python3", "application/vnd.fastscore.import-policy-python3"),
    ("R", "application/vnd.fastscore.import-policy-r"),
    ("r", "application/vnd.fastscore.import-policy-r"),
    ("java", "application/vnd.fastscore.import-policy-java"),
    ("c", "application/vnd.fastscore.import-policy-c"),
];

pub fn is_model_type(key: &str) -> bool {
    MODEL_TYPES.iter().any(|(k, _)| *k == key)
}

pub fn mime_type(key: &str) -> Option<&'static str> {
    MODEL_TYPES.iter().find(|(k, _)| *k == key).map(|(_, m)| *m)
}

/// The type of a model fetched with this `Content-Type` (first match, so `…model-r` is `R`).
/// The model type of a content type, whatever its parameters (`; charset=utf-8`).
pub fn from_mime_type(mime: &str) -> Option<&'static str> {
    let mime = mime.split(';').next().unwrap_or("").trim();
    MODEL_TYPES
        .iter()
        .find(|(_, m)| m.eq_ignore_ascii_case(mime))
        .map(|(k, _)| *k)
}

pub fn policy_mime_type(key: &str) -> Option<&'static str> {
    POLICY_TYPES
        .iter()
        .find(|(k, _)| *k == key)
        .map(|(_, m)| *m)
}

/// The type from a file name's extension (`x.py3` → `python3`).
pub fn from_file_name(file: &str) -> Result<&'static str> {
    let base = file.rsplit('/').next().unwrap_or(file);
    // a dot-file's leading dot does not start an extension
    let ext = base
        .char_indices()
        .skip(1)
        .filter(|(_, c)| *c == '.')
        .last()
        .map(|(i, _)| &base[i..]);
    ext.and_then(|ext| EXTENSIONS.iter().find(|(e, _)| *e == ext))
        .map(|(_, t)| *t)
        .ok_or_else(|| {
            let list: Vec<&str> = EXTENSIONS.iter().map(|(e, _)| *e).collect();
            Error::new(format!(
                "{file} must have a proper extension ({})",
                list.join(", ")
            ))
        })
}

/// The type of a source read from stdin, from what it defines.
pub fn from_source(source: &str) -> Result<&'static str> {
    static PYTHON: std::sync::LazyLock<regex_lite::Regex> =
        std::sync::LazyLock::new(|| regex_lite::Regex::new(r"def\s+action\(").expect("static"));
    static R: std::sync::LazyLock<regex_lite::Regex> = std::sync::LazyLock::new(|| {
        regex_lite::Regex::new(r"action\s+<-\s+function\(").expect("static")
    });
    if PYTHON.is_match(source) {
        Ok("python")
    } else if R.is_match(source) {
        Ok("R")
    } else {
        Err(Error::new(
            "Cannot guess model type (use -type:<model_type>)",
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn extensions() {
        assert_eq!(from_file_name("lib/x.py3").unwrap(), "python3");
        assert_eq!(from_file_name("a.b.R").unwrap(), "R");
        assert!(from_file_name(".py").is_err());
        assert!(from_file_name("x.PY").is_err());
        assert_eq!(
            from_file_name("x.txt").unwrap_err().to_string(),
            "Error: x.txt must have a proper extension (.pfa, .ppfa, .json, .yaml, .py, .py3, .R, .c, .m, .ipynb, .java)"
        );
    }

    #[test]
    fn source_anchors() {
        assert_eq!(from_source("def  action(x):\n  yield x").unwrap(), "python");
        assert_eq!(from_source("action <- function(x) x").unwrap(), "R");
        assert!(from_source("print(1)").is_err());
    }
}
