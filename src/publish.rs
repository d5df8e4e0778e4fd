//! Publish: renders the unified feed and one feed per source, and writes them to `public_dir`.
//!
//! `<public_dir>/feed.atom` and `<public_dir>/sources/<id>.atom`, each written to a temporary
//! file in the same folder and renamed over the old one, so a reader (or nginx) never sees a
//! half-written feed. Files get the mode the umask gives any new file, so a web server running
//! as another user can read them.

use std::collections::HashMap;
use std::io::Write;
use std::path::{Path, PathBuf};

use crate::config::Config;
use crate::render::{feed_url, render_atom, source_feed_path, FeedInfo, Portal};
use crate::store::{Store, StoreError};

/// Publishing failures.
#[derive(Debug, thiserror::Error)]
pub enum PublishError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("cannot write {path}: {source}")]
    Write {
        path: PathBuf,
        source: std::io::Error,
    },
}

/// Every source of the config, by id, as entries need them.
pub fn portals(config: &Config) -> HashMap<String, Portal> {
    config
        .sources
        .iter()
        .map(|s| (s.id.clone(), Portal::new(s, &config.settings.base_url)))
        .collect()
}

/// The unified feed as Atom.
pub fn unified_feed(config: &Config, store: &Store) -> Result<String, StoreError> {
    let settings = &config.settings;
    let info = FeedInfo::new(
        settings.title.clone(),
        feed_url(&settings.base_url, "feed.atom"),
        Some(settings.base_url.clone()),
    );
    let entries = store.recent(settings.feed_entries)?;
    Ok(render_atom(&info, &entries, &portals(config)))
}

/// One source's feed as Atom, or `None` for an id the config does not have.
pub fn source_feed(
    config: &Config,
    store: &Store,
    source_id: &str,
) -> Result<Option<String>, StoreError> {
    let Some(source) = config.source(source_id) else {
        return Ok(None);
    };
    let info = FeedInfo::new(
        source.name.clone(),
        feed_url(&config.settings.base_url, &source_feed_path(&source.id)),
        Some(source.url.clone()),
    );
    let entries = store.recent_for_source(&source.id, config.settings.feed_entries)?;
    Ok(Some(render_atom(&info, &entries, &portals(config))))
}

/// Writes the unified feed and every source's feed; returns the files written.
pub fn write_feeds(config: &Config, store: &Store) -> Result<Vec<PathBuf>, PublishError> {
    let public = &config.settings.public_dir;
    let mut written = vec![write_atomically(
        &public.join("feed.atom"),
        &unified_feed(config, store)?,
    )?];
    for source in &config.sources {
        if let Some(feed) = source_feed(config, store, &source.id)? {
            let path = public.join(source_feed_path(&source.id));
            written.push(write_atomically(&path, &feed)?);
        }
    }
    Ok(written)
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
