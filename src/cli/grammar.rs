//! The command table: every word pattern the original accepts (spec/cli.md §3.3), in matching
//! order, plus this tool's own additions. Help texts, matching, the clap tree, completions and
//! man pages are all derived from it.

/// What a matched pattern runs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Action {
    HelpOverview,
    HelpOptions,
    HelpCommand,
    Connect,
    Login,
    ConfigSet,
    ConfigShow,
    Fleet,
    UseSet,
    UseShow,
    Run,
    ModelAdd,
    ModelShow,
    ModelList,
    ModelRemove,
    ModelVerify,
    ModelLoad,
    ModelInspect,
    ModelUnload,
    ModelScale,
    ModelInput,
    ModelOutput,
    ModelInteract,
    AttachmentList,
    AttachmentUpload,
    AttachmentDownload,
    AttachmentRemove,
    PolicySet,
    PolicyShow,
    SchemaAdd,
    SchemaShow,
    SchemaRemove,
    SchemaList,
    SchemaVerify,
    SchemaInfer,
    SnapshotList,
    SnapshotShow,
    SnapshotRestore,
    SnapshotRemove,
    StreamAdd,
    StreamShow,
    StreamRemove,
    StreamList,
    StreamInspect,
    StreamVerify,
    StreamAttach,
    StreamDetach,
    StreamSample,
    EnginePause,
    EngineUnpause,
    EngineInspect,
    EngineReset,
    SensorAdd,
    SensorShow,
    SensorRemove,
    SensorList,
    SensorInstall,
    SensorUninstall,
    SensorInspect,
    SensorPoints,
    StatsMemory,
    StatsCpu,
    StatsJets,
    StatsStreams,
    DebugManifold,
    DebugStream,
    ProfileStream,
    Pneumo,
    PneumoHistory,
    Monitor,
    EngineServe,
    EngineStop,
}

/// Options a command reads (for `--help`, completions and man pages; every command accepts all).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Opt {
    Verbose,
    Json,
    Type,
    Count,
    Since,
    Until,
    Schema,
    Edit,
    Wait,
    NoWait,
    Preinstall,
    Continuous,
    Username,
    Password,
    Format,
    Bind,
    Port,
    NoToken,
    Insecure,
    CaCert,
}

pub struct Pattern {
    /// Words; `<…>` is a placeholder that takes any word.
    pub text: &'static str,
    pub action: Action,
    pub opts: &'static [Opt],
    /// Listed by `fastscore help <cmd>` (the original's patterns; `job run` is not).
    pub listed: bool,
}

use Action as A;
use Opt as O;

const fn p(text: &'static str, action: Action, opts: &'static [Opt]) -> Pattern {
    Pattern {
        text,
        action,
        opts,
        listed: true,
    }
}

const fn unlisted(text: &'static str, action: Action, opts: &'static [Opt]) -> Pattern {
    Pattern {
        text,
        action,
        opts,
        listed: false,
    }
}

const V: &[Opt] = &[O::Verbose];
const J: &[Opt] = &[O::Json];
const VJ: &[Opt] = &[O::Verbose, O::Json];
const EV: &[Opt] = &[O::Edit, O::Verbose];
const NONE: &[Opt] = &[];

