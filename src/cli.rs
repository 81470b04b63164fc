//! The `hookrelay` command: dispatch to the server, operator commands and
//! client commands.

use std::io::Read;
use std::process::ExitCode;

use clap::Parser;
use tracing_subscriber::EnvFilter;

use crate::config::{
    Cli, Command, DbArgs, LogFormat, ProjectCommand, SendArgs, UserCommand, VerifyArgs,
};
use crate::operations::keys::{self, WithSecret};
use crate::secrets::{self, signing_key_bytes};
use crate::server::{self, BoxError, Setup};
use crate::store::{
    self, Actor, AddMemberOutcome, MembershipRemoval, NewApiKey, NewMember, Project, Role, Store,
};
use crate::users::{self, MemberRole};
use crate::{ids, signing, tiers, webhooks};

pub fn main() -> ExitCode {
    let cli = Cli::parse();
    let otlp = match &cli.command {
        Command::Serve(args) => args.otlp_endpoint.as_deref(),
        _ => None,
    };
    let tracer = match init_logging(cli.log_format, otlp) {
        Ok(t) => t,
        Err(e) => {
            eprintln!("error: --otlp-endpoint: {e}");
            return ExitCode::FAILURE;
        }
    };
    let code = run_in_runtime(cli);
    // Sends the spans still batched.
    if let Some(provider) = tracer {
        let _ = provider.shutdown();
    }
    code
}

fn run_in_runtime(cli: Cli) -> ExitCode {
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(cli.command, cli.log_format)) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

/// Logs go to standard error: plain text, coloured only on a terminal (not
/// in journald, docker logs or a file), or one JSON object per line, at the
/// level RUST_LOG sets. With `otlp`, spans (at info and above, whatever
/// RUST_LOG says) are exported there too.
fn init_logging(
    format: LogFormat,
    otlp: Option<&str>,
) -> Result<Option<opentelemetry_sdk::trace::SdkTracerProvider>, BoxError> {
    use std::io::IsTerminal;
    use tracing_subscriber::layer::SubscriberExt;
    use tracing_subscriber::util::SubscriberInitExt;
    use tracing_subscriber::Layer;
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    let logs = tracing_subscriber::fmt::layer().with_writer(std::io::stderr);
    let logs = match format {
        LogFormat::Text => logs.with_ansi(std::io::stderr().is_terminal()).boxed(),
        LogFormat::Json => logs
            .json()
            .flatten_event(true)
            .with_current_span(false)
            .boxed(),
    };
    let (spans, provider) = match otlp {
        Some(endpoint) => {
            let (layer, provider) = crate::trace_context::otlp_layer(endpoint)?;
            let only_ours = tracing_subscriber::filter::Targets::new()
                .with_target("hookrelay", tracing::Level::INFO);
            (Some(layer.with_filter(only_ours)), Some(provider))
        }
        None => (None, None),
    };
    tracing_subscriber::registry()
        .with(logs.with_filter(filter))
        .with(spans)
        .init();
    Ok(provider)
}

