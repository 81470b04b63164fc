//! Rows and the values the store takes and gives.

use sqlx::any::AnyRow;
use sqlx::Row;

use super::{decode_err, Result};

/// `$2 = '' OR id < $2` in list queries: an empty cursor means "from the top".
#[derive(Clone, Debug)]
pub struct PageRequest {
    pub cursor: Option<String>,
    pub limit: i64,
}

impl PageRequest {
    pub(super) fn cursor_or_empty(&self) -> &str {
        self.cursor.as_deref().unwrap_or("")
    }
    /// One row more than asked, to know whether another page follows.
    pub(super) fn fetch_limit(&self) -> i64 {
        self.limit + 1
    }
}

#[derive(Debug)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub next_cursor: Option<String>,
}

impl<T> Page<T> {
    pub(super) fn from_rows(
        rows: Vec<AnyRow>,
        req: &PageRequest,
        decode: impl Fn(&AnyRow) -> Result<T>,
        cursor_of: impl Fn(&T) -> String,
    ) -> Result<Page<T>> {
        let mut items = rows.iter().map(decode).collect::<Result<Vec<_>>>()?;
        let limit = usize::try_from(req.limit).unwrap_or(0);
        let next_cursor = if items.len() > limit {
            items.truncate(limit);
            items.last().map(&cursor_of)
        } else {
            None
        };
        Ok(Page { items, next_cursor })
    }
}

