//! The argument pre-pass: every argument starting with `-` is an option, in the original's
//! single-dash form (`-v`, `-type:python3`, `-count:5`) or the GNU form (`--verbose`,
//! `--type python3`); everything else is a word. Options may appear anywhere.

use crate::model_type;
use crate::timestamp::{self, DateTime};

#[derive(Debug, Default, Clone)]
pub struct Options {
    pub verbose: bool,
    pub json: bool,
    pub model_type: Option<String>,
    pub count: Option<i64>,
    pub since: Option<DateTime>,
    pub until: Option<DateTime>,
    /// `-schema:<name>:<file-or-text>`, in order; a repeated name keeps its first place.
    pub schemas: Vec<(String, String)>,
    pub username: Option<String>,
    pub password: Option<String>,
    pub auth_endpoint: Option<String>,
    pub edit: bool,
    pub wait: bool,
    pub nowait: bool,
    pub preinstall: bool,
    pub continuous: bool,
    pub monitor: bool,
    pub format: Option<String>,
    /// `engine serve`: the address and port to listen on.
    pub bind: Option<String>,
    pub port: Option<u16>,
    /// `engine serve -no-token`: take requests without the engine's token.
    pub no_token: bool,
    /// `connect -insecure`: accept any certificate of the fleet.
    pub insecure: bool,
    /// `connect -cacert:<file>`: trust the certificates in this PEM file.
    pub ca_cert: Option<String>,
    /// `fleet serve`: plain HTTP; the certificate and key for HTTPS; the users file.
    pub http: bool,
    pub cert: Option<String>,
    pub key: Option<String>,
    pub users: Option<String>,
    /// `fleet serve --engines <n>`: the local engines it serves.
    pub engines: Option<u32>,
    /// `engine serve --fleet <url>`: the fleet to join.
    pub fleet: Option<String>,
    pub help: bool,
    pub version: bool,
}

#[derive(Debug, Default)]
pub struct Args {
    pub words: Vec<String>,
    pub opts: Options,
    /// `Unknown option '-x' ignored` and friends, in argument order.
    pub diagnostics: Vec<String>,
}

/// Options that take a value: the legacy name (`-type:`), and the GNU name (`--type`).
#[derive(Clone, Copy)]
enum Valued {
    Type,
    Count,
    Since,
    Until,
    Schema,
    Username,
    Password,
    AuthEndpoint,
    Format,
    Bind,
    Port,
    CaCert,
    Cert,
    Key,
    Users,
    Engines,
    Fleet,
}

const VALUED: &[(&str, Valued)] = &[
    ("type", Valued::Type),
    ("count", Valued::Count),
    ("since", Valued::Since),
    ("until", Valued::Until),
    ("schema", Valued::Schema),
    ("username", Valued::Username),
    ("password", Valued::Password),
    ("auth-endpoint", Valued::AuthEndpoint),
    ("format", Valued::Format),
    ("bind", Valued::Bind),
    ("port", Valued::Port),
    ("cacert", Valued::CaCert),
    ("cert", Valued::Cert),
    ("key", Valued::Key),
    ("users", Valued::Users),
    ("engines", Valued::Engines),
    ("fleet", Valued::Fleet),
];

/// Sets one option without a value.
type SetFlag = fn(&mut Options);

/// Options without a value, by every name they answer to.
const FLAGS: &[(&str, SetFlag)] = &[
    ("v", |o| o.verbose = true),
    ("verbose", |o| o.verbose = true),
    ("json", |o| o.json = true),
    ("e", |o| o.edit = true),
    ("edit", |o| o.edit = true),
    ("wait", |o| o.wait = true),
    ("nowait", |o| o.nowait = true),
    ("no-wait", |o| o.nowait = true),
    ("preinstall", |o| o.preinstall = true),
    ("c", |o| o.continuous = true),
    ("continuous", |o| o.continuous = true),
    ("m", |o| o.monitor = true),
    ("monitor", |o| o.monitor = true),
    ("h", |o| o.help = true),
    ("help", |o| o.help = true),
    ("version", |o| o.version = true),
    ("no-token", |o| o.no_token = true),
    ("insecure", |o| o.insecure = true),
    ("http", |o| o.http = true),
];

pub fn parse(argv: Vec<String>) -> Args {
    let mut args = Args::default();
    let mut iter = argv.into_iter();
    while let Some(arg) = iter.next() {
        if arg == "--" {
            args.words.extend(iter.by_ref());
            break;
        }
        if let Some(long) = arg.strip_prefix("--") {
            args.gnu_option(long, &arg, &mut iter);
        } else if arg.len() > 1 && arg.starts_with('-') {
            args.legacy_option(&arg);
        } else {
            args.words.push(arg);
        }
    }
    args
}

