//! Dashboard users, project memberships, password-setup tokens and browser
//! sessions.

use sqlx::any::AnyRow;
use sqlx::Row;

use super::{now_ms, Result, Store};
use crate::ids;

#[derive(Clone, Debug)]
pub struct User {
    pub id: String,
    pub email: String,
    pub password_hash: Option<String>,
}

/// What `hookrelay user create` asks for in one transaction.
pub struct NewMember<'a> {
    pub email: &'a str,
    pub project_id: &'a str,
    pub role: &'a str,
    pub password_hash: Option<&'a str>,
    /// (hash of the token, expiry) of a password-setup link to issue.
    pub setup_token: Option<(&'a str, i64)>,
}

pub enum AddMemberOutcome {
    /// The user's id; `new_user` is false when the email already existed.
    Added {
        user_id: String,
        new_user: bool,
    },
    NoSuchProject,
}

#[derive(Clone, Debug)]
pub struct Membership {
    pub project_id: String,
    pub project_name: String,
    pub role: String,
}

#[derive(Clone, Debug)]
pub struct NewSession<'a> {
    pub id_hash: &'a str,
    pub user_id: &'a str,
    /// The password hash the login was checked against.
    pub password_hash: &'a str,
    pub csrf_token: &'a str,
    pub expires_at: i64,
    pub source_ip: Option<&'a str>,
}

/// A stored session with its user.
#[derive(Clone, Debug)]
pub struct SessionRecord {
    pub user_id: String,
    pub email: String,
    pub csrf_token: String,
    pub last_seen_at: i64,
    pub expires_at: i64,
}

/// A user whose access just ended: what the audit log and the operator
/// are told.
#[derive(Clone, Debug)]
pub struct EndedAccess {
    pub user_id: String,
    /// The projects the user was a member of.
    pub project_ids: Vec<String>,
    pub sessions_ended: u64,
}

pub enum MembershipRemoval {
    Removed { user_id: String },
    NoSuchUser,
    NotAMember,
}

impl User {
    fn from_row(r: &AnyRow) -> Result<Self> {
        Ok(User {
            id: r.try_get("id")?,
            email: r.try_get("email")?,
            password_hash: r.try_get("password_hash")?,
        })
    }
}

