//! Attachments: zip and gzipped tar archives, unpacked into a jet's working directory.
//! Entries that would land outside that directory (absolute paths, `..`, links) are refused.
//!
//! Unpacking is streamed to disk and capped, counting the bytes actually decompressed
//! (never the sizes headers declare): for a zip the entries' data, for a tar.gz the whole
//! tar stream (data plus its 512-byte headers). The caps, read once per process from the
//! environment (a whole number; 0 turns that cap off; anything else is an error):
//!
//! - `FASTSCORE_ATTACHMENT_MAX_BYTES` (default 2 GiB): bytes one archive may unpack to;
//! - `FASTSCORE_ATTACHMENT_MAX_ENTRIES` (default 100,000): entries one archive may hold;
//! - `FASTSCORE_ATTACHMENT_MAX_RATIO` (default 200): unpacked bytes per archive byte,
//!   applied only past the first 16 MiB so that small archives are never refused.

use crate::fleet::ArchiveType;
use std::cell::Cell;
use std::io::{self, Read};
use std::path::{Component, Path, PathBuf};
use std::sync::OnceLock;

const GIB: u64 = 1 << 30;
const MIB: u64 = 1 << 20;

/// What an archive may unpack to. A cap of 0 means no cap.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    pub max_bytes: u64,
    pub max_entries: u64,
    pub max_ratio: u64,
    /// Unpacked bytes allowed whatever the ratio.
    pub ratio_floor: u64,
}

impl Default for Limits {
    fn default() -> Limits {
        Limits {
            max_bytes: 2 * GIB,
            max_entries: 100_000,
            max_ratio: 200,
            ratio_floor: 16 * MIB,
        }
    }
}

const MAX_BYTES: &str = "FASTSCORE_ATTACHMENT_MAX_BYTES";
const MAX_ENTRIES: &str = "FASTSCORE_ATTACHMENT_MAX_ENTRIES";
const MAX_RATIO: &str = "FASTSCORE_ATTACHMENT_MAX_RATIO";

/// The most bytes tar may read between two entries (headers, long names, PAX records): the
/// tar crate holds those in memory.
const MAX_HEADER: u64 = MIB;

impl Limits {
    /// The defaults with the environment's overrides, read once per process.
    pub fn from_env() -> Result<Limits, String> {
        static LIMITS: OnceLock<Result<Limits, String>> = OnceLock::new();
        LIMITS
            .get_or_init(|| Limits::from_vars(|k| std::env::var(k).ok()))
            .clone()
    }

    fn from_vars(var: impl Fn(&str) -> Option<String>) -> Result<Limits, String> {
        let mut limits = Limits::default();
        for (key, field) in [
            (MAX_BYTES, &mut limits.max_bytes),
            (MAX_ENTRIES, &mut limits.max_entries),
            (MAX_RATIO, &mut limits.max_ratio),
        ] {
            let Some(text) = var(key).filter(|t| !t.trim().is_empty()) else {
                continue;
            };
            *field = text.trim().parse().map_err(|_| {
                format!("{key} must be a whole number (0 for no limit), not '{text}'")
            })?;
        }
        Ok(limits)
    }

    /// The bytes an archive of `size` bytes may unpack to, and the cap that sets it.
    fn allowance(&self, size: usize) -> (u64, Over) {
        let cap = |n: u64| if n == 0 { u64::MAX } else { n };
        let by_ratio = match self.max_ratio {
            0 => u64::MAX,
            r => r.saturating_mul(size as u64).max(self.ratio_floor),
        };
        if cap(self.max_bytes) <= by_ratio {
            (cap(self.max_bytes), Over::Bytes)
        } else {
            (by_ratio, Over::Ratio)
        }
    }
}

/// A cap an archive went past.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Over {
    Bytes,
    Ratio,
    Header,
}

