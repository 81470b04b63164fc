//! Hookrelay: a self-hostable webhook platform.
//!
//! The data flow, one layer to the next (no module depends on a layer
//! above it):
//!
//! 1. **Surfaces** take requests and commands: [`api`] (Public API, Portal
//!    API, ingest URLs, the hosted portal), [`dashboard`] (the operator's
//!    UI, with the API's views), [`mcp`] (tools over the API), [`listen`]
//!    (the WebSocket tunnel's messages), [`client`] and [`cli`] (commands),
//!    composed by [`server`]. Handlers parse, authorize, call an operation
//!    and shape the answer.
//! 2. **[`operations`]**: the changes and reads the surfaces share
//!    (webhooks, applications, keys, replays, schedules, portal access,
//!    deliveries, usage, the audit log, ...), free of HTTP, each change
//!    doing its own side effects: forgetting cached credentials
//!    and telling the delivery engine; no handler names the engine.
//! 3. **[`ingest`]**, the one way in: every new event, message, test,
//!    schedule firing and replay passes its tier checks and routing
//!    (fan-out) there and goes to the group commit (`ingest::Writer`).
//! 4. **[`store`]**, the only place with SQL and the only one that inserts
//!    events and deliveries (`Store::write_batch`), for SQLite and
//!    PostgreSQL alike.
//! 5. **[`delivery`]**, the engine: per-endpoint ownership, caps, fair
//!    sharing, circuits and look-ahead (`delivery::scheduler`, free of I/O),
//!    an endpoint's transformation ([`transform`], a sandbox off the async
//!    runtime) before signing, and the one way out, `delivery::Destination`
//!    (signed requests, also used by operator notifications). Outcomes go
//!    back to the group commit.
//! 6. **[`workers`]**: the background loops (schedules, replay jobs,
//!    retention, notifications, housekeeping), one spawn/stop list.
//!
//! The domain, free of I/O and unit-tested: [`ids`], [`secrets`],
//! [`signing`], [`retry`], [`ssrf`], [`webhooks`], [`applications`],
//! [`schedules`], [`tiers`], [`audit`], [`users`], [`time`]; around it,
//! [`cache`], [`config`], [`metrics`], [`portal`] (assets), [`receive`].

pub mod api;
pub mod applications;
pub mod audit;
pub mod cache;
pub mod cli;
pub mod client;
pub mod config;
pub mod connections;
pub mod dashboard;
pub mod delivery;
pub mod filters;
pub mod ids;
pub mod inbound;
pub mod ingest;
pub mod listen;
pub mod mcp;
pub mod metrics;
pub mod operations;
pub mod portal;
pub mod receive;
pub mod retry;
pub mod schedules;
pub mod secrets;
pub mod server;
pub mod signing;
pub mod ssrf;
pub mod store;
pub mod tiers;
pub mod time;
pub mod trace_context;
pub mod transform;
pub mod users;
pub mod webhooks;
pub mod workers;
