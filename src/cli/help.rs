//! The original's help texts (spec/cli.md §4), word for word.

use super::grammar::{GROUPS, ROWS};
use super::render::Paint;
use crate::VERSION;

fn banner(paint: Paint) -> String {
    paint.bold(&format!("FastScore CLI v{VERSION}"))
}

pub fn overview(paint: Paint) -> String {
    let mut out = format!(
        "{}\nUsage: fastscore <command> [<subcommand> ...]\nAvailable commands:\n",
        banner(paint)
    );
    for (name, description) in GROUPS {
        out.push_str(&format!("  {name:<16} {description}\n"));
    }
    out.push_str("Run 'fastscore help <command>' to get more details on <command> usage\n");
    out
}

const OPTIONS: &[(&str, &str)] = &[
    ("-v", "be verbose"),
    (
        "-type:<model-type>",
        "set model type (ignore file extension)",
    ),
    ("-type:pfa-json", "--- PFA (json)"),
    ("-type:pfa-pretty", "--- PrettyPFA"),
    ("-type:pfa-yaml", "--- PFA (yaml)"),
    ("-type:python", "--- Python"),
    ("-type:python3", "--- Python 3"),
    ("-type:R", "--- R"),
    ("-type:c", "--- C"),
    ("-type:octave", "--- Octave"),
    ("-type:jupyter", "--- Jupyter"),
    ("-count:NNN", "list no more than NNN items"),
    (
        "-since:DATETIME",
        "show items created after DATETIME (iso8601)",
    ),
    (
        "-until:DATETIME",
        "show items created before DATETIME (iso8601)",
    ),
    (
        "-schema:<name>:<schema>",
        "embed schema when loading a model",
    ),
    ("-json", "output as JSON (handy for scripts)"),
    ("-e", "open item for editing"),
    ("-wait", "wait for operation to complete"),
    ("-nowait", "do not wait for data to become available"),
    ("-preinstall", "preinstall all libraries"),
    ("-c", "fetch outputs without exiting"),
    ("-m", "monitor engine operations"),
    ("-username", "username (basicauth/ldap)"),
    ("-password", "password (basicauth/ldap)"),
    ("-discover-endpoint", "OAuth2 discover endpoint"),
    ("-cliend-id", "OAuth2 Client ID"),
    ("-client-secret", "OAuth2 Client Secret (optional)"),
    ("-login-url", "Login URL (sessioncookie)"),
];

pub fn options(paint: Paint) -> String {
    let mut out = format!("{}\nOptions:\n", banner(paint));
    for (option, description) in OPTIONS {
        out.push_str(&format!("  {option:<46}{description}\n"));
    }
    out
}

/// `fastscore help <cmd>`: the description and the command's word patterns.
pub fn command(name: &str) -> String {
    let Some((_, description)) = GROUPS.iter().find(|(n, _)| *n == name) else {
        return format!("Command '{name}' not available (use 'help')\n");
    };
    let mut out = format!("{description}\n\n");
    for pattern in ROWS.iter().flat_map(|row| row.listed) {
        if pattern.split_whitespace().next() == Some(name) {
            out.push_str(&format!("  fastscore {pattern}\n"));
        }
    }
    out
}
