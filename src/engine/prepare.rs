//! Preparing a model for loading (spec/engine.md §9.6): its runner (and the runtime it may
//! have to install first), annotations, schemas, attachments, what the runner says about
//! its syntax, imports and callbacks, and the libraries the import policy installs.

use super::annotations::SlotMap;
use super::load::{AttachmentPart, LoadRequest};
use super::preparations::{NotReady, Preparations, WORK_LIMIT};
use super::runner::{Check, Runner};
use super::{bad, refuse, Answer, Engine};
use crate::schema::Avro;
use crate::sync::lock;
use serde_json::{json, Value};
use std::collections::BTreeMap;
use std::hash::{Hash, Hasher};
use std::sync::{Arc, Condvar, Mutex};
use std::time::Instant;

pub struct Prepared {
    pub name: String,
    pub mtype: String,
    pub runner: Arc<dyn Runner>,
    pub source: String,
    pub slots: SlotMap,
    /// Per slot: the schema as given and parsed.
    pub schemas: BTreeMap<u32, (Value, Arc<Avro>)>,
    pub attachments: Vec<(String, Vec<u8>)>,
    pub install_libs: Vec<String>,
    pub warn_libs: Vec<String>,
    pub attach_libs: Vec<String>,
    /// `install` policy entries: library → install command (None = pip).
    install_commands: BTreeMap<String, Option<String>>,
    missing: Vec<String>,
}

/// Import policy entries: library → (policy, custom install command).
type Policy = BTreeMap<String, (String, Option<String>)>;

/// The entries of a policy manifest, or `None` when it is not a YAML mapping.
fn policy_entries(text: &str) -> Option<Policy> {
    let Ok(Some(crate::yaml::Node::Map(entries))) = crate::yaml::parse(text) else {
        return None;
    };
    let entries = entries
        .into_iter()
        .map(|(lib, node)| {
            let entry = match &node {
                crate::yaml::Node::Scalar(p, _) => (p.clone(), None),
                other => (
                    other
                        .get("policy")
                        .and_then(|n| n.as_nullable_str().flatten())
                        .unwrap_or("")
                        .to_string(),
                    other
                        .get("command")
                        .and_then(|n| n.as_nullable_str().flatten())
                        .map(str::to_string),
                ),
            };
            (lib, entry)
        })
        .collect();
    Some(entries)
}

/// A random numeric id (jet sandboxes, engine ids).
pub fn random_id() -> String {
    crate::ids::random_in(10_000_000, 999_999_999).to_string()
}

/// The preinstall of one policy type: the one that runs, or the one that succeeded.
pub(super) struct Preinstall {
    task: String,
    succeeded: bool,
}

/// Library installs, run one at a time (two pips in one environment could break it).
#[derive(Default)]
pub(super) struct Installs {
    running: Mutex<bool>,
    ended: Condvar,
}

/// An install's turn: the next one may run once it is dropped.
struct Turn<'a>(&'a Installs);

impl Drop for Turn<'_> {
    fn drop(&mut self) {
        *lock(&self.0.running) = false;
        self.0.ended.notify_one();
    }
}

impl Installs {
    /// Install `libraries` (name, custom command) with `runner` once no other install runs,
    /// all within `WORK_LIMIT`, the wait for the others included.
    fn run(
        &self,
        runner: &dyn Runner,
        libraries: &[(String, Option<String>)],
    ) -> Result<(), String> {
        let deadline = Instant::now() + WORK_LIMIT;
        let (mut running, _) = self
            .ended
            .wait_timeout_while(lock(&self.running), WORK_LIMIT, |running| *running)
            .unwrap_or_else(|p| p.into_inner());
        if *running {
            return Err("other installs took the whole time allowed".into());
        }
        *running = true;
        drop(running);
        let _turn = Turn(self);
        for (library, command) in libraries {
            let left = deadline.saturating_duration_since(Instant::now());
            runner.install(library, command.as_deref(), left)?;
        }
        Ok(())
    }

    /// Install `libraries` with `runner` in the background (`Preparations`) as `task`:
    /// done, busy, or why it failed.
    fn in_background(
        self: &Arc<Self>,
        preparations: &Arc<Preparations>,
        task: &str,
        runner: Arc<dyn Runner>,
        libraries: Vec<(String, Option<String>)>,
    ) -> Result<(), NotReady> {
        let installs = self.clone();
        preparations.done(task, move || installs.run(&*runner, &libraries))
    }
}