async fn run(command: Command, log_format: LogFormat) -> Result<ExitCode, BoxError> {
    match command {
        Command::Serve(args) => server::serve(args, log_format)
            .await
            .map(|_| ExitCode::SUCCESS),
        Command::Migrate(db) => {
            server::open(&db, Setup::Create).await?;
            println!("migrations applied");
            Ok(ExitCode::SUCCESS)
        }
        Command::Backup { db, to } => backup(&db, &to).await,
        Command::Project(ProjectCommand::Create {
            db,
            name,
            tier,
            json,
        }) => create_project(&db, &name, tier, json).await,
        Command::Project(ProjectCommand::SetTier {
            db,
            project,
            tier,
            json,
        }) => set_tier(&db, &project, &tier, json).await,
        Command::Project(ProjectCommand::List { db, json }) => list_projects(&db, json).await,
        Command::Project(ProjectCommand::Show { db, project, json }) => {
            show_project(&db, &project, json).await
        }
        Command::Project(ProjectCommand::CreateKey {
            db,
            project,
            name,
            role,
            json,
        }) => create_key(&db, &project, &name, &role, json).await,
        Command::User(UserCommand::Create {
            db,
            email,
            project,
            role,
            password_stdin,
            public_url,
            json,
        }) => {
            let user = NewUser {
                email: &email,
                project_id: &project,
                role: &role,
                password_stdin,
                public_url: &public_url,
            };
            create_user(&db, user, json).await
        }
        Command::User(UserCommand::Deactivate { db, email, json }) => {
            end_user_access(&db, &email, false, json).await
        }
        Command::User(UserCommand::Remove {
            db,
            email,
            project: None,
            json,
        }) => end_user_access(&db, &email, true, json).await,
        Command::User(UserCommand::Remove {
            db,
            email,
            project: Some(project),
            json,
        }) => remove_membership(&db, &email, &project, json).await,
        Command::Send(args) => send(args).await,
        Command::Verify(args) => verify(args),
        Command::Openapi => {
            println!(
                "{}",
                serde_json::to_string_pretty(crate::api::openapi::document())?
            );
            Ok(ExitCode::SUCCESS)
        }
        Command::Completions { shell } => {
            clap_complete::generate(
                shell,
                &mut <crate::config::Cli as clap::CommandFactory>::command(),
                "hookrelay",
                &mut std::io::stdout(),
            );
            Ok(ExitCode::SUCCESS)
        }
        Command::Client(command) => Ok(crate::client::run(command).await),
        Command::Receive(args) => crate::receive::run(args).await,
    }
}

async fn backup(db: &DbArgs, to: &std::path::Path) -> Result<ExitCode, BoxError> {
    use std::os::unix::fs::OpenOptionsExt;
    if db.database_url.is_some() {
        return Err(
            "backup copies the embedded SQLite database; for PostgreSQL use pg_dump \
                    (see the README's Operating section)"
                .into(),
        );
    }
    let (store, _) = server::open(db, Setup::Existing).await?;
    // The copy holds what the database holds: readable by its owner only.
    // SQLite writes into an empty file that exists.
    std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(to)
        .map_err(|e| format!("{}: {e}", to.display()))?;
    let started = std::time::Instant::now();
    if let Err(e) = store.backup_to(to).await {
        let _ = std::fs::remove_file(to);
        return Err(e.into());
    }
    store.close().await;
    println!(
        "backed up to {} ({} bytes, {} ms)",
        to.display(),
        std::fs::metadata(to)?.len(),
        started.elapsed().as_millis()
    );
    Ok(ExitCode::SUCCESS)
}

async fn create_project(
    db: &DbArgs,
    name: &str,
    tier: Option<String>,
    json: bool,
) -> Result<ExitCode, BoxError> {
    if name.trim().is_empty() {
        return Err("--name must not be empty".into());
    }
    let (store, _) = server::open(db, Setup::Existing).await?;
    let tier = match tier {
        Some(t) => t,
        None => server::default_tier(&store).await?,
    };
    let project = Project {
        id: ids::new_id(ids::PROJECT),
        name: name.trim().to_string(),
        tier,
        created_at: store::now_ms(),
        max_endpoints_per_application: None,
    };
    let raw = secrets::new_api_key();
    let key = NewApiKey {
        id: ids::new_id(ids::API_KEY),
        project_id: project.id.clone(),
        name: "initial admin key".into(),
        role: Role::Admin,
        prefix: secrets::display_prefix(&raw),
        secret_hash: secrets::hash(&raw),
    };
    store.create_project(&project, &key).await?;
    let summary = serde_json::json!({ "name": project.name, "tier": project.tier, "adminKeyId": key.id, "adminKeyPrefix": key.prefix });
    audit(
        &store,
        &project.id,
        "project.create",
        ("project", &project.id),
        summary,
    )
    .await;
    store.close().await;
    if json {
        println!(
            "{}",
            serde_json::json!({ "projectId": project.id, "apiKey": raw, "tier": project.tier })
        );
    } else {
        println!("project created: {} (tier {})", project.id, project.tier);
        println!("admin API key (shown once, store it now): {raw}");
    }
    Ok(ExitCode::SUCCESS)
}

/// Who runs an operator command, for the audit log.
fn cli_actor() -> Actor {
    let user = std::env::var("USER")
        .or_else(|_| std::env::var("LOGNAME"))
        .unwrap_or_else(|_| "unknown".into());
    Actor {
        actor_type: "cli",
        actor_id: user.clone(),
        actor_label: format!("hookrelay CLI ({user})"),
        source_ip: None,
    }
}

