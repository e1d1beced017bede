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
mod login;
mod model;
mod model_io;
mod policy;
mod prompt;
pub mod render;
mod run;
mod schema;
mod sensor;
mod snapshot;
mod stream;
pub mod tree;

use crate::config::{self, Connection};
use crate::error::{io_error_text, Cause, Error, Result};
use crate::fleet::engine_client::EngineClient;
use crate::fleet::http::{Client, Timeouts, Tls};
use crate::fleet::local::Local;
use crate::fleet::remote::Remote;
use crate::fleet::{Connect, ModelManage};
use args::Options;
use grammar::Action;
use render::Paint;
use std::cell::OnceCell;
use std::ffi::OsString;
use std::io::Read;

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
    if parsed.opts.monitor {
        eprintln!("Option '-m' ignored (monitoring is not supported yet)");
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
    let Some((pattern, values)) = grammar::find(&parsed.words) else {
        eprintln!("{HINT}");
        return EXIT_USAGE;
    };
    let mut ctx = Ctx::new(parsed.opts, out);
    match run(&mut ctx, pattern, &values).and_then(|()| ctx.finish()) {
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
        Some(_) if words.len() == 1 && tree::has_subcommands(&words[0]) => help::command(&words[0]),
        Some(text) => text,
        None => help::overview(paint),
    }
}

fn report(err: &Error, opts: &Options, paint: Paint) {
    if err.cause_status() == Some(401) && !opts.json {
        eprintln!("{}", paint.fail("Authorization required"));
    } else if opts.json {
        let doc = serde_json::json!({ "error": err.to_string() });
        eprintln!("{}", crate::json::pretty(&doc));
    } else {
        eprintln!("{}", paint.fail(&err.to_string()));
    }
}

fn run(ctx: &mut Ctx, pattern: &grammar::Pattern, a: &[String]) -> Result<()> {
    use Action as A;
    let arg = |i: usize| a.get(i).map(String::as_str);
    match pattern.action {
        A::HelpOverview => print!("{}", help::overview(ctx.out)),
        A::HelpOptions => print!("{}", help::options(ctx.out)),
        A::HelpCommand => print!("{}", help::command(&a[0])),
        A::Connect => fleet::connect(ctx, &a[0])?,
        A::Login => login::login(ctx, &a[0])?,
        A::ConfigSet => fleet::config_set(ctx, &a[0])?,
        A::ConfigShow => fleet::config_show(ctx)?,
        A::Fleet => fleet::fleet(ctx)?,
        A::UseSet => fleet::use_instance(ctx, &a[0])?,
        A::UseShow => fleet::show_target(ctx)?,
        A::ModelAdd => model::add(ctx, &a[0], arg(1))?,
        A::ModelShow => model::show(ctx, &a[0])?,
        A::ModelList => model::list(ctx)?,
        A::ModelRemove => model::remove(ctx, &a[0])?,
        A::ModelVerify => model::verify(ctx, &a[0], false)?,
        A::ModelLoad => model::load(ctx, &a[0], arg(1))?,
        A::ModelInspect => model::inspect(ctx)?,
        A::ModelUnload => model::unload(ctx)?,
        A::ModelScale => model::scale(ctx, &a[0])?,
        A::ModelInput => model_io::input(ctx, arg(0))?,
        A::ModelOutput => model_io::output(ctx, arg(0))?,
        A::Run => run::run(ctx, &a[0], &a[1], &a[2])?,
        A::EnginePause => engine::post(ctx, "pause")?,
        A::EngineUnpause => engine::post(ctx, "unpause")?,
        A::EngineReset => engine::post(ctx, "reset")?,
        A::EngineInspect => engine::inspect(ctx)?,
        A::EngineServe => engine::serve(ctx, arg(0))?,
        A::EngineStop => engine::stop(ctx, arg(0))?,
        A::AttachmentList => attachment::list(ctx, &a[0])?,
        A::AttachmentUpload => attachment::upload(ctx, &a[0], &a[1])?,
        A::AttachmentDownload => attachment::download(ctx, &a[0], &a[1])?,
        A::AttachmentRemove => attachment::remove(ctx, &a[0], &a[1])?,
        A::PolicySet => policy::set(ctx, arg(0))?,
        A::PolicyShow => policy::show(ctx)?,
        A::SchemaAdd => schema::add(ctx, &a[0], arg(1))?,
        A::SchemaShow => schema::show(ctx, &a[0])?,
        A::SchemaRemove => schema::remove(ctx, &a[0])?,
        A::SchemaList => schema::list(ctx)?,
        A::SchemaVerify => schema::verify(ctx, &a[0], arg(1))?,
        A::SchemaInfer => schema::infer(ctx, &a[0])?,
        A::SnapshotList => snapshot::list(ctx, &a[0])?,
        A::SnapshotShow => snapshot::show(ctx, &a[0], &a[1])?,
        A::SnapshotRestore => snapshot::restore(ctx, &a[0], arg(1))?,
        A::SnapshotRemove => snapshot::remove(ctx, &a[0], &a[1])?,
        A::StreamAdd => stream::add(ctx, &a[0], arg(1))?,
        A::StreamShow => stream::show(ctx, &a[0])?,
        A::StreamRemove => stream::remove(ctx, &a[0])?,
        A::StreamList => stream::list(ctx)?,
        A::StreamInspect => stream::inspect(ctx, arg(0))?,
        A::StreamVerify => stream::verify(ctx, &a[0], &a[1])?,
        A::StreamAttach => stream::attach(ctx, &a[0], &a[1])?,
        A::StreamDetach => stream::detach(ctx, &a[0])?,
        A::StreamSample => stream::sample(ctx, &a[0])?,
        A::SensorAdd => sensor::add(ctx, &a[0], arg(1))?,
        A::SensorShow => sensor::show(ctx, &a[0])?,
        A::SensorRemove => sensor::remove(ctx, &a[0])?,
        A::SensorList => sensor::list(ctx)?,
        _ => return Err(unsupported(pattern)),
    }
    Ok(())
}

/// Commands that live on sensors and Pneumo messages, which this tool does not have yet.
fn unsupported(pattern: &grammar::Pattern) -> Error {
    let words: Vec<&str> = pattern
        .tokens()
        .take_while(|t| !grammar::is_placeholder(t))
        .collect();
    Error::new(format!(
        "'fastscore {}' is not supported yet: it needs sensors and Pneumo messages",
        words.join(" ")
    ))
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

    /// A client for the URLs of a remote fleet's login (its TLS settings, its time limits).
    pub fn web_client(&self) -> Result<Client> {
        Client::remote(
            &Tls::for_connection(self.connection()?),
            Timeouts::from_env()?,
        )
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
            println!("{text}");
        }
    }
}

/// The text of `file`, or all of stdin when there is no file.
pub fn read_input(file: Option<&str>) -> std::result::Result<String, Cause> {
    let mut text = String::new();
    let result = match file {
        Some(path) => std::fs::File::open(path).and_then(|mut f| f.read_to_string(&mut text)),
        None => std::io::stdin().read_to_string(&mut text),
    };
    result.map_err(|e| Cause::Text(io_error_text(file.unwrap_or("<stdin>"), &e)))?;
    Ok(text)
}