impl Engine {
    pub(super) fn prepare(&self, req: LoadRequest) -> Answer<Prepared> {
        let runner = self.runners.for_type(&req.mtype).map_err(bad)?;
        runner.runtime().map_err(|n| self.not_ready(n))?;
        let slots = runner.slot_map(&req.source).map_err(bad)?;
        for w in &slots.warnings {
            eprintln!("{}: {w}", self.name);
        }
        let mut schemas = BTreeMap::new();
        for (slot, spec) in slots.used() {
            let Some(name) = &spec.schema else { continue };
            let doc = match req.schemas.iter().find(|(n, _)| n == name) {
                Some((_, text)) => serde_json::from_str(text)
                    .map_err(|e| bad(format!("schema '{name}' is not JSON: {e}")))?,
                None => self.schema_named(name)?,
            };
            let avro =
                crate::schema::parse(&doc).map_err(|e| bad(format!("schema '{name}': {e}")))?;
            schemas.insert(slot, (doc, Arc::new(avro)));
        }
        let mut attachments = Vec::new();
        for part in req.attachments {
            attachments.push(match part {
                AttachmentPart::Inline { name, bytes } => (name, bytes),
                AttachmentPart::Reference { name, model, attachment } => {
                    let bytes = self.store.get_attachment(&model, &attachment).map_err(|f| {
                        if f.is_not_found() {
                            bad(format!("attachment '{attachment}' of model '{model}' not found in Model Manage"))
                        } else {
                            bad(format!("attachment '{attachment}': {}", f.cause))
                        }
                    })?;
                    (name, bytes)
                }
            });
        }
        let check = self.check(&*runner, &req.source, &attachments, &slots)?;
        // the types a model declares itself (a PFA document's input and output)
        for (slot, doc) in &check.schemas {
            if slots.is_used(*slot) && !schemas.contains_key(slot) {
                let avro = crate::schema::parse(doc)
                    .map_err(|e| bad(format!("the model's type for slot {slot}: {e}")))?;
                schemas.insert(*slot, (doc.clone(), Arc::new(avro)));
            }
        }
        let policy = self.policy_entries(&req.mtype);
        let mut prepared = Prepared {
            name: req.name,
            mtype: req.mtype,
            runner,
            source: req.source,
            attach_libs: slots.module_attached.clone(),
            slots,
            schemas,
            attachments,
            install_libs: Vec::new(),
            warn_libs: Vec::new(),
            install_commands: BTreeMap::new(),
            missing: Vec::new(),
        };
        for lib in &check.imports {
            if prepared.attach_libs.contains(lib) {
                continue;
            }
            match policy.get(lib) {
                Some((p, _)) if p == "prohibit" => {
                    return Err(bad(format!("the model imports {lib}, which the import policy prohibits")))
                }
                Some((p, _)) if p == "warn" => prepared.warn_libs.push(lib.clone()),
                Some((p, command)) if p == "install" => {
                    prepared.install_libs.push(lib.clone());
                    prepared.install_commands.insert(lib.clone(), command.clone());
                    if check.missing.contains(lib) {
                        prepared.missing.push(lib.clone());
                    }
                }
                _ if check.missing.contains(lib) => {
                    return Err(bad(format!(
                        "the model imports {lib}, which {} cannot find (install it, or ship it in an attachment and declare '# fastscore.module-attached: {lib}')",
                        prepared.runner.program()
                    )))
                }
                _ => {}
            }
        }
        Ok(prepared)
    }

    /// Policy entries for a model type: library → (policy, custom install command).
    fn policy_entries(&self, mtype: &str) -> Policy {
        let Some(mime) = crate::model_type::policy_mime_type(mtype) else {
            return Policy::new();
        };
        policy_entries(&self.get_policy(mime)).unwrap_or_default()
    }

    /// `policy set -preinstall`: install every library the policy `text` marks `install`,
    /// with the runner of its model type (`kind`), in the background like a load's
    /// installs (`Preparations`). A policy type has one preinstall at a time: the same one
    /// asked again (the same task) is told how it goes or how it ended, another one is
    /// refused (409) while it runs. A type is preinstalled no more than once (spec/engine.md
    /// §9.2): after a success, a request is refused (403) unless it waited for that very
    /// task (`awaited`); one that failed may be tried again.
    pub(super) fn preinstall(
        &self,
        kind: &str,
        mime: &str,
        text: &[u8],
        awaited: Option<&str>,
    ) -> Answer<()> {
        let entries = std::str::from_utf8(text)
            .ok()
            .and_then(policy_entries)
            .ok_or_else(|| bad("the policy is not a YAML mapping of libraries to policies"))?;
        let runner = self.runners.for_type(kind).map_err(bad)?;
        let libraries: Vec<(String, Option<String>)> = entries
            .into_iter()
            .filter(|(_, (policy, _))| policy == "install")
            .map(|(lib, (_, command))| (lib, command))
            .collect();
        let names: Vec<&str> = libraries.iter().map(|(l, _)| l.as_str()).collect();
        let task = format!(
            "preinstall {} ({kind} import policy)",
            if names.is_empty() {
                "nothing".to_string()
            } else {
                names.join(", ")
            }
        );
        // held until the outcome is known, so that it is taken and kept as one step
        let mut preinstalls = lock(&self.preinstalls);
        match preinstalls.get(mime) {
            Some(done) if done.succeeded && awaited == Some(done.task.as_str()) => return Ok(()),
            Some(done) if done.succeeded => {
                return Err(refuse(
                    403,
                    format!(
                        "the {kind} import policy of {} was preinstalled already: a policy can be preinstalled no more than once (what it marks install is installed when a model that imports it loads)",
                        self.name
                    ),
                ))
            }
            Some(running) if running.task != task => {
                return Err(refuse(
                    409,
                    format!(
                        "{} is busy with another preinstall of the {kind} import policy (it started to {}); try again when it is done",
                        self.name, running.task
                    ),
                ))
            }
            _ => {}
        }
        preinstalls.insert(
            mime.to_string(),
            Preinstall {
                task: task.clone(),
                succeeded: false,
            },
        );
        let outcome = self
            .installs
            .in_background(&self.preparations, &task, runner, libraries);
        match outcome {
            Ok(()) => {
                preinstalls.insert(
                    mime.to_string(),
                    Preinstall {
                        task: task.clone(),
                        succeeded: true,
                    },
                );
                drop(preinstalls);
                self.say(&format!("preinstalled: {task}"));
                Ok(())
            }
            Err(not_ready) => {
                if matches!(not_ready, NotReady::Failed(_)) {
                    preinstalls.remove(mime);
                }
                Err(self.not_ready(not_ready))
            }
        }
    }

