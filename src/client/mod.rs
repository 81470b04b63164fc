//! The API client: `hookrelay webhooks list`, `hookrelay deliveries tail`,
//! ... for operators and scripts. It talks HTTP to a server with an API key
//! (`--url`/`HOOKRELAY_URL`, `--api-key`/`HOOKRELAY_API_KEY`, or a profile
//! saved by `hookrelay login`), prints tables or, with `--json`, the API's
//! answers, and exits with a code per kind of failure (`http::exit`).

mod args;
mod deliveries;
mod http;
mod listen;
mod output;
mod profile;
mod resources;

use std::process::ExitCode;

use serde_json::{json, Value};

pub use args::ClientCommand;
use args::Conn;
pub use http::exit;
use http::{usage, Client, Failure};
use output::Out;
pub use output::{record, rows};

/// A project as `GET /v1/project` shows it (and `hookrelay project show`,
/// which adds what the project holds).
pub const PROJECT_FIELDS: &[output::Column] = &[
    ("ID", "id"),
    ("NAME", "name"),
    ("TIER", "tier"),
    ("MAX WEBHOOKS", "limits.maxWebhooks"),
    ("EVENTS/MONTH", "limits.eventsPerMonth"),
    ("RETENTION DAYS", "limits.retentionDays"),
    ("MAX PAYLOAD", "limits.maxPayloadBytes"),
    ("AUDIT LOG", "limits.auditLog"),
    ("NOTIFICATIONS", "limits.notifications"),
    ("CREATED", "createdAt"),
];

/// What every command gets: the client and how to print.
pub struct Ctx {
    pub client: Client,
    pub out: Out,
}

/// Runs a client command; failures are reported on standard error.
pub async fn run(command: ClientCommand) -> ExitCode {
    let json = conn(&command).json;
    match dispatch(command).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(failure) => {
            eprintln!("{}", failure.message(json));
            ExitCode::from(failure.exit_code())
        }
    }
}

fn conn(command: &ClientCommand) -> &Conn {
    use ClientCommand::*;
    match command {
        Login { conn }
        | Whoami { conn }
        | Webhooks { conn, .. }
        | Deliveries { conn, .. }
        | Dlq { conn, .. }
        | Applications { conn, .. }
        | EventTypes { conn, .. }
        | Portal { conn, .. }
        | ApiKeys { conn, .. }
        | Usage { conn, .. }
        | Schedules { conn, .. }
        | AuditLog { conn, .. }
        | NotificationChannels { conn, .. }
        | ReplayJobs { conn, .. }
        | Listen { conn, .. }
        | Mcp { conn } => conn,
    }
}

async fn dispatch(command: ClientCommand) -> Result<(), Failure> {
    use ClientCommand::*;
    if let Login { conn } = &command {
        return login(conn).await;
    }
    let ctx = connect(conn(&command))?;
    match command {
        Login { .. } => unreachable!("handled above"),
        Whoami { .. } => {
            let answer = ctx.client.send(ctx.client.get("/v1/project")).await?;
            ctx.out.item(&answer, PROJECT_FIELDS);
            Ok(())
        }
        Webhooks { command, .. } => resources::webhooks(&ctx, command).await,
        Deliveries { command, .. } => deliveries::deliveries(&ctx, command).await,
        Dlq { command, .. } => deliveries::dlq(&ctx, command).await,
        ReplayJobs { command, .. } => deliveries::replay_jobs(&ctx, command).await,
        Applications { command, .. } => resources::applications(&ctx, command).await,
        EventTypes { command, .. } => resources::event_types(&ctx, command).await,
        Portal { command, .. } => resources::portal(&ctx, command).await,
        ApiKeys { command, .. } => resources::api_keys(&ctx, command).await,
        Usage {
            from,
            to,
            webhook,
            granularity,
            ..
        } => {
            let q = http::query(&[
                ("from", from),
                ("to", to),
                ("webhookId", webhook),
                ("granularity", granularity),
            ]);
            let answer = ctx
                .client
                .send(ctx.client.get("/v1/usage").query(&q))
                .await?;
            if ctx.out.json {
                ctx.out.raw(&answer);
                return Ok(());
            }
            let data = &answer["data"];
            let counts: [output::Column; 9] = [
                ("START", "start"),
                ("EVENTS", "events"),
                ("DELIVERIES", "deliveries"),
                ("ATTEMPTS", "attempts"),
                ("SUCCESSES", "successes"),
                ("FAILURES", "failures"),
                ("DEAD", "dead"),
                ("BYTES IN", "bytesIn"),
                ("BYTES OUT", "bytesOut"),
            ];
            let mut totals = data["totals"].clone();
            totals["start"] = json!("total");
            let mut buckets = data["buckets"].as_array().cloned().unwrap_or_default();
            buckets.push(totals);
            println!(
                "{} to {} by {}",
                output::cell(&data["from"]),
                output::cell(&data["to"]),
                output::cell(&data["granularity"])
            );
            println!("{}", output::rows(&buckets, &counts));
            Ok(())
        }
        Schedules { command, .. } => resources::schedules(&ctx, command).await,
        AuditLog { command, .. } => resources::audit_log(&ctx, command).await,
        NotificationChannels { command, .. } => resources::channels(&ctx, command).await,
        Listen { args, .. } => listen::listen(&ctx, args).await,
        Mcp { .. } => crate::mcp::serve_stdio(&ctx.client.base, ctx.client.key())
            .await
            .map_err(Failure::Other),
    }
}