/// Records an operator command in a project's audit log; like every audit
/// write, after the change, so a failure is logged and the command's output
/// (a one-time link, say) still follows.
async fn audit(
    store: &Store,
    project_id: &str,
    action: &'static str,
    target: (&'static str, &str),
    summary: serde_json::Value,
) {
    crate::operations::audit::record(store, cli_actor(), project_id, action, target, summary).await;
}

async fn set_tier(
    db: &DbArgs,
    project_id: &str,
    tier: &str,
    json: bool,
) -> Result<ExitCode, BoxError> {
    let (store, _) = server::open(db, Setup::Existing).await?;
    let Some(before) = store.get_project(project_id).await? else {
        return Err(format!("no project {project_id}").into());
    };
    store.set_project_tier(project_id, tier).await?;
    let summary = serde_json::json!({ "tier": { "from": before.tier, "to": tier } });
    audit(
        &store,
        project_id,
        "project.set_tier",
        ("project", project_id),
        summary,
    )
    .await;
    store.close().await;
    if json {
        let out = serde_json::json!({ "projectId": project_id, "from": before.tier, "to": tier });
        println!("{out}");
    } else {
        println!("project {project_id}: tier {} -> {tier}", before.tier);
    }
    Ok(ExitCode::SUCCESS)
}

/// The operator's view of a project: the API's own, plus what it holds.
async fn project_json(store: &Store, p: &Project) -> Result<serde_json::Value, BoxError> {
    let counts = store.project_counts(&p.id).await?;
    let tier = tiers::of_project(&p.tier);
    Ok(serde_json::json!({
        "id": p.id,
        "name": p.name,
        "tier": p.tier,
        "createdAt": crate::api::timestamp(p.created_at),
        "limits": {
            "maxWebhooks": tier.max_webhooks,
            "eventsPerMonth": tier.events_per_month,
            "retentionDays": tier.retention_days,
            "maxPayloadBytes": tier.max_payload_bytes,
            "auditLog": tier.audit_log,
            "notifications": tier.notifications,
        },
        "webhooks": counts.webhooks,
        "applications": counts.applications,
        "activeAdminKeys": counts.active_admin_keys,
        "activeWriteKeys": counts.active_write_keys,
    }))
}

async fn list_projects(db: &DbArgs, json: bool) -> Result<ExitCode, BoxError> {
    let (store, _) = server::open(db, Setup::Existing).await?;
    let mut all = Vec::new();
    for p in store.list_projects().await? {
        all.push(project_json(&store, &p).await?);
    }
    store.close().await;
    if json {
        println!("{}", serde_json::to_string_pretty(&all)?);
    } else if all.is_empty() {
        println!("(no projects; create one with hookrelay project create --name ...)");
    } else {
        let columns = [
            ("ID", "id"),
            ("NAME", "name"),
            ("TIER", "tier"),
            ("WEBHOOKS", "webhooks"),
            ("ADMIN KEYS", "activeAdminKeys"),
            ("CREATED", "createdAt"),
        ];
        println!("{}", crate::client::rows(&all, &columns));
    }
    Ok(ExitCode::SUCCESS)
}

async fn show_project(db: &DbArgs, project_id: &str, json: bool) -> Result<ExitCode, BoxError> {
    let (store, _) = server::open(db, Setup::Existing).await?;
    let Some(p) = store.get_project(project_id).await? else {
        store.close().await;
        return Err(format!("no project {project_id}").into());
    };
    let v = project_json(&store, &p).await?;
    store.close().await;
    if json {
        println!("{}", serde_json::to_string_pretty(&v)?);
    } else {
        let mut fields = crate::client::PROJECT_FIELDS.to_vec();
        fields.extend([
            ("WEBHOOKS", "webhooks"),
            ("APPLICATIONS", "applications"),
            ("ADMIN KEYS", "activeAdminKeys"),
            ("WRITE KEYS", "activeWriteKeys"),
        ]);
        println!("{}", crate::client::record(&v, &fields));
    }
    Ok(ExitCode::SUCCESS)
}

/// Mints an API key from the server machine, audited as the CLI user.
async fn create_key(
    db: &DbArgs,
    project_id: &str,
    name: &str,
    role: &str,
    json: bool,
) -> Result<ExitCode, BoxError> {
    let role = Role::parse(role).ok_or("--role must be admin or write")?;
    webhooks::validate_text(name, webhooks::MAX_NAME_LEN, true)
        .map_err(|e| format!("--name {e}"))?;
    let (store, _) = server::open(db, Setup::Existing).await?;
    if store.get_project(project_id).await?.is_none() {
        store.close().await;
        return Err(format!("no project {project_id}").into());
    }
    let WithSecret { key, secret: raw } = keys::create(&store, project_id, name, role).await?;
    let summary = serde_json::json!({ "name": key.name, "role": role, "prefix": key.prefix });
    audit(
        &store,
        project_id,
        "api_key.create",
        ("api_key", &key.id),
        summary,
    )
    .await;
    store.close().await;
    if json {
        println!(
            "{}",
            serde_json::json!({ "projectId": project_id, "keyId": key.id, "apiKey": raw })
        );
    } else {
        println!(
            "{} API key {} created for {project_id}",
            role.as_str(),
            key.id
        );
        println!("API key (shown once, store it now): {raw}");
    }
    Ok(ExitCode::SUCCESS)
}

/// What `user create` was asked for.
struct NewUser<'a> {
    email: &'a str,
    project_id: &'a str,
    role: &'a str,
    password_stdin: bool,
    public_url: &'a str,
}

