//! argv → command: the option pre-pass, word-pattern matching, dispatch, and how errors are
//! reported. Each command group lives in its own file.

pub mod args;
mod asset;
mod attachment;
mod editor;
mod engine;
mod fleet;
pub mod grammar;
pub mod help;
pub mod hint;
mod interact;
mod login;
mod model;
mod model_io;
mod monitor;
mod pneumo;
mod policy;
mod prompt;
pub mod render;
mod run;
mod schema;
mod sensor;
mod snapshot;
mod stats;
mod stream;
pub mod tree;
mod watch;

use crate::config::{self, Connection};
use crate::error::{io_error_text, mask_url_secrets, Cause, Error, Result};
use crate::fleet::engine_client::EngineClient;
use crate::fleet::http::{Client, Timeouts, Tls};
use crate::fleet::local::Local;
use crate::fleet::remote::Remote;
use crate::fleet::{Connect, ModelManage};
use args::Options;
use grammar::Command;
use render::Paint;
use std::cell::OnceCell;
use std::ffi::OsString;
use std::io::{IsTerminal, Read};

/// Exit status of a command that failed.
const EXIT_FAILURE: i32 = 1;
/// Exit status when the words match no command.
const EXIT_USAGE: i32 = 2;

pub const HINT: &str = "Use 'fastscore help' or 'fastscore help <command>'";

/// Run one invocation; returns the exit status.
pub fn main(argv: impl Iterator<Item = OsString>) -> i32 {
    // Die quietly on a closed pipe (`fastscore model list | head -1`), like other Unix tools.
    // SAFETY: restoring the default disposition of SIGPIPE has no preconditions.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
    let argv: Vec<String> = argv.map(|a| a.to_string_lossy().into_owned()).collect();
    let parsed = args::parse(argv);
    let err_paint = Paint::for_stderr();
    for line in &parsed.diagnostics {
        eprintln!("{line}");
    }
    let out = Paint::for_stdout();
    if parsed.opts.version {
        println!("fastscore {}", crate::VERSION);
        return 0;
    }
    if parsed.opts.help {
        print!("{}", help_for(&parsed.words, out));
        return 0;
    }
    let Some((row, command)) = grammar::find(&parsed.words) else {
        eprintln!("{HINT}");
        if let Some(hint) = hint::for_words(&parsed.words) {
            eprintln!("{hint}");
        }
        return EXIT_USAGE;
    };
    let mut ctx = Ctx::new(parsed.opts, out);
    // `-m`: after a connected command (not help, connect or monitor itself), monitor
    let monitor_after = ctx.opts.monitor
        && !matches!(
            row.words().first().copied(),
            None | Some("help" | "connect" | "monitor")
        );
    let done = run(&mut ctx, command)
        .and_then(|()| ctx.finish())
        .and_then(|()| {
            if monitor_after {
                monitor::monitor(&ctx)
            } else {
                Ok(())
            }
        });
    match done {
        Ok(()) => 0,
        Err(err) => {
            report(&err, &ctx.opts, err_paint);
            EXIT_FAILURE
        }
    }
}

/// `--help`: the original's summary for a group of commands, clap's help (arguments and
/// options) for one command, else the overview.
fn help_for(words: &[String], paint: Paint) -> String {
    match tree::render_help(words) {
        Some(_) if words.len() == 1 && tree::needs_subcommand(&words[0]) => {
            help::command(&words[0])
        }
        Some(text) => text,
        None => help::overview(paint),
    }
}

fn report(err: &Error, opts: &Options, paint: Paint) {
    // a password given inside the fleet's URL never shows
    let text = mask_url_secrets(&err.to_string()).into_owned();
    if err.cause_status() == Some(401) && !opts.json {
        eprintln!("{}", paint.fail("Authorization required"));
    } else if opts.json {
        let doc = serde_json::json!({ "error": text });
        eprintln!("{}", crate::json::pretty(&doc));
    } else {
        eprintln!("{}", paint.fail(&text));
        if let Some(hint) = err.hint() {
            eprintln!("{hint}");
        }
    }
}

