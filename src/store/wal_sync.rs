//! SQLite's write-ahead log made durable beside the writer, not on its turn.
//!
//! With `synchronous = FULL`, SQLite fsyncs the log inside `COMMIT`, while it
//! holds the database's one write lock: the next batch cannot start writing
//! until the disk has answered (2 to 3 ms here, a fifth to a third of a
//! flat-out batch's time). The write path's batches commit with `synchronous =
//! NORMAL` instead, which writes the same log frames without the fsync, and
//! then wait here for an `fdatasync` of the log file before anyone is
//! answered, while the writer goes on with the next batch. A commit in WAL
//! mode is its frames in the log, so once the file is synced the commit
//! survives a power loss, as with FULL; and NORMAL keeps the database
//! consistent whatever happens to frames that were not synced (SQLite
//! syncs the log before each checkpoint, and the log's header when it
//! starts over). One sync covers every commit made before it started
//! (group commit of the fsyncs), and there is at most one at a time.
//!
//! No crate does this: SQLite has no asynchronous commit of its own, and
//! sqlx cannot reach the connection's file handles, so the log is opened
//! here by its path.

use std::fs::File;
use std::os::unix::fs::MetadataExt;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

use tokio::sync::Mutex;

use crate::metrics::{metrics, DbOp};

pub(super) struct WalSync {
    /// `<database>-wal`.
    path: PathBuf,
    /// Commits made so far (the last one's number).
    committed: AtomicU64,
    /// Every commit up to this number is on disk.
    synced: AtomicU64,
    /// One sync at a time, with the log file kept open between them.
    file: Mutex<Option<File>>,
    /// A sync failed. After a failed fsync the kernel may have dropped the
    /// pages it could not write and report the next fsync as a success,
    /// and a log missing frames is cut at the gap when it is recovered, so
    /// later commits could be lost too: no later sync is trusted until the
    /// server restarts (PostgreSQL stops for the same reason).
    failed: AtomicBool,
}

impl WalSync {
    pub(super) fn new(database: &str) -> WalSync {
        WalSync {
            path: PathBuf::from(format!("{database}-wal")),
            committed: AtomicU64::new(0),
            synced: AtomicU64::new(0),
            file: Mutex::new(None),
            failed: AtomicBool::new(false),
        }
    }

    /// Numbers a commit just made (with `synchronous = NORMAL`), for
    /// `sync_through`. Called on the writer's turn, so numbers follow the
    /// order of the commits in the log.
    pub(super) fn committed(&self) -> u64 {
        self.committed.fetch_add(1, Ordering::AcqRel) + 1
    }

    /// Returns once commit `n` is on disk: at once if a sync since covered
    /// it, else after the next one, which covers every commit made before
    /// it starts.
    pub(super) async fn sync_through(&self, n: u64) -> std::io::Result<()> {
        if self.synced.load(Ordering::Acquire) >= n {
            return Ok(());
        }
        let mut file = self.file.lock().await;
        if self.synced.load(Ordering::Acquire) >= n {
            return Ok(());
        }
        if self.failed.load(Ordering::Acquire) {
            return Err(std::io::Error::other(
                "an earlier sync of the database's log failed: restart the server",
            ));
        }
        let upto = self.committed.load(Ordering::Acquire);
        let path = self.path.clone();
        let kept = file.take();
        let started = std::time::Instant::now();
        let (kept, result) = tokio::task::spawn_blocking(move || sync_log(&path, kept))
            .await
            .map_err(std::io::Error::other)?;
        metrics().db_time(DbOp::log_sync, started);
        *file = kept;
        if result.is_err() {
            self.failed.store(true, Ordering::Release);
        }
        result?;
        self.synced.fetch_max(upto, Ordering::AcqRel);
        Ok(())
    }
}

/// `fdatasync`s the log at `path`, through `kept` if that is still the file
/// there; gives back the handle to keep.
fn sync_log(path: &std::path::Path, kept: Option<File>) -> (Option<File>, std::io::Result<()>) {
    let current = match std::fs::metadata(path) {
        Ok(m) => m,
        // The log is removed only when SQLite's last connection closes,
        // after checkpointing it into the database and syncing that: what
        // it held is on disk already.
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return (None, Ok(())),
        Err(e) => return (kept, Err(e)),
    };
    // A log removed and created again (every connection closed meanwhile)
    // is another file: sync the one SQLite writes now.
    let same = |f: &File| {
        f.metadata()
            .is_ok_and(|m| m.ino() == current.ino() && m.dev() == current.dev())
    };
    let file = match kept.filter(same) {
        Some(f) => f,
        None => match File::open(path) {
            Ok(f) => f,
            Err(e) => return (None, Err(e)),
        },
    };
    let result = file.sync_data();
    (Some(file), result)
}

#[cfg(test)]
mod tests {
    use super::WalSync;

    #[tokio::test]
    async fn a_sync_covers_every_commit_made_before_it() {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("h.db");
        std::fs::write(dir.path().join("h.db-wal"), b"frames").unwrap();
        let wal = WalSync::new(db.to_str().unwrap());
        let (a, b) = (wal.committed(), wal.committed());
        wal.sync_through(a).await.unwrap();
        // The sync for `a` started after `b` was committed, so it covered
        // both.
        assert_eq!(wal.synced.load(std::sync::atomic::Ordering::Acquire), b);
        let c = wal.committed();
        assert!(wal.synced.load(std::sync::atomic::Ordering::Acquire) < c);
        wal.sync_through(c).await.unwrap();
        assert_eq!(wal.synced.load(std::sync::atomic::Ordering::Acquire), c);
    }

    #[tokio::test]
    async fn after_a_failed_sync_no_later_one_is_trusted() {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("h.db");
        let log = dir.path().join("h.db-wal");
        // A socket cannot be opened as a file: the sync fails.
        let socket = std::os::unix::net::UnixListener::bind(&log).unwrap();
        let wal = WalSync::new(db.to_str().unwrap());
        let n = wal.committed();
        assert!(wal.sync_through(n).await.is_err());
        drop(socket);
        std::fs::remove_file(&log).unwrap();
        std::fs::write(&log, b"frames").unwrap();
        let n = wal.committed();
        let e = wal.sync_through(n).await.unwrap_err();
        assert!(e.to_string().contains("restart"), "{e}");
    }

    #[tokio::test]
    async fn a_log_created_again_is_synced_through_its_new_file() {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("h.db");
        let log = dir.path().join("h.db-wal");
        std::fs::write(&log, b"frames").unwrap();
        let wal = WalSync::new(db.to_str().unwrap());
        let n = wal.committed();
        wal.sync_through(n).await.unwrap();
        let first = wal.file.lock().await.as_ref().unwrap().metadata().unwrap();
        std::fs::remove_file(&log).unwrap();
        // No log: its frames went into the database before it was removed.
        let n = wal.committed();
        wal.sync_through(n).await.unwrap();
        assert!(wal.file.lock().await.is_none());
        std::fs::write(&log, b"new frames").unwrap();
        let n = wal.committed();
        wal.sync_through(n).await.unwrap();
        use std::os::unix::fs::MetadataExt;
        let kept = wal.file.lock().await.as_ref().unwrap().metadata().unwrap();
        assert_eq!(kept.ino(), std::fs::metadata(&log).unwrap().ino());
        assert!(kept.len() != first.len());
    }
}
