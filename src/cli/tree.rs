//! The command table as a clap command tree: used for `--help` on a single command and to
//! generate shell completions and man pages, so all three always describe the same grammar.

use super::grammar::{is_placeholder, opt_help, placeholder_help, Opt, COMMANDS, PATTERNS};
use clap::{Arg, ArgAction, Command, ValueHint};

/// One line about each command, for `--help`, man pages and completions.
const ABOUT: &[(&str, &str)] = &[
    ("help", "Explain commands and options"),
    (
        "connect",
        "Connect to a FastScore fleet ('embedded' for the one on this machine)",
    ),
    (
        "login",
        "Authenticate the connection (basicauth, ldap, oauth2, sessioncookie)",
    ),
    ("config set", "Set the fleet configuration from a YAML file"),
    ("config show", "Show the fleet configuration"),
    ("fleet", "List the fleet's instances and their health"),
    ("use", "Select the target instance, or show it"),
    (
        "run",
        "Verify and load a model, attach its input and output streams",
    ),
    ("job run", "Same as run"),
    (
        "model add",
        "Add or replace a model (source from a file or stdin)",
    ),
    ("model show", "Print a model's source"),
    ("model list", "List models"),
    ("model remove", "Remove a model and its attachments"),
    ("model verify", "Check that the engine accepts a model"),
    ("model load", "Load a model into the engine"),
    ("model inspect", "Show the model loaded in the engine"),
    ("model unload", "Unload the engine's model"),
    ("model scale", "Set the number of model instances (jets)"),
    (
        "model input",
        "Send records from stdin to an input slot (REST stream)",
    ),
    (
        "model output",
        "Print records from an output slot (REST stream)",
    ),
    (
        "model interact",
        "Send records and see outputs interactively",
    ),
    ("attachment list", "List a model's attachments"),
    (
        "attachment upload",
        "Upload an attachment (.zip, .tar.gz, .tgz)",
    ),
    (
        "attachment download",
        "Download an attachment into the current directory",
    ),
    ("attachment remove", "Remove an attachment"),
    ("policy set", "Set the import policy for a model type"),
    ("policy show", "Show the import policy for a model type"),
    (
        "schema add",
        "Add or replace an Avro schema (from a file or stdin)",
    ),
    ("schema show", "Print a schema"),
    ("schema remove", "Remove a schema"),
    ("schema list", "List schemas"),
    (
        "schema verify",
        "Check a schema, and each record of a JSON-lines file against it",
    ),
    ("schema infer", "Infer an Avro schema from sample records"),
    ("snapshot list", "List a model's snapshots"),
    ("snapshot show", "Show a snapshot's metadata"),
    (
        "snapshot restore",
        "Restore the engine's model state from a snapshot",
    ),
    ("snapshot remove", "Remove a snapshot"),
    (
        "stream add",
        "Add or replace a stream descriptor (from a file or stdin)",
    ),
    ("stream show", "Print a stream descriptor (secrets masked)"),
    ("stream remove", "Remove a stream descriptor"),
    ("stream list", "List stream descriptors"),
    ("stream inspect", "Show the streams attached to the engine"),
    (
        "stream verify",
        "Check that the engine accepts a stream for a slot",
    ),
    ("stream attach", "Attach a stream to a slot"),
    ("stream detach", "Detach the stream of a slot"),
    ("stream sample", "Print sample records read from a stream"),
    ("engine pause", "Pause data processing"),
    ("engine unpause", "Resume data processing"),
    ("engine inspect", "Show the engine state"),
    (
        "engine reset",
        "Reset the engine: unload the model, detach all streams",
    ),
    (
        "engine serve",
        "Run a local engine in the foreground, serving the FastScore Engine REST API",
    ),
    (
        "engine stop",
        "Stop local engines (all of them without a name)",
    ),
    (
        "sensor add",
        "Add or replace a sensor descriptor (from a file or stdin)",
    ),
    ("sensor show", "Print a sensor descriptor"),
    ("sensor remove", "Remove a sensor descriptor"),
    ("sensor list", "List sensor descriptors"),
    ("sensor install", "Install a sensor on the target instance"),
    (
        "sensor uninstall",
        "Uninstall a sensor from the target instance",
    ),
    (
        "sensor inspect",
        "Show the sensors installed on the target instance",
    ),
    (
        "sensor points",
        "List the tapping points of the target instance",
    ),
    ("stats memory", "Watch the target's memory use"),
    ("stats cpu-utilization", "Watch the target's CPU use"),
    ("stats jets", "Watch the records per second of each jet"),
    ("stats streams", "Watch the records per second of each slot"),
    ("debug manifold", "Watch the engine's debugging messages"),
    ("debug stream", "Watch a slot's debugging messages"),
    ("profile stream", "Profile a slot's record processing"),
    ("pneumo", "Watch Pneumo messages"),
    ("pneumo history", "Print recent Pneumo messages"),
    ("monitor", "Monitor data processing"),
];

