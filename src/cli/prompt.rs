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

/// An answer shown as typed; `current` is kept when the answer is empty.
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
    let shown = match current {
        Some(c) => format!("{label} [{c}]: "),
        None => format!("{label}: "),
    };
    let answer = read_stdin_line(&shown)?;
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
        read_stdin_line(&format!("{label}: "))?
    };
    Ok(match current {
        Some(c) if answer.is_empty() => c.to_string(),
        _ => answer,
    })
}

/// A Y/N question, asked until the answer is Y or N.
pub fn yes_no(label: &str, current: bool) -> Result<bool> {
    let mut current = Some(if current { "Y" } else { "N" });
    loop {
        match ask(label, current)?.as_str() {
            "Y" | "y" => return Ok(true),
            "N" | "n" => return Ok(false),
            _ => {
                println!("Invalid input. Please enter \"Y\" or \"N\"");
                current = None;
            }
        }
    }
}
