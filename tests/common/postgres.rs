//! A throwaway PostgreSQL cluster for tests: Debian's `initdb` and `pg_ctl` in a temp dir,
//! listening on a free loopback port (and a Unix socket in that dir), stopped when dropped.
//! Nothing is downloaded: `scripts/test` installs Debian's `postgresql` when it is missing.
//! `initdb` refuses to run as root, so as root the cluster belongs to the `postgres` user that
//! the package creates.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

pub struct PgCluster {
    dir: tempfile::TempDir,
    bin: PathBuf,
    port: u16,
    as_root: bool,
}

impl PgCluster {
    pub fn start() -> PgCluster {
        let bin = pg_bin().expect(
            "PostgreSQL's server binaries (/usr/lib/postgresql/*/bin/initdb): install Debian's \
             postgresql package (scripts/test does)",
        );
        let dir = tempfile::tempdir().expect("temp dir");
        // SAFETY: geteuid has no preconditions.
        let as_root = unsafe { libc::geteuid() } == 0;
        if as_root {
            let uid = id("-u");
            let gid = id("-g");
            std::os::unix::fs::chown(dir.path(), Some(uid), Some(gid)).expect("chown temp dir");
        }
        let cluster = PgCluster {
            dir,
            bin,
            port: free_port(),
            as_root,
        };
        let data = cluster.data();
        cluster.run_ok(
            "initdb",
            &[
                "-D",
                path(&data),
                "-U",
                "postgres",
                "--auth=trust",
                "--no-sync",
                "-E",
                "UTF8",
                "--locale=C",
            ],
        );
        cluster.resume();
        cluster
    }

    /// Starts the server (again, after [`PgCluster::pause`]) on the same port.
    pub fn resume(&self) {
        let options = format!(
            "-c listen_addresses=127.0.0.1 -p {} -c unix_socket_directories={} -c fsync=off \
             -c synchronous_commit=off -c full_page_writes=off",
            self.port,
            path(self.dir.path())
        );
        let data = self.data();
        let log = self.dir.path().join("server.log");
        self.run_ok(
            "pg_ctl",
            &[
                "-D",
                path(&data),
                "-l",
                path(&log),
                "-w",
                "-o",
                &options,
                "start",
            ],
        );
    }

    /// Stops the server at once, as a crash or a lost network would (clients' connections
    /// break).
    pub fn pause(&self) {
        let data = self.data();
        self.run_ok(
            "pg_ctl",
            &["-D", path(&data), "-m", "immediate", "-w", "stop"],
        );
    }

    /// The URL of database `db` (create it first with [`PgCluster::create_database`], or use
    /// `postgres`).
    pub fn url(&self, db: &str) -> String {
        format!("postgres://postgres@127.0.0.1:{}/{db}", self.port)
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    pub fn create_database(&self, name: &str) -> String {
        self.psql("postgres", &format!("CREATE DATABASE \"{name}\""));
        self.url(name)
    }

    /// Runs `sql` in database `db` with psql; its unaligned, tuples-only output.
    pub fn psql(&self, db: &str, sql: &str) -> String {
        let out = Command::new(self.bin.join("psql"))
            .args(["-X", "-A", "-t", "-v", "ON_ERROR_STOP=1", "-c", sql])
            .arg(self.url(db))
            .output()
            .expect("run psql");
        assert!(
            out.status.success(),
            "psql {sql}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).trim().to_string()
    }

    fn data(&self) -> PathBuf {
        self.dir.path().join("data")
    }

    fn run(&self, tool: &str, args: &[&str]) -> Output {
        let program = self.bin.join(tool);
        let mut command = if self.as_root {
            let mut c = Command::new("runuser");
            c.args(["-u", "postgres", "--"]).arg(program);
            c
        } else {
            Command::new(program)
        };
        command.args(args).output().expect("run a PostgreSQL tool")
    }

    fn run_ok(&self, tool: &str, args: &[&str]) {
        let out = self.run(tool, args);
        let log = std::fs::read_to_string(self.dir.path().join("server.log")).unwrap_or_default();
        assert!(
            out.status.success(),
            "{tool} failed: {}{}\n{log}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

impl Drop for PgCluster {
    fn drop(&mut self) {
        let data = self.data();
        let _ = self.run(
            "pg_ctl",
            &["-D", path(&data), "-m", "immediate", "-w", "stop"],
        );
    }
}

/// The newest installed PostgreSQL's binaries.
fn pg_bin() -> Option<PathBuf> {
    let mut versions: Vec<(u32, PathBuf)> = std::fs::read_dir("/usr/lib/postgresql")
        .ok()?
        .filter_map(Result::ok)
        .filter_map(|e| {
            let version = e.file_name().to_str()?.parse().ok()?;
            let bin = e.path().join("bin");
            bin.join("initdb").exists().then_some((version, bin))
        })
        .collect();
    versions.sort();
    versions.pop().map(|(_, bin)| bin)
}

fn id(flag: &str) -> u32 {
    let out = Command::new("id")
        .args([flag, "postgres"])
        .output()
        .expect("run id");
    String::from_utf8_lossy(&out.stdout)
        .trim()
        .parse()
        .expect("the postgres user (Debian's postgresql package creates it)")
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free loopback port")
        .port()
}

fn path(p: &Path) -> &str {
    p.to_str().expect("temp paths are UTF-8")
}
