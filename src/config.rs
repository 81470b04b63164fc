//! Command-line flags; every setting also reads an environment variable of
//! the same meaning.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use clap::builder::PossibleValuesParser;
use clap::{Args, Parser, Subcommand};

#[derive(Parser)]
#[command(name = "hookrelay", version, about = "Self-hostable webhooks: signed, durable, retried delivery", after_help = EXIT_CODES)]
pub struct Cli {
    /// `text` (coloured only when standard error is a terminal) or `json`
    /// (one object per line); RUST_LOG sets the level (default info).
    #[arg(long, global = true, env = "HOOKRELAY_LOG_FORMAT", value_enum, default_value_t = LogFormat::Text)]
    pub log_format: LogFormat,
    #[command(subcommand)]
    pub command: Command,
}

/// What scripts can rely on; `crate::client::exit` holds the numbers.
const EXIT_CODES: &str = "\
Exit codes: 0 success; 1 any other failure (a server error, for one); 2 a command line \
that cannot be used; and for the client commands: 3 the server could not be reached, \
4 the credential was refused (401, 403), 5 not found (404), 6 invalid input (400, 413, 415), \
7 a conflict with the current state (409), 8 a quota used up (429).";

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum LogFormat {
    Text,
    Json,
}

#[derive(Subcommand)]
pub enum Command {
    /// Run the server (API, ingest and delivery engine).
    Serve(ServeArgs),
    /// Apply database migrations and exit.
    Migrate(DbArgs),
    /// Copy the embedded (SQLite) database to a file, consistently, while
    /// the server runs; restore by putting the copy in place as
    /// `<data-dir>/hookrelay.db` beside the same encryption key. For
    /// PostgreSQL use pg_dump.
    Backup {
        #[command(flatten)]
        db: DbArgs,
        /// Where the copy goes; must not exist yet.
        #[arg(long)]
        to: PathBuf,
    },
    /// Manage projects (operator commands; work with the server up or down).
    #[command(subcommand)]
    Project(ProjectCommand),
    /// Manage dashboard users (operator commands).
    #[command(subcommand)]
    User(UserCommand),
    /// Client: send an event to a webhook's ingest URL.
    Send(SendArgs),
    /// Client: verify a received delivery's signature (exit 0 if valid).
    Verify(VerifyArgs),
    /// Print the OpenAPI document of the API (what `GET /v1/openapi.json`
    /// serves, with the default server address); the SDKs are generated
    /// from it.
    Openapi,
    /// Print a shell completion script, e.g. `hookrelay completions bash >
    /// /etc/bash_completion.d/hookrelay`.
    Completions {
        /// The shell to complete in.
        shell: clap_complete::Shell,
    },
    #[command(flatten)]
    Client(crate::client::ClientCommand),
    /// Client: a receiver for trying Hookrelay out: listens for deliveries,
    /// verifies each signature and prints the delivery.
    Receive(ReceiveArgs),
}

#[derive(Args, Clone, Debug)]
pub struct DbArgs {
    /// Where the embedded database and the generated encryption key live.
    #[arg(long, env = "HOOKRELAY_DATA_DIR", default_value = "./hookrelay-data")]
    pub data_dir: PathBuf,
    /// `postgres://...` to use PostgreSQL; default: SQLite in the data dir.
    #[arg(long, env = "HOOKRELAY_DATABASE_URL", hide_env_values = true)]
    pub database_url: Option<String>,
    /// Base64 of 32 bytes that encrypts signing secrets at rest; default: a
    /// key generated once into <data-dir>/encryption.key (mode 0600).
    #[arg(long, env = "HOOKRELAY_ENCRYPTION_KEY", hide_env_values = true)]
    pub encryption_key: Option<String>,
    /// Connection pool size (default: 8 for SQLite, 10 for PostgreSQL).
    #[arg(long, env = "HOOKRELAY_DB_MAX_CONNECTIONS")]
    pub db_max_connections: Option<u32>,
    /// PostgreSQL statement timeout.
    #[arg(
        long,
        env = "HOOKRELAY_DB_STATEMENT_TIMEOUT_SECS",
        default_value_t = 30
    )]
    pub db_statement_timeout_secs: u64,
}

