//! The command table as a clap command tree: used for `--help` on a single command and to
//! generate shell completions and man pages, so all three always describe the same grammar.

use super::grammar::{is_placeholder, opt_help, placeholder_help, Opt, Row, GROUPS, ROWS};
use clap::{Arg, ArgAction, Command, ValueHint};

/// The whole command tree.
pub fn command_tree() -> Command {
    let mut root = Command::new("fastscore")
        .version(crate::VERSION)
        .disable_help_subcommand(true)
        .about("FastScore command-line interface, with an embedded Model Manage and engine")
        .after_help(
            "Options also take the original single-dash forms anywhere among the words: \
             -v, -json, -type:<t>, -count:N, -schema:<name>:<file-or-text>, …\n\
             Run 'fastscore help <command>' for the original command summaries.",
        )
        .arg(
            Arg::new("monitor")
                .short('m')
                .long("monitor")
                .global(true)
                .action(ArgAction::SetTrue)
                .help("monitor engine operations after the command"),
        );
    for (group, description) in GROUPS {
        root = root.subcommand(group_command(group, description));
    }
    root = root.subcommand(group_command("job", "").hide(true));
    root
}

fn group_command(group: &'static str, description: &'static str) -> Command {
    let rows: Vec<&Row> = ROWS
        .iter()
        .filter(|row| row.words().first() == Some(&group))
        .collect();
    let mut cmd = Command::new(group)
        .about(description)
        .disable_help_subcommand(true);

    // A literal second word makes a subcommand, unless some other pattern takes any word there.
    let placeholder_second = rows
        .iter()
        .flat_map(|row| row.patterns())
        .any(|p| p.split_whitespace().nth(1).is_some_and(is_placeholder));
    let mut direct: Vec<Variant> = Vec::new();
    let mut subs: Vec<(&'static str, &Row)> = Vec::new();
    for row in &rows {
        match row.words().get(1) {
            Some(word) if !placeholder_second => subs.push((word, row)),
            _ => direct.extend(variants(row)),
        }
    }
    if let Some(row) = rows.iter().find(|row| row.words().len() == 1) {
        cmd = cmd.about(row.about);
    }
    if !direct.is_empty() {
        cmd = add_args(cmd, &direct);
    } else if !subs.is_empty() {
        cmd = cmd.subcommand_required(true);
    }
    for (word, row) in subs {
        let mut sub = Command::new(word).about(row.about);
        if let Some(text) = row.more {
            sub = sub.after_help(text);
        }
        if let Some(usage) = usage_override(row) {
            sub = sub.override_usage(usage);
        }
        cmd = cmd.subcommand(add_args(sub, &variants(row)));
    }
    cmd
}

/// The placeholders of each pattern of `row`, with its options.
fn variants(row: &Row) -> Vec<Variant> {
    row.patterns()
        .map(|p| {
            (
                p.split_whitespace().filter(|t| is_placeholder(t)).collect(),
                row.opts,
            )
        })
        .collect()
}

type Variant = (Vec<&'static str>, &'static [Opt]);

/// clap takes required positionals before optional ones only: a row whose longest pattern
/// starts with an optional one (`engine put [<engine-name>] <local-file> [<file-name>]`)
/// spells its usage out.
fn usage_override(row: &Row) -> Option<String> {
    let variants = variants(row);
    let longest = &variants.iter().max_by_key(|(t, _)| t.len())?.0;
    let in_all = |t: &&str| variants.iter().all(|(v, _)| v.contains(t));
    let first_optional = longest.iter().position(|t| !in_all(t))?;
    let last_required = longest.iter().rposition(in_all)?;
    (first_optional < last_required).then(|| {
        let args: Vec<String> = longest
            .iter()
            .map(|t| match in_all(t) {
                true => t.to_string(),
                false => format!("[{t}]"),
            })
            .collect();
        format!(
            "fastscore {} [OPTIONS] {}",
            row.words().join(" "),
            args.join(" ")
        )
    })
}

/// Positionals from the longest variant (required when every variant has them, there) and the
/// union of the variants' options.
fn add_args(mut cmd: Command, variants: &[Variant]) -> Command {
    let longest = variants.iter().map(|(t, _)| t.len()).max().unwrap_or(0);
    let shortest = variants.iter().map(|(t, _)| t.len()).min().unwrap_or(0);
    if let Some((tokens, _)) = variants.iter().find(|(t, _)| t.len() == longest) {
        for (i, token) in tokens.iter().enumerate() {
            let in_all = variants.iter().all(|(t, _)| t.contains(token));
            cmd = cmd.arg(positional(token, i, i < shortest && in_all));
        }
    }
    let mut seen: Vec<Opt> = Vec::new();
    for (_, opts) in variants {
        for opt in opts.iter() {
            if !seen.contains(opt) {
                seen.push(*opt);
                cmd = cmd.arg(option(*opt));
            }
        }
    }
    cmd
}

fn positional(token: &'static str, index: usize, required: bool) -> Arg {
    let name = token.trim_start_matches('<').trim_end_matches('>');
    let mut arg = Arg::new(name)
        .index(index + 1)
        .required(required)
        .help(placeholder_help(token));
    if token == "<oauth2/ldap/basicauth/sessioncookie>" {
        arg = arg.id("mode").value_name("MODE").value_parser([
            "basicauth",
            "ldap",
            "oauth2",
            "sessioncookie",
        ]);
    } else if token == "<proxy-prefix>" {
        arg = arg.value_hint(ValueHint::Url);
    } else if name.ends_with("file") || matches!(name, "filename" | "attachment" | "file-to-upload")
    {
        arg = arg.value_hint(ValueHint::FilePath);
    }
    arg
}

fn option(opt: Opt) -> Arg {
    let (legacy, long, value, description) = opt_help(opt);
    let mut arg = Arg::new(long)
        .long(long)
        .help(format!("{description} [also {legacy}]"));
    arg = match opt {
        Opt::Verbose => arg.short('v'),
        Opt::Edit => arg.short('e'),
        Opt::Continuous => arg.short('c'),
        _ => arg,
    };
    match value {
        None => arg.action(ArgAction::SetTrue),
        Some(value_name) => {
            arg = arg.value_name(value_name).action(ArgAction::Append);
            match opt {
                Opt::Type => arg.value_parser(
                    crate::model_type::MODEL_TYPES
                        .iter()
                        .map(|(k, _)| *k)
                        .collect::<Vec<_>>(),
                ),
                Opt::Format => arg.value_parser(["jsons", "csv"]),
                Opt::CaCert => arg.value_hint(ValueHint::FilePath),
                _ => arg,
            }
        }
    }
}

/// Whether the group `name` is only subcommands (`model add`, …), with no form of its own.
pub fn needs_subcommand(name: &str) -> bool {
    command_tree()
        .find_subcommand(name)
        .is_some_and(|c| c.is_subcommand_required_set())
}

/// The clap help of the command named by `words`, if they name one below a group.
pub fn render_help(words: &[String]) -> Option<String> {
    if words.is_empty() {
        return None;
    }
    let mut cmd = command_tree();
    let mut path = vec!["fastscore".to_string()];
    for word in words {
        let next = cmd.find_subcommand(word)?.clone();
        path.push(word.clone());
        cmd = next;
        if !cmd.has_subcommands() {
            break;
        }
    }
    let mut cmd = cmd.bin_name(path.join(" "));
    Some(cmd.render_help().to_string())
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_tree_is_a_valid_clap_command() {
        super::command_tree().debug_assert();
    }
}