/// The words of `argv`, without its options (nor the values GNU forms take from the next
/// argument); unlike `parse`, nothing is interpreted or read.
pub fn words_only(argv: &[String]) -> Vec<&str> {
    let mut words = Vec::new();
    let mut iter = argv.iter();
    while let Some(arg) = iter.next() {
        if arg == "--" {
            words.extend(iter.map(String::as_str));
            break;
        }
        if let Some(long) = arg.strip_prefix("--") {
            if !long.contains('=') && VALUED.iter().any(|(n, _)| *n == long) {
                iter.next();
            }
        } else if !(arg.len() > 1 && arg.starts_with('-')) {
            words.push(arg.as_str());
        }
    }
    words
}

impl Args {
    fn flag(&mut self, name: &str) -> bool {
        match FLAGS.iter().find(|(n, _)| *n == name) {
            Some((_, set)) => set(&mut self.opts),
            None => return false,
        }
        true
    }

    /// `Unknown option '…' ignored`, and the option probably meant.
    fn unknown(&mut self, arg: &str) {
        self.diagnostics
            .push(format!("Unknown option '{arg}' ignored"));
        let dashes = if arg.starts_with("--") { "--" } else { "-" };
        let body = &arg[dashes.len()..];
        let name_len = body.find([':', '=']).unwrap_or(body.len());
        let names = FLAGS
            .iter()
            .map(|(n, _)| *n)
            .chain(VALUED.iter().map(|(n, _)| *n));
        let names = names.filter(|n| n.len() > 1);
        if let Some(meant) = super::hint::nearest(&body[..name_len], names) {
            let rest = &body[name_len..];
            self.diagnostics
                .push(format!("hint: did you mean '{dashes}{meant}{rest}'?"));
        }
    }

    /// The original's forms: exact flags, then `-name:value` prefixes.
    fn legacy_option(&mut self, arg: &str) {
        let body = &arg[1..];
        if self.flag(body) {
            return;
        }
        for (name, kind) in VALUED {
            let Some(rest) = body.strip_prefix(name) else {
                continue;
            };
            // `-type:`, `-count:` … need the colon; `-username…`, `-password…`,
            // `-format…` match on the prefix alone, as in the original.
            let loose = matches!(
                kind,
                Valued::Username | Valued::Password | Valued::AuthEndpoint | Valued::Format
            );
            if !loose && !rest.starts_with(':') {
                continue;
            }
            match rest.split_once(':') {
                Some((_, value)) => self.set(*kind, value, arg),
                None => self.ignored(arg),
            }
            return;
        }
        self.unknown(arg);
    }

    fn gnu_option(&mut self, long: &str, arg: &str, rest: &mut impl Iterator<Item = String>) {
        let (name, inline) = match long.split_once('=') {
            Some((n, v)) => (n, Some(v.to_string())),
            None => (long, None),
        };
        if inline.is_none() && self.flag(name) {
            return;
        }
        match VALUED.iter().find(|(n, _)| *n == name) {
            Some((_, kind)) => match inline.or_else(|| rest.next()) {
                Some(value) => self.set(*kind, &value, arg),
                None => self.ignored(arg),
            },
            None => self.unknown(arg),
        }
    }

    fn ignored(&mut self, arg: &str) {
        self.diagnostics.push(format!("Option '{arg}' ignored"));
    }

    fn set(&mut self, kind: Valued, value: &str, arg: &str) {
        let o = &mut self.opts;
        match kind {
            Valued::Type => {
                if model_type::is_model_type(value) {
                    o.model_type = Some(value.to_string());
                } else {
                    self.diagnostics
                        .push(format!("Model type '{value}' is unknown"));
                }
            }
            Valued::Count => match python_int(value) {
                Some(n) => o.count = Some(n),
                None => self.ignored(arg),
            },
            Valued::Since | Valued::Until => match timestamp::parse(value.trim()) {
                Some(t) if matches!(kind, Valued::Since) => o.since = Some(t),
                Some(t) => o.until = Some(t),
                None => self.ignored(arg),
            },
            Valued::Schema => match value.split_once(':') {
                Some((name, what)) if !name.is_empty() => {
                    // a readable file gives the schema text; otherwise the value is the text
                    let text = std::fs::read_to_string(what).unwrap_or_else(|_| what.to_string());
                    match o.schemas.iter_mut().find(|(n, _)| n == name) {
                        Some(entry) => entry.1 = text,
                        None => o.schemas.push((name.to_string(), text)),
                    }
                }
                _ => self.ignored(arg),
            },
            Valued::Username => o.username = Some(value.to_string()),
            Valued::Password => o.password = Some(value.to_string()),
            Valued::AuthEndpoint => o.auth_endpoint = Some(value.to_string()),
            Valued::Format => o.format = Some(value.to_string()),
            Valued::Bind => o.bind = Some(value.to_string()),
            Valued::CaCert => o.ca_cert = Some(value.to_string()),
            Valued::Cert => o.cert = Some(value.to_string()),
            Valued::Key => o.key = Some(value.to_string()),
            Valued::Users => o.users = Some(value.to_string()),
            Valued::Fleet => o.fleet = Some(value.to_string()),
            Valued::Engines => match value.trim().parse() {
                Ok(n) => o.engines = Some(n),
                Err(_) => self.ignored(arg),
            },
            Valued::Port => match value.trim().parse() {
                Ok(p) => o.port = Some(p),
                Err(_) => self.ignored(arg),
            },
        }
    }
}

