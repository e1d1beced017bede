//! `-e`: edit an item's text in `$EDITOR` (default `vi`).

use std::io::Write;

/// The edited text, or `None` when the editor failed or nothing changed.
pub fn edit(text: &str, name: &str, suffix: &str) -> Option<String> {
    let mut file = tempfile::Builder::new()
        .prefix(&format!("{name}-"))
        .suffix(suffix)
        .tempfile()
        .ok()?;
    file.write_all(text.as_bytes()).ok()?;
    let path = file.into_temp_path();
    let editor = std::env::var("EDITOR")
        .ok()
        .filter(|e| !e.trim().is_empty())
        .unwrap_or_else(|| "vi".into());
    // The editor may carry arguments (`code -w`); the file name is passed separately.
    let status = std::process::Command::new("sh")
        .arg("-c")
        .arg(format!("{editor} \"$1\""))
        .arg("sh")
        .arg(&path)
        .status()
        .ok()?;
    if !status.success() {
        return None;
    }
    let edited = std::fs::read_to_string(&path).ok()?;
    (edited != text).then_some(edited)
}