// `$s:tt`, not `$s:literal`: a `literal` fragment reaches derive macros
// wrapped in an invisible group, which serde sees through but utoipa's
// ToSchema does not, so the OpenAPI document listed the variant names
// (`FailedRetrying`) instead of the wire values (`failed-retrying`).
macro_rules! string_enum {
    ($(#[$m:meta])* $name:ident { $($variant:ident = $s:tt),+ $(,)? }) => {
        $(#[$m])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize, utoipa::ToSchema)]
        pub enum $name {
            $(#[serde(rename = $s)] $variant),+
        }
        impl $name {
            /// Every value as on the wire.
            pub const ALL: &'static [&'static str] = &[$($s),+];
            pub fn as_str(&self) -> &'static str {
                match self { $($name::$variant => $s),+ }
            }
            pub fn parse(s: &str) -> Option<Self> {
                match s { $($s => Some($name::$variant),)+ _ => None }
            }
        }
    };
}

string_enum!(
    /// What a project API key may do.
    Role { Admin = "admin", Write = "write" }
);
string_enum!(
    /// Which kind of webhook secret.
    SecretKind { Ingest = "ingest", Signing = "signing", Verification = "verification" }
);
string_enum!(
    /// Where a delivery stands; `discarded` is a dead delivery an operator
    /// took out of the dead-letter queue, kept in history; `filtered` was
    /// never sent: its event did not match the endpoint's filter (a replay
    /// sends it); `cancelled` was never sent either: the endpoint's
    /// transformation returned null for it (a replay runs it again).
    DeliveryStatus {
        Pending = "pending",
        Delivering = "delivering",
        Succeeded = "succeeded",
        FailedRetrying = "failed-retrying",
        Dead = "dead",
        Discarded = "discarded",
        Filtered = "filtered",
        Cancelled = "cancelled",
    }
);

fn parse_col<T>(row: &AnyRow, col: &str, parse: fn(&str) -> Option<T>) -> Result<T> {
    let s: String = row.try_get(col)?;
    parse(&s).ok_or_else(|| decode_err(col, &s))
}

#[derive(Clone, Debug)]
pub struct Project {
    pub id: String,
    pub name: String,
    pub tier: String,
    pub created_at: i64,
    /// Endpoints one application may have; None: the default.
    pub max_endpoints_per_application: Option<i64>,
}

impl Project {
    pub(super) const COLUMNS: &'static str =
        "id, name, tier, created_at, max_endpoints_per_application";

    pub(super) fn from_row(r: &AnyRow) -> Result<Self> {
        Ok(Project {
            id: r.try_get("id")?,
            name: r.try_get("name")?,
            tier: r.try_get("tier")?,
            created_at: r.try_get("created_at")?,
            max_endpoints_per_application: r.try_get("max_endpoints_per_application")?,
        })
    }
}

pub struct NewApiKey {
    pub id: String,
    pub project_id: String,
    pub name: String,
    pub role: Role,
    pub prefix: String,
    pub secret_hash: String,
}

pub(super) const API_KEY_COLUMNS: &str =
    "id, project_id, name, role, prefix, status, created_at, rotated_at, revoked_at";

#[derive(Clone, Debug)]
pub struct ApiKey {
    pub id: String,
    pub name: String,
    pub role: Role,
    pub prefix: String,
    pub status: String,
    pub created_at: i64,
    pub rotated_at: Option<i64>,
    pub revoked_at: Option<i64>,
}

impl ApiKey {
    pub(super) fn from_row(r: &AnyRow) -> Result<Self> {
        Ok(ApiKey {
            id: r.try_get("id")?,
            name: r.try_get("name")?,
            role: parse_col(r, "role", Role::parse)?,
            prefix: r.try_get("prefix")?,
            status: r.try_get("status")?,
            created_at: r.try_get("created_at")?,
            rotated_at: r.try_get("rotated_at")?,
            revoked_at: r.try_get("revoked_at")?,
        })
    }
}

/// Who a valid API key speaks for.
#[derive(Clone, Debug)]
pub struct KeyAuth {
    pub key_id: String,
    pub project_id: String,
    pub role: String,
    pub prefix: String,
}

pub enum RevokeOutcome {
    Revoked,
    NotFound,
    LastAdmin,
}

pub(super) const WEBHOOK_COLUMNS: &str = "id, project_id, public_id, name, description, destination_url, enabled, \
     headers, timeout_secs, retry_schedule, created_at, updated_at, application_id, event_types, disabled_reason, \
     max_in_flight, rate_limit, ordering, circuit_state, circuit_since, circuit_next_probe_at, destination_kind, \
     verification, filter, transformation_id, \
     (SELECT CAST(COUNT(*) AS BIGINT) FROM deliveries \
      WHERE deliveries.webhook_id = webhooks.id AND next_attempt_at IS NULL AND status = 'pending') AS held_count";

#[derive(Clone, Debug, Default)]
pub struct Webhook {
    pub id: String,
    pub project_id: String,
    pub public_id: String,
    pub name: String,
    pub description: String,
    pub destination_url: String,
    pub enabled: bool,
    /// JSON object of extra request headers.
    pub headers: String,
    pub timeout_secs: i64,
    /// JSON array of retry delays in seconds; None means the default.
    pub retry_schedule: Option<String>,
    pub created_at: i64,
    pub updated_at: i64,
    /// Set when the webhook is an application's endpoint.
    pub application_id: Option<String>,
    /// JSON array of subscribed event types; None subscribes to all.
    pub event_types: Option<String>,
    /// Why Hookrelay disabled it (auto-disable); None otherwise.
    pub disabled_reason: Option<String>,
    /// Requests in flight at most; None: the server's default.
    pub max_in_flight: Option<i64>,
    /// Deliveries started per second at most; None: unlimited.
    pub rate_limit: Option<i64>,
    pub ordering: Ordering,
    /// Set when created; never changed (the delivery engine relies on it).
    pub destination_kind: DestinationKind,
    /// The circuit as its sending node last stored it.
    pub circuit: StoredCircuit,
    /// Deliveries held while it is disabled (read, never written).
    pub held_count: i64,
    /// How its ingest URL verifies requests (JSON of
    /// `inbound::Verification`); None: the bearer ingest secret.
    pub verification: Option<String>,
    /// Its payload filter (JSON); None: every event is sent.
    pub filter: Option<String>,
    /// Its transformation's current version, if it ever had one.
    pub transformation_id: Option<String>,
}

string_enum!(
    /// How an endpoint's deliveries are ordered: `fifo` sends one at a time
    /// (per ordering key) in ingest order.
    Ordering { None = "none", Fifo = "fifo" }
);

string_enum!(
    /// Where a webhook's deliveries go: `http` POSTs to its destination URL;
    /// `listen` sends them through a `hookrelay listen` connection, which
    /// forwards them to its destination URL on the developer's machine.
    DestinationKind { Http = "http", Listen = "listen" }
);

// `string_enum!` cannot mark a `#[default]` variant, so not derived.
#[allow(clippy::derivable_impls)]
impl Default for DestinationKind {
    fn default() -> Self {
        DestinationKind::Http
    }
}

#[allow(clippy::derivable_impls)]
impl Default for Ordering {
    fn default() -> Self {
        Ordering::None
    }
}

/// An endpoint's circuit as stored: `closed`, or `open` since `since` with
/// its probe due at `next_probe_at`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct StoredCircuit {
    pub state: String,
    pub since: Option<i64>,
    pub next_probe_at: Option<i64>,
}