async fn create_user(db: &DbArgs, user: NewUser<'_>, json: bool) -> Result<ExitCode, BoxError> {
    let NewUser {
        email,
        project_id,
        role,
        password_stdin,
        public_url,
    } = user;
    let email = users::normalize_email(email).map_err(|e| format!("--email {e}"))?;
    let role = MemberRole::parse(role).ok_or("--role must be owner, admin or member")?;
    let password_hash = if password_stdin {
        let mut password = String::new();
        std::io::stdin().read_to_string(&mut password)?;
        let password = password.trim_end_matches(['\r', '\n']);
        users::validate_password(password).map_err(|e| format!("password {e}"))?;
        Some(users::hash_password(password))
    } else {
        None
    };
    let token = (!password_stdin).then(secrets::new_token);
    let token_hash = token.as_deref().map(secrets::hash);
    let (store, _) = server::open(db, Setup::Existing).await?;
    let outcome = store
        .add_member(&NewMember {
            email: &email,
            project_id,
            role: role.as_str(),
            password_hash: password_hash.as_deref(),
            setup_token: token_hash
                .as_deref()
                .map(|h| (h, store::now_ms() + users::SETUP_TOKEN_TTL_MS)),
        })
        .await?;
    if let AddMemberOutcome::Added { user_id, new_user } = &outcome {
        // The credential's kind only: never the password or the setup token.
        let credential = if password_stdin {
            "password"
        } else {
            "setup_link"
        };
        let summary =
            serde_json::json!({ "email": email, "role": role.as_str(), "credential": credential });
        let action = if *new_user {
            "user.create"
        } else {
            "membership.add"
        };
        audit(&store, project_id, action, ("user", user_id), summary).await;
    }
    store.close().await;
    match outcome {
        AddMemberOutcome::NoSuchProject => Err(format!("no project {project_id}").into()),
        AddMemberOutcome::Added { user_id, new_user } => {
            // In the fragment, so the token never reaches server logs or a
            // Referer header.
            let link = token.map(|t| {
                format!(
                    "{}/dashboard/setup#token={t}",
                    public_url.trim_end_matches('/')
                )
            });
            if json {
                let out = serde_json::json!({
                    "userId": user_id, "email": email, "projectId": project_id,
                    "role": role.as_str(), "newUser": new_user, "setupLink": link,
                });
                println!("{out}");
                return Ok(ExitCode::SUCCESS);
            }
            let verb = if new_user {
                "user created"
            } else {
                "existing user added"
            };
            println!(
                "{verb}: {user_id} <{email}>, {} of {project_id}",
                role.as_str()
            );
            if let Some(link) = link {
                println!("password-setup link (one use, valid 24 h): {link}");
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}

/// `user deactivate` (`delete` false) and `user remove` without --project:
/// either way every session of the user ends at once, and each of their
/// projects' audit logs says so.
async fn end_user_access(
    db: &DbArgs,
    email: &str,
    delete: bool,
    json: bool,
) -> Result<ExitCode, BoxError> {
    let email = users::normalize_email(email).map_err(|e| format!("--email {e}"))?;
    let (store, _) = server::open(db, Setup::Existing).await?;
    let ended = if delete {
        store.remove_user(&email).await?
    } else {
        store.deactivate_user(&email).await?
    };
    let Some(ended) = ended else {
        store.close().await;
        return Err(format!("no dashboard user with the email {email}").into());
    };
    let action = if delete {
        "user.remove"
    } else {
        "user.deactivate"
    };
    let summary = serde_json::json!({ "email": email, "sessionsEnded": ended.sessions_ended });
    for project_id in &ended.project_ids {
        audit(
            &store,
            project_id,
            action,
            ("user", &ended.user_id),
            summary.clone(),
        )
        .await;
    }
    store.close().await;
    if json {
        let out = serde_json::json!({ "userId": ended.user_id, "email": email, "sessionsEnded": ended.sessions_ended });
        println!("{out}");
        return Ok(ExitCode::SUCCESS);
    }
    let verb = if delete { "removed" } else { "deactivated" };
    println!(
        "user {verb}: {} <{email}>; {} session(s) ended",
        ended.user_id, ended.sessions_ended
    );
    Ok(ExitCode::SUCCESS)
}

async fn remove_membership(
    db: &DbArgs,
    email: &str,
    project_id: &str,
    json: bool,
) -> Result<ExitCode, BoxError> {
    let email = users::normalize_email(email).map_err(|e| format!("--email {e}"))?;
    let (store, _) = server::open(db, Setup::Existing).await?;
    let outcome = store.remove_membership(&email, project_id).await?;
    if let MembershipRemoval::Removed { user_id } = &outcome {
        audit(
            &store,
            project_id,
            "membership.remove",
            ("user", user_id),
            serde_json::json!({ "email": email }),
        )
        .await;
    }
    store.close().await;
    match outcome {
        MembershipRemoval::Removed { user_id } => {
            if json {
                let out = serde_json::json!({ "userId": user_id, "email": email, "projectId": project_id });
                println!("{out}");
            } else {
                println!("{user_id} <{email}> is no longer a member of {project_id}");
            }
            Ok(ExitCode::SUCCESS)
        }
        MembershipRemoval::NoSuchUser => {
            Err(format!("no dashboard user with the email {email}").into())
        }
        MembershipRemoval::NotAMember => {
            Err(format!("{email} is not a member of {project_id}").into())
        }
    }
}

async fn send(args: SendArgs) -> Result<ExitCode, BoxError> {
    let body = if args.data == "-" {
        let mut buf = Vec::new();
        std::io::stdin().read_to_end(&mut buf)?;
        buf
    } else {
        args.data.into_bytes()
    };
    let mut request = reqwest::Client::new()
        .post(&args.url)
        .bearer_auth(&args.secret)
        .header("content-type", &args.content_type)
        .body(body);
    if let Some(k) = &args.idempotency_key {
        request = request.header("idempotency-key", k);
    }
    let response = request.send().await?;
    let status = response.status();
    println!("{}", response.text().await?);
    Ok(if status.is_success() {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}

fn verify(args: VerifyArgs) -> Result<ExitCode, BoxError> {
    let body = match &args.body_file {
        Some(path) => std::fs::read(path)?,
        None => {
            let mut buf = Vec::new();
            std::io::stdin().read_to_end(&mut buf)?;
            buf
        }
    };
    let key =
        signing_key_bytes(&args.secret).map_err(|_| "the signing secret is not whsec_<base64>")?;
    let tolerance = (!args.no_tolerance).then_some(signing::DEFAULT_TOLERANCE_SECS);
    let now = chrono::Utc::now().timestamp();
    match signing::verify(
        &key,
        &args.id,
        args.timestamp,
        &body,
        &args.signature,
        now,
        tolerance,
    ) {
        Ok(()) => {
            println!("valid");
            Ok(ExitCode::SUCCESS)
        }
        Err(e) => {
            println!("invalid: {e:?}");
            Ok(ExitCode::FAILURE)
        }
    }
}