/// More about a command, after its options.
const AFTER_HELP: &[(&str, &str)] = &[(
    "engine serve",
    "Every request must carry the engine's token, made afresh each time the engine starts:\n\
     \n    Authorization: Bearer <token>\n\n\
     The token is the \"token\" field of engines/<engine-name>/engine.json in the data \
     directory ($FASTSCORE_HOME, else $XDG_DATA_HOME/fastscore, else \
     ~/.local/share/fastscore); the file is readable by its owner only. For example:\n\
     \n    curl -H \"Authorization: Bearer $(jq -r .token ~/.local/share/fastscore/engines/engine-1/engine.json)\" \
     http://127.0.0.1:8003/1/health\n\n\
     A request without it is answered 401. The fastscore commands pass it themselves. \
     With --no-token the engine takes requests from anyone who can reach its address.",
)];

fn about(key: &str) -> &'static str {
    ABOUT
        .iter()
        .find(|(k, _)| *k == key)
        .map(|(_, a)| *a)
        .unwrap_or("")
}

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
    let mut groups: Vec<&str> = COMMANDS.iter().map(|(n, _)| *n).collect();
    groups.push("job");
    for group in groups {
        root = root.subcommand(group_command(group));
    }
    root
}

fn group_command(group: &'static str) -> Command {
    let patterns: Vec<_> = PATTERNS
        .iter()
        .filter(|p| p.tokens().next() == Some(group))
        .collect();
    let description = COMMANDS
        .iter()
        .find(|(n, _)| *n == group)
        .map(|(_, d)| *d)
        .unwrap_or("");
    let mut cmd = Command::new(group)
        .about(description)
        .hide(group == "job")
        .disable_help_subcommand(true);

    // A literal second word makes a subcommand, unless some other pattern takes any word there.
    let placeholder_second = patterns
        .iter()
        .any(|p| p.tokens().nth(1).is_some_and(is_placeholder));
    let mut direct = Vec::new();
    let mut subs: Vec<(&'static str, Vec<_>)> = Vec::new();
    for p in &patterns {
        let tokens: Vec<&'static str> = p.tokens().skip(1).collect();
        match tokens.first() {
            Some(word) if !is_placeholder(word) && !placeholder_second => {
                match subs.iter_mut().find(|(w, _)| w == word) {
                    Some((_, list)) => list.push((tokens[1..].to_vec(), p.opts)),
                    None => subs.push((word, vec![(tokens[1..].to_vec(), p.opts)])),
                }
            }
            _ => direct.push((
                tokens
                    .into_iter()
                    .filter(|t| is_placeholder(t))
                    .collect::<Vec<_>>(),
                p.opts,
            )),
        }
    }
    if !direct.is_empty() {
        cmd = add_args(cmd, &direct).about(about(group));
    }
    if direct.is_empty() && !subs.is_empty() {
        cmd = cmd.subcommand_required(true);
    }
    for (word, variants) in subs {
        let key = format!("{group} {word}");
        let mut sub = Command::new(word).about(about(&key));
        if let Some((_, text)) = AFTER_HELP.iter().find(|(k, _)| *k == key) {
            sub = sub.after_help(*text);
        }
        cmd = cmd.subcommand(add_args(sub, &variants));
    }
    cmd
}

type Variant = (Vec<&'static str>, &'static [Opt]);

/// Positionals from the longest variant (required when every variant has them) and the
/// union of the variants' options.
fn add_args(mut cmd: Command, variants: &[Variant]) -> Command {
    let longest = variants.iter().map(|(t, _)| t.len()).max().unwrap_or(0);
    let shortest = variants.iter().map(|(t, _)| t.len()).min().unwrap_or(0);
    if let Some((tokens, _)) = variants.iter().find(|(t, _)| t.len() == longest) {
        for (i, token) in tokens.iter().enumerate() {
            cmd = cmd.arg(positional(token, i, i < shortest));
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

/// Whether the group `name` is made of subcommands (`model add`, …).
pub fn has_subcommands(name: &str) -> bool {
    command_tree()
        .find_subcommand(name)
        .is_some_and(|c| c.has_subcommands())
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
