//! The API client's commands and flags (`hookrelay webhooks list`, ...).
//! Every command talks HTTP to a server with an API key; none touches the
//! database.

use clap::builder::PossibleValuesParser;
use clap::{Args, Subcommand};

use crate::store::{DeliveryStatus, Role};

/// Where to send requests and how to print answers: flags of every client
/// command (given before or after the subcommand).
#[derive(Args, Clone, Debug)]
pub struct Conn {
    /// The server's base URL [default: the profile's, else http://127.0.0.1:8080].
    #[arg(long, env = "HOOKRELAY_URL", global = true)]
    pub url: Option<String>,
    /// A project API key, `swk_...` [default: the profile's].
    #[arg(long, env = "HOOKRELAY_API_KEY", hide_env_values = true, global = true)]
    pub api_key: Option<String>,
    /// The profile of the profile file (written by `hookrelay login`) to use.
    #[arg(
        long,
        env = "HOOKRELAY_PROFILE",
        default_value = "default",
        global = true
    )]
    pub profile: String,
    /// Print the API's JSON answer as it came (nothing for a 204) instead of a table.
    #[arg(long, global = true)]
    pub json: bool,
}

/// `?limit=&cursor=` of list commands, or every page.
#[derive(Args, Clone, Debug)]
pub struct Paging {
    /// Items per page, 1 to 100 [default: 50].
    #[arg(long, value_parser = clap::value_parser!(i64).range(1..=100))]
    pub limit: Option<i64>,
    /// The `nextCursor` of the previous page.
    #[arg(long, conflicts_with = "all")]
    pub cursor: Option<String>,
    /// Follow `nextCursor` and print every page as one list.
    #[arg(long)]
    pub all: bool,
}

/// The client commands, flattened into `hookrelay`'s own.
#[derive(Subcommand)]
pub enum ClientCommand {
    /// Client: check an API key against a server and save both in a
    /// profile file (mode 0600) that the other client commands read.
    Login {
        #[command(flatten)]
        conn: Conn,
    },
    /// Client: the project of the API key, its tier and limits (admin key).
    Whoami {
        #[command(flatten)]
        conn: Conn,
    },
    /// Client: webhooks (list, get, create, update, delete, rotate secrets, send events).
    #[command(visible_alias = "webhook")]
    Webhooks {
        #[command(flatten)]
        conn: Conn,
        #[command(subcommand)]
        command: WebhookCommand,
    },
    /// Client: deliveries (list with filters, get with attempts, replay, bulk replay, tail).
    #[command(visible_alias = "delivery")]
    Deliveries {
        #[command(flatten)]
        conn: Conn,
        #[command(subcommand)]
        command: DeliveryCommand,
    },
    /// Client: the dead-letter queue (list, replay, discard, bulk replay).
    Dlq {
        #[command(flatten)]
        conn: Conn,
        #[command(subcommand)]
        command: DlqCommand,
    },
    /// Client: applications, the project's customers, and their messages.
    #[command(visible_alias = "application")]
    Applications {
        #[command(flatten)]
        conn: Conn,
        #[command(subcommand)]
        command: ApplicationCommand,
    },
    /// Client: event types that application endpoints subscribe to.
    #[command(visible_alias = "event-type")]
    EventTypes {
        #[command(flatten)]
        conn: Conn,
        #[command(subcommand)]
        command: EventTypeCommand,
    },
    /// Client: the customer portal: magic links, portal tokens, framing settings.
    Portal {
        #[command(flatten)]
        conn: Conn,
        #[command(subcommand)]
        command: PortalCommand,
    },
    /// Client: the project's API keys (admin key).
    #[command(visible_alias = "api-key")]
    ApiKeys {
        #[command(flatten)]
        conn: Conn,
        #[command(subcommand)]
        command: ApiKeyCommand,
    },
    /// Client: what the project's webhooks did, per day or hour.
    Usage {
        #[command(flatten)]
        conn: Conn,
        /// Start, RFC 3339 [default: 30 days (or 24 hours) before --to].
        #[arg(long)]
        from: Option<String>,
        /// End, RFC 3339, exclusive [default: now].
        #[arg(long)]
        to: Option<String>,
        /// Only this webhook.
        #[arg(long)]
        webhook: Option<String>,
        /// Bucket size.
        #[arg(long, value_parser = PossibleValuesParser::new(["day", "hour"]))]
        granularity: Option<String>,
    },
    /// Client: events fired into a webhook on a cron schedule, or once.
    #[command(visible_alias = "schedule")]
    Schedules {
        #[command(flatten)]
        conn: Conn,
        #[command(subcommand)]
        command: ScheduleCommand,
    },
    /// Client: the project's audit log (admin key; tiers with the audit log).
    AuditLog {
        #[command(flatten)]
        conn: Conn,
        #[command(subcommand)]
        command: AuditLogCommand,
    },
    /// Client: where operator notifications go (admin key; tiers with notifications).
    #[command(visible_alias = "notification-channel")]
    NotificationChannels {
        #[command(flatten)]
        conn: Conn,
        #[command(subcommand)]
        command: ChannelCommand,
    },
    /// Client: a bulk replay's progress.
    ReplayJobs {
        #[command(flatten)]
        conn: Conn,
        #[command(subcommand)]
        command: ReplayJobCommand,
    },
    /// Client: an MCP server on standard input and output for local agents
    /// (Claude, Cursor, ...): the same tools as the server's `/mcp`, with
    /// this API key's (or portal token's) rights.
    Mcp {
        #[command(flatten)]
        conn: Conn,
    },
    /// Client: receive a webhook's signed deliveries on this machine (behind
    /// NAT too) through one outbound connection, and POST them to a local URL.
    Listen {
        #[command(flatten)]
        conn: Conn,
        #[command(flatten)]
        args: ListenArgs,
    },
}

