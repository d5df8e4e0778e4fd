//! Publish: renders the unified feed and one feed per source, and writes them to `public_dir`.
//!
//! `<public_dir>/feed.atom` and `<public_dir>/sources/<id>.atom`, each written to a temporary
//! file in the same folder and renamed over the old one, so a reader (or nginx) never sees a
//! half-written feed. Files get the mode the umask gives any new file, so a web server running
//! as another user can read them.

use std::io::Write;
use std::path::{Path, PathBuf};

use crate::config::Config;
use crate::feeds::{self, FeedError, FeedRequest, FeedScope};
use crate::render::Format;
use crate::store::{Storage, StoreError};

/// Publishing failures.
#[derive(Debug, thiserror::Error)]
pub enum PublishError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Feed(FeedError),
    #[error("cannot write {path}: {source}")]
    Write {
        path: PathBuf,
        source: std::io::Error,
    },
}

/// The unified feed as Atom: the same first page `serve` gives at `/feed.atom`.
pub fn unified_feed(config: &Config, store: &dyn Storage) -> Result<String, PublishError> {
    let request = FeedRequest::new(FeedScope::All, Format::Atom);
    Ok(feeds::query(config, store, &request)?.render(&feeds::portals(config)))
}

/// Writes the unified feed and every source's feed (the first page each, as `serve` gives
/// them); returns the files written.
pub fn write_feeds(config: &Config, store: &dyn Storage) -> Result<Vec<PathBuf>, PublishError> {
    let public = &config.settings.public_dir;
    let portals = feeds::portals(config);
    let requests = std::iter::once(FeedScope::All)
        .chain(
            config
                .sources
                .iter()
                .map(|s| FeedScope::Source(s.id.clone())),
        )
        .map(|scope| FeedRequest::new(scope, Format::Atom));
    let mut written = Vec::new();
    for request in requests {
        let feed = feeds::query(config, store, &request)?.render(&portals);
        written.push(write_atomically(&public.join(request.path()), &feed)?);
    }
    Ok(written)
}

impl From<FeedError> for PublishError {
    fn from(e: FeedError) -> PublishError {
        match e {
            FeedError::Store(e) => PublishError::Store(e),
            other => PublishError::Feed(other),
        }
    }
}

fn write_atomically(path: &Path, contents: &str) -> Result<PathBuf, PublishError> {
    let err = |source| PublishError::Write {
        path: path.to_path_buf(),
        source,
    };
    let dir = path.parent().unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir).map_err(err)?;
    // Readable by a web server running as another user: the mode any new file gets under the
    // umask (0644 under the usual 022), not tempfile's private 0600.
    let mut builder = tempfile::Builder::new();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        builder.permissions(std::fs::Permissions::from_mode(0o666));
    }
    let mut tmp = builder.tempfile_in(dir).map_err(err)?;
    tmp.write_all(contents.as_bytes()).map_err(err)?;
    tmp.as_file().sync_all().map_err(err)?;
    tmp.persist(path).map_err(|e| err(e.error))?;
    Ok(path.to_path_buf())
}