impl Store {
    /// Creates the user if the email is new, adds (or changes) the project
    /// membership, and sets the password (ending the user's sessions) or
    /// issues a setup token.
    pub async fn add_member(&self, m: &NewMember<'_>) -> Result<AddMemberOutcome> {
        let now = now_ms();
        let mut tx = self.pool.begin().await?;
        let project = sqlx::query("SELECT id FROM projects WHERE id = $1")
            .bind(m.project_id)
            .fetch_optional(&mut *tx)
            .await?;
        if project.is_none() {
            return Ok(AddMemberOutcome::NoSuchProject);
        }
        let existing = sqlx::query("SELECT id FROM users WHERE email = $1")
            .bind(m.email)
            .fetch_optional(&mut *tx)
            .await?;
        let (user_id, new_user) = match existing {
            Some(r) => (r.try_get::<String, _>("id")?, false),
            None => {
                let id = ids::new_id("usr");
                sqlx::query("INSERT INTO users (id, email, password_hash, created_at, updated_at) VALUES ($1, $2, NULL, $3, $3)")
                    .bind(&id)
                    .bind(m.email)
                    .bind(now)
                    .execute(&mut *tx)
                    .await?;
                (id, true)
            }
        };
        sqlx::query(
            "INSERT INTO memberships (user_id, project_id, role, created_at) VALUES ($1, $2, $3, $4) \
             ON CONFLICT (user_id, project_id) DO UPDATE SET role = excluded.role",
        )
        .bind(&user_id)
        .bind(m.project_id)
        .bind(m.role)
        .bind(now)
        .execute(&mut *tx)
        .await?;
        if let Some(hash) = m.password_hash {
            sqlx::query("UPDATE users SET password_hash = $1, updated_at = $2 WHERE id = $3")
                .bind(hash)
                .bind(now)
                .bind(&user_id)
                .execute(&mut *tx)
                .await?;
            // A new password is how an operator locks out whoever knew the
            // old one: their sessions end with it.
            sqlx::query("DELETE FROM user_sessions WHERE user_id = $1")
                .bind(&user_id)
                .execute(&mut *tx)
                .await?;
        }
        if let Some((token_hash, expires_at)) = m.setup_token {
            sqlx::query("INSERT INTO password_setup_tokens (token_hash, user_id, expires_at, created_at) VALUES ($1, $2, $3, $4)")
                .bind(token_hash)
                .bind(&user_id)
                .bind(expires_at)
                .bind(now)
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        Ok(AddMemberOutcome::Added { user_id, new_user })
    }

    /// Ends a user's access at once: the password and any unused setup link
    /// go and every session ends, so signing in fails like for an unknown
    /// email. Memberships stay, so a new setup link (`user create`) lets the
    /// user back in. None for an unknown email.
    pub async fn deactivate_user(&self, email: &str) -> Result<Option<EndedAccess>> {
        self.end_access(email, false).await
    }

    /// Deletes a user with their memberships, setup links and sessions.
    pub async fn remove_user(&self, email: &str) -> Result<Option<EndedAccess>> {
        self.end_access(email, true).await
    }

    async fn end_access(&self, email: &str, delete: bool) -> Result<Option<EndedAccess>> {
        let mut tx = self.pool.begin().await?;
        let Some(row) = sqlx::query("SELECT id FROM users WHERE email = $1")
            .bind(email)
            .fetch_optional(&mut *tx)
            .await?
        else {
            return Ok(None);
        };
        let user_id: String = row.try_get("id")?;
        let project_ids = sqlx::query(
            "SELECT project_id FROM memberships WHERE user_id = $1 ORDER BY project_id",
        )
        .bind(&user_id)
        .fetch_all(&mut *tx)
        .await?
        .iter()
        .map(|r| r.try_get("project_id"))
        .collect::<Result<Vec<String>>>()?;
        let sessions_ended = sqlx::query("DELETE FROM user_sessions WHERE user_id = $1")
            .bind(&user_id)
            .execute(&mut *tx)
            .await?
            .rows_affected();
        sqlx::query("DELETE FROM password_setup_tokens WHERE user_id = $1")
            .bind(&user_id)
            .execute(&mut *tx)
            .await?;
        if delete {
            sqlx::query("DELETE FROM memberships WHERE user_id = $1")
                .bind(&user_id)
                .execute(&mut *tx)
                .await?;
            sqlx::query("DELETE FROM users WHERE id = $1")
                .bind(&user_id)
                .execute(&mut *tx)
                .await?;
        } else {
            sqlx::query("UPDATE users SET password_hash = NULL, updated_at = $2 WHERE id = $1")
                .bind(&user_id)
                .bind(now_ms())
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        Ok(Some(EndedAccess {
            user_id,
            project_ids,
            sessions_ended,
        }))
    }

    /// Takes a user out of one project. Their sessions go on for their
    /// other projects: every dashboard call checks membership afresh.
    pub async fn remove_membership(
        &self,
        email: &str,
        project_id: &str,
    ) -> Result<MembershipRemoval> {
        let Some(user) = self.find_user_by_email(email).await? else {
            return Ok(MembershipRemoval::NoSuchUser);
        };
        let n = sqlx::query("DELETE FROM memberships WHERE user_id = $1 AND project_id = $2")
            .bind(&user.id)
            .bind(project_id)
            .execute(&self.pool)
            .await?
            .rows_affected();
        Ok(if n == 1 {
            MembershipRemoval::Removed { user_id: user.id }
        } else {
            MembershipRemoval::NotAMember
        })
    }

    pub async fn find_user_by_email(&self, email: &str) -> Result<Option<User>> {
        sqlx::query("SELECT id, email, password_hash FROM users WHERE email = $1")
            .bind(email)
            .fetch_optional(&self.pool)
            .await?
            .map(|r| User::from_row(&r))
            .transpose()
    }

    /// Spends a password-setup token: sets the password and ends every
    /// session of the user. None if the token is unknown, used or expired.
    pub async fn use_setup_token(
        &self,
        token_hash: &str,
        password_hash: &str,
    ) -> Result<Option<User>> {
        let now = now_ms();
        let mut tx = self.pool.begin().await?;
        let row = sqlx::query("DELETE FROM password_setup_tokens WHERE token_hash = $1 AND expires_at > $2 RETURNING user_id")
            .bind(token_hash)
            .bind(now)
            .fetch_optional(&mut *tx)
            .await?;
        let Some(row) = row else {
            return Ok(None);
        };
        let user_id: String = row.try_get("user_id")?;
        let user = sqlx::query("UPDATE users SET password_hash = $1, updated_at = $2 WHERE id = $3 RETURNING id, email, password_hash")
            .bind(password_hash)
            .bind(now)
            .bind(&user_id)
            .fetch_one(&mut *tx)
            .await?;
        sqlx::query("DELETE FROM user_sessions WHERE user_id = $1")
            .bind(&user_id)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        User::from_row(&user).map(Some)
    }

    pub async fn memberships(&self, user_id: &str) -> Result<Vec<Membership>> {
        let rows = sqlx::query(
            "SELECT m.project_id, p.name, m.role FROM memberships m JOIN projects p ON p.id = m.project_id \
             WHERE m.user_id = $1 ORDER BY p.name, m.project_id",
        )
        .bind(user_id)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(Membership {
                    project_id: r.try_get("project_id")?,
                    project_name: r.try_get("name")?,
                    role: r.try_get("role")?,
                })
            })
            .collect()
    }

    pub async fn membership_role(&self, user_id: &str, project_id: &str) -> Result<Option<String>> {
        sqlx::query("SELECT role FROM memberships WHERE user_id = $1 AND project_id = $2")
            .bind(user_id)
            .bind(project_id)
            .fetch_optional(&self.pool)
            .await?
            .map(|r| r.try_get("role"))
            .transpose()
    }