impl Webhook {
    pub(super) fn from_row(r: &AnyRow) -> Result<Self> {
        Ok(Webhook {
            id: r.try_get("id")?,
            project_id: r.try_get("project_id")?,
            public_id: r.try_get("public_id")?,
            name: r.try_get("name")?,
            description: r.try_get("description")?,
            destination_url: r.try_get("destination_url")?,
            enabled: r.try_get::<i64, _>("enabled")? != 0,
            headers: r.try_get("headers")?,
            timeout_secs: r.try_get("timeout_secs")?,
            retry_schedule: r.try_get("retry_schedule")?,
            created_at: r.try_get("created_at")?,
            updated_at: r.try_get("updated_at")?,
            application_id: r.try_get("application_id")?,
            event_types: r.try_get("event_types")?,
            disabled_reason: r.try_get("disabled_reason")?,
            max_in_flight: r.try_get("max_in_flight")?,
            rate_limit: r.try_get("rate_limit")?,
            ordering: parse_col(r, "ordering", Ordering::parse)?,
            destination_kind: parse_col(r, "destination_kind", DestinationKind::parse)?,
            circuit: StoredCircuit {
                state: r.try_get("circuit_state")?,
                since: r.try_get("circuit_since")?,
                next_probe_at: r.try_get("circuit_next_probe_at")?,
            },
            held_count: r.try_get("held_count")?,
            verification: r.try_get("verification")?,
            filter: r.try_get("filter")?,
            transformation_id: r.try_get("transformation_id")?,
        })
    }
}

pub struct NewSecret {
    pub kind: SecretKind,
    pub secret_hash: Option<String>,
    pub ciphertext: Option<String>,
    pub prefix: String,
}

#[derive(Clone, Debug)]
pub struct SecretVersion {
    pub kind: SecretKind,
    pub version: i64,
    pub prefix: String,
    pub created_at: i64,
    pub retired_at: Option<i64>,
}

impl SecretVersion {
    pub(super) fn from_row(r: &AnyRow) -> Result<Self> {
        Ok(SecretVersion {
            kind: parse_col(r, "kind", SecretKind::parse)?,
            version: r.try_get("version")?,
            prefix: r.try_get("prefix")?,
            created_at: r.try_get("created_at")?,
            retired_at: r.try_get("retired_at")?,
        })
    }
}

/// A secret version still valid now: a hash (ingest) or ciphertext (signing).
#[derive(Clone, Debug)]
pub struct LiveSecret {
    pub material: String,
    pub retired_at: Option<i64>,
}

#[derive(Clone, Debug)]
pub struct IngestTarget {
    pub webhook_id: String,
    pub project_id: String,
    pub enabled: bool,
    pub secrets: Vec<LiveSecret>,
    /// The webhook's verification (JSON), if it has one.
    pub verification: Option<String>,
    /// Ciphertexts of its live verification secrets, newest first.
    pub verification_secrets: Vec<LiveSecret>,
    /// Its filter as stored.
    pub filter: Option<String>,
}

/// A request its ingest URL refused.
#[derive(Clone, Debug)]
pub struct IngestRefusal {
    pub at: i64,
    pub status: i64,
    pub reason: String,
}

/// An idempotency key in its scope (`webhook:<id>` or `app:<id>`).
#[derive(Clone, Debug)]
pub struct IdempotencyKey {
    pub scope: String,
    pub key: String,
}

/// How a new delivery enters the queue.
#[derive(Clone, Debug)]
pub enum InitialState {
    /// Due now, for any node to claim.
    Queued,
    /// Already leased to this node, which sends it straight away.
    Leased { token: String, until: i64 },
    /// Kept until its webhook is enabled again.
    Held,
    /// Not sent: the event does not match the endpoint's filter.
    Filtered,
}

/// A delivery row about to be written.
#[derive(Clone, Debug)]
pub struct NewDelivery {
    pub delivery_id: String,
    pub webhook_id: String,
    pub state: InitialState,
}