#[derive(Args, Clone, Debug)]
pub struct ServeArgs {
    #[command(flatten)]
    pub db: DbArgs,
    /// The address to listen on; port 0 picks a free one (the start line
    /// on standard output names it).
    #[arg(long, env = "HOOKRELAY_LISTEN", default_value = "127.0.0.1:8080")]
    pub listen: SocketAddr,
    /// The base of the URLs handed out (ingest URLs, portal links); default
    /// http://<listen>.
    #[arg(long, env = "HOOKRELAY_PUBLIC_URL")]
    pub public_url: Option<String>,
    /// Allow deliveries to loopback, private and link-local addresses.
    #[arg(long, env = "HOOKRELAY_ALLOW_PRIVATE_DESTINATIONS")]
    pub allow_private_destinations: bool,
    /// Send deliveries and notifications through this HTTP(S) proxy
    /// (http://host:port). The proxy is trusted to filter destinations
    /// itself: host names reach it unresolved, and only literal internal
    /// addresses are still refused here. HTTP_PROXY, HTTPS_PROXY and
    /// ALL_PROXY are ignored for deliveries, so that a proxy in the
    /// environment cannot carry them past the check on private addresses.
    #[arg(long, env = "HOOKRELAY_EGRESS_PROXY", value_parser = proxy_url)]
    pub egress_proxy: Option<String>,
    /// Most event bodies read at once on this node (ingest and the send
    /// route); requests beyond wait up to 5 s for a turn, then get 503.
    /// Credentials are checked before a body is read.
    #[arg(long, env = "HOOKRELAY_MAX_CONCURRENT_INGEST_BODIES", default_value_t = 128, value_parser = clap::value_parser!(u64).range(1..=100_000))]
    pub max_concurrent_ingest_bodies: u64,
    /// Most client connections open at once; further ones wait in the
    /// listen backlog until one closes (logged, at most every 10 s). The
    /// open-file limit is raised to its hard limit at start.
    #[arg(long, env = "HOOKRELAY_MAX_CONNECTIONS", default_value_t = 10_000, value_parser = clap::value_parser!(u64).range(1..=1_000_000))]
    pub max_connections: u64,
    /// How long a client has to send a complete request head, from when it
    /// connects or, on a kept-alive connection, from the end of the
    /// previous answer: this also closes idle keep-alive connections.
    #[arg(long, env = "HOOKRELAY_REQUEST_HEADER_TIMEOUT_SECONDS", default_value_t = 30, value_parser = clap::value_parser!(u64).range(1..=3600))]
    pub request_header_timeout_seconds: u64,
    /// The longest a request body may pause between two pieces before the
    /// request is answered 408 and its connection closed.
    #[arg(long, env = "HOOKRELAY_REQUEST_BODY_TIMEOUT_SECONDS", default_value_t = 30, value_parser = clap::value_parser!(u64).range(1..=3600))]
    pub request_body_timeout_seconds: u64,
    /// Export traces (spans of ingest, the store and delivery attempts) to
    /// this OpenTelemetry collector over OTLP/HTTP (protobuf), e.g.
    /// http://127.0.0.1:4318 (spans go to <url>/v1/traces).
    #[arg(long, env = "HOOKRELAY_OTLP_ENDPOINT")]
    pub otlp_endpoint: Option<String>,
    /// Largest accepted request body (ingest payloads included).
    #[arg(long, env = "HOOKRELAY_MAX_PAYLOAD_BYTES", default_value_t = 1024 * 1024)]
    pub max_payload_bytes: usize,
    /// How long a node owns a delivery it is sending; if it dies, others
    /// retry the delivery after this. Requests time out at half of it.
    #[arg(long, env = "HOOKRELAY_LEASE_SECONDS", default_value_t = 60, value_parser = clap::value_parser!(u64).range(2..=3600))]
    pub lease_seconds: u64,
    /// Mark the dashboard session cookie `Secure` (always on when
    /// --public-url is https).
    #[arg(long, env = "HOOKRELAY_SECURE_COOKIES")]
    pub secure_cookies: bool,
    /// A dashboard session ends after this long without a request.
    #[arg(long, env = "HOOKRELAY_SESSION_IDLE_SECONDS", default_value_t = 3600, value_parser = clap::value_parser!(u64).range(1..=30 * 86400))]
    pub session_idle_seconds: u64,
    /// A dashboard session ends this long after login, however active.
    #[arg(long, env = "HOOKRELAY_SESSION_MAX_SECONDS", default_value_t = 12 * 3600, value_parser = clap::value_parser!(u64).range(1..=90 * 86400))]
    pub session_max_seconds: u64,
    /// Behind a reverse proxy: the header it sets to the client address
    /// (e.g. X-Forwarded-For; its last entry is used). Only set this when
    /// every request comes through that proxy.
    #[arg(long, env = "HOOKRELAY_CLIENT_IP_HEADER")]
    pub client_ip_header: Option<axum::http::HeaderName>,
    /// Failed dashboard logins allowed per email and per client IP in 15 minutes.
    #[arg(long, env = "HOOKRELAY_LOGIN_MAX_FAILURES", default_value_t = 5, value_parser = clap::value_parser!(u32).range(1..=1000))]
    pub login_max_failures: u32,
    /// Most deliveries in flight at once on this node, all endpoints together.
    #[arg(long, env = "HOOKRELAY_MAX_IN_FLIGHT", default_value_t = 512, value_parser = clap::value_parser!(u64).range(1..=100_000))]
    pub max_in_flight: u64,
    /// Most requests in flight to one endpoint, counting every node, unless
    /// its webhook sets `maxInFlight`.
    #[arg(long, env = "HOOKRELAY_ENDPOINT_MAX_IN_FLIGHT", default_value_t = 20, value_parser = clap::value_parser!(u64).range(1..=10_000))]
    pub endpoint_max_in_flight: u64,
    /// Failed attempts in a row (no answer, or a 5xx) that open an endpoint's
    /// circuit: its deliveries then wait, and one probe decides when it closes.
    #[arg(long, env = "HOOKRELAY_CIRCUIT_FAILURES", default_value_t = 5, value_parser = clap::value_parser!(u32).range(1..=1000))]
    pub circuit_failures: u32,
    /// How long a circuit first stays open before its probe; each failed
    /// probe doubles it, up to 10 minutes.
    #[arg(long, env = "HOOKRELAY_CIRCUIT_OPEN_SECONDS", default_value_t = 30, value_parser = clap::value_parser!(u64).range(1..=600))]
    pub circuit_open_seconds: u64,
    /// How often a node asks the database which endpoints have queued work
    /// (retries, work of a node that died). New work does not wait for it:
    /// on PostgreSQL a node tells the endpoint's owner at once.
    #[arg(long, env = "HOOKRELAY_DISCOVERY_INTERVAL_MS", default_value_t = 1000, value_parser = clap::value_parser!(u64).range(10..=3_600_000))]
    pub discovery_interval_ms: u64,
    /// How long a node trusts a cached lookup (API keys, ingest secrets,
    /// applications and their endpoints, webhook settings) that no notice
    /// said changed. A change through this node is seen here at once; on
    /// PostgreSQL one through another node as soon as its notice arrives,
    /// so this bounds only what a notice lost with a connection that died
    /// unnoticed would leave stale.
    #[arg(long, env = "HOOKRELAY_CACHE_TTL_MS", default_value_t = 500, value_parser = clap::value_parser!(u64).range(0..=3_600_000))]
    pub cache_ttl_ms: u64,
    /// On SIGTERM, how long in-flight deliveries may take to finish.
    #[arg(long, env = "HOOKRELAY_SHUTDOWN_GRACE_SECONDS", default_value_t = 10)]
    pub shutdown_grace_seconds: u64,
    /// Disable a webhook after this many deliveries in a row end dead with
    /// no success between them; 0 never disables.
    #[arg(long, env = "HOOKRELAY_AUTO_DISABLE_AFTER_DEAD", default_value_t = crate::webhooks::AUTO_DISABLE_AFTER_DEAD)]
    pub auto_disable_after_dead: i64,
    /// How often operator notifications gather news (dead letters are
    /// aggregated over this window).
    #[arg(
        long,
        env = "HOOKRELAY_NOTIFICATION_INTERVAL_SECONDS",
        default_value_t = 60
    )]
    pub notification_interval_seconds: u64,
    /// Purge finished deliveries after at most this many minutes, whatever
    /// a project's tier would keep (for installations short of disk).
    #[arg(long, env = "HOOKRELAY_MAX_RETENTION_MINUTES", value_parser = clap::value_parser!(u64).range(1..=365 * 24 * 60))]
    pub max_retention_minutes: Option<u64>,
    /// The tier of projects created without `--tier` (recorded in the
    /// database at start, where `project create` reads it). `unlimited`
    /// suits a self-hosted installation; the others are plans to sell.
    #[arg(long, env = "HOOKRELAY_DEFAULT_TIER", default_value = crate::tiers::DEFAULT_TIER, value_parser = tier_names())]
    pub default_tier: String,
}

