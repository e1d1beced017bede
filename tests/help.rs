//! Help texts, the word grammar and option diagnostics, against the original's transcripts.

mod support;
use support::Env;

fn banner() -> String {
    format!("FastScore CLI v{}", env!("CARGO_PKG_VERSION"))
}

#[test]
fn overview_is_the_original_text() {
    let env = Env::new();
    for args in [&[][..], &["help"][..], &["-v", "-json"][..]] {
        let run = env.run(args).ok();
        assert!(run.stderr.is_empty());
        insta::assert_snapshot!(
            "overview",
            run.stdout.replace(&banner(), "FastScore CLI v<version>")
        );
    }
}

#[test]
fn help_options_is_the_original_text() {
    let run = Env::new().run(&["help", "options"]).ok();
    insta::assert_snapshot!(run.stdout.replace(&banner(), "FastScore CLI v<version>"));
}

#[test]
fn help_for_every_command() {
    let env = Env::new();
    let mut all = String::new();
    for cmd in [
        "help",
        "connect",
        "login",
        "config",
        "fleet",
        "use",
        "run",
        "model",
        "attachment",
        "schema",
        "snapshot",
        "policy",
        "stream",
        "engine",
        "sensor",
        "stats",
        "debug",
        "profile",
        "pneumo",
        "monitor",
        "job",
        "bogus",
    ] {
        let run = env.run(&["help", cmd]).ok();
        all.push_str(&format!("$ fastscore help {cmd}\n{}\n", run.stdout));
    }
    insta::assert_snapshot!(all);
}

/// The whole command surface, as a reviewer sees it: `--help` of every command and group
/// the command tree has (new commands join by themselves).
#[test]
fn every_command_help_is_the_reviewed_reference() {
    let env = Env::new();
    let mut paths = vec![vec![]];
    collect(
        &fastscore::cli::tree::command_tree(),
        &mut vec![],
        &mut paths,
    );
    let mut all = String::new();
    for path in paths {
        let mut args: Vec<&str> = path.iter().map(String::as_str).collect();
        args.push("--help");
        let run = env.run(&args).ok();
        assert!(run.stderr.is_empty(), "{args:?}: {}", run.stderr);
        all.push_str(&format!(
            "$ fastscore {}\n{}\n",
            args.join(" "),
            run.stdout.replace(&banner(), "FastScore CLI v<version>")
        ));
    }
    insta::assert_snapshot!(all);
}

fn collect(cmd: &clap::Command, path: &mut Vec<String>, out: &mut Vec<Vec<String>>) {
    for sub in cmd.get_subcommands() {
        path.push(sub.get_name().to_string());
        out.push(path.clone());
        collect(sub, path, out);
        path.pop();
    }
}

#[test]
fn unmatched_words_give_the_hint_and_exit_2() {
    let env = Env::new();
    for args in [
        &["bogus"][..],
        &["model"],
        &["help", "model", "extra"],
        &["connect"],
        &[""],
        &["fleet", "version"],
    ] {
        let run = env.run(args).expect(2);
        let mut lines = run.stderr.lines();
        assert_eq!(
            lines.next(),
            Some("Use 'fastscore help' or 'fastscore help <command>'"),
            "{args:?}"
        );
        assert!(
            lines.next().is_some_and(|l| l.starts_with("hint: ")),
            "{args:?}"
        );
        assert_eq!(lines.next(), None);
        assert!(run.stdout.is_empty());
    }
}

#[test]
fn bad_options_are_reported_in_order_and_ignored() {
    let run = Env::new()
        .run(&[
            "help",
            "-x",
            "-type:bogus",
            "-count:abc",
            "-since:garbage",
            "-until:x",
        ])
        .ok();
    assert_eq!(
        run.stderr,
        "Unknown option '-x' ignored\nModel type 'bogus' is unknown\nOption '-count:abc' ignored\n\
         Option '-since:garbage' ignored\nOption '-until:x' ignored\n"
    );
    assert!(run.stdout.starts_with(&banner()));
}

#[test]
fn hints_follow_the_original_line_on_stderr() {
    let env = Env::new();
    let usage = "Use 'fastscore help' or 'fastscore help <command>'";
    for (args, hint) in [
        (
            &["modle", "list"][..],
            "hint: 'modle' is not a command; did you mean 'fastscore model'?",
        ),
        (
            &["model", "lst"],
            "hint: 'lst' is not a 'model' command; did you mean 'fastscore model list'?",
        ),
        (
            &["model", "add"],
            "hint: 'fastscore model add' needs <model-name>: fastscore model add <model-name>",
        ),
        (
            &["model", "add", "a", "b", "c"],
            "hint: 'c' too many after 'fastscore model add <model-name> <src-file>'",
        ),
    ] {
        let run = env.run(args).expect(2);
        assert_eq!(run.stderr, format!("{usage}\n{hint}\n"), "{args:?}");
        assert!(run.stdout.is_empty());
    }
    // an unknown option is still ignored, with the original's exit status and stdout
    let run = env.run(&["help", "--jsn"]).ok();
    assert_eq!(
        run.stderr,
        "Unknown option '--jsn' ignored\nhint: did you mean '--json'?\n"
    );
    assert_eq!(run.stdout, env.run(&["help"]).ok().stdout);
    let run = env.run(&["help", "-tpye:python3"]).ok();
    assert_eq!(
        run.stderr,
        "Unknown option '-tpye:python3' ignored\nhint: did you mean '-type:python3'?\n"
    );
}

#[test]
fn negative_numbers_are_options() {
    let run = Env::new().run(&["model", "scale", "-1"]).expect(2);
    assert_eq!(
        run.stderr,
        "Unknown option '-1' ignored\nUse 'fastscore help' or 'fastscore help <command>'\n\
         hint: 'fastscore model scale' needs <count>: fastscore model scale <count>\n"
    );
}

#[test]
fn version_and_gnu_help() {
    let env = Env::new();
    let run = env.run(&["--version"]).ok();
    assert_eq!(
        run.stdout,
        format!("fastscore {}\n", env!("CARGO_PKG_VERSION"))
    );
    // a group: the original summary
    let group = env.run(&["model", "--help"]).ok();
    assert_eq!(group.stdout, env.run(&["help", "model"]).ok().stdout);
    // one command: its arguments and options, wherever --help stands
    for args in [
        &["schema", "infer", "-h"][..],
        &["--help", "stream", "show"],
        &["run", "--help"],
    ] {
        let run = env.run(args).ok();
        assert!(
            run.stdout.contains("Usage: fastscore"),
            "{args:?}: {}",
            run.stdout
        );
    }
}

#[test]
fn colour_only_when_asked_and_never_with_no_color() {
    let env = Env::new();
    let plain = env.run(&["help"]).ok();
    assert!(!plain.stdout.contains('\x1b'));
    let forced = env
        .command(&["help"])
        .env("CLICOLOR_FORCE", "1")
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&forced.stdout).starts_with("\x1b[1mFastScore CLI v"));
    let no_color = env
        .command(&["help"])
        .env("CLICOLOR_FORCE", "1")
        .env("NO_COLOR", "1")
        .output()
        .unwrap();
    assert!(!String::from_utf8_lossy(&no_color.stdout).contains('\x1b'));
}