fn run(ctx: &mut Ctx, command: Command) -> Result<()> {
    use Command as C;
    match command {
        C::HelpOverview {} => print!("{}", help::overview(ctx.out)),
        C::HelpOptions {} => print!("{}", help::options(ctx.out)),
        C::HelpCommand { command } => print!("{}", help::command(&command)),
        C::Connect { prefix } => fleet::connect(ctx, &prefix)?,
        C::Login { mode } => login::login(ctx, &mode)?,
        C::ConfigSet { file } => fleet::config_set(ctx, &file)?,
        C::ConfigShow {} => fleet::config_show(ctx)?,
        C::Fleet {} => fleet::fleet(ctx)?,
        C::FleetServe {} => fleet::serve(ctx)?,
        C::Dashboard {} => fleet::dashboard(ctx)?,
        C::Use {
            instance: Some(instance),
        } => fleet::use_instance(ctx, &instance)?,
        C::Use { instance: None } => fleet::show_target(ctx)?,
        C::Run {
            model,
            input,
            output,
        }
        | C::JobRun {
            model,
            input,
            output,
        } => run::run(ctx, &model, &input, &output)?,
        C::ModelAdd { model, file } => model::add(ctx, &model, file.as_deref())?,
        C::ModelShow { model } => model::show(ctx, &model)?,
        C::ModelList {} => model::list(ctx)?,
        C::ModelRemove { model } => model::remove(ctx, &model)?,
        C::ModelVerify { model } => model::verify(ctx, &model, false)?,
        C::ModelLoad { model, attachment } => model::load(ctx, &model, attachment.as_deref())?,
        C::ModelInspect {} => model::inspect(ctx)?,
        C::ModelUnload {} => model::unload(ctx)?,
        C::ModelScale { count } => model::scale(ctx, &count)?,
        C::ModelInput { slot } => model_io::input(ctx, slot.as_deref())?,
        C::ModelOutput { slot } => model_io::output(ctx, slot.as_deref())?,
        C::EnginePause {} => engine::post(ctx, "pause")?,
        C::EngineUnpause {} => engine::post(ctx, "unpause")?,
        C::EngineReset {} => engine::post(ctx, "reset")?,
        C::EngineInspect {} => engine::inspect(ctx)?,
        C::EngineServe { engine } => engine::serve(ctx, engine.as_deref())?,
        C::EngineStop { engine } => engine::stop(ctx, engine.as_deref())?,
        C::EnginePut { engine, file, name } => {
            engine::put(ctx, engine.as_deref(), &file, name.as_deref())?
        }
        C::AttachmentList { model } => attachment::list(ctx, &model)?,
        C::AttachmentUpload { model, file } => attachment::upload(ctx, &model, &file)?,
        C::AttachmentDownload { model, attachment } => {
            attachment::download(ctx, &model, &attachment)?
        }
        C::AttachmentRemove { model, attachment } => attachment::remove(ctx, &model, &attachment)?,
        C::PolicySet { file } => policy::set(ctx, file.as_deref())?,
        C::PolicyShow {} => policy::show(ctx)?,
        C::SchemaAdd { schema, file } => schema::add(ctx, &schema, file.as_deref())?,
        C::SchemaShow { schema } => schema::show(ctx, &schema)?,
        C::SchemaRemove { schema } => schema::remove(ctx, &schema)?,
        C::SchemaList {} => schema::list(ctx)?,
        C::SchemaVerify { schema, data } => schema::verify(ctx, &schema, data.as_deref())?,
        C::SchemaInfer { file } => schema::infer(ctx, &file)?,
        C::SnapshotList { model } => snapshot::list(ctx, &model)?,
        C::SnapshotShow { model, snapshot } => snapshot::show(ctx, &model, &snapshot)?,
        C::SnapshotRestore { model, snapshot } => {
            snapshot::restore(ctx, &model, snapshot.as_deref())?
        }
        C::SnapshotRemove { model, snapshot } => snapshot::remove(ctx, &model, &snapshot)?,
        C::StreamAdd { stream, file } => stream::add(ctx, &stream, file.as_deref())?,
        C::StreamShow { stream } => stream::show(ctx, &stream)?,
        C::StreamRemove { stream } => stream::remove(ctx, &stream)?,
        C::StreamList {} => stream::list(ctx)?,
        C::StreamInspect { slot } => stream::inspect(ctx, slot.as_deref())?,
        C::StreamVerify { stream, slot } => stream::verify(ctx, &stream, &slot)?,
        C::StreamAttach { stream, slot } => stream::attach(ctx, &stream, &slot)?,
        C::StreamDetach { slot } => stream::detach(ctx, &slot)?,
        C::StreamSample { stream } => stream::sample(ctx, &stream)?,
        C::SensorAdd { sensor, file } => sensor::add(ctx, &sensor, file.as_deref())?,
        C::SensorShow { sensor } => sensor::show(ctx, &sensor)?,
        C::SensorRemove { sensor } => sensor::remove(ctx, &sensor)?,
        C::SensorList {} => sensor::list(ctx)?,
        C::SensorInstall { sensor } => sensor::install(ctx, &sensor)?,
        C::SensorUninstall { tap } => sensor::uninstall(ctx, &tap)?,
        C::SensorInspect { tap } => sensor::inspect(ctx, tap.as_deref())?,
        C::SensorPoints {} => sensor::points(ctx)?,
        C::StatsMemory {} => stats::system(ctx, false)?,
        C::StatsCpu {} => stats::system(ctx, true)?,
        C::StatsJets {} => stats::jets(ctx)?,
        C::StatsStreams {} => stats::streams(ctx)?,
        C::DebugManifold {} => stats::debug(ctx, None)?,
        C::DebugStream { slot } => stats::debug(ctx, Some(&slot))?,
        C::ProfileStream { slot } => stats::profile(ctx, &slot)?,
        C::ModelInteract {} => interact::interact(ctx)?,
        C::Monitor {} => monitor::monitor(ctx)?,
        C::Pneumo {} => pneumo::watch(ctx)?,
        C::PneumoHistory {} => pneumo::history(ctx)?,
    }
    Ok(())
}

