//! Java models: a class implementing `fastscore.IJavaModel` (`begin`, `String
//! action(String)`, `end`), compiled at load with `javac` against the interfaces in
//! `java/fastscore/`, with the JARs of its attachments on the class path, and run by
//! `fastscore.Runner` in `java`. Compiled classes are kept per source (and JARs) in the
//! engine's runtime directory, so every jet of a model uses the same ones.

use super::{Check, Runner, Settings};
use std::collections::BTreeMap;
use std::hash::{Hash, Hasher};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::{Arc, Mutex};
use std::time::Duration;

const SOURCES: &[(&str, &str)] = &[
    (
        "IJavaModel.java",
        include_str!("java/fastscore/IJavaModel.java"),
    ),
    (
        "FastScoreModel.java",
        include_str!("java/fastscore/FastScoreModel.java"),
    ),
    ("Runner.java", include_str!("java/fastscore/Runner.java")),
    ("Json.java", include_str!("java/fastscore/Json.java")),
];

const MISSING: &str = "Java models need a JDK (javac and java, 11 or later): install \
                       openjdk-17-jdk-headless (apt), or set JAVA_HOME";

struct Java {
    javac: String,
    java: String,
    dir: PathBuf,
    /// Compiles one at a time (the runtime's classes, a model's).
    compiling: Mutex<()>,
}

pub fn make(settings: &Settings) -> std::io::Result<Arc<dyn Runner>> {
    let dir = settings.runtime.join("java");
    std::fs::create_dir_all(dir.join("src/fastscore"))?;
    for (file, text) in SOURCES {
        crate::fsutil::write_atomic(&dir.join("src/fastscore").join(file), text.as_bytes(), None)?;
    }
    let tool = |name: &str| match std::env::var("JAVA_HOME") {
        Ok(home) => Path::new(&home)
            .join("bin")
            .join(name)
            .display()
            .to_string(),
        Err(_) => name.to_string(),
    };
    Ok(Arc::new(Java {
        javac: tool("javac"),
        java: tool("java"),
        dir,
        compiling: Mutex::new(()),
    }))
}

/// The model's class: its package and the first public class (else the first class).
fn class_name(source: &str) -> Option<String> {
    static PACKAGE: std::sync::LazyLock<regex_lite::Regex> = std::sync::LazyLock::new(|| {
        regex_lite::Regex::new(r"(?m)^\s*package\s+([\w.]+)\s*;").expect("static pattern")
    });
    static PUBLIC: std::sync::LazyLock<regex_lite::Regex> = std::sync::LazyLock::new(|| {
        regex_lite::Regex::new(r"(?m)^\s*public\s+(?:final\s+|abstract\s+)*class\s+(\w+)")
            .expect("static pattern")
    });
    static ANY: std::sync::LazyLock<regex_lite::Regex> = std::sync::LazyLock::new(|| {
        regex_lite::Regex::new(r"(?m)^\s*(?:final\s+)?class\s+(\w+)").expect("static pattern")
    });
    let caps = PUBLIC.captures(source).or_else(|| ANY.captures(source))?;
    let name = caps.get(1)?.as_str();
    Some(match PACKAGE.captures(source) {
        Some(p) => format!("{}.{name}", &p[1]),
        None => name.to_string(),
    })
}

/// The JARs among a sandbox's files (attachments are unpacked there).
fn jars(sandbox: &Path) -> Vec<PathBuf> {
    let mut found = Vec::new();
    let mut dirs = vec![(sandbox.to_path_buf(), 0)];
    while let Some((dir, depth)) = dirs.pop() {
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        for e in entries.flatten() {
            let path = e.path();
            if path.is_dir() && depth < 4 {
                dirs.push((path, depth + 1));
            } else if path.extension().is_some_and(|x| x == "jar") {
                found.push(path);
            }
        }
    }
    found.sort();
    found
}

fn class_path(parts: &[PathBuf]) -> String {
    parts
        .iter()
        .map(|p| p.display().to_string())
        .collect::<Vec<_>>()
        .join(":")
}

/// javac's first error as one line: `compile error: <what> (<file>, line <n>)`.
fn compile_error(stderr: &str) -> String {
    static ERROR: std::sync::LazyLock<regex_lite::Regex> = std::sync::LazyLock::new(|| {
        regex_lite::Regex::new(r"(?m)^(?:.*/)?([^/\s]+\.java):(\d+): error: (.*)$")
            .expect("static pattern")
    });
    match ERROR.captures(stderr) {
        Some(c) => format!("compile error: {} ({}, line {})", &c[3], &c[1], &c[2]),
        None => format!(
            "compile error: {}",
            stderr.lines().next().unwrap_or("javac failed")
        ),
    }
}

