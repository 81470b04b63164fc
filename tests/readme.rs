//! The README's walk-through, run as a reader would paste it into bash
//! (with this build on PATH instead of its `cargo build` line, and free
//! ports instead of 8080 and 9000): it must end with the reader's receiver
//! printing a verified delivery.

use std::net::TcpListener;
use std::path::Path;
use std::process::{Command, Stdio};

const BIN: &str = env!("CARGO_BIN_EXE_hookrelay");

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// The first ```sh block after the walk-through's heading.
fn walk_through() -> String {
    let readme =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md")).unwrap();
    let section = &readme[readme
        .find("\n## Walk-through")
        .expect("a walk-through section")..];
    let start = section.find("```sh\n").expect("a sh block") + "```sh\n".len();
    section[start..start + section[start..].find("```").unwrap()].to_string()
}

#[test]
fn the_walk_through_runs_top_to_bottom_and_ends_with_a_verified_delivery() {
    let script = walk_through();
    assert!(
        script.contains("cargo build --release && export PATH"),
        "the block builds first:\n{script}"
    );
    let script = script
        .lines()
        .filter(|l| !l.starts_with("cargo build"))
        .collect::<Vec<_>>()
        .join("\n")
        .replace("127.0.0.1:8080", &format!("127.0.0.1:{}", free_port()))
        .replace("127.0.0.1:9000", &format!("127.0.0.1:{}", free_port()));
    // Whatever the block left running (a server, after a failed step) is
    // stopped by the shell itself as it exits, on failure or on timeout.
    let script =
        format!("trap 'kill $(jobs -p) 2>/dev/null || true' EXIT\ntrap 'exit 1' TERM\n{script}");
    let cwd = tempfile::tempdir().unwrap();
    let bin_dir = Path::new(BIN).parent().unwrap();
    let mut cmd = Command::new("timeout");
    cmd.args(["120", "bash", "-euo", "pipefail", "-c", &script])
        .current_dir(cwd.path())
        .env(
            "PATH",
            format!(
                "{}:{}",
                bin_dir.display(),
                std::env::var("PATH").unwrap_or_default()
            ),
        )
        .env("RUST_LOG", "warn")
        .stdin(Stdio::null());
    for (k, _) in std::env::vars().filter(|(k, _)| k.starts_with("HOOKRELAY_")) {
        cmd.env_remove(k);
    }
    let out = cmd.output().unwrap();
    let (stdout, stderr) = (
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr),
    );
    assert!(
        out.status.success(),
        "the walk-through failed:\n{stdout}\n{stderr}"
    );
    let verified = stdout
        .lines()
        .find(|l| l.starts_with("verified delivery msg_"))
        .unwrap_or_else(|| panic!("no verified delivery:\n{stdout}"));
    assert!(
        verified.ends_with(r#": {"type":"order.created","id":42}"#),
        "{verified}"
    );
    assert!(
        cwd.path().join("hookrelay-data/hookrelay.db").is_file(),
        "the server's data in the reader's directory"
    );
}
