//! Failed logins slow down: per user name at a client address, and per client address, the
//! first few failures are free, then each one makes the next try wait longer (1 s, 2 s, 4 s,
//! … up to a minute). A try that comes before its wait is over is refused without looking at
//! its password, so guessing goes no faster than the waits allow, however many requests are
//! sent. A user's success clears the count of that user at that address (not the address's:
//! logging in as oneself does not pay for guesses at others); a count with no failure for a
//! quarter of an hour is forgotten. Counting a name per address, not across addresses, is
//! what keeps a guesser elsewhere from locking its owner out.

use crate::sync::lock;
use std::collections::HashMap;
use std::net::{IpAddr, Ipv6Addr};
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Failures in a row that cost nothing (typing mistakes).
const FREE: u32 = 3;
const FIRST_WAIT: Duration = Duration::from_secs(1);
const LONGEST_WAIT: Duration = Duration::from_secs(60);
/// A count with no failure for this long is forgotten.
const FORGET_AFTER: Duration = Duration::from_secs(15 * 60);
/// Counts kept at most (every table has a bound); the stalest go first.
const MAX_KEPT: usize = 10_000;

/// The longest user name counted on its own; longer ones are nobody's and count only for
/// their address (a count's key must stay small).
const LONGEST_NAME: usize = 256;

/// Whom a count is about.
#[derive(Clone, PartialEq, Eq, Hash, Debug)]
pub enum Key {
    /// A client address (IPv6 addresses by their /64: one host has many of those).
    Address(IpAddr),
    /// A user name tried from an address.
    UserAt(String, IpAddr),
}

impl Key {
    pub fn address(ip: IpAddr) -> Key {
        Key::Address(network(ip))
    }

    /// The count of `name` at `ip`; none for a name too long to be anyone's.
    pub fn user_at(name: &str, ip: IpAddr) -> Option<Key> {
        (name.len() <= LONGEST_NAME).then(|| Key::UserAt(name.to_string(), network(ip)))
    }
}

/// The part of an address that names a client: all of an IPv4 address, the /64 of IPv6.
fn network(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V4(_) => ip,
        IpAddr::V6(v6) => {
            let mut segments = v6.segments();
            segments[4..].fill(0);
            IpAddr::V6(Ipv6Addr::from(segments))
        }
    }
}

struct Count {
    failures: u32,
    last: Instant,
    until: Instant,
}

#[derive(Default)]
pub struct Throttle {
    counts: Mutex<HashMap<Key, Count>>,
}

impl Throttle {
    /// How long a try by `keys` must still wait, if it must.
    pub fn wait(&self, keys: &[Key]) -> Option<Duration> {
        let now = Instant::now();
        let counts = lock(&self.counts);
        keys.iter()
            .filter_map(|k| counts.get(k))
            .map(|c| c.until.saturating_duration_since(now))
            .filter(|d| !d.is_zero())
            .max()
    }

    /// Count a failure of `keys`: the most failures in a row among them, and how long the
    /// next try waits.
    pub fn failed(&self, keys: &[Key]) -> (u32, Duration) {
        let now = Instant::now();
        let mut counts = lock(&self.counts);
        if counts.len() + keys.len() > MAX_KEPT {
            counts.retain(|_, c| now.duration_since(c.last) < FORGET_AFTER);
            while counts.len() + keys.len() > MAX_KEPT {
                let Some(stalest) = counts
                    .iter()
                    .min_by_key(|(_, c)| c.last)
                    .map(|(k, _)| k.clone())
                else {
                    break;
                };
                counts.remove(&stalest);
            }
        }
        let (mut most, mut wait) = (0, Duration::ZERO);
        for key in keys {
            let count = counts.entry(key.clone()).or_insert(Count {
                failures: 0,
                last: now,
                until: now,
            });
            if now.duration_since(count.last) >= FORGET_AFTER {
                count.failures = 0;
            }
            count.failures = count.failures.saturating_add(1);
            count.last = now;
            let this_wait = wait_after(count.failures);
            count.until = now + this_wait;
            most = most.max(count.failures);
            wait = wait.max(this_wait);
        }
        (most, wait)
    }

    /// A success of `keys` clears their counts.
    pub fn succeeded(&self, keys: &[Key]) {
        let mut counts = lock(&self.counts);
        for key in keys {
            counts.remove(key);
        }
    }
}

/// The wait after `failures` in a row.
fn wait_after(failures: u32) -> Duration {
    if failures <= FREE {
        return Duration::ZERO;
    }
    let doublings = (failures - FREE - 1).min(6);
    (FIRST_WAIT * 2u32.pow(doublings)).min(LONGEST_WAIT)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn waits_grow_after_the_free_failures_and_a_success_clears_them() {
        assert_eq!(wait_after(3), Duration::ZERO);
        assert_eq!(wait_after(4), Duration::from_secs(1));
        assert_eq!(wait_after(6), Duration::from_secs(4));
        assert_eq!(wait_after(100), LONGEST_WAIT);
        let t = Throttle::default();
        let home = IpAddr::from([127, 0, 0, 1]);
        let keys = [Key::user_at("alice", home).unwrap()];
        for _ in 0..3 {
            assert_eq!(t.failed(&keys).1, Duration::ZERO);
            assert_eq!(t.wait(&keys), None);
        }
        let (n, wait) = t.failed(&keys);
        assert_eq!((n, wait), (4, Duration::from_secs(1)));
        assert!(t.wait(&keys).is_some());
        // another user is not held back, nor alice elsewhere
        assert_eq!(t.wait(&[Key::user_at("bob", home).unwrap()]), None);
        let elsewhere = IpAddr::from([10, 0, 0, 7]);
        assert_eq!(t.wait(&[Key::user_at("alice", elsewhere).unwrap()]), None);
        // names too long to be anyone's count only for their address
        assert!(Key::user_at(&"x".repeat(10_000), home).is_none());
        // one host's IPv6 addresses are one client
        let a: IpAddr = "2001:db8::1".parse().unwrap();
        let b: IpAddr = "2001:db8::2:3".parse().unwrap();
        assert_eq!(Key::address(a), Key::address(b));
        t.succeeded(&keys);
        assert_eq!(t.wait(&keys), None);
    }
}
