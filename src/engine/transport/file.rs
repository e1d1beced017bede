//! `file`: a file read from its beginning (seekable, so it may loop) or written anew.

use super::{Sink, Source, Transport};
use crate::engine::envelope::Framed;
use crate::error::io_error_text;
use crate::sync::lock;
use serde_json::{json, Map, Value};
use std::io::{Read, Write};
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::Duration;

#[derive(Debug)]
struct File {
    path: String,
}

pub fn parse(params: Option<&Map<String, Value>>) -> Result<Arc<dyn Transport>, String> {
    let path = super::string_param(params, "file", "Path")?;
    if !path.starts_with('/') {
        return Err(format!("the file Path must be absolute, not '{path}'"));
    }
    Ok(Arc::new(File { path }))
}

impl Transport for File {
    fn name(&self) -> &'static str {
        "file"
    }

    fn seekable(&self) -> bool {
        true
    }

    fn internal(&self) -> Value {
        json!({"type": "file", "path": self.path})
    }

    fn check(&self, input: bool) -> Result<(), String> {
        let path = Path::new(&self.path);
        if input {
            std::fs::File::open(path)
                .map(drop)
                .map_err(|e| format!("cannot read {}", io_error_text(&self.path, &e)))
        } else if path.parent().is_some_and(|p| !p.is_dir()) {
            Err(format!(
                "cannot write {}: its directory does not exist",
                self.path
            ))
        } else {
            Ok(())
        }
    }

    fn open_source(&self) -> Result<Option<Box<dyn Source>>, String> {
        let file = std::fs::File::open(&self.path).map_err(|e| io_error_text(&self.path, &e))?;
        Ok(Some(Box::new(FileSource(file))))
    }

    fn open_sink(&self) -> Result<Box<dyn Sink>, String> {
        let file = std::fs::File::create(&self.path).map_err(|e| io_error_text(&self.path, &e))?;
        Ok(Box::new(FileSink(Mutex::new((
            std::io::BufWriter::with_capacity(1 << 18, file),
            std::time::Instant::now(),
        )))))
    }
}

struct FileSource(std::fs::File);

impl Source for FileSource {
    fn read(&mut self) -> std::io::Result<Option<Vec<u8>>> {
        read_chunk(&mut self.0)
    }
}

/// Up to 64 KiB from a byte stream; `None` at its end.
pub fn read_chunk(r: &mut dyn Read) -> std::io::Result<Option<Vec<u8>>> {
    let mut buf = vec![0u8; 1 << 16];
    loop {
        match r.read(&mut buf) {
            Ok(0) => return Ok(None),
            Ok(n) => {
                buf.truncate(n);
                return Ok(Some(buf));
            }
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
}

/// The file, and when it was last written out: outputs that come slowly are written at
/// once, those that come fast are buffered (and written out at least every `FLUSH_EVERY`).
struct FileSink(Mutex<(std::io::BufWriter<std::fs::File>, std::time::Instant)>);

impl Sink for FileSink {
    fn write(&self, records: &Framed) -> std::io::Result<()> {
        let mut f = lock(&self.0);
        f.0.write_all(&records.bytes)?;
        if f.1.elapsed() >= super::FLUSH_EVERY {
            f.0.flush()?;
            f.1 = std::time::Instant::now();
        }
        Ok(())
    }

    fn finish(&self, _: Option<Duration>) -> std::io::Result<()> {
        let mut f = lock(&self.0);
        f.0.flush()?;
        f.0.get_ref().sync_all()
    }

    fn abort(&self) {
        // what was written so far stays on disk
        let _ = lock(&self.0).0.flush();
    }

    fn flush_buffered(&self) -> std::io::Result<()> {
        let mut f = lock(&self.0);
        if !f.0.buffer().is_empty() {
            f.0.flush()?;
            f.1 = std::time::Instant::now();
        }
        Ok(())
    }
}