impl ServeArgs {
    pub fn lease(&self) -> Duration {
        Duration::from_secs(self.lease_seconds)
    }
}

#[derive(Subcommand)]
pub enum ProjectCommand {
    /// Create a project and print its id and first admin API key (once).
    Create {
        #[command(flatten)]
        db: DbArgs,
        /// The project's name.
        #[arg(long)]
        name: String,
        /// The project's tier; default: the server's --default-tier.
        #[arg(long, value_parser = tier_names())]
        tier: Option<String>,
        /// Print {"projectId", "apiKey"} as JSON.
        #[arg(long)]
        json: bool,
    },
    /// Set a project's tier, which decides its limits and features.
    SetTier {
        #[command(flatten)]
        db: DbArgs,
        /// The project id (proj_...).
        #[arg(long)]
        project: String,
        /// The new tier.
        #[arg(long, value_parser = tier_names())]
        tier: String,
        /// Print {"projectId", "from", "to"} as JSON.
        #[arg(long)]
        json: bool,
    },
    /// List the installation's projects.
    List {
        #[command(flatten)]
        db: DbArgs,
        /// Print a JSON array instead of a table.
        #[arg(long)]
        json: bool,
    },
    /// Show a project: its tier, limits and what it holds.
    Show {
        #[command(flatten)]
        db: DbArgs,
        /// The project id (proj_...).
        #[arg(long)]
        project: String,
        /// Print JSON instead of a table.
        #[arg(long)]
        json: bool,
    },
    /// Mint a new API key for a project (an admin key unless --role says
    /// otherwise) and print it, once: the way back in when every admin key
    /// is lost.
    CreateKey {
        #[command(flatten)]
        db: DbArgs,
        /// The project id (proj_...).
        #[arg(long)]
        project: String,
        /// What the key is for.
        #[arg(long, default_value = "admin key from the CLI")]
        name: String,
        /// What the key may do.
        #[arg(long, default_value = "admin", value_parser = PossibleValuesParser::new(crate::store::Role::ALL))]
        role: String,
        /// Print {"projectId", "keyId", "apiKey"} as JSON.
        #[arg(long)]
        json: bool,
    },
}