impl Java {
    fn javac(&self, class_path: &str, out: &Path, sources: &[PathBuf]) -> Result<(), String> {
        let mut cmd = Command::new(&self.javac);
        cmd.args(["-encoding", "UTF-8", "-nowarn", "-cp", class_path, "-d"])
            .arg(out)
            .args(sources);
        super::compile(&mut cmd, &self.javac, MISSING, compile_error)
    }

    /// The runner's own classes, compiled once.
    fn runtime_classes(&self) -> Result<PathBuf, String> {
        let classes = self.dir.join("classes");
        if classes.join("fastscore/Runner.class").exists() {
            return Ok(classes);
        }
        let sources: Vec<PathBuf> = SOURCES
            .iter()
            .map(|(f, _)| self.dir.join("src/fastscore").join(f))
            .collect();
        let tmp = self
            .dir
            .join(format!("classes-{}", crate::engine::prepare::random_id()));
        self.javac("", &tmp, &sources)?;
        std::fs::rename(&tmp, &classes)
            .map_err(|e| format!("cannot keep the runner's classes: {e}"))?;
        Ok(classes)
    }

    /// The model in `sandbox` compiled: its class name and class path.
    fn compiled(&self, sandbox: &Path) -> Result<(String, String), String> {
        let _one = crate::sync::lock(&self.compiling);
        let source = std::fs::read_to_string(sandbox.join(self.model_file()))
            .map_err(|e| format!("cannot read the model: {e}"))?;
        let class = class_name(&source).ok_or("the model declares no class")?;
        let runtime = self.runtime_classes()?;
        let jars = jars(sandbox);
        let mut hasher = std::collections::hash_map::DefaultHasher::new();
        (&source, &jars).hash(&mut hasher);
        let dir = self
            .dir
            .join("models")
            .join(format!("{:016x}", hasher.finish()));
        let classes = dir.join("classes");
        let mut path = vec![runtime];
        path.extend(jars);
        if !classes.exists() {
            let simple = class.rsplit('.').next().unwrap_or(&class);
            let src = dir.join("src").join(format!("{simple}.java"));
            std::fs::create_dir_all(dir.join("src")).map_err(|e| e.to_string())?;
            std::fs::write(&src, &source).map_err(|e| e.to_string())?;
            let tmp = dir.join("classes-new");
            let _ = std::fs::remove_dir_all(&tmp);
            self.javac(&class_path(&path), &tmp, &[src])?;
            std::fs::rename(&tmp, &classes).map_err(|e| e.to_string())?;
        }
        path.insert(1, classes);
        Ok((class, class_path(&path)))
    }
}

impl Runner for Java {
    fn program(&self) -> &str {
        &self.java
    }

    fn model_file(&self) -> &'static str {
        "__model.java"
    }

    fn check(&self, sandbox: &Path, _callbacks: &BTreeMap<u32, String>) -> Result<Check, String> {
        self.compiled(sandbox)?;
        Ok(Check::default())
    }

    fn jet_command(&self, sandbox: &Path) -> std::io::Result<Command> {
        let (class, path) = self.compiled(sandbox).map_err(std::io::Error::other)?;
        let mut cmd = Command::new(&self.java);
        cmd.args(["-cp", &path, "fastscore.Runner", &class])
            .current_dir(sandbox);
        Ok(cmd)
    }

    fn install(
        &self,
        library: &str,
        _command: Option<&str>,
        _limit: Duration,
    ) -> Result<(), String> {
        Err(format!(
            "Java models take their libraries as JARs in attachments; {library} cannot be installed"
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn class_names_and_compile_errors() {
        assert_eq!(
            class_name("import x;\npublic class EchoJava implements IJavaModel {}").as_deref(),
            Some("EchoJava")
        );
        assert_eq!(
            class_name("package a.b;\nclass Helper {}\npublic final class M {}").as_deref(),
            Some("a.b.M")
        );
        assert_eq!(
            compile_error("/tmp/x/src/EchoJava.java:7: error: ';' expected\n        return x\n"),
            "compile error: ';' expected (EchoJava.java, line 7)"
        );
    }
}
