//! Shell completions and man pages are generated from the command tree; this test fails when
//! the committed files no longer match it. `make generated` rewrites them.

use clap_complete::Shell;
use std::path::Path;

fn generated() -> Vec<(String, Vec<u8>)> {
    let mut files = Vec::new();
    for (shell, file) in [
        (Shell::Bash, "completions/fastscore.bash"),
        (Shell::Zsh, "completions/_fastscore"),
        (Shell::Fish, "completions/fastscore.fish"),
        (Shell::Elvish, "completions/fastscore.elv"),
        (Shell::PowerShell, "completions/_fastscore.ps1"),
    ] {
        let mut cmd = fastscore::cli::tree::command_tree();
        let mut out = Vec::new();
        clap_complete::generate(shell, &mut cmd, "fastscore", &mut out);
        files.push((file.to_string(), out));
    }
    let root = fastscore::cli::tree::command_tree();
    let mut page = Vec::new();
    clap_mangen::Man::new(root.clone())
        .render(&mut page)
        .expect("man page");
    files.push(("man/fastscore.1".into(), page));
    man_pages(&root, "fastscore", "fastscore", &mut files);
    files
}

/// One page per command: `fastscore-model.1`, `fastscore-model-add.1`, …
fn man_pages(cmd: &clap::Command, page: &str, bin: &str, files: &mut Vec<(String, Vec<u8>)>) {
    for sub in cmd.get_subcommands().filter(|s| !s.is_hide_set()) {
        // clap keeps command names as static strings
        let name: &'static str = Box::leak(format!("{page}-{}", sub.get_name()).into_boxed_str());
        let bin_name = format!("{bin} {}", sub.get_name());
        let mut text = Vec::new();
        let renamed = sub.clone().name(name).bin_name(bin_name.clone());
        clap_mangen::Man::new(renamed)
            .render(&mut text)
            .expect("man page");
        files.push((format!("man/{name}.1"), text));
        man_pages(sub, name, &bin_name, files);
    }
}

#[test]
fn completions_and_man_pages_are_current() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let update = std::env::var_os("FASTSCORE_UPDATE_GENERATED").is_some();
    for (file, content) in generated() {
        let path = root.join(&file);
        if update {
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(&path, &content).unwrap();
            continue;
        }
        let committed = std::fs::read(&path).unwrap_or_default();
        assert!(
            committed == content,
            "{file} is stale: run `make generated` and commit the result"
        );
    }
}