/// What a command works with: the options, the connection (read on first use) and the fleet.
pub struct Ctx {
    pub opts: Options,
    /// Colours for stdout.
    pub out: Paint,
    conn: OnceCell<Connection>,
    /// The connection file must be rewritten.
    dirty: bool,
    fleet: OnceCell<FleetConn>,
}

enum FleetConn {
    Local(Local),
    Remote(Remote),
}

impl Ctx {
    fn new(opts: Options, out: Paint) -> Ctx {
        Ctx {
            opts,
            out,
            conn: OnceCell::new(),
            dirty: false,
            fleet: OnceCell::new(),
        }
    }

    /// The connection: `~/.fastscore`, or the embedded fleet when there is none.
    pub fn connection(&self) -> Result<&Connection> {
        if let Some(conn) = self.conn.get() {
            return Ok(conn);
        }
        let conn = Connection::load()?.unwrap_or_else(|| Connection::new(config::EMBEDDED));
        Ok(self.conn.get_or_init(|| conn))
    }

    /// Replace the connection; it is saved when the command succeeds.
    pub fn set_connection(&mut self, conn: Connection) {
        self.conn = OnceCell::from(conn);
        self.fleet = OnceCell::new();
        self.dirty = true;
    }

    /// Change the connection; it is saved when the command succeeds.
    pub fn update_connection(&mut self, change: impl FnOnce(&mut Connection)) -> Result<()> {
        let mut conn = self.connection()?.clone();
        change(&mut conn);
        self.set_connection(conn);
        Ok(())
    }

    fn fleet(&self) -> Result<&FleetConn> {
        if let Some(fleet) = self.fleet.get() {
            return Ok(fleet);
        }
        let conn = self.connection()?;
        let timeouts = Timeouts::from_env()?;
        let fleet = if conn.is_embedded() {
            FleetConn::Local(Local::new(config::local_home()?, conn, timeouts))
        } else {
            FleetConn::Remote(Remote::new(conn, timeouts)?)
        };
        Ok(self.fleet.get_or_init(|| fleet))
    }

