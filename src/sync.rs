//! Locks that survive a panic elsewhere: a poisoned mutex still guards consistent data here
//! (every critical section leaves its data whole), so its guard is taken anyway.

use std::sync::{Mutex, MutexGuard};

pub fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}