    /// Ask the model's Python about its syntax, imports and callbacks (cached per source).
    fn check(
        &self,
        runner: &dyn Runner,
        source: &str,
        attachments: &[(String, Vec<u8>)],
        slots: &SlotMap,
    ) -> Answer<Check> {
        let callbacks: BTreeMap<u32, String> = slots
            .inputs()
            .filter_map(|(n, s)| s.action.clone().map(|a| (n, a)))
            .collect();
        let mut hasher = std::collections::hash_map::DefaultHasher::new();
        (runner.program(), source, &callbacks, attachments).hash(&mut hasher);
        let key = hasher.finish();
        if let Some(found) = lock(&self.checks).get(&key) {
            return Ok(found.clone());
        }
        let fail = |e: std::io::Error| bad(format!("cannot prepare the model: {e}"));
        let tmp = self.dir.join("tmp");
        std::fs::create_dir_all(&tmp).map_err(fail)?;
        let sandbox = tempfile::Builder::new()
            .prefix("check-")
            .tempdir_in(&tmp)
            .map_err(fail)?;
        for (name, bytes) in attachments {
            crate::attachment::unpack(name, bytes, sandbox.path()).map_err(bad)?;
        }
        std::fs::write(sandbox.path().join(runner.model_file()), source).map_err(fail)?;
        let check = runner.check(sandbox.path(), &callbacks).map_err(bad)?;
        // what is missing may be installed before the next try
        if check.missing.is_empty() {
            lock(&self.checks).insert(key, check.clone());
        }
        Ok(check)
    }
}

impl Prepared {
    fn slot_info(&self) -> Vec<Value> {
        self.slots
            .used()
            .map(|(n, s)| {
                json!({
                    "slot": n,
                    "schema": self.schemas.get(&n).map(|(v, _)| v.clone()),
                    "recordsets": s.recordsets,
                    "action": s.action,
                })
            })
            .collect()
    }

    /// The dry-run answer (`VerifyInfo`).
    pub fn verify_info(&self) -> Value {
        json!({
            "slots": self.slot_info(),
            "install_libs": self.install_libs,
            "warn_libs": self.warn_libs,
            "attach_libs": self.attach_libs,
            "snapshots": self.slots.snapshots,
        })
    }

    /// `GET /2/active/model`.
    pub fn active_info(&self, jets: Vec<Value>) -> Value {
        json!({
            "name": self.name,
            "mtype": self.mtype,
            "source": self.source,
            "slots": self.slot_info(),
            "attachments": self.attachments.iter().map(|(n, _)| n.clone()).collect::<Vec<_>>(),
            "snapshots": self.slots.snapshots,
            "jets": jets,
        })
    }

    /// Run the install commands of the policy for libraries the runner cannot find yet,
    /// in the background (`Installs::in_background`): done, busy, or why they failed.
    pub(super) fn install_missing(
        &self,
        preparations: &Arc<Preparations>,
        installs: &Arc<Installs>,
    ) -> Result<(), NotReady> {
        if self.missing.is_empty() {
            return Ok(());
        }
        let task = format!(
            "install {} for {}",
            self.missing.join(", "),
            self.runner.program()
        );
        let libraries = self
            .missing
            .iter()
            .map(|lib| {
                (
                    lib.clone(),
                    self.install_commands.get(lib).cloned().flatten(),
                )
            })
            .collect();
        installs.in_background(preparations, &task, self.runner.clone(), libraries)
    }
}
