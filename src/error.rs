//! One error type for everything a user can see go wrong: a message, an optional cause.
//! Its text is the original CLI's `Error: <message>\n  Caused by: <cause>` shape.

use std::fmt;

#[derive(Debug)]
pub struct Error {
    message: String,
    cause: Option<Box<Cause>>,
    /// Says all there is to say: no outer message wraps it (see `Cause::Standalone`).
    standalone: bool,
    /// What probably was meant, printed on its own line after the error.
    hint: Option<String>,
}

/// What made an operation fail, one level down.
#[derive(Debug)]
pub enum Cause {
    /// A nested error, printed with its own `Error: ` prefix (as the original does).
    Error(Error),
    /// A non-2xx answer from a FastScore service.
    Http(HttpError),
    /// A system or library failure, as text.
    Text(String),
    /// A failure to reach a service at all (it did not answer in time, its certificate is
    /// not trusted): one line that names the service and what to do. Whatever was being
    /// done, this line is the whole error, so `Error::caused_by` puts it in place of the
    /// outer message instead of under it.
    Standalone(String),
}

#[derive(Debug, Clone)]
pub struct HttpError {
    pub status: u16,
    pub reason: String,
    pub body: String,
    /// From a service of this tool, whose bodies are sentences meant for people.
    pub ours: bool,
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    pub fn new(message: impl Into<String>) -> Self {
        Error {
            message: message.into(),
            cause: None,
            standalone: false,
            hint: None,
        }
    }

    /// This error, with a line saying what probably was meant.
    pub fn with_hint(mut self, hint: Option<String>) -> Self {
        self.hint = hint;
        self
    }

    pub fn hint(&self) -> Option<&str> {
        self.hint.as_deref()
    }

    /// An error that no outer message wraps (see `Cause::Standalone`).
    pub fn standalone(message: impl Into<String>) -> Self {
        Error {
            standalone: true,
            ..Error::new(message)
        }
    }

    pub fn is_standalone(&self) -> bool {
        self.standalone
    }

    /// This error, caused by `cause`; a standalone cause replaces it.
    pub fn caused_by(mut self, cause: impl Into<Cause>) -> Self {
        match cause.into() {
            Cause::Standalone(text) => Error::standalone(text),
            Cause::Error(e) if e.standalone => e,
            cause => {
                self.cause = Some(Box::new(cause));
                self
            }
        }
    }

    /// The HTTP status of the direct cause, if the cause is an HTTP error.
    pub fn cause_status(&self) -> Option<u16> {
        match self.cause.as_deref() {
            Some(Cause::Http(h)) => Some(h.status),
            _ => None,
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Error: {}", self.message)?;
        match self.cause.as_deref() {
            // our own services explain themselves: their text ends the line
            Some(Cause::Http(h)) if h.ours && !h.body.trim().is_empty() => {
                write!(f, ": {}", h.body.trim())
            }
            Some(cause) => write!(f, "\n  Caused by: {cause}"),
            None => Ok(()),
        }
    }
}

impl std::error::Error for Error {}

impl fmt::Display for Cause {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Cause::Error(e) => write!(f, "{e}"),
            Cause::Http(h) => write!(f, "{h}"),
            Cause::Text(t) | Cause::Standalone(t) => f.write_str(t),
        }
    }
}

impl fmt::Display for HttpError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "({})\nReason: {}", self.status, self.reason)?;
        if !self.body.is_empty() {
            write!(f, "\nHTTP response body: {}", self.body.trim_end())?;
        }
        Ok(())
    }
}

impl From<Error> for Cause {
    fn from(e: Error) -> Self {
        if e.standalone {
            Cause::Standalone(e.message)
        } else {
            Cause::Error(e)
        }
    }
}

impl From<HttpError> for Cause {
    fn from(e: HttpError) -> Self {
        Cause::Http(e)
    }
}

impl From<String> for Cause {
    fn from(t: String) -> Self {
        Cause::Text(t)
    }
}

impl From<&str> for Cause {
    fn from(t: &str) -> Self {
        Cause::Text(t.to_string())
    }
}

impl From<serde_json::Error> for Cause {
    fn from(e: serde_json::Error) -> Self {
        Cause::Text(json_error_text(&e))
    }
}

/// `[Errno 2]`-style texts are Python's; ours name the file and say what the system said.
pub fn io_error_text(path: &str, e: &std::io::Error) -> String {
    let what = match e.kind() {
        std::io::ErrorKind::NotFound => "No such file or directory".to_string(),
        std::io::ErrorKind::PermissionDenied => "Permission denied".to_string(),
        std::io::ErrorKind::IsADirectory => "Is a directory".to_string(),
        std::io::ErrorKind::InvalidData => "not valid UTF-8 text".to_string(),
        _ => strip_os_error(&e.to_string()),
    };
    format!("{path}: {what}")
}

fn strip_os_error(text: &str) -> String {
    match text.find(" (os error") {
        Some(i) => text[..i].to_string(),
        None => text.to_string(),
    }
}

/// serde_json says `expected value at line 1 column 1`; keep it, capitalised like Python's.
pub fn json_error_text(e: &serde_json::Error) -> String {
    let text = e.to_string();
    let mut chars = text.chars();
    match chars.next() {
        Some(c) => c.to_uppercase().collect::<String>() + chars.as_str(),
        None => text,
    }
}

/// Attach a message to a lower-level failure: `Unable to add model 'm'` caused by the failure.
pub trait Context<T> {
    fn context(self, message: impl FnOnce() -> String) -> Result<T>;
}

impl<T, E: Into<Cause>> Context<T> for std::result::Result<T, E> {
    fn context(self, message: impl FnOnce() -> String) -> Result<T> {
        self.map_err(|e| Error::new(message()).caused_by(e))
    }
}

static URL_PASSWORD: std::sync::LazyLock<regex_lite::Regex> = std::sync::LazyLock::new(|| {
    regex_lite::Regex::new(r"([A-Za-z][A-Za-z0-9+.-]*://[^/\s:@]*):[^@\s/]*@")
        .expect("static URL pattern")
});

static URL_TOKEN: std::sync::LazyLock<regex_lite::Regex> = std::sync::LazyLock::new(|| {
    regex_lite::Regex::new(r"(://[^/\s]*/token/)[^/\s]+").expect("static URL pattern")
});

/// `text` with the secrets of URLs in it masked: the password of every
/// `scheme://user:password@host` URL and the owner's token of a fleet's `…/token/<token>`.
pub fn mask_url_secrets(text: &str) -> std::borrow::Cow<'_, str> {
    let masked = URL_PASSWORD.replace_all(text, "$1:***@");
    match URL_TOKEN.replace_all(&masked, "$1***") {
        std::borrow::Cow::Borrowed(_) => masked,
        std::borrow::Cow::Owned(both) => std::borrow::Cow::Owned(both),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn passwords_in_urls_are_masked() {
        assert_eq!(
            super::mask_url_secrets(
                "GET https://bob:s3cr:et@fleet:8000/api/1: refused; http://x/y"
            ),
            "GET https://bob:***@fleet:8000/api/1: refused; http://x/y"
        );
        assert_eq!(
            super::mask_url_secrets("https://bob@fleet"),
            "https://bob@fleet"
        );
        assert_eq!(
            super::mask_url_secrets("at https://127.0.0.1:8000/token/9af3c/api/1/service/x"),
            "at https://127.0.0.1:8000/token/***/api/1/service/x"
        );
    }
}
