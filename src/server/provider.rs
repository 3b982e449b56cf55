//! The credentials the server hands out: the current ones while more than the refresh window
//! is left, else renewed, once for all the requests that arrive meanwhile. One lock around
//! "check, then renew" makes concurrent requests wait for the renewal under way and take its
//! result, so a renewal that needs an MFA code asks once, not once per request.

use crate::aws::TempCreds;
use crate::error::Result;
use crate::job::CredentialJob;
use crate::{timefmt, ui};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, PoisonError};

/// What renews the credentials.
pub trait Renew: Send {
    fn renew(&mut self) -> Result<TempCreds>;
}

impl Renew for CredentialJob {
    fn renew(&mut self) -> Result<TempCreds> {
        // Roles chain on the MFA session in hand; one that has ended would only be refused.
        self.release_ending_session();
        self.credentials()
    }
}

struct State<S> {
    source: S,
    current: TempCreds,
    /// The last renewal's outcome, for the requests that waited for it.
    last: std::result::Result<TempCreds, String>,
}

pub struct Provider<S> {
    /// Seconds left below which the credentials are renewed.
    window: i64,
    state: Mutex<State<S>>,
    /// Renewals finished so far.
    renewals: AtomicU64,
}

impl<S: Renew> Provider<S> {
    /// Hands out `first` until it nears its end, then what `source` renews.
    pub fn new(source: S, first: TempCreds, window: i64) -> Provider<S> {
        Provider {
            window,
            state: Mutex::new(State {
                source,
                current: first.clone(),
                last: Ok(first),
            }),
            renewals: AtomicU64::new(0),
        }
    }

    /// The credentials to hand out, or why there are none (a message fit for stderr).
    pub fn get(&self) -> std::result::Result<TempCreds, String> {
        let seen = self.renewals.load(Ordering::SeqCst);
        let mut state = self.state.lock().unwrap_or_else(PoisonError::into_inner);
        // A renewal finished while this request waited for the lock: its answer is ours too,
        // a failure included (the code nobody typed is not asked for again at once).
        if self.renewals.load(Ordering::SeqCst) != seen {
            return state.last.clone();
        }
        if timefmt::remaining(state.current.expiration) > self.window {
            return Ok(state.current.clone());
        }
        let outcome = state.source.renew().map_err(|e| e.msg);
        match &outcome {
            Ok(creds) => state.current = creds.clone(),
            Err(msg) => ui::warn(&format!("the credentials could not be renewed: {msg}")),
        }
        state.last = outcome.clone();
        self.renewals.fetch_add(1, Ordering::SeqCst);
        outcome
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::aws::Keys;
    use crate::error::Error;
    use std::sync::atomic::AtomicUsize;
    use std::sync::{Arc, Barrier};
    use std::time::Duration;

    fn creds(id: usize, lifetime: i64) -> TempCreds {
        TempCreds {
            keys: Keys {
                access_key_id: format!("ASIA{id}"),
                secret_access_key: "s".into(),
                session_token: Some("t".into()),
            },
            expiration: timefmt::now() + lifetime,
        }
    }

    /// Renews slowly, to credentials of `lifetime` seconds, or fails; counts its calls.
    struct Slow {
        calls: Arc<AtomicUsize>,
        lifetime: i64,
        fail: bool,
    }

    impl Renew for Slow {
        fn renew(&mut self) -> Result<TempCreds> {
            let n = self.calls.fetch_add(1, Ordering::SeqCst) + 1;
            std::thread::sleep(Duration::from_millis(500));
            if self.fail {
                return Err(Error::runtime("no code"));
            }
            Ok(creds(n, self.lifetime))
        }
    }

    /// `threads` concurrent requests to a provider whose credentials need renewing.
    fn concurrent(lifetime: i64, fail: bool, threads: usize) -> (usize, Vec<String>) {
        let calls = Arc::new(AtomicUsize::new(0));
        let source = Slow {
            calls: calls.clone(),
            lifetime,
            fail,
        };
        let provider = Arc::new(Provider::new(source, creds(0, 100), 300));
        let start = Arc::new(Barrier::new(threads));
        let answers = (0..threads)
            .map(|_| {
                let (provider, start) = (provider.clone(), start.clone());
                std::thread::spawn(move || {
                    start.wait();
                    match provider.get() {
                        Ok(c) => c.keys.access_key_id,
                        Err(msg) => msg,
                    }
                })
            })
            .collect::<Vec<_>>()
            .into_iter()
            .map(|t| t.join().unwrap())
            .collect();
        (calls.load(Ordering::SeqCst), answers)
    }

    #[test]
    fn current_credentials_are_handed_out_until_the_window() {
        let calls = Arc::new(AtomicUsize::new(0));
        let source = Slow {
            calls: calls.clone(),
            lifetime: 3600,
            fail: false,
        };
        let provider = Provider::new(source, creds(0, 400), 300);
        assert_eq!(provider.get().unwrap().keys.access_key_id, "ASIA0");
        assert_eq!(calls.load(Ordering::SeqCst), 0);
        let provider = Provider::new(
            provider.state.into_inner().unwrap().source,
            creds(0, 299),
            300,
        );
        assert_eq!(provider.get().unwrap().keys.access_key_id, "ASIA1");
        assert_eq!(provider.get().unwrap().keys.access_key_id, "ASIA1");
        assert_eq!(calls.load(Ordering::SeqCst), 1);
    }

    #[test]
    fn concurrent_requests_share_one_renewal() {
        let (calls, answers) = concurrent(3600, false, 8);
        assert_eq!(calls, 1);
        assert!(answers.iter().all(|a| a == "ASIA1"), "{answers:?}");
    }

    #[test]
    fn a_failed_renewal_is_shared_by_those_who_waited_for_it() {
        // Credentials that are inside the window even when new: only sharing keeps it at one.
        let (calls, answers) = concurrent(100, true, 8);
        assert_eq!(calls, 1, "{answers:?}");
        assert!(answers.iter().all(|a| a == "no code"), "{answers:?}");
        let (calls, answers) = concurrent(100, false, 8);
        assert_eq!(calls, 1, "{answers:?}");
        // Later requests renew again: every request is its own renewal then.
        let provider = Provider::new(
            Slow {
                calls: Arc::new(AtomicUsize::new(0)),
                lifetime: 100,
                fail: false,
            },
            creds(0, 100),
            300,
        );
        assert_eq!(provider.get().unwrap().keys.access_key_id, "ASIA1");
        assert_eq!(provider.get().unwrap().keys.access_key_id, "ASIA2");
    }
}