pub const PATTERNS: &[Pattern] = &[
    p("", A::HelpOverview, NONE),
    p("help", A::HelpOverview, NONE),
    p("help options", A::HelpOptions, NONE),
    p("help <cmd>", A::HelpCommand, NONE),
    p(
        "connect <proxy-prefix>",
        A::Connect,
        &[O::Verbose, O::NoWait, O::Insecure, O::CaCert],
    ),
    p(
        "login <oauth2/ldap/basicauth/sessioncookie>",
        A::Login,
        &[O::Verbose, O::Username, O::Password],
    ),
    p("config set <config-file>", A::ConfigSet, V),
    p("config show", A::ConfigShow, NONE),
    p("fleet", A::Fleet, &[O::Verbose, O::Json, O::Wait]),
    p("use <instance-name>", A::UseSet, V),
    p("use", A::UseShow, V),
    p(
        "run <model-name> <stream0> <stream1>",
        A::Run,
        &[O::Verbose, O::Wait, O::Schema, O::Json],
    ),
    unlisted(
        "job run <model-name> <stream0> <stream1>",
        A::Run,
        &[O::Verbose, O::Wait, O::Schema, O::Json],
    ),
    p(
        "model add <model-name> <src-file>",
        A::ModelAdd,
        &[O::Type, O::Verbose],
    ),
    p(
        "model add <model-name>",
        A::ModelAdd,
        &[O::Type, O::Verbose],
    ),
    p("model show <model-name>", A::ModelShow, EV),
    p("model list", A::ModelList, J),
    p("model remove <model-name>", A::ModelRemove, V),
    p(
        "model verify <model-name>",
        A::ModelVerify,
        &[O::Verbose, O::Json, O::Schema],
    ),
    p(
        "model load <model-name>",
        A::ModelLoad,
        &[O::Verbose, O::Schema],
    ),
    p(
        "model load <model-name> <attachment>",
        A::ModelLoad,
        &[O::Verbose, O::Schema],
    ),
    p("model inspect", A::ModelInspect, VJ),
    p("model unload", A::ModelUnload, V),
    p("model scale <count>", A::ModelScale, V),
    p("model input", A::ModelInput, NONE),
    p("model input <slot>", A::ModelInput, NONE),
    p("model output", A::ModelOutput, &[O::NoWait, O::Continuous]),
    p(
        "model output <slot>",
        A::ModelOutput,
        &[O::NoWait, O::Continuous],
    ),
    p("model interact", A::ModelInteract, NONE),
    p("attachment list <model-name>", A::AttachmentList, V),
    p(
        "attachment upload <model-name> <file-to-upload>",
        A::AttachmentUpload,
        V,
    ),
    p(
        "attachment download <model-name> <att-name>",
        A::AttachmentDownload,
        V,
    ),
    p(
        "attachment remove <model-name> <att-name>",
        A::AttachmentRemove,
        V,
    ),
    p(
        "policy set <policy-file>",
        A::PolicySet,
        &[O::Type, O::Preinstall, O::Verbose],
    ),
    p(
        "policy set",
        A::PolicySet,
        &[O::Type, O::Preinstall, O::Verbose],
    ),
    p("policy show", A::PolicyShow, &[O::Type]),
    p("schema add <schema-name> <schema-file>", A::SchemaAdd, V),
    p("schema add <schema-name>", A::SchemaAdd, V),
    p("schema show <schema-name>", A::SchemaShow, EV),
    p("schema remove <schema-name>", A::SchemaRemove, V),
    p("schema list", A::SchemaList, V),
    p("schema verify <schema-name>", A::SchemaVerify, V),
    p(
        "schema verify <schema-name> <data-file>",
        A::SchemaVerify,
        V,
    ),
    p("schema infer <filename>", A::SchemaInfer, &[O::Format]),
    p(
        "snapshot list <model-name>",
        A::SnapshotList,
        &[O::Verbose, O::Count, O::Since, O::Until],
    ),
    p("snapshot show <model-name> <snap-id>", A::SnapshotShow, J),
    p("snapshot restore <model-name>", A::SnapshotRestore, V),
    p(
        "snapshot restore <model-name> <snap-id>",
        A::SnapshotRestore,
        V,
    ),
    p(
        "snapshot remove <model-name> <snap-id>",
        A::SnapshotRemove,
        V,
    ),
    p("stream add <stream-name> <desc-file>", A::StreamAdd, V),
    p("stream add <stream-name>", A::StreamAdd, V),
    p("stream show <stream>", A::StreamShow, EV),
    p("stream remove <stream-name>", A::StreamRemove, V),
    p("stream list", A::StreamList, J),
    p("stream inspect <slot>", A::StreamInspect, J),
    p("stream inspect", A::StreamInspect, J),
    p("stream verify <stream> <slot>", A::StreamVerify, V),
    p("stream attach <stream> <slot>", A::StreamAttach, V),
    p("stream detach <slot>", A::StreamDetach, V),
    p("stream sample <stream>", A::StreamSample, &[O::Count]),
    p("engine pause", A::EnginePause, V),
    p("engine unpause", A::EngineUnpause, V),
    p("engine inspect", A::EngineInspect, VJ),
    p("engine reset", A::EngineReset, V),
    unlisted(
        "engine serve",
        A::EngineServe,
        &[O::Bind, O::Port, O::NoToken],
    ),
    unlisted(
        "engine serve <engine-name>",
        A::EngineServe,
        &[O::Bind, O::Port, O::NoToken],
    ),
    unlisted("engine stop", A::EngineStop, V),
    unlisted("engine stop <engine-name>", A::EngineStop, V),
    p("sensor add <sensor-name> <desc-file>", A::SensorAdd, V),
    p("sensor add <sensor-name>", A::SensorAdd, V),
    p("sensor show <sensor-name>", A::SensorShow, EV),
    p("sensor remove <sensor-name>", A::SensorRemove, V),
    p("sensor list", A::SensorList, J),
    p("sensor install <sensor-name>", A::SensorInstall, V),
    p("sensor uninstall <tap-id>", A::SensorUninstall, V),
    p("sensor inspect <tap-id>", A::SensorInspect, VJ),
    p("sensor inspect", A::SensorInspect, VJ),
    p("sensor points", A::SensorPoints, VJ),
    p("stats memory", A::StatsMemory, NONE),
    p("stats cpu-utilization", A::StatsCpu, NONE),
    p("stats jets", A::StatsJets, NONE),
    p("stats streams", A::StatsStreams, NONE),
    p("debug manifold", A::DebugManifold, NONE),
    p("debug stream <slot>", A::DebugStream, NONE),
    p("profile stream <slot>", A::ProfileStream, VJ),
    p("pneumo", A::Pneumo, NONE),
    p("pneumo history", A::PneumoHistory, J),
    p("monitor", A::Monitor, NONE),
];