/// Python's `int()` on text: surrounding whitespace, a sign, `_` between digits.
pub fn python_int(text: &str) -> Option<i64> {
    let t = text.trim();
    let (neg, digits) = match t.as_bytes().first() {
        Some(b'-') => (true, &t[1..]),
        Some(b'+') => (false, &t[1..]),
        _ => (false, t),
    };
    let ok = !digits.is_empty()
        && !digits.starts_with('_')
        && !digits.ends_with('_')
        && !digits.contains("__")
        && digits.chars().all(|c| c.is_ascii_digit() || c == '_');
    if !ok {
        return None;
    }
    let n: i64 = digits.replace('_', "").parse().ok()?;
    Some(if neg { -n } else { n })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(args: &[&str]) -> Args {
        parse(args.iter().map(|s| s.to_string()).collect())
    }

    #[test]
    fn options_anywhere_and_words_in_order() {
        let a = p(&["-v", "model", "add", "-type:python3", "m", "m.py"]);
        assert_eq!(a.words, ["model", "add", "m", "m.py"]);
        assert!(a.opts.verbose);
        assert_eq!(a.opts.model_type.as_deref(), Some("python3"));
    }

    #[test]
    fn gnu_forms() {
        let a = p(&["--json", "--type", "python3", "--count=3", "x", "--verbose"]);
        assert!(a.opts.json && a.opts.verbose);
        assert_eq!(a.opts.model_type.as_deref(), Some("python3"));
        assert_eq!(a.opts.count, Some(3));
        assert_eq!(a.words, ["x"]);
    }

    #[test]
    fn diagnostics_follow_the_original() {
        let a = p(&[
            "-x",
            "-type:bogus",
            "-count:abc",
            "-since:garbage",
            "-type:",
            "-username",
        ]);
        assert_eq!(
            a.diagnostics,
            [
                "Unknown option '-x' ignored",
                "Model type 'bogus' is unknown",
                "Option '-count:abc' ignored",
                "Option '-since:garbage' ignored",
                "Model type '' is unknown",
                "Option '-username' ignored",
            ]
        );
    }

    #[test]
    fn values_keep_everything_after_the_first_colon() {
        let a = p(&[
            "-password:pa:ss",
            "-schema:in:{\"type\": \"int\"}",
            "-usernameX:bob",
        ]);
        assert_eq!(a.opts.password.as_deref(), Some("pa:ss"));
        assert_eq!(a.opts.username.as_deref(), Some("bob"));
        assert_eq!(
            a.opts.schemas,
            [("in".to_string(), "{\"type\": \"int\"}".to_string())]
        );
    }

    #[test]
    fn negative_numbers_are_options_and_empty_strings_are_words() {
        let a = p(&["model", "scale", "-1", ""]);
        assert_eq!(a.words, ["model", "scale", ""]);
        assert_eq!(a.diagnostics, ["Unknown option '-1' ignored"]);
    }

    #[test]
    fn no_token_in_both_forms() {
        for form in ["-no-token", "--no-token"] {
            let a = p(&["engine", "serve", form]);
            assert!(a.opts.no_token && a.diagnostics.is_empty());
        }
    }

    #[test]
    fn tls_options() {
        let a = p(&["connect", "-insecure", "-cacert:/a:b.pem", "x"]);
        assert!(a.opts.insecure);
        assert_eq!(a.opts.ca_cert.as_deref(), Some("/a:b.pem"));
        let a = p(&["--cacert", "ca.pem", "--insecure"]);
        assert!(a.opts.insecure && a.diagnostics.is_empty());
        assert_eq!(a.opts.ca_cert.as_deref(), Some("ca.pem"));
    }

    #[test]
    fn words_alone() {
        let argv: Vec<String> = [
            "-v", "engine", "--port", "0", "serve", "--bind=x", "engine-2",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        assert_eq!(words_only(&argv), ["engine", "serve", "engine-2"]);
    }

    #[test]
    fn python_int_rules() {
        assert_eq!(python_int(" 5 "), Some(5));
        assert_eq!(python_int("-1_000"), Some(-1000));
        assert_eq!(python_int("1__0"), None);
        assert_eq!(python_int("5:9"), None);
    }
}