/// The server and key of a command: flags or environment, else the profile.
fn connect(conn: &Conn) -> Result<Ctx, Failure> {
    let saved = profile::load()?.profiles.remove(&conn.profile);
    let url = conn
        .url
        .clone()
        .or_else(|| saved.as_ref().map(|p| p.url.clone()))
        .unwrap_or_else(|| profile::DEFAULT_URL.into());
    let key = conn.api_key.clone().or_else(|| saved.map(|p| p.api_key)).ok_or_else(|| {
        usage(format!("no API key: pass --api-key, set HOOKRELAY_API_KEY, or run `hookrelay login` (profile {:?})", conn.profile))
    })?;
    Ok(Ctx {
        client: Client::new(&url, &key),
        out: Out { json: conn.json },
    })
}

/// `hookrelay login`: the key from the flag or environment, else one line
/// of standard input (so it stays out of the shell's history); checked
/// against the server before it is saved.
async fn login(conn: &Conn) -> Result<(), Failure> {
    let url = conn
        .url
        .clone()
        .unwrap_or_else(|| profile::DEFAULT_URL.into());
    let key = match &conn.api_key {
        Some(k) => k.clone(),
        None => {
            if std::io::IsTerminal::is_terminal(&std::io::stdin()) {
                eprint!("API key for {url}: ");
            }
            let mut line = String::new();
            std::io::stdin().read_line(&mut line)?;
            line.trim().to_string()
        }
    };
    if !key.starts_with(crate::secrets::API_KEY_PREFIX) {
        return Err(usage("an API key starts with swk_"));
    }
    let client = Client::new(&url, &key);
    // Any valid key may list webhooks; an invalid one is refused here, not
    // at the next command.
    client
        .send(client.get("/v1/webhooks").query(&[("limit", "1")]))
        .await?;
    let path = profile::save(
        &conn.profile,
        profile::Profile {
            url: client.base.clone(),
            api_key: key.clone(),
        },
    )?;
    let out = Out { json: conn.json };
    if out.json {
        out.raw(&json!({ "profile": conn.profile, "url": client.base, "path": path.display().to_string() }));
    } else {
        println!(
            "logged in to {} (profile {:?}); saved in {}",
            client.base,
            conn.profile,
            path.display()
        );
    }
    Ok(())
}

/// A list route's answer: one page, or with `--all` every page as one list
/// in the same shape.
pub async fn list(
    ctx: &Ctx,
    path: &str,
    mut q: Vec<(String, String)>,
    paging: &args::Paging,
) -> Result<Value, Failure> {
    if let Some(l) = paging.limit {
        q.push(("limit".into(), l.to_string()));
    }
    if !paging.all {
        if let Some(c) = &paging.cursor {
            q.push(("cursor".into(), c.clone()));
        }
        return ctx.client.send(ctx.client.get(path).query(&q)).await;
    }
    let mut items = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let mut page_q = q.clone();
        if let Some(c) = &cursor {
            page_q.push(("cursor".into(), c.clone()));
        }
        let page = ctx.client.send(ctx.client.get(path).query(&page_q)).await?;
        items.extend(page["data"].as_array().cloned().unwrap_or_default());
        match page["nextCursor"].as_str() {
            Some(c) => cursor = Some(c.to_string()),
            None => return Ok(json!({ "data": items, "nextCursor": null, "hasMore": false })),
        }
    }
}

/// A path segment from user input.
pub fn seg(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes())
        .collect::<String>()
        .replace('+', "%20")
}