/// Shared by a `Meter` and the unpacking loop.
#[derive(Clone, Copy)]
struct Budget {
    /// Bytes the archive may still unpack to, and the cap that set them.
    left: u64,
    cap: Over,
    /// Bytes the reader may still take before the next entry; `None` while we read an entry.
    header_left: Option<u64>,
    over: Option<Over>,
}

/// Counts the bytes a decompressor yields and fails once they would pass the budget.
struct Meter<'a, R> {
    inner: R,
    budget: &'a Cell<Budget>,
}

impl<R: Read> Read for Meter<'_, R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if buf.is_empty() {
            return Ok(0);
        }
        let mut b = self.budget.get();
        let room = b.header_left.map_or(b.left, |h| h.min(b.left));
        if room == 0 {
            // At the cap, only the end of the stream may follow.
            if self.inner.read(&mut [0u8; 1])? == 0 {
                return Ok(0);
            }
            b.over = Some(if b.header_left == Some(0) {
                Over::Header
            } else {
                b.cap
            });
            self.budget.set(b);
            return Err(io::Error::other("the attachment is over a limit"));
        }
        let want = buf.len().min(usize::try_from(room).unwrap_or(usize::MAX));
        let n = self.inner.read(&mut buf[..want])?;
        b.left -= n as u64;
        if let Some(h) = &mut b.header_left {
            *h -= n as u64;
        }
        self.budget.set(b);
        Ok(n)
    }
}

/// The path an archive entry may be written to, if it stays inside `dest`.
fn inside(dest: &Path, entry: &Path) -> Option<PathBuf> {
    let mut out = dest.to_path_buf();
    for c in entry.components() {
        match c {
            Component::Normal(part) => out.push(part),
            Component::CurDir => {}
            _ => return None,
        }
    }
    Some(out)
}

/// Copy an entry's data into a new file at `target`; a failed copy leaves no file behind.
fn write_file(data: &mut impl Read, target: &Path, mode: Option<u32>) -> io::Result<()> {
    use std::os::unix::fs::OpenOptionsExt;
    if let Some(parent) = target.parent() {
        std::fs::create_dir_all(parent)?;
    }
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    if let Some(mode) = mode {
        options.mode(mode & 0o777);
    }
    let mut file = options.open(target)?;
    if let Err(e) = io::copy(data, &mut file) {
        drop(file);
        let _ = std::fs::remove_file(target);
        return Err(e);
    }
    Ok(())
}

/// "2 GiB", "512 KiB" or "1000 bytes".
fn size_text(n: u64) -> String {
    for (unit, name) in [(GIB, "GiB"), (MIB, "MiB"), (1 << 10, "KiB")] {
        if n >= unit && n.is_multiple_of(unit) {
            return format!("{} {name}", n / unit);
        }
    }
    format!("{n} bytes")
}

/// Unpack the archive `name` into `dest`, within the limits of the environment.
pub fn unpack(name: &str, bytes: &[u8], dest: &Path) -> Result<(), String> {
    unpack_with(name, bytes, dest, &Limits::from_env()?)
}

