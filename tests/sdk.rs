//! The generated SDKs (sdk/typescript, sdk/python) run their scenario
//! against a live server on this suite's backend: real clients, a real
//! receiver of theirs, signatures checked with each language's Standard
//! Webhooks library. Their tools come from scripts/sdk-tools.

mod common;

use std::path::Path;
use std::process::Command;

use common::*;

fn sdk() -> &'static Path {
    Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/sdk"))
}

fn run(what: &str, mut cmd: Command, server: &Server, key: &str) {
    let out = cmd
        .env("HOOKRELAY_URL", &server.url)
        .env("HOOKRELAY_API_KEY", key)
        .env("NO_COLOR", "1")
        .env("PYTHONDONTWRITEBYTECODE", "1")
        .output()
        .unwrap_or_else(|e| {
            panic!("{what}: cannot run ({e}); scripts/sdk-tools installs the tools")
        });
    assert!(
        out.status.success(),
        "{what} failed:\n{}\n{}\nserver log:\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr),
        server.log()
    );
}

fn require(path: &Path) {
    assert!(
        path.exists(),
        "{} is missing: run scripts/sdk-tools (scripts/test does)",
        path.display()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_typescript_sdk_runs_its_scenario() {
    require(&sdk().join("typescript/node_modules/.bin/tsc"));
    let server = Server::start(ServerOpts::default()).await;
    let (_, key) = server.create_project("sdk");
    let mut cmd = Command::new("npm");
    cmd.args(["test", "--silent"])
        .current_dir(sdk().join("typescript"));
    run("sdk/typescript: npm test", cmd, &server, &key);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_python_sdk_runs_its_scenario() {
    let python = sdk().join(".venv/bin/python");
    require(&python);
    let server = Server::start(ServerOpts::default()).await;
    let (_, key) = server.create_project("sdk");
    let mut cmd = Command::new(python);
    cmd.args(["-m", "unittest", "discover", "-s", "python-tests", "-v"])
        .current_dir(sdk())
        .env("PYTHONPATH", sdk().join("python"));
    run("sdk/python-tests", cmd, &server, &key);
}