/// `hookrelay listen`.
#[derive(Args, Clone, Debug)]
pub struct ListenArgs {
    /// The local URL each delivery is POSTed to, e.g. http://localhost:3000/webhooks.
    #[arg(long)]
    pub forward_to: String,
    /// Attach to this listen webhook (wh_...) instead of creating one; its
    /// deliveries queued while no CLI was connected arrive now.
    #[arg(long)]
    pub webhook: Option<String>,
    /// Create the webhook as an endpoint of this application (id or uid).
    #[arg(long)]
    pub application: Option<String>,
    /// Only these event types, comma-separated (application endpoints).
    #[arg(long, value_delimiter = ',')]
    pub events: Option<Vec<String>>,
    /// Print each delivery as one JSON line (for scripts) instead of text.
    #[arg(long)]
    pub print_json: bool,
}

/// Settings of `webhooks create` and `webhooks update`.
#[derive(Args, Debug)]
pub struct WebhookFields {
    /// Free text shown beside the name.
    #[arg(long)]
    pub description: Option<String>,
    /// An extra request header of every delivery, `Name=value`; repeat for
    /// more (on update, the given set replaces the current one).
    #[arg(long = "header", value_name = "NAME=VALUE")]
    pub headers: Vec<String>,
    /// How long one attempt may take, 1 to 30 seconds.
    #[arg(long, value_parser = clap::value_parser!(i64).range(1..=30))]
    pub timeout_seconds: Option<i64>,
    /// Delays in seconds before each retry, comma-separated (e.g. 5,300,1800).
    #[arg(long, value_delimiter = ',', num_args = 1..)]
    pub retry_schedule: Option<Vec<u32>>,
    /// For application endpoints: an event type it receives; repeat for more.
    #[arg(long = "event-type", value_name = "TYPE")]
    pub event_types: Vec<String>,
    /// Most requests in flight to it at once, all nodes together, 1 to 1000 [default: the server's].
    #[arg(long)]
    pub max_in_flight: Option<i64>,
    /// Most deliveries started per second, 1 to 10000 [default: unlimited].
    #[arg(long)]
    pub rate_limit: Option<i64>,
    /// `fifo` sends one delivery at a time (per ordering key), in ingest order.
    #[arg(long, value_parser = PossibleValuesParser::new(crate::store::Ordering::ALL))]
    pub ordering: Option<String>,
}

