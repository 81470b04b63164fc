//! A small time-bounded cache for values every request needs (API-key and
//! ingest-secret lookups, webhook configs). Its owners clear it after a
//! change, this node's or (by notice) another's; entries live `ttl` in any
//! case, so a change whose notice was lost is seen within `ttl`.
//! A key that expires is loaded once, however many requests want it then.
//! Written here rather than taken from a caching crate (moka does this and
//! much more): it is this file, on tokio's `watch`, where moka would add a
//! dependency tree to a build that must stay lean on two cores.

use std::collections::HashMap;
use std::hash::Hash;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use tokio::sync::watch;

pub struct TtlCache<K: Eq + Hash, V> {
    ttl: Duration,
    capacity: usize,
    entries: Mutex<HashMap<K, (Instant, V)>>,
    /// Keys being loaded, with where their value will appear.
    loading: Mutex<HashMap<K, watch::Receiver<Option<V>>>>,
    /// Counts removals: a load that began before one does not cache what
    /// it read (a key revoked through this node would otherwise be
    /// served again until the entry expired).
    generation: AtomicU64,
}

/// Ends a key's load, also when its caller goes away mid-load: the key is
/// no longer being loaded, and waiters whose value never comes load it
/// themselves.
struct Loading<'a, K: Eq + Hash, V> {
    loading: &'a Mutex<HashMap<K, watch::Receiver<Option<V>>>>,
    key: &'a K,
    /// This load's channel: after a `clear`, the key's entry may be a newer
    /// load's, which stays.
    value: watch::Receiver<Option<V>>,
}

impl<K: Eq + Hash, V> Drop for Loading<'_, K, V> {
    fn drop(&mut self) {
        let mut loading = self.loading.lock().unwrap_or_else(|e| e.into_inner());
        if loading
            .get(self.key)
            .is_some_and(|v| v.same_channel(&self.value))
        {
            loading.remove(self.key);
        }
    }
}

impl<K: Eq + Hash + Clone, V: Clone> TtlCache<K, V> {
    pub fn new(ttl: Duration, capacity: usize) -> Self {
        TtlCache {
            ttl,
            capacity,
            entries: Mutex::new(HashMap::new()),
            loading: Mutex::new(HashMap::new()),
            generation: AtomicU64::new(0),
        }
    }

    pub fn get(&self, key: &K) -> Option<V> {
        let entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        match entries.get(key) {
            Some((at, v)) if at.elapsed() < self.ttl => Some(v.clone()),
            _ => None,
        }
    }

    /// Caches what a load that began at `generation` read, unless an
    /// entry was removed since.
    fn insert(&self, generation: u64, key: K, value: V) {
        let mut entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        if self.generation.load(Ordering::SeqCst) != generation {
            return;
        }
        if entries.len() >= self.capacity {
            // Bounded memory whatever keys callers present; expired entries
            // go first, and if all are fresh the cache simply starts over.
            let ttl = self.ttl;
            entries.retain(|_, (at, _)| at.elapsed() < ttl);
            if entries.len() >= self.capacity {
                entries.clear();
            }
        }
        entries.insert(key, (Instant::now(), value));
    }

    /// The cached value of `key`, or else what `load` gives, cached for next
    /// time (a failed load is not). While a key is being loaded, other
    /// callers wait for that load instead of starting their own: when a
    /// hot entry expired, every request in flight used to load it at once
    /// (up to one per connection, each a few queries on an 8-connection
    /// pool). If that load fails, each waiter tries its own, so an error
    /// reaches every caller as its own load's.
    pub async fn get_or_load<E, F>(&self, key: K, load: impl FnOnce() -> F) -> Result<V, E>
    where
        F: std::future::Future<Output = Result<V, E>>,
    {
        if let Some(v) = self.get(&key) {
            return Ok(v);
        }
        let generation = self.generation.load(Ordering::SeqCst);
        let waiting = {
            let mut loading = self.loading.lock().unwrap_or_else(|e| e.into_inner());
            match loading.get(&key) {
                Some(value) => Err(value.clone()),
                None => {
                    let (done, value) = watch::channel(None);
                    loading.insert(key.clone(), value);
                    Ok(done)
                }
            }
        };
        let leading = match waiting {
            Ok(done) => Some(done),
            Err(mut value) => {
                if let Ok(Some(v)) = value.wait_for(Option::is_some).await.map(|v| v.clone()) {
                    return Ok(v);
                }
                // That load failed or its caller went away: load it here.
                None
            }
        };
        let _loading = leading.as_ref().map(|done| Loading {
            loading: &self.loading,
            key: &key,
            value: done.subscribe(),
        });
        let v = load().await?;
        // Cached before the key stops loading, so no caller misses both.
        self.insert(generation, key.clone(), v.clone());
        if let Some(done) = &leading {
            done.send_replace(Some(v.clone()));
        }
        Ok(v)
    }