/// Unpack the archive `name` into `dest` within `limits`.
pub fn unpack_with(name: &str, bytes: &[u8], dest: &Path, limits: &Limits) -> Result<(), String> {
    let atype = ArchiveType::from_name(name)
        .ok_or_else(|| format!("attachment '{name}' is not a .zip, .tar.gz or .tgz file"))?;
    let (left, cap) = limits.allowance(bytes.len());
    let budget = Cell::new(Budget {
        left,
        cap,
        header_left: None,
        over: None,
    });
    // An error is the cap's when the meter stopped the reading.
    let fail = |e: &dyn std::fmt::Display| match budget.get().over {
        Some(Over::Bytes) => format!(
            "attachment '{name}' unpacks to more than {} (limit {MAX_BYTES})",
            size_text(limits.max_bytes)
        ),
        Some(Over::Ratio) => format!(
            "attachment '{name}' unpacks to more than {} times its size (limit {MAX_RATIO})",
            limits.max_ratio
        ),
        Some(Over::Header) => format!(
            "attachment '{name}': an entry header is larger than {}",
            size_text(MAX_HEADER)
        ),
        None => format!("attachment '{name}': {e}"),
    };
    let mut entries = 0u64;
    let mut count = || {
        entries += 1;
        if limits.max_entries > 0 && entries > limits.max_entries {
            return Err(format!(
                "attachment '{name}' has more than {} entries (limit {MAX_ENTRIES})",
                limits.max_entries
            ));
        }
        Ok(())
    };
    let outside = |path: &dyn std::fmt::Display| {
        fail(&format!(
            "entry '{path}' points outside the working directory"
        ))
    };
    let link = |path: &dyn std::fmt::Display| {
        fail(&format!(
            "entry '{path}' is a link, which attachments may not hold"
        ))
    };
    // Whether tar is reading headers (capped by MAX_HEADER) rather than an entry's data.
    let headers = |on: bool| {
        budget.set(Budget {
            header_left: on.then_some(MAX_HEADER),
            ..budget.get()
        })
    };
    match atype {
        ArchiveType::Tgz => {
            headers(true);
            let meter = Meter {
                inner: flate2::read::GzDecoder::new(bytes),
                budget: &budget,
            };
            let mut archive = tar::Archive::new(meter);
            for entry in archive.entries().map_err(|e| fail(&e))? {
                let mut entry = entry.map_err(|e| fail(&e))?;
                count()?;
                headers(false);
                let path = entry.path().map_err(|e| fail(&e))?.into_owned();
                let target = inside(dest, &path).ok_or_else(|| outside(&path.display()))?;
                let kind = entry.header().entry_type();
                if kind.is_symlink() || kind.is_hard_link() {
                    return Err(link(&path.display()));
                } else if kind.is_file() {
                    let mode = entry.header().mode().ok();
                    write_file(&mut entry, &target, mode).map_err(|e| fail(&e))?;
                } else {
                    if kind.is_dir() {
                        std::fs::create_dir_all(&target).map_err(|e| fail(&e))?;
                    }
                    // Whatever data other kinds carry is counted too.
                    io::copy(&mut entry, &mut io::sink()).map_err(|e| fail(&e))?;
                }
                headers(true);
            }
        }
        ArchiveType::Zip => {
            let mut archive = zip::ZipArchive::new(io::Cursor::new(bytes)).map_err(|e| fail(&e))?;
            for i in 0..archive.len() {
                count()?;
                let mut file = archive.by_index(i).map_err(|e| fail(&e))?;
                let raw = file.name().map(|n| n.into_owned()).unwrap_or_default();
                let target = file
                    .enclosed_name()
                    .and_then(|p| inside(dest, &p))
                    .ok_or_else(|| outside(&raw))?;
                if file.is_dir() {
                    std::fs::create_dir_all(&target).map_err(|e| fail(&e))?;
                } else if file.is_symlink() {
                    return Err(link(&raw));
                } else {
                    let mut data = Meter {
                        inner: &mut file,
                        budget: &budget,
                    };
                    write_file(&mut data, &target, None).map_err(|e| fail(&e))?;
                }
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tgz(entries: &[(&str, &[u8])]) -> Vec<u8> {
        let mut builder = tar::Builder::new(flate2::write::GzEncoder::new(
            Vec::new(),
            flate2::Compression::fast(),
        ));
        for (path, data) in entries {
            let mut header = tar::Header::new_gnu();
            header.set_size(data.len() as u64);
            header.set_mode(0o644);
            header.set_entry_type(tar::EntryType::Regular);
            // write the name bytes directly so that unsafe names can be tested
            let name = header.as_old_mut().name.as_mut();
            name[..path.len()].copy_from_slice(path.as_bytes());
            header.set_cksum();
            builder.append(&header, *data).unwrap();
        }
        builder.into_inner().unwrap().finish().unwrap()
    }

    #[test]
    fn unpacks_tgz_and_refuses_escapes() {
        let dir = tempfile::tempdir().unwrap();
        unpack("a.tar.gz", &tgz(&[("sub/x.txt", b"hi")]), dir.path()).unwrap();
        assert_eq!(std::fs::read(dir.path().join("sub/x.txt")).unwrap(), b"hi");
        let err = unpack("a.tgz", &tgz(&[("../evil", b"x")]), dir.path()).unwrap_err();
        assert!(err.contains("outside the working directory"), "{err}");
        assert!(!dir.path().parent().unwrap().join("evil").exists());
        assert!(unpack("a.zip", b"not a zip", dir.path()).is_err());
    }

    #[test]
    fn long_tar_names_still_unpack() {
        let mut builder = tar::Builder::new(flate2::write::GzEncoder::new(
            Vec::new(),
            flate2::Compression::fast(),
        ));
        let long = format!("{}/x.txt", "d".repeat(200));
        let mut header = tar::Header::new_gnu();
        header.set_mode(0o755);
        header.set_size(2);
        builder.append_data(&mut header, &long, &b"hi"[..]).unwrap();
        let archive = builder.into_inner().unwrap().finish().unwrap();
        let dir = tempfile::tempdir().unwrap();
        unpack_with("l.tgz", &archive, dir.path(), &Limits::default()).unwrap();
        let path = dir.path().join(&long);
        assert_eq!(std::fs::read(&path).unwrap(), b"hi");
        let mode = std::os::unix::fs::PermissionsExt::mode(&path.metadata().unwrap().permissions());
        assert_eq!(mode & 0o100, 0o100, "the executable bit is kept");
    }

    fn zip(entries: &[(&str, &[u8])]) -> Vec<u8> {
        let mut w = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
        for (path, data) in entries {
            w.start_file(*path, zip::write::SimpleFileOptions::default())
                .unwrap();
            std::io::Write::write_all(&mut w, data).unwrap();
        }
        w.finish().unwrap().into_inner()
    }

    /// No caps, so that a test sets only the one it checks.
    const NONE: Limits = Limits {
        max_bytes: 0,
        max_entries: 0,
        max_ratio: 0,
        ratio_floor: 0,
    };

    #[test]
    fn unpacks_zip() {
        let bytes = zip(&[("m/data.txt", b"zipped")]);
        let dir = tempfile::tempdir().unwrap();
        unpack("a.zip", &bytes, dir.path()).unwrap();
        assert_eq!(
            std::fs::read(dir.path().join("m/data.txt")).unwrap(),
            b"zipped"
        );
    }

    #[test]
    fn total_bytes_are_capped_and_the_partial_file_removed() {
        let zeros = vec![0u8; 1 << 20];
        let limits = Limits {
            max_bytes: 64 << 10,
            ..NONE
        };
        for name in ["big.zip", "big.tgz"] {
            let archive = if name.ends_with(".zip") {
                zip(&[("small", b"ok"), ("zeros", &zeros)])
            } else {
                tgz(&[("small", b"ok"), ("zeros", &zeros)])
            };
            let dir = tempfile::tempdir().unwrap();
            let err = unpack_with(name, &archive, dir.path(), &limits).unwrap_err();
            assert_eq!(
                err,
                format!(
                    "attachment '{name}' unpacks to more than 64 KiB (limit FASTSCORE_ATTACHMENT_MAX_BYTES)"
                )
            );
            assert!(!dir.path().join("zeros").exists(), "{name}");
        }
        // exactly at the cap is fine for a zip, whose count is the entries' data
        let dir = tempfile::tempdir().unwrap();
        let exact = Limits {
            max_bytes: 1 << 20,
            ..limits
        };
        unpack_with("exact.zip", &zip(&[("zeros", &zeros)]), dir.path(), &exact).unwrap();
        assert_eq!(
            std::fs::metadata(dir.path().join("zeros")).unwrap().len(),
            1 << 20
        );
    }

    #[test]
    fn the_ratio_is_capped_past_its_floor() {
        let archive = zip(&[("zeros", &vec![0u8; 1 << 20])]);
        assert!(archive.len() < 10 << 10);
        let limits = Limits {
            max_ratio: 10,
            ..NONE
        };
        let dir = tempfile::tempdir().unwrap();
        let err = unpack_with("z.zip", &archive, dir.path(), &limits).unwrap_err();
        assert_eq!(
            err,
            "attachment 'z.zip' unpacks to more than 10 times its size (limit FASTSCORE_ATTACHMENT_MAX_RATIO)"
        );
        assert!(!dir.path().join("zeros").exists());
        let floor = Limits {
            ratio_floor: 2 << 20,
            ..limits
        };
        unpack_with("z.zip", &archive, dir.path(), &floor).unwrap();
        let tgz = tgz(&[("zeros", &vec![0u8; 1 << 20])]);
        let err = unpack_with("z.tgz", &tgz, dir.path(), &limits).unwrap_err();
        assert!(err.contains("more than 10 times its size"), "{err}");
    }

    #[test]
    fn entries_are_capped() {
        let limits = Limits {
            max_entries: 2,
            ..NONE
        };
        let files: [(&str, &[u8]); 3] = [("a", b"1"), ("b", b"2"), ("c", b"3")];
        for (name, archive) in [("n.zip", zip(&files)), ("n.tgz", tgz(&files))] {
            let dir = tempfile::tempdir().unwrap();
            let err = unpack_with(name, &archive, dir.path(), &limits).unwrap_err();
            assert_eq!(
                err,
                format!("attachment '{name}' has more than 2 entries (limit FASTSCORE_ATTACHMENT_MAX_ENTRIES)")
            );
            unpack_with(
                name,
                &archive,
                dir.path(),
                &Limits {
                    max_entries: 3,
                    ..limits
                },
            )
            .unwrap();
        }
    }

    #[test]
    fn tar_headers_are_not_read_into_memory_without_bound() {
        // a GNU long name of 2 MiB, which the tar crate would read whole
        let mut builder = tar::Builder::new(flate2::write::GzEncoder::new(
            Vec::new(),
            flate2::Compression::fast(),
        ));
        let mut header = tar::Header::new_gnu();
        header.set_entry_type(tar::EntryType::GNULongName);
        header.set_size(2 << 20);
        header.set_cksum();
        builder.append(&header, &vec![b'a'; 2 << 20][..]).unwrap();
        let archive = builder.into_inner().unwrap().finish().unwrap();
        let dir = tempfile::tempdir().unwrap();
        let err = unpack_with("h.tgz", &archive, dir.path(), &NONE).unwrap_err();
        assert_eq!(
            err,
            "attachment 'h.tgz': an entry header is larger than 1 MiB"
        );
    }

    #[test]
    fn limits_come_from_the_environment() {
        let vars = |pairs: &'static [(&'static str, &'static str)]| {
            move |k: &str| {
                pairs
                    .iter()
                    .find(|(n, _)| *n == k)
                    .map(|(_, v)| v.to_string())
            }
        };
        assert_eq!(Limits::from_vars(vars(&[])), Ok(Limits::default()));
        assert_eq!(
            Limits::from_vars(vars(&[
                ("FASTSCORE_ATTACHMENT_MAX_BYTES", "1000"),
                ("FASTSCORE_ATTACHMENT_MAX_ENTRIES", " 5 "),
                ("FASTSCORE_ATTACHMENT_MAX_RATIO", "0"),
            ])),
            Ok(Limits {
                max_bytes: 1000,
                max_entries: 5,
                max_ratio: 0,
                ..Limits::default()
            })
        );
        assert_eq!(
            Limits::from_vars(vars(&[("FASTSCORE_ATTACHMENT_MAX_BYTES", "2G")])),
            Err(
                "FASTSCORE_ATTACHMENT_MAX_BYTES must be a whole number (0 for no limit), not '2G'"
                    .into()
            )
        );
    }
}
