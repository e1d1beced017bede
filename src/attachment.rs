//! Attachments: zip and gzipped tar archives, unpacked into a jet's working directory.
//! Entries that would land outside that directory (absolute paths, `..`, links) are refused.

use crate::fleet::ArchiveType;
use std::io::Read;
use std::path::{Component, Path, PathBuf};

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

/// Unpack the archive `name` into `dest`.
pub fn unpack(name: &str, bytes: &[u8], dest: &Path) -> Result<(), String> {
    let atype = ArchiveType::from_name(name)
        .ok_or_else(|| format!("attachment '{name}' is not a .zip, .tar.gz or .tgz file"))?;
    let fail = |e: &dyn std::fmt::Display| format!("attachment '{name}': {e}");
    match atype {
        ArchiveType::Tgz => {
            let mut archive = tar::Archive::new(flate2::read::GzDecoder::new(bytes));
            for entry in archive.entries().map_err(|e| fail(&e))? {
                let mut entry = entry.map_err(|e| fail(&e))?;
                let path = entry.path().map_err(|e| fail(&e))?.into_owned();
                let target = inside(dest, &path).ok_or_else(|| {
                    fail(&format!(
                        "entry '{}' points outside the working directory",
                        path.display()
                    ))
                })?;
                let kind = entry.header().entry_type();
                if kind.is_dir() {
                    std::fs::create_dir_all(&target).map_err(|e| fail(&e))?;
                } else if kind.is_file() {
                    if let Some(parent) = target.parent() {
                        std::fs::create_dir_all(parent).map_err(|e| fail(&e))?;
                    }
                    entry.unpack(&target).map_err(|e| fail(&e))?;
                } else if kind.is_symlink() || kind.is_hard_link() {
                    return Err(fail(&format!(
                        "entry '{}' is a link, which attachments may not hold",
                        path.display()
                    )));
                }
            }
        }
        ArchiveType::Zip => {
            let mut archive =
                zip::ZipArchive::new(std::io::Cursor::new(bytes)).map_err(|e| fail(&e))?;
            for i in 0..archive.len() {
                let mut file = archive.by_index(i).map_err(|e| fail(&e))?;
                let raw = file.name().map(|n| n.into_owned()).unwrap_or_default();
                let target = file
                    .enclosed_name()
                    .and_then(|p| inside(dest, &p))
                    .ok_or_else(|| {
                        fail(&format!(
                            "entry '{raw}' points outside the working directory"
                        ))
                    })?;
                if file.is_dir() {
                    std::fs::create_dir_all(&target).map_err(|e| fail(&e))?;
                } else if file.is_symlink() {
                    return Err(fail(&format!(
                        "entry '{raw}' is a link, which attachments may not hold"
                    )));
                } else {
                    if let Some(parent) = target.parent() {
                        std::fs::create_dir_all(parent).map_err(|e| fail(&e))?;
                    }
                    let mut data = Vec::new();
                    file.read_to_end(&mut data).map_err(|e| fail(&e))?;
                    std::fs::write(&target, data).map_err(|e| fail(&e))?;
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
    fn unpacks_zip() {
        let mut w = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
        w.start_file("m/data.txt", zip::write::SimpleFileOptions::default())
            .unwrap();
        std::io::Write::write_all(&mut w, b"zipped").unwrap();
        let bytes = w.finish().unwrap().into_inner();
        let dir = tempfile::tempdir().unwrap();
        unpack("a.zip", &bytes, dir.path()).unwrap();
        assert_eq!(
            std::fs::read(dir.path().join("m/data.txt")).unwrap(),
            b"zipped"
        );
    }
}
