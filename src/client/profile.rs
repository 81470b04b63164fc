//! The profile file `hookrelay login` writes: named pairs of server URL and
//! API key, readable by the owner only (0600, in a 0700 directory), at
//! `$HOOKRELAY_CONFIG`, else `$XDG_CONFIG_HOME/hookrelay/profiles.json`,
//! else `~/.config/hookrelay/profiles.json`.

use std::path::PathBuf;

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

use super::http::{usage, Failure};

pub const DEFAULT_URL: &str = "http://127.0.0.1:8080";

#[derive(Serialize, Deserialize, Default)]
pub struct Profiles {
    pub profiles: BTreeMap<String, Profile>,
}

#[derive(Serialize, Deserialize, Clone)]
#[serde(rename_all = "camelCase")]
pub struct Profile {
    pub url: String,
    pub api_key: String,
}

pub fn path() -> Result<PathBuf, Failure> {
    if let Some(p) = std::env::var_os("HOOKRELAY_CONFIG").filter(|p| !p.is_empty()) {
        return Ok(PathBuf::from(p));
    }
    let base = match std::env::var_os("XDG_CONFIG_HOME").filter(|p| !p.is_empty()) {
        Some(dir) => PathBuf::from(dir),
        None => PathBuf::from(
            std::env::var_os("HOME")
                .ok_or_else(|| usage("HOME is not set; set HOOKRELAY_CONFIG"))?,
        )
        .join(".config"),
    };
    Ok(base.join("hookrelay").join("profiles.json"))
}

/// The saved profiles; none when there is no file yet.
pub fn load() -> Result<Profiles, Failure> {
    let path = path()?;
    match std::fs::read(&path) {
        Ok(bytes) => serde_json::from_slice(&bytes)
            .map_err(|e| Failure::Other(format!("{}: not a profile file ({e})", path.display()))),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Profiles::default()),
        Err(e) => Err(Failure::Other(format!("{}: {e}", path.display()))),
    }
}

/// Saves `profile` under `name`, keeping the others; returns the file's path.
pub fn save(name: &str, profile: Profile) -> Result<PathBuf, Failure> {
    let path = path()?;
    let mut all = load()?;
    all.profiles.insert(name.to_string(), profile);
    let text = serde_json::to_string_pretty(&all).map_err(|e| Failure::Other(e.to_string()))?;
    if let Some(dir) = path.parent() {
        private_dir(dir)?;
    }
    write_private(&path, text.as_bytes())?;
    Ok(path)
}

#[cfg(unix)]
fn private_dir(dir: &std::path::Path) -> Result<(), Failure> {
    use std::os::unix::fs::DirBuilderExt;
    if !dir.exists() {
        std::fs::DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(dir)?;
    }
    Ok(())
}

#[cfg(not(unix))]
fn private_dir(dir: &std::path::Path) -> Result<(), Failure> {
    Ok(std::fs::create_dir_all(dir)?)
}

/// Writes the file readable by its owner only, also when it existed with
/// wider permissions: a new file is created 0600 and renamed over it.
#[cfg(unix)]
fn write_private(path: &std::path::Path, bytes: &[u8]) -> Result<(), Failure> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let tmp = path.with_extension(format!("tmp{}", std::process::id()));
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(&tmp)?;
    f.write_all(bytes)?;
    f.sync_all()?;
    std::fs::rename(&tmp, path)?;
    Ok(())
}

#[cfg(not(unix))]
fn write_private(path: &std::path::Path, bytes: &[u8]) -> Result<(), Failure> {
    Ok(std::fs::write(path, bytes)?)
}