/// The command help table of `fastscore help` (name, description).
pub const COMMANDS: &[(&str, &str)] = &[
    ("help", "Explain commands and options"),
    ("connect", "Establish a FastScore connection"),
    ("login", "Authenticate a FastScore connection"),
    ("config", "Configure the FastScore fleet"),
    ("fleet", "Examine status of the FastScore fleet"),
    ("use", "Select the target instance"),
    ("run", "Run easy model setups"),
    ("model", "Manage analytic models"),
    ("attachment", "Manage model attachments"),
    ("schema", "Manage Avro schemas"),
    ("snapshot", "Manage model snapshots"),
    ("policy", "Manage import policies"),
    ("stream", "Manage streams/stream descriptors"),
    ("engine", "Manage engine state"),
    ("sensor", "Manage sensors/sensor descriptors"),
    ("stats", "Show assorted statistics"),
    ("debug", "Watch debugging messages"),
    ("profile", "Profile internal operations"),
    ("pneumo", "Access Pneumo messages"),
    ("monitor", "Monitor data processing"),
];

impl Pattern {
    pub fn tokens(&self) -> impl Iterator<Item = &'static str> {
        self.text.split_whitespace()
    }

    /// The placeholder values of `words`, if the words match this pattern exactly.
    pub fn matches(&self, words: &[String]) -> Option<Vec<String>> {
        let tokens: Vec<&str> = self.tokens().collect();
        if tokens.len() != words.len() {
            return None;
        }
        let mut values = Vec::new();
        for (token, word) in tokens.iter().zip(words) {
            if is_placeholder(token) {
                values.push(word.clone());
            } else if token != word {
                return None;
            }
        }
        Some(values)
    }
}

pub fn is_placeholder(token: &str) -> bool {
    token.starts_with('<') && token.ends_with('>')
}

/// The first pattern matching `words`, with its placeholder values.
pub fn find(words: &[String]) -> Option<(&'static Pattern, Vec<String>)> {
    PATTERNS
        .iter()
        .find_map(|p| p.matches(words).map(|values| (p, values)))
}

