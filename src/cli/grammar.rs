//! The command table: every word pattern the original accepts (spec/cli.md §3.3), in matching
//! order, plus this tool's own additions. Each row is one command: its typed value (a variant
//! of `Command` with named fields), its one-line description, its options and its patterns.
//! Matching, help texts, `--help`, completions and man pages are all derived from it, and a
//! check at compile time makes sure every placeholder of a row's patterns is one of its fields.

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
    Http,
    Cert,
    Key,
    Users,
    Engines,
    Fleet,
}

/// One command of the table.
pub struct Row {
    pub about: &'static str,
    /// More about the command, printed after its options by `--help`.
    pub more: Option<&'static str>,
    pub opts: &'static [Opt],
    /// Patterns listed by `fastscore help <cmd>` (the original's), in matching order; `<…>` is
    /// a placeholder that takes any word.
    pub listed: &'static [&'static str],
    /// Patterns matched but not listed (this tool's additions, `job run`).
    pub unlisted: &'static [&'static str],
    build: fn(&Values) -> Command,
}

/// The words a pattern's placeholders took: (placeholder, word).
type Values = [(&'static str, String)];

/// A field of a command: a word every pattern of the row has, or one only some have.
trait Field {
    const REQUIRED: bool;
    fn take(values: &Values, placeholder: &str) -> Self;
}

impl Field for String {
    const REQUIRED: bool = true;
    fn take(values: &Values, placeholder: &str) -> Self {
        // `check_row` proved at compile time that every pattern of the row has it
        <Option<String> as Field>::take(values, placeholder).unwrap_or_default()
    }
}

impl Field for Option<String> {
    const REQUIRED: bool = false;
    fn take(values: &Values, placeholder: &str) -> Self {
        values
            .iter()
            .find(|(p, _)| *p == placeholder)
            .map(|(_, word)| word.clone())
    }
}

macro_rules! commands {
    ($(
        $variant:ident { $($field:ident: $ty:ty = $placeholder:literal),* $(,)? }
        about: $about:literal,
        $(more: $more:expr,)?
        opts: $opts:expr,
        listed: [$($listed:literal),* $(,)?]
        $(, unlisted: [$($unlisted:literal),* $(,)?])?;
    )*) => {
        /// A matched command line: one variant per row of the table.
        #[derive(Clone, Debug, PartialEq, Eq)]
        pub enum Command {
            $($variant { $($field: $ty),* },)*
        }

        pub const ROWS: &[Row] = &[$(
            Row {
                about: $about,
                more: commands!(@more $($more)?),
                opts: $opts,
                listed: &[$($listed),*],
                unlisted: &[$($($unlisted),*)?],
                build: |values| {
                    let _ = values;
                    Command::$variant { $($field: <$ty as Field>::take(values, $placeholder)),* }
                },
            },
        )*];

        $(
            const _: () = check_row(
                &[$($listed,)* $($($unlisted,)*)?],
                &[$(($placeholder, <$ty as Field>::REQUIRED)),*],
            );
        )*
    };
    (@more) => { None };
    (@more $more:expr) => { Some($more) };
}

use Opt as O;

const V: &[Opt] = &[O::Verbose];
const J: &[Opt] = &[O::Json];
const VJ: &[Opt] = &[O::Verbose, O::Json];
const EV: &[Opt] = &[O::Edit, O::Verbose];
const NONE: &[Opt] = &[];
const RUN: &[Opt] = &[O::Verbose, O::Wait, O::Schema, O::Json];
const SERVE: &[Opt] = &[O::Bind, O::Port, O::NoToken, O::Fleet];
const POLICY: &[Opt] = &[O::Type, O::Preinstall, O::Verbose];
const OUTPUT: &[Opt] = &[O::NoWait, O::Continuous];
const FLEET_SERVE: &[Opt] = &[
    O::Bind,
    O::Port,
    O::Http,
    O::Cert,
    O::Key,
    O::Users,
    O::Engines,
];

const FLEET_SERVE_MORE: &str =
    "One listener serves the layout of a FastScore fleet's proxy, /api/1/service/<instance>/…: \
     Connect (connect), Model Manage (model-manage-1) on the same store the CLI uses, the \
     local engines engine-1 … engine-<n> (--engines, default 1) and those of its data \
     directory started before, started on demand, and the engines that joined from \
     elsewhere (`engine serve --fleet <url>`); any other instance is not found. The original FastScore CLI and SDK, and this CLI, connect to it:\n\
     \n    fastscore connect https://127.0.0.1:8000 -cacert:<data directory>/fleet/cert.pem\n\n\
     HTTPS by default, with a self-signed certificate made on first start and kept in \
     <data directory>/fleet/ (mode 0600), or --cert and --key; --http serves plain HTTP. \
     It answers only its owner, whose token is kept in <data directory>/fleet/token (mode \
     0600, made on first start): this CLI, run with the same data directory, sends it \
     itself; other clients (the original CLI and SDK, curl) connect to \
     https://127.0.0.1:8000/token/<token> or send 'Authorization: Bearer <token>'; \
     `fastscore dashboard` prints the page's address with it. A URL with the token on a \
     command line shows in the process list: give it to `engine serve` as CONNECT_PREFIX. \
     Without --users it listens on loopback only; with --users <file> (lines name:password) the users may call it too, \
     with HTTP Basic credentials or the session cookie of a POST /1/login, and it may listen \
     on any address. Failed logins slow down (per user at an address, and per address) and \
     are logged without the password. The first line on stdout is the URL it serves at.";

const ENGINE_SERVE_MORE: &str =
    "Every request must carry the engine's token, made afresh each time the engine starts:\n\
     \n    Authorization: Bearer <token>\n\n\
     The token is the \"token\" field of engines/<engine-name>/engine.json in the data \
     directory ($FASTSCORE_HOME, else $XDG_DATA_HOME/fastscore, else \
     ~/.local/share/fastscore); the file is readable by its owner only. For example:\n\
     \n    curl -H \"Authorization: Bearer $(jq -r .token ~/.local/share/fastscore/engines/engine-1/engine.json)\" \
     http://127.0.0.1:8003/1/health\n\n\
     A request without it is answered 401. The fastscore commands pass it themselves. \
     With --no-token the engine takes requests from anyone who can reach its address.\n\n\
     With --fleet <url> (or $CONNECT_PREFIX) the engine joins a fleet served by `fastscore \
     fleet serve`: it registers its address and token there every few seconds, is listed by \
     `fastscore fleet` and driven through the fleet, and takes the schemas and attachments \
     a load names from the fleet's Model Manage. The fleet's credentials and TLS settings \
     come from ~/.fastscore when it is connected to that URL (else FASTSCORE_CA_FILE, \
     FASTSCORE_INSECURE). Listen on an address the fleet can reach (--bind).";

const ENGINE_PUT_MORE: &str = "The file goes into the engine's file directory (for a local engine \
     <data directory>/engines/<engine-name>/files/), under <file-name> or its own name; -v \
     prints its path there, which a file stream's Path names:\n\
     \n    fastscore engine put in.jsons -v\n    \
     fastscore run <model-name> file:<that path> rest:\n\n\
     With two words the first is the engine when it is an engine name (engine-1, …) and \
     no such local file exists. This command is ours, after the later Go CLI's `engine put`, \
     which copies into the engine container's /tmp; the engine takes the file with \
     PUT /1/file/<file-name> (one path segment, at most FASTSCORE_MAX_REQUEST_MB).";

commands! {
    HelpOverview {}
        about: "Explain commands and options",
        opts: NONE,
        listed: ["help", ""];
    HelpOptions {}
        about: "Explain the options",
        opts: NONE,
        listed: ["help options"];
    HelpCommand { command: String = "<cmd>" }
        about: "Explain a command",
        opts: NONE,
        listed: ["help <cmd>"];
    Connect { prefix: String = "<proxy-prefix>" }
        about: "Connect to a FastScore fleet ('embedded' for the one on this machine)",
        opts: &[O::Verbose, O::NoWait, O::Insecure, O::CaCert],
        listed: ["connect <proxy-prefix>"];
    Login { mode: String = "<oauth2/ldap/basicauth/sessioncookie>" }
        about: "Authenticate the connection (basicauth, ldap, oauth2, sessioncookie)",
        opts: &[O::Verbose, O::Username, O::Password],
        listed: ["login <oauth2/ldap/basicauth/sessioncookie>"];
    ConfigSet { file: String = "<config-file>" }
        about: "Set the fleet configuration from a YAML file",
        opts: V,
        listed: ["config set <config-file>"];
    ConfigShow {}
        about: "Show the fleet configuration",
        opts: NONE,
        listed: ["config show"];
    Fleet {}
        about: "List the fleet's instances and their health",
        opts: &[O::Verbose, O::Json, O::Wait],
        listed: ["fleet"];
    FleetServe {}
        about: "Serve a FastScore fleet: Connect, Model Manage and the engines behind one HTTPS endpoint",
        more: FLEET_SERVE_MORE,
        opts: FLEET_SERVE,
        listed: [],
        unlisted: ["fleet serve"];
    Dashboard {}
        about: "Open the fleet's dashboard: print the address of its page (serving the embedded fleet on loopback if needed)",
        opts: NONE,
        listed: [],
        unlisted: ["dashboard"];
    Use { instance: Option<String> = "<instance-name>" }
        about: "Select the target instance, or show it",
        opts: V,
        listed: ["use <instance-name>", "use"];
    Run { model: String = "<model-name>", input: String = "<stream0>", output: String = "<stream1>" }
        about: "Verify and load a model, attach its input and output streams",
        opts: RUN,
        listed: ["run <model-name> <stream0> <stream1>"];
    JobRun { model: String = "<model-name>", input: String = "<stream0>", output: String = "<stream1>" }
        about: "Same as run",
        opts: RUN,
        listed: [],
        unlisted: ["job run <model-name> <stream0> <stream1>"];
    ModelAdd { model: String = "<model-name>", file: Option<String> = "<src-file>" }
        about: "Add or replace a model (source from a file or stdin)",
        opts: &[O::Type, O::Verbose],
        listed: ["model add <model-name> <src-file>", "model add <model-name>"];
    ModelShow { model: String = "<model-name>" }
        about: "Print a model's source",
        opts: EV,
        listed: ["model show <model-name>"];
    ModelList {}
        about: "List models",
        opts: J,
        listed: ["model list"];
    ModelRemove { model: String = "<model-name>" }
        about: "Remove a model and its attachments",
        opts: V,
        listed: ["model remove <model-name>"];
    ModelVerify { model: String = "<model-name>" }
        about: "Check that the engine accepts a model",
        opts: &[O::Verbose, O::Json, O::Schema],
        listed: ["model verify <model-name>"];
    ModelLoad { model: String = "<model-name>", attachment: Option<String> = "<attachment>" }
        about: "Load a model into the engine",
        opts: &[O::Verbose, O::Schema],
        listed: ["model load <model-name>", "model load <model-name> <attachment>"];
    ModelInspect {}
        about: "Show the model loaded in the engine",
        opts: VJ,
        listed: ["model inspect"];
    ModelUnload {}
        about: "Unload the engine's model",
        opts: V,
        listed: ["model unload"];
    ModelScale { count: String = "<count>" }
        about: "Set the number of model instances (jets)",
        opts: V,
        listed: ["model scale <count>"];
    ModelInput { slot: Option<String> = "<slot>" }
        about: "Send records from stdin to an input slot (REST stream)",
        opts: NONE,
        listed: ["model input", "model input <slot>"];
    ModelOutput { slot: Option<String> = "<slot>" }
        about: "Print records from an output slot (REST stream)",
        opts: OUTPUT,
        listed: ["model output", "model output <slot>"];
    ModelInteract {}
        about: "Send records and see outputs interactively",
        opts: NONE,
        listed: ["model interact"];
    AttachmentList { model: String = "<model-name>" }
        about: "List a model's attachments",
        opts: V,
        listed: ["attachment list <model-name>"];
    AttachmentUpload { model: String = "<model-name>", file: String = "<file-to-upload>" }
        about: "Upload an attachment (.zip, .tar.gz, .tgz)",
        opts: V,
        listed: ["attachment upload <model-name> <file-to-upload>"];
    AttachmentDownload { model: String = "<model-name>", attachment: String = "<att-name>" }
        about: "Download an attachment into the current directory",
        opts: V,
        listed: ["attachment download <model-name> <att-name>"];
    AttachmentRemove { model: String = "<model-name>", attachment: String = "<att-name>" }
        about: "Remove an attachment",
        opts: V,
        listed: ["attachment remove <model-name> <att-name>"];
    PolicySet { file: Option<String> = "<policy-file>" }
        about: "Set the import policy for a model type",
        opts: POLICY,
        listed: ["policy set <policy-file>", "policy set"];
    PolicyShow {}
        about: "Show the import policy for a model type",
        opts: &[O::Type],
        listed: ["policy show"];
    SchemaAdd { schema: String = "<schema-name>", file: Option<String> = "<schema-file>" }
        about: "Add or replace an Avro schema (from a file or stdin)",
        opts: V,
        listed: ["schema add <schema-name> <schema-file>", "schema add <schema-name>"];
    SchemaShow { schema: String = "<schema-name>" }
        about: "Print a schema",
        opts: EV,
        listed: ["schema show <schema-name>"];
    SchemaRemove { schema: String = "<schema-name>" }
        about: "Remove a schema",
        opts: V,
        listed: ["schema remove <schema-name>"];
    SchemaList {}
        about: "List schemas",
        opts: V,
        listed: ["schema list"];
    SchemaVerify { schema: String = "<schema-name>", data: Option<String> = "<data-file>" }
        about: "Check a schema, and each record of a JSON-lines file against it",
        opts: V,
        listed: ["schema verify <schema-name>", "schema verify <schema-name> <data-file>"];
    SchemaInfer { file: String = "<filename>" }
        about: "Infer an Avro schema from sample records",
        opts: &[O::Format],
        listed: ["schema infer <filename>"];
    SnapshotList { model: String = "<model-name>" }
        about: "List a model's snapshots",
        opts: &[O::Verbose, O::Count, O::Since, O::Until],
        listed: ["snapshot list <model-name>"];
    SnapshotShow { model: String = "<model-name>", snapshot: String = "<snap-id>" }
        about: "Show a snapshot's metadata",
        opts: J,
        listed: ["snapshot show <model-name> <snap-id>"];
    SnapshotRestore { model: String = "<model-name>", snapshot: Option<String> = "<snap-id>" }
        about: "Restore the engine's model state from a snapshot",
        opts: V,
        listed: ["snapshot restore <model-name>", "snapshot restore <model-name> <snap-id>"];
    SnapshotRemove { model: String = "<model-name>", snapshot: String = "<snap-id>" }
        about: "Remove a snapshot",
        opts: V,
        listed: ["snapshot remove <model-name> <snap-id>"];
    StreamAdd { stream: String = "<stream-name>", file: Option<String> = "<desc-file>" }
        about: "Add or replace a stream descriptor (from a file or stdin)",
        opts: V,
        listed: ["stream add <stream-name> <desc-file>", "stream add <stream-name>"];
    StreamShow { stream: String = "<stream>" }
        about: "Print a stream descriptor (secrets masked)",
        opts: EV,
        listed: ["stream show <stream>"];
    StreamRemove { stream: String = "<stream-name>" }
        about: "Remove a stream descriptor",
        opts: V,
        listed: ["stream remove <stream-name>"];
    StreamList {}
        about: "List stream descriptors",
        opts: J,
        listed: ["stream list"];
    StreamInspect { slot: Option<String> = "<slot>" }
        about: "Show the streams attached to the engine",
        opts: J,
        listed: ["stream inspect <slot>", "stream inspect"];
    StreamVerify { stream: String = "<stream>", slot: String = "<slot>" }
        about: "Check that the engine accepts a stream for a slot",
        opts: V,
        listed: ["stream verify <stream> <slot>"];
    StreamAttach { stream: String = "<stream>", slot: String = "<slot>" }
        about: "Attach a stream to a slot",
        opts: V,
        listed: ["stream attach <stream> <slot>"];
    StreamDetach { slot: String = "<slot>" }
        about: "Detach the stream of a slot",
        opts: V,
        listed: ["stream detach <slot>"];
    StreamSample { stream: String = "<stream>" }
        about: "Print sample records read from a stream",
        opts: &[O::Count],
        listed: ["stream sample <stream>"];
    EnginePause {}
        about: "Pause data processing",
        opts: V,
        listed: ["engine pause"];
    EngineUnpause {}
        about: "Resume data processing",
        opts: V,
        listed: ["engine unpause"];
    EngineInspect {}
        about: "Show the engine state",
        opts: VJ,
        listed: ["engine inspect"];
    EngineReset {}
        about: "Reset the engine: unload the model, detach all streams",
        opts: V,
        listed: ["engine reset"];
    EngineServe { engine: Option<String> = "<engine-name>" }
        about: "Run a local engine in the foreground, serving the FastScore Engine REST API",
        more: ENGINE_SERVE_MORE,
        opts: SERVE,
        listed: [],
        unlisted: ["engine serve", "engine serve <engine-name>"];
    EngineStop { engine: Option<String> = "<engine-name>" }
        about: "Stop local engines (all of them without a name)",
        opts: V,
        listed: [],
        unlisted: ["engine stop", "engine stop <engine-name>"];
    EnginePut { engine: Option<String> = "<engine-name>", file: String = "<local-file>", name: Option<String> = "<file-name>" }
        about: "Copy a local file into the engine, where a file stream reads it",
        more: ENGINE_PUT_MORE,
        opts: V,
        listed: [],
        unlisted: [
            "engine put <local-file>",
            "engine put <local-file> <file-name>",
            "engine put <engine-name> <local-file> <file-name>",
        ];
    SensorAdd { sensor: String = "<sensor-name>", file: Option<String> = "<desc-file>" }
        about: "Add or replace a sensor descriptor (from a file or stdin)",
        opts: V,
        listed: ["sensor add <sensor-name> <desc-file>", "sensor add <sensor-name>"];
    SensorShow { sensor: String = "<sensor-name>" }
        about: "Print a sensor descriptor",
        opts: EV,
        listed: ["sensor show <sensor-name>"];
    SensorRemove { sensor: String = "<sensor-name>" }
        about: "Remove a sensor descriptor",
        opts: V,
        listed: ["sensor remove <sensor-name>"];
    SensorList {}
        about: "List sensor descriptors",
        opts: J,
        listed: ["sensor list"];
    SensorInstall { sensor: String = "<sensor-name>" }
        about: "Install a sensor on the target instance",
        opts: V,
        listed: ["sensor install <sensor-name>"];
    SensorUninstall { tap: String = "<tap-id>" }
        about: "Uninstall a sensor from the target instance",
        opts: V,
        listed: ["sensor uninstall <tap-id>"];
    SensorInspect { tap: Option<String> = "<tap-id>" }
        about: "Show the sensors installed on the target instance",
        opts: VJ,
        listed: ["sensor inspect <tap-id>", "sensor inspect"];
    SensorPoints {}
        about: "List the tapping points of the target instance",
        opts: VJ,
        listed: ["sensor points"];
    StatsMemory {}
        about: "Watch the target's memory use",
        opts: NONE,
        listed: ["stats memory"];
    StatsCpu {}
        about: "Watch the target's CPU use",
        opts: NONE,
        listed: ["stats cpu-utilization"];
    StatsJets {}
        about: "Watch the records per second of each jet",
        opts: NONE,
        listed: ["stats jets"];
    StatsStreams {}
        about: "Watch the records per second of each slot",
        opts: NONE,
        listed: ["stats streams"];
    DebugManifold {}
        about: "Watch the engine's debugging messages",
        opts: NONE,
        listed: ["debug manifold"];
    DebugStream { slot: String = "<slot>" }
        about: "Watch a slot's debugging messages",
        opts: NONE,
        listed: ["debug stream <slot>"];
    ProfileStream { slot: String = "<slot>" }
        about: "Profile a slot's record processing",
        opts: VJ,
        listed: ["profile stream <slot>"];
    Pneumo {}
        about: "Watch Pneumo messages",
        opts: NONE,
        listed: ["pneumo"];
    PneumoHistory {}
        about: "Print recent Pneumo messages",
        opts: J,
        listed: ["pneumo history"];
    Monitor {}
        about: "Monitor data processing",
        opts: NONE,
        listed: ["monitor"];
}

/// The command groups of `fastscore help` (name, description), in the original's order.
pub const GROUPS: &[(&str, &str)] = &[
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

impl Row {
    /// Every pattern, in matching order.
    pub fn patterns(&self) -> impl Iterator<Item = &'static str> {
        self.listed.iter().chain(self.unlisted).copied()
    }

    /// The literal words that name the command (`model`, `add`).
    pub fn words(&self) -> Vec<&'static str> {
        let first = self.patterns().find(|p| !p.is_empty()).unwrap_or("");
        first
            .split_whitespace()
            .take_while(|t| !is_placeholder(t))
            .collect()
    }

    /// The command `words` spell with this pattern, if they match it exactly.
    fn matches(&self, pattern: &'static str, words: &[String]) -> Option<Command> {
        let tokens: Vec<&'static str> = pattern.split_whitespace().collect();
        if tokens.len() != words.len() {
            return None;
        }
        let mut values = Vec::new();
        for (token, word) in tokens.into_iter().zip(words) {
            if is_placeholder(token) {
                values.push((token, word.clone()));
            } else if token != word {
                return None;
            }
        }
        Some((self.build)(&values))
    }
}

pub fn is_placeholder(token: &str) -> bool {
    token.starts_with('<') && token.ends_with('>')
}

/// The first pattern matching `words`: the command's row and its typed value.
pub fn find(words: &[String]) -> Option<(&'static Row, Command)> {
    ROWS.iter().find_map(|row| {
        row.patterns()
            .find_map(|pattern| row.matches(pattern, words))
            .map(|command| (row, command))
    })
}

/// Compile-time proof that a row's patterns and fields agree: every placeholder of a pattern
/// is a field, every required field is in every pattern, every optional one in some pattern.
const fn check_row(patterns: &[&str], fields: &[(&str, bool)]) {
    let mut p = 0;
    while p < patterns.len() {
        let bytes = patterns[p].as_bytes();
        let mut i = 0;
        while i < bytes.len() {
            let at_token = i == 0 || bytes[i - 1] == b' ';
            if at_token && bytes[i] == b'<' {
                let mut known = false;
                let mut f = 0;
                while f < fields.len() {
                    known |= token_at(bytes, i, fields[f].0.as_bytes());
                    f += 1;
                }
                assert!(
                    known,
                    "a placeholder of a pattern is not a field of its command"
                );
            }
            i += 1;
        }
        p += 1;
    }
    let mut f = 0;
    while f < fields.len() {
        let (placeholder, required) = fields[f];
        let mut found = 0;
        let mut p = 0;
        while p < patterns.len() {
            if has_token(patterns[p].as_bytes(), placeholder.as_bytes()) {
                found += 1;
            }
            p += 1;
        }
        assert!(found > 0, "a field of a command is in none of its patterns");
        assert!(
            !required || found == patterns.len(),
            "a required field of a command is missing from one of its patterns"
        );
        f += 1;
    }
}

/// Whether `token` is a whole word of `pattern`.
const fn has_token(pattern: &[u8], token: &[u8]) -> bool {
    let mut i = 0;
    while i < pattern.len() {
        if (i == 0 || pattern[i - 1] == b' ') && token_at(pattern, i, token) {
            return true;
        }
        i += 1;
    }
    false
}

/// Whether the word of `pattern` starting at `at` is `token`.
const fn token_at(pattern: &[u8], at: usize, token: &[u8]) -> bool {
    if at + token.len() > pattern.len() {
        return false;
    }
    let mut k = 0;
    while k < token.len() {
        if pattern[at + k] != token[k] {
            return false;
        }
        k += 1;
    }
    at + token.len() == pattern.len() || pattern[at + token.len()] == b' '
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
        "<local-file>" => "A file on this machine",
        "<file-name>" => "The file's name in the engine (the local file's name by default)",
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
            "port to listen on (engine serve: 8003, fleet serve: 8000; 0 picks a free one)",
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
        O::Http => (
            "-http",
            "http",
            None,
            "serve plain HTTP instead of HTTPS",
        ),
        O::Cert => (
            "-cert:<file>",
            "cert",
            Some("FILE"),
            "the server's certificate chain (PEM) for HTTPS, with --key",
        ),
        O::Key => (
            "-key:<file>",
            "key",
            Some("FILE"),
            "the private key (PEM) of --cert",
        ),
        O::Fleet => (
            "-fleet:<url>",
            "fleet",
            Some("URL"),
            "join the fleet at this URL (also $CONNECT_PREFIX): register there, take schemas and attachments from its Model Manage",
        ),
        O::Users => (
            "-users:<file>",
            "users",
            Some("FILE"),
            "the fleet's users, one name:password per line; requests must authenticate",
        ),
        O::Engines => (
            "-engines:<n>",
            "engines",
            Some("N"),
            "the local engines the fleet serves: engine-1 … engine-<n> (default 1); engines elsewhere join with `engine serve --fleet`",
        ),
        O::CaCert => (
            "-cacert:<file>",
            "cacert",
            Some("FILE"),
            "trust the CA certificates in this PEM file for the fleet's TLS; saved in ~/.fastscore",
        ),
    }
}
