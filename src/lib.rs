//! Hookrelay: a self-hostable webhook platform.

pub mod api;
pub mod applications;
pub mod audit;
pub mod cache;
pub mod cli;
pub mod client;
pub mod config;
pub mod dashboard;
pub mod delivery;
pub mod ids;
pub mod ingest;
pub mod metrics;
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
pub mod users;
pub mod webhooks;
pub mod workers;