    pub fn connect(&self) -> Result<&dyn Connect> {
        Ok(match self.fleet()? {
            FleetConn::Local(local) => local,
            FleetConn::Remote(remote) => remote,
        })
    }

    pub fn model_manage(&self) -> Result<Box<dyn ModelManage>> {
        Ok(match self.fleet()? {
            FleetConn::Local(local) => Box::new(local.model_manage()),
            FleetConn::Remote(remote) => Box::new(remote.model_manage()?),
        })
    }

    /// The engine commands talk to (a local one is started on demand).
    pub fn engine(&self) -> Result<EngineClient> {
        self.engine_reviving(false)
    }

    /// As `engine`, but a local engine that died is replaced by a fresh one.
    pub fn engine_reviving(&self, revive: bool) -> Result<EngineClient> {
        match self.fleet()? {
            FleetConn::Local(local) => local.engine(revive),
            FleetConn::Remote(remote) => remote.engine(),
        }
    }

    /// The engine `name` (a local one is started on demand), else the one commands use.
    pub fn engine_named(&self, name: Option<&str>) -> Result<EngineClient> {
        let Some(name) = name else {
            return self.engine();
        };
        match self.fleet()? {
            FleetConn::Local(_) if !crate::fleet::local::is_engine_name(name) => {
                Err(Error::new(format!("Instance '{name}' not found")))
            }
            FleetConn::Local(local) => local.engine_named(name, false),
            FleetConn::Remote(remote) => remote.instance(name),
        }
    }

    /// The instance chosen with `use` (spec/cli.md §6.4), for the sensor commands; `missing`
    /// is the error when there is none.
    pub fn target(&self, missing: &str) -> Result<EngineClient> {
        let Some(name) = self.connection()?.target_name.clone() else {
            return Err(Error::new(missing));
        };
        match self.fleet()? {
            FleetConn::Remote(remote) => remote.instance(&name),
            FleetConn::Local(local) => match local.get(&name)?.api.as_str() {
                "engine" => local.engine_named(&name, false),
                _ => Err(Error::new(format!(
                    "'{name}' of the embedded fleet has no sensors; they run in its engines (fastscore use engine-1)"
                ))),
            },
        }
    }

    /// A client for the URLs of a remote fleet's login (its TLS settings, its time limits).
    pub fn web_client(&self) -> Result<Client> {
        Client::remote(
            &Tls::for_connection(self.connection()?),
            Timeouts::from_env()?,
        )
    }

    /// The remote fleet, when one is connected.
    pub fn remote(&self) -> Result<Option<&Remote>> {
        Ok(match self.fleet()? {
            FleetConn::Local(_) => None,
            FleetConn::Remote(remote) => Some(remote),
        })
    }

    /// The embedded fleet, when no remote fleet is connected.
    pub fn local(&self) -> Result<Option<&Local>> {
        Ok(match self.fleet()? {
            FleetConn::Local(local) => Some(local),
            FleetConn::Remote(_) => None,
        })
    }

    fn finish(&mut self) -> Result<()> {
        if self.dirty {
            if let Some(conn) = self.conn.get() {
                conn.save()?;
            }
        }
        Ok(())
    }

    /// Print `text` (plus a newline) when `-v` was given.
    pub fn verbose(&self, text: &str) {
        if self.opts.verbose {
            println!("{}", mask_url_secrets(text));
        }
    }
}

/// The text of `file`, or all of stdin when there is no file.
pub fn read_input(file: Option<&str>) -> std::result::Result<String, Cause> {
    let mut text = String::new();
    let result = match file {
        Some(path) => std::fs::File::open(path).and_then(|mut f| f.read_to_string(&mut text)),
        None => {
            let stdin = std::io::stdin();
            if stdin.is_terminal() {
                // nothing was piped in: say what is awaited instead of waiting in silence
                eprintln!(
                    "Reading the text from the terminal: type or paste it, then Ctrl-D on a line of its own (or give a file name after the name)"
                );
            }
            stdin.lock().read_to_string(&mut text)
        }
    };
    result.map_err(|e| Cause::Text(io_error_text(file.unwrap_or("<stdin>"), &e)))?;
    Ok(text)
}