#[derive(Subcommand)]
pub enum WebhookCommand {
    /// List the project's webhooks, newest first.
    List {
        #[command(flatten)]
        paging: Paging,
    },
    /// Show one webhook.
    Get {
        /// The webhook id (wh_...).
        id: String,
    },
    /// Create a webhook; prints its ingest secret and signing secret, once.
    Create {
        /// Its name.
        #[arg(long)]
        name: String,
        /// Where deliveries are POSTed (http or https).
        #[arg(long)]
        destination_url: String,
        /// Create it disabled: events are accepted and held until it is enabled.
        #[arg(long)]
        disabled: bool,
        /// Make it an endpoint of this application (id or uid).
        #[arg(long)]
        application: Option<String>,
        #[command(flatten)]
        fields: WebhookFields,
    },
    /// Change a webhook's settings; flags left out stay as they are.
    Update {
        /// The webhook id (wh_...).
        id: String,
        /// A new name.
        #[arg(long)]
        name: Option<String>,
        /// A new destination URL.
        #[arg(long)]
        destination_url: Option<String>,
        /// Enable it (also clears an automatic disable).
        #[arg(long, conflicts_with = "disable")]
        enable: bool,
        /// Disable it: events are accepted and held until it is enabled again.
        #[arg(long)]
        disable: bool,
        /// Go back to the default retry schedule.
        #[arg(long, conflicts_with = "retry_schedule")]
        default_retry_schedule: bool,
        /// Receive every event type again (application endpoints).
        #[arg(long, conflicts_with = "event_types")]
        all_event_types: bool,
        /// Go back to the server's default of requests in flight.
        #[arg(long, conflicts_with = "max_in_flight")]
        default_max_in_flight: bool,
        /// Remove the rate limit.
        #[arg(long, conflicts_with = "rate_limit")]
        no_rate_limit: bool,
        #[command(flatten)]
        fields: WebhookFields,
    },
    /// Delete a webhook with its secrets and delivery history.
    Delete {
        /// The webhook id (wh_...).
        id: String,
    },
    /// Replace the ingest secret; prints the new one, once.
    RotateIngestSecret {
        /// The webhook id (wh_...).
        id: String,
        /// How long the previous secret stays valid, 0 to 604800 seconds [default: 86400].
        #[arg(long)]
        overlap_seconds: Option<i64>,
    },
    /// Replace the signing secret; prints the new one, once.
    RotateSigningSecret {
        /// The webhook id (wh_...).
        id: String,
        /// How long deliveries stay signed with the previous secret too, 0 to 604800 seconds [default: 86400].
        #[arg(long)]
        overlap_seconds: Option<i64>,
    },
    /// The versions of a webhook's secrets (never the secrets).
    SecretVersions {
        /// The webhook id (wh_...).
        id: String,
    },
    /// Send an event to a webhook through the API (as ingest does).
    Send {
        /// The webhook id (wh_...).
        id: String,
        /// The payload, delivered byte for byte; `-` reads standard input.
        #[arg(long)]
        data: String,
        /// The payload's content type.
        #[arg(long, default_value = "application/json")]
        content_type: String,
        /// A repeat within 24 hours returns the first delivery and creates nothing.
        #[arg(long)]
        idempotency_key: Option<String>,
    },
}

/// Filters of delivery lists, bulk replays and tail.
#[derive(Args, Debug, Clone)]
pub struct DeliveryFilters {
    /// Only this webhook's deliveries.
    #[arg(long)]
    pub webhook: Option<String>,
    /// Created at or after this RFC 3339 time.
    #[arg(long)]
    pub from: Option<String>,
    /// Created before this RFC 3339 time.
    #[arg(long)]
    pub to: Option<String>,
}