    /// Creates the session only if the user still has the password the
    /// login was checked against: a `user deactivate` (or a password change)
    /// landing while the password was being verified wins. False if not.
    pub async fn create_session(&self, s: &NewSession<'_>) -> Result<bool> {
        let now = now_ms();
        let done = sqlx::query(
            "INSERT INTO user_sessions (id_hash, user_id, csrf_token, created_at, last_seen_at, expires_at, source_ip) \
             SELECT $1, id, $3, $4, $4, $5, $6 FROM users WHERE id = $2 AND password_hash = $7",
        )
        .bind(s.id_hash)
        .bind(s.user_id)
        .bind(s.csrf_token)
        .bind(now)
        .bind(s.expires_at)
        .bind(s.source_ip)
        .bind(s.password_hash)
        .execute(&self.pool)
        .await?;
        Ok(done.rows_affected() == 1)
    }

    pub async fn get_session(&self, id_hash: &str) -> Result<Option<SessionRecord>> {
        let row = sqlx::query(
            "SELECT s.user_id, u.email, s.csrf_token, s.last_seen_at, s.expires_at FROM user_sessions s \
             JOIN users u ON u.id = s.user_id WHERE s.id_hash = $1",
        )
        .bind(id_hash)
        .fetch_optional(&self.pool)
        .await?;
        row.map(|r| {
            Ok(SessionRecord {
                user_id: r.try_get("user_id")?,
                email: r.try_get("email")?,
                csrf_token: r.try_get("csrf_token")?,
                last_seen_at: r.try_get("last_seen_at")?,
                expires_at: r.try_get("expires_at")?,
            })
        })
        .transpose()
    }

    pub async fn touch_session(&self, id_hash: &str, now: i64) -> Result<()> {
        sqlx::query("UPDATE user_sessions SET last_seen_at = $1 WHERE id_hash = $2")
            .bind(now)
            .bind(id_hash)
            .execute(&self.pool)
            .await
            .map(|_| ())
    }

    pub async fn delete_session(&self, id_hash: &str) -> Result<()> {
        sqlx::query("DELETE FROM user_sessions WHERE id_hash = $1")
            .bind(id_hash)
            .execute(&self.pool)
            .await
            .map(|_| ())
    }

    /// "Sign out everywhere": returns how many sessions ended.
    pub async fn delete_user_sessions(&self, user_id: &str) -> Result<u64> {
        sqlx::query("DELETE FROM user_sessions WHERE user_id = $1")
            .bind(user_id)
            .execute(&self.pool)
            .await
            .map(|r| r.rows_affected())
    }

    /// Drops sessions past their absolute end or idle since `idle_cutoff`.
    pub async fn purge_sessions(&self, idle_cutoff: i64) -> Result<u64> {
        sqlx::query("DELETE FROM user_sessions WHERE expires_at <= $1 OR last_seen_at < $2")
            .bind(now_ms())
            .bind(idle_cutoff)
            .execute(&self.pool)
            .await
            .map(|r| r.rows_affected())
    }

    /// The failed-login window of `key`: (started at, failures), if any.
    pub async fn login_failures(&self, key: &str) -> Result<Option<(i64, i64)>> {
        sqlx::query("SELECT window_started_at, failures FROM login_failures WHERE key = $1")
            .bind(key)
            .fetch_optional(&self.pool)
            .await?
            .map(|r| Ok((r.try_get("window_started_at")?, r.try_get("failures")?)))
            .transpose()
    }

    /// Counts a failed login of `key`, starting a new window once the last
    /// one (`window_ms` long) has passed. One statement, so that failures
    /// on several nodes at once all count.
    pub async fn record_login_failure(&self, key: &str, window_ms: i64) -> Result<()> {
        let now = now_ms();
        sqlx::query(
            "INSERT INTO login_failures (key, window_started_at, failures) VALUES ($1, $2, 1) \
             ON CONFLICT (key) DO UPDATE SET \
             failures = CASE WHEN login_failures.window_started_at <= $3 THEN 1 ELSE login_failures.failures + 1 END, \
             window_started_at = CASE WHEN login_failures.window_started_at <= $3 THEN $2 ELSE login_failures.window_started_at END",
        )
        .bind(key)
        .bind(now)
        .bind(now - window_ms)
        .execute(&self.pool)
        .await
        .map(|_| ())
    }

    pub async fn clear_login_failures(&self, key: &str) -> Result<()> {
        sqlx::query("DELETE FROM login_failures WHERE key = $1")
            .bind(key)
            .execute(&self.pool)
            .await
            .map(|_| ())
    }

    /// Forgets windows that started before `cutoff` (housekeeping).
    pub async fn purge_login_failures(&self, cutoff: i64) -> Result<u64> {
        let done = sqlx::query("DELETE FROM login_failures WHERE window_started_at < $1")
            .bind(cutoff)
            .execute(&self.pool)
            .await?;
        Ok(done.rows_affected())
    }
}
