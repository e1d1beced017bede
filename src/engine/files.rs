//! Files clients copy into the engine (`PUT /1/file/<name>`; `fastscore engine put`, our form
//! of the Go CLI's command, spec/engine.md §8.5 and AMBIGUOUS-48). They are kept in the
//! engine's file directory, `<engine directory>/files/`, where a file stream reads them by
//! the absolute path the answer gives.

use super::{bad, refuse, Answer, Engine};
use std::path::PathBuf;

/// The longest file name taken (as most file systems allow).
const LONGEST_NAME: usize = 255;

/// A file's name must be one path segment of its own: no `/`, not `.` or `..`.
pub fn check_name(name: &str) -> Result<(), String> {
    let why = if name.is_empty() {
        Some("is empty")
    } else if name == "." || name == ".." {
        Some("names a directory")
    } else if name.contains('/') {
        Some("has a '/' (a file goes into the engine's file directory itself)")
    } else if name.chars().any(char::is_control) {
        Some("has control characters")
    } else if name.len() > LONGEST_NAME {
        Some("is longer than 255 bytes")
    } else {
        None
    };
    match why {
        Some(why) => Err(format!("the file name '{}' {why}", name.escape_debug())),
        None => Ok(()),
    }
}

impl Engine {
    /// Keep `bytes` as the file `name` (replacing one of that name): whether it is new,
    /// and its absolute path.
    pub fn put_file(&self, name: &str, bytes: &[u8]) -> Answer<(bool, PathBuf)> {
        check_name(name).map_err(bad)?;
        let fail = |e: std::io::Error| refuse(500, format!("cannot save the file '{name}': {e}"));
        let dir = self.dir.join("files");
        std::fs::create_dir_all(&dir).map_err(fail)?;
        let path = dir.canonicalize().map_err(fail)?.join(name);
        let new = !path.exists();
        crate::fsutil::write_atomic(&path, bytes, Some(0o600)).map_err(fail)?;
        self.say(&format!("file '{name}' saved as {}", path.display()));
        Ok((new, path))
    }
}

#[cfg(test)]
mod tests {
    use super::check_name;

    #[test]
    fn a_file_name_is_one_path_segment() {
        for name in ["in.jsons", "..in", "a b", ".hidden"] {
            assert!(check_name(name).is_ok(), "{name}");
        }
        for name in ["", ".", "..", "a/b", "/etc/passwd", "../x", "a\nb"] {
            assert!(check_name(name).is_err(), "{name}");
        }
    }
}