/// A new event, stored once, and the deliveries it gets (one for a webhook,
/// one per subscribed endpoint for an application message, possibly none).
#[derive(Clone, Debug)]
pub struct NewEvent {
    pub event_id: String,
    pub project_id: String,
    /// Application messages only.
    pub application_id: Option<String>,
    pub event_type: Option<String>,
    pub content_type: String,
    pub body: bytes::Bytes,
    /// Extra request headers of this event (JSON object), sent with it.
    pub headers: Option<String>,
    /// FIFO endpoints deliver events of one key one after another, and
    /// different keys side by side.
    pub ordering_key: Option<String>,
    /// A repeat within the key's window stores nothing and answers the
    /// first event's id.
    pub idempotency_key: Option<IdempotencyKey>,
    pub deliveries: Vec<NewDelivery>,
}

/// A new delivery of a stored event (a replay), linked to the original,
/// which is stamped `replayed_at` (and so leaves the dead-letter queue).
#[derive(Clone, Debug)]
pub struct NewReplay {
    pub original_id: String,
    pub project_id: String,
    pub event_id: String,
    /// Only if the original is still in the dead-letter queue.
    pub dead_letter_only: bool,
    /// Runs the endpoint's current transformation instead of resending the
    /// request the original's produced.
    pub rerun_transformation: bool,
    pub delivery: NewDelivery,
}

/// One paced step of a bulk replay job: its replays are written, and its
/// cursor moved, only if `token` still holds the job and nobody moved the
/// cursor from `from_cursor` meanwhile.
#[derive(Clone, Debug)]
pub struct ReplayJobStep {
    pub job_id: String,
    pub token: String,
    pub lease_until: i64,
    pub from_cursor: String,
    pub to_cursor: String,
    pub finished: bool,
    pub replays: Vec<NewReplay>,
}

/// Everything one write-path transaction stores.
#[derive(Default)]
pub struct WriteBatch<'a> {
    pub events: &'a [NewEvent],
    pub replays: &'a [NewReplay],
    pub job_steps: &'a [ReplayJobStep],
    pub outcomes: &'a [Outcome],
}

/// What a write-path transaction did with each item, in order.
#[derive(Debug, Default)]
pub struct Written {
    pub events: Vec<Inserted>,
    /// False: the original was not (or no longer) replayable.
    pub replays: Vec<bool>,
    /// False: the job was lost to another node, or finished.
    pub job_steps: Vec<bool>,
    /// Webhooks the batch's outcomes disabled automatically (dead
    /// deliveries in a row).
    pub disabled: Vec<String>,
    /// SQLite: the batch's commit, which is on disk only once
    /// `Store::on_disk` returns.
    pub(super) log_commit: Option<u64>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Inserted {
    Created,
    /// The idempotency key was seen before; this is the first event's id
    /// (a delivery id for `webhook:` keys stored by versions before 0.2).
    Duplicate(String),
}

#[derive(Clone, Debug)]
pub struct Claimed {
    pub delivery_id: String,
    pub project_id: String,
    pub webhook_id: String,
    pub event_id: String,
    pub attempts: i64,
    pub content_type: String,
    pub body: bytes::Bytes,
    /// The event's own request headers (JSON object), sent in addition to
    /// the webhook's.
    pub headers: Option<String>,
    /// FIFO endpoints deliver one at a time per key.
    pub ordering_key: Option<String>,
    /// The event's type, when it has one (what a transformation sees).
    pub event_type: Option<String>,
    /// The request its transformation produced at an earlier attempt, or
    /// its original's (JSON of `transform::Stored`): sent again as it is.
    pub transformed: Option<String>,
}

#[derive(Clone, Debug)]
pub struct AttemptRecord {
    pub id: String,
    pub attempt_no: i64,
    pub started_at: i64,
    pub duration_ms: i64,
    pub status_code: Option<i64>,
    pub error_kind: Option<String>,
    pub error_message: Option<String>,
    pub response_excerpt: Option<String>,
}

/// The result of working on a leased delivery.
#[derive(Clone, Debug)]
pub struct Outcome {
    pub delivery_id: String,
    /// The delivery's project and webhook, for the usage counters.
    pub project_id: String,
    pub webhook_id: String,
    /// Body bytes that reached the destination (counted in usage).
    pub bytes_sent: i64,
    pub lease_token: String,
    /// None when nothing was sent (the webhook was disabled meanwhile).
    pub attempt: Option<AttemptRecord>,
    pub status: DeliveryStatus,
    pub attempts: i64,
    pub next_attempt_at: Option<i64>,
    /// The endpoint's circuit, when this attempt changed it.
    pub circuit: Option<CircuitChange>,
    /// The event's ordering key (FIFO endpoints send the next of the key
    /// once this outcome is stored).
    pub ordering_key: Option<String>,
    /// The request this attempt's transformation produced (JSON of
    /// `transform::Stored`), kept for later attempts; a delivery keeps the
    /// first one.
    pub transformed: Option<String>,
}

/// An endpoint's circuit after an attempt changed it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CircuitChange {
    /// `open` or `closed`.
    pub state: &'static str,
    pub since: i64,
    /// While open: when the probe may go.
    pub next_probe_at: Option<i64>,
    /// Failed attempts in a row that opened it, or opens in a row.
    pub failures: u32,
    /// It opened or closed (audited and announced); otherwise an open
    /// circuit only moved its next probe.
    pub transition: bool,
}

