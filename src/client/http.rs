//! One request to the API, and what its failures mean for the exit code.

use reqwest::{Method, RequestBuilder};
use serde_json::Value;

/// Exit codes of the client commands; scripts can rely on them (the README
/// and `hookrelay --help` list them).
pub mod exit {
    /// Anything not below: a server error (5xx), an answer that is not the API's.
    pub const FAILURE: u8 = 1;
    /// A command line the client cannot use (clap's own code for bad flags).
    pub const USAGE: u8 = 2;
    /// The server could not be reached.
    pub const UNREACHABLE: u8 = 3;
    /// 401 or 403: the credential is missing, invalid or not allowed this.
    pub const DENIED: u8 = 4;
    /// 404: no such thing.
    pub const NOT_FOUND: u8 = 5;
    /// 400, 413 or 415: the server refused the input.
    pub const INVALID: u8 = 6;
    /// 409: the change conflicts with the current state.
    pub const CONFLICT: u8 = 7;
    /// 429: a quota of the project's tier is used up.
    pub const LIMITED: u8 = 8;
}

/// Why a command failed.
#[derive(Debug)]
pub enum Failure {
    Usage(String),
    Unreachable(String),
    /// The API answered an error (`body` is its JSON, or the text as a string).
    Api {
        status: u16,
        body: Value,
    },
    Other(String),
}

impl Failure {
    pub fn exit_code(&self) -> u8 {
        match self {
            Failure::Usage(_) => exit::USAGE,
            Failure::Unreachable(_) => exit::UNREACHABLE,
            Failure::Api { status, .. } => match status {
                401 | 403 => exit::DENIED,
                404 => exit::NOT_FOUND,
                400 | 413 | 415 => exit::INVALID,
                409 => exit::CONFLICT,
                429 => exit::LIMITED,
                _ => exit::FAILURE,
            },
            Failure::Other(_) => exit::FAILURE,
        }
    }

    /// The line for standard error; with `json`, an API error is printed as
    /// the API's JSON.
    pub fn message(&self, json: bool) -> String {
        match self {
            Failure::Usage(m) | Failure::Other(m) => format!("error: {m}"),
            Failure::Unreachable(m) => format!("error: cannot reach the server: {m}"),
            Failure::Api { body, .. } if json => body.to_string(),
            Failure::Api { status, body } => {
                let e = &body["error"];
                match (e["message"].as_str(), e["code"].as_str()) {
                    (Some(m), Some(code)) => format!("error: {m} ({code}, HTTP {status})"),
                    _ => format!(
                        "error: HTTP {status}: {}",
                        body.as_str()
                            .map(str::to_string)
                            .unwrap_or_else(|| body.to_string())
                    ),
                }
            }
        }
    }
}

impl From<std::io::Error> for Failure {
    fn from(e: std::io::Error) -> Self {
        Failure::Other(e.to_string())
    }
}

pub fn usage(message: impl Into<String>) -> Failure {
    Failure::Usage(message.into())
}

/// A server and the API key to present.
pub struct Client {
    pub base: String,
    key: String,
    http: reqwest::Client,
}

impl Client {
    pub fn new(base: &str, key: &str) -> Client {
        let http = reqwest::Client::builder()
            .user_agent(concat!("hookrelay-cli/", env!("CARGO_PKG_VERSION")))
            .timeout(std::time::Duration::from_secs(60))
            .build()
            .unwrap_or_default();
        Client {
            base: base.trim_end_matches('/').to_string(),
            key: key.to_string(),
            http,
        }
    }

    pub fn key(&self) -> &str {
        &self.key
    }

    /// A request to `path` (below the base URL) with the API key.
    pub fn request(&self, method: Method, path: &str) -> RequestBuilder {
        self.http
            .request(method, format!("{}{path}", self.base))
            .bearer_auth(&self.key)
    }

    pub fn get(&self, path: &str) -> RequestBuilder {
        self.request(Method::GET, path)
    }

    pub fn post(&self, path: &str, body: &Value) -> RequestBuilder {
        self.request(Method::POST, path).json(body)
    }

    /// Sends a request; the answer's JSON (null for an empty body) on 2xx.
    pub async fn send(&self, request: RequestBuilder) -> Result<Value, Failure> {
        let response = request.send().await.map_err(|e| {
            if e.is_connect() || e.is_timeout() {
                Failure::Unreachable(format!("{} ({e})", self.base))
            } else {
                Failure::Other(e.to_string())
            }
        })?;
        let status = response.status().as_u16();
        let bytes = response
            .bytes()
            .await
            .map_err(|e| Failure::Other(e.to_string()))?;
        let body = if bytes.is_empty() {
            Value::Null
        } else {
            serde_json::from_slice(&bytes)
                .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(&bytes).into_owned()))
        };
        if (200..300).contains(&status) {
            Ok(body)
        } else {
            Err(Failure::Api { status, body })
        }
    }
}

/// Query pairs with the absent ones left out.
pub fn query(pairs: &[(&str, Option<String>)]) -> Vec<(String, String)> {
    pairs
        .iter()
        .filter_map(|(k, v)| v.clone().map(|v| (k.to_string(), v)))
        .collect()
}

/// `Name=value` flags as a JSON object.
pub fn header_map(pairs: &[String]) -> Result<Value, Failure> {
    let mut map = serde_json::Map::new();
    for pair in pairs {
        let (name, value) = pair
            .split_once('=')
            .ok_or_else(|| usage(format!("--header {pair:?}: expected NAME=VALUE")))?;
        map.insert(name.trim().to_string(), Value::String(value.to_string()));
    }
    Ok(Value::Object(map))
}

/// A flag holding JSON.
pub fn json_arg(flag: &str, text: &str) -> Result<Value, Failure> {
    serde_json::from_str(text).map_err(|e| usage(format!("{flag}: not JSON ({e})")))
}

/// A flag's value, or standard input for `-`.
pub fn stdin_or(value: &str) -> Result<Vec<u8>, Failure> {
    if value != "-" {
        return Ok(value.as_bytes().to_vec());
    }
    let mut buf = Vec::new();
    std::io::Read::read_to_end(&mut std::io::stdin(), &mut buf)?;
    Ok(buf)
}