#[derive(Subcommand)]
pub enum DeliveryCommand {
    /// List deliveries, newest first.
    List {
        #[command(flatten)]
        filters: DeliveryFilters,
        /// Only deliveries in this state.
        #[arg(long, value_parser = PossibleValuesParser::new(DeliveryStatus::ALL))]
        status: Option<String>,
        /// Only deliveries of application messages of this event type.
        #[arg(long)]
        event_type: Option<String>,
        #[command(flatten)]
        paging: Paging,
    },
    /// Show a delivery with its payload, request headers and every attempt.
    Get {
        /// The delivery id (msg_...).
        id: String,
    },
    /// Send a delivery again, as a new delivery due now.
    Replay {
        /// The delivery id (msg_...).
        id: String,
    },
    /// Replay every delivery matching the filters, paced, and follow the job.
    BulkReplay {
        #[command(flatten)]
        filters: DeliveryFilters,
        /// Only deliveries in this state.
        #[arg(long, value_parser = PossibleValuesParser::new(DeliveryStatus::ALL))]
        status: Option<String>,
        /// Replays created per second, 1 to 1000 [default: 50].
        #[arg(long, value_parser = clap::value_parser!(i64).range(1..=1000))]
        rate_per_second: Option<i64>,
        /// Print the job as created and return, without following its progress.
        #[arg(long)]
        no_wait: bool,
    },
    /// Follow new deliveries live (and their status changes) until interrupted.
    Tail {
        #[command(flatten)]
        filters: DeliveryFilters,
        /// Only deliveries in this state.
        #[arg(long, value_parser = PossibleValuesParser::new(DeliveryStatus::ALL))]
        status: Option<String>,
        /// How many of the latest deliveries to print first.
        #[arg(long, short = 'n', default_value_t = 10, value_parser = clap::value_parser!(u32).range(0..=100))]
        lines: u32,
        /// How often to ask the server, in milliseconds.
        #[arg(long, default_value_t = 1000, value_parser = clap::value_parser!(u64).range(100..=60_000))]
        interval_ms: u64,
    },
}

#[derive(Subcommand)]
pub enum DlqCommand {
    /// List dead deliveries not yet replayed or discarded, newest first.
    List {
        #[command(flatten)]
        filters: DeliveryFilters,
        /// Only deliveries of application messages of this event type.
        #[arg(long)]
        event_type: Option<String>,
        #[command(flatten)]
        paging: Paging,
    },
    /// Replay a dead letter; it leaves the queue.
    Replay {
        /// The delivery id (msg_...).
        id: String,
    },
    /// Take a dead letter out of the queue without sending it (kept in history as discarded).
    Discard {
        /// The delivery id (msg_...).
        id: String,
    },
    /// Replay every dead letter matching the filters, paced, and follow the job.
    BulkReplay {
        #[command(flatten)]
        filters: DeliveryFilters,
        /// Replays created per second, 1 to 1000 [default: 50].
        #[arg(long, value_parser = clap::value_parser!(i64).range(1..=1000))]
        rate_per_second: Option<i64>,
        /// Print the job as created and return, without following its progress.
        #[arg(long)]
        no_wait: bool,
    },
}

#[derive(Subcommand)]
pub enum ReplayJobCommand {
    /// Show a bulk replay job.
    Get {
        /// The job id (rjob_...).
        id: String,
    },
}

#[derive(Subcommand)]
pub enum ApplicationCommand {
    /// List applications, newest first.
    List {
        #[command(flatten)]
        paging: Paging,
    },
    /// Show one application.
    Get {
        /// The application's id (app_...) or uid.
        id: String,
    },
    /// Create an application.
    Create {
        /// Its name.
        #[arg(long)]
        name: String,
        /// The project's own id for this customer, unique per project.
        #[arg(long)]
        uid: Option<String>,
        /// A JSON object (at most 16 KiB).
        #[arg(long, value_name = "JSON")]
        metadata: Option<String>,
        /// An origin allowed to frame its hosted portal; repeat for more [default: the project's setting].
        #[arg(long = "frame-ancestor", value_name = "ORIGIN")]
        frame_ancestors: Vec<String>,
    },
    /// Change an application; flags left out stay as they are.
    Update {
        /// The application's id (app_...) or uid.
        id: String,
        /// A new name.
        #[arg(long)]
        name: Option<String>,
        /// A new uid.
        #[arg(long, conflicts_with = "remove_uid")]
        uid: Option<String>,
        /// Remove the uid.
        #[arg(long)]
        remove_uid: bool,
        /// A new JSON object.
        #[arg(long, value_name = "JSON")]
        metadata: Option<String>,
        /// An origin allowed to frame its hosted portal; repeat for more (replaces the list).
        #[arg(
            long = "frame-ancestor",
            value_name = "ORIGIN",
            conflicts_with = "default_frame_ancestors"
        )]
        frame_ancestors: Vec<String>,
        /// Use the project's framing setting again.
        #[arg(long)]
        default_frame_ancestors: bool,
    },
    /// Delete an application with its endpoints, messages and portal tokens.
    Delete {
        /// The application's id (app_...) or uid.
        id: String,
    },
    /// Send a message to the application's subscribed endpoints.
    SendMessage {
        /// The application's id (app_...) or uid.
        id: String,
        /// The message's event type, e.g. invoice.paid.
        #[arg(long)]
        event_type: String,
        /// The payload, any JSON value; `-` reads standard input.
        #[arg(long, value_name = "JSON")]
        payload: String,
        /// A repeat within 24 hours returns the first message and creates nothing.
        #[arg(long)]
        idempotency_key: Option<String>,
    },
}