fn proxy_url(value: &str) -> Result<String, String> {
    match url::Url::parse(value) {
        Ok(u) if matches!(u.scheme(), "http" | "https") && u.host().is_some() => Ok(value.into()),
        _ => Err("must be an http:// or https:// URL such as http://proxy.internal:3128".into()),
    }
}

fn tier_names() -> PossibleValuesParser {
    PossibleValuesParser::new(crate::tiers::TIERS.iter().map(|t| t.name))
}

#[derive(Subcommand)]
pub enum UserCommand {
    /// Create a dashboard user (or add an existing one to another project).
    /// Without --password-stdin, prints a one-time password-setup link.
    Create {
        #[command(flatten)]
        db: DbArgs,
        /// The user's email, their login name.
        #[arg(long)]
        email: String,
        /// The project id (proj_...) the user joins.
        #[arg(long)]
        project: String,
        /// The user's role in the project.
        #[arg(long, default_value = "member", value_parser = PossibleValuesParser::new(["owner", "admin", "member"]))]
        role: String,
        /// Read the password from standard input instead of printing a link.
        #[arg(long)]
        password_stdin: bool,
        /// The server's public base URL, for the setup link.
        #[arg(
            long,
            env = "HOOKRELAY_PUBLIC_URL",
            default_value = "http://127.0.0.1:8080"
        )]
        public_url: String,
        /// Print {"userId", "email", "projectId", "role", "newUser",
        /// "setupLink"} as JSON (setupLink is null with --password-stdin).
        #[arg(long)]
        json: bool,
    },
    /// End a user's access at once: their password and any unused setup
    /// link are removed and every session ends. Memberships stay; `user
    /// create` for the same email issues a new setup link to let them back in.
    Deactivate {
        #[command(flatten)]
        db: DbArgs,
        /// The user's email.
        #[arg(long)]
        email: String,
        /// Print {"userId", "email", "sessionsEnded"} as JSON.
        #[arg(long)]
        json: bool,
    },
    /// Delete a user with their memberships and sessions; with --project,
    /// only take them out of that project.
    Remove {
        #[command(flatten)]
        db: DbArgs,
        /// The user's email.
        #[arg(long)]
        email: String,
        /// The project id (proj_...) to take the user out of.
        #[arg(long)]
        project: Option<String>,
        /// Print {"userId", "email", "sessionsEnded"} (or, with --project,
        /// {"userId", "email", "projectId"}) as JSON.
        #[arg(long)]
        json: bool,
    },
}