#[derive(Default, Clone, Debug)]
pub struct DeliveryFilter {
    pub webhook_id: Option<String>,
    pub status: Option<DeliveryStatus>,
    /// Created at or after, unix ms.
    pub from_ms: Option<i64>,
    /// Created before, unix ms.
    pub to_ms: Option<i64>,
    /// Only the dead-letter queue: dead, neither replayed nor discarded.
    pub dead_letters_only: bool,
}

pub(super) const DELIVERY_COLUMNS: &str =
    "id, webhook_id, event_id, status, attempts, next_attempt_at, \
     last_status_code, last_error, created_at, updated_at, replay_of, replayed_at";

#[derive(Clone, Debug)]
pub struct Delivery {
    pub id: String,
    pub webhook_id: String,
    pub event_id: String,
    pub status: DeliveryStatus,
    pub attempts: i64,
    pub next_attempt_at: Option<i64>,
    pub last_status_code: Option<i64>,
    pub last_error: Option<String>,
    pub created_at: i64,
    pub updated_at: i64,
    /// The delivery this one replays.
    pub replay_of: Option<String>,
    /// When this delivery was last replayed.
    pub replayed_at: Option<i64>,
}

impl Delivery {
    pub(super) fn from_row(r: &AnyRow) -> Result<Self> {
        Ok(Delivery {
            id: r.try_get("id")?,
            webhook_id: r.try_get("webhook_id")?,
            event_id: r.try_get("event_id")?,
            status: parse_col(r, "status", DeliveryStatus::parse)?,
            attempts: r.try_get("attempts")?,
            next_attempt_at: r.try_get("next_attempt_at")?,
            last_status_code: r.try_get("last_status_code")?,
            last_error: r.try_get("last_error")?,
            created_at: r.try_get("created_at")?,
            updated_at: r.try_get("updated_at")?,
            replay_of: r.try_get("replay_of")?,
            replayed_at: r.try_get("replayed_at")?,
        })
    }
}

pub(super) const ATTEMPT_COLUMNS: &str =
    "id, attempt_no, started_at, duration_ms, status_code, error_kind, error_message, response_excerpt";

pub type Attempt = AttemptRecord;

impl AttemptRecord {
    pub(super) fn from_row(r: &AnyRow) -> Result<Self> {
        Ok(AttemptRecord {
            id: r.try_get("id")?,
            attempt_no: r.try_get("attempt_no")?,
            started_at: r.try_get("started_at")?,
            duration_ms: r.try_get("duration_ms")?,
            status_code: r.try_get("status_code")?,
            error_kind: r.try_get("error_kind")?,
            error_message: r.try_get("error_message")?,
            response_excerpt: r.try_get("response_excerpt")?,
        })
    }
}

/// One kept version of an endpoint's transformation.
#[derive(Clone, Debug)]
pub struct TransformationVersion {
    pub id: String,
    pub project_id: String,
    pub webhook_id: String,
    pub code: String,
    pub enabled: bool,
    pub created_at: i64,
    /// Who set it, as in the audit log (`api_key`, `user`, `portal`).
    pub actor_type: String,
    pub actor_label: String,
}

impl TransformationVersion {
    pub(super) const COLUMNS: &'static str =
        "id, project_id, webhook_id, code, enabled, created_at, actor_type, actor_label";

    pub(super) fn from_row(r: &AnyRow) -> Result<Self> {
        Ok(TransformationVersion {
            id: r.try_get("id")?,
            project_id: r.try_get("project_id")?,
            webhook_id: r.try_get("webhook_id")?,
            code: r.try_get("code")?,
            enabled: r.try_get::<i64, _>("enabled")? != 0,
            created_at: r.try_get("created_at")?,
            actor_type: r.try_get("actor_type")?,
            actor_label: r.try_get("actor_label")?,
        })
    }
}