#[derive(Subcommand)]
pub enum EventTypeCommand {
    /// List event types.
    List {
        #[command(flatten)]
        paging: Paging,
    },
    /// Show one event type.
    Get {
        /// The event type's name.
        name: String,
    },
    /// Create an event type.
    Create {
        /// E.g. invoice.paid: 1 to 256 of A-Z a-z 0-9 - _ .
        #[arg(long)]
        name: String,
        /// What it means.
        #[arg(long)]
        description: Option<String>,
        /// A JSON Schema object of its payload, for documentation.
        #[arg(long, value_name = "JSON")]
        schema: Option<String>,
    },
    /// Change an event type's description or schema.
    Update {
        /// The event type's name.
        name: String,
        /// A new description.
        #[arg(long)]
        description: Option<String>,
        /// A new JSON Schema object.
        #[arg(long, value_name = "JSON", conflicts_with = "remove_schema")]
        schema: Option<String>,
        /// Remove the schema.
        #[arg(long)]
        remove_schema: bool,
    },
    /// Delete an event type.
    Delete {
        /// The event type's name.
        name: String,
    },
}

/// Lifetime and scopes of portal credentials.
#[derive(Args, Debug)]
pub struct Scopes {
    /// What it may do; repeat for both [default: read and write].
    #[arg(long = "scope", value_parser = PossibleValuesParser::new([crate::portal::READ, crate::portal::WRITE]))]
    pub scopes: Vec<String>,
}

#[derive(Subcommand)]
pub enum PortalCommand {
    /// Open an application's hosted portal: a short-lived link (prints its URL and token).
    MagicLink {
        /// The application's id (app_...) or uid.
        application: String,
        /// Lifetime, 1 to 1440 minutes [default: 60].
        #[arg(long)]
        expires_in_minutes: Option<i64>,
        #[command(flatten)]
        scopes: Scopes,
    },
    /// Long-lived portal tokens of an application.
    #[command(subcommand)]
    Tokens(PortalTokenCommand),
    /// The project's default of which sites may frame the hosted portal (admin key).
    #[command(subcommand)]
    Settings(PortalSettingsCommand),
}

#[derive(Subcommand)]
pub enum PortalTokenCommand {
    /// List an application's long-lived tokens (never the tokens themselves).
    List {
        /// The application's id (app_...) or uid.
        application: String,
        #[command(flatten)]
        paging: Paging,
    },
    /// Create a long-lived token; prints it, once.
    Create {
        /// The application's id (app_...) or uid.
        application: String,
        /// What the token is for.
        #[arg(long)]
        name: Option<String>,
        /// Lifetime, 1 to 365 days [default: 30].
        #[arg(long)]
        expires_in_days: Option<i64>,
        #[command(flatten)]
        scopes: Scopes,
    },
    /// Revoke a token; it stops working at once.
    Revoke {
        /// The application's id (app_...) or uid.
        application: String,
        /// The token id (ptk_...).
        token: String,
    },
}

#[derive(Subcommand)]
pub enum PortalSettingsCommand {
    /// Show the project's portal settings.
    Get,
    /// Set which origins may frame the hosted portal of applications that set none.
    Set {
        /// An origin (https://example.com, 'self' or *); repeat for more.
        #[arg(
            long = "frame-ancestor",
            value_name = "ORIGIN",
            required_unless_present = "any_origin"
        )]
        frame_ancestors: Vec<String>,
        /// Let any origin frame it (the default).
        #[arg(long, conflicts_with = "frame_ancestors")]
        any_origin: bool,
    },
}