    /// As `get_or_load`, for a lookup that may find nothing: only what is
    /// found is cached, so keys that do not exist cannot fill the cache
    /// (each is looked up, as a failed load is), and a key is found as soon
    /// as it exists.
    pub async fn get_or_load_found<E, F>(
        &self,
        key: K,
        load: impl FnOnce() -> F,
    ) -> Result<Option<V>, E>
    where
        F: std::future::Future<Output = Result<Option<V>, E>>,
    {
        let found = self
            .get_or_load(key, || async {
                match load().await {
                    Ok(Some(v)) => Ok(v),
                    Ok(None) => Err(None),
                    Err(e) => Err(Some(e)),
                }
            })
            .await;
        match found {
            Ok(v) => Ok(Some(v)),
            Err(None) => Ok(None),
            Err(Some(e)) => Err(e),
        }
    }

    /// Forgets `key`, and any load of it under way: callers from now on
    /// load it afresh.
    pub fn remove(&self, key: &K) {
        let mut entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        self.generation.fetch_add(1, Ordering::SeqCst);
        entries.remove(key);
        self.loading
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .remove(key);
    }

    /// Forgets every key, and every load under way.
    pub fn clear(&self) {
        let mut entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        self.generation.fetch_add(1, Ordering::SeqCst);
        entries.clear();
        self.loading
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn loads_once_and_keeps_no_failure() {
        let c = TtlCache::new(Duration::from_secs(60), 10);
        let failed: Result<&str, &str> = c.get_or_load(1, || async { Err("down") }).await;
        assert_eq!(failed, Err("down"));
        assert_eq!(c.get(&1), None, "a failed load is not cached");
        let v: Result<_, ()> = c.get_or_load(1, || async { Ok("a") }).await;
        assert_eq!(v, Ok("a"));
        let cached: Result<_, ()> = c.get_or_load(1, || async { Ok("b") }).await;
        assert_eq!(cached, Ok("a"), "served from the cache, not loaded again");
    }

    #[tokio::test]
    async fn only_what_is_found_is_kept() {
        let c = TtlCache::new(Duration::from_secs(60), 10);
        let missing: Result<Option<&str>, ()> = c.get_or_load_found(1, || async { Ok(None) }).await;
        assert_eq!(missing, Ok(None));
        assert_eq!(c.get(&1), None, "nothing is cached for a key not found");
        let failed: Result<Option<&str>, &str> =
            c.get_or_load_found(1, || async { Err("down") }).await;
        assert_eq!(failed, Err("down"));
        let found: Result<_, ()> = c.get_or_load_found(1, || async { Ok(Some("a")) }).await;
        assert_eq!(found, Ok(Some("a")), "found once it exists");
        let cached: Result<_, ()> = c.get_or_load_found(1, || async { Ok(None) }).await;
        assert_eq!(
            cached,
            Ok(Some("a")),
            "served from the cache, not loaded again"
        );
    }

    #[tokio::test]
    async fn an_expired_key_is_loaded_once_for_all_who_want_it() {
        use std::sync::atomic::{AtomicUsize, Ordering};
        let c = std::sync::Arc::new(TtlCache::new(Duration::from_secs(60), 10));
        let loads = std::sync::Arc::new(AtomicUsize::new(0));
        let (release, released) = watch::channel(false);
        let callers: Vec<_> = (0..20)
            .map(|_| {
                let (c, loads, mut released) = (c.clone(), loads.clone(), released.clone());
                tokio::spawn(async move {
                    c.get_or_load(1, || async move {
                        loads.fetch_add(1, Ordering::SeqCst);
                        let _ = released.wait_for(|r| *r).await;
                        Ok::<_, ()>("a")
                    })
                    .await
                })
            })
            .collect();
        // A test runs on one thread: each caller runs up to its wait
        // (the first to its load) before this task goes on.
        tokio::task::yield_now().await;
        assert!(c.loading.lock().unwrap().contains_key(&1));
        release.send_replace(true);
        for caller in callers {
            assert_eq!(caller.await.unwrap(), Ok("a"));
        }
        assert_eq!(loads.load(Ordering::SeqCst), 1);
        assert!(c.loading.lock().unwrap().is_empty());
    }

    #[tokio::test]
    async fn waiters_load_themselves_when_the_load_fails_or_goes_away() {
        let c = std::sync::Arc::new(TtlCache::new(Duration::from_secs(60), 10));
        let (release, released) = watch::channel(false);
        let first = {
            let (c, mut released) = (c.clone(), released.clone());
            tokio::spawn(async move {
                c.get_or_load(1, || async move {
                    let _ = released.wait_for(|r| *r).await;
                    Err::<&str, &str>("down")
                })
                .await
            })
        };
        tokio::task::yield_now().await;
        assert!(c.loading.lock().unwrap().contains_key(&1));
        let second = {
            let c = c.clone();
            tokio::spawn(async move { c.get_or_load(1, || async { Ok::<_, &str>("b") }).await })
        };
        tokio::task::yield_now().await;
        release.send_replace(true);
        assert_eq!(first.await.unwrap(), Err("down"));
        assert_eq!(
            second.await.unwrap(),
            Ok("b"),
            "its own load, after the failed one"
        );
        // A caller that goes away mid-load leaves no load behind.
        let gone = {
            let c = c.clone();
            tokio::spawn(async move {
                c.get_or_load(2, std::future::pending::<Result<&str, ()>>)
                    .await
            })
        };
        tokio::task::yield_now().await;
        assert!(c.loading.lock().unwrap().contains_key(&2));
        gone.abort();
        let _ = gone.await;
        assert!(c.loading.lock().unwrap().is_empty());
        assert_eq!(
            c.get_or_load(2, || async { Ok::<_, ()>("c") }).await,
            Ok("c")
        );
    }

    #[tokio::test]
    async fn a_removal_during_a_load_keeps_that_load_out() {
        let c = std::sync::Arc::new(TtlCache::new(Duration::from_secs(60), 10));
        let (release, mut released) = watch::channel(false);
        let old = {
            let c = c.clone();
            tokio::spawn(async move {
                c.get_or_load(1, || async move {
                    let _ = released.wait_for(|r| *r).await;
                    Ok::<_, ()>("old")
                })
                .await
            })
        };
        tokio::task::yield_now().await;
        assert!(c.loading.lock().unwrap().contains_key(&1));
        c.remove(&1);
        // A caller after the removal loads afresh, not waiting for the old load.
        assert_eq!(
            c.get_or_load(1, || async { Ok::<_, ()>("new") }).await,
            Ok("new")
        );
        release.send_replace(true);
        assert_eq!(
            old.await.unwrap(),
            Ok("old"),
            "its own caller gets what it read"
        );
        assert_eq!(c.get(&1), Some("new"), "but it is not cached");
        assert!(c.loading.lock().unwrap().is_empty());
    }

    #[test]
    fn expires_and_stays_bounded() {
        let c = TtlCache::new(Duration::ZERO, 2);
        c.insert(0, 1, "a");
        assert_eq!(c.get(&1), None, "a zero ttl never serves");
        let c = TtlCache::new(Duration::from_secs(60), 2);
        c.insert(0, 1, "a");
        c.insert(0, 2, "b");
        c.insert(0, 3, "c");
        assert_eq!(c.get(&3), Some("c"));
        assert!(c.entries.lock().unwrap().len() <= 2);
        c.remove(&3);
        assert_eq!(c.get(&3), None);
    }
}