/// What a placeholder stands for, for `--help` and man pages.
pub fn placeholder_help(token: &str) -> &'static str {
    match token {
        "<cmd>" => "A command name, or 'options'",
        "<proxy-prefix>" => {
            "URL of the FastScore proxy, e.g. https://localhost:8000 ('embedded' for this machine)"
        }
        "<oauth2/ldap/basicauth/sessioncookie>" => "Authentication mode",
        "<config-file>" => "YAML configuration file",
        "<instance-name>" => "Fleet instance name, e.g. engine-1",
        "<model-name>" => "Model name",
        "<stream0>" | "<stream1>" | "<stream>" => {
            "Stream name, or a literal descriptor such as rest:, file:/abs/path, inline:1,2,3"
        }
        "<src-file>" => "Model source file (read from stdin when omitted)",
        "<attachment>" => "Local .zip/.tar.gz/.tgz file to load instead of stored attachments",
        "<count>" => "Number of model instances (jets)",
        "<slot>" => "Slot number (even: input, odd: output)",
        "<file-to-upload>" => "Attachment file (.zip, .tar.gz or .tgz)",
        "<att-name>" => "Attachment name",
        "<policy-file>" => "Import policy file (read from stdin when omitted)",
        "<schema-name>" => "Schema name",
        "<schema-file>" => "Avro schema file (read from stdin when omitted)",
        "<data-file>" => "File of JSON records, one per line",
        "<filename>" => "Sample data file (JSON lines, or CSV with -format:csv)",
        "<snap-id>" => "Snapshot id (a unique prefix is enough)",
        "<stream-name>" => "Stream name",
        "<desc-file>" => "JSON descriptor file (read from stdin when omitted)",
        "<sensor-name>" => "Sensor name",
        "<tap-id>" => "Installed sensor id",
        "<engine-name>" => "Local engine name (engine-1, engine-2, …)",
        _ => "",
    }
}

/// Legacy spelling, GNU name, value name and description of each option.
pub fn opt_help(
    opt: Opt,
) -> (
    &'static str,
    &'static str,
    Option<&'static str>,
    &'static str,
) {
    match opt {
        O::Verbose => ("-v", "verbose", None, "be verbose"),
        O::Json => ("-json", "json", None, "output as JSON (handy for scripts)"),
        O::Type => (
            "-type:<model-type>",
            "type",
            Some("MODEL-TYPE"),
            "set model type (ignore file extension)",
        ),
        O::Count => (
            "-count:NNN",
            "count",
            Some("NNN"),
            "list no more than NNN items",
        ),
        O::Since => (
            "-since:DATETIME",
            "since",
            Some("DATETIME"),
            "show items created after DATETIME (iso8601)",
        ),
        O::Until => (
            "-until:DATETIME",
            "until",
            Some("DATETIME"),
            "show items created before DATETIME (iso8601)",
        ),
        O::Schema => (
            "-schema:<name>:<schema>",
            "schema",
            Some("NAME:SCHEMA"),
            "embed schema when loading a model",
        ),
        O::Edit => ("-e", "edit", None, "open item for editing"),
        O::Wait => ("-wait", "wait", None, "wait for operation to complete"),
        O::NoWait => (
            "-nowait",
            "nowait",
            None,
            "do not wait for data to become available",
        ),
        O::Preinstall => (
            "-preinstall",
            "preinstall",
            None,
            "preinstall all libraries",
        ),
        O::Continuous => ("-c", "continuous", None, "fetch outputs without exiting"),
        O::Username => (
            "-username:<name>",
            "username",
            Some("NAME"),
            "username (basicauth/ldap)",
        ),
        O::Password => (
            "-password:<secret>",
            "password",
            Some("SECRET"),
            "password (basicauth/ldap)",
        ),
        O::Format => (
            "-format:<jsons|csv>",
            "format",
            Some("FORMAT"),
            "sample data format for schema infer",
        ),
        O::Bind => (
            "-bind:<address>",
            "bind",
            Some("ADDRESS"),
            "address to listen on (default 127.0.0.1)",
        ),
        O::Port => (
            "-port:<number>",
            "port",
            Some("PORT"),
            "port to listen on (default 8003; 0 picks a free one)",
        ),
        O::NoToken => (
            "-no-token",
            "no-token",
            None,
            "take requests without the engine's token: anyone who can reach the address drives the engine",
        ),
        O::Insecure => (
            "-insecure",
            "insecure",
            None,
            "accept any TLS certificate of the fleet (self-signed ones too); saved in ~/.fastscore",
        ),
        O::CaCert => (
            "-cacert:<file>",
            "cacert",
            Some("FILE"),
            "trust the CA certificates in this PEM file for the fleet's TLS; saved in ~/.fastscore",
        ),
    }
}