#[derive(Subcommand)]
pub enum ApiKeyCommand {
    /// List the project's API keys (never the keys themselves).
    List {
        #[command(flatten)]
        paging: Paging,
    },
    /// Show one API key.
    Get {
        /// The key id (key_...).
        id: String,
    },
    /// Create an API key; prints it, once.
    Create {
        /// What the key is for.
        #[arg(long)]
        name: String,
        /// What it may do.
        #[arg(long, value_parser = PossibleValuesParser::new(Role::ALL))]
        role: String,
    },
    /// Revoke a key (not the project's last active admin key).
    Revoke {
        /// The key id (key_...).
        id: String,
    },
    /// Replace a key's secret; prints the new one, once. The old one stops working.
    Rotate {
        /// The key id (key_...).
        id: String,
    },
}

#[derive(Subcommand)]
pub enum ScheduleCommand {
    /// List a webhook's schedules.
    List {
        /// The webhook id (wh_...).
        webhook: String,
        #[command(flatten)]
        paging: Paging,
    },
    /// Show one schedule.
    Get {
        /// The webhook id (wh_...).
        webhook: String,
        /// The schedule id (sched_...).
        id: String,
    },
    /// Create a schedule: on a cron expression, or once at --run-at.
    Create {
        /// The webhook id (wh_...).
        webhook: String,
        /// Its name.
        #[arg(long)]
        name: Option<String>,
        /// 5-field cron (0 9 * * 1-5), or 6 fields with seconds first.
        #[arg(long, required_unless_present = "run_at", conflicts_with = "run_at")]
        cron: Option<String>,
        /// IANA time zone of --cron [default: UTC].
        #[arg(long)]
        time_zone: Option<String>,
        /// Fire once at this RFC 3339 time.
        #[arg(long)]
        run_at: Option<String>,
        /// The event body, sent as given.
        #[arg(long)]
        payload: String,
        /// The body's content type [default: application/json].
        #[arg(long)]
        content_type: Option<String>,
        /// An extra request header of every firing, `Name=value`; repeat for more.
        #[arg(long = "header", value_name = "NAME=VALUE")]
        headers: Vec<String>,
    },
    /// Pause a schedule.
    Pause {
        /// The webhook id (wh_...).
        webhook: String,
        /// The schedule id (sched_...).
        id: String,
    },
    /// Resume a paused schedule (due times missed meanwhile are skipped).
    Resume {
        /// The webhook id (wh_...).
        webhook: String,
        /// The schedule id (sched_...).
        id: String,
    },
    /// Delete a schedule (deliveries it made stay).
    Delete {
        /// The webhook id (wh_...).
        webhook: String,
        /// The schedule id (sched_...).
        id: String,
    },
}

#[derive(Subcommand)]
pub enum AuditLogCommand {
    /// List audit log entries, newest first.
    List {
        /// Only this action, e.g. webhook.update.
        #[arg(long)]
        action: Option<String>,
        /// Only this actor: an API key id, dashboard user id, portal token id or CLI user.
        #[arg(long)]
        actor: Option<String>,
        /// Only changes to this id.
        #[arg(long)]
        target: Option<String>,
        /// At or after this RFC 3339 time.
        #[arg(long)]
        from: Option<String>,
        /// Before this RFC 3339 time.
        #[arg(long)]
        to: Option<String>,
        #[command(flatten)]
        paging: Paging,
    },
}

#[derive(Subcommand)]
pub enum ChannelCommand {
    /// List notification channels.
    List {
        #[command(flatten)]
        paging: Paging,
    },
    /// Show one channel.
    Get {
        /// The channel id (nch_...).
        id: String,
    },
    /// Create a channel; prints its signing secret, once.
    Create {
        /// Where notifications go: an http(s) URL the operator owns.
        destination: String,
        /// What it is for.
        #[arg(long)]
        description: Option<String>,
    },
    /// Delete a channel.
    Delete {
        /// The channel id (nch_...).
        id: String,
    },
}
