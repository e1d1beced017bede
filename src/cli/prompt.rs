//! Questions the original asks (`Username:`, `Password:`, …): dialoguer on a terminal, plain
//! lines from stdin otherwise, so scripts can pipe the answers in.

use crate::error::{Error, Result};
use std::io::{BufRead, IsTerminal, Write};

fn read_stdin_line(label: &str) -> Result<String> {
    print!("{label}");
    let _ = std::io::stdout().flush();
    let mut line = String::new();
    let n = std::io::stdin().lock().read_line(&mut line).map_err(|e| {
        Error::new(format!("Cannot read the answer to '{label}'")).caused_by(e.to_string())
    })?;
    if n == 0 {
        return Err(Error::new(format!("No answer to '{label}' (end of input)")));
    }
    Ok(line.trim_end_matches(['\n', '\r']).to_string())
}

fn dialog_error(e: dialoguer::Error) -> Error {
    Error::new("Cannot read the answer").caused_by(e.to_string())
}

/// An answer shown as typed, asked as the original asks (`Username:`).
pub fn ask_plain(label: &str) -> Result<String> {
    if std::io::stdin().is_terminal() {
        return dialoguer::Input::<String>::new()
            .with_prompt(label)
            .allow_empty(true)
            .interact_text()
            .map_err(dialog_error);
    }
    read_stdin_line(&format!("{label}:"))
}

/// An answer shown as typed, asked with the current value as the original asks
/// (`Login URL [None]:`); `current` is kept when the answer is empty.
pub fn ask(label: &str, current: Option<&str>) -> Result<String> {
    if std::io::stdin().is_terminal() {
        let mut input = dialoguer::Input::<String>::new()
            .with_prompt(label)
            .allow_empty(true);
        if let Some(c) = current.filter(|c| !c.is_empty()) {
            input = input.default(c.to_string());
        }
        return input.interact_text().map_err(dialog_error);
    }
    let answer = read_stdin_line(&format!("{label} [{}]:", current.unwrap_or("None")))?;
    Ok(match (answer.is_empty(), current) {
        (true, Some(c)) => c.to_string(),
        _ => answer,
    })
}

/// An answer that is not echoed; a non-empty `current` is kept when the answer is empty.
pub fn secret(label: &str, current: Option<&str>) -> Result<String> {
    let answer = if std::io::stdin().is_terminal() {
        let label = match current {
            Some(c) if !c.is_empty() => format!("{label} [*****]"),
            _ => label.to_string(),
        };
        dialoguer::Password::new()
            .with_prompt(label)
            .allow_empty_password(true)
            .interact()
            .map_err(dialog_error)?
    } else {
        match current {
            Some(c) if !c.is_empty() => read_stdin_line(&format!("{label} [*****]:"))?,
            Some(_) => read_stdin_line(&format!("{label} []:"))?,
            None => read_stdin_line(&format!("{label}:"))?,
        }
    };
    Ok(match current {
        Some(c) if answer.is_empty() => c.to_string(),
        _ => answer,
    })
}

/// A Y/N question, asked until the answer is Y or N.
pub fn yes_no(label: &str, current: bool) -> Result<bool> {
    let mut label = label;
    let mut current = Some(if current { "Y" } else { "N" });
    loop {
        match ask(label, current)?.as_str() {
            "Y" | "y" => return Ok(true),
            "N" | "n" => return Ok(false),
            _ if std::io::stdin().is_terminal() => {
                println!("Invalid input. Please enter \"Y\" or \"N\"");
                current = None;
            }
            // the original asks again with this label and an empty current value
            _ => {
                label = "Invalid input. Please enter \"Y\" or \"N\"";
                current = Some("");
            }
        }
    }
}
