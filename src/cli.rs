//! The `hookrelay` command: dispatch to the server, operator commands and
//! client commands.

use std::io::Read;
use std::process::ExitCode;

use clap::Parser;
use tracing_subscriber::EnvFilter;

use crate::config::{Cli, Command, DbArgs, ProjectCommand, SendArgs, UserCommand, VerifyArgs};
use crate::secrets::{self, signing_key_bytes};
use crate::server::{self, BoxError};
use crate::store::{self, Actor, AddMemberOutcome, AuditEntry, NewApiKey, NewMember, Project, Role};
use crate::users::{self, MemberRole};
use crate::{ids, signing, tiers};

pub fn main() -> ExitCode {
    let cli = Cli::parse();
    tracing_subscriber::fmt()
        .with_env_filter(EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info")))
        .with_writer(std::io::stderr)
        .init();
    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(cli.command)) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

async fn run(command: Command) -> Result<ExitCode, BoxError> {
    match command {
        Command::Serve(args) => server::serve(args).await.map(|_| ExitCode::SUCCESS),
        Command::Migrate(db) => {
            server::open(&db).await?;
            println!("migrations applied");
            Ok(ExitCode::SUCCESS)
        }
        Command::Project(ProjectCommand::Create { db, name, json }) => create_project(&db, &name, json).await,
        Command::Project(ProjectCommand::SetTier { db, project, tier }) => set_tier(&db, &project, &tier).await,
        Command::User(UserCommand::Create { db, email, project, role, password_stdin, public_url }) => {
            create_user(&db, &email, &project, &role, password_stdin, &public_url).await
        }
        Command::Send(args) => send(args).await,
        Command::Verify(args) => verify(args),
    }
}

async fn create_project(db: &DbArgs, name: &str, json: bool) -> Result<ExitCode, BoxError> {
    if name.trim().is_empty() {
        return Err("--name must not be empty".into());
    }
    let (store, _) = server::open(db).await?;
    let project = Project {
        id: ids::new_id(ids::PROJECT),
        name: name.trim().to_string(),
        tier: tiers::DEFAULT_TIER.into(),
        created_at: store::now_ms(),
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
    store
        .record_audit(&AuditEntry {
            project_id: project.id.clone(),
            actor: cli_actor(),
            action: "project.create",
            target_type: "project",
            target_id: project.id.clone(),
            summary: serde_json::json!({ "name": project.name, "tier": project.tier, "adminKeyId": key.id, "adminKeyPrefix": key.prefix }),
        })
        .await?;
    store.close().await;
    if json {
        println!("{}", serde_json::json!({ "projectId": project.id, "apiKey": raw }));
    } else {
        println!("project created: {}", project.id);
        println!("admin API key (shown once, store it now): {raw}");
    }
    Ok(ExitCode::SUCCESS)
}

/// Who runs an operator command, for the audit log.
fn cli_actor() -> Actor {
    let user = std::env::var("USER").or_else(|_| std::env::var("LOGNAME")).unwrap_or_else(|_| "unknown".into());
    Actor { actor_type: "cli", actor_id: user.clone(), actor_label: format!("hookrelay CLI ({user})"), source_ip: None }
}

async fn set_tier(db: &DbArgs, project_id: &str, tier: &str) -> Result<ExitCode, BoxError> {
    if tiers::find(tier).is_none() {
        return Err(format!("--tier must be one of {}", tiers::names()).into());
    }
    let (store, _) = server::open(db).await?;
    let Some(before) = store.get_project(project_id).await? else {
        return Err(format!("no project {project_id}").into());
    };
    store.set_project_tier(project_id, tier).await?;
    store
        .record_audit(&AuditEntry {
            project_id: project_id.to_string(),
            actor: cli_actor(),
            action: "project.set_tier",
            target_type: "project",
            target_id: project_id.to_string(),
            summary: serde_json::json!({ "tier": { "from": before.tier, "to": tier } }),
        })
        .await?;
    store.close().await;
    println!("project {project_id}: tier {} -> {tier}", before.tier);
    Ok(ExitCode::SUCCESS)
}

async fn create_user(
    db: &DbArgs,
    email: &str,
    project_id: &str,
    role: &str,
    password_stdin: bool,
    public_url: &str,
) -> Result<ExitCode, BoxError> {
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
    let (store, _) = server::open(db).await?;
    let outcome = store
        .add_member(&NewMember {
            email: &email,
            project_id,
            role: role.as_str(),
            password_hash: password_hash.as_deref(),
            setup_token: token_hash.as_deref().map(|h| (h, store::now_ms() + users::SETUP_TOKEN_TTL_MS)),
        })
        .await?;
    store.close().await;
    match outcome {
        AddMemberOutcome::NoSuchProject => Err(format!("no project {project_id}").into()),
        AddMemberOutcome::Added { user_id, new_user } => {
            let verb = if new_user { "user created" } else { "existing user added" };
            println!("{verb}: {user_id} <{email}>, {} of {project_id}", role.as_str());
            if let Some(t) = token {
                // In the fragment, so the token never reaches server logs or
                // a Referer header.
                println!(
                    "password-setup link (one use, valid 24 h): {}/dashboard/setup#token={t}",
                    public_url.trim_end_matches('/')
                );
            }
            Ok(ExitCode::SUCCESS)
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
    Ok(if status.is_success() { ExitCode::SUCCESS } else { ExitCode::FAILURE })
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
    let key = signing_key_bytes(&args.secret).map_err(|_| "the signing secret is not whsec_<base64>")?;
    let tolerance = (!args.no_tolerance).then_some(signing::DEFAULT_TOLERANCE_SECS);
    let now = chrono::Utc::now().timestamp();
    match signing::verify(&key, &args.id, args.timestamp, &body, &args.signature, now, tolerance) {
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