#[derive(Args)]
pub struct SendArgs {
    /// The webhook's ingest URL.
    #[arg(long)]
    pub url: String,
    /// The webhook's ingest secret (whsec_...).
    #[arg(long, env = "HOOKRELAY_INGEST_SECRET", hide_env_values = true)]
    pub secret: String,
    /// The payload; `-` reads standard input.
    #[arg(long)]
    pub data: String,
    /// The payload's content type.
    #[arg(long, default_value = "application/json")]
    pub content_type: String,
    /// A repeat within 24 hours returns the first delivery and creates nothing.
    #[arg(long)]
    pub idempotency_key: Option<String>,
}

#[derive(Args)]
pub struct VerifyArgs {
    /// The webhook's signing secret (whsec_...).
    #[arg(long, env = "HOOKRELAY_SIGNING_SECRET", hide_env_values = true)]
    pub secret: String,
    /// The `webhook-id` header.
    #[arg(long)]
    pub id: String,
    /// The `webhook-timestamp` header.
    #[arg(long)]
    pub timestamp: i64,
    /// The `webhook-signature` header.
    #[arg(long)]
    pub signature: String,
    /// File with the raw body; default: standard input.
    #[arg(long)]
    pub body_file: Option<PathBuf>,
    /// Accept any timestamp (for replayed captures).
    #[arg(long)]
    pub no_tolerance: bool,
}

#[derive(Args)]
pub struct ReceiveArgs {
    /// Where to listen (the webhook's destination URL points here).
    #[arg(long, default_value = "127.0.0.1:9000")]
    pub listen: SocketAddr,
    /// The webhook's signing secret (whsec_...).
    #[arg(long, env = "HOOKRELAY_SIGNING_SECRET", hide_env_values = true)]
    pub secret: String,
    /// Exit after this many verified deliveries; default: run until stopped.
    #[arg(long)]
    pub count: Option<u64>,
}

#[cfg(test)]
mod tests {
    use clap::CommandFactory;

    /// clap's own consistency checks (no two flags of one command share a name).
    #[test]
    fn the_command_line_is_consistent() {
        super::Cli::command().debug_assert();
    }

    /// Every flag and argument of every command says what it is for.
    #[test]
    fn every_flag_has_help_text() {
        fn walk(cmd: &clap::Command, path: String, missing: &mut Vec<String>) {
            for arg in cmd.get_arguments() {
                let id = arg.get_id().as_str();
                if !matches!(id, "help" | "version")
                    && arg.get_help().is_none()
                    && arg.get_long_help().is_none()
                {
                    missing.push(format!("{path} {id}"));
                }
            }
            for sub in cmd.get_subcommands() {
                walk(sub, format!("{path} {}", sub.get_name()), missing);
            }
        }
        let mut missing = Vec::new();
        walk(&super::Cli::command(), "hookrelay".into(), &mut missing);
        assert!(missing.is_empty(), "flags without help: {missing:?}");
    }

    #[test]
    fn flags_with_a_fixed_set_of_values_list_them_in_help() {
        let mut cmd = super::Cli::command();
        let help = cmd
            .find_subcommand_mut("deliveries")
            .unwrap()
            .find_subcommand_mut("list")
            .unwrap()
            .render_help()
            .to_string();
        assert!(
            help.contains("failed-retrying") && help.contains("discarded"),
            "{help}"
        );
        let help = cmd
            .find_subcommand_mut("project")
            .unwrap()
            .find_subcommand_mut("set-tier")
            .unwrap()
            .render_help()
            .to_string();
        assert!(help.contains("enterprise"), "{help}");
    }
}
